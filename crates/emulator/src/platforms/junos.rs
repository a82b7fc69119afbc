//! Juniper Junos (a vMX): `user@R1> ` in operational mode, `set cli screen-length 0`,
//! `syntax error`/`unknown command.`, the `---(more)---` pager, `show version`,
//! `show system uptime`, `show interfaces terse`, `show configuration`, laid out as
//! ntc-templates' `juniper_junos` fixtures show them.

use chrono::{DateTime, Utc};

use crate::engine::{Erase, Filter, Lookup, Outcome, Pager, Personality, lines, number, tokens};
use crate::setup::CliSetup;

#[derive(Clone, Copy)]
enum C {
    Length,
    Width,
    CompleteOnSpace,
    Version,
    Uptime,
    Terse,
    Configuration,
    Exit,
}

const COMMANDS: &[(&str, C)] = &[
    ("set cli screen-length <n>", C::Length),
    ("set cli screen-width <n>", C::Width),
    ("set cli complete-on-space <word>", C::CompleteOnSpace),
    ("show version", C::Version),
    ("show system uptime", C::Uptime),
    ("show interfaces terse", C::Terse),
    ("show configuration", C::Configuration),
    ("exit", C::Exit),
    ("quit", C::Exit),
];

const VERSION: &str = "21.4R3.15";

pub struct Junos {
    setup: CliSetup,
}

impl Junos {
    pub fn new(setup: CliSetup) -> Self {
        Junos { setup }
    }

    fn version(&self) -> Vec<String> {
        let mut out = vec![
            format!("Hostname: {}", self.setup.hostname),
            "Model: vmx".to_string(),
            format!("Junos: {VERSION}"),
        ];
        for pkg in [
            "JUNOS OS Kernel 64-bit  [20220928.51c5d6a_builder_stable_12_214]",
            "JUNOS OS libs [20220928.51c5d6a_builder_stable_12_214]",
            "JUNOS OS runtime [20220928.51c5d6a_builder_stable_12_214]",
            "JUNOS OS time zone information [20220928.51c5d6a_builder_stable_12_214]",
            "JUNOS network stack and utilities [20221011.203125_builder_junos_214_r3]",
            "JUNOS libs [20221011.203125_builder_junos_214_r3]",
            "JUNOS OS libs compat32 [20220928.51c5d6a_builder_stable_12_214]",
            "JUNOS runtime [20221011.203125_builder_junos_214_r3]",
            "JUNOS Packet Forwarding Engine Simulation Package [20221011.203125_builder_junos_214_r3]",
            "JUNOS py extensions [20221011.203125_builder_junos_214_r3]",
            "JUNOS py base [20221011.203125_builder_junos_214_r3]",
            "JUNOS Routing Engine Software [20221011.203125_builder_junos_214_r3]",
        ] {
            out.push(pkg.to_string());
        }
        out
    }

    fn uptime(&self, now: DateTime<Utc>) -> Vec<String> {
        let ago = |t: DateTime<Utc>| {
            let m = now.signed_duration_since(t).num_minutes().max(0);
            let (w, d, h, mm) = (m / 10_080, m / 1440 % 7, m / 60 % 24, m % 60);
            if w > 0 {
                format!("{w}w{d}d {h:02}:{mm:02} ago")
            } else {
                format!("{d}d {h:02}:{mm:02} ago")
            }
        };
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let boot = self.setup.boot;
        let protocols = boot + chrono::TimeDelta::seconds(130);
        let configured = boot + chrono::TimeDelta::seconds(600);
        let m = now.signed_duration_since(boot).num_minutes().max(0);
        let (days, hm) = (m / 1440, format!("{}:{:02}", m / 60 % 24, m % 60));
        vec![
            format!("Current time: {}", fmt(now)),
            "Time Source:  LOCAL CLOCK".to_string(),
            format!("System booted: {} ({})", fmt(boot), ago(boot)),
            format!("Protocols started: {} ({})", fmt(protocols), ago(protocols)),
            format!(
                "Last configured: {} ({}) by {}",
                fmt(configured),
                ago(configured),
                self.setup.username
            ),
            format!(
                "{} up {days} days, {hm}, 1 user, load averages: 0.21, 0.12, 0.09",
                now.format("%l:%M%p")
            ),
        ]
    }

    fn terse(&self) -> Vec<String> {
        let row = |i: &str, a: &str, l: &str, p: &str, local: &str| {
            format!("{i:<24}{a:<6}{l:<5}{p:<9}{local}")
                .trim_end()
                .to_string()
        };
        vec![
            "Interface               Admin Link Proto    Local                 Remote".to_string(),
            row("ge-0/0/0", "up", "up", "", ""),
            row(
                "ge-0/0/0.0",
                "up",
                "up",
                "inet",
                &format!("{}/24", self.setup.address()),
            ),
            row("ge-0/0/1", "down", "down", "", ""),
            row("fxp0", "up", "up", "", ""),
            row("lo0", "up", "up", "", ""),
            row("lo0.0", "up", "up", "inet", "192.0.2.1           --> 0/0"),
        ]
    }

    fn configuration(&self) -> Vec<String> {
        lines(&format!(
            "## Last commit: {boot} by {user}
version {VERSION};
system {{
    host-name {host};
    root-authentication {{
        encrypted-password \"***\"; ## SECRET-DATA
    }}
    login {{
        user {user} {{
            class super-user;
            authentication {{
                encrypted-password \"***\"; ## SECRET-DATA
            }}
        }}
    }}
    services {{
        ssh;
    }}
}}
interfaces {{
    ge-0/0/0 {{
        unit 0 {{
            family inet {{
                address {addr}/24;
            }}
        }}
    }}
    ge-0/0/1 {{
        disable;
    }}
    lo0 {{
        unit 0 {{
            family inet {{
                address 192.0.2.1/32;
            }}
        }}
    }}
}}",
            boot = self.setup.boot.format("%Y-%m-%d %H:%M:%S UTC"),
            user = self.setup.username,
            host = self.setup.hostname,
            addr = self.setup.address(),
        ))
    }
}

impl Personality for Junos {
    fn own_prompt(&self) -> String {
        format!("{}@{}> ", self.setup.username, self.setup.hostname)
    }

    fn prompt_override(&self) -> Option<&str> {
        self.setup.prompt_override.as_deref()
    }

    fn banner(&self) -> String {
        format!("\r\n--- JUNOS {VERSION} Kernel 64-bit  JNPR-12.1-20220928.51c5d6a_buil\r\n")
    }

    fn pager(&self) -> Option<Pager> {
        Some(Pager {
            text: "---(more)---",
            erase: Erase::Return,
        })
    }

    fn filters(&self) -> &'static [(&'static str, Filter)] {
        &[
            ("match <rest>", Filter::Include),
            ("except <rest>", Filter::Exclude),
        ]
    }

    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        let at_end = line.trim_end().len();
        let error = |at: usize, what: &str| self.caret_error(at, what);
        let c = match self.lookup(line, COMMANDS) {
            Lookup::Empty => return Outcome::Prompt,
            Lookup::Found(C::Length, args) => {
                let n = number(&args);
                return Outcome::Paging {
                    length: n,
                    info: vec![format!("Screen length set to {n}")],
                };
            }
            Lookup::Found(C::Width, args) => {
                return Outcome::Info(vec![format!("Screen width set to {}", number(&args))]);
            }
            Lookup::Found(C::CompleteOnSpace, args) => {
                let on = args.first().is_some_and(|a| a == "on");
                return Outcome::Info(vec![
                    if on {
                        "Enabling complete-on-space"
                    } else {
                        "Disabling complete-on-space"
                    }
                    .to_string(),
                ]);
            }
            Lookup::Found(c, _) => c,
            // An unknown first word is an unknown command; a bad word later, a syntax error.
            Lookup::Invalid { at } if tokens(line).first().is_some_and(|&(a, _)| a == at) => {
                return error(at, "unknown command.");
            }
            Lookup::Invalid { at } => return error(at, "syntax error, expecting <command>."),
            Lookup::Incomplete => return error(at_end, "syntax error, expecting <command>."),
            Lookup::Ambiguous => return error(at_end, "error: ambiguous command"),
        };
        match c {
            C::Version => Outcome::Output(self.version()),
            C::Uptime => Outcome::Output(self.uptime(now)),
            C::Terse => Outcome::Output(self.terse()),
            C::Configuration => Outcome::Output(self.configuration()),
            C::Exit => Outcome::Close,
            C::Length | C::Width | C::CompleteOnSpace => Outcome::Prompt,
        }
    }
}
