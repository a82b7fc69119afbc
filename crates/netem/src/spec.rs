//! `--network NAME|SPEC`: what each device's link looks like.
//!
//! # Grammar
//! One or more classes separated by `;`. A class is a named profile, `key=value` pairs, or a
//! name followed by overrides (`continental,loss=1%`), optionally ending in `@N%`: that share
//! of the fleet gets it. One class may omit the share and takes the rest; when every class has
//! a share and they add up to less than 100%, the rest is `local`.
//!
//! Keys: `rtt` (round trip, split in half each way), `jitter` (each packet's one-way delay
//! moves by a uniform draw in ±jitter/2, so the round trip moves by up to ±jitter), `loss`
//! (each packet, each way, independently), `rate` (`10mbit`, `512kbit`, `1gbit`, per device
//! and direction), `queue` (packets waiting for the rate limit before tail drop; default
//! 1000), `reorder` (`on` lets jittered packets overtake each other; off by default, as on a
//! real single path).
//!
//! Which device gets which class is a seeded shuffle, like fault placement: the same seed
//! and fleet size give the same devices.

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use fleetbench_units::duration::parse as parse_duration;
use fleetbench_units::seed::mix;

use crate::error::NetemError;
pub use fleetbench_report::network::{DEFAULT_QUEUE, LinkParams};

/// The named profiles, with their round-trip times (the RTT classes of carriers' published
/// latencies, as clibench uses them; `local` is no added delay, but still through the link).
pub const NAMES: &[(&str, u64)] = &[
    ("local", 0),
    ("campus", 2),
    ("regional", 30),
    ("continental", 70),
    ("intercontinental", 150),
    ("transpacific", 175),
];

/// Sets `key` of `link` from its text (`rtt`, `jitter`, `loss`, `rate`, `queue`, `reorder`).
fn apply(link: &mut LinkParams, key: &str, value: &str) -> Result<(), String> {
    match key {
        "rtt" | "delay" => link.rtt = parse_duration(value)?,
        "jitter" => link.jitter = parse_duration(value)?,
        "loss" => link.loss = parse_percent(value)?,
        "rate" => link.rate_bps = Some(parse_rate(value)?),
        "queue" => {
            link.queue = value
                .parse::<usize>()
                .ok()
                .filter(|q| *q >= 1)
                .ok_or_else(|| format!("queue={value}: expected packets, at least 1"))?
        }
        "reorder" => {
            link.reorder = match value {
                "on" | "yes" | "true" => true,
                "off" | "no" | "false" => false,
                _ => return Err(format!("reorder={value}: expected on or off")),
            }
        }
        _ => {
            return Err(format!(
                "unknown key '{key}' (expected rtt, jitter, loss, rate, queue, reorder)"
            ));
        }
    }
    if link.loss >= 1.0 {
        return Err("loss must be below 100%".into());
    }
    Ok(())
}

/// A share of the fleet and its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkClass {
    /// How the class was written (`continental`, `rtt=150ms`).
    pub name: String,
    pub link: LinkParams,
    /// Fraction of the fleet, 0..=1; `None`: the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

/// A parsed `--network` value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    /// The text as given.
    pub name: String,
    pub classes: Vec<LinkClass>,
}

impl NetworkSpec {
    /// Parses a name or a spec (see the module docs).
    pub fn parse(text: &str) -> Result<NetworkSpec, NetemError> {
        let bad = |reason: String| NetemError::Spec {
            spec: text.to_string(),
            reason,
        };
        let mut classes = Vec::new();
        for part in text.split(';') {
            let part = part.trim();
            if part.is_empty() {
                return Err(bad("empty class (two ';' in a row?)".into()));
            }
            classes.push(parse_class(part).map_err(bad)?);
        }
        let rest = classes.iter().filter(|c| c.share.is_none()).count();
        if rest > 1 {
            return Err(bad(
                "only one class may omit its @N% share (it takes the rest)".into(),
            ));
        }
        let total: f64 = classes.iter().filter_map(|c| c.share).sum();
        if total > 1.0 + 1e-9 {
            return Err(bad(format!(
                "shares add up to {:.0}%, more than 100%",
                total * 100.0
            )));
        }
        if rest == 0 && total < 1.0 - 1e-9 {
            classes.push(LinkClass {
                name: "local".into(),
                link: LinkParams::rtt_ms(0),
                share: None,
            });
        }
        Ok(NetworkSpec {
            name: text.trim().to_string(),
            classes,
        })
    }

    /// The link of every device, in device order: classes with a share take that many devices
    /// (rounded) of a seeded shuffle, in the order written; the class without one takes the rest.
    pub fn assign(&self, devices: usize, seed: u64) -> Vec<(usize, LinkParams)> {
        let rest = self
            .classes
            .iter()
            .position(|c| c.share.is_none())
            .unwrap_or(self.classes.len().saturating_sub(1));
        let mut out = vec![
            (
                rest,
                self.classes
                    .get(rest)
                    .map_or_else(|| LinkParams::rtt_ms(0), |c| c.link.clone())
            );
            devices
        ];
        let mut order: Vec<usize> = (0..devices).collect();
        order.shuffle(&mut StdRng::seed_from_u64(mix(seed, 0x11E7)));
        let mut cumulative = 0.0;
        let mut taken = 0usize;
        for (k, class) in self.classes.iter().enumerate() {
            let Some(share) = class.share else { continue };
            cumulative += share;
            let upto = ((cumulative * devices as f64).round() as usize).min(devices);
            for &i in &order[taken.min(upto)..upto] {
                out[i] = (k, class.link.clone());
            }
            taken = taken.max(upto);
        }
        out
    }

    /// The largest round trip of any class (the lower bound of a session's network time).
    pub fn max_rtt(&self) -> Duration {
        self.classes
            .iter()
            .map(|c| c.link.rtt)
            .max()
            .unwrap_or_default()
    }
}

fn parse_class(text: &str) -> Result<LinkClass, String> {
    let (body, share) = match text.rsplit_once('@') {
        Some((body, share)) => {
            let s = share.trim();
            if !s.ends_with('%') {
                return Err(format!("share '@{s}' must be a percentage like @20%"));
            }
            let f = parse_percent(s)?;
            if f <= 0.0 {
                return Err(format!("share '@{s}' must be above 0%"));
            }
            (body.trim(), Some(f))
        }
        None => (text, None),
    };
    let mut link = LinkParams::rtt_ms(0);
    let mut first = true;
    for item in body.split(',').map(str::trim) {
        match item.split_once('=') {
            Some((k, v)) => apply(&mut link, k.trim(), v.trim())?,
            None if first => link = named(item)?,
            None => return Err(format!("'{item}' is not key=value")),
        }
        first = false;
    }
    Ok(LinkClass {
        name: body.to_string(),
        link,
        share,
    })
}

fn named(name: &str) -> Result<LinkParams, String> {
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, ms)| LinkParams::rtt_ms(ms))
        .ok_or_else(|| {
            let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown network '{name}' (expected {}, or a spec like rtt=80ms,jitter=5ms,loss=1%,rate=10mbit)",
                names.join(", ")
            )
        })
}

/// `1%`, `0.5%`, or a fraction `0.01`.
fn parse_percent(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => s.parse::<f64>(),
    }
    .map_err(|_| format!("'{s}' is not a percentage (like 1% or 0.5%)"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("'{s}' is not between 0% and 100%"));
    }
    Ok(v)
}

/// `10mbit`, `512kbit`, `1gbit`, `9600bit` (bits per second, as tc spells them).
fn parse_rate(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let bad = || format!("'{s}' is not a rate (like 10mbit, 512kbit or 1gbit)");
    let (num, scale) = [("gbit", 1e9), ("mbit", 1e6), ("kbit", 1e3), ("bit", 1.0)]
        .iter()
        .find_map(|(suffix, scale)| lower.strip_suffix(suffix).map(|n| (n, *scale)))
        .ok_or_else(bad)?;
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    let bps = v * scale;
    if !bps.is_finite() || !(1000.0..=1e12).contains(&bps) {
        return Err(format!("rate '{s}' must be between 1kbit and 1000gbit"));
    }
    Ok(bps as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_custom_specs() {
        let s = NetworkSpec::parse("continental").unwrap();
        assert_eq!(s.classes.len(), 1);
        assert_eq!(s.classes[0].link.rtt, Duration::from_millis(70));
        assert_eq!(s.classes[0].link.one_way(), Duration::from_millis(35));
        for (n, ms) in NAMES {
            assert_eq!(
                NetworkSpec::parse(n).unwrap().max_rtt(),
                Duration::from_millis(*ms)
            );
        }
        let s = NetworkSpec::parse("rtt=80ms,jitter=5ms,loss=1%,rate=10mbit").unwrap();
        let l = &s.classes[0].link;
        assert_eq!(l.rtt, Duration::from_millis(80));
        assert_eq!(l.jitter, Duration::from_millis(5));
        assert!((l.loss - 0.01).abs() < 1e-12);
        assert_eq!(l.rate_bps, Some(10_000_000));
        assert!(!l.reorder);
        let s = NetworkSpec::parse("continental,loss=5%,queue=20,reorder=on").unwrap();
        let l = &s.classes[0].link;
        assert_eq!(
            (l.rtt, l.queue, l.reorder),
            (Duration::from_millis(70), 20, true)
        );
    }

    #[test]
    fn bad_specs_say_why() {
        for (spec, needle) in [
            ("lunar", "unknown network 'lunar'"),
            ("rtt=fast", "not a duration"),
            ("loss=150%", "between 0% and 100%"),
            ("loss=100%", "below 100%"),
            ("rate=10mbps", "not a rate"),
            ("rate=10bit", "between 1kbit"),
            ("campus,colour=red", "unknown key 'colour'"),
            ("campus@20", "percentage like @20%"),
            ("campus@70%;continental@40%", "more than 100%"),
            ("campus;continental", "only one class"),
            ("campus;;continental", "empty class"),
            ("rtt=1ms,continental", "not key=value"),
        ] {
            let e = NetworkSpec::parse(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn shares_are_exact_seeded_and_fill_with_the_rest() {
        let s = NetworkSpec::parse("rtt=150ms@20%;campus").unwrap();
        let a = s.assign(50, 7);
        let far = a.iter().filter(|(k, _)| *k == 0).count();
        assert_eq!(far, 10);
        assert!(
            a.iter()
                .filter(|(k, _)| *k == 1)
                .all(|(_, l)| l.rtt == Duration::from_millis(2))
        );
        assert_eq!(a, s.assign(50, 7), "same seed, same placement");
        assert_ne!(a, s.assign(50, 8), "another seed moves the far devices");
        // Shares below 100% with no rest class: the rest is local.
        let s = NetworkSpec::parse("transpacific@25%").unwrap();
        assert_eq!(s.classes.len(), 2);
        let a = s.assign(8, 1);
        assert_eq!(a.iter().filter(|(_, l)| l.rtt.is_zero()).count(), 6);
        assert_eq!(s.max_rtt(), Duration::from_millis(175));
    }
}
