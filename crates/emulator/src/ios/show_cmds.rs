//! The `show` commands of the IOS personality: which exist (and their abbreviations),
//! matching what was typed, the output filters (`| include`, `| section`, ...) and the
//! running-config lines with IOS's change comments.

use chrono::{DateTime, Utc};

use super::answer::Answer;
use crate::config::{self, interface_name};
use crate::engine::{Filter, Lookup, keyword, lookup};
use crate::setup::CliSetup;
use crate::show::{self, View};

/// `show` commands: each path of keywords (abbreviations allowed), `IF` for an interface name,
/// and whether it needs privilege level 15.
const IF: &str = "<interface>";
const SHOWS: &[(&[&str], bool)] = &[
    (&["arp"], false),
    (&["bgp", "all", "summary"], false),
    (&["bgp", "ipv4", "unicast", "neighbors"], false),
    (&["cdp", "neighbors"], false),
    (&["cdp", "neighbors", "detail"], false),
    (&["clock"], false),
    (&["hosts"], false),
    (&["interfaces"], false),
    (&["interfaces", IF], false),
    (&["inventory"], false),
    (&["ip", "bgp", "neighbors"], false),
    (&["ip", "bgp", "summary"], false),
    (&["ip", "interface"], false),
    (&["ip", "interface", "brief"], false),
    (&["ip", "ospf", "neighbor"], false),
    (&["ip", "route"], false),
    (&["ipv6", "interface"], false),
    (&["lldp"], false),
    (&["lldp", "neighbors"], false),
    (&["lldp", "neighbors", "detail"], false),
    (&["logging"], true),
    (&["memory", "statistics"], false),
    (&["ntp", "associations"], false),
    (&["ntp", "status"], false),
    (&["privilege"], false),
    (&["processes", "cpu"], false),
    // `running-config` exists only at privilege level 15, like on IOS: in user mode it is not
    // an abbreviation candidate, so `show run` is invalid input there.
    (&["running-config"], true),
    (&["running-config", "interface", IF], true),
    (&["snmp", "chassis"], false),
    (&["startup-config"], true),
    (&["users"], false),
    (&["version"], false),
];

/// The output filters after `|`, as a command table.
const FILTERS: &[(&str, Filter)] = &[
    ("include <rest>", Filter::Include),
    ("exclude <rest>", Filter::Exclude),
    ("begin <rest>", Filter::Begin),
    ("section <rest>", Filter::Section),
];

/// What a session's `show` commands are asked of: its device and where the session is.
pub(super) struct Shows<'a> {
    pub setup: &'a CliSetup,
    /// The session's hostname (`hostname X` may have changed it since login).
    pub hostname: &'a str,
    pub privileged: bool,
    /// IOS-XE: XE's `show version`.
    pub xe: bool,
}

impl Shows<'_> {
    /// `dir`: the flash, with the saved config's size.
    pub(super) fn dir(&self, now: DateTime<Utc>) -> Vec<String> {
        let startup = self.setup.device.startup().byte_len();
        self.view_lines(now, |v| v.dir(startup))
    }

    /// Lines computed from a [`View`] of this device.
    fn view_lines(&self, now: DateTime<Utc>, f: impl FnOnce(&View) -> Vec<String>) -> Vec<String> {
        let dev = &self.setup.device;
        let running = dev.running();
        let (changed, _) = dev.times();
        let view = View::new(
            &dev.layout,
            &dev.identity,
            &running,
            now,
            self.setup.boot,
            changed,
            &self.setup.username,
        );
        f(&view)
    }

    /// The words after `show`: the command's output, or the IOS error.
    pub(super) fn show(&self, rest: &[(usize, &str)], now: DateTime<Utc>) -> Answer {
        let (path, ifname) = match match_show(rest, self.privileged) {
            Ok(m) => m,
            Err(o) => return o,
        };
        // An interface argument must exist on this device.
        if let Some((at, name)) = &ifname
            && !self
                .setup
                .device
                .running()
                .interfaces()
                .iter()
                .any(|i| i.name == *name)
        {
            return Answer::Invalid { caret: *at };
        }
        let ifname = ifname.map(|(_, n)| n);
        let lines = match path {
            ["clock"] => vec![ios_clock(now)],
            ["version"] if self.xe => {
                let serial = &self.setup.device.identity.serial;
                show::xe_version(self.hostname, self.setup.boot, now)
                    .into_iter()
                    .map(|l| match l.strip_prefix("Processor board ID ") {
                        Some(_) => format!("Processor board ID {serial}"),
                        None => l,
                    })
                    .collect()
            }
            ["version"] => show::version(
                self.hostname,
                &self.setup.device.identity,
                now,
                self.setup.boot,
            ),
            ["privilege"] => vec![format!(
                "Current privilege level is {}",
                if self.privileged { 15 } else { 1 }
            )],
            ["running-config"] => self.running_config_lines(),
            ["running-config", "interface", _] => {
                let running = self.setup.device.running();
                let header = format!("interface {}", ifname.unwrap_or_default());
                let mut body = vec!["!".to_string()];
                if let Some(node) = running.section(&header) {
                    body.push(node.line.clone());
                    body.extend(node.children.iter().cloned());
                }
                body.push("end".into());
                with_config_header(body)
            }
            // The SNMP chassis ID defaults to the serial (napalm's get_snmp_information).
            ["snmp", "chassis"] => vec![self.setup.device.identity.serial.clone()],
            ["startup-config"] => {
                let startup = self.setup.device.startup();
                let (_, saved) = self.setup.device.times();
                let mut out = vec![format!(
                    "Using {} out of {} bytes",
                    startup.byte_len(),
                    config::NVRAM_BYTES
                )];
                out.extend(with_change_comments(startup.lines(), None, saved));
                out
            }
            _ => self.view_lines(now, |v| match path {
                ["arp"] => v.arp(),
                ["cdp", "neighbors"] => v.cdp_neighbors(),
                ["cdp", "neighbors", "detail"] => v.cdp_neighbors_detail(),
                ["hosts"] => v.hosts(),
                ["interfaces"] | ["interfaces", _] => v.interfaces(ifname.as_deref()),
                ["inventory"] => v.inventory(),
                ["ip", "bgp", "summary"] => v.bgp_summary(),
                ["bgp", "all", "summary"] => v.bgp_all_summary(),
                ["ip", "bgp", "neighbors"] | ["bgp", "ipv4", "unicast", "neighbors"] => {
                    v.bgp_neighbors()
                }
                ["ip", "interface"] => v.ip_interface(),
                ["ip", "interface", "brief"] => v.ip_interface_brief(),
                ["ip", "ospf", "neighbor"] => v.ospf_neighbor(),
                ["ip", "route"] => v.ip_route(),
                ["ipv6", "interface"] => v.ipv6_interface(),
                ["lldp"] => v.lldp(),
                ["lldp", "neighbors"] => v.lldp_neighbors(),
                ["lldp", "neighbors", "detail"] => v.lldp_neighbors_detail(),
                ["logging"] => v.logging(),
                ["memory", "statistics"] => v.memory_statistics(),
                ["ntp", "associations"] => v.ntp_associations(),
                ["ntp", "status"] => v.ntp_status(),
                ["processes", "cpu"] => v.processes_cpu(),
                ["users"] => v.users(),
                _ => v.version(),
            }),
        };
        Answer::Show(lines)
    }

    /// `show running-config`: the header, the change comments, the configuration.
    pub(super) fn running_config_lines(&self) -> Vec<String> {
        let running = self.setup.device.running();
        let (changed, saved) = self.setup.device.times();
        with_config_header(with_change_comments(running.lines(), changed, saved))
    }
}

/// IOS's header before a configuration it prints: `Building configuration...` and the
/// size of `body` in bytes (each line with its newline).
fn with_config_header(body: Vec<String>) -> Vec<String> {
    let bytes: usize = body.iter().map(|l| l.len() + 1).sum();
    let mut out = vec![
        "Building configuration...".to_string(),
        String::new(),
        format!("Current configuration : {bytes} bytes"),
    ];
    out.extend(body);
    out
}

/// IOS's `! Last configuration change at ...` / `! NVRAM config last updated at ...` lines,
/// after the config's first line.
fn with_change_comments(
    mut lines: Vec<String>,
    changed: Option<DateTime<Utc>>,
    saved: Option<DateTime<Utc>>,
) -> Vec<String> {
    let fmt = |t: DateTime<Utc>| t.format("%H:%M:%S UTC %a %b %-d %Y").to_string();
    let mut comments = Vec::new();
    if let Some(t) = changed {
        comments.push(format!("! Last configuration change at {}", fmt(t)));
    }
    if let Some(t) = saved {
        comments.push(format!("! NVRAM config last updated at {}", fmt(t)));
    }
    let at = usize::from(!lines.is_empty());
    lines.splice(at..at, comments);
    lines
}

/// A matched `show` command: its path, and its interface argument with the argument's offset.
type ShowMatch = (&'static [&'static str], Option<(usize, String)>);

/// Matches the words after `show` against [`SHOWS`]: the command's path and its interface
/// argument (with the argument's offset), or the IOS error.
fn match_show(words: &[(usize, &str)], privileged: bool) -> Result<ShowMatch, Answer> {
    let mut alive: Vec<&'static [&'static str]> = SHOWS
        .iter()
        .filter(|(_, p)| privileged || !p)
        .map(|(path, _)| *path)
        .collect();
    let mut ifname = None;
    let mut level = 0;
    let mut wi = 0;
    loop {
        let Some(&(at, w)) = words.get(wi) else {
            return match alive.iter().find(|p| p.len() == level) {
                Some(p) => Ok((p, ifname)),
                None => Err(Answer::Incomplete),
            };
        };
        let mut kws: Vec<&str> = alive
            .iter()
            .filter(|p| p.len() > level && p[level] != IF)
            .map(|p| p[level])
            .collect();
        kws.dedup();
        match keyword(w, &kws) {
            Ok(k) => {
                alive.retain(|p| p.len() > level && p[level] == k);
                wi += 1;
            }
            Err(Some(())) => {
                let typed: Vec<&str> = words[..=wi].iter().map(|w| w.1).collect();
                return Err(Answer::Ambiguous(format!("show {}", typed.join(" "))));
            }
            Err(None) if alive.iter().any(|p| p.len() > level && p[level] == IF) => {
                // `Gi0/1`, or `GigabitEthernet 0/1` in two words.
                let one = interface_name(&words[wi..=wi]);
                let (name, used) = match one {
                    Ok(n) => (n, 1),
                    Err(_) if wi + 1 < words.len() => match interface_name(&words[wi..wi + 2]) {
                        Ok(n) => (n, 2),
                        Err(_) => return Err(Answer::Invalid { caret: at }),
                    },
                    Err(_) => return Err(Answer::Invalid { caret: at }),
                };
                ifname = Some((at, name));
                alive.retain(|p| p.len() > level && p[level] == IF);
                wi += used;
            }
            Err(None) => return Err(Answer::Invalid { caret: at }),
        }
        level += 1;
    }
}

/// `include X`, `exclude X`, `begin X`, `section X` (abbreviated too) after a `|` of `line`
/// (whose command part is `cmd_len` bytes long): the lines the filter keeps, or IOS's error
/// under the filter's first word.
pub(super) fn apply_filter(lines: Vec<String>, filter: &str, cmd_len: usize) -> Answer {
    match lookup(filter, FILTERS, true) {
        Lookup::Found(kind, args) => {
            Answer::Show(kind.keep(lines, args.first().map_or("", String::as_str)))
        }
        _ => Answer::Invalid {
            caret: cmd_len + 1 + filter.len() - filter.trim_start().len(),
        },
    }
}

/// `show clock` in IOS format: `*08:36:01.242 UTC Fri Jul 26 2019` (the `*` means "not
/// synchronised by NTP", which is what an unconfigured lab router prints).
pub fn ios_clock(now: DateTime<Utc>) -> String {
    now.format("*%H:%M:%S%.3f UTC %a %b %-d %Y").to_string()
}
