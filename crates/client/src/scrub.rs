//! The one place that knows a device's secrets after the session has used them: it replaces
//! each of them with [`MARKER`] where it stands as a secret in what fleetbench keeps or shows
//! (command outputs, error tails and messages, hence reports and log lines).
//!
//! A device may echo a secret back (a banner, an echo of the typed enable secret, a config
//! line with a clear-text password). fleetbench sent that secret; it must not be the one that
//! writes it down. But a secret is not every occurrence of its letters: with the emulator's
//! `cisco`/`cisco`/`cisco`, masking every `cisco` turned the username, `www.cisco.com` and
//! `cisco C8000V` into `***` and broke parsers. So:
//!
//! - **A secret with a digit or a symbol** (what a real password has: `hunter2`, `S3cr3t!`)
//!   is masked wherever it appears, inside words too: such a string is the secret.
//! - **A secret that is a plain word** (letters only: `cisco`) is masked where it stands as a
//!   secret, as a whole word:
//!   - alone on its line, or after a prompt (`R1>cisco`): an echo of what was typed;
//!   - within the three words after a secret's keyword on its line (`password`, `secret`,
//!     `key`, `community`, `passphrase`, ...: `enable secret cisco`, `username u password 0
//!     cisco`, `Password: cisco`, `password=cisco`);
//!   - as the password of a URL (`ssh://user:cisco@host`).
//!
//!   Elsewhere it is a word of the device's own text and stays: `www.cisco.com` (a word that
//!   merely contains it), `cisco C8000V`, `by cisco`, `user 'cisco'`.
//! - **The username is not a secret**, and is never looked for.
//!
//! Matching is exact and case-sensitive. A text that starts in the middle of a line (an
//! error tail cut from a longer buffer) has lost the context of its first line, so a plain
//! word there is masked wherever it stands as a whole word ([`Scrubber::scrub_tail`]): when
//! the context is unknown, masking is the safe side.
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

/// Words after which, on the same line, a secret stands as one (compared lowercased).
const KEYWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "key",
    "key-string",
    "community",
    "passphrase",
    "psk",
    "pre-shared-key",
    "credential",
    "credentials",
    "token",
];
/// How many words after a keyword a secret may stand (`password 0 cisco`, `secret 5 ...`).
const KEYWORD_REACH: usize = 3;

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

/// A secret of letters only, which a device's own text may use as a word.
fn plain_word(secret: &str) -> bool {
    secret.chars().all(char::is_alphabetic)
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters that join two words into one (`www.cisco.com`, `cisco-support`, `a@cisco`).
fn joiner(c: char) -> bool {
    matches!(c, '.' | '-' | '@' | '/')
}

/// Whether `text[start..end]` is a whole word: not inside a longer word, nor joined to one.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    let inside = |c: Option<char>, next: Option<char>| match c {
        Some(c) if word_char(c) => true,
        Some(c) if joiner(c) => next.is_some_and(word_char),
        _ => false,
    };
    let (b1, b2) = (before.next(), before.next());
    let (a1, a2) = (after.next(), after.next());
    !inside(b1, b2) && !inside(a1, a2)
}

/// Whether `text[start..end]` is a URL's password: `scheme://user:SECRET@host`.
fn url_password(text: &str, start: usize, end: usize) -> bool {
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    before.ends_with(':')
        && text[end..].starts_with('@')
        && before
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|w| w.contains("//"))
}

/// Whether the whole word at `text[start..end]` stands as a secret on its line.
fn stands_as_secret(text: &str, start: usize, end: usize) -> bool {
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[end..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| end + i);
    let before = &text[line_start..start];
    let after = &text[end..line_end];
    // Alone on its line, or typed after a prompt: an echo.
    if after.trim().is_empty() {
        let b = before.trim_end();
        if b.is_empty() || b.ends_with(['>', '#', '$', '%']) {
            return true;
        }
    }
    // After a keyword, within a few words.
    before
        .split(|c: char| c.is_whitespace() || "=:\"',;()[]{}<>".contains(c))
        .filter(|w| !w.is_empty())
        .rev()
        .take(KEYWORD_REACH)
        .any(|w| KEYWORDS.contains(&w.to_lowercase().as_str()))
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
    /// and the enable secret. Never the username.
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

    /// `text` with every secret masked where it stands as one (see the module docs);
    /// borrowed when there was none.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.scrub_with(text, false)
    }

    /// [`Self::scrub`] for a text cut from a longer one (an error tail): its first line has
    /// lost its context, so a plain-word secret there is masked as any whole word.
    pub fn scrub_tail<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.scrub_with(text, true)
    }

    /// [`Self::scrub_tail`] when `cut`, else [`Self::scrub`].
    pub fn scrub_with<'t>(&self, text: &'t str, cut: bool) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.secrets {
            if !out.contains(s.as_str()) {
                continue;
            }
            let plain = plain_word(s);
            let t: &str = &out;
            let first_line_end = t.find(['\n', '\r']).unwrap_or(t.len());
            let mut masked = String::with_capacity(t.len());
            let mut last = 0;
            let mut changed = false;
            for (start, _) in t.match_indices(s.as_str()) {
                let end = start + s.len();
                let mask = !plain
                    || url_password(t, start, end)
                    || (whole_word(t, start, end)
                        && ((cut && start < first_line_end) || stands_as_secret(t, start, end)));
                if mask {
                    masked.push_str(&t[last..start]);
                    masked.push_str(MARKER);
                    last = end;
                    changed = true;
                }
            }
            if changed {
                masked.push_str(&t[last..]);
                out = Cow::Owned(masked);
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
    fn a_strong_secret_is_masked_everywhere_longest_first() {
        let s = sc(&["hunter2", "hunter2-enable", "", "x"]);
        assert_eq!(
            s.scrub("pw hunter2, en hunter2-enable, hunter2, xhunter2y"),
            "pw ***, en ***, ***, x***y"
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

    /// The emulator's `cisco`/`cisco`/`cisco`: masked where it is the password, kept where
    /// it is the username, a host name, a product or a word of an output.
    #[test]
    fn a_plain_word_secret_is_masked_only_where_it_stands_as_one() {
        let s = sc(&["cisco"]);
        for (text, want) in [
            // Where it is the secret.
            ("cisco", "***"),
            ("  cisco  ", "  ***  "),
            ("Password: cisco", "Password: ***"),
            ("R1>cisco", "R1>***"),
            ("R1#cisco\r\n", "R1#***\r\n"),
            ("enable secret cisco", "enable secret ***"),
            (
                "username cisco privilege 15 password 0 cisco",
                "username cisco privilege 15 password 0 ***",
            ),
            (
                "snmp-server community cisco RO",
                "snmp-server community *** RO",
            ),
            ("tacacs-server key 7 cisco", "tacacs-server key 7 ***"),
            ("password=cisco", "password=***"),
            ("ssh://admin:cisco@192.0.2.1", "ssh://admin:***@192.0.2.1"),
            // Where it is a word of the device's text, or the username.
            (
                "http://www.cisco.com/techsupport",
                "http://www.cisco.com/techsupport",
            ),
            ("export@cisco.com.", "export@cisco.com."),
            (
                "cisco C8000V (VXE) processor",
                "cisco C8000V (VXE) processor",
            ),
            (
                "Last configuration change at 10:02:03 by cisco",
                "Last configuration change at 10:02:03 by cisco",
            ),
            (
                "authentication rejected for user 'cisco'",
                "authentication rejected for user 'cisco'",
            ),
            ("group cisco-support", "group cisco-support"),
            ("Username: cisco", "Username: cisco"),
            ("ciscoSystems", "ciscoSystems"),
        ] {
            assert_eq!(s.scrub(text), want, "{text:?}");
        }
        // Each line is judged on its own.
        assert_eq!(
            s.scrub("hostname R1\nenable secret cisco\n cisco C8000V\ncisco"),
            "hostname R1\nenable secret ***\n cisco C8000V\n***"
        );
    }

    #[test]
    fn a_tail_cut_mid_line_masks_its_first_line_whole_words() {
        let s = sc(&["cisco"]);
        // `password ` was before the cut: without it, the first line's word is masked.
        assert_eq!(s.scrub_tail("cisco\nR1 cisco"), "***\nR1 cisco");
        assert_eq!(s.scrub_tail("x www.cisco.com"), "x www.cisco.com");
    }
}
