//! The value parsers of the command line: text as typed into the typed values the clap types
//! hold, each failing with only the reason (clap quotes the value itself).

use crate::present::export::ExportKind;
use crate::shard::Shard;
use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use fleetbench_client::hostkeys::HostKeyPolicy;
use fleetbench_client::job::OnCommandError;
use fleetbench_emulator::PlatformMix;
use fleetbench_emulator::{EmulatorError, Profile};
use fleetbench_inventory::algorithms::{Algorithms, Kind, Spec};
use fleetbench_inventory::platform::Platform;
use fleetbench_netem::{Method, NetemError, NetworkSpec};
use fleetbench_report::StrategyKind;
use fleetbench_report::bastion::BastionMode;

/// A `--profile` value: the name as typed (reports show it) and the profile it names.
#[derive(Debug, Clone)]
pub struct ProfileArg {
    pub name: String,
    pub profile: Profile,
}

impl ProfileArg {
    /// clap quotes the value itself, so the error is only the reason.
    pub fn parse(s: &str) -> Result<ProfileArg, String> {
        match Profile::by_name(s) {
            Ok(profile) => Ok(ProfileArg {
                name: s.to_string(),
                profile,
            }),
            Err(EmulatorError::Profile { reason, .. }) => {
                // A misspelled name (not a custom `key=value` spec): say which one was meant.
                let guess = (!s.contains(['=', ','])).then(|| {
                    fleetbench_emulator::profile::NAMES
                        .iter()
                        .map(|n| (strsim::jaro_winkler(n, &s.to_ascii_lowercase()), n))
                        .filter(|(score, _)| *score > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                        .map(|(_, n)| *n)
                });
                match guess.flatten() {
                    Some(n) => Err(format!("{reason}; did you mean '{n}'?")),
                    None => Err(reason),
                }
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// `--network`: clap quotes the value itself, so the error is only the reason.
pub(super) fn network_spec(s: &str) -> Result<NetworkSpec, String> {
    NetworkSpec::parse(s).map_err(|e| match e {
        NetemError::Spec { reason, .. } => reason,
        e => e.to_string(),
    })
}

/// The parser of a type of another crate whose values are names (`StrategyKind`, `Method`,
/// `HostKeyPolicy`, `OnCommandError`):
/// clap lists the names in `--help` and in its errors, as for a `ValueEnum` (which the orphan
/// rule forbids implementing here).
pub(super) fn named<T: Clone + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(&T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(name)).try_map(move |s| {
        all.iter()
            .find(|v| name(v) == s)
            .cloned()
            .ok_or_else(|| format!("unknown value {s:?}"))
    })
}

pub(super) fn strategy_kind() -> impl TypedValueParser<Value = StrategyKind> {
    named(&StrategyKind::ALL, |k| k.name())
}

pub(super) fn network_method() -> impl TypedValueParser<Value = Method> {
    named(&[Method::Tun, Method::Relay], |m| m.name())
}

pub(super) fn host_key_policy() -> impl TypedValueParser<Value = HostKeyPolicy> {
    named(
        &[
            HostKeyPolicy::Strict,
            HostKeyPolicy::AcceptNew,
            HostKeyPolicy::Insecure,
        ],
        |p| match p {
            HostKeyPolicy::Strict => "strict",
            HostKeyPolicy::AcceptNew => "accept-new",
            HostKeyPolicy::Insecure => "insecure",
        },
    )
}

pub(super) fn bastion_mode() -> impl TypedValueParser<Value = BastionMode> {
    named(&BastionMode::ALL, |m| m.name())
}

pub(super) fn on_command_error() -> impl TypedValueParser<Value = OnCommandError> {
    named(&[OnCommandError::Fail, OnCommandError::Keep], |o| match o {
        OnCommandError::Fail => "fail",
        OnCommandError::Keep => "keep",
    })
}

/// `--platforms`: a platform mix (clap quotes the value itself).
pub(super) fn platform_mix(s: &str) -> Result<PlatformMix, String> {
    PlatformMix::parse(s).map_err(|e| match e {
        fleetbench_emulator::MixError::Unknown { source, .. } => source.to_string(),
        fleetbench_emulator::MixError::Invalid { reason, .. } => reason,
    })
}

/// `--command-for TYPE=CMD`.
pub(super) fn command_for(s: &str) -> Result<(&'static Platform, String), String> {
    let (t, cmd) = s
        .split_once('=')
        .ok_or_else(|| "expected TYPE=CMD, like linux='uname -a'".to_string())?;
    let p = Platform::by_name(t).map_err(|e| e.to_string())?;
    Ok((p, one_line(cmd.trim())?))
}

impl ValueEnum for ExportKind {
    fn value_variants<'a>() -> &'a [Self] {
        &ExportKind::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// Longest accepted `--timeout`: a day is already far past any device's patience, and it keeps
/// the conversion to a `Duration` far from overflow.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// A whole number, 0 or more (`--warmup`).
pub(super) fn whole_number(s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .map_err(|_| "expected a whole number (0, 1, 2, ...)".to_string())
}

/// A whole number, 1 or more (`--workers`, `--runs`, `--emulate`, `--devices`, `--sizes`).
pub(super) fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_string()),
    }
}

/// Most `--retries`: each one may wait up to 8 s, so this bounds a device to minutes.
pub const MAX_RETRIES: u32 = 20;

/// `--retries N`, 0 to [`MAX_RETRIES`].
pub(super) fn retries(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n <= MAX_RETRIES => Ok(n),
        _ => Err(format!("expected a whole number from 0 to {MAX_RETRIES}")),
    }
}

/// `--connect-rate R/s`: connections per second, above 0 and at most a million.
pub(super) fn connect_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let n = t.strip_suffix("/s").unwrap_or(t).trim();
    match n.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 && r <= 1e6 => Ok(r),
        _ => Err("expected connections per second above 0, like 200 or 200/s".to_string()),
    }
}

/// Seconds, more than 0 and at most a day (`--timeout 0.5`).
pub(super) fn positive_secs(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT_SECS => Ok(t),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most {MAX_TIMEOUT_SECS} (like 0.5 or 10)"
        )),
    }
}

/// `--external NAME=COMMAND`.
pub(super) fn external_spec(s: &str) -> Result<crate::external::ExternalSpec, String> {
    crate::external::ExternalSpec::parse(s).map_err(|e| e.to_string())
}

/// `--inventory-format`.
pub(super) fn inventory_format(s: &str) -> Result<fleetbench_inventory::Format, String> {
    fleetbench_inventory::Format::parse(s)
        .ok_or_else(|| format!("expected {}", fleetbench_inventory::Format::NAMES))
}

/// An algorithm list of `kind` in OpenSSH syntax, checked against this build of libssh2.
fn algorithm_spec(kind: Kind, s: &str) -> Result<Spec, String> {
    let spec = Spec::parse(kind, s).map_err(|e| e.to_string())?;
    let mut algs = Algorithms::default();
    algs.set(kind, Some(spec.clone()));
    fleetbench_inventory::algorithms::validate(&algs, &fleetbench_client::Libssh2::new())
        .map_err(|e| e.to_string())?;
    Ok(spec)
}

pub(super) fn kex_spec(s: &str) -> Result<Spec, String> {
    algorithm_spec(Kind::Kex, s)
}

pub(super) fn hostkey_spec(s: &str) -> Result<Spec, String> {
    algorithm_spec(Kind::HostKey, s)
}

pub(super) fn ciphers_spec(s: &str) -> Result<Spec, String> {
    algorithm_spec(Kind::Ciphers, s)
}

pub(super) fn macs_spec(s: &str) -> Result<Spec, String> {
    algorithm_spec(Kind::Macs, s)
}

/// `I/N` (`--shard 0/8`).
pub(super) fn shard(s: &str) -> Result<Shard, String> {
    Shard::parse(s).map_err(|e| e.to_string())
}

/// A command: one non-empty line (`--command`).
pub(super) fn one_line(s: &str) -> Result<String, String> {
    if s.trim().is_empty() || s.contains(['\n', '\r']) {
        return Err("expected a single non-empty line".to_string());
    }
    Ok(s.to_string())
}
