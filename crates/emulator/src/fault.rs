//! Faults a device can be told to have, and their deterministic assignment to devices.
//!
//! # Spelling (in a profile string: `fault=KIND[:PARAM][@TARGET]`, repeatable)
//! | kind | effect |
//! |---|---|
//! | `refuse` | the port is bound but not listening: connects get a RST (connection refused) |
//! | `no-banner` | TCP is accepted, then nothing is ever sent (no SSH banner) |
//! | `no-prompt` | login succeeds and the shell opens, but no prompt or echo ever comes |
//! | `hang` | a `show` command sends half its output, then nothing more |
//! | `disconnect` | a `show` command sends half its output, then the connection is closed |
//! | `slow[:BYTES_PER_SEC]` | all shell output trickles at that rate (default 200 B/s) |
//! | `wrong-password` | the device's password differs from the one its inventory entry gives |
//! | `enable-refused` | `enable` always answers `% Access denied` |
//! | `weird-prompt` | the prompt is `router-weird$ ` instead of `R1>` / `R1#` |
//! | `fail[:RATE]` | each connection is dropped right after accept with this probability (`20%` or `0.2`; default 10%) |
//! | `flood[:SIZE]` | a `show` command answers with lines of `y` (64 KiB writes): endless, never a prompt; with a SIZE (`15MiB`), that much, then the prompt (a large but real output) |
//! | `flood-no-newline` | once the shell opens: endless 64 KiB writes of `y` each ending in `>`, never a newline or a prompt |
//! | `echo-secret` | the banner repeats the login password, the typed enable secret is echoed, and each `show` output ends with a config line holding the password (each secret sent in two writes) |
//! | `escape-codes` | each `show` output starts with terminal control sequences (OSC set-title, `ESC[6n`, clear screen) |
//!
//! TARGET is `all` (the default), a fraction of the fleet (`10%` or `0.1`), or device names
//! joined by `+` (`R1+R4`). Fractions pick devices from one seeded permutation of the fleet,
//! consecutively and without overlap between rules (so `fault=hang@10%,fault=refuse@10%`
//! makes two disjoint sets); each rule's count is the cumulative fraction rounded, so small
//! fleets get few faulty devices instead of one of each.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::seed::mix;

/// One kind of misbehaviour. See the module docs for the spelling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    Refuse,
    NoBanner,
    NoPrompt,
    Hang,
    Disconnect,
    Slow {
        bytes_per_sec: u32,
    },
    WrongPassword,
    EnableRefused,
    WeirdPrompt,
    /// Probability in `0.0..=1.0` that a connection is dropped right after accept.
    FailRate(f64),
    /// `None`: endless; `Some(n)`: `n` bytes of output, then the prompt.
    Flood(Option<u64>),
    FloodNoNewline,
    EchoSecret,
    EscapeCodes,
}

/// Which devices a fault applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultTarget {
    All,
    /// 0-based device indices (`R1` is index 0).
    Devices(Vec<usize>),
    /// A fraction `0.0..=1.0` of the fleet, chosen from the seed.
    Fraction(f64),
}

/// A fault and where it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub fault: Fault,
    pub target: FaultTarget,
}

/// The faults one device ended up with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceFaults {
    pub refuse: bool,
    pub no_banner: bool,
    pub no_prompt: bool,
    pub hang: bool,
    pub disconnect: bool,
    pub slow: Option<u32>,
    pub wrong_password: bool,
    pub enable_refused: bool,
    pub weird_prompt: bool,
    pub fail_rate: f64,
    /// `Some(None)`: endless; `Some(Some(n))`: `n` bytes, then the prompt.
    pub flood: Option<Option<u64>>,
    pub flood_no_newline: bool,
    pub echo_secret: bool,
    pub escape_codes: bool,
}

impl DeviceFaults {
    pub fn is_healthy(&self) -> bool {
        *self == DeviceFaults::default()
    }

    /// No fault changes, splits or trickles a `show` output: it goes out as the CLI made it.
    pub fn passes_output(&self) -> bool {
        self.flood.is_none()
            && !self.escape_codes
            && !self.echo_secret
            && !self.hang
            && !self.disconnect
            && self.slow.is_none()
    }

    fn add(&mut self, fault: Fault) {
        match fault {
            Fault::Refuse => self.refuse = true,
            Fault::NoBanner => self.no_banner = true,
            Fault::NoPrompt => self.no_prompt = true,
            Fault::Hang => self.hang = true,
            Fault::Disconnect => self.disconnect = true,
            Fault::Slow { bytes_per_sec } => self.slow = Some(bytes_per_sec.max(1)),
            Fault::WrongPassword => self.wrong_password = true,
            Fault::EnableRefused => self.enable_refused = true,
            Fault::WeirdPrompt => self.weird_prompt = true,
            Fault::FailRate(p) => self.fail_rate = p,
            Fault::Flood(size) => self.flood = Some(size),
            Fault::FloodNoNewline => self.flood_no_newline = true,
            Fault::EchoSecret => self.echo_secret = true,
            Fault::EscapeCodes => self.escape_codes = true,
        }
    }

    /// Short names of the faults, for the one-line device summary of `fleetbench emulate`.
    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        let flags = [
            (self.refuse, "refuse"),
            (self.no_banner, "no-banner"),
            (self.no_prompt, "no-prompt"),
            (self.hang, "hang"),
            (self.disconnect, "disconnect"),
            (self.wrong_password, "wrong-password"),
            (self.enable_refused, "enable-refused"),
            (self.weird_prompt, "weird-prompt"),
            (self.flood_no_newline, "flood-no-newline"),
            (self.echo_secret, "echo-secret"),
            (self.escape_codes, "escape-codes"),
        ];
        v.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
        if let Some(r) = self.slow {
            v.push(format!("slow:{r}"));
        }
        match self.flood {
            Some(None) => v.push("flood".to_string()),
            Some(Some(n)) => v.push(format!("flood:{n}")),
            None => {}
        }
        if self.fail_rate > 0.0 {
            v.push(format!("fail:{}%", self.fail_rate * 100.0));
        }
        v
    }
}

/// Parses `KIND[:PARAM][@TARGET]`.
pub fn parse_fault(s: &str) -> Result<FaultRule, String> {
    let (what, target) = match s.split_once('@') {
        Some((w, t)) => (w, Some(t)),
        None => (s, None),
    };
    let (kind, param) = match what.split_once(':') {
        Some((k, p)) => (k, Some(p)),
        None => (what, None),
    };
    let no_param = |f: Fault| match param {
        None => Ok(f),
        Some(_) => Err(format!("fault '{kind}' takes no parameter")),
    };
    let fault = match kind.trim() {
        "refuse" => no_param(Fault::Refuse)?,
        "no-banner" => no_param(Fault::NoBanner)?,
        "no-prompt" => no_param(Fault::NoPrompt)?,
        "hang" => no_param(Fault::Hang)?,
        "disconnect" => no_param(Fault::Disconnect)?,
        "wrong-password" => no_param(Fault::WrongPassword)?,
        "enable-refused" => no_param(Fault::EnableRefused)?,
        "weird-prompt" => no_param(Fault::WeirdPrompt)?,
        "flood" => Fault::Flood(
            param
                .map(|p| fleetbench_units::size::parse(p).map(|n| n as u64))
                .transpose()
                .map_err(|e| format!("flood:{e}"))?,
        ),
        "flood-no-newline" => no_param(Fault::FloodNoNewline)?,
        "echo-secret" => no_param(Fault::EchoSecret)?,
        "escape-codes" => no_param(Fault::EscapeCodes)?,
        "slow" => Fault::Slow {
            bytes_per_sec: match param {
                None => 200,
                Some(p) => p
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("slow:{p}: expected bytes per second > 0"))?,
            },
        },
        "fail" => Fault::FailRate(match param {
            None => 0.1,
            Some(p) => parse_fraction(p)?,
        }),
        other => {
            return Err(format!(
                "unknown fault '{other}' (known: refuse, no-banner, no-prompt, hang, disconnect, \
                 slow[:B/s], wrong-password, enable-refused, weird-prompt, fail[:RATE], flood[:SIZE], \
                 flood-no-newline, echo-secret, escape-codes)"
            ));
        }
    };
    let target = match target.map(str::trim) {
        None | Some("all") => FaultTarget::All,
        Some(t) if t.starts_with(['R', 'r']) => FaultTarget::Devices(
            t.split('+')
                .map(|name| {
                    name.trim()
                        .get(1..)
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| *n >= 1)
                        .map(|n| n - 1)
                        .ok_or_else(|| format!("bad device name '{name}' (expected R1, R2, ...)"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(t) => FaultTarget::Fraction(parse_fraction(t)?),
    };
    Ok(FaultRule { fault, target })
}

/// `20%` or `0.2`, within `0..=1`.
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.parse::<f64>(),
    }
    .map_err(|_| format!("'{s}' is not a fraction (like 10% or 0.1)"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{s}' is outside 0%..100%"))
    }
}

/// Resolves the rules into per-device faults, deterministically from `seed`.
pub fn assign(rules: &[FaultRule], devices: usize, seed: u64) -> Vec<DeviceFaults> {
    let mut out = vec![DeviceFaults::default(); devices];
    if devices == 0 {
        return out;
    }
    let mut order: Vec<usize> = (0..devices).collect();
    order.shuffle(&mut StdRng::seed_from_u64(mix(seed, 0xFA17)));
    let mut cumulative = 0.0;
    let mut taken = 0usize;
    for rule in rules {
        match &rule.target {
            FaultTarget::All => out.iter_mut().for_each(|d| d.add(rule.fault)),
            FaultTarget::Devices(ids) => {
                for &i in ids {
                    if let Some(d) = out.get_mut(i) {
                        d.add(rule.fault);
                    }
                }
            }
            FaultTarget::Fraction(f) => {
                cumulative += f;
                let upto = (cumulative * devices as f64).round() as usize;
                for k in taken..upto {
                    // Past 100% in total, wrap around and stack faults.
                    if let Some(d) = order.get(k % devices).and_then(|&i| out.get_mut(i)) {
                        d.add(rule.fault);
                    }
                }
                taken = taken.max(upto);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_target() {
        assert_eq!(
            parse_fault("refuse").unwrap(),
            FaultRule {
                fault: Fault::Refuse,
                target: FaultTarget::All
            }
        );
        assert_eq!(
            parse_fault("hang@R2+R5").unwrap().target,
            FaultTarget::Devices(vec![1, 4])
        );
        assert_eq!(
            parse_fault("slow:50@25%").unwrap(),
            FaultRule {
                fault: Fault::Slow { bytes_per_sec: 50 },
                target: FaultTarget::Fraction(0.25)
            }
        );
        assert_eq!(
            parse_fault("slow").unwrap().fault,
            Fault::Slow { bytes_per_sec: 200 }
        );
        assert_eq!(
            parse_fault("fail:20%@0.5").unwrap().fault,
            Fault::FailRate(0.2)
        );
        assert_eq!(parse_fault("fail").unwrap().fault, Fault::FailRate(0.1));
        for k in [
            "no-banner",
            "no-prompt",
            "disconnect",
            "wrong-password",
            "enable-refused",
            "weird-prompt",
            "flood",
            "flood-no-newline",
            "echo-secret",
            "escape-codes",
        ] {
            assert!(parse_fault(k).is_ok(), "{k}");
        }
        assert!(parse_fault("explode").is_err());
        assert!(parse_fault("hang:3").is_err());
        assert!(parse_fault("hang@R0").is_err());
        assert!(parse_fault("hang@150%").is_err());
        assert!(parse_fault("slow:0").is_err());
    }

    #[test]
    fn fractions_are_disjoint_deterministic_and_rounded() {
        let rules = vec![
            parse_fault("hang@10%").unwrap(),
            parse_fault("refuse@10%").unwrap(),
        ];
        let a = assign(&rules, 100, 7);
        assert_eq!(a, assign(&rules, 100, 7));
        assert_ne!(a, assign(&rules, 100, 8));
        assert_eq!(a.iter().filter(|d| d.hang).count(), 10);
        assert_eq!(a.iter().filter(|d| d.refuse).count(), 10);
        assert_eq!(a.iter().filter(|d| d.hang && d.refuse).count(), 0);
        // Small fleet: 2 x 10% of 3 devices rounds to 1 device in total.
        let small = assign(&rules, 3, 7);
        assert_eq!(small.iter().filter(|d| !d.is_healthy()).count(), 1);
    }

    #[test]
    fn explicit_devices_and_all() {
        let rules = vec![
            parse_fault("weird-prompt@R1").unwrap(),
            parse_fault("slow:10").unwrap(),
        ];
        let a = assign(&rules, 3, 1);
        assert!(a[0].weird_prompt && !a[1].weird_prompt);
        assert!(a.iter().all(|d| d.slow == Some(10)));
        // An index past the fleet is ignored rather than an error: the same profile string
        // can serve fleets of different sizes.
        assert_eq!(
            assign(&[parse_fault("hang@R9").unwrap()], 3, 1),
            assign(&[], 3, 1)
        );
    }
}
