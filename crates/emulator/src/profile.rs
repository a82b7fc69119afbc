//! Latency and fault profiles: how slow and how broken the emulated devices are.
//!
//! # Names
//! - `classic` (default): login 0.9 s, each `show` 1.0 s, 2% jitter: about 1.9 s per session,
//!   so three sequential sessions take about 5.7-5.8 s, as in the classic course; each
//!   configuration line 100 ms.
//! - `instant`: no delay at all.
//! - `lan`: 10 ms login, 10 ms per `show`, 2 ms per configuration line (benches, the CI gate).
//! - `latency-1s`: no login delay, 1 s before each `show` output.
//! - `chaos`: 20 ms login, per `show` and per configuration line, 20% jitter, and about 30% of the fleet faulty: 3% of
//!   the devices each with `refuse`, `no-banner`, `no-prompt`, `hang`, `wrong-password`,
//!   `enable-refused`, `disconnect`, `slow:500`, `weird-prompt` and `fail:50%`.
//!
//! # Custom form
//! Comma-separated `key=value`, optionally after a named base: `login=200ms,command=1s,jitter=10%`,
//! `lan,fault=hang@R2`, `instant,fault=refuse@10%,fault=slow:100@R1+R3`. Durations take `us`,
//! `ms`, `s` (`1.5s`); `jitter` is a percentage or fraction of each delay (uniform ±).
//! Fault spelling: see [`super::fault`]. `ssh=legacy` makes the devices offer only what an
//! older IOS SSH stack offers (SHA-1 key exchanges, an `ssh-rsa` host key, CBC/CTR ciphers,
//! `hmac-sha1`); `ssh=modern` (the default) offers current OpenSSH-like algorithms.
//! `grace` is the login grace time (default 120 s, IOS's `ip ssh time-out`): a connection
//! not authenticated by then is closed. `exec-timeout` is how long a shell may sit without
//! input before the device closes the session (IOS's `exec-timeout`, whose default of
//! 10 minutes IOS, IOS-XE and IOS-XR devices keep when the profile says nothing: the
//! platforms' `default_exec_timeout`); `exec-timeout=off` (or `0`) never closes. The shared limits (`aaa=16@20ms`, `vty=5`,
//! `block-for=120s/3/60s`, `preauth=10:30:100`, ...) are [`super::limits`]'s keys.
//!
//! The jump host's keys (they act only with `--bastion`, see [`crate::bastion`]):
//! `startups=S:R:F` (sshd's `MaxStartups`, default `10:30:100`, [`crate::startups`]),
//! `max-sessions=N` (channels one bastion connection may hold open, default 10 like sshd's
//! `MaxSessions`; `off` for no limit) and `bastion-grace` (sshd's `LoginGraceTime`, default
//! 120 s).
//!
//! Where the delays apply: `login` before the first prompt of a shell; `command` before the
//! output of each `show` command (and of an exec request), never before echo, `terminal`,
//! `enable` or `exit` answers; `config` before the answer to each configuration-mode line
//! (`write memory` takes `command`). Jitter draws come from the fleet seed, the device and the
//! session's ordinal on that device, so a run is reproducible.

use std::time::Duration;

use rand::rngs::StdRng;

use super::error::EmulatorError;
use super::fault::{self, Fault, FaultRule, FaultTarget};
use super::limits::{self, Limits};
use super::startups::Startups;
pub use fleetbench_units::duration::parse as parse_duration;

/// Profile names accepted by [`Profile::by_name`] besides the custom form.
pub const NAMES: &[&str] = &["classic", "instant", "lan", "latency-1s", "chaos"];

/// The SSH stack the emulated devices play (`ssh=modern|legacy` in a profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SshStack {
    /// Current OpenSSH-like algorithms.
    #[default]
    Modern,
    /// An older IOS: SHA-1 key exchange, `ssh-rsa`, CBC/CTR, `hmac-sha1`.
    Legacy,
}

/// Latency and faults of an emulated fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    name: String,
    /// Delay before the first prompt of a shell.
    pub login: Duration,
    /// Delay before each `show` command's output.
    pub command: Duration,
    /// Delay before the answer to each configuration-mode line.
    pub config: Duration,
    /// Each delay is multiplied by a uniform draw in `1 ± jitter`.
    pub jitter: f64,
    pub faults: Vec<FaultRule>,
    /// How long a connection may stay unauthenticated before the device closes it
    /// ([`DEFAULT_LOGIN_GRACE`], like IOS's `ip ssh time-out`; key `grace`).
    pub login_grace: Duration,
    /// The SSH algorithms the devices offer.
    pub ssh: SshStack,
    /// How long an idle shell stays open (key `exec-timeout`).
    pub exec_timeout: ExecTimeout,
    /// The jump host's limits (used only when the fleet has one).
    pub bastion: BastionLimits,
    /// The shared limits: the fleet's AAA server, vty lines, login blocks, pre-auth rules
    /// ([`super::limits`]).
    pub limits: Limits,
}

/// How long a shell may sit without input before the device closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecTimeout {
    /// The platform's own default (the platforms' `default_exec_timeout`, which the fleet
    /// passes in: the profile knows no platform).
    #[default]
    Platform,
    /// Never (`exec-timeout=off`, IOS's `exec-timeout 0 0`).
    Off,
    /// After this long without input.
    After(Duration),
}

impl ExecTimeout {
    /// `exec-timeout=VALUE`: a duration above 0, or `off` (`0`).
    fn parse(value: &str) -> Result<ExecTimeout, String> {
        match value.trim() {
            "off" | "0" => Ok(ExecTimeout::Off),
            v => parse_duration(v)
                .ok()
                .filter(|d| !d.is_zero())
                .map(ExecTimeout::After)
                .ok_or_else(|| {
                    format!("exec-timeout={v}: expected a duration like 10m or 1.5s, or off")
                }),
        }
    }

    /// The idle timeout of a device whose platform's own default is `platform_default`.
    pub fn resolve(self, platform_default: Option<Duration>) -> Option<Duration> {
        match self {
            ExecTimeout::Platform => platform_default,
            ExecTimeout::Off => None,
            ExecTimeout::After(d) => Some(d),
        }
    }
}

/// IOS's default `ip ssh time-out`: 120 s.
pub const DEFAULT_LOGIN_GRACE: Duration = Duration::from_secs(120);

/// sshd's default `MaxSessions` (`servconf.c`: `DEFAULT_SESSIONS_MAX`).
pub const DEFAULT_MAX_SESSIONS: usize = 10;

/// What the emulated jump host enforces (profile keys `startups`, `max-sessions`,
/// `bastion-grace`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BastionLimits {
    /// `MaxStartups`: pending connections beyond `start` are dropped at random.
    pub startups: Startups,
    /// Channels one connection may hold open at once; `None`: no limit (what sshd does for
    /// `direct-tcpip` channels, whose number `MaxSessions` does not cap).
    pub max_sessions: Option<usize>,
    /// `LoginGraceTime`: a connection not authenticated by then is closed (sshd: 120 s).
    pub login_grace: Duration,
}

impl Default for BastionLimits {
    fn default() -> Self {
        BastionLimits {
            startups: Startups::default(),
            max_sessions: Some(DEFAULT_MAX_SESSIONS),
            login_grace: Duration::from_secs(120),
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::classic()
    }
}

impl Profile {
    fn fixed(name: &str, login_ms: u64, command_ms: u64, config_ms: u64, jitter: f64) -> Profile {
        Profile {
            name: name.to_string(),
            login: Duration::from_millis(login_ms),
            command: Duration::from_millis(command_ms),
            config: Duration::from_millis(config_ms),
            jitter,
            faults: Vec::new(),
            login_grace: DEFAULT_LOGIN_GRACE,
            ssh: SshStack::Modern,
            exec_timeout: ExecTimeout::Platform,
            bastion: BastionLimits::default(),
            limits: Limits::default(),
        }
    }

    pub fn classic() -> Profile {
        Profile::fixed("classic", 900, 1000, 100, 0.02)
    }

    pub fn instant() -> Profile {
        Profile::fixed("instant", 0, 0, 0, 0.0)
    }

    pub fn lan() -> Profile {
        Profile::fixed("lan", 10, 10, 2, 0.0)
    }

    pub fn latency_1s() -> Profile {
        Profile::fixed("latency-1s", 0, 1000, 0, 0.0)
    }

    pub fn chaos() -> Profile {
        let faults = [
            Fault::Refuse,
            Fault::NoBanner,
            Fault::NoPrompt,
            Fault::Hang,
            Fault::WrongPassword,
            Fault::EnableRefused,
            Fault::Disconnect,
            Fault::Slow { bytes_per_sec: 500 },
            Fault::WeirdPrompt,
            Fault::FailRate(0.5),
        ];
        Profile {
            faults: faults
                .into_iter()
                .map(|fault| FaultRule {
                    fault,
                    target: FaultTarget::Fraction(0.03),
                })
                .collect(),
            ..Profile::fixed("chaos", 20, 20, 20, 0.2)
        }
    }

    /// A named profile, or the custom form (see the module docs).
    pub fn by_name(s: &str) -> Result<Profile, EmulatorError> {
        let err = |reason: String| EmulatorError::Profile {
            spec: s.to_string(),
            reason,
        };
        let named = |n: &str| match n {
            "classic" => Some(Profile::classic()),
            "instant" => Some(Profile::instant()),
            "lan" => Some(Profile::lan()),
            "latency-1s" => Some(Profile::latency_1s()),
            "chaos" => Some(Profile::chaos()),
            _ => None,
        };
        let s_trim = s.trim();
        if let Some(p) = named(s_trim) {
            return Ok(p);
        }
        let mut parts = s_trim.split(',').map(str::trim).peekable();
        let mut profile = match parts.peek() {
            Some(first) if !first.contains('=') => {
                let base = named(first).ok_or_else(|| {
                    err(format!(
                        "unknown profile '{first}' (known: {}, or key=value,...)",
                        NAMES.join(", ")
                    ))
                })?;
                parts.next();
                base
            }
            // A custom form starts from no delay: only what is given applies.
            _ => Profile::instant(),
        };
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| err(format!("'{part}' is not key=value")))?;
            let value = value.trim();
            match key.trim() {
                "login" => profile.login = parse_duration(value).map_err(err)?,
                "command" => profile.command = parse_duration(value).map_err(err)?,
                "config" => profile.config = parse_duration(value).map_err(err)?,
                "jitter" => profile.jitter = fault::parse_fraction(value).map_err(err)?,
                "fault" => profile.faults.push(fault::parse_fault(value).map_err(err)?),
                "grace" => {
                    profile.login_grace = parse_duration(value)
                        .ok()
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| err(format!("grace={value}: expected a duration > 0")))?
                }
                "exec-timeout" => profile.exec_timeout = ExecTimeout::parse(value).map_err(err)?,
                "ssh" => {
                    profile.ssh = match value {
                        "modern" => SshStack::Modern,
                        "legacy" => SshStack::Legacy,
                        _ => {
                            return Err(err(format!(
                                "ssh={value}: known stacks are modern and legacy"
                            )));
                        }
                    }
                }
                // The jump host's limits (`--bastion`).
                "startups" => profile.bastion.startups = Startups::parse(value).map_err(err)?,
                "max-sessions" => {
                    profile.bastion.max_sessions = match value {
                        "off" => None,
                        _ => Some(value.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(
                            || err(format!("max-sessions={value}: expected a count > 0 or off")),
                        )?),
                    }
                }
                "bastion-grace" => {
                    profile.bastion.login_grace = parse_duration(value)
                        .ok()
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| {
                            err(format!("bastion-grace={value}: expected a duration > 0"))
                        })?
                }
                // The shared limits (`aaa=16@20ms`, `vty=5`, ...): their own module.
                k if limits::KEYS.contains(&k) => {
                    profile.limits.set(k, value).map_err(err)?;
                }
                other => {
                    return Err(err(format!(
                        "unknown key '{other}' (known: login, command, config, jitter, fault, ssh, \
                         grace, exec-timeout, startups, max-sessions, bastion-grace, {})",
                        limits::KEYS.join(", ")
                    )));
                }
            }
        }
        profile.limits.finish().map_err(err)?;
        profile.name = s_trim.to_string();
        Ok(profile)
    }

    /// The name given to [`Profile::by_name`] (the whole custom string for a custom profile).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `base` stretched by a jitter draw.
    pub(crate) fn jittered(&self, base: Duration, rng: &mut StdRng) -> Duration {
        super::seed::jittered(base, self.jitter, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::session_rng;

    #[test]
    fn named_profiles() {
        for n in NAMES {
            assert_eq!(Profile::by_name(n).unwrap().name(), *n);
        }
        let c = Profile::by_name("classic").unwrap();
        assert_eq!(c.login + c.command, Duration::from_millis(1900));
        assert_eq!(Profile::default(), c);
        assert!(Profile::by_name("instant").unwrap().login.is_zero());
        assert_eq!(Profile::by_name("chaos").unwrap().faults.len(), 10);
        assert!(Profile::by_name("nope").is_err());
    }

    #[test]
    fn custom_form() {
        let p = Profile::by_name("login=200ms,command=1s,jitter=10%").unwrap();
        assert_eq!(p.login, Duration::from_millis(200));
        assert_eq!(p.command, Duration::from_secs(1));
        assert!((p.jitter - 0.1).abs() < 1e-9);
        assert_eq!(p.name(), "login=200ms,command=1s,jitter=10%");
        let p = Profile::by_name("lan, fault=hang@R2, fault=refuse@10%").unwrap();
        assert_eq!(p.login, Duration::from_millis(10));
        assert_eq!(p.faults.len(), 2);
        assert!(Profile::by_name("login=fast").is_err());
        assert!(Profile::by_name("speed=1s").is_err());
        assert!(Profile::by_name("lan,login").is_err());
        assert!(Profile::by_name("fault=explode").is_err());
        assert_eq!(
            Profile::by_name("lan,grace=2s").unwrap().login_grace,
            Duration::from_secs(2)
        );
        assert_eq!(
            Profile::by_name("lan").unwrap().login_grace,
            DEFAULT_LOGIN_GRACE
        );
        assert!(Profile::by_name("grace=0").is_err());
    }

    #[test]
    fn exec_timeout_key() {
        let ten = Some(Duration::from_secs(600));
        let p = Profile::by_name("lan").unwrap();
        assert_eq!(p.exec_timeout, ExecTimeout::Platform);
        assert_eq!(p.exec_timeout.resolve(ten), ten, "the platform's default");
        assert_eq!(p.exec_timeout.resolve(None), None);
        let p = Profile::by_name("instant,exec-timeout=1.5s").unwrap();
        assert_eq!(
            p.exec_timeout.resolve(None),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            Profile::by_name("exec-timeout=10m").unwrap().exec_timeout,
            ExecTimeout::After(Duration::from_secs(600))
        );
        for off in ["exec-timeout=off", "exec-timeout=0"] {
            let p = Profile::by_name(off).unwrap();
            assert_eq!(p.exec_timeout.resolve(ten), None, "{off}");
        }
        let e = Profile::by_name("exec-timeout=soon")
            .unwrap_err()
            .to_string();
        assert!(e.contains("exec-timeout=soon"), "{e}");
    }

    #[test]
    fn bastion_keys() {
        let p = Profile::by_name("lan,startups=3:50:6,max-sessions=4,bastion-grace=2s").unwrap();
        assert_eq!(p.bastion.startups.to_string(), "3:50:6");
        assert_eq!(p.bastion.max_sessions, Some(4));
        assert_eq!(p.bastion.login_grace, Duration::from_secs(2));
        assert_eq!(
            Profile::by_name("lan").unwrap().bastion,
            BastionLimits::default()
        );
        assert_eq!(
            Profile::by_name("max-sessions=off")
                .unwrap()
                .bastion
                .max_sessions,
            None
        );
        for bad in [
            "startups=20:30:10",
            "max-sessions=0",
            "bastion-grace=0",
            "startups=x",
        ] {
            assert!(Profile::by_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shared_limits_in_the_custom_form() {
        let p =
            Profile::by_name("lan,aaa=16@20ms,aaa-timeout=2s,vty=16,block-for=120s/3/60s").unwrap();
        let aaa = p.limits.aaa.unwrap();
        assert_eq!((aaa.capacity, aaa.timeout), (16, Duration::from_secs(2)));
        assert_eq!(p.limits.vty, Some(16));
        assert!(p.limits.block_for.is_some() && p.limits.any());
        assert_eq!(p.login, Duration::from_millis(10), "the base's delays stay");
        assert!(!Profile::by_name("lan").unwrap().limits.any());
        let e = Profile::by_name("instant,aaa-queue=4")
            .unwrap_err()
            .to_string();
        assert!(e.contains("aaa=C@L"), "{e}");
        let e = Profile::by_name("instant,vty=x").unwrap_err().to_string();
        assert!(e.contains("vty=x"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("500us").unwrap(), Duration::from_micros(500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("5").is_err());
    }

    #[test]
    fn jitter_is_bounded_and_reproducible() {
        let p = Profile::by_name("login=1s,jitter=10%").unwrap();
        let draw = |s| p.jittered(p.login, &mut session_rng(42, 3, s));
        assert_eq!(draw(0), draw(0));
        for s in 0..100 {
            let d = draw(s);
            assert!(d >= Duration::from_millis(900) && d <= Duration::from_millis(1100));
        }
        assert_ne!(draw(0), draw(1));
    }
}
