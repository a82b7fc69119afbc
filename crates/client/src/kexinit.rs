//! The server's algorithm offer, read from its `SSH_MSG_KEXINIT` (RFC 4253 §7.1), so that a
//! failed negotiation can name both sides' lists as OpenSSH does ("no matching key exchange
//! method found. Their offer: ..."). libssh2 only says "Unable to exchange encryption keys", so
//! after such a failure the session core opens one more connection, sends its version line,
//! reads the server's version line and first packet (KEXINIT is sent in the clear), and closes.
//! [`parse`] is a pure function over the bytes read; [`probe`] is the I/O around it, with the
//! phase deadline.

use std::io::{self, Read, Write};
use std::time::Instant;

use crate::wait::{Dirs, Io};
use fleetbench_inventory::algorithms::Kind;

/// Most bytes read from a server before giving up on finding its KEXINIT.
const MAX_PROBE: usize = 64 * 1024;

/// The server's lists, in the order it sent them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offer {
    pub kex: Vec<String>,
    pub hostkey: Vec<String>,
    /// Client to server (the server to client list is the same on every server we know).
    pub ciphers: Vec<String>,
    pub macs: Vec<String>,
}

impl Offer {
    pub fn get(&self, kind: Kind) -> &[String] {
        match kind {
            Kind::Kex => &self.kex,
            Kind::HostKey => &self.hostkey,
            Kind::Ciphers => &self.ciphers,
            Kind::Macs => &self.macs,
        }
    }
}

/// `Ok(None)`: more bytes needed. `Err`: not an SSH server's opening.
pub fn parse(buf: &[u8]) -> Result<Option<Offer>, String> {
    // Lines before the version line are allowed (RFC 4253 §4.2); the version line starts
    // with `SSH-`.
    let mut at = 0;
    loop {
        let Some(nl) = buf[at..].iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = &buf[at..at + nl];
        at += nl + 1;
        if line.starts_with(b"SSH-") {
            break;
        }
        if at > 8192 {
            return Err("no SSH version line".into());
        }
    }
    let pkt = &buf[at..];
    if pkt.len() < 5 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([pkt[0], pkt[1], pkt[2], pkt[3]]) as usize;
    if !(12..=35_000).contains(&len) {
        return Err(format!("implausible packet length {len}"));
    }
    if pkt.len() < 4 + len {
        return Ok(None);
    }
    let padding = pkt[4] as usize;
    let payload = pkt
        .get(5..4 + len - padding.min(len - 1))
        .ok_or("bad padding")?;
    if payload.first() != Some(&20) {
        return Err(format!(
            "first packet is message {:?}, not KEXINIT",
            payload.first()
        ));
    }
    // msg(1) cookie(16), then ten name-lists.
    let mut rest = payload.get(17..).ok_or("short KEXINIT")?;
    let mut lists = Vec::with_capacity(10);
    for _ in 0..10 {
        let n = rest.get(..4).ok_or("short KEXINIT")?;
        let n = u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize;
        let s = rest.get(4..4 + n).ok_or("short KEXINIT")?;
        lists.push(
            String::from_utf8_lossy(s)
                .split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
        rest = &rest[4 + n..];
    }
    let mut it = lists.into_iter();
    let mut next = || it.next().unwrap_or_default();
    let kex = next();
    let hostkey = next();
    let ciphers = next();
    let _ciphers_sc = next();
    let macs = next();
    Ok(Some(Offer {
        // OpenSSH's pseudo-algorithms (`ext-info-s`, `kex-strict-s-v00@openssh.com`) are
        // markers, not key exchanges.
        kex: kex
            .into_iter()
            .filter(|k| !k.starts_with("ext-info-") && !k.starts_with("kex-strict-"))
            .collect(),
        hostkey,
        ciphers,
        macs,
    }))
}

/// Connects to `host:port` again and reads the server's offer, before `deadline`.
pub async fn probe<I: Io>(io: &I, host: &str, port: u16, deadline: Instant) -> io::Result<Offer> {
    let (mut stream, sock) = io.connect(host, port, deadline).await?;
    let mut wrote = 0;
    let hello = b"SSH-2.0-fleetbench_probe\r\n";
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if wrote < hello.len() {
            match stream.write(&hello[wrote..]) {
                Ok(n) => wrote += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                match parse(&buf) {
                    Ok(Some(offer)) => return Ok(offer),
                    Ok(None) if buf.len() < MAX_PROBE => continue,
                    Ok(None) => return Err(io::Error::other("no KEXINIT in the first 64 KiB")),
                    Err(e) => return Err(io::Error::other(e)),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let dirs = Dirs {
                    read: true,
                    write: wrote < hello.len(),
                };
                if !io.ready(&sock, dirs, deadline).await? {
                    return Err(io::ErrorKind::TimedOut.into());
                }
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_list(v: &[&str]) -> Vec<u8> {
        let s = v.join(",");
        let mut out = (s.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(s.as_bytes());
        out
    }

    fn kexinit(lists: [&[&str]; 10]) -> Vec<u8> {
        let mut payload = vec![20u8];
        payload.extend_from_slice(&[7u8; 16]);
        for l in lists {
            payload.extend(name_list(l));
        }
        payload.extend_from_slice(&[0, 0, 0, 0, 0]);
        let padding = 8 - (payload.len() + 5) % 8 + 4;
        let len = 1 + payload.len() + padding;
        let mut pkt = (len as u32).to_be_bytes().to_vec();
        pkt.push(padding as u8);
        pkt.extend(payload);
        pkt.extend(std::iter::repeat_n(0u8, padding));
        pkt
    }

    #[test]
    fn reads_the_lists_after_the_version_line() {
        let mut bytes = b"SSH-2.0-Cisco-1.25\r\n".to_vec();
        let pkt = kexinit([
            &["diffie-hellman-group14-sha1", "ext-info-s"],
            &["ssh-rsa"],
            &["aes128-cbc", "aes128-ctr"],
            &["aes128-cbc", "aes128-ctr"],
            &["hmac-sha1"],
            &["hmac-sha1"],
            &["none"],
            &["none"],
            &[],
            &[],
        ]);
        bytes.extend_from_slice(&pkt);
        for cut in [3, 20, 25, bytes.len() - 1] {
            assert_eq!(parse(&bytes[..cut]), Ok(None), "cut at {cut}");
        }
        let offer = parse(&bytes).unwrap().unwrap();
        assert_eq!(offer.kex, ["diffie-hellman-group14-sha1"]);
        assert_eq!(offer.hostkey, ["ssh-rsa"]);
        assert_eq!(offer.ciphers, ["aes128-cbc", "aes128-ctr"]);
        assert_eq!(offer.macs, ["hmac-sha1"]);
    }

    #[test]
    fn rejects_what_is_not_ssh() {
        let mut bytes = b"SSH-2.0-x\r\n".to_vec();
        bytes.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 4, 1, 2, 3]);
        assert!(parse(&bytes).is_err());
    }
}
