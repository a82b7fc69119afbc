//! The box itself: `show inventory`, logging, users, CPU, memory, NTP, `dir`.

use chrono::{DateTime, TimeDelta, Utc};

use super::view::View;
use crate::identity;

/// The flash file system size `dir` reports, and the image on it.
const FLASH_TOTAL: u64 = 2_142_715_904;
const IMAGE_BYTES: u64 = 147_725_312;

impl View<'_> {
    pub fn inventory(&self) -> Vec<String> {
        let sn = &self.id.serial;
        vec![
            format!("NAME: \"IOSv\", DESCR: \"IOSv chassis, Hw Serial#: {sn}, Hw Revision: 1.0\""),
            format!("PID: IOSv              , VID: 1.0, SN: {sn}"),
            String::new(),
            String::new(),
        ]
    }

    pub fn logging(&self) -> Vec<String> {
        let stamp = |t: DateTime<Utc>| t.format("*%b %e %H:%M:%S%.3f").to_string();
        let mut log = Vec::new();
        let mut t = self.boot + TimeDelta::seconds(20);
        for i in self
            .interfaces
            .iter()
            .filter(|i| i.is_physical() && !i.shutdown)
        {
            log.push(format!(
                "{}: %LINK-3-UPDOWN: Interface {}, changed state to up",
                stamp(t),
                i.name
            ));
            t += TimeDelta::milliseconds(37);
        }
        t += TimeDelta::seconds(9);
        for n in self.live_neighbors() {
            log.push(format!(
                "{}: %OSPF-5-ADJCHG: Process 1, Nbr {} on {} from LOADING to FULL, Loading Done",
                stamp(t),
                identity::loopback(n.remote),
                n.local_if
            ));
            t += TimeDelta::milliseconds(411);
        }
        for n in self.live_neighbors() {
            log.push(format!(
                "{}: %BGP-5-ADJCHANGE: neighbor {} Up ",
                stamp(t),
                n.remote_addr
            ));
            t += TimeDelta::milliseconds(203);
        }
        if let Some(c) = self.changed {
            log.push(format!(
                "{}: %SYS-5-CONFIG_I: Configured from console by {} on vty0 (127.0.0.1)",
                stamp(c),
                self.user
            ));
        }
        let mut out: Vec<String> = format!(
            "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)

No Active Message Discriminator.



No Inactive Message Discriminator.


    Console logging: disabled
    Monitor logging: level debugging, 0 messages logged, xml disabled,
                     filtering disabled
    Buffer logging:  level informational, {n} messages logged, xml disabled,
                    filtering disabled
    Exception Logging: size (4096 bytes)
    Count and timestamp logging messages: disabled
    Persistent logging: disabled

No active filter modules.

    Trap logging: level notifications, {n} message lines logged
        Logging Source-Interface:       VRF Name:
        Loopback0                   

Log Buffer (65536 bytes):
",
            n = log.len()
        )
        .lines()
        .map(str::to_string)
        .collect();
        out.extend(log);
        out
    }

    /// `show users`: this session on vty 0. IOSv numbers its lines con 0 = 0, aux 0 = 1,
    /// vty 0 = 2, right-aligned after the `*` that marks the asking session (ntc-templates
    /// requires that space).
    pub fn users(&self) -> Vec<String> {
        vec![
            "    Line       User       Host(s)              Idle       Location".into(),
            format!(
                "*  2 vty 0     {:<10} idle                 00:00:00 127.0.0.1",
                self.user
            ),
            String::new(),
            "  Interface    User               Mode         Idle     Peer Address".into(),
        ]
    }

    pub fn processes_cpu(&self) -> Vec<String> {
        let one = 1 + self.id.index % 4;
        let mut out = vec![
            format!(
                "CPU utilization for five seconds: {one}%/0%; one minute: {one}%; five minutes: {}%",
                one.max(2) - 1
            ),
            " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process ".into(),
        ];
        let up_ms = self
            .now
            .signed_duration_since(self.boot)
            .num_milliseconds()
            .max(0) as u64;
        for (pid, name, share) in [
            (1u32, "Chunk Manager", 1u64),
            (2, "Load Meter", 7),
            (3, "OSPF-1 Hello", 11),
            (4, "BGP Router", 13),
            (5, "SSH Process", 17),
            (6, "IP Input", 29),
            (7, "CDP Protocol", 5),
            (8, "LLDP Protocol", 5),
        ] {
            let runtime = up_ms / 100_000 * share;
            let invoked = up_ms / 1000 * share / 3 + 1;
            out.push(format!(
                "{pid:>4}{runtime:>12}{invoked:>12}{:>11}  0.00%  0.00%  0.00%   0 {name:<17}",
                runtime * 1000 / invoked
            ));
        }
        out
    }

    pub fn memory_statistics(&self) -> Vec<String> {
        let used = 80_233_780 + self.id.index as u64 * 4096;
        vec![
            "                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)"
                .into(),
            format!(
                "Processor  1F5AE6A8   409678144 {used:>11} {:>11}   327916836   327760412",
                409_678_144 - used
            ),
            "      I/O   E800000    16777216     4200456    12576760    12532132    12576700"
                .into(),
        ]
    }

    pub fn ntp_status(&self) -> Vec<String> {
        let servers = self.running.ntp_servers();
        let Some(peer) = servers.first() else {
            return vec!["%NTP is not enabled.".into()];
        };
        let reference = self.now - TimeDelta::seconds(12);
        vec![
            format!("Clock is synchronized, stratum 3, reference is {peer}   "),
            "nominal freq is 250.0000 Hz, actual freq is 250.0000 Hz, precision is 2**10".into(),
            format!(
                "ntp uptime is {} (1/100 of seconds), resolution is 4000",
                self.now
                    .signed_duration_since(self.boot)
                    .num_seconds()
                    .max(0)
                    * 100
            ),
            format!(
                "reference time is {:08X}.00000000 ({})",
                (reference.timestamp() + 2_208_988_800) as u32,
                reference.format("%H:%M:%S%.3f UTC %a %b %-d %Y")
            ),
            "clock offset is 0.5000 msec, root delay is 1.00 msec".into(),
            "root dispersion is 2.50 msec, peer dispersion is 0.50 msec".into(),
            "loopfilter state is 'CTRL' (Normal Controlled Loop), drift is 0.000000000 s/s".into(),
            "system poll interval is 64, last update was 12 sec ago.".into(),
        ]
    }

    pub fn ntp_associations(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "  address         ref clock       st   when   poll reach  delay  offset   disp".into(),
        ];
        for (k, s) in self.running.ntp_servers().iter().enumerate() {
            let mark = if k == 0 { "*~" } else { "+~" };
            out.push(format!(
                "{mark}{s:<16}{:<16}{:>2}{:>7}{:>7}{:>6}{:>7}{:>8}{:>7}",
                ".GPS.",
                1,
                12 + k * 7,
                64,
                377,
                "1.000",
                "0.500",
                "0.500"
            ));
        }
        out.push(
            " * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured".into(),
        );
        out
    }

    pub fn dir(&self, startup_bytes: usize) -> Vec<String> {
        let built = "Oct 28 2021 14:31:00 +00:00";
        let boot = self.boot.format("%b %e %Y %H:%M:%S +00:00").to_string();
        let used = IMAGE_BYTES + startup_bytes as u64 + 4096;
        vec![
            "Directory of flash0:/".into(),
            String::new(),
            format!("    1  -rw-   {IMAGE_BYTES:>9}  {built}  vios-adventerprisek9-m"),
            format!("    2  drw-   {:>9}  {boot}  boot", 0),
            format!("    3  -rw-   {startup_bytes:>9}  {boot}  startup-config"),
            String::new(),
            format!(
                "{FLASH_TOTAL} bytes total ({} bytes free)",
                FLASH_TOTAL - used
            ),
        ]
    }
}
