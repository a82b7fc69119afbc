//! A Debian host's bash: `user@R1:~$ ` after the bracketed-paste sequence `ESC[?2004h` (and
//! `ESC[?2004l` after each Enter), as real bash sends them; `-bash: foo: command not found`;
//! `date`, `uname -a`, `hostname`, `uptime`, `ip -brief addr`, `ip address show`,
//! `cat /etc/os-release`; commands are typed in full, never abbreviated.

use chrono::{DateTime, Utc};

use crate::engine::{Filter, Lookup, Outcome, Pager, Personality, tokens, uptime_parts};
use crate::setup::CliSetup;

#[derive(Clone, Copy)]
enum C {
    Date,
    Uname,
    UnameAll,
    UnameRelease,
    Hostname,
    Whoami,
    Id,
    Uptime,
    IpBrief,
    IpAddr,
    OsRelease,
    Export,
    Echo,
    True,
    Exit,
}

const COMMANDS: &[(&str, C)] = &[
    ("date", C::Date),
    ("uname", C::Uname),
    ("uname -s", C::Uname),
    ("uname -a", C::UnameAll),
    ("uname -r", C::UnameRelease),
    ("hostname", C::Hostname),
    ("uname -n", C::Hostname),
    ("whoami", C::Whoami),
    ("id", C::Id),
    ("uptime", C::Uptime),
    ("ip -brief addr", C::IpBrief),
    ("ip -brief address", C::IpBrief),
    ("ip -brief address show", C::IpBrief),
    ("ip -br addr", C::IpBrief),
    ("ip -br a", C::IpBrief),
    ("ip addr", C::IpAddr),
    ("ip a", C::IpAddr),
    ("ip address", C::IpAddr),
    ("ip addr show", C::IpAddr),
    ("ip address show", C::IpAddr),
    ("ip a s", C::IpAddr),
    ("cat /etc/os-release", C::OsRelease),
    ("export <rest>", C::Export),
    ("echo <rest>", C::Echo),
    ("echo", C::Echo),
    ("true", C::True),
    ("exit", C::Exit),
    ("logout", C::Exit),
];

const KERNEL: &str = "6.1.0-18-amd64";

pub struct Linux {
    setup: CliSetup,
}

impl Linux {
    pub fn new(setup: CliSetup) -> Self {
        Linux { setup }
    }

    fn mac(&self, port: u8) -> String {
        self.setup
            .mac(port)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    fn ip_brief(&self) -> Vec<String> {
        vec![
            format!("{:<17}{:<15}{} ", "lo", "UNKNOWN", "127.0.0.1/8 ::1/128"),
            format!(
                "{:<17}{:<15}{}/24 fe80::42:ff:fe00:{:x}/64 ",
                "eth0",
                "UP",
                self.setup.address(),
                self.setup.index + 1
            ),
        ]
    }

    fn ip_addr(&self) -> Vec<String> {
        let addr = self.setup.address();
        let brd = match addr.rsplit_once('.') {
            Some((net, _)) => format!("{net}.255"),
            None => addr.clone(),
        };
        vec![
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000".to_string(),
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00".to_string(),
            "    inet 127.0.0.1/8 scope host lo".to_string(),
            "       valid_lft forever preferred_lft forever".to_string(),
            "    inet6 ::1/128 scope host noprefixroute ".to_string(),
            "       valid_lft forever preferred_lft forever".to_string(),
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000".to_string(),
            format!("    link/ether {} brd ff:ff:ff:ff:ff:ff", self.mac(1)),
            format!("    inet {addr}/24 brd {brd} scope global eth0"),
            "       valid_lft forever preferred_lft forever".to_string(),
            format!("    inet6 fe80::42:ff:fe00:{:x}/64 scope link ", self.setup.index + 1),
            "       valid_lft forever preferred_lft forever".to_string(),
        ]
    }

    fn uptime(&self, now: DateTime<Utc>) -> String {
        let (d, h, m, _) = uptime_parts(self.setup.boot, now);
        format!(
            " {} up {d} days, {h:2}:{m:02},  1 user,  load average: 0.08, 0.03, 0.01",
            now.format("%H:%M:%S")
        )
    }
}

impl Personality for Linux {
    fn own_prompt(&self) -> String {
        format!(
            "\x1b[?2004h{}@{}:~$ ",
            self.setup.username, self.setup.hostname
        )
    }

    fn prompt_override(&self) -> Option<&str> {
        self.setup.prompt_override.as_deref()
    }

    fn banner(&self) -> String {
        format!(
            "Linux {host} {KERNEL} #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64\r\n\
             \r\n\
             The programs included with the Debian GNU/Linux system are free software;\r\n\
             the exact distribution terms for each program are described in the\r\n\
             individual files in /usr/share/doc/*/copyright.\r\n\
             \r\n\
             Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\r\n\
             permitted by applicable law.\r\n",
            host = self.setup.hostname
        )
    }

    fn after_enter(&self) -> &'static str {
        "\x1b[?2004l\r"
    }

    /// A shell's output scrolls; nothing pages it.
    fn pager(&self) -> Option<Pager> {
        None
    }

    /// A `|` is a pipe to another program, not a filter of the CLI's.
    fn filters(&self) -> &'static [(&'static str, Filter)] {
        &[]
    }

    /// Commands are typed in full.
    fn abbreviates(&self) -> bool {
        false
    }

    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        let out = |s: String| Outcome::Output(vec![s]);
        let c = match self.lookup(line, COMMANDS) {
            Lookup::Empty => return Outcome::Prompt,
            Lookup::Found(c, _) => c,
            _ => {
                let words = tokens(line);
                let first = words.first().map_or("", |&(_, w)| w);
                return if COMMANDS
                    .iter()
                    .any(|(p, _)| p.split(' ').next() == Some(first))
                {
                    Outcome::Error(vec![
                        format!("{first}: invalid option or argument"),
                        format!("Try '{first} --help' for more information."),
                    ])
                } else {
                    Outcome::Error(vec![format!("-bash: {first}: command not found")])
                };
            }
        };
        match c {
            C::Date => out(now.format("%a %b %e %H:%M:%S UTC %Y").to_string()),
            C::Uname => out("Linux".into()),
            C::UnameAll => out(format!(
                "Linux {} {KERNEL} #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux",
                self.setup.hostname
            )),
            C::UnameRelease => out(KERNEL.into()),
            C::Hostname => out(self.setup.hostname.clone()),
            C::Whoami => out(self.setup.username.clone()),
            C::Id => out(format!(
                "uid=1000({u}) gid=1000({u}) groups=1000({u}),4(adm),27(sudo)",
                u = self.setup.username
            )),
            C::Uptime => out(self.uptime(now)),
            C::IpBrief => Outcome::Output(self.ip_brief()),
            C::IpAddr => Outcome::Output(self.ip_addr()),
            C::OsRelease => Outcome::Output(
                [
                    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"",
                    "NAME=\"Debian GNU/Linux\"",
                    "VERSION_ID=\"12\"",
                    "VERSION=\"12 (bookworm)\"",
                    "VERSION_CODENAME=bookworm",
                    "ID=debian",
                    "HOME_URL=\"https://www.debian.org/\"",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ),
            C::Export | C::True => Outcome::Prompt,
            C::Echo => Outcome::Info(vec![
                line.trim()
                    .strip_prefix("echo")
                    .unwrap_or("")
                    .trim()
                    .to_string(),
            ]),
            C::Exit => Outcome::Close,
        }
    }
}
