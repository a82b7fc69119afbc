//! The platforms the emulator speaks, behind one [`Cli`] trait, and the fleet's mix of them.
//!
//! `cisco_ios` is [`super::ios`] (config mode, many `show` commands); `cisco_xe` is the same
//! CLI with its own `show version`; the others are a [`engine::Personality`] each (their
//! prompts, commands, errors and outputs, modelled on the real platforms' outputs as
//! ntc-templates' test fixtures record them) over the shared line discipline in [`engine`].
//! Which CLI a device runs is decided here, from the client's platform table row, in one
//! `match`.

pub mod engine;
mod eos;
mod junos;
mod linux;
mod nxos;
mod xe;
mod xr;

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::ios::{ExecOutput, Ios, IosConfig, Reply};
use crate::platform::{PLATFORMS, Platform};

pub use xe::show_version as xe_show_version;

/// One session's CLI, whatever the platform: bytes in, replies out, never blocking.
pub trait Cli: Send {
    /// What a new shell shows: a banner, then the prompt.
    fn greeting(&self) -> Vec<u8>;
    /// Feeds bytes typed by the client; returns the replies in order.
    fn feed(&mut self, input: &[u8], now: DateTime<Utc>) -> Vec<Reply>;
    /// Runs one command as an exec request: no echo, no prompt, no paging.
    fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput;
    fn is_closed(&self) -> bool;
}

impl Cli for Ios {
    fn greeting(&self) -> Vec<u8> {
        Ios::greeting(self)
    }
    fn feed(&mut self, input: &[u8], now: DateTime<Utc>) -> Vec<Reply> {
        Ios::feed(self, input, now)
    }
    fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput {
        Ios::exec(self, command, now)
    }
    fn is_closed(&self) -> bool {
        Ios::is_closed(self)
    }
}

/// Who a device is, whatever its platform: what its outputs and prompts are made of.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Position in the fleet (0-based).
    pub index: usize,
    pub hostname: String,
    /// The login user (in Junos and Linux prompts).
    pub username: String,
    /// The enable secret (IOS, XE, EOS). Never echoed, never printed.
    pub secret: String,
    pub boot: DateTime<Utc>,
    /// Fault: `enable` always denied.
    pub enable_refused: bool,
    /// Fault: a prompt that is not the platform's.
    pub prompt_override: Option<String>,
    /// The device's place in the fleet (serial, addresses) and its configuration.
    pub device: std::sync::Arc<super::config::Shared>,
}

impl Identity {
    /// The device's serial number, unique in the fleet ([`super::identity`]).
    pub fn serial(&self) -> String {
        self.device.identity.serial.clone()
    }

    /// The device's management address, unique in the fleet (198.18.128.0/17, RFC 2544).
    pub fn address(&self) -> String {
        self.device.identity.mgmt.to_string()
    }

    /// A MAC address, unique per device and port.
    pub fn mac(&self, port: u8) -> [u8; 6] {
        super::identity::mac(self.index, port as usize)
    }
}

/// The CLI of a device of `platform`.
pub fn new_cli(platform: &'static Platform, id: &Identity) -> Box<dyn Cli> {
    match platform.short {
        "xe" => Box::new(Ios::new(ios_config(id, true))),
        "nxos" => Box::new(engine::Engine::new(nxos::Nxos::new(id.clone()))),
        "xr" => Box::new(engine::Engine::new(xr::Xr::new(id.clone()))),
        "eos" => Box::new(engine::Engine::new(eos::Eos::new(id.clone()))),
        "junos" => Box::new(engine::Engine::new(junos::Junos::new(id.clone()))),
        "linux" => Box::new(engine::Engine::new(linux::Linux::new(id.clone()))),
        // `ios`, and the classic fleet.
        _ => Box::new(Ios::new(ios_config(id, false))),
    }
}

fn ios_config(id: &Identity, xe: bool) -> IosConfig {
    IosConfig {
        hostname: id.hostname.clone(),
        secret: id.secret.clone(),
        enable_refused: id.enable_refused,
        prompt_override: id.prompt_override.clone(),
        boot: id.boot,
        xe,
        device: id.device.clone(),
        user: id.username.clone(),
    }
}

/// Errors of a `--platforms` spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    #[error("invalid --platforms '{spec}': {source}")]
    Unknown {
        spec: String,
        #[source]
        source: crate::platform::UnknownPlatform,
    },
    #[error("invalid --platforms '{spec}': {reason}")]
    Invalid { spec: String, reason: String },
}

/// The fleet's platforms with their shares (percent), in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformMix {
    pub shares: Vec<(&'static Platform, f64)>,
}

impl Default for PlatformMix {
    /// Every device `cisco_ios`: the classic fleet.
    fn default() -> Self {
        PlatformMix::single(Platform::default_platform())
    }
}

impl PlatformMix {
    pub fn single(p: &'static Platform) -> Self {
        PlatformMix {
            shares: vec![(p, 100.0)],
        }
    }

    /// Every supported platform in equal shares (`--platforms all`).
    pub fn all() -> Self {
        let share = 100.0 / PLATFORMS.len() as f64;
        PlatformMix {
            shares: PLATFORMS.iter().map(|p| (p, share)).collect(),
        }
    }

    /// `eos`, `all`, or `ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%` (short names or
    /// netmiko `device_type`s; the `%` is optional; the shares must add up to 100).
    pub fn parse(spec: &str) -> Result<Self, MixError> {
        let invalid = |reason: String| MixError::Invalid {
            spec: spec.to_string(),
            reason,
        };
        let spec_t = spec.trim();
        if spec_t.eq_ignore_ascii_case("all") {
            return Ok(PlatformMix::all());
        }
        let mut shares: Vec<(&'static Platform, f64)> = Vec::new();
        let parts: Vec<&str> = spec_t.split(',').map(str::trim).collect();
        for part in &parts {
            if part.is_empty() {
                return Err(invalid("an empty entry".into()));
            }
            let (name, share) = match part.split_once('=') {
                Some((n, s)) => {
                    let s = s.trim().trim_end_matches('%').trim();
                    let v: f64 =
                        s.parse()
                            .ok()
                            .filter(|v: &f64| v.is_finite())
                            .ok_or_else(|| {
                                invalid(format!(
                                    "'{part}': the share must be a percentage like 25%"
                                ))
                            })?;
                    if !(v > 0.0 && v <= 100.0) {
                        return Err(invalid(format!(
                            "'{part}': the share must be above 0% and at most 100%"
                        )));
                    }
                    (n.trim(), v)
                }
                None if parts.len() == 1 => (*part, 100.0),
                None => {
                    return Err(invalid(format!(
                        "'{part}' has no share; write NAME=PERCENT for each platform"
                    )));
                }
            };
            let p = Platform::by_name(name).map_err(|source| MixError::Unknown {
                spec: spec.to_string(),
                source,
            })?;
            if shares.iter().any(|(q, _)| std::ptr::eq(*q, p)) {
                return Err(invalid(format!("{} is given twice", p.short)));
            }
            shares.push((p, share));
        }
        let total: f64 = shares.iter().map(|(_, s)| s).sum();
        if (total - 100.0).abs() > 0.01 {
            return Err(invalid(format!("the shares add up to {total}%, not 100%")));
        }
        Ok(PlatformMix { shares })
    }

    /// The platform of each of `n` devices: counts by largest remainder (so `ios=50%` of 60 is
    /// exactly 30), then placed in an order shuffled from `seed`, so the same seed gives the
    /// same fleet. A single platform is not shuffled.
    pub fn assign(&self, n: usize, seed: u64) -> Vec<&'static Platform> {
        let exact: Vec<f64> = self
            .shares
            .iter()
            .map(|(_, s)| s / 100.0 * n as f64)
            .collect();
        let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let mut left = n.saturating_sub(counts.iter().sum());
        let mut by_remainder: Vec<usize> = (0..exact.len()).collect();
        by_remainder.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &i in by_remainder.iter().cycle().take(exact.len() * 2) {
            if left == 0 {
                break;
            }
            counts[i] += 1;
            left -= 1;
        }
        let mut out: Vec<&'static Platform> = Vec::with_capacity(n);
        for ((p, _), c) in self.shares.iter().zip(counts) {
            out.extend(std::iter::repeat_n(*p, c));
        }
        if self.shares.len() > 1 {
            out.shuffle(&mut StdRng::seed_from_u64(super::profile::mix(
                seed,
                0x504C_4154,
            )));
        }
        out
    }

    /// `ios=50%,eos=50%`, for logs and reports.
    pub fn describe(&self) -> String {
        self.shares
            .iter()
            .map(|(p, s)| format!("{}={}%", p.short, (s * 100.0).round() / 100.0))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::{Action, Dialogue};
    use crate::result::CommandOutput;
    use crate::secret::Secret;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 8, 36, 1).unwrap()
    }

    fn identity(index: usize) -> Identity {
        Identity {
            index,
            hostname: format!("R{}", index + 1),
            username: "cisco".into(),
            secret: "s3cret".into(),
            boot: now() - chrono::TimeDelta::minutes(3 * 24 * 60 + 65),
            enable_refused: false,
            prompt_override: None,
            device: std::sync::Arc::new(crate::emulator::config::Shared::new(
                crate::emulator::identity::Fleet::new(index + 1, 1),
                index,
                crate::emulator::config::SshStack::Modern,
                None,
            )),
        }
    }

    /// The client's dialogue for `platform` against the emulator's CLI for it, in memory:
    /// the outputs, or the dialogue's error or rejection.
    fn converse(
        platform: &'static Platform,
        commands: &[&str],
    ) -> Result<Vec<CommandOutput>, crate::error::SessionError> {
        let mut cli = new_cli(platform, &identity(4));
        let mut d = Dialogue::for_platform(
            platform,
            commands.iter().map(|c| c.to_string()).collect(),
            Some(Secret::new("s3cret")),
        );
        let mut action = d.on_bytes(&cli.greeting())?;
        for _ in 0..100 {
            match action {
                Action::Finished => {
                    if let Some(e) = d.rejection() {
                        return Err(e.clone());
                    }
                    // The exit line closes the session.
                    let replies = cli.feed(&d.exit_line(), now());
                    assert!(replies.contains(&Reply::Close), "{}", platform.device_type);
                    return Ok(d.into_outputs());
                }
                Action::Send(bytes) => {
                    let mut got = Vec::new();
                    for r in cli.feed(&bytes, now()) {
                        match r {
                            Reply::Echo(b) | Reply::Text(b) | Reply::Show(b) | Reply::Config(b) => {
                                got.extend(b)
                            }
                            Reply::Close => {}
                        }
                    }
                    action = d.on_bytes(&got)?;
                }
                Action::Wait => panic!("{}: the dialogue waits for more", platform.device_type),
            }
        }
        panic!("{}: no end", platform.device_type)
    }

    /// Per platform: its clock, version, interface listing and configuration commands, and a
    /// text that only its `show version` (or `uname -a`) holds.
    const CASES: &[(&str, [&str; 4], &str)] = &[
        (
            "ios",
            [
                "show clock",
                "show version",
                "show ip interface brief",
                "show running-config",
            ],
            "Cisco IOS Software, IOSv",
        ),
        (
            "xe",
            [
                "show clock",
                "show version",
                "show ip interface brief",
                "show running-config",
            ],
            "Cisco IOS XE Software",
        ),
        (
            "nxos",
            [
                "show clock",
                "show version",
                "show interface brief",
                "show running-config",
            ],
            "Cisco Nexus Operating System",
        ),
        (
            "xr",
            [
                "show clock",
                "show version",
                "show ip interface brief",
                "show running-config",
            ],
            "Cisco IOS XR Software",
        ),
        (
            "eos",
            [
                "show clock",
                "show version",
                "show ip interface brief",
                "show running-config",
            ],
            "Arista vEOS",
        ),
        (
            "junos",
            [
                "show system uptime",
                "show version",
                "show interfaces terse",
                "show configuration",
            ],
            "Junos: 21.4",
        ),
        (
            "linux",
            ["date", "uname -a", "ip -brief addr", "cat /etc/os-release"],
            "Debian",
        ),
    ];

    #[test]
    fn the_client_dialogue_polls_every_emulated_platform() {
        for (short, commands, marker) in CASES {
            let p = Platform::by_name(short).unwrap();
            let outs = converse(p, commands).unwrap_or_else(|e| panic!("{short}: {e}"));
            assert_eq!(outs.len(), 4, "{short}");
            for o in &outs {
                assert!(
                    !o.output.trim().is_empty(),
                    "{short}: {} is empty",
                    o.command
                );
                assert!(
                    !o.output.contains('\x1b'),
                    "{short}: escape left in {}",
                    o.command
                );
                assert!(
                    !o.output.contains("R5#") && !o.output.contains("R5>"),
                    "{short}: {}",
                    o.output
                );
            }
            assert!(
                outs[1].output.contains(marker),
                "{short}: {}",
                outs[1].output
            );
            // Per-device addresses (IOS's own listing is the IOS module's business).
            if !["ios", "xe"].contains(short) {
                assert!(
                    outs[2].output.contains(&identity(4).address()),
                    "{short}: {}",
                    outs[2].output
                );
            }
            // The clock is today's, in the platform's own format.
            assert!(
                outs[0].output.contains("2026") || outs[0].output.contains("Nov 22"),
                "{short}: {}",
                outs[0].output
            );
        }
    }

    #[test]
    fn every_platform_rejects_an_unknown_command_in_its_own_words() {
        for (short, _, _) in CASES {
            let p = Platform::by_name(short).unwrap();
            let e = converse(p, &["show foo"]).unwrap_err();
            assert_eq!(e.kind(), "command_rejected", "{short}: {e}");
            let e = converse(p, &["bogus"]).unwrap_err();
            assert_eq!(e.kind(), "command_rejected", "{short}: {e}");
        }
    }

    #[test]
    fn paging_is_on_until_the_client_turns_it_off() {
        for short in ["nxos", "xr", "eos", "junos"] {
            let p = Platform::by_name(short).unwrap();
            let mut cli = new_cli(p, &identity(0));
            let cmd: &[u8] = if short == "junos" {
                b"show configuration\n"
            } else {
                b"show running-config\n"
            };
            if short == "eos" {
                cli.feed(b"enable\n", now());
                cli.feed(b"s3cret\n", now());
            }
            let replies = cli.feed(cmd, now());
            let Some(Reply::Show(first)) = replies.last() else {
                panic!("{short}: {replies:?}")
            };
            let first = String::from_utf8_lossy(first);
            assert!(
                first.trim_end().ends_with(p.pager.unwrap_or("?"))
                    || first.contains("--More--")
                    || first.contains("---(more"),
                "{short}: {first}"
            );
            // `q` ends the listing with the prompt.
            let replies = cli.feed(b"q", now());
            let Some(Reply::Text(t)) = replies.last() else {
                panic!()
            };
            assert!(!String::from_utf8_lossy(t).contains("more"), "{short}");
        }
    }

    #[test]
    fn output_filters() {
        for (short, cmd) in [
            ("nxos", "show version | include Device"),
            ("xr", "sh ver | i uptime"),
            ("eos", "show version | include Serial"),
            ("junos", "show version | match Hostname"),
        ] {
            let r = new_cli(Platform::by_name(short).unwrap(), &identity(0)).exec(cmd, now());
            let text = String::from_utf8(r.output).unwrap();
            assert_eq!(
                text.lines().filter(|l| !l.contains("UTC")).count(),
                1,
                "{short}: {text}"
            );
            let r = new_cli(Platform::by_name(short).unwrap(), &identity(0))
                .exec("show version | bogus x", now());
            assert_eq!(r.exit_status, 1, "{short}");
        }
    }

    #[test]
    fn exec_requests_on_other_platforms() {
        let p = Platform::by_name("linux").unwrap();
        let r = new_cli(p, &identity(0)).exec("hostname", now());
        assert_eq!(
            (r.output, r.exit_status, r.is_show),
            (b"R1\r\n".to_vec(), 0, true)
        );
        let r = new_cli(p, &identity(0)).exec("show version", now());
        assert_eq!(r.exit_status, 1);
        assert_eq!(r.output, b"-bash: show: command not found\r\n".to_vec());
        let p = Platform::by_name("eos").unwrap();
        let r = new_cli(p, &identity(0)).exec("show clock", now());
        assert!(String::from_utf8_lossy(&r.output).contains("Timezone: UTC"));
    }

    #[test]
    fn mix_parse_and_errors() {
        let m = PlatformMix::parse("ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%").unwrap();
        assert_eq!(m.shares.len(), 6);
        assert_eq!(PlatformMix::parse("eos").unwrap().shares[0].0.short, "eos");
        assert_eq!(
            PlatformMix::parse("arista_eos=60, cisco_xe=40")
                .unwrap()
                .describe(),
            "eos=60%,xe=40%"
        );
        assert_eq!(PlatformMix::parse("all").unwrap().shares.len(), 7);
        let err = |s: &str| PlatformMix::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("ios=50%,eos=40%"),
            "invalid --platforms 'ios=50%,eos=40%': the shares add up to 90%, not 100%"
        );
        assert!(
            err("ios=50%,junso=50%").contains("did you mean 'juniper_junos'?"),
            "{}",
            err("ios=50%,junso=50%")
        );
        assert!(err("ios,eos").contains("has no share"));
        assert!(err("ios=x").contains("percentage"));
        assert!(err("ios=50,ios=50").contains("twice"));
        assert!(err("ios=0,eos=100").contains("above 0%"));
    }

    #[test]
    fn assignment_is_exact_and_deterministic() {
        let m = PlatformMix::parse("ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%").unwrap();
        let a = m.assign(60, 7);
        assert_eq!(a.len(), 60);
        let count = |s: &str| a.iter().filter(|p| p.short == s).count();
        assert_eq!(
            [
                count("ios"),
                count("nxos"),
                count("eos"),
                count("junos"),
                count("xr"),
                count("linux")
            ],
            [30, 12, 6, 6, 3, 3]
        );
        assert_eq!(a, m.assign(60, 7));
        assert_ne!(a, m.assign(60, 8));
        // Remainders: 7 devices over 3 equal shares still gives 7.
        let m = PlatformMix::parse("ios=33.34,eos=33.33,junos=33.33").unwrap();
        assert_eq!(m.assign(7, 1).len(), 7);
        assert_eq!(m.assign(1, 1).len(), 1);
        let all = PlatformMix::all().assign(60, 1);
        for p in PLATFORMS {
            assert!(all.iter().filter(|q| std::ptr::eq(**q, p)).count() >= 8);
        }
        // The classic fleet keeps its order.
        assert!(
            PlatformMix::default()
                .assign(3, 1)
                .iter()
                .all(|p| p.short == "ios")
        );
    }
}
