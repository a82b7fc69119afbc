//! Host key verification: known_hosts files and the strict / accept-new / insecure policies.
//!
//! Keys are read from OpenSSH `known_hosts` files ([`HostKeyCheck::load`]). What is understood:
//! plain host names and addresses, comma-separated lists of them, `[host]:port` for other ports,
//! comments and blank lines. What is skipped, on purpose:
//! - hashed entries (`|1|salt|hash`): they are never matched, so a host known only through a
//!   hashed entry is *unknown* here; strict mode then refuses it (fails closed), accept-new
//!   records it again in fleetbench's own file. Run `ssh-keygen -H` in reverse (or keep an
//!   unhashed copy) to use them;
//! - `@cert-authority` and `@revoked` lines (fleetbench does not do host certificates, and a
//!   revoked key is simply not known);
//! - wildcard (`*`, `?`) and negated (`!`) patterns, and malformed lines.
//!
//! A host with known keys that offers a key of a *different* type is treated as
//! [`KeyVerdict::Changed`], not as new: stricter than OpenSSH's accept-new, so that a
//! man-in-the-middle cannot get a key accepted just by offering another algorithm.
//!
//! New keys are appended to fleetbench's own file ([`default_write_file`]), never to
//! `~/.ssh/known_hosts`.

use crate::error::{KnownAt, SessionError};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use fleetbench_inventory::input;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// How unknown and changed host keys are treated (`--host-keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// Only keys already in known_hosts are accepted.
    Strict,
    /// Unknown hosts are accepted and recorded (OpenSSH's `StrictHostKeyChecking=accept-new`);
    /// a changed key is refused.
    #[default]
    AcceptNew,
    /// Any key is accepted. Only for lab use.
    Insecure,
}

/// Policy plus the keys already known, keyed by known_hosts host pattern
/// (`host` for port 22, `[host]:port` otherwise). Values are `keytype base64`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostKeyCheck {
    pub policy: HostKeyPolicy,
    pub known: HashMap<String, Vec<String>>,
    /// Where each `pattern keytype base64` entry was read, for the `HOST KEY CHANGED`
    /// message (entries added by [`HostKeyCheck::pin`] or from text have none).
    #[serde(default)]
    pub origins: HashMap<String, KnownAt>,
}

/// What known_hosts says about a key a host offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyVerdict {
    /// The host has this very key on record.
    Known,
    /// The host has no key on record.
    New,
    /// The host has other keys on record; `expected_fingerprint` is the first of them
    /// (same key type preferred), as `SHA256:...`.
    Changed { expected_fingerprint: String },
}

/// [`HostKeyCheck::find`]'s answer, borrowing the stored key for messages.
enum Found<'a> {
    Known,
    New,
    Changed { key_type: &'a str, key_b64: &'a str },
}

/// Reading or writing a known_hosts file failed.
#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    #[error("cannot read known_hosts file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create directory {} for known_hosts: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write known_hosts file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The known_hosts host pattern for `host` on `port`: `host` for 22, `[host]:port` otherwise.
/// Host names are lowercased, as OpenSSH does before matching.
pub fn host_pattern(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:` and the unpadded base64 of the SHA-256 of the key blob, exactly as
/// `ssh-keygen -lf` prints it.
pub fn fingerprint_sha256(key_blob: &[u8]) -> String {
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(Sha256::digest(key_blob))
    )
}

/// The fingerprint of a base64 key as written in known_hosts.
fn fingerprint_b64(key_b64: &str) -> String {
    match STANDARD.decode(key_b64) {
        Ok(blob) => fingerprint_sha256(&blob),
        Err(_) => "(invalid base64 key)".to_string(),
    }
}

impl HostKeyCheck {
    /// An empty check with `policy`.
    pub fn new(policy: HostKeyPolicy) -> Self {
        HostKeyCheck {
            policy,
            known: HashMap::new(),
            origins: HashMap::new(),
        }
    }

    /// Strict checking against these keys only (`known`: host pattern to `type base64`
    /// keys), as for an emulated fleet whose keys are known before any connection.
    pub fn strict(known: HashMap<String, Vec<String>>) -> Self {
        HostKeyCheck {
            policy: HostKeyPolicy::Strict,
            known,
            origins: HashMap::new(),
        }
    }

    /// Reads the known_hosts `files` in order; a missing file counts as empty. Any other read
    /// error is reported. Invalid UTF-8 is replaced, not fatal.
    pub fn load(policy: HostKeyPolicy, files: &[PathBuf]) -> Result<Self, HostKeyError> {
        let mut check = HostKeyCheck::new(policy);
        for path in files {
            // Regular files only, at most 64 MiB: a FIFO or /dev/zero is refused, never waited on.
            match input::read_if_exists(path, input::KNOWN_HOSTS) {
                Ok(Some(bytes)) => check.add_lines(&String::from_utf8_lossy(&bytes), Some(path)),
                Ok(None) => {}
                Err(e) => {
                    return Err(HostKeyError::Read {
                        path: path.clone(),
                        source: e.into_io(),
                    });
                }
            }
        }
        Ok(check)
    }

    /// Adds the entries of known_hosts `text` (see the module docs for what is understood).
    pub fn add_known_hosts(&mut self, text: &str) {
        self.add_lines(text, None);
    }

    /// [`HostKeyCheck::add_known_hosts`], remembering each entry's file and line.
    fn add_lines(&mut self, text: &str, file: Option<&Path>) {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(hosts), Some(key_type), Some(key_b64)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if hosts.starts_with('|') {
                continue; // hashed: never matched (fails closed in strict mode)
            }
            for name in hosts.split(',') {
                if let Some(pattern) = normalize_pattern(name) {
                    if let Some(f) = file {
                        // The first line that holds an entry is the one to remove.
                        self.origins
                            .entry(format!("{pattern} {key_type} {key_b64}"))
                            .or_insert_with(|| KnownAt {
                                file: f.display().to_string(),
                                line: i + 1,
                            });
                    }
                    self.add(pattern, key_type, key_b64);
                }
            }
        }
    }

    fn add(&mut self, pattern: String, key_type: &str, key_b64: &str) {
        let entry = format!("{key_type} {key_b64}");
        let keys = self.known.entry(pattern).or_default();
        if !keys.contains(&entry) {
            keys.push(entry);
        }
    }

    /// What the known keys say about `key_type key_b64` offered by `host` on `port`.
    pub fn verdict(&self, host: &str, port: u16, key_type: &str, key_b64: &str) -> KeyVerdict {
        match self.find(host, port, key_type, key_b64) {
            Found::Known => KeyVerdict::Known,
            Found::New => KeyVerdict::New,
            Found::Changed { key_b64, .. } => KeyVerdict::Changed {
                expected_fingerprint: fingerprint_b64(key_b64),
            },
        }
    }

    fn find(&self, host: &str, port: u16, key_type: &str, key_b64: &str) -> Found<'_> {
        let Some(keys) = self.known.get(&host_pattern(host, port)) else {
            return Found::New;
        };
        let mut same_type = None;
        for (t, b) in keys.iter().map(|e| split_entry(e)) {
            if t == key_type {
                if b == key_b64 {
                    return Found::Known;
                }
                same_type.get_or_insert((t, b));
            }
        }
        match same_type.or_else(|| keys.first().map(|e| split_entry(e))) {
            Some((key_type, key_b64)) => Found::Changed { key_type, key_b64 },
            None => Found::New,
        }
    }

    /// Applies the policy to an offered key. `Ok(None)`: go on. `Ok(Some(line))`: go on, and
    /// append `line` (`pattern type base64`) to the known_hosts file being written. `Err`: refuse.
    ///
    /// | verdict | strict | accept-new | insecure |
    /// | --- | --- | --- | --- |
    /// | known | ok | ok | ok |
    /// | new | `HostKeyUnknown` | ok, record | ok |
    /// | changed | `HostKeyChanged` | `HostKeyChanged` | ok |
    pub fn decide(
        &self,
        host: &str,
        port: u16,
        key_type: &str,
        key_b64: &str,
    ) -> Result<Option<String>, SessionError> {
        let pattern = host_pattern(host, port);
        match (self.find(host, port, key_type, key_b64), self.policy) {
            (Found::Known, _) | (_, HostKeyPolicy::Insecure) => Ok(None),
            (Found::New, HostKeyPolicy::AcceptNew) => {
                Ok(Some(format!("{pattern} {key_type} {key_b64}")))
            }
            (Found::New, HostKeyPolicy::Strict) => Err(SessionError::HostKeyUnknown {
                host: pattern,
                fingerprint: format!("{key_type} {}", fingerprint_b64(key_b64)),
            }),
            (
                Found::Changed {
                    key_type: t,
                    key_b64: b,
                },
                _,
            ) => Err(SessionError::HostKeyChanged {
                known_at: self.origins.get(&format!("{pattern} {t} {b}")).cloned(),
                host: pattern,
                expected: format!("{t} {}", fingerprint_b64(b)),
                offered: format!("{key_type} {}", fingerprint_b64(key_b64)),
            }),
        }
    }

    /// Records a key as known (after accept-new recorded it, so later sessions in the same
    /// run see it as known).
    pub fn pin(&mut self, host: &str, port: u16, key_type: &str, key_b64: &str) {
        self.add(host_pattern(host, port), key_type, key_b64);
    }
}

/// `"keytype base64"` → `("keytype", "base64")`.
fn split_entry(entry: &str) -> (&str, &str) {
    entry.split_once(' ').unwrap_or((entry, ""))
}

/// `host`, `[host]:22` → `host`; `[host]:port` kept; wildcards, negations and junk → None.
fn normalize_pattern(name: &str) -> Option<String> {
    if name.is_empty() || name.contains(['*', '?', '!']) {
        return None;
    }
    if let Some(rest) = name.strip_prefix('[') {
        let (host, port) = rest.split_once("]:")?;
        let port: u16 = port.parse().ok()?;
        if host.is_empty() {
            return None;
        }
        return Some(host_pattern(host, port));
    }
    Some(name.to_ascii_lowercase())
}

/// Appends `lines` to the known_hosts file at `path`, skipping those already there (and
/// repeats within `lines`). Creates the parent directory (mode 0700) and the file (0600) when
/// missing. All new lines go out in one `write`, so concurrent appenders do not interleave
/// within a line; they may still both append the same new line (harmless).
pub fn append_known_hosts(path: &Path, lines: &[String]) -> Result<(), HostKeyError> {
    let existing = match input::read_if_exists(path, input::KNOWN_HOSTS) {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(None) => String::new(),
        Err(e) => {
            return Err(HostKeyError::Read {
                path: path.to_path_buf(),
                source: e.into_io(),
            });
        }
    };
    let mut seen: HashSet<&str> = existing.lines().map(str::trim).collect();
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        if !line.is_empty() && seen.insert(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    if out.is_empty() {
        return Ok(());
    }
    if !existing.is_empty() && !existing.ends_with('\n') {
        out.insert(0, '\n');
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|source| HostKeyError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    let write_err = |source| HostKeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    // A regular file only (a link to one is fine: dotfile managers link ~/.ssh files).
    let mut file = fleetbench_inventory::output::open_append(path, 0o600, true)
        .map_err(|e| write_err(e.source))?;
    file.write_all(out.as_bytes()).map_err(write_err)
}

/// The files read by default, in order: `~/.ssh/known_hosts` (read only) and fleetbench's own
/// [`default_write_file`] (read and appended to).
pub fn default_known_hosts_files() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    let mut files: Vec<PathBuf> = home
        .map(|h| PathBuf::from(h).join(".ssh/known_hosts"))
        .into_iter()
        .collect();
    files.push(default_write_file());
    files
}

/// Where accept-new records keys: `$XDG_CONFIG_HOME/fleetbench/known_hosts`, else
/// `~/.config/fleetbench/known_hosts`, else (no HOME) `.config/fleetbench/known_hosts` under
/// the current directory.
pub fn default_write_file() -> PathBuf {
    write_file_for(
        std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    )
}

fn write_file_for(xdg_config_home: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    let config = xdg_config_home
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.as_os_str().is_empty())
                .map(|h| h.join(".config"))
        })
        .unwrap_or_else(|| PathBuf::from(".config"));
    config.join("fleetbench").join("known_hosts")
}

#[cfg(test)]
mod tests;
