//! Configuration commands at the global level: what `apply` does with one typed line.

use std::net::Ipv4Addr;

use super::edit::{
    interface_name, normalized, remove_section, set_banner, set_or_add, valid_hostname, words,
};
use super::mode::{Applied, Ctx, SectionKind};
use super::sub::{address_family, sub};
use super::tree::{Config, Node, prefix_len};
use crate::engine::{keyword, tokens};

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
