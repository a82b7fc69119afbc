//! Which of the inventory formats a path holds, told from its content (and, for Nornir, the
//! files beside it), and the one entry point that reads any of them.

use super::error::{FormatError, InventoryError, Location};
use super::nornir::{self, Files};
use super::{Inventory, ansible};
use crate::algorithms::Support;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::path::{Path, PathBuf};

/// The inventory formats fleetbench reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The classic netmiko `devices.yaml`.
    Netmiko,
    /// A Nornir SimpleInventory (`hosts.yaml`, `groups.yaml`, `defaults.yaml`).
    Nornir,
    /// An Ansible YAML inventory (`all: {children: ...}`).
    AnsibleYaml,
    /// An Ansible INI inventory (`[routers]` sections).
    AnsibleIni,
}

impl Format {
    pub const NAMES: &str = "netmiko, nornir, ansible (YAML) or ansible-ini";

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "netmiko" => Some(Format::Netmiko),
            "nornir" => Some(Format::Nornir),
            "ansible" | "ansible-yaml" => Some(Format::AnsibleYaml),
            "ansible-ini" | "ini" => Some(Format::AnsibleIni),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Netmiko => "netmiko",
            Format::Nornir => "nornir",
            Format::AnsibleYaml => "ansible",
            Format::AnsibleIni => "ansible-ini",
        }
    }

    /// The format a file to be written is meant to have, from its name: `*.ini` or a bare
    /// `hosts`/`inventory` is Ansible INI; a name with `ansible` in it is Ansible YAML;
    /// `hosts.yaml`, or a directory (an existing one, or a path ending in `/`), is Nornir;
    /// anything else is netmiko.
    pub fn for_output(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
            Format::Nornir
        } else if ext.as_deref() == Some("ini") || name == "hosts" || name == "inventory" {
            Format::AnsibleIni
        } else if name.contains("ansible") {
            Format::AnsibleYaml
        } else if name == "hosts.yaml" || name == "hosts.yml" {
            Format::Nornir
        } else {
            Format::Netmiko
        }
    }
}

/// Where a detected inventory's data is.
#[derive(Debug, Clone, PartialEq)]
pub enum Detected {
    Netmiko,
    Nornir(Files),
    AnsibleYaml,
    AnsibleIni,
}

/// Reads the inventory at `path` (a file, or a Nornir folder), whatever its format.
pub fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    ssh: &dyn Support,
) -> Result<Inventory, InventoryError> {
    let read = |p: &Path| super::limits::read_bounded(p, &p.display().to_string());
    if path.is_dir() {
        let files = Files::in_dir(path).ok_or_else(|| InventoryError::Read {
            path: path.join("hosts.yaml"),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "a folder given as an inventory must hold a Nornir hosts.yaml",
            ),
        })?;
        return nornir::load(&files, env);
    }
    let text = read(path)?;
    let origin = path.display().to_string();
    match detect(path, &text)? {
        Detected::Netmiko => super::parse_with_env(&text, &origin, env, ssh),
        Detected::Nornir(files) => nornir::load(&files, env),
        Detected::AnsibleYaml => ansible::parse_yaml(&text, &origin, env),
        Detected::AnsibleIni => ansible::parse_ini(&text, &origin, env),
    }
}

/// Tells the format of `text` (read from `path`). Anything that is not recognisably Nornir or
/// Ansible is netmiko, whose reader then gives its own located errors.
pub fn detect(path: &Path, text: &str) -> Result<Detected, InventoryError> {
    if looks_like_ini(text) {
        return Ok(Detected::AnsibleIni);
    }
    // Telling the format builds a tree, which would expand every alias: the byte budget first.
    super::limits::check_aliases(
        text,
        &path.display().to_string(),
        super::limits::alias_budget(text.len()),
    )?;
    let Ok(docs) = MarkedYaml::load_from_str(text) else {
        return Ok(Detected::Netmiko);
    };
    let Some(YamlData::Mapping(top)) = docs.first().map(|d| &d.data) else {
        return Ok(Detected::Netmiko);
    };
    let key = |n: &MarkedYaml<'_>| match &n.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        _ => None,
    };
    let keys_of = |n: &MarkedYaml<'_>| -> Option<Vec<String>> {
        match &n.data {
            YamlData::Mapping(m) => Some(m.iter().filter_map(|(k, _)| key(k)).collect()),
            _ => None,
        }
    };
    // A Nornir config.yaml: `inventory: {plugin: SimpleInventory, options: {...}}`.
    if let Some((_, inv)) = top
        .iter()
        .find(|(k, _)| key(k).as_deref() == Some("inventory"))
        && let Some(ks) = keys_of(inv)
        && ks.iter().any(|k| k == "plugin" || k == "options")
    {
        return nornir_config(path, inv).map(Detected::Nornir);
    }
    let values: Vec<&MarkedYaml<'_>> = top.iter().map(|(_, v)| v).collect();
    let ansible = values.iter().any(|v| {
        keys_of(v).is_some_and(|ks| {
            !ks.is_empty()
                && ks
                    .iter()
                    .all(|k| matches!(k.as_str(), "hosts" | "children" | "vars"))
        })
    });
    if ansible {
        return Ok(Detected::AnsibleYaml);
    }
    let all_entities = values
        .iter()
        .all(|v| matches!(v.data, YamlData::Mapping(_) | YamlData::Value(Scalar::Null)));
    let nornir_keys = values.iter().any(|v| {
        keys_of(v).is_some_and(|ks| {
            ks.iter().any(|k| {
                matches!(
                    k.as_str(),
                    "hostname" | "groups" | "platform" | "data" | "connection_options"
                )
            })
        })
    });
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string());
    let files = Files::beside(path);
    let beside =
        stem.as_deref() == Some("hosts") && (files.groups.is_some() || files.defaults.is_some());
    if all_entities && (nornir_keys || beside) {
        return Ok(Detected::Nornir(files));
    }
    Ok(Detected::Netmiko)
}

/// INI: the first line with content is a `[group]`, `[group:vars]` or `[group:children]`
/// header, or a host line with `key=value` settings.
fn looks_like_ini(text: &str) -> bool {
    let Some(first) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
    else {
        return false;
    };
    if let Some(inner) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let (name, kind) = inner.split_once(':').unwrap_or((inner, ""));
        return !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && matches!(kind, "" | "vars" | "children");
    }
    let mut words = first.split_whitespace();
    words.next().is_some_and(|h| {
        !h.contains([':', '='])
            || h.rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    }) && words.clone().next().is_some()
        && words.all(|w| {
            w.split_once('=')
                .is_some_and(|(k, _)| !k.is_empty() && !k.contains(':'))
        })
}

fn get<'a, 'b>(n: &'a MarkedYaml<'b>, want: &str) -> Option<&'a MarkedYaml<'b>> {
    match &n.data {
        YamlData::Mapping(m) => m
            .iter()
            .find(|(k, _)| matches!(&k.data, YamlData::Value(Scalar::String(s)) if s == want))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The SimpleInventory files a Nornir `config.yaml` names (relative paths are taken from the
/// config's folder when they exist there, else from the working directory, as Nornir does).
fn nornir_config(path: &Path, inv: &MarkedYaml<'_>) -> Result<Files, InventoryError> {
    let origin = path.display().to_string();
    let at = |n: &MarkedYaml<'_>| Location {
        origin: origin.clone(),
        line: n.span.start.line(),
        column: n.span.start.col() + 1,
    };
    let text = |n: &MarkedYaml<'_>| match &n.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        _ => None,
    };
    if let Some(plugin) = get(inv, "plugin") {
        let name = text(plugin).unwrap_or_default();
        if name != "SimpleInventory" {
            return Err(FormatError::Shape {
                at: at(plugin),
                what: "inventory.plugin".into(),
                expected: "SimpleInventory (the only Nornir inventory plugin fleetbench reads)",
                found: format!("{name:?}"),
            }
            .into());
        }
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let opts = get(inv, "options");
    let file = |key: &str, default: &str| -> PathBuf {
        let given = opts.and_then(|o| get(o, key)).and_then(text);
        let rel = PathBuf::from(given.as_deref().unwrap_or(default));
        let beside = dir.join(&rel);
        if rel.is_absolute() || !beside.exists() {
            rel
        } else {
            beside
        }
    };
    let hosts = file("host_file", "hosts.yaml");
    let groups = file("group_file", "groups.yaml");
    let defaults = file("defaults_file", "defaults.yaml");
    Ok(Files {
        hosts,
        groups: groups.is_file().then_some(groups),
        defaults: defaults.is_file().then_some(defaults),
    })
}
