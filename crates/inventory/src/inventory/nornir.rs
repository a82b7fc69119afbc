//! Nornir's `SimpleInventory`: `hosts.yaml`, with `groups.yaml` and `defaults.yaml` beside it
//! (or where a Nornir `config.yaml` points), resolved the way Nornir resolves them.
//!
//! A host's attribute (`hostname`, `port`, `username`, `password`, `platform`) is its own if
//! set, else the first of its groups (in order, each group's own parents depth-first) that
//! sets it, else `defaults`. Connection options for `netmiko` resolve the same way as a
//! whole (the first level that has them), override the base attributes they set, and give
//! the enable secret (`extras: {secret: ...}`, as nornir_netmiko passes it to netmiko),
//! `timeout` and `key_file`. `hostname` defaults to the host's name. `platform` takes netmiko
//! names or NAPALM/Ansible short names (`ios`, `eos`, ...), mapped like nornir_netmiko does.

use super::attrs::{Attrs, Builder, Source, Value};
use super::error::{DeviceRef, FormatError, InventoryError, Location};
use super::{Inventory, keys};
use saphyr::{MarkedYaml, YamlData};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The three files of a SimpleInventory; the last two are optional.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    pub hosts: PathBuf,
    pub groups: Option<PathBuf>,
    pub defaults: Option<PathBuf>,
}

impl Files {
    /// `hosts.yaml` and whichever of `groups.yaml`/`defaults.yaml` (or `.yml`) exist beside it.
    pub fn beside(hosts: &Path) -> Files {
        let dir = hosts.parent().unwrap_or(Path::new(""));
        let find = |stem: &str| {
            ["yaml", "yml"]
                .iter()
                .map(|ext| dir.join(format!("{stem}.{ext}")))
                .find(|p| p.is_file())
        };
        Files {
            hosts: hosts.to_path_buf(),
            groups: find("groups"),
            defaults: find("defaults"),
        }
    }

    /// A folder holding `hosts.yaml`.
    pub fn in_dir(dir: &Path) -> Option<Files> {
        ["hosts.yaml", "hosts.yml"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .map(|h| Files::beside(&h))
    }
}

const HOST_KEYS: &str =
    "hostname, port, username, password, platform, groups, data, connection_options";
const CONN_KEYS: &str = "hostname, port, username, password, platform, extras";

/// Attributes of one host, group or the defaults, as written.
#[derive(Default)]
struct Entity {
    at: Option<Location>,
    base: HashMap<&'static str, Value>,
    groups: Vec<(String, Location)>,
    /// `connection_options.netmiko`, if this entity has it.
    netmiko: Option<Conn>,
}

#[derive(Default, Clone)]
struct Conn {
    base: HashMap<&'static str, Value>,
    extras: HashMap<&'static str, Value>,
}

const BASE: [&str; 5] = ["hostname", "port", "username", "password", "platform"];
/// The keys of `data` fleetbench reads: the jump host.
const DATA_KEYS: [&str; 3] = ["bastion", "bastion_key_file", "bastion_password"];

struct Reader<'a> {
    warnings: Vec<String>,
    warned: HashSet<String>,
    src: &'a Source<'a>,
}

impl Reader<'_> {
    fn entity(
        &mut self,
        node: &MarkedYaml<'_>,
        what: &str,
        groups_allowed: bool,
    ) -> Result<Entity, InventoryError> {
        let src = self.src;
        let mut e = Entity {
            at: Some(src.at(&node.span.start)),
            ..Entity::default()
        };
        let map = match &node.data {
            YamlData::Mapping(m) => m,
            YamlData::Value(saphyr::Scalar::Null) => return Ok(e),
            _ => return Err(shape(src, node, what, "a mapping of attributes")),
        };
        for (k, v) in map {
            let key = src.key(k).unwrap_or_default();
            match key.as_str() {
                "groups" if groups_allowed => match &v.data {
                    YamlData::Sequence(items) => {
                        for item in items {
                            let g = src.key(item).ok_or_else(|| {
                                shape(src, item, &format!("{what}: a group name"), "text")
                            })?;
                            e.groups.push((g, src.at(&item.span.start)));
                        }
                    }
                    YamlData::Value(saphyr::Scalar::Null) => {}
                    _ => {
                        return Err(shape(src, v, &format!("{what}: groups"), "a list of names"));
                    }
                },
                // fleetbench's jump host keys live in `data` (Nornir passes it to no plugin).
                "data" => {
                    if let YamlData::Mapping(data) = &v.data {
                        for (dk, dv) in data {
                            let dkey = src.key(dk).unwrap_or_default();
                            if let Some(name) = DATA_KEYS.iter().copied().find(|n| *n == dkey) {
                                e.base.insert(name, src.value(dv));
                            }
                        }
                    }
                }
                "connection_options" => {
                    let YamlData::Mapping(conns) = &v.data else {
                        if matches!(v.data, YamlData::Value(saphyr::Scalar::Null)) {
                            continue;
                        }
                        return Err(shape(
                            src,
                            v,
                            &format!("{what}: connection_options"),
                            "a mapping of connection name to options",
                        ));
                    };
                    for (ck, cv) in conns {
                        if src.key(ck).as_deref() == Some("netmiko") {
                            e.netmiko = Some(self.conn(cv, what)?);
                        }
                    }
                }
                k if BASE.contains(&k) => {
                    let name = BASE.iter().copied().find(|b| *b == k).unwrap_or("hostname");
                    e.base.insert(name, src.value(v));
                }
                other => {
                    return Err(FormatError::UnknownField {
                        at: src.at(&k.span.start),
                        what: what.to_string(),
                        key: other.to_string(),
                        expected: HOST_KEYS,
                    }
                    .into());
                }
            }
        }
        Ok(e)
    }

    fn conn(&mut self, node: &MarkedYaml<'_>, what: &str) -> Result<Conn, InventoryError> {
        let src = self.src;
        let what = format!("{what}: connection_options.netmiko");
        let mut c = Conn::default();
        let map = match &node.data {
            YamlData::Mapping(m) => m,
            YamlData::Value(saphyr::Scalar::Null) => return Ok(c),
            _ => return Err(shape(src, node, &what, "a mapping")),
        };
        for (k, v) in map {
            let key = src.key(k).unwrap_or_default();
            match key.as_str() {
                "extras" => {
                    let YamlData::Mapping(extras) = &v.data else {
                        if matches!(v.data, YamlData::Value(saphyr::Scalar::Null)) {
                            continue;
                        }
                        return Err(shape(src, v, &format!("{what}.extras"), "a mapping"));
                    };
                    for (ek, ev) in extras {
                        let ekey = src.key(ek).unwrap_or_default();
                        match ekey.as_str() {
                            "secret" => drop(c.extras.insert("secret", src.value(ev))),
                            "timeout" => drop(c.extras.insert("timeout", src.value(ev))),
                            "key_file" => drop(c.extras.insert("key_file", src.value(ev))),
                            "ssh_config_file" => {
                                drop(c.extras.insert("ssh_config_file", src.value(ev)))
                            }
                            other if keys::NETMIKO_IGNORED.contains(&other) => {
                                if self.warned.insert(other.to_string()) {
                                    self.warnings.push(format!(
                                        "{}: ignoring netmiko option '{other}' (fleetbench does \
                                         not use it; warned once for all devices)",
                                        src.at(&ek.span.start)
                                    ));
                                }
                            }
                            other => {
                                return Err(FormatError::UnknownField {
                                    at: src.at(&ek.span.start),
                                    what: format!("{what}.extras"),
                                    key: other.to_string(),
                                    expected: "secret, timeout, key_file, ssh_config_file (or a \
                                               netmiko option, ignored)",
                                }
                                .into());
                            }
                        }
                    }
                }
                k if BASE.contains(&k) => {
                    let name = BASE.iter().copied().find(|b| *b == k).unwrap_or("hostname");
                    c.base.insert(name, src.value(v));
                }
                other => {
                    return Err(FormatError::UnknownField {
                        at: src.at(&k.span.start),
                        what,
                        key: other.to_string(),
                        expected: CONN_KEYS,
                    }
                    .into());
                }
            }
        }
        Ok(c)
    }

    /// The top-level mapping of name to entity, in file order.
    fn entities(
        &mut self,
        root: Option<&MarkedYaml<'_>>,
        kind: &str,
    ) -> Result<Vec<(String, Entity)>, InventoryError> {
        let src = self.src;
        let Some(root) = root else {
            return Ok(Vec::new());
        };
        let YamlData::Mapping(map) = &root.data else {
            return Err(shape(
                src,
                root,
                &format!("the {kind}s file"),
                "a mapping of name to attributes",
            ));
        };
        let mut out = Vec::with_capacity(map.len());
        for (k, v) in map {
            let name = src
                .key(k)
                .ok_or_else(|| shape(src, k, &format!("a {kind} name"), "text"))?;
            let e = self.entity(v, &format!("{kind} '{name}'"), true)?;
            out.push((name, e));
        }
        Ok(out)
    }
}

fn shape(
    src: &Source<'_>,
    node: &MarkedYaml<'_>,
    what: &str,
    expected: &'static str,
) -> InventoryError {
    FormatError::Shape {
        at: src.at(&node.span.start),
        what: what.to_string(),
        expected,
        found: match &node.data {
            YamlData::Sequence(_) => "a list".into(),
            YamlData::Mapping(_) => "a mapping".into(),
            _ => src.key(node).map_or("null".into(), |t| format!("{t:?}")),
        },
    }
    .into()
}

/// Each file under the same size limit as a netmiko inventory.
fn read(path: &Path) -> Result<String, InventoryError> {
    super::limits::read_bounded(path, &path.display().to_string())
}

/// Loads a SimpleInventory.
pub fn load(
    files: &Files,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Inventory, InventoryError> {
    let hosts_text = read(&files.hosts)?;
    let groups_text = files.groups.as_deref().map(read).transpose()?;
    let defaults_text = files.defaults.as_deref().map(read).transpose()?;
    let hosts_src = Source::new(files.hosts.display().to_string(), &hosts_text);
    let groups_src = files
        .groups
        .as_ref()
        .zip(groups_text.as_deref())
        .map(|(p, t)| Source::new(p.display().to_string(), t));
    let defaults_src = files
        .defaults
        .as_ref()
        .zip(defaults_text.as_deref())
        .map(|(p, t)| Source::new(p.display().to_string(), t));

    let mut warnings = Vec::new();
    let mut warned = HashSet::new();
    let mut run = |src: &Source<'_>, kind: &str| -> Result<Vec<(String, Entity)>, InventoryError> {
        let root = src.load()?;
        let mut r = Reader {
            warnings: std::mem::take(&mut warnings),
            warned: std::mem::take(&mut warned),
            src,
        };
        let out = r.entities(root.as_ref(), kind);
        warnings = r.warnings;
        warned = r.warned;
        out
    };
    let hosts = run(&hosts_src, "host")?;
    let groups: HashMap<String, Entity> = match &groups_src {
        Some(src) => run(src, "group")?.into_iter().collect(),
        None => HashMap::new(),
    };
    let defaults = match &defaults_src {
        Some(src) => {
            let root = src.load()?;
            let mut r = Reader {
                warnings: std::mem::take(&mut warnings),
                warned: std::mem::take(&mut warned),
                src,
            };
            let d = match &root {
                Some(root) => r.entity(root, "defaults", false)?,
                None => Entity::default(),
            };
            warnings = r.warnings;
            d
        }
        None => Entity::default(),
    };
    if hosts.is_empty() {
        return Err(InventoryError::NoDevices {
            at: Location {
                origin: hosts_src.origin.clone(),
                line: 1,
                column: 1,
            },
        });
    }

    let groups_file = files.groups.as_ref().map(|p| p.display().to_string());
    let mut builder = Builder::new(env);
    let mut devices = Vec::with_capacity(hosts.len());
    let mut resolved: HashMap<&str, Resolved<'_>> = HashMap::new();
    for (i, (name, host)) in hosts.iter().enumerate() {
        let what = format!("host '{name}'");
        resolve(
            &host.groups,
            &groups,
            &mut resolved,
            &what,
            groups_file.as_deref(),
        )?;
        // The host itself, then each of its groups as resolved (its own attributes, then its
        // parents' in Nornir's depth-first order), then the defaults.
        let of_groups = || {
            host.groups
                .iter()
                .filter_map(|(g, _)| resolved.get(g.as_str()))
        };
        let get = |key: &'static str| {
            host.base
                .get(key)
                .or_else(|| of_groups().find_map(|r| r.base.get(key).copied()))
                .or_else(|| defaults.base.get(key))
                .cloned()
        };
        let conn = host
            .netmiko
            .as_ref()
            .or_else(|| of_groups().find_map(|r| r.netmiko))
            .or(defaults.netmiko.as_ref())
            .cloned()
            .unwrap_or_default();
        let pick = |key: &'static str| {
            conn.base
                .get(key)
                .cloned()
                .or_else(|| get(key))
                .map(|v| (key, v))
        };
        let attrs = Attrs {
            host: pick("hostname"),
            port: pick("port"),
            username: pick("username"),
            password: pick("password"),
            secret: conn.extras.get("secret").cloned().map(|v| ("secret", v)),
            platform: pick("platform"),
            timeout: conn.extras.get("timeout").cloned().map(|v| ("timeout", v)),
            key_file: conn
                .extras
                .get("key_file")
                .cloned()
                .map(|v| ("key_file", v)),
            bastion: get("bastion").map(|v| ("bastion", v)),
            bastion_key_file: get("bastion_key_file").map(|v| ("bastion_key_file", v)),
            bastion_password: get("bastion_password").map(|v| ("bastion_password", v)),
            ssh_config_file: conn
                .extras
                .get("ssh_config_file")
                .cloned()
                .map(|v| ("ssh_config_file", v)),
        };
        let at = host.at.clone().unwrap_or(Location {
            origin: hosts_src.origin.clone(),
            line: 1,
            column: 1,
        });
        let dref = DeviceRef {
            index: i + 1,
            label: Some(name.clone()),
            group: None,
        };
        devices.push(builder.device(name, &at, &dref, attrs, "username")?);
    }
    Ok(Inventory { devices, warnings })
}

/// A group's attributes after inheritance: its own, else the first of its parents' (in
/// order, each resolved the same way), which is what Nornir's depth-first lookup finds first.
struct Resolved<'g> {
    base: HashMap<&'static str, &'g Value>,
    netmiko: Option<&'g Conn>,
}

/// Resolves the groups `refs` name, and all their ancestors, into `memo`, each group once
/// however many paths lead to it (a graph of shared ancestors costs its size, not its number
/// of paths), iteratively (a deep chain cannot overflow the stack). A group that is not
/// defined, or a cycle, is reported for `what` (the host that reached it first) at the
/// reference that names it.
fn resolve<'g>(
    refs: &[(String, Location)],
    groups: &'g HashMap<String, Entity>,
    memo: &mut HashMap<&'g str, Resolved<'g>>,
    what: &str,
    groups_file: Option<&str>,
) -> Result<(), InventoryError> {
    let lookup = |g: &str, at: &Location| {
        groups.get_key_value(g).ok_or_else(|| {
            InventoryError::from(FormatError::UnknownGroup {
                at: at.clone(),
                what: what.to_string(),
                group: g.to_string(),
                defined_in: groups_file.map(str::to_string),
            })
        })
    };
    for (g, at) in refs {
        let (name, _) = lookup(g, at)?;
        if memo.contains_key(name.as_str()) {
            continue;
        }
        let mut open: HashSet<&str> = HashSet::from([name.as_str()]);
        let mut stack: Vec<(&'g str, &'g Entity, usize)> = vec![(name.as_str(), &groups[name], 0)];
        while let Some((node, entity, next)) = stack.last_mut() {
            if let Some((p, p_at)) = entity.groups.get(*next) {
                *next += 1;
                let (pname, pentity) = lookup(p, p_at)?;
                if memo.contains_key(pname.as_str()) {
                    continue;
                }
                if !open.insert(pname.as_str()) {
                    return Err(FormatError::GroupCycle {
                        at: p_at.clone(),
                        what: what.to_string(),
                        group: p.clone(),
                    }
                    .into());
                }
                stack.push((pname.as_str(), pentity, 0));
                continue;
            }
            let (node, entity) = (*node, *entity);
            let mut r = Resolved {
                base: entity.base.iter().map(|(k, v)| (*k, v)).collect(),
                netmiko: entity.netmiko.as_ref(),
            };
            for parent in entity
                .groups
                .iter()
                .filter_map(|(p, _)| memo.get(p.as_str()))
            {
                for (k, v) in &parent.base {
                    r.base.entry(k).or_insert(v);
                }
                r.netmiko = r.netmiko.or(parent.netmiko);
            }
            memo.insert(node, r);
            open.remove(node);
            stack.pop();
        }
    }
    Ok(())
}
