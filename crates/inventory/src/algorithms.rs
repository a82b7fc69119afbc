//! Which SSH algorithms the client offers, per device, in OpenSSH's syntax.
//!
//! Four lists, named as in the inventory and on the command line: `kex`, `hostkey`, `ciphers`,
//! `macs`. Each is a comma-separated list: a bare list replaces the default, `+list` appends
//! to it, `-list` removes from it (`*` and `?` wildcards allowed), `^list` puts its names first
//! (OpenSSH's `KexAlgorithms` and friends). The default is modern and safe: what this build of
//! libssh2 supports minus the legacy algorithms (SHA-1 key exchanges, `ssh-rsa` and `ssh-dss`
//! host keys, CBC and other old ciphers, SHA-1 and MD5 MACs), which are offered only when
//! asked for. Pure functions over the supported lists, which the session core reads from
//! libssh2 (through [`Support`]).

use std::fmt;

/// The four algorithm lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Kex,
    HostKey,
    Ciphers,
    Macs,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Kex, Kind::HostKey, Kind::Ciphers, Kind::Macs];

    /// The inventory key and command-line flag name.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Kex => "kex",
            Kind::HostKey => "hostkey",
            Kind::Ciphers => "ciphers",
            Kind::Macs => "macs",
        }
    }

    /// Words for messages: `key exchange`, ...
    pub fn what(self) -> &'static str {
        match self {
            Kind::Kex => "key exchange",
            Kind::HostKey => "host key",
            Kind::Ciphers => "cipher",
            Kind::Macs => "MAC",
        }
    }
}

/// How a list combines with the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Replace,
    Append,
    Remove,
    Prepend,
}

/// One list as written (`+diffie-hellman-group14-sha1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub op: Op,
    pub names: Vec<String>,
}

/// A list the user wrote that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    #[error("{key}: empty algorithm list")]
    Empty { key: &'static str },
    #[error(
        "{key}: '{name}' is not a {what} algorithm this build supports (supported: {supported})"
    )]
    Unsupported {
        key: &'static str,
        what: &'static str,
        name: String,
        supported: String,
    },
    #[error("{key}: '{spec}' leaves no algorithm to offer")]
    Nothing { key: &'static str, spec: String },
}

impl Spec {
    /// Parses OpenSSH syntax. Names are checked later, against what libssh2 supports.
    pub fn parse(kind: Kind, s: &str) -> Result<Spec, AlgorithmError> {
        let s = s.trim();
        let (op, rest) = match s.chars().next() {
            Some('+') => (Op::Append, &s[1..]),
            Some('-') => (Op::Remove, &s[1..]),
            Some('^') => (Op::Prepend, &s[1..]),
            _ => (Op::Replace, s),
        };
        let names: Vec<String> = rest
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            return Err(AlgorithmError::Empty { key: kind.key() });
        }
        Ok(Spec { op, names })
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.op {
            Op::Replace => "",
            Op::Append => "+",
            Op::Remove => "-",
            Op::Prepend => "^",
        };
        write!(f, "{prefix}{}", self.names.join(","))
    }
}

/// A device's algorithm choices; `None` in a list means the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Algorithms {
    pub kex: Option<Spec>,
    pub hostkey: Option<Spec>,
    pub ciphers: Option<Spec>,
    pub macs: Option<Spec>,
}

impl Algorithms {
    pub fn get(&self, kind: Kind) -> Option<&Spec> {
        match kind {
            Kind::Kex => self.kex.as_ref(),
            Kind::HostKey => self.hostkey.as_ref(),
            Kind::Ciphers => self.ciphers.as_ref(),
            Kind::Macs => self.macs.as_ref(),
        }
    }

    pub fn set(&mut self, kind: Kind, spec: Option<Spec>) {
        match kind {
            Kind::Kex => self.kex = spec,
            Kind::HostKey => self.hostkey = spec,
            Kind::Ciphers => self.ciphers = spec,
            Kind::Macs => self.macs = spec,
        }
    }

    /// `self` with every list `over` sets replaced by it (the command line over the
    /// inventory, as OpenSSH's `-o` over its config file).
    pub fn overridden_by(&self, over: &Algorithms) -> Algorithms {
        let mut out = self.clone();
        for k in Kind::ALL {
            if let Some(s) = over.get(k) {
                out.set(k, Some(s.clone()));
            }
        }
        out
    }

    pub fn is_default(&self) -> bool {
        *self == Algorithms::default()
    }
}

/// Names never offered unless asked for: SHA-1 key exchanges and MACs, SHA-1 RSA and DSA host
/// keys, CBC and older ciphers, MD5 and RIPEMD MACs.
pub fn is_legacy(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Kex => name.ends_with("-sha1"),
        Kind::HostKey => name == "ssh-rsa" || name == "ssh-dss",
        Kind::Ciphers => {
            name.ends_with("-cbc")
                || ["3des", "blowfish", "arcfour", "cast128", "rijndael"]
                    .iter()
                    .any(|p| name.starts_with(p))
        }
        Kind::Macs => {
            name.starts_with("hmac-sha1")
                || name.starts_with("hmac-md5")
                || name.starts_with("hmac-ripemd")
        }
    }
}

/// The default list: the supported names, in libssh2's order of preference, minus legacy.
pub fn default_list(kind: Kind, supported: &[&str]) -> Vec<String> {
    supported
        .iter()
        .filter(|n| !is_legacy(kind, n))
        .map(|n| n.to_string())
        .collect()
}

/// The list to offer for `kind`, from the user's spec (or the default).
pub fn resolve(
    kind: Kind,
    spec: Option<&Spec>,
    supported: &[&str],
) -> Result<Vec<String>, AlgorithmError> {
    let default = default_list(kind, supported);
    let Some(spec) = spec else {
        return Ok(default);
    };
    let check = |name: &String| {
        if supported.contains(&name.as_str()) {
            Ok(())
        } else {
            Err(AlgorithmError::Unsupported {
                key: kind.key(),
                what: kind.what(),
                name: name.clone(),
                supported: supported.join(","),
            })
        }
    };
    let list = match spec.op {
        Op::Replace => {
            spec.names.iter().try_for_each(check)?;
            dedup(spec.names.clone())
        }
        Op::Append => {
            spec.names.iter().try_for_each(check)?;
            dedup(
                default
                    .into_iter()
                    .chain(spec.names.iter().cloned())
                    .collect(),
            )
        }
        Op::Prepend => {
            spec.names.iter().try_for_each(check)?;
            dedup(spec.names.iter().cloned().chain(default).collect())
        }
        Op::Remove => default
            .into_iter()
            .filter(|n| !spec.names.iter().any(|p| wildcard(p, n)))
            .collect(),
    };
    if list.iter().all(|n| is_marker(n)) {
        return Err(AlgorithmError::Nothing {
            key: kind.key(),
            spec: spec.to_string(),
        });
    }
    // The extension and strict-kex markers (RFC 8308, the Terrapin fix) are not algorithms:
    // keep them whatever list the user wrote.
    let mut list: Vec<String> = list.into_iter().filter(|n| !is_marker(n)).collect();
    list.extend(
        supported
            .iter()
            .filter(|n| is_marker(n))
            .map(|n| n.to_string()),
    );
    Ok(list)
}

/// `ext-info-c`, `kex-strict-c-v00@openssh.com`: signals in the key exchange list.
pub fn is_marker(name: &str) -> bool {
    name.starts_with("ext-info-") || name.starts_with("kex-strict-")
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// OpenSSH pattern matching: `*` any run of characters, `?` one character.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// What an SSH client build can offer for each list, in its order of preference: the
/// inventory checks the lists a user wrote against it at load time, so a typo is a usage error
/// before any connection. fleetbench's client answers for its libssh2
/// (`fleetbench_client::Libssh2`).
pub trait Support {
    /// The names `kind` may list; `None` when the build cannot say (then nothing is checked
    /// before connecting).
    fn supported(&self, kind: Kind) -> Option<Vec<&'static str>>;
}

/// Checks every list of `algs` against what `ssh` supports.
pub fn validate(algs: &Algorithms, ssh: &dyn Support) -> Result<(), AlgorithmError> {
    if algs.is_default() {
        return Ok(());
    }
    for kind in Kind::ALL {
        let Some(supported) = ssh.supported(kind) else {
            return Ok(());
        };
        resolve(kind, algs.get(kind), &supported)?;
    }
    Ok(())
}

/// A libssh2-like build for this crate's tests: the lists a stock libssh2 1.11 offers, legacy
/// ones included (the client tests the real one).
#[cfg(test)]
pub(crate) struct TestSsh;

#[cfg(test)]
impl Support for TestSsh {
    fn supported(&self, kind: Kind) -> Option<Vec<&'static str>> {
        Some(match kind {
            Kind::Kex => vec![
                "curve25519-sha256",
                "ecdh-sha2-nistp256",
                "diffie-hellman-group14-sha256",
                "diffie-hellman-group14-sha1",
                "diffie-hellman-group1-sha1",
                "ext-info-c",
                "kex-strict-c-v00@openssh.com",
            ],
            Kind::HostKey => vec![
                "ssh-ed25519",
                "ecdsa-sha2-nistp256",
                "rsa-sha2-512",
                "rsa-sha2-256",
                "ssh-rsa",
            ],
            Kind::Ciphers => vec![
                "aes128-ctr",
                "aes256-ctr",
                "aes256-gcm@openssh.com",
                "chacha20-poly1305@openssh.com",
            ],
            Kind::Macs => vec!["hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEX: &[&str] = &[
        "curve25519-sha256",
        "ecdh-sha2-nistp256",
        "diffie-hellman-group14-sha256",
        "diffie-hellman-group14-sha1",
        "diffie-hellman-group1-sha1",
    ];

    fn spec(s: &str) -> Spec {
        Spec::parse(Kind::Kex, s).unwrap()
    }

    #[test]
    fn default_is_modern() {
        assert_eq!(
            resolve(Kind::Kex, None, KEX).unwrap(),
            [
                "curve25519-sha256",
                "ecdh-sha2-nistp256",
                "diffie-hellman-group14-sha256"
            ]
        );
        assert!(is_legacy(Kind::HostKey, "ssh-rsa"));
        assert!(!is_legacy(Kind::HostKey, "rsa-sha2-256"));
        assert!(is_legacy(Kind::Ciphers, "aes128-cbc"));
        assert!(!is_legacy(Kind::Ciphers, "aes128-ctr"));
        assert!(is_legacy(Kind::Macs, "hmac-sha1-etm@openssh.com"));
        assert!(!is_legacy(Kind::Macs, "hmac-sha2-256"));
    }

    #[test]
    fn openssh_syntax() {
        let r = |s: &str| resolve(Kind::Kex, Some(&spec(s)), KEX).unwrap();
        assert_eq!(
            r("+diffie-hellman-group14-sha1"),
            [
                "curve25519-sha256",
                "ecdh-sha2-nistp256",
                "diffie-hellman-group14-sha256",
                "diffie-hellman-group14-sha1"
            ]
        );
        assert_eq!(
            r("^diffie-hellman-group14-sha1")[0],
            "diffie-hellman-group14-sha1"
        );
        assert_eq!(r("-ecdh-*,curve*"), ["diffie-hellman-group14-sha256"]);
        assert_eq!(
            r("diffie-hellman-group1-sha1, diffie-hellman-group14-sha1"),
            ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"]
        );
        assert_eq!(spec("+a,b").to_string(), "+a,b");
        // Markers stay, at the end, whatever the list.
        let with_marker = [KEX, &["kex-strict-c-v00@openssh.com"]].concat();
        let r = resolve(
            Kind::Kex,
            Some(&spec("diffie-hellman-group14-sha1")),
            &with_marker,
        );
        assert_eq!(
            r.unwrap(),
            [
                "diffie-hellman-group14-sha1",
                "kex-strict-c-v00@openssh.com"
            ]
        );
    }

    #[test]
    fn errors_name_the_list_and_what_is_supported() {
        let e = resolve(Kind::Kex, Some(&spec("+diffie-hellman-group99-sha1")), KEX).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("kex: 'diffie-hellman-group99-sha1' is not a key exchange"),
            "{msg}"
        );
        assert!(msg.contains("diffie-hellman-group14-sha1"), "{msg}");
        assert!(matches!(
            resolve(Kind::Kex, Some(&spec("-*")), KEX),
            Err(AlgorithmError::Nothing { .. })
        ));
        assert!(Spec::parse(Kind::Macs, "+").is_err());
    }

    #[test]
    fn command_line_overrides_the_inventory_per_list() {
        let inv = Algorithms {
            kex: Some(spec("+diffie-hellman-group14-sha1")),
            macs: Some(Spec::parse(Kind::Macs, "+hmac-sha1").unwrap()),
            ..Default::default()
        };
        let cli = Algorithms {
            kex: Some(spec("curve25519-sha256")),
            ..Default::default()
        };
        let both = inv.overridden_by(&cli);
        assert_eq!(both.kex, cli.kex);
        assert_eq!(both.macs, inv.macs);
    }
}
