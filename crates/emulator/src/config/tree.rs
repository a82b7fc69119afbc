//! The configuration as IOS keeps it: a list of top-level [`Node`]s, each a line with its
//! indented child lines, which is exactly how IOS prints it and how `| section` and `show
//! running-config interface X` cut it. Parsing, printing, the queries the `show` commands ask,
//! and the top-level edits the configuration commands make.

use std::net::{Ipv4Addr, Ipv6Addr};

/// One top-level line and its children (each child keeps its leading space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The top-level line; a banner holds its whole multi-line text here.
    pub line: String,
    pub children: Vec<String>,
}

impl Node {
    pub(super) fn new(line: impl Into<String>) -> Node {
        Node {
            line: line.into(),
            children: Vec::new(),
        }
    }
}

/// A whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    pub nodes: Vec<Node>,
}

/// An interface as the `show` commands need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    /// Primary address and prefix length, then secondaries.
    pub ipv4: Vec<(Ipv4Addr, u8)>,
    pub ipv6: Vec<(Ipv6Addr, u8)>,
    pub shutdown: bool,
    pub mtu: u32,
}

impl Interface {
    /// Physical ports carry a MAC and a speed; loopbacks do not.
    pub fn is_physical(&self) -> bool {
        self.name.starts_with("GigabitEthernet")
    }

    /// The port number for MAC derivation (`GigabitEthernet0/2` is 2).
    pub fn port(&self) -> usize {
        self.name
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Config {
    /// Parses IOS configuration text (as `show running-config` prints it, without the
    /// `Building configuration...` header). Banners keep their whole text in one node.
    pub fn parse(text: &str) -> Config {
        let mut nodes: Vec<Node> = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let line = line.trim_end_matches('\r');
            if line.starts_with(' ') {
                match nodes.last_mut() {
                    Some(n) if n.line != "!" => n.children.push(line.to_string()),
                    _ => nodes.push(Node::new(line.trim_start())),
                }
                continue;
            }
            if let Some(delim) = banner_delimiter(line) {
                let mut text = line.to_string();
                let after = banner_body(line, delim).unwrap_or("");
                if !after.contains(delim) {
                    for more in lines.by_ref() {
                        text.push('\n');
                        text.push_str(more.trim_end_matches('\r'));
                        if more.contains(delim) {
                            break;
                        }
                    }
                }
                nodes.push(Node::new(text));
                continue;
            }
            nodes.push(Node::new(line));
        }
        Config { nodes }
    }

    /// The configuration as IOS prints it, one line per item.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.nodes {
            out.extend(n.line.split('\n').map(str::to_string));
            out.extend(n.children.iter().cloned());
        }
        out
    }

    /// Bytes of the text, as IOS counts them for `Current configuration : N bytes`.
    pub fn byte_len(&self) -> usize {
        self.lines().iter().map(|l| l.len() + 1).sum()
    }

    pub fn hostname(&self) -> &str {
        self.top_value("hostname").unwrap_or("Router")
    }

    /// `ip domain name X` (or the older `ip domain-name X`).
    pub fn domain(&self) -> Option<&str> {
        self.top_value("ip domain name")
            .or_else(|| self.top_value("ip domain-name"))
    }

    /// The text of `banner KIND` (`motd`, `login`, `exec`), without its delimiters.
    pub fn banner(&self, kind: &str) -> Option<String> {
        let head = format!("banner {kind} ");
        let node = self.nodes.iter().find(|n| n.line.starts_with(&head))?;
        let delim = banner_delimiter(&node.line)?;
        let body = banner_body(&node.line, delim)?;
        Some(body.split(delim).next().unwrap_or("").to_string())
    }

    /// `ntp server` addresses in order.
    pub fn ntp_servers(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter_map(|n| n.line.strip_prefix("ntp server "))
            .filter_map(|rest| rest.split_whitespace().last().map(|_| rest))
            .map(|rest| {
                rest.split_whitespace()
                    .find(|w| w.parse::<Ipv4Addr>().is_ok())
                    .unwrap_or(rest)
                    .to_string()
            })
            .collect()
    }

    /// Every `interface` section, in order.
    pub fn interfaces(&self) -> Vec<Interface> {
        self.nodes
            .iter()
            .filter_map(|n| {
                let name = n.line.strip_prefix("interface ")?;
                let mut i = Interface {
                    name: name.to_string(),
                    description: None,
                    ipv4: Vec::new(),
                    ipv6: Vec::new(),
                    shutdown: false,
                    mtu: 1500,
                };
                for c in &n.children {
                    let w: Vec<&str> = c.split_whitespace().collect();
                    match w.as_slice() {
                        ["description", ..] => {
                            i.description = Some(c.trim_start()["description ".len()..].into())
                        }
                        ["ip", "address", a, m, rest @ ..] => {
                            if let (Ok(a), Some(p)) = (a.parse(), prefix_len(m)) {
                                if rest.first() == Some(&"secondary") {
                                    i.ipv4.push((a, p));
                                } else {
                                    i.ipv4.insert(0, (a, p));
                                }
                            }
                        }
                        ["ipv6", "address", a] => {
                            if let Some((a, p)) = a.split_once('/')
                                && let (Ok(a), Ok(p)) = (a.parse(), p.parse())
                            {
                                i.ipv6.push((a, p));
                            }
                        }
                        ["shutdown"] => i.shutdown = true,
                        ["mtu", m] => i.mtu = m.parse().unwrap_or(1500),
                        _ => {}
                    }
                }
                Some(i)
            })
            .collect()
    }

    /// `router bgp N`: the AS and the `neighbor A remote-as B` pairs.
    pub fn bgp(&self) -> Option<(u32, Vec<(Ipv4Addr, u32)>)> {
        let node = self
            .nodes
            .iter()
            .find(|n| n.line.starts_with("router bgp "))?;
        let asn = node.line["router bgp ".len()..].trim().parse().ok()?;
        let peers = node
            .children
            .iter()
            .filter_map(|c| match c.split_whitespace().collect::<Vec<_>>()[..] {
                ["neighbor", a, "remote-as", r] => Some((a.parse().ok()?, r.parse().ok()?)),
                _ => None,
            })
            .collect();
        Some((asn, peers))
    }

    /// The configured router-id of `router ospf` / `bgp router-id`, if any.
    pub fn router_id(&self) -> Option<Ipv4Addr> {
        self.nodes.iter().find_map(|n| {
            n.children.iter().find_map(|c| {
                let c = c.trim_start();
                c.strip_prefix("bgp router-id ")
                    .or_else(|| c.strip_prefix("router-id "))
                    .and_then(|a| a.trim().parse().ok())
            })
        })
    }

    /// The section `interface NAME` (header and children), or `None`.
    pub fn section(&self, header: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.line == header)
    }

    fn top_value(&self, key: &str) -> Option<&str> {
        let head = format!("{key} ");
        self.nodes
            .iter()
            .find_map(|n| n.line.strip_prefix(head.as_str()))
            .map(str::trim)
    }

    /// Replaces the top-level line starting with `key ` (or adds `line` before `end`).
    pub(super) fn set_top(&mut self, key: &str, line: String) {
        let head = format!("{key} ");
        match self.nodes.iter_mut().find(|n| n.line.starts_with(&head)) {
            Some(n) => n.line = line,
            None => self.insert_top(Node::new(line), key),
        }
    }

    /// Inserts a node after the last node sharing its first word (or before `end`).
    pub(super) fn insert_top(&mut self, node: Node, near: &str) {
        let first = near.split_whitespace().next().unwrap_or("");
        let after = self
            .nodes
            .iter()
            .rposition(|n| n.line.split_whitespace().next() == Some(first));
        let at = match after {
            Some(i) => {
                // Keep a section's closing `!` with it.
                if !self.nodes[i].children.is_empty()
                    && self.nodes.get(i + 1).is_some_and(|n| n.line == "!")
                {
                    i + 2
                } else {
                    i + 1
                }
            }
            None => self
                .nodes
                .iter()
                .rposition(|n| n.line == "end")
                .unwrap_or(self.nodes.len()),
        };
        let section = !node.children.is_empty() || node.line.starts_with("interface ");
        self.nodes.insert(at, node);
        if section && self.nodes.get(at + 1).is_none_or(|n| n.line != "!") {
            self.nodes.insert(at + 1, Node::new("!"));
        }
    }

    /// Removes top-level nodes whose words start with `words`; true when any was removed.
    pub(super) fn remove_top(&mut self, words: &[String]) -> bool {
        let before = self.nodes.len();
        self.nodes.retain(|n| !starts_with_words(&n.line, words));
        before != self.nodes.len()
    }

    pub(super) fn node_mut(&mut self, header: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.line == header)
    }
}

/// `255.255.255.0` is 24; `None` for a non-contiguous mask.
pub fn prefix_len(mask: &str) -> Option<u8> {
    let m = u32::from(mask.parse::<Ipv4Addr>().ok()?);
    let ones = m.leading_ones();
    (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

/// `Gi0/2` for `GigabitEthernet0/2` (CDP and descriptions use the short form).
pub fn short_if(name: &str) -> String {
    for (long, short) in [
        ("GigabitEthernet", "Gi"),
        ("Loopback", "Lo"),
        ("Tunnel", "Tu"),
    ] {
        if let Some(n) = name.strip_prefix(long) {
            return format!("{short}{n}");
        }
    }
    name.to_string()
}

/// `^C` when the banner line starts with it, else its first character after the kind.
fn banner_delimiter(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("banner ")?;
    let (_, body) = rest.split_once(' ')?;
    let body = body.trim_start();
    if body.starts_with("^C") {
        Some("^C")
    } else {
        body.get(..body.chars().next()?.len_utf8())
    }
}

fn banner_body<'a>(line: &'a str, delim: &str) -> Option<&'a str> {
    let rest = line.strip_prefix("banner ")?;
    let (_, body) = rest.split_once(' ')?;
    body.trim_start().strip_prefix(delim)
}

/// True when `line`'s words start with `key` (whole words).
pub(super) fn starts_with_words(line: &str, key: &[String]) -> bool {
    let mut w = line.split_whitespace();
    key.iter().all(|k| w.next() == Some(k.as_str()))
}
