//! A device's configuration as IOS keeps it, and configuration mode over it.
//!
//! The running-config is a list of top-level [`Node`]s, each a line with its indented child
//! lines, which is exactly how IOS prints it and how `| section` and `show running-config
//! interface X` cut it. Configuration commands ([`apply`]) edit that tree: single-valued
//! commands (`hostname`, `description`, `ip address`) replace their line, list-valued ones
//! (`ntp server`, `ip route`, `neighbor ... remote-as`) add a line keyed by their leading
//! words, `no ...` removes what it names. Unknown commands are rejected in IOS style with the
//! `^` under the offending word. Everything here is pure: no locks, no clock reads.
//!
//! [`Store`] holds one device's running and startup configs for the emulator's lifetime; an
//! untouched device stores nothing (its config is regenerated from its identity on demand), so
//! a large fleet costs memory only for the devices that were configured.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::identity::{self, Fleet, Identity, PHYSICAL};
use super::ios::{keyword, tokens};
pub use super::profile::SshStack;

/// The template every device's initial running-config is made from.
const TEMPLATE: &str = include_str!("../../fixtures/running-config.txt");

/// Size of the emulated NVRAM, for `show startup-config`'s `Using N out of M bytes`.
pub const NVRAM_BYTES: usize = 262_144;

/// One top-level line and its children (each child keeps its leading space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The top-level line; a banner holds its whole multi-line text here.
    pub line: String,
    pub children: Vec<String>,
}

impl Node {
    fn new(line: impl Into<String>) -> Node {
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
    /// The initial running-config of device `id` in `fleet`.
    pub fn initial(fleet: &Fleet, id: &Identity, ssh: SshStack) -> Config {
        let mut interfaces = String::new();
        let lo = id.router_id;
        let v6 = identity::loopback_v6(id.index);
        interfaces.push_str(&format!(
            "interface Loopback0\n description Router-ID\n ip address {lo} 255.255.255.255\n ipv6 address {v6}/128\n ip ospf 1 area 0\n!\n"
        ));
        interfaces.push_str(&format!(
            "interface {}\n description Management\n ip address {} {}\n duplex auto\n speed auto\n media-type rj45\n!\n",
            PHYSICAL[0],
            id.mgmt,
            identity::mask(identity::MGMT_PREFIX)
        ));
        let neighbors = fleet.neighbors(id.index);
        for port in [PHYSICAL[1], PHYSICAL[2]] {
            match neighbors.iter().find(|n| n.local_if == port) {
                Some(n) => interfaces.push_str(&format!(
                    "interface {port}\n description Link to {}.{} {}\n ip address {} 255.255.255.254\n ip ospf network point-to-point\n ip ospf 1 area 0\n duplex auto\n speed auto\n media-type rj45\n!\n",
                    identity::hostname(n.remote),
                    identity::DOMAIN,
                    short_if(n.remote_if),
                    n.local_addr
                )),
                None => interfaces.push_str(&format!(
                    "interface {port}\n description Reserved\n no ip address\n shutdown\n duplex auto\n speed auto\n media-type rj45\n!\n"
                )),
            }
        }
        interfaces.push_str(&format!(
            "interface {}\n description Reserved\n no ip address\n shutdown\n duplex auto\n speed auto\n media-type rj45\n!\n",
            PHYSICAL[3]
        ));
        let mut ospf = format!("router ospf 1\n router-id {lo}\n passive-interface default\n");
        for n in &neighbors {
            ospf.push_str(&format!(" no passive-interface {}\n", n.local_if));
        }
        ospf.push_str("!\n");
        let mut bgp = format!(
            "router bgp {}\n bgp router-id {lo}\n bgp log-neighbor-changes\n",
            id.asn
        );
        for n in &neighbors {
            bgp.push_str(&format!(
                " neighbor {} remote-as {}\n neighbor {} description {}\n",
                n.remote_addr,
                identity::asn(n.remote),
                n.remote_addr,
                identity::hostname(n.remote)
            ));
        }
        bgp.push_str(" !\n address-family ipv4\n");
        bgp.push_str(&format!("  network {lo} mask 255.255.255.255\n"));
        for n in &neighbors {
            bgp.push_str(&format!("  neighbor {} activate\n", n.remote_addr));
        }
        bgp.push_str(" exit-address-family\n!\n");
        let ssh = match ssh {
            SshStack::Modern => {
                "ip ssh server algorithm encryption aes128-gcm aes256-gcm aes128-ctr aes192-ctr aes256-ctr\nip ssh server algorithm kex curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group14-sha256\nip ssh server algorithm mac hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512\nip ssh server algorithm hostkey ssh-ed25519\n"
            }
            SshStack::Legacy => {
                "ip ssh server algorithm encryption aes128-ctr aes192-ctr aes256-ctr aes128-cbc aes256-cbc\nip ssh server algorithm kex diffie-hellman-group14-sha1 diffie-hellman-group-exchange-sha1\nip ssh server algorithm mac hmac-sha1\nip ssh server algorithm hostkey ssh-rsa\n"
            }
        };
        let text = TEMPLATE
            .replace("{{hostname}}", &id.hostname)
            .replace("{{domain}}", identity::DOMAIN)
            .replace("{{interfaces}}", &interfaces)
            .replace("{{ospf}}", &ospf)
            .replace("{{bgp}}", &bgp)
            .replace("{{gateway}}", &identity::MGMT_GATEWAY.to_string())
            .replace("{{ssh}}", ssh)
            .replace("{{loopback}}", &lo.to_string());
        Config::parse(&text)
    }

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
    fn set_top(&mut self, key: &str, line: String) {
        let head = format!("{key} ");
        match self.nodes.iter_mut().find(|n| n.line.starts_with(&head)) {
            Some(n) => n.line = line,
            None => self.insert_top(Node::new(line), key),
        }
    }

    /// Inserts a node after the last node sharing its first word (or before `end`).
    fn insert_top(&mut self, node: Node, near: &str) {
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
    fn remove_top(&mut self, words: &[String]) -> bool {
        let before = self.nodes.len();
        self.nodes.retain(|n| !starts_with_words(&n.line, words));
        before != self.nodes.len()
    }

    fn node_mut(&mut self, header: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.line == header)
    }
}

/// Where configuration mode is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ctx {
    /// `(config)#`
    Global,
    /// A section: `(config-if)#`, `(config-router)#`, `(config-line)#`, `(config-std-nacl)#`
    /// ...; the header is the section's top-level line.
    Section { header: String, kind: SectionKind },
    /// `(config-router-af)#` inside `router bgp`.
    AddressFamily { header: String, af: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Interface,
    Router,
    Line,
    StdAcl,
    ExtAcl,
    Other,
}

impl Ctx {
    /// The mode's part of the prompt: `config`, `config-if`, ...
    pub fn prompt_tag(&self) -> &'static str {
        match self {
            Ctx::Global => "config",
            Ctx::Section { kind, .. } => match kind {
                SectionKind::Interface => "config-if",
                SectionKind::Router => "config-router",
                SectionKind::Line => "config-line",
                SectionKind::StdAcl => "config-std-nacl",
                SectionKind::ExtAcl => "config-ext-nacl",
                SectionKind::Other => "config-submode",
            },
            Ctx::AddressFamily { .. } => "config-router-af",
        }
    }

    /// The enclosing mode: `exit` goes there, and a line this mode does not know is tried
    /// there. `None` from global configuration (privileged EXEC is not a config mode).
    pub fn parent(&self) -> Option<Ctx> {
        match self {
            Ctx::Global => None,
            Ctx::Section { .. } => Some(Ctx::Global),
            Ctx::AddressFamily { header, .. } => Some(Ctx::Section {
                header: header.clone(),
                kind: SectionKind::Router,
            }),
        }
    }
}

/// What one configuration line did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Done; stay in this mode.
    Done,
    /// Done, with a message IOS prints (`% BGP is already running; AS is 64512`).
    Message(String),
    /// Enter a sub-mode.
    Enter(Ctx),
    /// `exit`: one level up (to privileged EXEC from global).
    Exit,
    /// `end` (or Ctrl-Z): back to privileged EXEC.
    End,
    /// `banner KIND D`: read text lines until the delimiter `D`.
    Banner {
        kind: String,
        delim: String,
    },
    /// `do CMD`: run an EXEC command.
    Do(String),
    Invalid {
        caret: usize,
    },
    Incomplete,
    Ambiguous,
}

const GLOBAL: &[&str] = &[
    "aaa",
    "access-list",
    "alias",
    "archive",
    "banner",
    "boot",
    "cdp",
    "clock",
    "control-plane",
    "crypto",
    "do",
    "enable",
    "end",
    "event",
    "exit",
    "hostname",
    "interface",
    "ip",
    "ipv6",
    "line",
    "lldp",
    "logging",
    "no",
    "ntp",
    "route-map",
    "router",
    "service",
    "snmp-server",
    "spanning-tree",
    "username",
    "vrf",
];

/// Applies one line typed in `ctx` to `cfg`, as IOS parses it: a line the sub-mode does not
/// know is tried in the enclosing modes, and applies in the first that takes it (`ntp server
/// ...` typed at `(config-if)#` configures NTP and leaves the interface; `interface Gi0/2`
/// there moves to that interface). netmiko's and scrapli's config pushes rely on this: they
/// send a flat list of lines and never type `exit` between sections. Returns the mode the
/// line was applied in (the caller's mode when every level rejects it: its own error is the
/// one shown).
pub fn apply_in(cfg: &mut Config, ctx: &Ctx, line: &str) -> (Ctx, Applied) {
    let own = apply(cfg, ctx, line);
    if !matches!(own, Applied::Invalid { .. }) {
        return (ctx.clone(), own);
    }
    let mut at = ctx.clone();
    while let Some(up) = at.parent() {
        let r = apply(cfg, &up, line);
        if !matches!(r, Applied::Invalid { .. }) {
            return (up, r);
        }
        at = up;
    }
    (ctx.clone(), own)
}

/// Applies one line typed in `ctx` to `cfg`, in that mode only.
pub fn apply(cfg: &mut Config, ctx: &Ctx, line: &str) -> Applied {
    let words = tokens(line);
    let Some(&(at0, w0)) = words.first() else {
        return Applied::Done;
    };
    // `end`, `exit` and `do` work in every mode.
    match keyword(w0, &["do", "end", "exit"]) {
        Ok("do") if words.len() > 1 => {
            return Applied::Do(line.trim_start()[w0.len()..].trim().into());
        }
        Ok("do") => return Applied::Incomplete,
        Ok("end") if words.len() == 1 => return Applied::End,
        Ok("exit") if words.len() == 1 => return Applied::Exit,
        _ => {}
    }
    match ctx {
        Ctx::Global => global(cfg, &words, line),
        Ctx::Section { header, kind } => sub(cfg, header, *kind, &words, line),
        Ctx::AddressFamily { header, af } => address_family(cfg, header, af, &words, line, at0),
    }
}

fn global(cfg: &mut Config, words: &[(usize, &str)], line: &str) -> Applied {
    let (at0, w0) = words[0];
    let verb = match keyword(w0, GLOBAL) {
        Ok(v) => v,
        Err(Some(())) => return Applied::Ambiguous,
        Err(None) => return Applied::Invalid { caret: at0 },
    };
    let rest = &words[1..];
    if rest.is_empty() && !matches!(verb, "control-plane") {
        return Applied::Incomplete;
    }
    match verb {
        "no" => global_no(cfg, rest),
        "hostname" => {
            let (at, name) = rest[0];
            if rest.len() > 1 || !valid_hostname(name) {
                return Applied::Invalid { caret: at };
            }
            cfg.set_top("hostname", format!("hostname {name}"));
            Applied::Done
        }
        "interface" => match interface_name(rest) {
            Ok(name) => {
                let header = format!("interface {name}");
                if cfg.section(&header).is_none() {
                    cfg.insert_top(Node::new(header.clone()), "interface");
                }
                Applied::Enter(Ctx::Section {
                    header,
                    kind: SectionKind::Interface,
                })
            }
            Err(e) => e,
        },
        "router" => router(cfg, rest),
        "line" => {
            let (at, kind) = rest[0];
            let kind = match keyword(kind, &["aux", "console", "vty"]) {
                Ok(k) => k,
                Err(_) => return Applied::Invalid { caret: at },
            };
            let nums: Vec<&str> = rest[1..].iter().map(|w| w.1).collect();
            if nums.is_empty() {
                return Applied::Incomplete;
            }
            if let Some(&(at, _)) = rest[1..].iter().find(|w| w.1.parse::<u32>().is_err()) {
                return Applied::Invalid { caret: at };
            }
            let kind = if kind == "console" { "con" } else { kind };
            let header = format!("line {kind} {}", nums.join(" "));
            if cfg.section(&header).is_none() {
                cfg.insert_top(Node::new(header.clone()), "line");
            }
            Applied::Enter(Ctx::Section {
                header,
                kind: SectionKind::Line,
            })
        }
        "banner" => {
            let (at, kind) = rest[0];
            let kind = match keyword(kind, &["exec", "login", "motd"]) {
                Ok(k) => k,
                Err(_) => return Applied::Invalid { caret: at },
            };
            let Some(&(d_at, _)) = rest.get(1) else {
                return Applied::Incomplete;
            };
            let text = &line[d_at..];
            let delim = if text.starts_with("^C") {
                "^C".to_string()
            } else {
                text.chars().next().map(String::from).unwrap_or_default()
            };
            let body = &text[delim.len()..];
            match body.find(delim.as_str()) {
                // One-line form: `banner motd #text#`.
                Some(end) => {
                    set_banner(cfg, kind, &body[..end]);
                    Applied::Done
                }
                None => {
                    // The text may begin on the command line itself.
                    set_banner(cfg, kind, body);
                    Applied::Banner {
                        kind: kind.to_string(),
                        delim,
                    }
                }
            }
        }
        "ip" => global_ip(cfg, rest, line),
        "ipv6" if keyword(rest[0].1, GLOBAL_IPV6).is_err() => {
            match keyword(rest[0].1, GLOBAL_IPV6) {
                Err(Some(())) => Applied::Ambiguous,
                _ => Applied::Invalid { caret: rest[0].0 },
            }
        }
        "ntp" => {
            let (at, sub) = rest[0];
            match keyword(
                sub,
                &[
                    "authenticate",
                    "server",
                    "source",
                    "peer",
                    "master",
                    "update-calendar",
                    "logging",
                ],
            ) {
                Ok("server") | Ok("peer") => {
                    let sub = if sub.starts_with('p') {
                        "peer"
                    } else {
                        "server"
                    };
                    let Some(&(a_at, addr)) = rest.get(1) else {
                        return Applied::Incomplete;
                    };
                    if addr.parse::<Ipv4Addr>().is_err() && !valid_hostname(addr) {
                        return Applied::Invalid { caret: a_at };
                    }
                    let key = vec![format!("ntp"), sub.to_string(), addr.to_string()];
                    cfg.remove_top(&key);
                    cfg.insert_top(Node::new(normalized(line, &["ntp", sub])), "ntp");
                    Applied::Done
                }
                Ok(s) => {
                    set_or_add(cfg, &["ntp", s], line);
                    Applied::Done
                }
                Err(_) => Applied::Invalid { caret: at },
            }
        }
        "logging" | "snmp-server" | "username" | "service" | "enable" | "aaa" | "cdp" | "lldp"
        | "clock" | "crypto" | "boot" | "alias" | "archive" | "access-list" | "spanning-tree"
        | "ipv6" | "event" | "route-map" | "vrf" | "control-plane" => {
            // Stored as typed (first word spelled out), one line per distinct command.
            let text = normalized(line, &[verb]);
            let key: Vec<String> = match verb {
                "username" => text.split_whitespace().take(2).map(String::from).collect(),
                _ => text.split_whitespace().map(String::from).collect(),
            };
            cfg.remove_top(&key);
            cfg.insert_top(Node::new(text.clone()), verb);
            if matches!(
                verb,
                "control-plane" | "route-map" | "vrf" | "event" | "archive"
            ) {
                return Applied::Enter(Ctx::Section {
                    header: text,
                    kind: SectionKind::Other,
                });
            }
            Applied::Done
        }
        _ => Applied::Invalid { caret: at0 },
    }
}

/// The global `ipv6 ...` commands IOS has (stored as typed): `ipv6 adress` typed at
/// `(config-if)#` must not become a global line.
const GLOBAL_IPV6: &[&str] = &[
    "access-list",
    "cef",
    "dhcp",
    "general-prefix",
    "host",
    "ioam",
    "multicast-routing",
    "name-server",
    "nd",
    "neighbor",
    "prefix-list",
    "route",
    "router",
    "unicast-routing",
];

/// The global `ip ...` commands the emulator knows (and so `no ip ...` can name).
const GLOBAL_IP: &[&str] = &[
    "access-list",
    "cef",
    "domain",
    "domain-name",
    "forward-protocol",
    "host",
    "http",
    "name-server",
    "prefix-list",
    "route",
    "routing",
    "scp",
    "ssh",
    "tcp",
];

fn global_ip(cfg: &mut Config, rest: &[(usize, &str)], line: &str) -> Applied {
    let (at, sub) = rest[0];
    let sub = match keyword(sub, GLOBAL_IP) {
        Ok(s) => s,
        Err(Some(())) => return Applied::Ambiguous,
        Err(None) => return Applied::Invalid { caret: at },
    };
    let args = &rest[1..];
    match sub {
        "domain" | "domain-name" => {
            let value = match (sub, args) {
                ("domain-name", [(_, v)]) => v,
                ("domain", [(at, k), (_, v)]) => {
                    if keyword(k, &["name", "lookup"]) != Ok("name") {
                        if keyword(k, &["lookup"]).is_ok() {
                            set_or_add(cfg, &["ip", "domain", "lookup"], "ip domain lookup");
                            cfg.remove_top(&words(&["no", "ip", "domain", "lookup"]));
                            return Applied::Done;
                        }
                        return Applied::Invalid { caret: *at };
                    }
                    v
                }
                ("domain", [(_, k)]) if keyword(k, &["lookup"]).is_ok() => {
                    cfg.remove_top(&words(&["no", "ip", "domain", "lookup"]));
                    return Applied::Done;
                }
                (_, []) | ("domain", [_]) => return Applied::Incomplete,
                (_, [.., (at, _)]) => return Applied::Invalid { caret: *at },
            };
            cfg.set_top("ip domain name", format!("ip domain name {value}"));
            Applied::Done
        }
        "route" => {
            // ip route PREFIX MASK NEXT-HOP|INTERFACE [options]
            if args.len() < 3 {
                return Applied::Incomplete;
            }
            for &(at, w) in &args[..2] {
                if w.parse::<Ipv4Addr>().is_err() {
                    return Applied::Invalid { caret: at };
                }
            }
            if prefix_len(args[1].1).is_none() {
                return Applied::Invalid { caret: args[1].0 };
            }
            let text = normalized(line, &["ip", "route"]);
            let key: Vec<String> = text.split_whitespace().take(5).map(String::from).collect();
            cfg.remove_top(&key);
            cfg.insert_top(Node::new(text), "ip route");
            Applied::Done
        }
        "access-list" => {
            let Some(&(k_at, k)) = args.first() else {
                return Applied::Incomplete;
            };
            let kind = match keyword(k, &["extended", "standard"]) {
                Ok(k) => k,
                Err(_) => return Applied::Invalid { caret: k_at },
            };
            let Some(&(_, name)) = args.get(1) else {
                return Applied::Incomplete;
            };
            let header = format!("ip access-list {kind} {name}");
            if cfg.section(&header).is_none() {
                cfg.insert_top(Node::new(header.clone()), "ip");
            }
            Applied::Enter(Ctx::Section {
                header,
                kind: if kind == "standard" {
                    SectionKind::StdAcl
                } else {
                    SectionKind::ExtAcl
                },
            })
        }
        _ => {
            if args.is_empty() && !matches!(sub, "cef" | "routing") {
                return Applied::Incomplete;
            }
            let text = normalized(line, &["ip", sub]);
            let key: Vec<String> = text.split_whitespace().map(String::from).collect();
            cfg.remove_top(&key);
            let mut no = vec!["no".to_string()];
            no.extend(key.iter().take(3).cloned());
            cfg.remove_top(&no);
            cfg.insert_top(Node::new(text), "ip");
            Applied::Done
        }
    }
}

fn router(cfg: &mut Config, rest: &[(usize, &str)]) -> Applied {
    let (at, proto) = rest[0];
    let proto = match keyword(proto, &["bgp", "eigrp", "isis", "ospf", "rip"]) {
        Ok(p) => p,
        Err(_) => return Applied::Invalid { caret: at },
    };
    let id = match rest.get(1) {
        Some(&(at, n)) => match n.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Applied::Invalid { caret: at },
        },
        None if proto == "rip" => None,
        None => return Applied::Incomplete,
    };
    if let Some(&(at, _)) = rest.get(2) {
        return Applied::Invalid { caret: at };
    }
    if proto == "bgp"
        && let Some((asn, _)) = cfg.bgp()
        && Some(asn) != id
    {
        return Applied::Message(format!("% BGP is already running; AS is {asn}"));
    }
    let header = match id {
        Some(n) => format!("router {proto} {n}"),
        None => format!("router {proto}"),
    };
    if cfg.section(&header).is_none() {
        cfg.insert_top(Node::new(header.clone()), "router");
    }
    Applied::Enter(Ctx::Section {
        header,
        kind: SectionKind::Router,
    })
}

fn global_no(cfg: &mut Config, rest: &[(usize, &str)]) -> Applied {
    let (at, w) = rest[0];
    let verb = match keyword(w, GLOBAL) {
        Ok(v) if v != "no" && v != "do" && v != "end" && v != "exit" => v,
        Err(Some(())) => return Applied::Ambiguous,
        _ => return Applied::Invalid { caret: at },
    };
    match verb {
        "hostname" => {
            cfg.set_top("hostname", "hostname Router".into());
            return Applied::Done;
        }
        "interface" => {
            return match interface_name(&rest[1..]) {
                Ok(name) if name.starts_with("GigabitEthernet") => {
                    Applied::Message("% Removal of physical interfaces is not permitted".into())
                }
                Ok(name) => {
                    remove_section(cfg, &format!("interface {name}"));
                    Applied::Done
                }
                Err(e) => e,
            };
        }
        "banner" => {
            let Some(&(at, kind)) = rest.get(1) else {
                return Applied::Incomplete;
            };
            return match keyword(kind, &["exec", "login", "motd"]) {
                Ok(k) => {
                    cfg.remove_top(&words(&["banner", k]));
                    Applied::Done
                }
                Err(_) => Applied::Invalid { caret: at },
            };
        }
        "router" => {
            let Some(&(at, p)) = rest.get(1) else {
                return Applied::Incomplete;
            };
            let Ok(p) = keyword(p, &["bgp", "eigrp", "isis", "ospf", "rip"]) else {
                return Applied::Invalid { caret: at };
            };
            let mut header = format!("router {p}");
            if let Some(&(_, n)) = rest.get(2) {
                header = format!("{header} {n}");
            }
            remove_section(cfg, &header);
            return Applied::Done;
        }
        "ip" | "ipv6" => {
            // `no ip adress` is as invalid as `ip adress`: nothing silently "removed".
            let known = if verb == "ip" { GLOBAL_IP } else { GLOBAL_IPV6 };
            match rest.get(1).map(|&(at, w)| (at, keyword(w, known))) {
                None => return Applied::Incomplete,
                Some((_, Err(Some(())))) => return Applied::Ambiguous,
                Some((at, Err(None))) => return Applied::Invalid { caret: at },
                Some((_, Ok(_))) => {}
            }
            if let Some(&(_, sub)) = rest.get(1)
                && keyword(sub, &["domain"]).is_ok()
                && rest
                    .get(2)
                    .is_some_and(|w| keyword(w.1, &["lookup"]).is_ok())
            {
                cfg.remove_top(&words(&["ip", "domain", "lookup"]));
                cfg.insert_top(Node::new("no ip domain lookup"), "no");
                return Applied::Done;
            }
        }
        _ => {}
    }
    // Everything else: remove the lines that start with what follows `no`.
    let mut key = vec![verb.to_string()];
    key.extend(rest[1..].iter().map(|w| w.1.to_string()));
    if key.len() >= 2 && verb == "ip" {
        if let Ok(sub) = keyword(
            &key[1],
            &[
                "domain",
                "route",
                "name-server",
                "host",
                "http",
                "ssh",
                "access-list",
                "prefix-list",
            ],
        ) {
            key[1] = sub.to_string();
        }
        if key[1] == "access-list" && key.len() >= 4 {
            remove_section(cfg, &key.join(" "));
            return Applied::Done;
        }
    }
    if key.len() >= 2
        && verb == "ntp"
        && let Ok(sub) = keyword(&key[1], &["server", "peer", "source", "authenticate"])
    {
        key[1] = sub.to_string();
    }
    cfg.remove_top(&key);
    Applied::Done
}

/// Commands of a section sub-mode.
fn sub(
    cfg: &mut Config,
    header: &str,
    kind: SectionKind,
    words: &[(usize, &str)],
    line: &str,
) -> Applied {
    let (_, w0) = words[0];
    let (negate, words) = match keyword(w0, &["no", "default"]) {
        Ok(_) if words.len() > 1 => (true, &words[1..]),
        Ok(_) => return Applied::Incomplete,
        Err(_) => (false, words),
    };
    let (at, w) = words[0];
    let vocabulary: &[&str] = match kind {
        SectionKind::Interface => &[
            "bandwidth",
            "carrier-delay",
            "cdp",
            "channel-group",
            "delay",
            "description",
            "duplex",
            "encapsulation",
            "ip",
            "ipv6",
            "keepalive",
            "lldp",
            "load-interval",
            "logging",
            "media-type",
            "mtu",
            "negotiation",
            "shutdown",
            "speed",
            "standby",
            "vrf",
        ],
        SectionKind::Router => &[
            "address-family",
            "area",
            "auto-cost",
            "auto-summary",
            "bgp",
            "default-information",
            "distance",
            "log-adjacency-changes",
            "maximum-paths",
            "neighbor",
            "network",
            "passive-interface",
            "redistribute",
            "router-id",
            "synchronization",
            "timers",
        ],
        SectionKind::Line => &[
            "access-class",
            "exec",
            "exec-timeout",
            "history",
            "length",
            "logging",
            "login",
            "password",
            "privilege",
            "session-timeout",
            "stopbits",
            "transport",
            "width",
        ],
        SectionKind::StdAcl | SectionKind::ExtAcl => &["deny", "permit", "remark"],
        SectionKind::Other => &[
            "action",
            "description",
            "event",
            "match",
            "rd",
            "set",
            "address-family",
            "exit-address-family",
            "path",
            "write-memory",
            "time-period",
        ],
    };
    let verb = match keyword(w, vocabulary) {
        Ok(v) => v,
        Err(Some(())) => return Applied::Ambiguous,
        // ACL entries may start with a sequence number.
        Err(None)
            if matches!(kind, SectionKind::StdAcl | SectionKind::ExtAcl)
                && w.parse::<u32>().is_ok() =>
        {
            "seq"
        }
        Err(None) => return Applied::Invalid { caret: at },
    };
    let args = &words[1..];
    if kind == SectionKind::Interface
        && let Err(e) = interface_ip_word(verb, args)
    {
        return e;
    }
    let Some(node) = cfg.node_mut(header) else {
        // The section went away (another session removed it): back to global.
        return Applied::Exit;
    };
    let typed = line[at..].trim_end();
    let text = format!(" {}", normalized(typed, &[verb]));
    if negate {
        let mut key = vec![verb.to_string()];
        key.extend(args.iter().map(|w| w.1.to_string()));
        if kind == SectionKind::Interface
            && verb == "ip"
            && key.get(1).is_some_and(|k| keyword(k, &["address"]).is_ok())
        {
            node.children
                .retain(|c| !c.starts_with(" ip address ") && c != " no ip address");
            insert_child(node, " no ip address".into());
            return Applied::Done;
        }
        if verb == "passive-interface" {
            let text = format!(" no {}", normalized(typed, &[verb]));
            node.children
                .retain(|c| *c != text && c.trim_start() != &text[4..]);
            insert_child(node, text);
            return Applied::Done;
        }
        // Removing what is not there is silently accepted, as on IOS (`no shutdown`).
        node.children.retain(|c| !starts_with_words(c, &key));
        return Applied::Done;
    }
    match (kind, verb) {
        (SectionKind::Interface, "shutdown") => {
            if !args.is_empty() {
                return Applied::Invalid { caret: args[0].0 };
            }
            if !node.children.iter().any(|c| c == " shutdown") {
                insert_child(node, " shutdown".into());
            }
            Applied::Done
        }
        (SectionKind::Interface, "description") => {
            if args.is_empty() {
                return Applied::Incomplete;
            }
            let text = format!(" description {}", &line[args[0].0..].trim_end());
            node.children.retain(|c| !c.starts_with(" description "));
            node.children.insert(0, text);
            Applied::Done
        }
        (SectionKind::Interface, "ip") => {
            let Some(&(_, s)) = args.first() else {
                return Applied::Incomplete;
            };
            if keyword(s, &["address"]).is_ok() {
                let a = &args[1..];
                match a {
                    [] => return Applied::Incomplete,
                    [(d_at, d)] => {
                        if keyword(d, &["dhcp"]).is_err() {
                            return if d.parse::<Ipv4Addr>().is_ok() {
                                Applied::Incomplete
                            } else {
                                Applied::Invalid { caret: *d_at }
                            };
                        }
                        node.children
                            .retain(|c| !c.starts_with(" ip address ") && c != " no ip address");
                        insert_child(node, " ip address dhcp".into());
                        return Applied::Done;
                    }
                    _ => {}
                }
                let (a_at, addr) = a[0];
                let (m_at, m) = a[1];
                if addr.parse::<Ipv4Addr>().is_err() {
                    return Applied::Invalid { caret: a_at };
                }
                if m.parse::<Ipv4Addr>().is_err() || prefix_len(m).is_none() {
                    return Applied::Invalid { caret: m_at };
                }
                let secondary = match a.get(2) {
                    None => false,
                    Some(&(x_at, x)) => {
                        if keyword(x, &["secondary"]).is_err() || a.len() > 3 {
                            return Applied::Invalid { caret: x_at };
                        }
                        true
                    }
                };
                if secondary {
                    let line = format!(" ip address {addr} {m} secondary");
                    node.children.retain(|c| *c != line);
                    insert_child(node, line);
                } else {
                    let pos = node.children.iter().position(|c| {
                        (c.starts_with(" ip address ") && !c.ends_with(" secondary"))
                            || c == " no ip address"
                    });
                    let line = format!(" ip address {addr} {m}");
                    match pos {
                        Some(p) => node.children[p] = line,
                        None => insert_child(node, line),
                    }
                }
                return Applied::Done;
            }
            add_child(node, text);
            Applied::Done
        }
        (SectionKind::Interface, "ipv6") => {
            let Some(&(_, s)) = args.first() else {
                return Applied::Incomplete;
            };
            if keyword(s, &["address"]).is_ok() {
                let Some(&(a_at, a)) = args.get(1) else {
                    return Applied::Incomplete;
                };
                let ok = a.split_once('/').is_some_and(|(a, p)| {
                    a.parse::<Ipv6Addr>().is_ok() && p.parse::<u8>().is_ok_and(|p| p <= 128)
                });
                if !ok {
                    return Applied::Invalid { caret: a_at };
                }
                let a = a.to_ascii_uppercase();
                let line = format!(" ipv6 address {a}");
                node.children.retain(|c| *c != line);
                insert_child(node, line);
                return Applied::Done;
            }
            add_child(node, text);
            Applied::Done
        }
        (
            SectionKind::Interface,
            "mtu" | "bandwidth" | "speed" | "duplex" | "media-type" | "delay" | "load-interval"
            | "encapsulation" | "negotiation" | "vrf",
        ) => {
            if args.is_empty() {
                return Applied::Incomplete;
            }
            if matches!(verb, "mtu" | "bandwidth" | "delay" | "load-interval")
                && args[0].1.parse::<u32>().is_err()
            {
                return Applied::Invalid { caret: args[0].0 };
            }
            replace_child(node, 1, text);
            Applied::Done
        }
        (SectionKind::Router, "address-family") => {
            let Some(&(f_at, f)) = args.first() else {
                return Applied::Incomplete;
            };
            let Ok(fam) = keyword(f, &["ipv4", "ipv6", "vpnv4", "l2vpn"]) else {
                return Applied::Invalid { caret: f_at };
            };
            let mut af = format!(" address-family {fam}");
            for &(_, w) in &args[1..] {
                af.push(' ');
                af.push_str(w);
            }
            if fam == "ipv4" && af.ends_with(" unicast") {
                af.truncate(af.len() - " unicast".len());
            }
            if !node.children.contains(&af) {
                node.children.push(" !".into());
                node.children.push(af.clone());
                node.children.push(" exit-address-family".into());
            }
            Applied::Enter(Ctx::AddressFamily {
                header: header.to_string(),
                af,
            })
        }
        (SectionKind::Router, "router-id")
        | (SectionKind::Router, "bgp")
        | (SectionKind::Router, "neighbor") => {
            if args.is_empty() {
                return Applied::Incomplete;
            }
            if verb == "router-id" && args[0].1.parse::<Ipv4Addr>().is_err() {
                return Applied::Invalid { caret: args[0].0 };
            }
            if verb == "neighbor" {
                if args[0].1.parse::<Ipv4Addr>().is_err() && args[0].1.parse::<Ipv6Addr>().is_err()
                {
                    return Applied::Invalid { caret: args[0].0 };
                }
                if args.len() < 2 {
                    return Applied::Incomplete;
                }
                if args[1].1 == "remote-as"
                    && args.get(2).is_none_or(|w| w.1.parse::<u32>().is_err())
                {
                    return args
                        .get(2)
                        .map_or(Applied::Incomplete, |w| Applied::Invalid { caret: w.0 });
                }
            }
            let keep = if verb == "neighbor" { 3 } else { 2 };
            replace_child(node, keep, text);
            Applied::Done
        }
        _ => {
            if args.is_empty() && matches!(kind, SectionKind::StdAcl | SectionKind::ExtAcl) {
                return Applied::Incomplete;
            }
            let text = if verb == "seq" {
                format!(" {typed}")
            } else {
                text
            };
            add_child(node, text);
            Applied::Done
        }
    }
}

/// The word after `ip`/`ipv6` in interface mode must be one IOS knows there: a mistyped
/// `ip adress` (or `no ip adress`) is invalid input, not a new line of the interface.
fn interface_ip_word(verb: &str, args: &[(usize, &str)]) -> Result<(), Applied> {
    const IP: &[&str] = &[
        "access-group",
        "address",
        "authentication",
        "dhcp",
        "directed-broadcast",
        "flow",
        "hello-interval",
        "helper-address",
        "igmp",
        "mtu",
        "nat",
        "nbar",
        "ospf",
        "pim",
        "policy",
        "proxy-arp",
        "redirects",
        "route-cache",
        "split-horizon",
        "summary-address",
        "tcp",
        "unnumbered",
        "unreachables",
        "verify",
        "virtual-reassembly",
        "vrf",
    ];
    const IPV6: &[&str] = &[
        "address",
        "dhcp",
        "eigrp",
        "enable",
        "mtu",
        "nd",
        "ospf",
        "redirects",
        "traffic-filter",
        "unreachables",
    ];
    let vocabulary = match verb {
        "ip" => IP,
        "ipv6" => IPV6,
        _ => return Ok(()),
    };
    let Some(&(at, w)) = args.first() else {
        return Err(Applied::Incomplete);
    };
    match keyword(w, vocabulary) {
        Ok(_) => Ok(()),
        Err(Some(())) => Err(Applied::Ambiguous),
        Err(None) => Err(Applied::Invalid { caret: at }),
    }
}

fn address_family(
    cfg: &mut Config,
    header: &str,
    af: &str,
    words: &[(usize, &str)],
    line: &str,
    _at0: usize,
) -> Applied {
    let (at, w) = words[0];
    let verb = match keyword(
        w,
        &[
            "exit-address-family",
            "network",
            "neighbor",
            "redistribute",
            "maximum-paths",
            "aggregate-address",
            "default-information",
            "no",
        ],
    ) {
        Ok(v) => v,
        Err(Some(())) => return Applied::Ambiguous,
        Err(None) => return Applied::Invalid { caret: at },
    };
    if verb == "exit-address-family" {
        return Applied::Exit;
    }
    if words.len() < 2 {
        return Applied::Incomplete;
    }
    let Some(node) = cfg.node_mut(header) else {
        return Applied::End;
    };
    let Some(start) = node.children.iter().position(|c| c == af) else {
        return Applied::Exit;
    };
    let end = node.children[start..]
        .iter()
        .position(|c| c == " exit-address-family")
        .map_or(node.children.len(), |p| start + p);
    let text = format!("  {}", normalized(line[at..].trim_end(), &[verb]));
    if verb == "no" {
        let key: Vec<String> = words[1..].iter().map(|w| w.1.to_string()).collect();
        let mut i = start + 1;
        let mut end = end;
        while i < end {
            if starts_with_words(&node.children[i], &key) {
                node.children.remove(i);
                end -= 1;
            } else {
                i += 1;
            }
        }
        return Applied::Done;
    }
    if !node.children[start..end].contains(&text) {
        node.children.insert(end, text);
    }
    Applied::Done
}

/// Adds a child line unless the same line is there already.
fn add_child(node: &mut Node, text: String) {
    if !node.children.contains(&text) {
        insert_child(node, text);
    }
}

/// Replaces the child whose first `keep` words match `text`'s (or adds it).
fn replace_child(node: &mut Node, keep: usize, text: String) {
    let key: Vec<String> = text
        .split_whitespace()
        .take(keep)
        .map(String::from)
        .collect();
    match node
        .children
        .iter()
        .position(|c| starts_with_words(c, &key))
    {
        Some(p) => node.children[p] = text,
        None => insert_child(node, text),
    }
}

/// Inserts a child before any ` !` / address-family block (where IOS keeps them).
fn insert_child(node: &mut Node, text: String) {
    let at = node
        .children
        .iter()
        .position(|c| c == " !" || c.starts_with(" address-family "))
        .unwrap_or(node.children.len());
    node.children.insert(at, text);
}

fn remove_section(cfg: &mut Config, header: &str) {
    if let Some(i) = cfg.nodes.iter().position(|n| n.line == header) {
        cfg.nodes.remove(i);
        if cfg.nodes.get(i).is_some_and(|n| n.line == "!")
            && i > 0
            && cfg.nodes.get(i - 1).is_some_and(|n| n.line == "!")
        {
            cfg.nodes.remove(i);
        }
    }
}

fn set_banner(cfg: &mut Config, kind: &str, text: &str) {
    let line = format!("banner {kind} ^C{text}^C");
    let head = format!("banner {kind} ");
    match cfg.nodes.iter_mut().find(|n| n.line.starts_with(&head)) {
        Some(n) => n.line = line,
        None => {
            let at = cfg
                .nodes
                .iter()
                .position(|n| n.line.starts_with("line "))
                .unwrap_or(cfg.nodes.len());
            cfg.nodes.insert(at, Node::new(line));
        }
    }
}

/// Appends a line of banner text (banner mode); true when it closed the banner.
pub fn banner_line(cfg: &mut Config, kind: &str, delim: &str, line: &str) -> bool {
    let (text, done) = match line.find(delim) {
        Some(end) => (&line[..end], true),
        None => (line, false),
    };
    let current = cfg.banner(kind).unwrap_or_default();
    let joined = if current.is_empty() {
        // A banner whose text starts on the next line keeps that line break, as IOS does.
        format!("\n{text}")
    } else {
        format!("{current}\n{text}")
    };
    set_banner(cfg, kind, &joined);
    done
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

/// The interface a `interface ...` command names: `gi0/1`, `Gig 0/1`, `lo5`, `Loopback 5`.
pub(crate) fn interface_name(rest: &[(usize, &str)]) -> Result<String, Applied> {
    let Some(&(at, first)) = rest.first() else {
        return Err(Applied::Incomplete);
    };
    let split = first
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(first.len());
    let (kind, mut number) = first.split_at(split);
    let mut extra = 1;
    if number.is_empty() {
        match rest.get(1) {
            Some(&(_, n)) => {
                number = n;
                extra = 2;
            }
            None => return Err(Applied::Incomplete),
        }
    }
    if let Some(&(at, _)) = rest.get(extra) {
        return Err(Applied::Invalid { caret: at });
    }
    let kind = match keyword(kind, &["GigabitEthernet", "Loopback", "Tunnel"]) {
        Ok(k) => k,
        Err(_) => {
            // IOS matches interface types case-insensitively.
            let lower = kind.to_ascii_lowercase();
            match ["gigabitethernet", "loopback", "tunnel"]
                .iter()
                .position(|k| k.starts_with(&lower) && !lower.is_empty())
            {
                Some(0) => "GigabitEthernet",
                Some(1) => "Loopback",
                Some(2) => "Tunnel",
                _ => return Err(Applied::Invalid { caret: at }),
            }
        }
    };
    let name = format!("{kind}{number}");
    let valid = match kind {
        "GigabitEthernet" => PHYSICAL.contains(&name.as_str()),
        _ => number.parse::<u32>().is_ok(),
    };
    if valid {
        Ok(name)
    } else {
        Err(Applied::Invalid {
            caret: at + split.min(first.len()),
        })
    }
}

/// `hostname` syntax: letters, digits, `-`, `_`, `.`; starts with a letter.
fn valid_hostname(s: &str) -> bool {
    s.len() <= 63
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The line with its first `spelled.len()` words replaced by their full spelling.
fn normalized(line: &str, spelled: &[&str]) -> String {
    let mut out: Vec<String> = spelled.iter().map(|s| s.to_string()).collect();
    let mut rest = line.trim();
    for _ in spelled {
        rest = rest
            .split_once(char::is_whitespace)
            .map(|(_, r)| r.trim_start())
            .unwrap_or("");
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out.join(" ")
}

fn set_or_add(cfg: &mut Config, key: &[&str], line: &str) {
    let text = normalized(line, key);
    cfg.remove_top(&words(key));
    cfg.insert_top(Node::new(text), key[0]);
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// True when `line`'s words start with `key` (whole words).
fn starts_with_words(line: &str, key: &[String]) -> bool {
    let mut w = line.split_whitespace();
    key.iter().all(|k| w.next() == Some(k.as_str()))
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

/// One device's configurations, for the emulator's lifetime.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// `None` until the first change: the initial config, regenerated on demand.
    pub running: Option<Config>,
    /// `None` until the first `write memory`: the same initial config.
    pub startup: Option<Config>,
    /// When the running-config last changed, and when it was saved.
    pub changed: Option<DateTime<Utc>>,
    pub saved: Option<DateTime<Utc>>,
}

/// One device's configuration state, shared by all of its sessions.
#[derive(Debug)]
pub struct Shared {
    pub fleet: Fleet,
    pub identity: Identity,
    pub ssh: SshStack,
    /// Where `write memory` persists the startup-config (`R1.startup-config`, ...), if anywhere.
    state_dir: Option<PathBuf>,
    store: Mutex<Store>,
}

impl Shared {
    /// Device `index` of `fleet`; its startup-config (and so its running-config, as after a
    /// boot) comes from `state_dir` when a saved one is there.
    pub fn new(fleet: Fleet, index: usize, ssh: SshStack, state_dir: Option<PathBuf>) -> Shared {
        let identity = fleet.identity(index);
        let mut store = Store::default();
        if let Some(dir) = &state_dir
            && let Ok(text) = std::fs::read_to_string(dir.join(state_file(&identity)))
        {
            let saved = Config::parse(&text);
            store.running = Some(saved.clone());
            store.startup = Some(saved);
        }
        Shared {
            fleet,
            identity,
            ssh,
            state_dir,
            store: Mutex::new(store),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic elsewhere cannot leave a half-edited config: edits are single assignments.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn initial(&self) -> Config {
        Config::initial(&self.fleet, &self.identity, self.ssh)
    }

    /// A copy of the running-config.
    pub fn running(&self) -> Config {
        self.lock()
            .running
            .clone()
            .unwrap_or_else(|| self.initial())
    }

    /// The running-config's hostname, without copying the config (every session asks).
    pub fn hostname(&self) -> String {
        match &self.lock().running {
            Some(c) => c.hostname().to_string(),
            None => self.identity.hostname.clone(),
        }
    }

    /// The running-config's `banner KIND` text, without copying the config (every login
    /// asks); an untouched device has the template's banners.
    pub fn banner(&self, kind: &str) -> Option<String> {
        if let Some(c) = &self.lock().running {
            return c.banner(kind);
        }
        static TEMPLATE_CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
        TEMPLATE_CONFIG
            .get_or_init(|| Config::parse(TEMPLATE))
            .banner(kind)
    }

    /// A copy of the startup-config.
    pub fn startup(&self) -> Config {
        self.lock()
            .startup
            .clone()
            .unwrap_or_else(|| self.initial())
    }

    /// When the running-config last changed and when it was last saved (`None`: never since
    /// the emulator started).
    pub fn times(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let s = self.lock();
        (s.changed, s.saved)
    }

    /// Edits the running-config; records the time when `f` changed it.
    pub fn edit<R>(&self, now: DateTime<Utc>, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut s = self.lock();
        let initial = s.running.is_none().then(|| self.initial());
        let cfg = s.running.get_or_insert_with(|| initial.unwrap_or_default());
        let before = cfg.clone();
        let r = f(cfg);
        if *cfg != before {
            s.changed = Some(now);
        }
        r
    }

    /// `write memory`: the running-config becomes the startup-config (and is written to the
    /// state directory when there is one). Returns the saved size in bytes.
    pub fn save(&self, now: DateTime<Utc>) -> std::io::Result<usize> {
        let running = self.running();
        let bytes = running.byte_len();
        if let Some(dir) = &self.state_dir {
            let mut text = running.lines().join("\n");
            text.push('\n');
            // Owner-only: a config holds secrets (hashed, but still) and SNMP communities.
            crate::output::write(
                &dir.join(state_file(&self.identity)),
                text.as_bytes(),
                crate::output::Access::Private,
            )
            .map_err(|e| e.source)?;
        }
        let mut s = self.lock();
        s.startup = Some(running);
        s.saved = Some(now);
        Ok(bytes)
    }
}

/// `R1.startup-config`: the file of device `id` in a state directory.
pub fn state_file(id: &Identity) -> String {
    format!("{}.startup-config", id.hostname)
}

#[cfg(test)]
mod tests;
