//! The jump host an OpenSSH client config gives a device: netmiko's `ssh_config_file` (and
//! Nornir's `extras.ssh_config_file`, which nornir_netmiko passes on) is read the way
//! netmiko 4.x reads it (`BaseConnection._use_ssh_config`: paramiko's `SSHConfig.lookup` of
//! the device's host, then its `ProxyJump` with one hop, resolved through the same file).
//!
//! Only what that takes is read: `Host` blocks (patterns with `*`, `?` and `!`; the first
//! value of a key wins, as in ssh_config(5)), and the keys `HostName`, `Port`, `User`,
//! `IdentityFile` and `ProxyJump`. A `ProxyCommand` is refused (a command line cannot be
//! read back into a jump host); `Match` blocks never match here.

use crate::device::Bastion;
use std::collections::HashMap;

/// One `Host` block: its patterns and its `key value` lines (keys lower-cased).
struct Block {
    patterns: Vec<String>,
    entries: Vec<(String, String, usize)>,
}

/// A parsed config.
pub(crate) struct SshConfig {
    blocks: Vec<Block>,
}

/// `*` and `?` glob matching, as ssh_config(5) patterns.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Block {
    fn matches(&self, host: &str) -> bool {
        let mut any = false;
        for p in &self.patterns {
            match p.strip_prefix('!') {
                Some(neg) if glob(neg, host) => return false,
                Some(_) => {}
                None => any |= glob(p, host),
            }
        }
        any
    }
}

impl SshConfig {
    pub(crate) fn parse(text: &str) -> SshConfig {
        // Lines before the first `Host` apply to every host.
        let mut blocks = vec![Block {
            patterns: vec!["*".into()],
            entries: Vec::new(),
        }];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = match line.split_once(|c: char| c.is_whitespace() || c == '=') {
                Some((k, v)) => (
                    k,
                    v.trim_start_matches(|c: char| c.is_whitespace() || c == '='),
                ),
                None => (line, ""),
            };
            let key = key.to_ascii_lowercase();
            let value = value.trim().trim_matches('"').to_string();
            match key.as_str() {
                "host" => blocks.push(Block {
                    patterns: value.split_whitespace().map(str::to_string).collect(),
                    entries: Vec::new(),
                }),
                "match" => blocks.push(Block {
                    patterns: Vec::new(),
                    entries: Vec::new(),
                }),
                _ => {
                    if let Some(b) = blocks.last_mut() {
                        b.entries.push((key, value, n + 1));
                    }
                }
            }
        }
        SshConfig { blocks }
    }

    /// Every key's first value for `host`, with its line.
    fn lookup(&self, host: &str) -> HashMap<String, (String, usize)> {
        let mut out: HashMap<String, (String, usize)> = HashMap::new();
        for b in self.blocks.iter().filter(|b| b.matches(host)) {
            for (k, v, line) in &b.entries {
                out.entry(k.clone()).or_insert_with(|| (v.clone(), *line));
            }
        }
        out
    }

    /// The jump host of `host`, if its config has one; `user` is the device's, the default
    /// login of the hop; `home` expands `~` in an `IdentityFile`. Errors name the line.
    pub(crate) fn jump(
        &self,
        host: &str,
        user: &str,
        home: Option<&str>,
    ) -> Result<Option<Bastion>, String> {
        let cfg = self.lookup(host);
        if let Some((_, line)) = cfg.get("proxycommand") {
            return Err(format!(
                "line {line}: ProxyCommand for {host}: fleetbench reads ProxyJump only (write \
                 `ProxyJump [user@]host[:port]`)"
            ));
        }
        let Some((jump, line)) = cfg.get("proxyjump") else {
            return Ok(None);
        };
        if jump.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        if jump.contains(',') {
            // netmiko refuses more than one hop too.
            return Err(format!(
                "line {line}: ProxyJump {jump}: more than one hop is not supported"
            ));
        }
        let (hop_user, alias, hop_port) =
            Bastion::parse_target(jump).map_err(|e| format!("line {line}: ProxyJump {e}"))?;
        // The hop is looked up in the same file (what `ssh -F FILE -W` does with it).
        let hop = self.lookup(&alias);
        let addr = jump.rsplit_once('@').map_or(jump.as_str(), |(_, a)| a);
        let explicit = if addr.starts_with('[') {
            addr.contains("]:")
        } else {
            addr.matches(':').count() == 1
        };
        let port = match hop.get("port") {
            Some((p, l)) if !explicit => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("line {l}: Port {p}: expected 1-65535"))?,
            _ => hop_port,
        };
        let key_file = hop
            .get("identityfile")
            .map(|(f, _)| match (f.strip_prefix("~/"), home) {
                (Some(rest), Some(h)) => format!("{h}/{rest}"),
                _ => f.clone(),
            });
        Ok(Some(Bastion {
            host: hop
                .get("hostname")
                .map_or(alias.clone(), |(h, _)| h.clone()),
            port,
            username: hop_user
                .or_else(|| hop.get("user").map(|(u, _)| u.clone()))
                .unwrap_or_else(|| user.to_string()),
            password: None,
            key_file: key_file.map(Into::into),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = "\
# written by hand
Host jumpbox
  HostName 192.0.2.10
  Port 2222
  User ops
  IdentityFile ~/.ssh/jump_ed25519
Host 198.51.100.* !198.51.100.99
  ProxyJump jumpbox
Host 203.0.113.5
  ProxyJump admin@192.0.2.20:2200
Host 203.0.113.6
  ProxyCommand ssh -W %h:%p jumpbox
Host 203.0.113.7
  ProxyJump a,b
";

    #[test]
    fn a_device_gets_its_hop_resolved_through_the_same_file() {
        let c = SshConfig::parse(CFG);
        let b = c
            .jump("198.51.100.4", "cisco", Some("/home/u"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (b.host.as_str(), b.port, b.username.as_str()),
            ("192.0.2.10", 2222, "ops")
        );
        assert_eq!(
            b.key_file.unwrap().to_str(),
            Some("/home/u/.ssh/jump_ed25519")
        );
        let b = c.jump("203.0.113.5", "cisco", None).unwrap().unwrap();
        assert_eq!(
            (b.host.as_str(), b.port, b.username.as_str()),
            ("192.0.2.20", 2200, "admin")
        );
        // Negated, unlisted: no jump host.
        assert!(c.jump("198.51.100.99", "cisco", None).unwrap().is_none());
        assert!(c.jump("192.0.2.1", "cisco", None).unwrap().is_none());
    }

    #[test]
    fn proxycommand_and_several_hops_are_refused_with_their_line() {
        let c = SshConfig::parse(CFG);
        let e = c.jump("203.0.113.6", "u", None).unwrap_err();
        assert!(
            e.starts_with("line 12:") && e.contains("ProxyJump only"),
            "{e}"
        );
        let e = c.jump("203.0.113.7", "u", None).unwrap_err();
        assert!(e.contains("more than one hop"), "{e}");
    }

    #[test]
    fn globs() {
        assert!(glob("*", "x") && glob("10.0.?.1", "10.0.5.1") && glob("a*c", "abbbc"));
        assert!(!glob("a*c", "abd") && !glob("10.0.?.1", "10.0.55.1"));
    }
}
