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
    /// The non-empty command lines run since the last call, in order, each with whether its
    /// answer is a [`Reply::Show`] (delayed by the profile; they come in the same order).
    /// Never a secret: those are read in their own mode, not run as lines.
    fn take_lines(&mut self) -> Vec<(String, bool)>;
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
    fn take_lines(&mut self) -> Vec<(String, bool)> {
        Ios::take_lines(self)
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
            out.shuffle(&mut StdRng::seed_from_u64(super::seed::mix(
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
mod tests;
