//! The platforms the emulator speaks, each a CLI of its own on one line engine, and the
//! fleet's mix of them.
//!
//! Every platform is a [`Personality`](super::engine::Personality) of the one line engine
//! ([`super::engine`]): `cisco_ios` is [`super::ios`] (config mode, many `show` commands);
//! `cisco_xe` is the same personality with its own `show version`; the others are a file each
//! here, holding only their prompts, commands, errors and outputs, modelled on the real
//! platforms' outputs as ntc-templates' test fixtures record them. Which CLI a device runs is
//! decided here, from the client's platform table row, in one `match`.

mod eos;
mod junos;
mod linux;
mod nxos;
mod xr;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::engine::{DeviceCli, Engine};
use super::ios::Ios;
use super::seed::mix;
use super::setup::CliSetup;
use fleetbench_inventory::platform::{PLATFORMS, Platform};

/// The CLI of a session on a device of `platform`.
pub fn new_cli(platform: &'static Platform, setup: &CliSetup) -> Box<dyn DeviceCli> {
    match platform.short {
        "xe" => Box::new(Engine::new(Ios::new(setup.clone(), true))),
        "nxos" => Box::new(Engine::new(nxos::Nxos::new(setup.clone()))),
        "xr" => Box::new(Engine::new(xr::Xr::new(setup.clone()))),
        "eos" => Box::new(Engine::new(eos::Eos::new(setup.clone()))),
        "junos" => Box::new(Engine::new(junos::Junos::new(setup.clone()))),
        "linux" => Box::new(Engine::new(linux::Linux::new(setup.clone()))),
        // `ios`, and the classic fleet.
        _ => Box::new(Engine::new(Ios::new(setup.clone(), false))),
    }
}

/// IOS's default `exec-timeout` on a vty line: 10 minutes (`exec-timeout 10 0`).
pub const IOS_EXEC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a device of `platform` lets a shell sit idle (no input) before it closes the
/// session, when the profile says nothing (`exec-timeout=`): IOS, IOS-XE and IOS-XR close a
/// vty session after 10 idle minutes by default; the other platforms here are played
/// without an idle timeout unless the profile sets one.
pub fn default_exec_timeout(platform: &Platform) -> Option<std::time::Duration> {
    match platform.short {
        "ios" | "xe" | "xr" => Some(IOS_EXEC_TIMEOUT),
        _ => None,
    }
}

/// How a device turns a session away when every vty line is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VtyRefusal {
    /// The line is taken when the connection arrives; with none free the connection is
    /// refused before any SSH is spoken (the emulator resets it before its banner).
    AtConnect,
    /// The line is taken at login; with none free the shell says [`VtyRefusal::message`]
    /// and closes.
    AfterLogin,
}

impl VtyRefusal {
    /// What a device of `platform` prints when it refuses a session after login, with
    /// `lines` vty lines and the user `user`.
    pub fn message(platform: &Platform, lines: usize, user: &str) -> String {
        match platform.short {
            // netmiko #1893 and #2098 quote it from NX-OS.
            "nxos" => format!("CLI session limit {lines} reached. Exiting.\r\n"),
            // pam_limits' `maxlogins`, as a Linux shell refuses it.
            "linux" => format!("Too many logins for '{user}'.\r\n"),
            _ => format!("% All {lines} vty lines are in use\r\n"),
        }
    }
}

/// How a device of `platform` refuses a session over its vty limit. IOS and IOS-XE allocate
/// a vty line for an incoming connection before the login ("just sitting at a login prompt
/// is enough to tie up a VTY line", the Cisco IOS Cookbook) and refuse the connection when
/// none is free; IOS-XR's `ssh server session-limit`, EOS's `management ssh connection
/// limit` and Junos's `system services ssh connection-limit` are taken to refuse the same
/// way (their documentation says the connection is rejected, not how). NX-OS logs the user
/// in and then says `CLI session limit N reached. Exiting.` (netmiko #1893, #2098); a Linux
/// host with pam_limits' `maxlogins` says `Too many logins for 'user'.` after the login.
pub fn vty_refusal(platform: &Platform) -> VtyRefusal {
    match platform.short {
        "nxos" | "linux" => VtyRefusal::AfterLogin,
        _ => VtyRefusal::AtConnect,
    }
}

/// Errors of a `--platforms` spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    #[error("invalid --platforms '{spec}': {source}")]
    Unknown {
        spec: String,
        #[source]
        source: fleetbench_inventory::platform::UnknownPlatform,
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
            out.shuffle(&mut StdRng::seed_from_u64(mix(seed, 0x504C_4154)));
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
