//! Ansible inventories, YAML and INI, with group variables inherited as Ansible does:
//! `all`'s variables first, then each group's in order of depth (a child group overrides its
//! parent; groups at the same depth in name order), then the host's own.
//!
//! | variable | fleetbench |
//! | --- | --- |
//! | `ansible_host` (default: the inventory name) | host |
//! | `ansible_port` (or `name:port` in INI) | port |
//! | `ansible_user` | username |
//! | `ansible_password` (`ansible_ssh_pass`) | password |
//! | `ansible_become_password` (`ansible_become_pass`) | enable secret |
//! | `ansible_network_os` (`cisco.ios.ios`, `ios`, ...) | platform (`cisco_ios`, ...) |
//! | `ansible_private_key_file` (`ansible_ssh_private_key_file`) | key file |
//! | `ansible_command_timeout` | per-phase timeout |
//! | `fleetbench_bastion` (`[user@]host[:port]`), `fleetbench_bastion_key_file`, `fleetbench_bastion_password` | the jump host (Ansible itself reads `ansible_paramiko_proxy_command`) |
//!
//! Every other variable is the playbook's business and is ignored. A whole value written as
//! `{{ lookup('env', 'NAME') }}` (or `${NAME}`) is read from the environment.

mod pattern;

use super::Inventory;
use super::attrs::{Attrs, Builder, Source, Value};
use super::error::{DeviceRef, FormatError, InventoryError, Location};
use pattern::Pattern;
use saphyr::{MarkedYaml, YamlData};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Variables, in the order written.
type Vars = Vec<(String, Value)>;

#[derive(Default)]
struct Group {
    vars: Vars,
    children: Vec<String>,
    /// `children` as a set: a group may list many children, and each is linked once.
    child_set: HashSet<String>,
    /// Hosts listed in the group itself, as a set (each host knows its own groups).
    hosts: HashSet<String>,
}

struct Host {
    name: String,
    at: Location,
    /// The first group it was listed in, for messages.
    group: String,
    /// The groups that list it directly, in the order first listed.
    groups: Vec<String>,
    vars: Vars,
}

/// Groups and hosts, as read from either syntax.
#[derive(Default)]
struct Tree {
    groups: BTreeMap<String, Group>,
    hosts: Vec<Host>,
    host_index: HashMap<String, usize>,
}

/// What a group's place in the graph says: its depth below `all` (the longest path, as
/// Ansible computes it).
type Depths<'t> = HashMap<&'t str, usize>;

impl Tree {
    fn group(&mut self, name: &str) -> &mut Group {
        self.groups.entry(name.to_string()).or_default()
    }

    fn link(&mut self, parent: &str, child: &str) {
        let p = self.group(parent);
        if p.child_set.insert(child.to_string()) {
            p.children.push(child.to_string());
        }
        self.group(child);
    }

    fn add_host(&mut self, group: &str, name: &str, at: Location, vars: Vars) {
        let i = match self.host_index.get(name) {
            Some(&i) => i,
            None => {
                self.hosts.push(Host {
                    name: name.to_string(),
                    at,
                    group: group.to_string(),
                    groups: Vec::new(),
                    vars: Vec::new(),
                });
                self.host_index
                    .insert(name.to_string(), self.hosts.len() - 1);
                self.hosts.len() - 1
            }
        };
        self.hosts[i].vars.extend(vars);
        let g = self.group(group);
        if g.hosts.insert(name.to_string()) {
            self.hosts[i].groups.push(group.to_string());
        }
    }

    /// Each group's parents, from the children lists, once.
    fn parents(&self) -> HashMap<&str, Vec<&str>> {
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, g) in &self.groups {
            for c in &g.children {
                parents.entry(c.as_str()).or_default().push(name.as_str());
            }
        }
        parents
    }

    /// Each group's depth below `all` (the longest path, as Ansible computes it), each group
    /// resolved once however many paths lead to it: a graph of shared ancestors ("diamonds")
    /// costs its size, not its number of paths. Iterative, so a deep chain cannot overflow
    /// the stack; an edge back to a group still being resolved (a cycle, which Ansible
    /// refuses) is ignored.
    fn depths<'t>(&'t self, parents: &HashMap<&'t str, Vec<&'t str>>) -> Depths<'t> {
        let mut depth: Depths<'t> = HashMap::with_capacity(self.groups.len());
        let mut open: HashSet<&str> = HashSet::new();
        for name in self.groups.keys() {
            let mut stack: Vec<(&str, usize)> = vec![(name.as_str(), 0)];
            if depth.contains_key(name.as_str()) {
                continue;
            }
            open.insert(name.as_str());
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let ps = parents.get(node).map_or(&[][..], Vec::as_slice);
                if let Some(&p) = ps.get(*next) {
                    *next += 1;
                    if !depth.contains_key(p) && open.insert(p) {
                        stack.push((p, 0));
                    }
                    continue;
                }
                let d = if node == "all" {
                    0
                } else {
                    ps.iter()
                        .filter_map(|p| depth.get(p))
                        .map(|d| d + 1)
                        .max()
                        .unwrap_or(1)
                };
                depth.insert(node, d);
                open.remove(node);
                stack.pop();
            }
        }
        depth
    }

    /// Every group reachable upwards from `direct` (them included, and `all`), each once.
    fn ancestors<'t>(direct: &[&'t str], parents: &HashMap<&'t str, Vec<&'t str>>) -> Vec<&'t str> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = direct.to_vec();
        let mut out = Vec::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            out.push(g);
            if let Some(ps) = parents.get(g) {
                stack.extend(ps.iter().copied());
            }
        }
        if !seen.contains("all") {
            out.push("all");
        }
        out
    }

    fn into_inventory(
        self,
        origin: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Inventory, InventoryError> {
        if self.hosts.is_empty() {
            return Err(InventoryError::NoDevices {
                at: Location {
                    origin: origin.to_string(),
                    line: 1,
                    column: 1,
                },
            });
        }
        let parents = self.parents();
        let depths = self.depths(&parents);
        let mut builder = Builder::new(env);
        let mut devices = Vec::with_capacity(self.hosts.len());
        let mut per_group: HashMap<&str, usize> = HashMap::new();
        // Hosts in the same groups share their groups' variables: merged once per set.
        let mut by_groups: HashMap<Vec<&str>, HashMap<&str, &Value>> = HashMap::new();
        let mut memberships: u64 = 0;
        for host in &self.hosts {
            let mut direct: Vec<&str> = host.groups.iter().map(String::as_str).collect();
            direct.sort_unstable();
            if !by_groups.contains_key(&direct) {
                let mut groups = Tree::ancestors(&direct, &parents);
                memberships += groups.len() as u64;
                if memberships > super::limits::MAX_GROUP_MEMBERSHIPS {
                    return Err(FormatError::GroupGraphTooLarge {
                        origin: origin.to_string(),
                        limit: super::limits::MAX_GROUP_MEMBERSHIPS,
                    }
                    .into());
                }
                groups.sort_by_key(|g| (depths.get(g).copied().unwrap_or(0), *g));
                let mut vars: HashMap<&str, &Value> = HashMap::new();
                for g in groups.iter().filter_map(|g| self.groups.get(*g)) {
                    for (k, v) in &g.vars {
                        vars.insert(k.as_str(), v);
                    }
                }
                by_groups.insert(direct.clone(), vars);
            }
            let mut merged = by_groups.get(&direct).cloned().unwrap_or_default();
            for (k, v) in &host.vars {
                merged.insert(k.as_str(), v);
            }
            let var = |names: &[&'static str]| {
                names
                    .iter()
                    .find_map(|n| merged.get(n).map(|v| (*n, (*v).clone())))
            };
            let attrs = Attrs {
                host: var(&["ansible_host", "ansible_ssh_host"]),
                port: var(&["ansible_port", "ansible_ssh_port"]),
                username: var(&["ansible_user", "ansible_ssh_user"]),
                password: var(&[
                    "ansible_password",
                    "ansible_ssh_pass",
                    "ansible_ssh_password",
                ]),
                secret: var(&["ansible_become_password", "ansible_become_pass"]),
                platform: var(&["ansible_network_os"]),
                timeout: var(&["ansible_command_timeout"]),
                key_file: var(&["ansible_private_key_file", "ansible_ssh_private_key_file"]),
                bastion: var(&["fleetbench_bastion"]),
                bastion_key_file: var(&["fleetbench_bastion_key_file"]),
                bastion_password: var(&["fleetbench_bastion_password"]),
                ssh_config_file: None,
            };
            let n = per_group.entry(host.group.as_str()).or_insert(0);
            *n += 1;
            let dref = DeviceRef {
                index: *n,
                label: Some(host.name.clone()),
                group: Some(host.group.clone()),
            };
            devices.push(builder.device(&host.name, &host.at, &dref, attrs, "ansible_user")?);
        }
        Ok(Inventory {
            devices,
            warnings: Vec::new(),
        })
    }
}

/// An Ansible YAML inventory: `all: {hosts, vars, children: {group: {...}}}` (or groups at
/// the top level).
pub fn parse_yaml(
    text: &str,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Inventory, InventoryError> {
    let src = Source::new(origin.to_string(), text);
    let Some(root) = src.load()? else {
        return Err(InventoryError::EmptyFile {
            origin: origin.to_string(),
        });
    };
    let YamlData::Mapping(top) = &root.data else {
        return Err(shape(
            &src,
            &root,
            "the top level",
            "a mapping of group name to group",
        ));
    };
    let mut tree = Tree::default();
    tree.group("all");
    for (k, v) in top {
        let name = src
            .key(k)
            .ok_or_else(|| shape(&src, k, "a group name", "text"))?;
        if name != "all" {
            tree.link("all", &name);
        }
        yaml_group(&src, &mut tree, &name, v)?;
    }
    tree.into_inventory(origin, env)
}

fn yaml_group(
    src: &Source<'_>,
    tree: &mut Tree,
    name: &str,
    node: &MarkedYaml<'_>,
) -> Result<(), InventoryError> {
    let what = format!("group '{name}'");
    let map = match &node.data {
        YamlData::Mapping(m) => m,
        YamlData::Value(saphyr::Scalar::Null) => return Ok(()),
        _ => {
            return Err(shape(
                src,
                node,
                &what,
                "a mapping with hosts, vars or children",
            ));
        }
    };
    for (k, v) in map {
        match src.key(k).as_deref() {
            Some("hosts") => match &v.data {
                YamlData::Mapping(hosts) => {
                    for (hk, hv) in hosts {
                        let host = src.key(hk).ok_or_else(|| {
                            shape(src, hk, &format!("{what}: a host name"), "text")
                        })?;
                        let vars = yaml_vars(src, hv, &format!("host '{host}'"))?;
                        tree.add_host(name, &host, src.at(&hk.span.start), vars);
                    }
                }
                YamlData::Value(saphyr::Scalar::Null) => {}
                _ => {
                    return Err(shape(
                        src,
                        v,
                        &format!("{what}: hosts"),
                        "a mapping of host name to variables",
                    ));
                }
            },
            Some("vars") => {
                let vars = yaml_vars(src, v, &format!("{what}: vars"))?;
                tree.group(name).vars.extend(vars);
            }
            Some("children") => match &v.data {
                YamlData::Mapping(children) => {
                    for (ck, cv) in children {
                        let child = src.key(ck).ok_or_else(|| {
                            shape(src, ck, &format!("{what}: a child group name"), "text")
                        })?;
                        tree.link(name, &child);
                        yaml_group(src, tree, &child, cv)?;
                    }
                }
                YamlData::Value(saphyr::Scalar::Null) => {}
                _ => {
                    return Err(shape(
                        src,
                        v,
                        &format!("{what}: children"),
                        "a mapping of group name to group",
                    ));
                }
            },
            other => {
                return Err(FormatError::UnknownField {
                    at: src.at(&k.span.start),
                    what,
                    key: other.unwrap_or("?").to_string(),
                    expected: "hosts, vars, children",
                }
                .into());
            }
        }
    }
    Ok(())
}

fn yaml_vars(src: &Source<'_>, node: &MarkedYaml<'_>, what: &str) -> Result<Vars, InventoryError> {
    match &node.data {
        YamlData::Mapping(m) => m
            .iter()
            .map(|(k, v)| {
                src.key(k)
                    .map(|k| (k, src.value(v)))
                    .ok_or_else(|| shape(src, k, &format!("{what}: a variable name"), "text"))
            })
            .collect(),
        YamlData::Value(saphyr::Scalar::Null) => Ok(Vec::new()),
        _ => Err(shape(src, node, what, "a mapping of variables")),
    }
}

fn shape(
    src: &Source<'_>,
    node: &MarkedYaml<'_>,
    what: &str,
    expected: &'static str,
) -> InventoryError {
    let v = src.value(node);
    FormatError::Shape {
        at: v.at,
        what: what.to_string(),
        expected,
        found: match v.kind {
            super::attrs::Kind::Collection => v.text,
            super::attrs::Kind::Null => "null".into(),
            _ => format!("{:?}", v.text),
        },
    }
    .into()
}

/// An Ansible INI inventory: `[group]` host lines (`name key=value ...`), `[group:vars]`
/// (`key=value`), `[group:children]` (group names); hosts before any header are ungrouped.
/// Host names may hold numeric ranges (`r[01:20]`) and a port (`name:2222`).
pub fn parse_ini(
    text: &str,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Inventory, InventoryError> {
    let mut tree = Tree::default();
    tree.group("all");
    tree.link("all", "ungrouped");
    enum Section {
        Hosts(String),
        Vars(String),
        Children(String),
    }
    let mut section = Section::Hosts("ungrouped".into());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        let at = |col: usize| Location {
            origin: origin.to_string(),
            line: i + 1,
            column: indent + col + 1,
        };
        let err = |col: usize, message: String| -> InventoryError {
            FormatError::Ini {
                at: at(col),
                message,
            }
            .into()
        };
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let Some(header) = header.strip_suffix(']') else {
                return Err(err(
                    0,
                    format!("a section header must end with ']': {line}"),
                ));
            };
            let (name, kind) = header.split_once(':').unwrap_or((header, ""));
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(err(1, format!("bad group name {name:?}")));
            }
            section = match kind {
                "" => Section::Hosts(name.to_string()),
                "vars" => Section::Vars(name.to_string()),
                "children" => Section::Children(name.to_string()),
                other => {
                    return Err(err(
                        name.len() + 2,
                        format!("unknown section kind ':{other}' (expected :vars or :children)"),
                    ));
                }
            };
            if name != "all" && name != "ungrouped" {
                tree.link("all", name);
            }
            tree.group(name);
            continue;
        }
        match &section {
            Section::Vars(group) => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(err(
                        0,
                        format!("expected key=value in [{group}:vars], got {line:?}"),
                    ));
                };
                let v = v.trim();
                let col = line.find(v).unwrap_or(0);
                // Group variables are strings in INI, except that Ansible's connection plugins
                // convert ports; keep the number so `ansible_port=2222` works either way.
                let value = Value::ini(at(col), &unquote(v));
                tree.group(group).vars.push((k.trim().to_string(), value));
            }
            Section::Children(group) => {
                tree.link(group, line);
            }
            Section::Hosts(group) => {
                let words = shlex::split(line)
                    .ok_or_else(|| err(0, format!("unbalanced quotes in {line:?}")))?;
                let Some((pattern, rest)) = words.split_first() else {
                    continue;
                };
                let mut vars = Vars::new();
                for w in rest {
                    let Some((k, v)) = w.split_once('=') else {
                        return Err(err(
                            line.find(w.as_str()).unwrap_or(0),
                            format!("expected key=value after the host name, got {w:?}"),
                        ));
                    };
                    let col = line.find(&format!("{k}=")).map_or(0, |c| c + k.len() + 1);
                    vars.push((k.to_string(), Value::ini(at(col), v)));
                }
                let (pattern, port) = match pattern.rsplit_once(':') {
                    Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => {
                        (h.to_string(), Some(p))
                    }
                    _ => (pattern.clone(), None),
                };
                if let Some(p) = port {
                    let col = line.find(&format!(":{p}")).map_or(0, |c| c + 1);
                    vars.insert(0, ("ansible_port".into(), Value::ini(at(col), p)));
                }
                let pattern_ = Pattern::parse(&pattern).map_err(|m| err(0, m))?;
                // The product of the pattern's ranges, against what the inventory may still
                // hold, before a single name is made.
                let hosts = pattern_.hosts();
                let total = hosts + tree.hosts.len() as u128;
                if total > u128::from(super::limits::MAX_HOSTS) {
                    return Err(FormatError::TooManyHosts {
                        at: at(0),
                        pattern: pattern.clone(),
                        hosts,
                        total,
                        limit: super::limits::MAX_HOSTS,
                    }
                    .into());
                }
                for name in pattern_.names() {
                    tree.add_host(group, &name, at(0), vars.clone());
                }
            }
        }
    }
    tree.into_inventory(origin, env)
}

/// A quoted `:vars` value, as Ansible's literal evaluation reads it: `"..."` with escapes
/// (JSON's are a subset of Python's), `'...'` verbatim.
fn unquote(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(v) {
            return s;
        }
    }
    match v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(inner) => inner.to_string(),
        None => v.to_string(),
    }
}
