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

    /// Reads the known_hosts `files` in order; a missing file counts as empty. Any other read
    /// error is reported. Invalid UTF-8 is replaced, not fatal.
    pub fn load(policy: HostKeyPolicy, files: &[PathBuf]) -> Result<Self, HostKeyError> {
        let mut check = HostKeyCheck::new(policy);
        for path in files {
            match std::fs::read(path) {
                Ok(bytes) => check.add_lines(&String::from_utf8_lossy(&bytes), Some(path)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(HostKeyError::Read {
                        path: path.clone(),
                        source,
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
    let existing = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(HostKeyError::Read {
                path: path.to_path_buf(),
                source,
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
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write_err = |source| HostKeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(write_err)?;
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
mod tests {
    use super::*;

    // Made once with `ssh-keygen -t ed25519 -f k -N '' -C test`; `ssh-keygen -lf k.pub` printed
    // `256 SHA256:F49jKK/LOjdaGqjFVAxXmCOLN7hZNf3ogCId4UZOdVU test (ED25519)`.
    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIDGN0ZTfQC6zoTda8Op77cSjvbR588irBSUrW0jaCsy3";
    const ED25519_FP: &str = "SHA256:F49jKK/LOjdaGqjFVAxXmCOLN7hZNf3ogCId4UZOdVU";
    // `ssh-keygen -t ecdsa`: `256 SHA256:nAwm7NnHav2jbdPC+cTNzkKRFMCwfq4RlyJ/i28BDyk (ECDSA)`.
    const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGFvaFzDdqoxba/9/m3pC9X3o/Vn+I6A5PYJKyJ9mr++hjlj6vDjRO9MI8kwyXOBNVRfXPPdjJJX7LOzlStEmxY=";
    const ECDSA_FP: &str = "SHA256:nAwm7NnHav2jbdPC+cTNzkKRFMCwfq4RlyJ/i28BDyk";
    // Any other valid ed25519 blob (the ed25519 header and 32 zero bytes).
    const OTHER: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    fn known_hosts() -> String {
        format!(
            "\
# a comment, then a blank line

192.0.2.1 ssh-ed25519 {ED25519}
router2,192.0.2.2 ecdsa-sha2-nistp256 {ECDSA} root@somewhere
[192.0.2.3]:2222 ssh-ed25519 {ED25519}
[192.0.2.4]:22 ssh-ed25519 {ED25519}
  Core5.Example.NET   ssh-ed25519   {ED25519}
[fe80::1]:830 ssh-ed25519 {ED25519}
|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 {OTHER}
@cert-authority *.example.net ssh-ed25519 {OTHER}
@revoked 192.0.2.9 ssh-ed25519 {OTHER}
*.lab ssh-ed25519 {OTHER}
!192.0.2.10,192.0.2.11 ssh-ed25519 {OTHER}
truncated-line ssh-ed25519
"
        )
    }

    fn check(policy: HostKeyPolicy) -> HostKeyCheck {
        let mut c = HostKeyCheck::new(policy);
        c.add_known_hosts(&known_hosts());
        c
    }

    #[test]
    fn fingerprints_match_ssh_keygen() {
        assert_eq!(
            fingerprint_sha256(&STANDARD.decode(ED25519).unwrap()),
            ED25519_FP
        );
        assert_eq!(
            fingerprint_sha256(&STANDARD.decode(ECDSA).unwrap()),
            ECDSA_FP
        );
    }

    #[test]
    fn patterns() {
        assert_eq!(host_pattern("192.0.2.1", 22), "192.0.2.1");
        assert_eq!(host_pattern("Router1", 2222), "[router1]:2222");
        assert_eq!(host_pattern("::1", 22), "::1");
        assert_eq!(host_pattern("::1", 2222), "[::1]:2222");
    }

    #[test]
    fn parses_every_form() {
        let c = check(HostKeyPolicy::Strict);
        let ed = vec![format!("ssh-ed25519 {ED25519}")];
        let ec = vec![format!("ecdsa-sha2-nistp256 {ECDSA}")];
        let mut want: HashMap<String, Vec<String>> = HashMap::new();
        want.insert("192.0.2.1".into(), ed.clone());
        want.insert("router2".into(), ec.clone());
        want.insert("192.0.2.2".into(), ec);
        want.insert("[192.0.2.3]:2222".into(), ed.clone());
        want.insert("192.0.2.4".into(), ed.clone());
        want.insert("core5.example.net".into(), ed.clone());
        want.insert("[fe80::1]:830".into(), ed.clone());
        // `!192.0.2.10` is skipped, but its plain neighbour on the line is kept.
        want.insert("192.0.2.11".into(), vec![format!("ssh-ed25519 {OTHER}")]);
        assert_eq!(c.known, want);
    }

    #[test]
    fn verdicts() {
        let c = check(HostKeyPolicy::Strict);
        let v = |h, p, t, k| c.verdict(h, p, t, k);
        assert_eq!(
            v("192.0.2.1", 22, "ssh-ed25519", ED25519),
            KeyVerdict::Known
        );
        assert_eq!(
            v("ROUTER2", 22, "ecdsa-sha2-nistp256", ECDSA),
            KeyVerdict::Known
        );
        assert_eq!(
            v("192.0.2.3", 2222, "ssh-ed25519", ED25519),
            KeyVerdict::Known
        );
        assert_eq!(v("fe80::1", 830, "ssh-ed25519", ED25519), KeyVerdict::Known);
        // Port matters: the same host on another port is another entry.
        assert_eq!(v("192.0.2.3", 22, "ssh-ed25519", ED25519), KeyVerdict::New);
        assert_eq!(
            v("192.0.2.1", 2222, "ssh-ed25519", ED25519),
            KeyVerdict::New
        );
        // Hashed, marker and wildcard lines are not matched.
        assert_eq!(v("192.0.2.9", 22, "ssh-ed25519", OTHER), KeyVerdict::New);
        assert_eq!(v("x.lab", 22, "ssh-ed25519", OTHER), KeyVerdict::New);
        let changed = |fp: &str| KeyVerdict::Changed {
            expected_fingerprint: fp.to_string(),
        };
        assert_eq!(
            v("192.0.2.1", 22, "ssh-ed25519", OTHER),
            changed(ED25519_FP)
        );
        // Another key type for a known host is a change too, not a new host.
        assert_eq!(
            v("192.0.2.2", 22, "ssh-ed25519", ED25519),
            changed(ECDSA_FP)
        );
    }

    #[test]
    fn decide_per_policy() {
        let new_line = format!("[192.0.2.7]:2201 ssh-ed25519 {ED25519}");
        let offered = format!("ssh-ed25519 {ED25519_FP}");
        for policy in [
            HostKeyPolicy::Strict,
            HostKeyPolicy::AcceptNew,
            HostKeyPolicy::Insecure,
        ] {
            let c = check(policy);
            let known = c.decide("192.0.2.1", 22, "ssh-ed25519", ED25519);
            let new = c.decide("192.0.2.7", 2201, "ssh-ed25519", ED25519);
            let changed = c.decide("192.0.2.2", 22, "ecdsa-sha2-nistp256", OTHER);
            assert_eq!(known, Ok(None), "{policy:?}");
            let refused = Err(SessionError::HostKeyChanged {
                host: "192.0.2.2".into(),
                expected: format!("ecdsa-sha2-nistp256 {ECDSA_FP}"),
                offered: format!("ecdsa-sha2-nistp256 {}", fingerprint_b64(OTHER)),
                known_at: None,
            });
            match policy {
                HostKeyPolicy::Strict => {
                    let unknown = SessionError::HostKeyUnknown {
                        host: "[192.0.2.7]:2201".into(),
                        fingerprint: offered.clone(),
                    };
                    assert_eq!(new, Err(unknown));
                    assert_eq!(changed, refused);
                }
                HostKeyPolicy::AcceptNew => {
                    assert_eq!(new, Ok(Some(new_line.clone())));
                    assert_eq!(changed, refused);
                }
                HostKeyPolicy::Insecure => {
                    assert_eq!(new, Ok(None));
                    assert_eq!(changed, Ok(None));
                }
            }
        }
    }

    #[test]
    fn pin_makes_a_key_known() {
        let mut c = HostKeyCheck::new(HostKeyPolicy::Strict);
        assert_eq!(
            c.verdict("r1", 2201, "ssh-ed25519", ED25519),
            KeyVerdict::New
        );
        c.pin("r1", 2201, "ssh-ed25519", ED25519);
        c.pin("r1", 2201, "ssh-ed25519", ED25519);
        assert_eq!(
            c.verdict("R1", 2201, "ssh-ed25519", ED25519),
            KeyVerdict::Known
        );
        assert_eq!(c.known["[r1]:2201"].len(), 1);
    }

    #[test]
    fn load_reads_files_in_order_and_skips_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, known_hosts()).unwrap();
        let files = [dir.path().join("missing"), a];
        let c = HostKeyCheck::load(HostKeyPolicy::AcceptNew, &files).unwrap();
        assert_eq!(c.policy, HostKeyPolicy::AcceptNew);
        assert_eq!(c.known.len(), 8);
        // A directory is not a missing file: that is an error naming the path.
        let err = HostKeyCheck::load(HostKeyPolicy::Strict, &[dir.path().to_path_buf()]);
        let msg = err.unwrap_err().to_string();
        assert!(msg.starts_with("cannot read known_hosts file /"), "{msg}");
    }

    #[test]
    fn a_changed_key_names_its_file_line_and_the_removal_command() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known hosts");
        std::fs::write(
            &file,
            format!(
                "# lab\n\n[192.0.2.7]:2201 ssh-ed25519 {ED25519}\n192.0.2.8 ssh-ed25519 {ED25519}\n"
            ),
        )
        .unwrap();
        let c = HostKeyCheck::load(HostKeyPolicy::Strict, std::slice::from_ref(&file)).unwrap();
        let f = file.display().to_string();
        let err = c
            .decide("192.0.2.7", 2201, "ssh-ed25519", OTHER)
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("HOST KEY CHANGED for [192.0.2.7]:2201"),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("The old key is in {f}, line 3;")),
            "{msg}"
        );
        assert!(
            msg.ends_with(&format!("ssh-keygen -R '[192.0.2.7]:2201' -f '{f}'")),
            "{msg}"
        );
        // Port 22: the bare host, which needs no quotes.
        let msg = c
            .decide("192.0.2.8", 22, "ssh-ed25519", OTHER)
            .unwrap_err()
            .to_string();
        assert!(msg.contains(", line 4;"), "{msg}");
        assert!(msg.contains("ssh-keygen -R 192.0.2.8 -f"), "{msg}");
        // A pinned key (emulated fleets) has no file to point at.
        let mut pinned = HostKeyCheck::new(HostKeyPolicy::Strict);
        pinned.pin("r1", 2201, "ssh-ed25519", ED25519);
        let msg = pinned
            .decide("r1", 2201, "ssh-ed25519", OTHER)
            .unwrap_err()
            .to_string();
        assert!(msg.ends_with("refusing to connect"), "{msg}");
    }

    #[test]
    fn append_creates_and_deduplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/fleetbench/known_hosts");
        let l1 = format!("192.0.2.1 ssh-ed25519 {ED25519}");
        let l2 = format!("[192.0.2.2]:2201 ssh-ed25519 {ED25519}");
        append_known_hosts(&path, &[l1.clone(), l1.clone()]).unwrap();
        append_known_hosts(&path, &[l1.clone(), l2.clone()]).unwrap();
        append_known_hosts(&path, &[]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{l1}\n{l2}\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        // A file without a final newline gets one before the new lines.
        std::fs::write(&path, &l1).unwrap();
        append_known_hosts(&path, std::slice::from_ref(&l2)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{l1}\n{l2}\n"));
        let c = HostKeyCheck::load(HostKeyPolicy::Strict, &[path]).unwrap();
        assert_eq!(
            c.verdict("192.0.2.2", 2201, "ssh-ed25519", ED25519),
            KeyVerdict::Known
        );
    }

    #[test]
    fn default_paths() {
        let p = |x: Option<&str>, h: Option<&str>| {
            write_file_for(x.map(PathBuf::from), h.map(PathBuf::from))
        };
        let want = PathBuf::from("/x/fleetbench/known_hosts");
        assert_eq!(p(Some("/x"), Some("/home/u")), want);
        let home = PathBuf::from("/home/u/.config/fleetbench/known_hosts");
        assert_eq!(p(Some("relative"), Some("/home/u")), home);
        assert_eq!(p(None, Some("/home/u")), home);
        assert_eq!(
            p(None, None),
            PathBuf::from(".config/fleetbench/known_hosts")
        );
        let files = default_known_hosts_files();
        assert_eq!(files.last(), Some(&default_write_file()));
    }
}
