//! Configuration commands inside a sub-mode (`interface`, `router`, `line`, address families).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::edit::{add_child, insert_child, normalized, replace_child};
use super::mode::{Applied, Ctx, SectionKind};
use super::tree::{Config, prefix_len, starts_with_words};
use crate::engine::keyword;

/// Commands of a section sub-mode.
pub(super) fn sub(
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

pub(super) fn address_family(
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
