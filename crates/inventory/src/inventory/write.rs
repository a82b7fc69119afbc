//! Writes devices as any of the formats fleetbench reads, so a netmiko script, a Nornir
//! project or an Ansible playbook points at a fleet with no conversion.
//!
//! The files hold the credentials (that is their point): every file is written atomically
//! with mode 0600 (see [`crate::output`]), and the file named by the caller last, so its
//! appearance still means "ready". Values every device shares (user, password, secret,
//! platform) go to the group (Nornir: `defaults.yaml`/`groups.yaml`; Ansible: the group's
//! `vars`); the rest to each host.

use super::attrs::{ansible_network_os, napalm_driver};
use super::format::Format;
use crate::device::Device;
use crate::secret::Secret;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How the written inventory should ask its user to treat host keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// False for emulated fleets (their keys are new to any client): Ansible is told not to
    /// check host keys. Real fleets keep the user's own settings.
    pub check_host_keys: bool,
}

/// The group every written device belongs to.
pub const GROUP: &str = "routers";

/// What the written inventories need for a jump host beyond the devices' own `bastion`: a
/// client key to write (0600) for `ssh -W` to log in with (the emulated bastion's; a real
/// one's is the devices' `bastion.key_file`), and a known_hosts line to pin its host key.
#[derive(Debug, Clone, Default)]
pub struct JumpFiles {
    pub client_key: Option<Secret>,
    pub known_hosts: Option<String>,
}

/// The side files of an inventory whose devices have a jump host: an ssh_config whose
/// `Host` entries give each device's host a `ProxyJump` (what netmiko's `ssh_config_file`,
/// nornir_netmiko's extras and `ssh -F` read), the client key and the known_hosts it names.
struct Jump {
    config: PathBuf,
    key: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
    /// (alias, bastion) in order of first use.
    aliases: Vec<(String, crate::device::Bastion)>,
}

impl Jump {
    fn plan(path: &Path, format: Format, devices: &[Device], files: &JumpFiles) -> Option<Jump> {
        let mut aliases: Vec<(String, crate::device::Bastion)> = Vec::new();
        for b in devices.iter().filter_map(|d| d.bastion.as_ref()) {
            if !aliases.iter().any(|(_, x)| x.label() == b.label()) {
                aliases.push((
                    format!("fleetbench-bastion-{}", aliases.len() + 1),
                    b.clone(),
                ));
            }
        }
        if aliases.is_empty() {
            return None;
        }
        let side = |ext: &str| side_file(path, format, ext);
        Some(Jump {
            config: side("ssh_config"),
            key: files.client_key.as_ref().map(|_| side("bastion_key")),
            known_hosts: files
                .known_hosts
                .as_ref()
                .map(|_| side("bastion_known_hosts")),
            aliases,
        })
    }

    fn alias_of(&self, b: &crate::device::Bastion) -> &str {
        self.aliases
            .iter()
            .find(|(_, x)| x.label() == b.label())
            .map_or("", |(a, _)| a.as_str())
    }

    /// `ssh -W` through the device's jump host, as a proxy command (Ansible's).
    fn proxy_command(&self, b: &crate::device::Bastion) -> String {
        format!(
            "ssh -F {} -W %h:%p {}",
            shell_word(&self.config.display().to_string()),
            self.alias_of(b)
        )
    }

    fn ssh_config(&self, devices: &[Device]) -> String {
        let mut c = String::from(
            "# Written by fleetbench: the jump host of this inventory's devices, for `ssh -F THIS \
             -W host:port ALIAS`\n# (netmiko's ssh_config_file, nornir_netmiko's extras, \
             Ansible's proxy command).\n",
        );
        for (alias, b) in &self.aliases {
            let _ = write!(
                c,
                "Host {alias}\n  HostName {}\n  Port {}\n  User {}\n  BatchMode yes\n",
                b.host, b.port, b.username
            );
            if let Some(k) = self.key.as_ref().or(b.key_file.as_ref()) {
                let _ = write!(c, "  IdentityFile {}\n  IdentitiesOnly yes\n", k.display());
            }
            if let Some(k) = &self.known_hosts {
                let _ = write!(
                    c,
                    "  UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n",
                    k.display()
                );
            }
        }
        for (alias, b) in &self.aliases {
            let mut hosts: Vec<&str> = devices
                .iter()
                .filter(|d| d.bastion.as_ref().is_some_and(|x| x.label() == b.label()))
                .map(|d| d.host.as_str())
                .collect();
            hosts.sort_unstable();
            hosts.dedup();
            let _ = write!(c, "Host {}\n  ProxyJump {alias}\n", hosts.join(" "));
        }
        c
    }

    /// The side files, before the inventory's own.
    fn files(&self, devices: &[Device], files: &JumpFiles) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        if let (Some(p), Some(k)) = (&self.key, &files.client_key) {
            out.push((p.clone(), k.expose().to_string()));
        }
        if let (Some(p), Some(line)) = (&self.known_hosts, &files.known_hosts) {
            out.push((p.clone(), format!("{MARK}: the jump host's key\n{line}\n")));
        }
        out.push((self.config.clone(), self.ssh_config(devices)));
        out
    }
}

/// A jump host's side file beside the inventory at `path`: `{stem}.{ext}` in its folder
/// (`bastion.{ext}` inside a Nornir folder), absolute.
fn side_file(path: &Path, format: Format, ext: &str) -> PathBuf {
    let folder = format == Format::Nornir
        && (path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/'));
    let (dir, stem) = if folder {
        (path.to_path_buf(), "bastion".to_string())
    } else {
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = path
            .file_stem()
            .map_or("inventory".into(), |s| s.to_string_lossy().into_owned());
        (dir, stem)
    };
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    dir.join(format!("{stem}.{ext}"))
}

/// The first line of every text file fleetbench writes here: how a later run tells its own
/// files (which it may replace or remove) from a user's (which it never touches unasked).
pub const MARK: &str = "# Written by fleetbench";

/// The extension of the jump host's client key: an OpenSSH key cannot carry a comment, so it
/// counts as fleetbench's when the ssh_config beside it does.
const KEY_EXT: &str = "bastion_key";

/// Whether the existing file `path` was written by fleetbench (it starts with [`MARK`]; a
/// client key, when the marked ssh_config beside it names it). Not a regular file: no.
pub fn is_ours(path: &Path) -> bool {
    let marked = |p: &Path| {
        let Ok((f, _)) = crate::input::open(p, crate::input::INVENTORY) else {
            return false;
        };
        let mut head = [0u8; MARK.len()];
        std::io::Read::read_exact(&mut &f, &mut head).is_ok() && head == *MARK.as_bytes()
    };
    if path.extension().is_some_and(|e| e == KEY_EXT) {
        let config = path.with_extension("ssh_config");
        return marked(&config)
            && crate::input::read(&config, crate::input::INVENTORY)
                .is_ok_and(|t| String::from_utf8_lossy(&t).contains(&path.display().to_string()));
    }
    marked(path)
}

/// Every file an emulated fleet writes for an inventory at `path`: [`write_with`]'s (the jump
/// host's side files when `jump`) in the order written, and the fleet's known_hosts
/// ([`write_known_hosts`]): what a command checks before it starts.
pub fn planned_files(path: &Path, format: Format, jump: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if jump {
        files.push(side_file(path, format, KEY_EXT));
        files.push(side_file(path, format, "bastion_known_hosts"));
        files.push(side_file(path, format, "ssh_config"));
    }
    let opts = WriteOptions {
        check_host_keys: false,
    };
    files.extend(render(path, format, &[], opts).into_iter().map(|(p, _)| p));
    // The fleet's host keys, written before the inventory (`write_known_hosts`).
    files.push(known_hosts_beside(&ready_file(path, format)));
    files
}

/// Refuses (before anything is written) to replace a file fleetbench did not write: an
/// existing file among `files` that does not carry [`MARK`], unless `force`. A path that
/// exists and is not a regular file is refused even then.
pub fn check_overwrite(files: &[PathBuf], force: bool) -> std::io::Result<()> {
    for p in files {
        let Ok(md) = std::fs::symlink_metadata(p) else {
            continue;
        };
        let regular = md.is_file() || (md.file_type().is_symlink() && p.is_file());
        if !regular {
            return Err(std::io::Error::other(format!(
                "{} exists and is not a regular file; refusing to replace it",
                p.display()
            )));
        }
        if !force && !is_ours(p) {
            return Err(std::io::Error::other(format!(
                "{} exists and was not written by fleetbench; refusing to replace it (give \
                 another path, or add --force to replace it)",
                p.display()
            )));
        }
    }
    Ok(())
}

/// The files of `format` for `devices` at `path`, in the order to write them (the one named
/// by `path`, or `hosts.yaml` for a Nornir folder, last). Nothing is written.
pub fn render(
    path: &Path,
    format: Format,
    devices: &[Device],
    opts: WriteOptions,
) -> Vec<(PathBuf, String)> {
    render_with(path, format, devices, opts, &JumpFiles::default())
}

/// [`render`], with what a jump host needs written beside the inventory.
pub fn render_with(
    path: &Path,
    format: Format,
    devices: &[Device],
    opts: WriteOptions,
    files: &JumpFiles,
) -> Vec<(PathBuf, String)> {
    let jump = Jump::plan(path, format, devices, files);
    let mut out = jump
        .as_ref()
        .map_or_else(Vec::new, |j| j.files(devices, files));
    let jump = jump.as_ref();
    let start = out.len();
    out.extend(match format {
        Format::Netmiko => vec![(path.to_path_buf(), netmiko(devices, jump))],
        Format::AnsibleYaml => vec![(path.to_path_buf(), ansible_yaml(devices, opts, jump))],
        Format::AnsibleIni => vec![(path.to_path_buf(), ansible_ini(devices, opts, jump))],
        Format::Nornir => {
            let folder = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
            let (dir, hosts) = if folder {
                (path.to_path_buf(), path.join("hosts.yaml"))
            } else {
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                (dir, path.to_path_buf())
            };
            let (h, g, d) = nornir(devices, jump);
            let mut files = vec![(dir.join("groups.yaml"), g), (dir.join("defaults.yaml"), d)];
            if folder {
                files.push((dir.join("config.yaml"), nornir_config(&dir)));
            }
            files.push((hosts, h));
            files
        }
    });
    // Marked as fleetbench's (a comment in every format), so a later run may replace it.
    for (_, text) in &mut out[start..] {
        text.insert_str(
            0,
            &format!("{MARK}: replaced or removed by the next fleetbench run that writes it\n"),
        );
    }
    out
}

/// The file of `format` at `path` written last, whose appearance means the rest is there:
/// `path` itself, or `hosts.yaml` in a Nornir folder.
pub fn ready_file(path: &Path, format: Format) -> PathBuf {
    let folder = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
    if format == Format::Nornir && folder {
        path.join("hosts.yaml")
    } else {
        path.to_path_buf()
    }
}

/// The known_hosts file of the inventory file `inventory`: beside it, named after it
/// (`devices.yaml` → `devices.known_hosts`). A written inventory's is beside its
/// [`ready_file`] (a Nornir folder's `hosts.yaml` → `hosts.known_hosts` in the folder); a
/// folder given as an inventory reads `hosts.known_hosts` in it.
pub fn known_hosts_beside(inventory: &Path) -> PathBuf {
    if inventory.is_dir() {
        inventory.join("hosts.known_hosts")
    } else {
        inventory.with_extension("known_hosts")
    }
}

/// Writes `lines` (`pattern type base64`, one per host) as the known_hosts file of the
/// inventory `path` of `format` ([`known_hosts_beside`] its ready file), 0600 and atomically:
/// before the inventory itself, so the inventory's appearance still means "ready".
pub fn write_known_hosts(
    path: &Path,
    format: Format,
    lines: &[String],
) -> std::io::Result<PathBuf> {
    let file = known_hosts_beside(&ready_file(path, format));
    let mut text = String::from(
        "# Written by fleetbench beside its inventory: the host keys of these devices. fleetbench\n\
         # checks them strictly when it reads the inventory; OpenSSH, netmiko and Ansible can too\n\
         # (`UserKnownHostsFile`, `ssh_config_file`, `ansible_ssh_common_args`).\n",
    );
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    if format == Format::Nornir
        && (path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir())
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
    }
    crate::output::write(&file, text.as_bytes(), crate::output::Access::Private)
        .map_err(|e| e.source)?;
    Ok(file)
}

/// Renders and writes; returns the paths written. A folder for Nornir is created (0700).
pub fn write(
    path: &Path,
    format: Format,
    devices: &[Device],
    opts: WriteOptions,
) -> std::io::Result<Vec<PathBuf>> {
    write_with(path, format, devices, opts, &JumpFiles::default())
}

/// [`write`], with what a jump host needs written beside the inventory (all 0600).
pub fn write_with(
    path: &Path,
    format: Format,
    devices: &[Device],
    opts: WriteOptions,
    jump: &JumpFiles,
) -> std::io::Result<Vec<PathBuf>> {
    let files = render_with(path, format, devices, opts, jump);
    if format == Format::Nornir
        && (path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir())
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
    }
    for (p, text) in &files {
        crate::output::write(p, text.as_bytes(), crate::output::Access::Private)
            .map_err(|e| e.source)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// `s` as one POSIX shell word (paramiko splits a proxy command with `shlex`).
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A YAML double-quoted scalar: JSON strings are valid YAML, so quoting needs no serializer.
fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A netmiko device type as written by hand (`cisco_ios`), quoted only if it needs it.
fn bare_or_quoted(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null"
        );
    if plain { s.to_string() } else { q(s) }
}

/// The value every device shares, if they all have the same one.
fn shared<T: PartialEq + Clone>(devices: &[Device], f: impl Fn(&Device) -> T) -> Option<T> {
    let first = f(devices.first()?);
    devices.iter().all(|d| f(d) == first).then_some(first)
}

fn password(d: &Device) -> Option<String> {
    d.password.as_ref().map(|s| s.expose().to_string())
}

fn secret(d: &Device) -> Option<String> {
    d.secret.as_ref().map(|s| s.expose().to_string())
}

fn netmiko(devices: &[Device], jump: Option<&Jump>) -> String {
    let mut y = format!("{GROUP}:\n");
    for d in devices {
        let _ = write!(
            y,
            "  - device_type: {}\n    name: {}\n    ip: {}\n    port: {}\n    username: {}\n",
            bare_or_quoted(&d.device_type),
            q(&d.name),
            q(&d.host),
            d.port,
            q(&d.username)
        );
        if let Some(p) = password(d) {
            let _ = writeln!(y, "    password: {}", q(&p));
        }
        if let Some(s) = secret(d) {
            let _ = writeln!(y, "    secret: {}", q(&s));
        }
        if let Some(k) = &d.key_file {
            let _ = writeln!(y, "    key_file: {}", q(&k.display().to_string()));
        }
        if d.timeout != crate::device::DEFAULT_TIMEOUT {
            let _ = writeln!(y, "    timeout: {}", d.timeout.as_secs_f64());
        }
        // netmiko's own key (a netmiko script passes the mapping to ConnectHandler as is).
        if let (Some(j), Some(_)) = (jump, &d.bastion) {
            let _ = writeln!(
                y,
                "    ssh_config_file: {}",
                q(&j.config.display().to_string())
            );
        }
    }
    y
}

/// (hosts.yaml, groups.yaml, defaults.yaml)
fn nornir(devices: &[Device], jump: Option<&Jump>) -> (String, String, String) {
    let cfg = jump.map(|j| j.config.display().to_string());
    let user = shared(devices, |d| d.username.clone());
    let pass = shared(devices, password);
    let sec = shared(devices, secret);
    let platform = shared(devices, |d| d.device_type.clone());
    let conn = |indent: &str, secret: Option<&str>, device_type: &str| {
        let mut c = format!("{indent}connection_options:\n");
        let _ = write!(c, "{indent}  netmiko:\n{indent}    extras:\n");
        match secret {
            Some(s) => drop(writeln!(c, "{indent}      secret: {}", q(s))),
            None => drop(writeln!(c, "{indent}      secret: null")),
        }
        // nornir_netmiko passes extras to netmiko's ConnectHandler.
        if let Some(p) = &cfg {
            let _ = writeln!(c, "{indent}      ssh_config_file: {}", q(p));
        }
        let _ = write!(
            c,
            "{indent}  napalm:\n{indent}    platform: {}\n{indent}    extras:\n{indent}      optional_args:\n",
            q(napalm_driver(device_type))
        );
        let _ = writeln!(
            c,
            "{indent}        secret: {}",
            secret.map_or("null".into(), q)
        );
        c
    };
    let mut hosts = String::new();
    for d in devices {
        let _ = write!(
            hosts,
            "{}:\n  hostname: {}\n  port: {}\n  groups:\n    - {GROUP}\n",
            q(&d.name),
            q(&d.host),
            d.port
        );
        if user.is_none() {
            let _ = writeln!(hosts, "  username: {}", q(&d.username));
        }
        if pass.is_none()
            && let Some(p) = password(d)
        {
            let _ = writeln!(hosts, "  password: {}", q(&p));
        }
        if platform.is_none() {
            let _ = writeln!(hosts, "  platform: {}", q(&d.device_type));
        }
        if sec.is_none() {
            hosts.push_str(&conn("  ", secret(d).as_deref(), &d.device_type));
        }
    }
    let mut groups = format!("{GROUP}:\n");
    if let Some(p) = &platform {
        let _ = writeln!(groups, "  platform: {}", q(p));
    }
    if let Some(s) = &sec {
        groups.push_str(&conn(
            "  ",
            s.as_deref(),
            platform.as_deref().unwrap_or("cisco_ios"),
        ));
    }
    if platform.is_none() && sec.is_none() {
        groups.push_str("  data: {}\n");
    }
    let mut defaults = String::new();
    if let Some(u) = &user {
        let _ = writeln!(defaults, "username: {}", q(u));
    }
    if let Some(Some(p)) = &pass {
        let _ = writeln!(defaults, "password: {}", q(p));
    }
    if defaults.is_empty() {
        defaults.push_str("data: {}\n");
    }
    (hosts, groups, defaults)
}

/// A Nornir `config.yaml` beside the inventory, with absolute paths (Nornir resolves relative
/// ones from the working directory), 20 threaded workers (Nornir's default).
fn nornir_config(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let f = |n: &str| q(&abs.join(n).display().to_string());
    format!(
        "inventory:\n  plugin: SimpleInventory\n  options:\n    host_file: {}\n    group_file: {}\n    defaults_file: {}\nrunner:\n  plugin: threaded\n  options:\n    num_workers: 20\n",
        f("hosts.yaml"),
        f("groups.yaml"),
        f("defaults.yaml")
    )
}

/// Ansible variables as (name, value) pairs: those shared by every device, or one device's.
fn ansible_vars(
    devices: &[Device],
    d: Option<&Device>,
    opts: WriteOptions,
    jump: Option<&Jump>,
) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    let pick = |f: &dyn Fn(&Device) -> Option<String>| -> Option<String> {
        match d {
            // A host carries what is not shared.
            Some(d) => match shared(devices, |x| f(x)) {
                Some(_) => None,
                None => f(d),
            },
            None => shared(devices, |x| f(x)).flatten(),
        }
    };
    if d.is_none() {
        v.push((
            "ansible_connection",
            "ansible.netcommon.network_cli".to_string(),
        ));
        if !opts.check_host_keys {
            v.push(("ansible_host_key_checking", "false".to_string()));
        }
    }
    if let Some(os) = pick(&|x| Some(ansible_network_os(&x.device_type).to_string())) {
        v.push(("ansible_network_os", os));
    }
    if let Some(u) = pick(&|x| Some(x.username.clone())) {
        v.push(("ansible_user", u));
    }
    if let Some(p) = pick(&password) {
        v.push(("ansible_password", p));
    }
    if let Some(s) = pick(&secret) {
        if d.is_none() {
            v.push(("ansible_become", "true".to_string()));
            v.push(("ansible_become_method", "enable".to_string()));
        }
        v.push(("ansible_become_password", s));
    }
    if let Some(j) = jump {
        // Ansible's network_cli (paramiko) goes through `ssh -W`; fleetbench reads its own.
        if let Some(c) = pick(&|x| x.bastion.as_ref().map(|b| j.proxy_command(b))) {
            v.push(("ansible_paramiko_proxy_command", c));
        }
        if let Some(t) = pick(&|x| x.bastion.as_ref().map(|b| b.label())) {
            v.push(("fleetbench_bastion", t));
        }
        let key = |x: &Device| {
            let b = x.bastion.as_ref()?;
            j.key
                .as_ref()
                .or(b.key_file.as_ref())
                .map(|k| k.display().to_string())
        };
        if let Some(k) = pick(&key) {
            v.push(("fleetbench_bastion_key_file", k));
        }
    }
    v
}

/// An Ansible YAML value: a value holding a template marker (`{{`, `{%`, `{#`) is tagged
/// `!unsafe`, so Ansible keeps a password like `p{{x}}` as written instead of rendering it.
fn ansible_value(v: &str) -> String {
    if super::attrs::templated(v) {
        format!("!unsafe {}", q(v))
    } else {
        q(v)
    }
}

fn ansible_yaml(devices: &[Device], opts: WriteOptions, jump: Option<&Jump>) -> String {
    let mut y = format!("all:\n  children:\n    {GROUP}:\n      hosts:\n");
    for d in devices {
        let _ = write!(
            y,
            "        {}:\n          ansible_host: {}\n          ansible_port: {}\n",
            q(&d.name),
            ansible_value(&d.host),
            d.port
        );
        for (k, v) in ansible_vars(devices, Some(d), opts, jump) {
            let _ = writeln!(y, "          {k}: {}", ansible_value(&v));
        }
    }
    y.push_str("      vars:\n");
    for (k, v) in ansible_vars(devices, None, opts, jump) {
        let value = if v == "true" || v == "false" {
            v
        } else {
            ansible_value(&v)
        };
        let _ = writeln!(y, "        {k}: {value}");
    }
    y
}

/// An INI value: bare when plain, else a Python string literal (Ansible evaluates them). INI
/// has no `!unsafe`: a value holding a template marker is wrapped whole in Jinja's
/// `{% raw %}...{% endraw %}`, which renders as the text inside (fleetbench reads it back so).
fn ini_value(v: &str) -> String {
    if super::attrs::templated(v) {
        return q(&format!("{{% raw %}}{v}{{% endraw %}}"));
    }
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/:+,".contains(c))
    {
        v.to_string()
    } else {
        q(v)
    }
}

fn ansible_ini(devices: &[Device], opts: WriteOptions, jump: Option<&Jump>) -> String {
    let mut s = format!("[{GROUP}]\n");
    for d in devices {
        let _ = write!(
            s,
            "{} ansible_host={} ansible_port={}",
            ini_value(&d.name),
            ini_value(&d.host),
            d.port
        );
        for (k, v) in ansible_vars(devices, Some(d), opts, jump) {
            let _ = write!(s, " {k}={}", ini_value(&v));
        }
        s.push('\n');
    }
    let _ = write!(s, "\n[{GROUP}:vars]\n");
    for (k, v) in ansible_vars(devices, None, opts, jump) {
        let _ = writeln!(s, "{k}={}", ini_value(&v));
    }
    s
}
