//! A validated device: what the session core needs to poll one router.

use crate::algorithms::Algorithms;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Default per-phase deadline when the inventory gives no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One router to poll. Built by [`crate::load`] from an inventory file, or by the emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Display name: the inventory's `name`, else `host` or `host:port` when the port is not 22.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<Secret>,
    /// Enable secret; no `enable` step when absent and the device is already privileged.
    pub secret: Option<Secret>,
    /// Private key file for public-key auth, tried before the password.
    pub key_file: Option<PathBuf>,
    pub device_type: String,
    /// Deadline for each phase of the session (connect, handshake, auth, each command, ...).
    pub timeout: Duration,
    /// SSH algorithms to offer (`kex`, `hostkey`, `ciphers`, `macs`); default: modern only.
    pub algorithms: Algorithms,
    /// The jump host the device is reached through, if any (`bastion` in an inventory,
    /// `--bastion`).
    pub bastion: Option<Bastion>,
}

/// A jump host: an SSH server the client logs in to and asks for a `direct-tcpip` channel to
/// the device (what OpenSSH's `ProxyJump` does).
#[derive(Debug, Clone, PartialEq)]
pub struct Bastion {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<Secret>,
    /// Private key file for public-key auth, tried before the password (as for devices).
    pub key_file: Option<PathBuf>,
}

impl Bastion {
    /// `host:port` (`[v6]:port`).
    pub fn addr(&self) -> String {
        join_host_port(&self.host, self.port)
    }

    /// `user@host:port`: how the report and messages name it (never a secret).
    pub fn label(&self) -> String {
        format!("{}@{}", self.username, self.addr())
    }

    /// The jump host as the session core logs in to it: a device named after it, with its
    /// credentials and the device's deadline.
    pub fn as_device(&self, timeout: Duration) -> Device {
        Device {
            name: self.label(),
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            password: self.password.clone(),
            secret: None,
            key_file: self.key_file.clone(),
            device_type: "linux".to_string(),
            timeout,
            algorithms: Algorithms::default(),
            bastion: None,
        }
    }

    /// `[user@]host[:port]` (OpenSSH's `ProxyJump` form; `[v6]:port` for an IPv6 address
    /// with a port): the user if given, the host, the port (22 if not given).
    pub fn parse_target(s: &str) -> Result<(Option<String>, String, u16), String> {
        let bad = |why: &str| format!("'{s}': {why} (expected [user@]host[:port])");
        let s = s.trim();
        let (user, rest) = match s.rsplit_once('@') {
            Some(("", _)) => return Err(bad("empty user")),
            Some((u, r)) => (Some(u.to_string()), r),
            None => (None, s),
        };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None if after.is_empty() => (h, None),
                None => return Err(bad("text after ']'")),
            }
        } else if rest.matches(':').count() > 1 {
            // A bare IPv6 address has no port.
            (rest, None)
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return Err(bad("no host"));
        }
        let port = match port {
            None => 22,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("the port must be 1-65535"))?,
        };
        Ok((user, host.to_string(), port))
    }
}

fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl Device {
    /// `host:port`, the key used in known_hosts-style lookups and in logs.
    pub fn addr(&self) -> String {
        join_host_port(&self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bastion_targets_parse_like_proxyjump() {
        let p = |s| Bastion::parse_target(s);
        assert_eq!(
            p("jump@192.0.2.10:2222").unwrap(),
            (Some("jump".into()), "192.0.2.10".into(), 2222)
        );
        assert_eq!(p("192.0.2.10").unwrap(), (None, "192.0.2.10".into(), 22));
        assert_eq!(
            p("ops@bastion.example").unwrap(),
            (Some("ops".into()), "bastion.example".into(), 22)
        );
        assert_eq!(
            p("[2001:db8::1]:2200").unwrap(),
            (None, "2001:db8::1".into(), 2200)
        );
        assert_eq!(p("2001:db8::1").unwrap(), (None, "2001:db8::1".into(), 22));
        for bad in ["", "@h", "h:0", "h:x", "u@", "[::1", "a b"] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
