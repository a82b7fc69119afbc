//! The fallback where namespaces are refused: a userspace TCP relay per device on 127.0.0.1,
//! toxiproxy-style. Each direction of each connection reads what arrives, holds it for the
//! one-way delay (plus jitter, never reordering) after the rate limit has "sent" it, then
//! writes it on. Its biases ([`super::Method::biases`]): the TCP handshake is not delayed (the
//! client's connect completes locally), nothing is lost, and chunks rather than packets are
//! delayed; the report says so.
//!
//! Memory is bounded per connection: each direction holds at most [`MAX_CHUNKS`] chunks of at
//! most 16 KiB, and stops reading (so TCP's flow control pushes back) when they are all in use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::error::NetemError;
use crate::spec::LinkParams;
use fleetbench_units::seed::mix;

/// Chunks one direction of one connection may hold in its delay line.
pub const MAX_CHUNKS: usize = 64;

/// A running relay: one local port per device. Dropping it stops everything it started.
pub struct Relay {
    /// The local address to reach each device through, in device order.
    pub addrs: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("devices", &self.addrs.len())
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Relays to each of `upstream` through a listener on 127.0.0.1 with `links[i]`.
    pub fn start(
        upstream: Vec<SocketAddr>,
        links: Vec<LinkParams>,
        seed: u64,
    ) -> Result<Relay, NetemError> {
        let kernel = |what: &str| {
            let what = what.to_string();
            move |source| NetemError::Kernel { what, source }
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("netem-relay")
            .enable_all()
            .build()
            .map_err(kernel("building the relay runtime"))?;
        let (stop, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("netem-relay-main".into())
            .spawn(move || {
                rt.block_on(async move {
                    let mut listeners = Vec::new();
                    for _ in &upstream {
                        match TcpListener::bind("127.0.0.1:0").await {
                            Ok(l) => listeners.push(l),
                            Err(e) => {
                                let _ = ready_tx.send(Err(e));
                                return;
                            }
                        }
                    }
                    let addrs = listeners
                        .iter()
                        .filter_map(|l| l.local_addr().ok())
                        .collect();
                    let _ = ready_tx.send(Ok(addrs));
                    let mut tasks = Vec::new();
                    for (i, (l, (up, link))) in listeners
                        .into_iter()
                        .zip(upstream.into_iter().zip(links))
                        .enumerate()
                    {
                        let stop = stop_rx.clone();
                        tasks.push(tokio::spawn(serve(
                            l,
                            up,
                            Arc::new(link),
                            mix(seed, i as u64),
                            stop,
                        )));
                    }
                    for t in tasks {
                        let _ = t.await;
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(kernel("starting the relay thread"))?;
        let addrs = match ready_rx.recv() {
            Ok(Ok(a)) => a,
            Ok(Err(source)) => {
                let _ = thread.join();
                return Err(NetemError::Kernel {
                    what: "binding a relay port on 127.0.0.1".into(),
                    source,
                });
            }
            Err(_) => {
                let _ = thread.join();
                return Err(NetemError::Kernel {
                    what: "relay thread".into(),
                    source: std::io::Error::other("ended before binding"),
                });
            }
        };
        Ok(Relay {
            addrs,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn serve(
    listener: TcpListener,
    upstream: SocketAddr,
    link: Arc<LinkParams>,
    seed: u64,
    mut stop: watch::Receiver<bool>,
) {
    let mut n = 0u64;
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => return,
            a = listener.accept() => a,
        };
        let Ok((client, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        n += 1;
        let (link, stop) = (link.clone(), stop.clone());
        tokio::spawn(async move {
            let mut stop2 = stop.clone();
            tokio::select! {
                _ = stopped(&mut stop2) => {}
                _ = connection(client, upstream, link, mix(seed, n)) => {}
            }
        });
    }
}

async fn connection(client: TcpStream, upstream: SocketAddr, link: Arc<LinkParams>, seed: u64) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = pump(cr, sw, link.clone(), mix(seed, 1));
    let down = pump(sr, cw, link, mix(seed, 2));
    tokio::join!(up, down);
}

/// One direction: read, schedule (rate, then delay and jitter), write in order; EOF passes on
/// after the data before it.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    link: Arc<LinkParams>,
    seed: u64,
) {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(MAX_CHUNKS);
    let reader = async move {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut free_at = Instant::now();
        let mut last = Instant::now();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => 0,
                Ok(n) => n,
            };
            let now = Instant::now();
            let mut sent = now;
            if let Some(rate) = link.rate_bps {
                sent = free_at.max(now) + Duration::from_secs_f64(n as f64 * 8.0 / rate as f64);
                free_at = sent;
            }
            let mut delay = link.one_way();
            let j = (link.jitter / 2).as_secs_f64();
            if j > 0.0 {
                delay = Duration::from_secs_f64(
                    (delay.as_secs_f64() + rng.random_range(-j..=j)).max(0.0),
                );
            }
            let at = (sent + delay).max(last);
            last = at;
            if tx.send((at, buf[..n].to_vec())).await.is_err() || n == 0 {
                return;
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if bytes.is_empty() || to.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn relays_both_ways_with_the_delay() {
        let echo = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = echo.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = echo.accept().unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        });
        let relay = Relay::start(vec![addr], vec![LinkParams::rtt_ms(60)], 1).unwrap();
        let mut c = std::net::TcpStream::connect(relay.addrs[0]).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let t = std::time::Instant::now();
        c.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).unwrap();
        let rtt = t.elapsed();
        assert_eq!(&buf, b"ping");
        // One round trip through the relay: 60 ms (generous ceiling for a loaded machine).
        assert!(rtt >= Duration::from_millis(60), "{rtt:?}");
        assert!(rtt < Duration::from_millis(600), "{rtt:?}");
        server.join().unwrap();
        // EOF passes through too.
        assert_eq!(c.read(&mut buf).unwrap(), 0);
        drop(relay);
    }
}
