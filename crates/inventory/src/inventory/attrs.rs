//! What the Nornir and Ansible readers share: a device's attributes after inheritance, each
//! value remembering the file, line and column it came from (a group's `port` is reported in
//! `groups.yaml`), validated into a [`Device`] with the same rules and messages as the
//! netmiko reader.

use super::error::{DeviceRef, InventoryError, Location};
use crate::device::{DEFAULT_TIMEOUT, Device};
use crate::secret::Secret;
use saphyr::{MarkedYaml, Scalar, YamlData};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// One scalar as written, with where it was written.
#[derive(Debug, Clone)]
pub(super) struct Value {
    pub at: Location,
    pub kind: Kind,
    /// The text as written in the file (numbers keep their leading zeros: `0123`).
    pub text: String,
    /// Never templated by Ansible (`!unsafe`, or the whole value in `{% raw %}...{% endraw %}`),
    /// so never an environment lookup either: the text is the value.
    pub literal: bool,
}

/// Ansible's template markers: a value holding one is rendered by Jinja unless marked.
pub(super) fn templated(v: &str) -> bool {
    v.contains("{{") || v.contains("{%") || v.contains("{#")
}

/// The text inside a whole-value `{% raw %}...{% endraw %}` (any spacing inside the tags).
fn raw_block(v: &str) -> Option<&str> {
    let open = v.strip_prefix("{%")?;
    let close_at = open.find("%}")?;
    if open[..close_at].trim() != "raw" {
        return None;
    }
    let body = &open[close_at + 2..];
    let end_open = body.rfind("{%")?;
    let tail = body[end_open + 2..].strip_suffix("%}")?;
    (tail.trim() == "endraw").then_some(&body[..end_open])
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Null,
    Text,
    Int(i64),
    Float(f64),
    Bool,
    /// A list or mapping where a scalar was expected: `text` says which ("a list").
    Collection,
}

impl Value {
    /// An INI value: Ansible reads host-line values as literals, so `22` is a number there.
    pub fn ini(at: Location, raw: &str) -> Value {
        if let Some(inner) = raw_block(raw) {
            return Value {
                at,
                kind: Kind::Text,
                text: inner.to_string(),
                literal: true,
            };
        }
        let kind = match raw.parse::<i64>() {
            Ok(i) => Kind::Int(i),
            Err(_) => Kind::Text,
        };
        Value {
            at,
            kind,
            text: raw.to_string(),
            literal: false,
        }
    }

    /// The value as shown after "got": the same wording as the netmiko reader's.
    fn describe(&self, secret: bool) -> String {
        match self.kind {
            Kind::Null => "null".into(),
            Kind::Collection => self.text.clone(),
            _ if secret => match self.kind {
                Kind::Text => "text",
                Kind::Bool => "a boolean",
                _ => "a number",
            }
            .into(),
            Kind::Text if self.text.chars().count() > 40 => {
                format!("{:?}...", self.text.chars().take(40).collect::<String>())
            }
            Kind::Text => format!("{:?}", self.text),
            _ => self.text.clone(),
        }
    }

    fn as_text(&self) -> Option<&str> {
        match self.kind {
            Kind::Null | Kind::Collection => None,
            _ => Some(self.text.as_str()),
        }
    }
}

/// The byte offset of each char of `text`, when it is not ASCII (saphyr's markers count
/// chars); `None` for ASCII, where the two are the same.
pub(super) fn char_offsets(text: &str) -> Option<Vec<usize>> {
    (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect())
}

/// The part of `text` a node spans, `offsets` from [`char_offsets`]; empty if the span
/// falls outside it.
pub(super) fn spanned<'t>(
    text: &'t str,
    offsets: Option<&[usize]>,
    node: &MarkedYaml<'_>,
) -> &'t str {
    let byte = |c: usize| match offsets {
        None => c.min(text.len()),
        Some(offsets) => offsets.get(c).copied().unwrap_or(text.len()),
    };
    text.get(byte(node.span.start.index())..byte(node.span.end.index()))
        .unwrap_or_default()
}

/// A YAML file's text and the char-to-byte map saphyr's markers need on non-ASCII text.
pub(super) struct Source<'t> {
    pub origin: String,
    pub text: &'t str,
    char_offsets: Option<Vec<usize>>,
}

impl<'t> Source<'t> {
    pub fn new(origin: String, text: &'t str) -> Self {
        Source {
            origin,
            text,
            char_offsets: char_offsets(text),
        }
    }

    pub fn at(&self, m: &saphyr::Marker) -> Location {
        Location {
            origin: self.origin.clone(),
            line: m.line(),
            column: m.col() + 1,
        }
    }

    /// A node as a [`Value`] (collections become `Kind::Collection`).
    pub fn value(&self, node: &MarkedYaml<'_>) -> Value {
        let at = self.at(&node.span.start);
        let (kind, text) = match &node.data {
            // Ansible's `!unsafe`: the text as written, never a template or a lookup.
            YamlData::Tagged(tag, inner) if tag.handle == "!" && tag.suffix == "unsafe" => {
                let mut v = self.value(inner);
                v.at = at;
                v.literal = true;
                return v;
            }
            YamlData::Value(Scalar::Null) => (Kind::Null, String::new()),
            YamlData::Value(Scalar::String(s)) => (Kind::Text, s.to_string()),
            YamlData::Value(Scalar::Integer(i)) => (Kind::Int(*i), self.source(node)),
            YamlData::Value(Scalar::FloatingPoint(x)) => (Kind::Float(x.0), self.source(node)),
            YamlData::Value(Scalar::Boolean(_)) => (Kind::Bool, self.source(node)),
            YamlData::Sequence(_) => (Kind::Collection, "a list".into()),
            YamlData::Mapping(_) => (Kind::Collection, "a mapping".into()),
            _ => (Kind::Collection, "an unsupported value".into()),
        };
        Value {
            at,
            kind,
            text,
            literal: false,
        }
    }

    /// A mapping key or scalar as plain text.
    pub fn key(&self, node: &MarkedYaml<'_>) -> Option<String> {
        match &node.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_) | Scalar::Boolean(_)) => {
                Some(self.source(node))
            }
            _ => None,
        }
    }

    fn source(&self, node: &MarkedYaml<'_>) -> String {
        spanned(self.text, self.char_offsets.as_deref(), node)
            .trim()
            .to_string()
    }

    /// Parses one YAML document; empty or null gives `None`.
    pub fn load(&self) -> Result<Option<MarkedYaml<'t>>, InventoryError> {
        use saphyr::LoadableYamlNode;
        // The alias byte budget first: building the tree would expand every alias.
        super::limits::check_aliases(
            self.text,
            &self.origin,
            super::limits::alias_budget(self.text.len()),
        )?;
        let docs = MarkedYaml::load_from_str(self.text).map_err(|e| InventoryError::Syntax {
            at: self.at(e.marker()),
            message: e.info().to_string(),
        })?;
        let mut docs = docs.into_iter();
        let root = docs.next();
        if let Some(second) = docs.next() {
            return Err(InventoryError::MultipleDocuments {
                at: self.at(&second.span.start),
            });
        }
        Ok(root.filter(|r| !matches!(r.data, YamlData::Value(Scalar::Null))))
    }
}

/// A value and the name the format gives its key (`ansible_port`, `port`), for messages.
pub(super) type Named = (&'static str, Value);

/// A device's attributes after inheritance, under the names fleetbench uses; `key` is what the
/// format calls each one (`ansible_port`, `port`), for the messages.
#[derive(Debug, Default)]
pub(super) struct Attrs {
    pub host: Option<Named>,
    pub port: Option<Named>,
    pub username: Option<Named>,
    pub password: Option<Named>,
    pub secret: Option<Named>,
    pub platform: Option<Named>,
    pub timeout: Option<Named>,
    pub key_file: Option<Named>,
    /// The jump host: fleetbench's keys (`bastion`, Ansible's `fleetbench_bastion`, ...), or
    /// netmiko's `ssh_config_file`.
    pub bastion: Option<Named>,
    pub bastion_key_file: Option<Named>,
    pub bastion_password: Option<Named>,
    pub ssh_config_file: Option<Named>,
}

/// Builds devices from [`Attrs`], checking each value and the fleet for duplicates.
pub(super) struct Builder<'e> {
    pub env: &'e dyn Fn(&str) -> Option<String>,
    by_addr: HashMap<(String, u16), (DeviceRef, usize)>,
}

impl<'e> Builder<'e> {
    pub fn new(env: &'e dyn Fn(&str) -> Option<String>) -> Self {
        Builder {
            env,
            by_addr: HashMap::new(),
        }
    }

    /// `name` is the inventory's name for the host; `at` where it is declared. `username_key`
    /// names the missing key in the message when no user is given.
    pub fn device(
        &mut self,
        name: &str,
        at: &Location,
        dref: &DeviceRef,
        a: Attrs,
        username_key: &'static str,
    ) -> Result<Device, InventoryError> {
        let invalid =
            |(key, v): &Named, expected: &'static str, secret: bool| InventoryError::InvalidValue {
                at: v.at.clone(),
                device: dref.clone(),
                key,
                expected,
                found: v.describe(secret),
            };
        // A present, non-null value as text (with `${VAR}` expanded), and the value itself.
        let text = |kv: &'_ Option<Named>,
                    secret: bool|
         -> Result<Option<(String, Named)>, InventoryError> {
            let Some(kv) = kv else { return Ok(None) };
            if kv.1.kind == Kind::Null {
                return Ok(None);
            }
            let t = kv.1.as_text().ok_or_else(|| invalid(kv, "text", secret))?;
            Ok(Some((self.expand(t, kv, dref)?, kv.clone())))
        };
        let host = match text(&a.host, false)? {
            Some((h, _)) if !h.is_empty() && !h.chars().any(char::is_whitespace) => h,
            Some((_, kv)) => return Err(invalid(&kv, "a host name or address", false)),
            None => name.to_string(),
        };
        let port = match &a.port {
            None => 22,
            Some((_, v)) if v.kind == Kind::Null => 22,
            Some(kv) => match kv.1.kind {
                Kind::Int(p) => u16::try_from(p)
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| invalid(kv, "an integer 1-65535", false))?,
                _ => return Err(invalid(kv, "an integer 1-65535", false)),
            },
        };
        let username = match text(&a.username, false)? {
            Some((u, _)) if !u.is_empty() => u,
            Some((_, kv)) => return Err(invalid(&kv, "non-empty text", false)),
            None => {
                return Err(InventoryError::MissingKey {
                    at: at.clone(),
                    device: dref.clone(),
                    key: username_key,
                });
            }
        };
        let password = text(&a.password, true)?.map(|(p, _)| Secret::new(p));
        let secret = text(&a.secret, true)?.map(|(s, _)| Secret::new(s));
        let device_type = match text(&a.platform, false)? {
            Some((_, kv)) if kv.1.text.is_empty() => {
                return Err(invalid(&kv, "non-empty text", false));
            }
            Some((p, kv)) => {
                // An unknown platform is refused here, as in a netmiko inventory.
                let dt = netmiko_device_type(&p);
                crate::platform::Platform::by_device_type(dt).map_err(|source| {
                    InventoryError::UnknownDeviceType {
                        at: kv.1.at.clone(),
                        device: dref.clone(),
                        source,
                    }
                })?;
                dt.to_string()
            }
            None => "cisco_ios".to_string(),
        };
        let timeout = match &a.timeout {
            None => DEFAULT_TIMEOUT,
            Some((_, v)) if v.kind == Kind::Null => DEFAULT_TIMEOUT,
            Some(kv) => {
                let expected = "a number of seconds greater than 0";
                let secs = match kv.1.kind {
                    Kind::Int(i) => i as f64,
                    Kind::Float(x) => x,
                    _ => return Err(invalid(kv, expected, false)),
                };
                if secs <= 0.0 {
                    return Err(invalid(kv, expected, false));
                }
                Duration::try_from_secs_f64(secs).map_err(|_| invalid(kv, expected, false))?
            }
        };
        let key_file = match text(&a.key_file, false)? {
            None => None,
            Some((p, kv)) => Some(self.tilde(p, &kv, dref)?),
        };
        let mut jump = super::jump::JumpKeys {
            target: text(&a.bastion, false)?.map(|(t, (k, v))| (k, t, v.at)),
            key_file: match text(&a.bastion_key_file, false)? {
                None => None,
                Some((p, kv)) => Some(self.tilde(p, &kv, dref)?),
            },
            password: text(&a.bastion_password, true)?.map(|(p, _)| Secret::new(p)),
            ssh_config: None,
        };
        if let Some((p, kv)) = text(&a.ssh_config_file, false)? {
            let at = kv.1.at.clone();
            jump.ssh_config = Some((kv.0, self.tilde(p, &kv, dref)?, at));
        }
        let home = (self.env)("HOME");
        let bastion = jump.resolve(dref, &host, &username, home.as_deref())?;
        let addr_key = (host.to_ascii_lowercase(), port);
        if let Some((first, first_line)) = self.by_addr.get(&addr_key) {
            return Err(InventoryError::DuplicateDevice {
                at: at.clone(),
                device: dref.clone(),
                what: format!("host and port {host}:{port}"),
                first: first.clone(),
                first_line: *first_line,
            });
        }
        self.by_addr.insert(addr_key, (dref.clone(), at.line));
        Ok(Device {
            name: name.to_string(),
            host,
            port,
            username,
            password,
            secret,
            key_file,
            device_type,
            timeout,
            algorithms: Default::default(),
            bastion,
        })
    }

    /// `${NAME}` or Ansible's `{{ lookup('env', 'NAME') }}` (the whole value) reads the
    /// environment variable `NAME`.
    fn expand(
        &self,
        value: &str,
        (key, v): &Named,
        dref: &DeviceRef,
    ) -> Result<String, InventoryError> {
        let lookup = || super::env_reference(value).or_else(|| env_lookup(value));
        let Some(var) = (!v.literal).then(lookup).flatten() else {
            return Ok(value.to_string());
        };
        (self.env)(var).ok_or_else(|| InventoryError::EnvVarUnset {
            at: v.at.clone(),
            device: dref.clone(),
            key,
            var: var.to_string(),
        })
    }

    fn tilde(
        &self,
        path: String,
        (key, v): &Named,
        dref: &DeviceRef,
    ) -> Result<PathBuf, InventoryError> {
        super::home_path(path, self.env).ok_or_else(|| InventoryError::HomeUnset {
            at: v.at.clone(),
            device: dref.clone(),
            key,
        })
    }
}

/// `{{ lookup('env', 'NAME') }}` (either quote, any spacing) gives `NAME`.
fn env_lookup(value: &str) -> Option<&str> {
    let inner = value.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner
        .strip_prefix("lookup")?
        .trim_start()
        .strip_prefix('(')?;
    let args = args.strip_suffix(')')?;
    let mut parts = args.split(',').map(|p| p.trim().trim_matches(['\'', '"']));
    let (kind, name) = (parts.next()?, parts.next()?);
    (kind == "env" && parts.next().is_none() && !name.is_empty()).then_some(name)
}

/// Maps the platform names Nornir, NAPALM and Ansible use to netmiko's `device_type` (the
/// same table nornir_netmiko applies); netmiko names pass through unchanged.
pub fn netmiko_device_type(platform: &str) -> &str {
    let short = platform.rsplit('.').next().unwrap_or(platform);
    match short {
        "ios" => "cisco_ios",
        "iosxe" | "ios_xe" => "cisco_xe",
        "nxos" | "nxos_ssh" => "cisco_nxos",
        "linux" => "linux",
        "iosxr" => "cisco_xr",
        "eos" => "arista_eos",
        "junos" => "juniper_junos",
        _ => platform,
    }
}

/// Netmiko device types back to the Ansible `ansible_network_os` collection names.
pub fn ansible_network_os(device_type: &str) -> &str {
    match device_type {
        "cisco_ios" => "cisco.ios.ios",
        "cisco_xe" => "cisco.ios.ios",
        "cisco_nxos" => "cisco.nxos.nxos",
        "cisco_xr" => "cisco.iosxr.iosxr",
        "arista_eos" => "arista.eos.eos",
        "juniper_junos" => "junipernetworks.junos.junos",
        other => other,
    }
}

/// Netmiko device types to NAPALM driver names.
pub fn napalm_driver(device_type: &str) -> &str {
    match device_type {
        "cisco_ios" | "cisco_xe" => "ios",
        "cisco_nxos" => "nxos_ssh",
        "cisco_xr" => "iosxr",
        "arista_eos" => "eos",
        "juniper_junos" => "junos",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lookups() {
        assert_eq!(env_lookup("{{ lookup('env', 'PW') }}"), Some("PW"));
        assert_eq!(env_lookup("{{lookup(\"env\",\"PW\")}}"), Some("PW"));
        assert_eq!(env_lookup("{{ lookup('file', 'PW') }}"), None);
        assert_eq!(env_lookup("plain"), None);
    }

    #[test]
    fn platforms_map_both_ways() {
        assert_eq!(netmiko_device_type("cisco.ios.ios"), "cisco_ios");
        assert_eq!(netmiko_device_type("ios"), "cisco_ios");
        assert_eq!(netmiko_device_type("arista_eos"), "arista_eos");
        assert_eq!(
            netmiko_device_type("junipernetworks.junos.junos"),
            "juniper_junos"
        );
        for t in [
            "cisco_ios",
            "cisco_nxos",
            "cisco_xr",
            "arista_eos",
            "juniper_junos",
        ] {
            assert_eq!(netmiko_device_type(ansible_network_os(t)), t);
        }
    }
}
