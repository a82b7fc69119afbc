//! Arista EOS (vEOS): `R1>` then `enable` to `R1#`, `Pagination disabled.`, `% Invalid input`,
//! `show version`, `show ip interface brief`, `show interfaces status`, `show clock`,
//! `show running-config` (privileged), laid out as ntc-templates' `arista_eos` fixtures show
//! them.

use chrono::{DateTime, Utc};

use crate::engine::{Lookup, Outcome, Personality, lines, number, uptime_parts};
use crate::setup::CliSetup;

#[derive(Clone, Copy, PartialEq, Eq)]
enum C {
    Length,
    Width,
    Enable,
    Disable,
    Clock,
    Version,
    IpBrief,
    Status,
    Running,
    Hostname,
    Exit,
}

const COMMANDS: &[(&str, C)] = &[
    ("terminal length <n>", C::Length),
    ("terminal width <n>", C::Width),
    ("enable", C::Enable),
    ("disable", C::Disable),
    ("show clock", C::Clock),
    ("show version", C::Version),
    ("show ip interface brief", C::IpBrief),
    ("show interfaces status", C::Status),
    ("show running-config", C::Running),
    ("show hostname", C::Hostname),
    ("exit", C::Exit),
    ("logout", C::Exit),
    ("quit", C::Exit),
];

pub struct Eos {
    setup: CliSetup,
    privileged: bool,
}

impl Eos {
    pub fn new(setup: CliSetup) -> Self {
        Eos {
            setup,
            privileged: false,
        }
    }

    fn mac(&self) -> String {
        let m = self.setup.mac(0);
        format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }

    fn version(&self, now: DateTime<Utc>) -> Vec<String> {
        let (d, h, m, _) = uptime_parts(self.setup.boot, now);
        lines(&format!(
            "Arista vEOS-lab
Hardware version:
Serial number: {serial}
Hardware MAC address: {mac}
System MAC address: {mac}

Software image version: 4.31.2F
Architecture: x86_64
Internal build version: 4.31.2F-35442176.4312F
Internal build ID: 7ed5d1d9-8b7d-4e43-a8b0-5c4a0d0f2c88
Image format version: 1.0
Image optimization: None

Uptime: {d} days, {h} hours and {m} minutes
Total memory: 4002036 kB
Free memory: 2527380 kB
",
            serial = self.setup.serial(),
            mac = self.mac(),
        ))
    }

    fn ip_brief(&self) -> Vec<String> {
        let row = |name: &str, ip: &str, st: &str, proto: &str, mtu: u32| {
            format!("{name:<23}{ip:<19}{st:<11}{proto:<15}{mtu:>6}")
        };
        vec![
            "Interface              IP Address         Status     Protocol         MTU".to_string(),
            row(
                "Ethernet1",
                &format!("{}/24", self.setup.address()),
                "up",
                "up",
                1500,
            ),
            row("Ethernet2", "unassigned", "down", "down", 1500),
            row("Loopback0", "192.0.2.1/32", "up", "up", 65535),
            row("Management1", "unassigned", "down", "down", 1500),
        ]
    }

    fn status(&self) -> Vec<String> {
        let row = |port: &str, name: &str, st: &str, vlan: &str, dup: &str, speed: &str| {
            format!("{port:<11}{name:<23}{st:<13}{vlan:<12}{dup:<8}{speed:>5} EbraTestPhyPort")
        };
        vec![
            "Port       Name                   Status       Vlan        Duplex  Speed Type"
                .to_string(),
            row("Et1", "uplink", "connected", "routed", "full", "1G"),
            row("Et2", "", "notconnect", "1", "full", "1G"),
            row("Ma1", "", "notconnect", "routed", "a-full", "a-1G")
                .replace("EbraTestPhyPort", "10/100/1000"),
        ]
    }

    fn running(&self) -> Vec<String> {
        lines(&format!(
            "! Command: show running-config
! device: {host} (vEOS-lab, EOS-4.31.2F)
!
! boot system flash:/vEOS-lab.swi
!
no aaa root
!
username cisco privilege 15 role network-admin secret sha512 ***
!
transceiver qsfp default-mode 4x10G
!
service routing protocols model multi-agent
!
hostname {host}
!
spanning-tree mode mstp
!
interface Ethernet1
   no switchport
   ip address {addr}/24
!
interface Ethernet2
!
interface Loopback0
   ip address 192.0.2.1/32
!
interface Management1
!
ip routing
!
management ssh
!
end",
            host = self.setup.hostname,
            addr = self.setup.address(),
        ))
    }
}

impl Personality for Eos {
    fn own_prompt(&self) -> String {
        format!(
            "{}{}",
            self.setup.hostname,
            if self.privileged { '#' } else { '>' }
        )
    }

    fn prompt_override(&self) -> Option<&str> {
        self.setup.prompt_override.as_deref()
    }

    fn check_secret(&mut self, typed: &[u8]) -> bool {
        let ok = !self.setup.enable_refused && typed == self.setup.secret.as_bytes();
        self.privileged |= ok;
        ok
    }

    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        let err = |m: &str| Outcome::Error(vec![m.to_string()]);
        let c = match self.lookup(line, COMMANDS) {
            Lookup::Empty => return Outcome::Prompt,
            Lookup::Found(C::Length, args) => {
                let length = number(&args);
                let info = if length == 0 {
                    "Pagination disabled.".to_string()
                } else {
                    format!("Pagination set to {length} lines.")
                };
                return Outcome::Paging {
                    length,
                    info: vec![info],
                };
            }
            Lookup::Found(C::Width, args) => {
                return Outcome::Info(vec![format!("Width set to {} columns.", number(&args))]);
            }
            Lookup::Found(c, _) => c,
            Lookup::Invalid { .. } => return err("% Invalid input"),
            Lookup::Incomplete => return err("% Incomplete command"),
            Lookup::Ambiguous => return err("% Ambiguous command"),
        };
        match c {
            C::Enable if !self.privileged => {
                if self.setup.secret.is_empty() && !self.setup.enable_refused {
                    self.privileged = true;
                    Outcome::Prompt
                } else {
                    Outcome::AskSecret
                }
            }
            C::Enable | C::Length | C::Width => Outcome::Prompt,
            C::Disable => {
                self.privileged = false;
                Outcome::Prompt
            }
            C::Clock => Outcome::Output(vec![
                now.format("%a %b %e %H:%M:%S %Y").to_string(),
                "Timezone: UTC".to_string(),
                "Clock source: local".to_string(),
            ]),
            C::Version => Outcome::Output(self.version(now)),
            C::IpBrief => Outcome::Output(self.ip_brief()),
            C::Status => Outcome::Output(self.status()),
            C::Running if !self.privileged => err("% Invalid input (privileged mode required)"),
            C::Running => Outcome::Output(self.running()),
            C::Hostname => Outcome::Output(vec![
                format!("Hostname: {}", self.setup.hostname),
                format!("FQDN:     {}", self.setup.hostname),
            ]),
            C::Exit => Outcome::Close,
        }
    }
}
