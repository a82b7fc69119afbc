//! The shared limits of a profile: what caps a fleet's logins besides its latency. Each key
//! is documented with the behaviour it models where that behaviour lives: [`crate::aaa`]
//! (the fleet's one AAA server), [`crate::login_block`] (IOS `login block-for`),
//! [`crate::preauth`] (`MaxStartups` and the vty lines taken at connect); how a full device
//! refuses a session per platform is [`crate::platforms::vty_refusal`].
//!
//! # Keys
//! - `aaa=C@L`: one AAA server for the whole fleet, `C` requests at once, `L` each
//!   (`aaa=16@20ms`); with it, `aaa-timeout=D` (each device's wait for an answer, default
//!   5 s), `aaa-queue=N` (requests waiting beyond `C`; more are refused at once; default no
//!   bound) and `aaa-fallback=local|none` (after a timeout or refusal, check the local
//!   database, or fail; default `none`).
//! - `vty=N`: each device's vty lines (concurrent sessions; default 5, IOS's `line vty 0 4`).
//! - `block-for=S/N/W`: quiet mode for S after N failed logins within W (`120s/3/60s`).
//! - `preauth=S:R:F`: each device's `MaxStartups` (default `10:30:100`, OpenSSH's).
//! - `ident-grace=D`: a connection that sends nothing at all for D is closed (default 10 s),
//!   besides the login grace time (`grace`, 120 s) every connection has.

use std::time::Duration;

use crate::aaa::{AaaSpec, Fallback};
use crate::login_block::BlockFor;
use crate::startups::Startups;

/// The default `ident-grace`: far above any client's time to send its identification line,
/// far below the login grace time.
pub const DEFAULT_IDENT_GRACE: Duration = Duration::from_secs(10);

/// The shared limits of a profile (all off but the per-device pre-auth rules by default).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub aaa: Option<AaaSpec>,
    /// vty lines per device; `None`: the fleet's own (`FleetSpec::max_sessions`).
    pub vty: Option<usize>,
    pub block_for: Option<BlockFor>,
    pub preauth: Startups,
    pub ident_grace: Duration,
    /// `aaa-*` keys seen before or without `aaa=`, applied once it is known.
    pending: AaaKeys,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct AaaKeys {
    timeout: Option<Duration>,
    queue: Option<usize>,
    fallback: Option<Fallback>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            aaa: None,
            vty: None,
            block_for: None,
            preauth: Startups::default(),
            ident_grace: DEFAULT_IDENT_GRACE,
            pending: AaaKeys::default(),
        }
    }
}

/// The profile keys this module owns.
pub const KEYS: &[&str] = &[
    "aaa",
    "aaa-timeout",
    "aaa-queue",
    "aaa-fallback",
    "vty",
    "block-for",
    "preauth",
    "ident-grace",
];

impl Limits {
    /// Applies `key=value`; `Ok(false)` when the key is not a limit.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool, String> {
        let positive = |v: &str| -> Result<usize, String> {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{key}={v}: expected a whole number above 0"))
        };
        let duration = |v: &str| -> Result<Duration, String> {
            fleetbench_units::duration::parse(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| format!("{key}={v}: expected a duration above 0, like 5s"))
        };
        match key {
            "aaa" => self.aaa = Some(AaaSpec::parse(value)?),
            "aaa-timeout" => self.pending.timeout = Some(duration(value)?),
            "aaa-queue" => {
                self.pending.queue = Some(value.trim().parse::<usize>().map_err(|_| {
                    format!("{key}={value}: expected a whole number (0: refuse whatever must wait)")
                })?)
            }
            "aaa-fallback" => {
                self.pending.fallback = Some(match value.trim() {
                    "local" => Fallback::Local,
                    "none" => Fallback::None,
                    _ => return Err(format!("{key}={value}: expected local or none")),
                })
            }
            "vty" => self.vty = Some(positive(value)?),
            "block-for" => self.block_for = Some(BlockFor::parse(value)?),
            "preauth" => {
                self.preauth =
                    Startups::parse(value).map_err(|e| format!("preauth={value}: {e}"))?
            }
            "ident-grace" => self.ident_grace = duration(value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Applies the `aaa-*` keys to `aaa=` once every key is read; an `aaa-*` key without an
    /// AAA server is an error (it would silently do nothing).
    pub fn finish(&mut self) -> Result<(), String> {
        let keys = std::mem::take(&mut self.pending);
        match &mut self.aaa {
            Some(aaa) => {
                aaa.timeout = keys.timeout.unwrap_or(aaa.timeout);
                aaa.queue = keys.queue.or(aaa.queue);
                aaa.fallback = keys.fallback.unwrap_or(aaa.fallback);
                Ok(())
            }
            None if keys != AaaKeys::default() => Err(
                "aaa-timeout, aaa-queue and aaa-fallback need an AAA server: add aaa=C@L".into(),
            ),
            None => Ok(()),
        }
    }

    /// Whether a limit that a session may hit is set (which makes the fleet keep its
    /// session record, for the devices' account of each refusal).
    pub fn any(&self) -> bool {
        self.aaa.is_some() || self.vty.is_some() || self.block_for.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(pairs: &[(&str, &str)]) -> Result<Limits, String> {
        let mut l = Limits::default();
        for (k, v) in pairs {
            assert!(l.set(k, v)?, "{k} is a limit key");
        }
        l.finish()?;
        Ok(l)
    }

    #[test]
    fn aaa_keys_apply_in_any_order() {
        let l = limits(&[
            ("aaa-timeout", "200ms"),
            ("aaa", "4@50ms"),
            ("aaa-queue", "8"),
            ("aaa-fallback", "local"),
        ])
        .unwrap();
        let a = l.aaa.unwrap();
        assert_eq!(
            (a.capacity, a.service, a.timeout, a.queue, a.fallback),
            (
                4,
                Duration::from_millis(50),
                Duration::from_millis(200),
                Some(8),
                Fallback::Local
            )
        );
        assert!(l.any());
        assert!(limits(&[("aaa-timeout", "1s")]).is_err());
        assert!(limits(&[("aaa", "4@50ms"), ("aaa-fallback", "radius")]).is_err());
    }

    #[test]
    fn device_keys() {
        let l = limits(&[
            ("vty", "16"),
            ("block-for", "30s/3/10s"),
            ("preauth", "3:50:10"),
            ("ident-grace", "2s"),
        ])
        .unwrap();
        assert_eq!(l.vty, Some(16));
        assert_eq!(l.block_for.unwrap().attempts, 3);
        assert_eq!(l.preauth.to_string(), "3:50:10");
        assert_eq!(l.ident_grace, Duration::from_secs(2));
        assert!(limits(&[("vty", "0")]).is_err());
        assert!(limits(&[("ident-grace", "0")]).is_err());
        let mut l = Limits::default();
        assert_eq!(l.set("login", "1s"), Ok(false));
        assert!(!Limits::default().any());
        for k in KEYS {
            assert!(Limits::default().set(k, "?").is_err(), "{k}");
        }
    }
}
