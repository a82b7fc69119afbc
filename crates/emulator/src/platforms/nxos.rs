//! Cisco NX-OS (a Nexus 9000v): `R1#` from login (no enable step), `% Invalid command at '^'
//! marker.`, `show version`, `show ip interface brief`, `show interface brief`, `show clock`,
//! `show running-config`, laid out as ntc-templates' `cisco_nxos` fixtures show them.

use chrono::{DateTime, Utc};

use crate::engine::{Lookup, Outcome, Personality, lines, number, uptime_parts};
use crate::setup::CliSetup;

#[derive(Clone, Copy)]
enum C {
    Length,
    Width,
    Clock,
    Version,
    IpBrief,
    IntBrief,
    Running,
    Hostname,
    Exit,
}

const COMMANDS: &[(&str, C)] = &[
    ("terminal length <n>", C::Length),
    ("terminal width <n>", C::Width),
    ("show clock", C::Clock),
    ("show version", C::Version),
    ("show ip interface brief", C::IpBrief),
    ("show interface brief", C::IntBrief),
    ("show running-config", C::Running),
    ("show hostname", C::Hostname),
    ("exit", C::Exit),
    ("logout", C::Exit),
];

pub struct Nxos {
    setup: CliSetup,
}

impl Nxos {
    pub fn new(setup: CliSetup) -> Self {
        Nxos { setup }
    }

    fn error(&self, what: &str, at: usize) -> Outcome {
        self.caret_error(at, format!("% {what} at '^' marker."))
    }

    fn version(&self, now: DateTime<Utc>) -> Vec<String> {
        let (d, h, m, s) = uptime_parts(self.setup.boot, now);
        lines(&format!(
            "Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Documents: http://www.cisco.com/en/US/products/ps9372/tsd_products_support_series_home.html
Copyright (c) 2002-2022, Cisco Systems, Inc. All rights reserved.
The copyrights to certain works contained herein are owned by
other third parties and are used and distributed under license.
Some parts of this software are covered under the GNU Public
License. A copy of the license is available at
http://www.gnu.org/licenses/gpl.html.

Nexus 9000v is a demo version of the Nexus Operating System

Software
  BIOS: version 
  NXOS: version 9.3(10)
  BIOS compile time:  
  NXOS image file is: bootflash:///nxos.9.3.10.bin
  NXOS compile time:  9/2/2022 4:00:00 [09/02/2022 13:04:31]


Hardware
  cisco Nexus9000 C9300v Chassis 
  Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz with 8159436 kB of memory.
  Processor Board ID {serial}

  Device name: {host}
  bootflash:    4287040 kB
Kernel uptime is {d} day(s), {h} hour(s), {m} minute(s), {s} second(s)

Last reset 
  Reason: Unknown
  System version: 
  Service: 

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):
",
            serial = self.setup.serial(),
            host = self.setup.hostname,
        ))
    }

    fn ip_brief(&self) -> Vec<String> {
        let row = |name: &str, ip: &str, status: &str| format!("{name:<20} {ip:<15} {status}");
        vec![
            "IP Interface Status for VRF \"default\"(1)".to_string(),
            "Interface            IP Address      Interface Status".to_string(),
            row("Lo0", "192.0.2.1", "protocol-up/link-up/admin-up"),
            row(
                "Eth1/1",
                &self.setup.address(),
                "protocol-up/link-up/admin-up",
            ),
            row("Eth1/2", "unassigned", "protocol-down/link-down/admin-down"),
        ]
    }

    fn int_brief(&self) -> Vec<String> {
        let dashes = "-".repeat(80);
        let mut out = vec![
            String::new(),
            dashes.clone(),
            "Port   VRF          Status IP Address                              Speed    MTU"
                .to_string(),
            dashes.clone(),
            format!(
                "mgmt0  --           up     {:<40}1000     1500",
                self.setup.address()
            ),
            String::new(),
            dashes.clone(),
            "Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port"
                .to_string(),
            "Interface                                                                    Ch #"
                .to_string(),
            dashes.clone(),
        ];
        for port in 1..=8 {
            let (status, reason, speed) = if port <= 2 {
                ("up  ", "none                    ", "1000(D)")
            } else {
                ("down", "Link not connected      ", "auto(D)")
            };
            out.push(format!(
                "{:<14}1       eth  access {status}    {reason} {speed:>7} --",
                format!("Eth1/{port}")
            ));
        }
        out.push(String::new());
        out.push(dashes.clone());
        out.push("Interface     Status     Description".to_string());
        out.push(dashes);
        out.push("Lo0           up         --".to_string());
        out.push(String::new());
        out
    }

    fn running(&self, now: DateTime<Utc>) -> Vec<String> {
        lines(&format!(
            "
!Command: show running-config
!Running configuration last done at: {boot}
!Time: {now}

version 9.3(10) Bios:version  
hostname {host}
vdc {host} id 1
  limit-resource vlan minimum 16 maximum 4094
  limit-resource vrf minimum 2 maximum 4096

feature ssh
feature interface-vlan
feature lldp

username admin password 5 ***  role network-admin
ip domain-lookup
copp profile lenient
snmp-server user admin network-admin auth md5 *** priv *** localizedV2key
rmon event 1 owner PMON@FATAL

vlan 1

vrf context management

interface Ethernet1/1
  no switchport
  ip address {addr}/24
  no shutdown

interface Ethernet1/2
  shutdown

interface mgmt0
  vrf member management

interface loopback0
  ip address 192.0.2.1/32
line console
line vty
boot nxos bootflash:/nxos.9.3.10.bin
",
            boot = self.setup.boot.format("%a %b %e %H:%M:%S %Y"),
            now = now.format("%a %b %e %H:%M:%S %Y"),
            host = self.setup.hostname,
            addr = self.setup.address(),
        ))
    }
}

impl Personality for Nxos {
    fn own_prompt(&self) -> String {
        format!("{}#", self.setup.hostname)
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
            Lookup::Invalid { at } => return self.error("Invalid command", at),
            Lookup::Incomplete => return self.error("Incomplete command", line.trim_end().len()),
            Lookup::Ambiguous => return self.error("Ambiguous command", line.trim_end().len()),
        };
        match c {
            C::Length | C::Width => Outcome::Info(Vec::new()),
            C::Clock => {
                Outcome::Output(vec![now.format("%H:%M:%S%.3f UTC %a %b %d %Y").to_string()])
            }
            C::Version => Outcome::Output(self.version(now)),
            C::IpBrief => Outcome::Output(self.ip_brief()),
            C::IntBrief => Outcome::Output(self.int_brief()),
            C::Running => Outcome::Output(self.running(now)),
            C::Hostname => Outcome::Output(vec![self.setup.hostname.clone()]),
            C::Exit => Outcome::Close,
        }
    }
}
