//! The classic netmiko `devices.yaml` ([`super`]'s module docs list its keys): read with
//! saphyr for the marks every message needs (file:line:column), validated device by
//! device, stopping at the first problem.

use super::error::{DeviceRef, InventoryError, Location};
use super::{Inventory, env_reference, home_path, jump, keys, limits};
use crate::algorithms::Support;
use crate::device::{DEFAULT_TIMEOUT, Device};
use crate::platform::{DEFAULT_DEVICE_TYPE, Platform};
use crate::secret::Secret;
use saphyr::{LoadableYamlNode, MarkedYaml, Marker, Scalar, YamlData};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

/// Validates a netmiko devices.yaml `text`; `origin` (the file name) starts every message.
pub(super) fn parse(
    text: &str,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
    ssh: &dyn Support,
) -> Result<Inventory, InventoryError> {
    let mut loader = Loader {
        origin,
        text,
        ssh,
        char_offsets: super::attrs::char_offsets(text),
        env,
        devices: Vec::new(),
        warnings: Vec::new(),
        warned: HashSet::new(),
        by_addr: HashMap::new(),
        by_name: HashMap::new(),
    };
    loader.load()?;
    Ok(Inventory {
        devices: loader.devices,
        warnings: loader.warnings,
    })
}

type Node<'a> = MarkedYaml<'a>;

/// saphyr's `ScanError::info()` for a key given twice in one mapping.
const DUPLICATE_KEY: &str = "duplicated key in mapping";

/// Where a device was first seen, for the duplicate message.
#[derive(Clone)]
struct Seen {
    device: DeviceRef,
    line: usize,
}

struct Loader<'t, 'e> {
    origin: &'t str,
    text: &'t str,
    ssh: &'e dyn Support,
    /// Byte offset of each char, when the text is not ASCII (saphyr marks count chars).
    char_offsets: Option<Vec<usize>>,
    env: &'e dyn Fn(&str) -> Option<String>,
    devices: Vec<Device>,
    warnings: Vec<String>,
    warned: HashSet<String>,
    by_addr: HashMap<(String, u16), Seen>,
    by_name: HashMap<String, Seen>,
}

/// The values of one device as they are validated, before defaults.
#[derive(Default)]
struct Fields {
    host: Option<(&'static str, String)>,
    port: Option<u16>,
    username: Option<String>,
    password: Option<Secret>,
    secret: Option<Secret>,
    device_type: Option<String>,
    timeout: Option<Duration>,
    name: Option<String>,
    key_file: Option<(&'static str, PathBuf)>,
    algorithms: crate::algorithms::Algorithms,
    jump: jump::JumpKeys,
}

impl Loader<'_, '_> {
    fn at(&self, m: &Marker) -> Location {
        Location {
            origin: self.origin.to_string(),
            line: m.line(),
            column: m.col() + 1,
        }
    }

    fn load(&mut self) -> Result<(), InventoryError> {
        limits::check_aliases(
            self.text,
            self.origin,
            limits::alias_budget(self.text.len()),
        )?;
        let docs = Node::load_from_str(self.text).map_err(|e| {
            if e.info() == DUPLICATE_KEY {
                self.duplicate_key(e.marker())
            } else {
                InventoryError::Syntax {
                    at: self.at(e.marker()),
                    message: e.info().to_string(),
                }
            }
        })?;
        let mut docs = docs.into_iter();
        let root = match docs.next() {
            Some(root) if !matches!(root.data, YamlData::Value(Scalar::Null)) => root,
            _ => {
                return Err(InventoryError::EmptyFile {
                    origin: self.origin.to_string(),
                });
            }
        };
        if let Some(second) = docs.next() {
            return Err(InventoryError::MultipleDocuments {
                at: self.at(&second.span.start),
            });
        }
        match &root.data {
            YamlData::Sequence(items) => self.group(None, items)?,
            YamlData::Mapping(groups) => {
                for (key, value) in groups {
                    let Some(group) = self.text_of(key) else {
                        return Err(InventoryError::GroupName {
                            at: self.at(&key.span.start),
                            found: describe(key, false),
                        });
                    };
                    match &value.data {
                        YamlData::Sequence(items) => self.group(Some(group), items)?,
                        _ if looks_like_device_key(&group) => {
                            return Err(InventoryError::TopLevelDevice {
                                at: self.at(&root.span.start),
                            });
                        }
                        _ => {
                            return Err(InventoryError::GroupNotList {
                                at: self.at(&value.span.start),
                                group,
                                found: describe(value, false),
                            });
                        }
                    }
                }
            }
            _ => {
                return Err(InventoryError::TopLevel {
                    at: self.at(&root.span.start),
                    found: describe(&root, false),
                });
            }
        }
        if self.devices.is_empty() {
            return Err(InventoryError::NoDevices {
                at: self.at(&root.span.start),
            });
        }
        Ok(())
    }

    /// saphyr refuses a mapping with a duplicated key; reload allowing it, to name the device
    /// whose mapping holds `mark` and the key written there.
    fn duplicate_key(&self, mark: &Marker) -> InventoryError {
        let mut loader = saphyr::YamlLoader::<Node<'_>>::default();
        loader.allow_duplicate_keys(true);
        let docs = saphyr_parser::Parser::new_from_str(self.text)
            .load(&mut loader, true)
            .map(|()| loader.into_documents())
            .unwrap_or_default();
        let inside = |n: &Node<'_>| {
            n.span.start.index() <= mark.index() && mark.index() < n.span.end.index()
        };
        let device_in = |group: Option<String>, items: &[Node<'_>]| {
            items
                .iter()
                .enumerate()
                .find(|(_, d)| inside(d))
                .map(|(i, d)| DeviceRef {
                    index: i + 1,
                    label: self.label(d),
                    group,
                })
        };
        let device = docs.first().and_then(|root| match &root.data {
            YamlData::Sequence(items) => device_in(None, items),
            YamlData::Mapping(groups) => groups.iter().find_map(|(k, v)| match &v.data {
                YamlData::Sequence(items) => device_in(self.text_of(k), items),
                _ => None,
            }),
            _ => None,
        });
        let rest: String = self.text.chars().skip(mark.index()).collect();
        let key = rest
            .split([':', '\n'])
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\''])
            .to_string();
        InventoryError::DuplicateKey {
            at: self.at(mark),
            device,
            key,
        }
    }

    /// A device's `name`, else its `host` or `ip`, when given as text.
    fn label(&self, node: &Node<'_>) -> Option<String> {
        let YamlData::Mapping(map) = &node.data else {
            return None;
        };
        ["name", "host", "ip"].iter().find_map(|want| {
            map.iter()
                .find(|(k, _)| self.text_of(k).as_deref() == Some(*want))
                .and_then(|(_, v)| self.text_of(v))
                .filter(|s| !s.is_empty())
        })
    }

    fn group(&mut self, group: Option<String>, items: &[Node<'_>]) -> Result<(), InventoryError> {
        for (i, item) in items.iter().enumerate() {
            let device = self.device(item, i + 1, group.clone())?;
            self.devices.push(device);
        }
        Ok(())
    }

    fn device(
        &mut self,
        node: &Node<'_>,
        index: usize,
        group: Option<String>,
    ) -> Result<Device, InventoryError> {
        let mut dref = DeviceRef {
            index,
            label: None,
            group,
        };
        let YamlData::Mapping(map) = &node.data else {
            return Err(InventoryError::DeviceNotMapping {
                at: self.at(&node.span.start),
                device: dref,
                found: describe(node, false),
            });
        };
        dref.label = self.label(node);

        let mut f = Fields::default();
        for (k, v) in map {
            let key_text = self.text_of(k).unwrap_or_else(|| describe(k, false));
            let invalid = |key: &'static str, expected: &'static str, secret: bool| {
                InventoryError::InvalidValue {
                    at: self.at(&v.span.start),
                    device: dref.clone(),
                    key,
                    expected,
                    found: describe(v, secret),
                }
            };
            // The known keys as `&'static str`, for the error variants.
            let known = keys::KNOWN_KEYS.iter().copied().find(|k| *k == key_text);
            match known.unwrap_or(key_text.as_str()) {
                "host" | "ip" => {
                    let key = known.unwrap_or("host");
                    let value = self
                        .text_of(v)
                        .filter(|s| !s.is_empty() && !s.chars().any(char::is_whitespace))
                        .ok_or_else(|| invalid(key, "a host name or address", false))?;
                    if let Some((_, first)) = &f.host {
                        if *first != value {
                            let (host, ip) = if key == "ip" {
                                (first.clone(), value)
                            } else {
                                (value, first.clone())
                            };
                            return Err(InventoryError::HostConflict {
                                at: self.at(&k.span.start),
                                device: dref,
                                host,
                                ip,
                            });
                        }
                    } else {
                        f.host = Some((key, value));
                    }
                }
                "port" => {
                    f.port = match &v.data {
                        YamlData::Value(Scalar::Null) => None,
                        YamlData::Value(Scalar::Integer(p)) => Some(
                            u16::try_from(*p)
                                .ok()
                                .filter(|p| *p != 0)
                                .ok_or_else(|| invalid("port", "an integer 1-65535", false))?,
                        ),
                        _ => return Err(invalid("port", "an integer 1-65535", false)),
                    };
                }
                "username" => {
                    let value = self
                        .text_of(v)
                        .ok_or_else(|| invalid("username", "text", false))?;
                    let value = self.expand(value, "username", v, &dref)?;
                    if value.is_empty() {
                        return Err(invalid("username", "non-empty text", false));
                    }
                    f.username = Some(value);
                }
                "password" | "secret" => {
                    let key = known.unwrap_or("password");
                    let value = match &v.data {
                        YamlData::Value(Scalar::Null) => None,
                        _ => {
                            let text = self.text_of(v).ok_or_else(|| invalid(key, "text", true))?;
                            Some(Secret::new(self.expand(text, key, v, &dref)?))
                        }
                    };
                    if key == "password" {
                        f.password = value;
                    } else {
                        f.secret = value;
                    }
                }
                "device_type" => {
                    f.device_type = self.optional_text(v, "device_type", &dref)?;
                    // An unknown platform is refused here, never polled as IOS by default.
                    if let Some(Err(source)) =
                        f.device_type.as_deref().map(Platform::by_device_type)
                    {
                        return Err(InventoryError::UnknownDeviceType {
                            at: self.at(&v.span.start),
                            device: dref.clone(),
                            source,
                        });
                    }
                }
                "name" => f.name = self.optional_text(v, "name", &dref)?,
                "timeout" => {
                    let expected = "a number of seconds greater than 0";
                    let secs = match &v.data {
                        YamlData::Value(Scalar::Null) => None,
                        YamlData::Value(Scalar::Integer(i)) => Some(*i as f64),
                        YamlData::Value(Scalar::FloatingPoint(x)) => Some(x.0),
                        _ => return Err(invalid("timeout", expected, false)),
                    };
                    f.timeout = match secs {
                        None => None,
                        Some(s) if s > 0.0 => Some(
                            Duration::try_from_secs_f64(s)
                                .map_err(|_| invalid("timeout", expected, false))?,
                        ),
                        Some(_) => return Err(invalid("timeout", expected, false)),
                    };
                }
                "kex" | "hostkey" | "ciphers" | "macs" => {
                    use crate::algorithms::{Kind, Spec};
                    let kind = match key_text.as_str() {
                        "kex" => Kind::Kex,
                        "hostkey" => Kind::HostKey,
                        "ciphers" => Kind::Ciphers,
                        _ => Kind::Macs,
                    };
                    let text = self.optional_text(v, kind.key(), &dref)?;
                    let spec =
                        text.map(|t| Spec::parse(kind, &t))
                            .transpose()
                            .map_err(|source| InventoryError::Algorithms {
                                at: self.at(&v.span.start),
                                device: dref.clone(),
                                source,
                            })?;
                    f.algorithms.set(kind, spec);
                    crate::algorithms::validate(&f.algorithms, self.ssh).map_err(|source| {
                        InventoryError::Algorithms {
                            at: self.at(&v.span.start),
                            device: dref.clone(),
                            source,
                        }
                    })?;
                }
                "key_file" | "key_filename" => {
                    let key = known.unwrap_or("key_file");
                    if f.key_file.as_ref().is_some_and(|(first, _)| *first != key) {
                        return Err(InventoryError::KeyFileTwice {
                            at: self.at(&k.span.start),
                            device: dref,
                        });
                    }
                    f.key_file = self
                        .optional_text(v, key, &dref)?
                        .map(|p| self.expand_tilde(p, key, v, &dref))
                        .transpose()?
                        .map(|p| (key, p));
                }
                "bastion" => {
                    f.jump.target = self
                        .optional_text(v, "bastion", &dref)?
                        .map(|t| ("bastion", t, self.at(&v.span.start)));
                }
                "bastion_key_file" => {
                    f.jump.key_file = self
                        .optional_text(v, "bastion_key_file", &dref)?
                        .map(|p| self.expand_tilde(p, "bastion_key_file", v, &dref))
                        .transpose()?;
                }
                "bastion_password" => {
                    f.jump.password = match &v.data {
                        YamlData::Value(Scalar::Null) => None,
                        _ => {
                            let text = self
                                .text_of(v)
                                .ok_or_else(|| invalid("bastion_password", "text", true))?;
                            Some(Secret::new(self.expand(
                                text,
                                "bastion_password",
                                v,
                                &dref,
                            )?))
                        }
                    };
                }
                "ssh_config_file" => {
                    let at = self.at(&v.span.start);
                    f.jump.ssh_config = self
                        .optional_text(v, "ssh_config_file", &dref)?
                        .map(|p| self.expand_tilde(p, "ssh_config_file", v, &dref))
                        .transpose()?
                        .map(|p| ("ssh_config_file", p, at));
                }
                other if keys::NETMIKO_IGNORED.contains(&other) => {
                    if self.warned.insert(other.to_string()) {
                        self.warnings.push(format!(
                            "{}: ignoring netmiko option '{other}' (fleetbench does not use it; \
                             warned once for all devices)",
                            self.at(&k.span.start)
                        ));
                    }
                }
                other => {
                    return Err(InventoryError::UnknownKey {
                        at: self.at(&k.span.start),
                        device: dref,
                        key: other.to_string(),
                        suggestion: keys::suggest(other),
                    });
                }
            }
        }

        let missing = |key| InventoryError::MissingKey {
            at: self.at(&node.span.start),
            device: dref.clone(),
            key,
        };
        let Some((_, host)) = f.host else {
            return Err(missing("host"));
        };
        let Some(username) = f.username else {
            return Err(missing("username"));
        };
        let home = (self.env)("HOME");
        let bastion = f.jump.resolve(&dref, &host, &username, home.as_deref())?;
        let port = f.port.unwrap_or(22);
        let name = f.name.unwrap_or_else(|| match port {
            22 => host.clone(),
            _ if host.contains(':') => format!("[{host}]:{port}"),
            _ => format!("{host}:{port}"),
        });
        let seen = Seen {
            device: dref.clone(),
            line: node.span.start.line(),
        };
        let addr_key = (host.to_ascii_lowercase(), port);
        if let Some(first) = self.by_addr.get(&addr_key) {
            return Err(self.duplicate(node, dref, format!("host and port {host}:{port}"), first));
        }
        if let Some(first) = self.by_name.get(&name) {
            return Err(self.duplicate(node, dref, format!("name '{name}'"), first));
        }
        self.by_addr.insert(addr_key, seen.clone());
        self.by_name.insert(name.clone(), seen);

        Ok(Device {
            name,
            host,
            port,
            username,
            password: f.password,
            secret: f.secret,
            key_file: f.key_file.map(|(_, p)| p),
            device_type: f
                .device_type
                .unwrap_or_else(|| DEFAULT_DEVICE_TYPE.to_string()),
            timeout: f.timeout.unwrap_or(DEFAULT_TIMEOUT),
            algorithms: f.algorithms,
            bastion,
        })
    }

    fn duplicate(
        &self,
        node: &Node<'_>,
        dref: DeviceRef,
        what: String,
        first: &Seen,
    ) -> InventoryError {
        InventoryError::DuplicateDevice {
            at: self.at(&node.span.start),
            device: dref,
            what,
            first: first.device.clone(),
            first_line: first.line,
        }
    }

    /// Non-empty text, or `None` for null; anything else is an error.
    fn optional_text(
        &self,
        v: &Node<'_>,
        key: &'static str,
        dref: &DeviceRef,
    ) -> Result<Option<String>, InventoryError> {
        if matches!(v.data, YamlData::Value(Scalar::Null)) {
            return Ok(None);
        }
        match self.text_of(v) {
            Some(s) if !s.is_empty() => Ok(Some(s)),
            _ => Err(InventoryError::InvalidValue {
                at: self.at(&v.span.start),
                device: dref.clone(),
                key,
                expected: "non-empty text",
                found: describe(v, false),
            }),
        }
    }

    /// A scalar as text: strings as parsed, plain numbers and booleans as written in the file.
    fn text_of(&self, node: &Node<'_>) -> Option<String> {
        match &node.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_) | Scalar::Boolean(_)) => {
                Some(self.source(node).trim().to_string())
            }
            _ => None,
        }
    }

    /// The source text a node spans.
    fn source(&self, node: &Node<'_>) -> &str {
        super::attrs::spanned(self.text, self.char_offsets.as_deref(), node)
    }

    /// `${NAME}` (the whole value) becomes the environment variable `NAME`.
    fn expand(
        &self,
        value: String,
        key: &'static str,
        v: &Node<'_>,
        dref: &DeviceRef,
    ) -> Result<String, InventoryError> {
        let Some(var) = env_reference(&value) else {
            return Ok(value);
        };
        (self.env)(var).ok_or_else(|| InventoryError::EnvVarUnset {
            at: self.at(&v.span.start),
            device: dref.clone(),
            key,
            var: var.to_string(),
        })
    }

    /// `~` and `~/...` become `$HOME` and `$HOME/...`.
    fn expand_tilde(
        &self,
        path: String,
        key: &'static str,
        v: &Node<'_>,
        dref: &DeviceRef,
    ) -> Result<PathBuf, InventoryError> {
        home_path(path, self.env).ok_or_else(|| InventoryError::HomeUnset {
            at: self.at(&v.span.start),
            device: dref.clone(),
            key,
        })
    }
}

/// A top-level key that means the user wrote one device without a list around it.
fn looks_like_device_key(key: &str) -> bool {
    matches!(
        key,
        "host" | "ip" | "username" | "device_type" | "password" | "port"
    )
}

/// A value as shown after "got": text quoted, numbers as numbers, collections by kind. For
/// secrets only the kind ("text", "a number") is shown, never the value.
fn describe(node: &Node<'_>, secret: bool) -> String {
    match &node.data {
        YamlData::Value(scalar) => match scalar {
            Scalar::Null => "null".to_string(),
            _ if secret => match scalar {
                Scalar::String(_) => "text",
                Scalar::Boolean(_) => "a boolean",
                _ => "a number",
            }
            .to_string(),
            Scalar::String(s) if s.chars().count() > 40 => {
                format!("{:?}...", s.chars().take(40).collect::<String>())
            }
            Scalar::String(s) => format!("{s:?}"),
            Scalar::Boolean(b) => b.to_string(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::FloatingPoint(x) => x.0.to_string(),
        },
        YamlData::Sequence(_) => "a list".to_string(),
        YamlData::Mapping(_) => "a mapping".to_string(),
        YamlData::Tagged(tag, _) => format!("a value tagged {tag}"),
        YamlData::Representation(..) | YamlData::Alias(_) | YamlData::BadValue => {
            "an unsupported value".to_string()
        }
    }
}
