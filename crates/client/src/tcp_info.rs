//! `TCP_INFO` of the session's socket just before it closes: what the kernel counted
//! (segments, retransmissions, its RTT), for the report's `tcp` and the network table.

use fleetbench_report::TcpStats;
use std::os::fd::RawFd;

/// `getsockopt(TCP_INFO)` of a connected TCP socket; `None` if the kernel refuses.
pub fn tcp_stats(fd: RawFd) -> Option<TcpStats> {
    // SAFETY: tcp_info is plain data; zeroed is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: info is writable for len bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    (rc == 0).then(|| TcpStats {
        segs_out: info.tcpi_segs_out,
        segs_in: info.tcpi_segs_in,
        bytes_acked: info.tcpi_bytes_acked,
        bytes_received: info.tcpi_bytes_received,
        retransmits: info.tcpi_total_retrans,
        rtt_s: f64::from(info.tcpi_rtt) / 1e6,
        min_rtt_s: f64::from(info.tcpi_min_rtt) / 1e6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn tcp_stats_of_a_loopback_connection() {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut s, _) = l.accept().unwrap();
        c.write_all(b"hello").unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        s.write_all(b"hi").unwrap();
        c.read_exact(&mut buf[..2]).unwrap();
        let t = tcp_stats(c.as_raw_fd()).unwrap();
        assert_eq!(t.bytes_acked, 5 + 1, "the payload and the SYN");
        assert_eq!(t.bytes_received, 2);
        assert!(t.segs_out >= 2 && t.segs_in >= 2, "{t:?}");
        assert_eq!(t.retransmits, 0);
        assert!(tcp_stats(-1).is_none());
    }
}
