//! A string that must never be printed: passwords, enable secrets, key passphrases.

use std::fmt;

/// Holds a secret. `Debug` and `Display` print `***`; there is deliberately no `Serialize`,
/// so a secret cannot slip into a report. Code that must send it (the SSH session, the
/// worker-process pipe) calls [`Secret::expose`] by name.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
