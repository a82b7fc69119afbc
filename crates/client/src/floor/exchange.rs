//! The floor's exchange: a crypto-free loopback TCP session with a real session's writes,
//! in order and with their sizes ([`SESSION_WRITES`]), each side on a thread of its own with
//! blocking sockets and `TCP_NODELAY` (as both real sides): connect and accept, each side
//! writing its messages and reading each run of the peer's as it comes (the fewest system
//! calls that move those bytes), the last read of the closing side, close. Each side's CPU
//! (user and kernel) is its own thread's; loopback delivery runs in the sender's context, in
//! the floor as in a real session.
//!
//! One `setsockopt` per side (the read timeout that keeps the floor from hanging) is not in
//! a real session.

use super::FloorError;
use fleetbench_report::Spread;
use fleetbench_report::floor::Exchange;
use fleetbench_rusage::thread_cpu;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

/// Which side of the session a write belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Emulator,
}

use Side::{Client as C, Emulator as E};

/// One `instant` session's TCP payload writes with the default algorithms (handshake,
/// password auth, pty, shell, the dialogue of `terminal length 0`, `enable`, `show clock`,
/// `exit`, close), in the order they happened and with their sizes in bytes, from `strace`
/// of both sides of one real session (`scripts/session-writes.sh` prints them again): 17
/// client writes (1 872 bytes) and 16 emulator writes (1 860 bytes).
pub const SESSION_WRITES: &[(Side, usize)] = &[
    (E, 20),
    (C, 28),
    (E, 736),
    (C, 1136),
    (C, 48),
    (E, 208),
    (C, 16),
    (C, 44),
    (E, 164),
    (E, 128),
    (C, 76),
    (E, 36),
    (C, 52),
    (E, 44),
    (C, 76),
    (E, 36),
    (C, 44),
    (E, 36),
    (E, 44),
    (C, 52),
    (E, 60),
    (C, 44),
    (E, 52),
    (C, 44),
    (E, 44),
    (C, 52),
    (E, 84),
    (C, 44),
    (E, 44),
    (E, 124),
    (C, 36),
    (C, 36),
    (C, 44),
];

/// Longest any read of the exchange waits: the floor never hangs on a lost peer.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest run of one side's consecutive writes fits.
const BUF: usize = 4096;

/// Writes and bytes of one side.
fn totals(side: Side) -> (usize, usize) {
    let w = SESSION_WRITES.iter().filter(|(x, _)| *x == side);
    (w.clone().count(), w.map(|(_, n)| n).sum())
}

/// Walks [`SESSION_WRITES`] as `me`: writes my messages, reads each run of the peer's.
fn play(stream: &mut TcpStream, me: Side, buf: &mut [u8]) -> io::Result<()> {
    let mut i = 0;
    while let Some(&(side, n)) = SESSION_WRITES.get(i) {
        if side == me {
            stream.write_all(buf.get(..n).ok_or(io::ErrorKind::InvalidInput)?)?;
            i += 1;
            continue;
        }
        // The peer's consecutive writes, read as they come (in one read or several).
        let mut want = 0;
        while let Some(&(_, n)) = SESSION_WRITES.get(i).filter(|(s, _)| *s != me) {
            want += n;
            i += 1;
        }
        let mut got = 0;
        while got < want {
            let room = buf
                .get_mut(..(want - got).min(BUF))
                .ok_or(io::ErrorKind::InvalidInput)?;
            match stream.read(room)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                k => got += k,
            }
        }
    }
    Ok(())
}

/// The exchange timed: `rounds` rounds of `iterations` sessions, each side's CPU per session.
pub fn exchange(iterations: usize, rounds: usize) -> Result<Exchange, FloorError> {
    let (client_writes, client_bytes) = totals(C);
    let (emulator_writes, emulator_bytes) = totals(E);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let n = iterations.max(1);
    let rounds = rounds.max(1);
    let server = std::thread::Builder::new()
        .name("floor-accept".into())
        .spawn(move || -> io::Result<Vec<f64>> {
            let mut buf = vec![0u8; BUF];
            let mut per_round = Vec::new();
            for _ in 0..rounds {
                let t0 = thread_cpu();
                for _ in 0..n {
                    let (mut s, _) = listener.accept()?;
                    s.set_nodelay(true)?;
                    s.set_read_timeout(Some(READ_TIMEOUT))?;
                    play(&mut s, E, &mut buf)?;
                    // The emulator closes after the client's disconnect: read its end.
                    let _ = s.read(&mut buf[..1]);
                    let _ = s.shutdown(Shutdown::Both);
                }
                per_round.push(thread_cpu().saturating_sub(t0).as_secs_f64() / n as f64);
            }
            Ok(per_round)
        })?;
    let mut buf = vec![0u8; BUF];
    let mut client_rounds = Vec::new();
    let mut failed = None;
    'rounds: for _ in 0..rounds {
        let t0 = thread_cpu();
        for _ in 0..n {
            let r = TcpStream::connect(addr).and_then(|mut s| {
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(READ_TIMEOUT))?;
                play(&mut s, C, &mut buf)
            });
            if let Err(e) = r {
                failed = Some(e);
                break 'rounds;
            }
        }
        client_rounds.push(thread_cpu().saturating_sub(t0).as_secs_f64() / n as f64);
    }
    if let Some(e) = failed {
        // The accepting thread then fails its next read within the timeout, or waits in
        // accept: wake it with connections that close at once, until it has ended.
        while !server.is_finished() {
            if TcpStream::connect(addr).is_err() {
                break;
            }
        }
        let _ = server.join();
        return Err(e.into());
    }
    let server_rounds = server.join().map_err(|_| FloorError::Thread)??;
    Ok(Exchange {
        client_writes,
        emulator_writes,
        client_bytes,
        emulator_bytes,
        client: Spread::of(&client_rounds),
        emulator: Spread::of(&server_rounds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writes_are_the_counted_sessions() {
        assert_eq!(totals(C), (17, 1872));
        assert_eq!(totals(E), (16, 1860));
        // No run of one side's writes outgrows the read buffer.
        let mut run = 0;
        let mut last = None;
        for &(side, n) in SESSION_WRITES {
            run = if last == Some(side) { run + n } else { n };
            last = Some(side);
            assert!(run <= BUF);
        }
    }

    #[test]
    fn both_sides_move_every_byte_and_cost_cpu() {
        let x = exchange(3, 2).unwrap();
        assert_eq!((x.client_writes, x.client_bytes), (17, 1872));
        assert_eq!((x.emulator_writes, x.emulator_bytes), (16, 1860));
        assert!(x.client.median > 0.0 && x.emulator.median > 0.0, "{x:?}");
    }
}
