//! The one place that knows a device's secrets after the session has used them: it replaces
//! each of them with [`MARKER`] in what fleetbench keeps or shows (command outputs, error
//! tails and messages, hence reports and log lines).
//!
//! A device may echo a secret back (a banner, an echo of the typed enable secret, a config
//! line with a clear-text password). fleetbench sent that secret; it must not be the one that
//! writes it down. Matching is exact and case-sensitive, everywhere in the text, like Ansible's
//! `no_log`: a secret that is also a common word (the emulator's `cisco`) is masked wherever
//! that word appears, since fleetbench cannot tell the two apart.
//!
//! A secret split across reads is whole again in the dialogue's buffer, which is scrubbed as a
//! whole; the error tail is cut from a window wide enough to hold any secret that reaches into
//! it (see [`crate::dialogue`]).

use fleetbench_inventory::Device;
use fleetbench_inventory::Secret;
use std::borrow::Cow;
use std::fmt;

/// What a secret is replaced with.
pub const MARKER: &str = "***";
/// Shorter secrets are not searched for in device text: a one- to three-character secret
/// (`x`) would match inside most words and mangle every output, while hiding little.
pub const MIN_SCRUBBED: usize = 4;

/// The secrets of one device. `Debug` prints only how many there are.
#[derive(Clone, Default)]
pub struct Scrubber {
    /// Non-empty, distinct, longest first (so a secret that contains another is replaced
    /// whole, not around the shorter one).
    secrets: Vec<String>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} secrets)", self.secrets.len())
    }
}

impl Scrubber {
    /// From any secrets; those shorter than [`MIN_SCRUBBED`] characters are ignored.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut v: Vec<String> = secrets
            .into_iter()
            .map(|s| s.expose().to_string())
            .filter(|s| s.chars().count() >= MIN_SCRUBBED)
            .collect();
        v.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        v.dedup();
        Scrubber { secrets: v }
    }

    /// Everything fleetbench holds for `dev`: the password (also the key file's passphrase)
    /// and the enable secret.
    pub fn for_device(dev: &Device) -> Self {
        Scrubber::new(dev.password.iter().chain(dev.secret.iter()))
    }

    /// Length in bytes of the longest secret (0 without secrets).
    pub fn longest(&self) -> usize {
        self.secrets.first().map_or(0, String::len)
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret replaced by [`MARKER`]; borrowed when there was none.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), MARKER));
            }
        }
        out
    }

    /// [`Self::scrub`] in place, without a copy when there is nothing to replace.
    pub fn scrub_string(&self, text: &mut String) {
        if let Cow::Owned(s) = self.scrub(text) {
            *text = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(secrets: &[&str]) -> Scrubber {
        let s: Vec<Secret> = secrets.iter().map(|s| Secret::new(*s)).collect();
        Scrubber::new(&s)
    }

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let s = sc(&["hunter2", "hunter2-enable", "", "x"]);
        assert_eq!(
            s.scrub("pw hunter2, en hunter2-enable, hunter2"),
            "pw ***, en ***, ***"
        );
        assert_eq!(s.longest(), "hunter2-enable".len());
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(format!("{s:?}"), "Scrubber(2 secrets)");
    }

    #[test]
    fn no_secrets_changes_nothing() {
        let s = sc(&["", "abc"]);
        assert!(s.is_empty());
        let mut t = String::from("abc");
        s.scrub_string(&mut t);
        assert_eq!(t, "abc");
    }
}
