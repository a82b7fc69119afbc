//! Both sides' resources during a steady run, sampled at each finished cycle: this
//! process's CPU (its live worker processes included, the in-process emulator's threads
//! taken out) and resident memory; the emulator's CPU (its own tracker in this process, or
//! `/proc/PID` of a separate `fleetbench emulate`) and memory (a separate one only: an
//! in-process emulator's pages are this process's); and the sessions open on the devices
//! (the in-process emulator's own count, or the established TCP connections to the fleet's
//! ports on this host).

use crate::fleet::Fleet;
use fleetbench_client::strategy::steady::Steady;
use fleetbench_report::steady::SessionSource;
use std::collections::HashSet;
use std::sync::Arc;

/// One reading, cumulative where it can be.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Reading {
    pub client_cpu_s: f64,
    pub client_rss: Option<u64>,
    pub server_cpu_s: Option<f64>,
    pub server_rss: Option<u64>,
    pub device_sessions: Option<u64>,
    /// Polls ended so far.
    pub polls_ended: u64,
}

/// Where the readings come from.
pub(super) struct Sides<'a> {
    fleet: &'a Fleet,
    emulator_pid: Option<u32>,
    schedule: Arc<Steady>,
    /// The fleet's ports, when its devices are on this host and no emulator counts for
    /// itself (the kernel's table then does).
    ports: Option<HashSet<u16>>,
}

impl<'a> Sides<'a> {
    pub fn new(fleet: &'a Fleet, emulator_pid: Option<u32>, schedule: Arc<Steady>) -> Self {
        let local = !fleet.devices.is_empty()
            && fleet
                .devices
                .iter()
                .all(|d| is_loopback(&d.host) && d.bastion.is_none());
        let ports = (fleet.emulator().is_none() && local)
            .then(|| fleet.devices.iter().map(|d| d.port).collect());
        Sides {
            fleet,
            emulator_pid,
            schedule,
            ports,
        }
    }

    /// Where the count of the devices' sessions comes from, if anywhere.
    pub fn session_source(&self) -> Option<SessionSource> {
        if self.fleet.emulator().is_some() {
            Some(SessionSource::Emulator)
        } else {
            self.ports.as_ref().map(|_| SessionSource::Kernel)
        }
    }

    /// Whether the emulator's side is measured at all.
    pub fn has_server(&self) -> bool {
        self.fleet.emulator().is_some() || self.emulator_pid.is_some()
    }

    pub fn read(&self) -> Reading {
        let emulator = self.fleet.emulator();
        // The in-process emulator's record (kept when the fleet has shared limits) is
        // taken at every cycle, so it never grows with the run.
        drop(emulator.map(fleetbench_emulator::EmulatedFleet::drain_sessions));
        let in_process = self.fleet.server_cpu().as_secs_f64();
        let process =
            fleetbench_rusage::cpu_now().total_s() + fleetbench_rusage::live_children_cpu();
        let separate = self.emulator_pid.and_then(fleetbench_rusage::proc_usage);
        Reading {
            client_cpu_s: (process - in_process).max(0.0),
            client_rss: fleetbench_rusage::rss_now(),
            server_cpu_s: match (emulator, separate) {
                (Some(_), _) => Some(in_process),
                (None, Some(p)) => Some(p.cpu_s),
                (None, None) => None,
            },
            server_rss: separate.map(|p| p.rss_bytes),
            device_sessions: match (emulator, &self.ports) {
                (Some(e), _) => Some(e.open_sessions().logged_in),
                (None, Some(ports)) => established_to_ports(ports),
                (None, None) => None,
            },
            polls_ended: self.schedule.polls_ended(),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Established TCP connections on this host whose local port is one of `ports` (the
/// server's side of each session to a device listening there), from `/proc/net/tcp` and
/// `tcp6`; `None` when neither can be read.
pub fn established_to_ports(ports: &HashSet<u16>) -> Option<u64> {
    let mut any = false;
    let mut n = 0;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(table) {
            any = true;
            n += count_established(&text, ports);
        }
    }
    any.then_some(n)
}

/// The lines of a `/proc/net/tcp` table in state ESTABLISHED (`01`) whose local address's
/// port (hex, after the `:`) is in `ports`.
fn count_established(table: &str, ports: &HashSet<u16>) -> u64 {
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let mut f = line.split_whitespace();
            let local = f.nth(1);
            let state = f.nth(1);
            state == Some("01")
                && local
                    .and_then(|l| l.rsplit_once(':'))
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                    .is_some_and(|p| ports.contains(&p))
        })
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_s_table_counts_the_servers_side_only() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1
   1: 0100007F:2711 0100007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 2 1
   2: 0100007F:A000 0100007F:2711 01 00000000:00000000 00:00000000 00000000  1000        0 3 1
   3: 0100007F:2712 0100007F:A001 06 00000000:00000000 00:00000000 00000000  1000        0 4 1
   4: 0100007F:2712 0100007F:A002 01 00000000:00000000 00:00000000 00000000  1000        0 5 1
";
        // 0x2711 = 10001 (listening, established, and a client's own end), 0x2712 = 10002.
        let ports: HashSet<u16> = [10001, 10002].into();
        assert_eq!(count_established(table, &ports), 2);
        assert_eq!(count_established(table, &[10003].into()), 0);
        assert_eq!(count_established("", &ports), 0);
    }

    #[test]
    fn a_listener_here_shows_its_established_connections() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let ports: HashSet<u16> = [port].into();
        let before = established_to_ports(&ports).unwrap();
        let _c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _s = l.accept().unwrap();
        assert_eq!(established_to_ports(&ports).unwrap(), before + 1);
    }
}
