//! Edits of the config tree shared by the commands: children, sections, banners, words.

use super::mode::Applied;
use super::tree::{Config, Node, starts_with_words};
use crate::engine::keyword;
use crate::identity::PHYSICAL;

/// Adds a child line unless the same line is there already.
pub(super) fn add_child(node: &mut Node, text: String) {
    if !node.children.contains(&text) {
        insert_child(node, text);
    }
}

/// Replaces the child whose first `keep` words match `text`'s (or adds it).
pub(super) fn replace_child(node: &mut Node, keep: usize, text: String) {
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
pub(super) fn insert_child(node: &mut Node, text: String) {
    let at = node
        .children
        .iter()
        .position(|c| c == " !" || c.starts_with(" address-family "))
        .unwrap_or(node.children.len());
    node.children.insert(at, text);
}

pub(super) fn remove_section(cfg: &mut Config, header: &str) {
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

pub(super) fn set_banner(cfg: &mut Config, kind: &str, text: &str) {
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
pub(super) fn valid_hostname(s: &str) -> bool {
    s.len() <= 63
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The line with its first `spelled.len()` words replaced by their full spelling.
pub(super) fn normalized(line: &str, spelled: &[&str]) -> String {
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

pub(super) fn set_or_add(cfg: &mut Config, key: &[&str], line: &str) {
    let text = normalized(line, key);
    cfg.remove_top(&words(key));
    cfg.insert_top(Node::new(text), key[0]);
}

pub(super) fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}
