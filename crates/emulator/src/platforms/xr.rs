//! Cisco IOS-XR (an 8000-series virtual router): `RP/0/RP0/CPU0:R1#` from login, a timestamp
//! line before every output (until `terminal exec prompt no-timestamp`), IOS-style errors,
//! `show version`, `show ip interface brief`, `show interfaces brief`, `show clock`,
//! `show running-config`, laid out as ntc-templates' `cisco_xr` fixtures show them.

use chrono::{DateTime, Utc};

use crate::engine::{Lookup, Outcome, Personality, lines, number, uptime_parts};
use crate::setup::CliSetup;

#[derive(Clone, Copy)]
enum C {
    Length,
    Width,
    NoTimestamp,
    Clock,
    Version,
    IpBrief,
    IntBrief,
    Running,
    Exit,
}

const COMMANDS: &[(&str, C)] = &[
    ("terminal length <n>", C::Length),
    ("terminal width <n>", C::Width),
    ("terminal exec prompt no-timestamp", C::NoTimestamp),
    ("show clock", C::Clock),
    ("show version", C::Version),
    ("show ip interface brief", C::IpBrief),
    ("show ipv4 interface brief", C::IpBrief),
    ("show interfaces brief", C::IntBrief),
    ("show running-config", C::Running),
    ("exit", C::Exit),
    ("logout", C::Exit),
];

pub struct Xr {
    setup: CliSetup,
    timestamp: bool,
}

impl Xr {
    pub fn new(setup: CliSetup) -> Self {
        Xr {
            setup,
            timestamp: true,
        }
    }

    /// XR prints the time before every command's output.
    fn output(&self, now: DateTime<Utc>, body: Vec<String>) -> Outcome {
        let mut out = Vec::with_capacity(body.len() + 1);
        if self.timestamp {
            out.push(stamp(now));
        }
        out.extend(body);
        Outcome::Output(out)
    }

    fn version(&self, now: DateTime<Utc>) -> Vec<String> {
        let (d, h, m, _) = uptime_parts(self.setup.boot, now);
        let (w, d) = (d / 7, d % 7);
        let mut up = Vec::new();
        for (n, unit) in [(w, "week"), (d, "day"), (h, "hour"), (m, "minute")] {
            if n > 0 || (unit == "minute" && up.is_empty()) {
                up.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            }
        }
        lines(&format!(
            "Cisco IOS XR Software, Version 7.9.2 LNT
Copyright (c) 2013-2023 by Cisco Systems, Inc.

Build Information:
 Built By     : ingunawa
 Built On     : Thu Jun 29 03:07:05 UTC 2023
 Build Host   : iox-ucs-040
 Workspace    : /auto/srcarchive16/prod/7.9.2/8000/ws
 Version      : 7.9.2
 Label        : 7.9.2

cisco 8000 (Intel(R) Xeon(R) CPU D-1530 @ 2.41GHz)
cisco 8201-SYS (Intel(R) Xeon(R) CPU D-1530 @ 2.41GHz) processor with 32GB of memory
{host} uptime is {up}
Cisco 8201 1RU Chassis",
            host = self.setup.hostname,
            up = up.join(", "),
        ))
    }

    fn ip_brief(&self) -> Vec<String> {
        let row = |name: &str, ip: &str, st: &str, proto: &str| {
            format!("{name:<31}{ip:<16}{st:<16}{proto:<9}default")
        };
        vec![
            String::new(),
            "Interface                      IP-Address      Status          Protocol Vrf-Name"
                .to_string(),
            row("Loopback0", "192.0.2.1", "Up", "Up"),
            row("MgmtEth0/RP0/CPU0/0", &self.setup.address(), "Up", "Up"),
            row("FourHundredGigE0/0/0/0", "unassigned", "Up", "Up"),
            row("FourHundredGigE0/0/0/1", "unassigned", "Shutdown", "Down"),
        ]
    }

    fn int_brief(&self) -> Vec<String> {
        let row = |n: &str, s: &str, l: &str, e: &str, mtu: u32, bw: u64| {
            format!("{n:>19}{s:>12}{l:>12}{e:>19}{mtu:>6}{bw:>11}")
        };
        vec![
            String::new(),
            "               Intf       Intf        LineP              Encap  MTU        BW"
                .to_string(),
            "               Name       State       State               Type (byte)    (Kbps)"
                .to_string(),
            "-".repeat(80),
            row("Lo0", "up", "up", "Loopback", 1500, 0),
            row("Nu0", "up", "up", "Null", 1500, 0),
            row("Mg0/RP0/CPU0/0", "up", "up", "ARPA", 1514, 1_000_000),
            row("FH0/0/0/0", "up", "up", "ARPA", 9216, 400_000_000),
            row(
                "FH0/0/0/1",
                "admin-down",
                "admin-down",
                "ARPA",
                9216,
                400_000_000,
            ),
            String::new(),
        ]
    }

    fn running(&self) -> Vec<String> {
        lines(&format!(
            "Building configuration...
!! IOS XR Configuration 7.9.2
!! Last configuration change at {boot} by cisco
!
hostname {host}
username cisco
 group root-lr
 group cisco-support
 secret 10 ***
!
interface Loopback0
 ipv4 address 192.0.2.1 255.255.255.255
!
interface MgmtEth0/RP0/CPU0/0
 ipv4 address {addr} 255.255.255.0
!
interface FourHundredGigE0/0/0/0
!
interface FourHundredGigE0/0/0/1
 shutdown
!
ssh server v2
ssh server vrf default
end
",
            boot = self.setup.boot.format("%a %b %e %H:%M:%S %Y"),
            host = self.setup.hostname,
            addr = self.setup.address(),
        ))
    }
}

/// `Sun Nov 22 08:36:01.242 UTC`
fn stamp(now: DateTime<Utc>) -> String {
    now.format("%a %b %e %H:%M:%S%.3f UTC").to_string()
}

impl Personality for Xr {
    fn own_prompt(&self) -> String {
        format!("RP/0/RP0/CPU0:{}#", self.setup.hostname)
    }

    fn prompt_override(&self) -> Option<&str> {
        self.setup.prompt_override.as_deref()
    }

    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        let c = match self.lookup(line, COMMANDS) {
            Lookup::Empty => return Outcome::Prompt,
            Lookup::Found(C::Length, args) => {
                return Outcome::Paging {
                    length: number(&args),
                    info: Vec::new(),
                };
            }
            Lookup::Found(c, _) => c,
            Lookup::Invalid { at } => {
                return self.caret_error(at, "% Invalid input detected at '^' marker.");
            }
            Lookup::Incomplete => {
                return Outcome::Error(vec!["% Incomplete command.".into(), String::new()]);
            }
            Lookup::Ambiguous => {
                return Outcome::Error(vec![
                    format!("% Ambiguous command:  \"{}\"", line.trim()),
                    String::new(),
                ]);
            }
        };
        match c {
            C::Length | C::Width => Outcome::Info(Vec::new()),
            C::NoTimestamp => {
                self.timestamp = false;
                Outcome::Info(Vec::new())
            }
            C::Clock => self.output(
                now,
                vec![now.format("%H:%M:%S%.3f UTC %a %b %d %Y").to_string()],
            ),
            C::Version => self.output(now, self.version(now)),
            C::IpBrief => self.output(now, self.ip_brief()),
            C::IntBrief => self.output(now, self.int_brief()),
            C::Running => self.output(now, self.running()),
            C::Exit => Outcome::Close,
        }
    }
}
