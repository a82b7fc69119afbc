//! The platform table: what the client needs to know about each netmiko `device_type`, in one
//! place. The client's dialogue (`fleetbench_client::dialogue`) reads a row and has no
//! per-vendor code of its own, so adding a platform is adding a row (and its tests).
//!
//! Each row says how the prompt looks (the characters it may hold, what ends an unprivileged
//! and a privileged one, how config mode shows), how paging is turned off, how privilege is
//! raised, which output lines mean "the device rejected the command", what the pager prints
//! when paging is still on, how to leave, and which escape sequences to strip first.

use std::fmt;

/// One supported platform (a netmiko `device_type`).
#[derive(Debug, PartialEq, Eq)]
pub struct Platform {
    /// netmiko's name, as written in a devices.yaml: `cisco_ios`, `juniper_junos`, ...
    pub device_type: &'static str,
    /// Short name for `emulate --platforms` (`ios`, `xe`, `nxos`, `xr`, `eos`, `junos`, `linux`).
    pub short: &'static str,
    pub prompt: PromptStyle,
    /// Sent one by one after the first prompt, each answered by the prompt, so output is not
    /// paged. Their output is ignored: a device that refuses one still works, paged.
    pub paging_off: &'static [&'static str],
    /// Raises privilege when the first prompt is unprivileged and a secret is given; `None`
    /// where the login is already at the level commands need (NX-OS, IOS-XR, Junos, Linux).
    pub enable: Option<&'static str>,
    /// Output lines meaning the device rejected the command (`command_rejected`).
    pub rejected: &'static [Marker],
    /// What the pager prints when paging is still on; answered with a space.
    pub pager: Option<&'static str>,
    /// Lines the device prints just above its prompt that belong to the prompt, not to the
    /// output (Junos `{master:0}` and `[edit]`); dropped from the end of an output.
    pub prompt_context: &'static [&'static str],
    /// The command that ends the session.
    pub exit: &'static str,
    /// This platform's `show clock`: what the classic default command becomes on it.
    pub clock_command: &'static str,
    /// Strip ANSI escape sequences (colours, titles, bracketed paste `ESC[?2004h`) before
    /// looking for the prompt and in the output: shells send them, network CLIs do not.
    pub strip_ansi: bool,
    /// Lines by which a device that logged the user in says every session line is busy,
    /// then closes (`vty_busy`). Empty where the platform refuses such a connection before
    /// the login, which a client cannot tell from other refusals.
    pub session_limit: &'static [Marker],
}

/// How a prompt looks.
#[derive(Debug, PartialEq, Eq)]
pub struct PromptStyle {
    /// Last character of an unprivileged prompt (`R1>`, `user@host:~$`).
    pub unprivileged: u8,
    /// Last character of a privileged prompt (`R1#`, `root@host:~#`).
    pub privileged: u8,
    /// Characters a prompt may hold besides ASCII letters and digits; `None`: any printable
    /// ASCII, spaces included (a shell's `[user@host ~]$`).
    pub chars: Option<&'static str>,
    /// Whether config mode keeps the base prompt and appends `(config...)` (`R1(config-if)#`).
    pub config_in_parens: bool,
}

/// A marker of a rejected command, matched against each output line.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Marker {
    /// The line, leading spaces ignored, starts with this (`% Invalid input`).
    Starts(&'static str),
    /// The line contains this anywhere (`-bash: foo: command not found`).
    Contains(&'static str),
}

impl Marker {
    pub fn matches(&self, line: &str) -> bool {
        match self {
            Marker::Starts(m) => line.trim_start().starts_with(m),
            Marker::Contains(m) => line.contains(m),
        }
    }
}

/// Longest prompt recognised: a 63-character hostname plus an IOS-XR route processor path
/// or a Junos user name.
const MAX_PROMPT: usize = 96;

/// Characters of IOS-family hostnames (letters and digits implied).
const CISCO_CHARS: &str = "-_./";

const CISCO_REJECTED: &[Marker] = &[
    Marker::Starts("% Invalid input"),
    Marker::Starts("% Incomplete command"),
    Marker::Starts("% Ambiguous command"),
    Marker::Starts("% Unknown command"),
    Marker::Starts("% Unrecognized command"),
];

const CISCO_PROMPT: PromptStyle = PromptStyle {
    unprivileged: b'>',
    privileged: b'#',
    chars: Some(CISCO_CHARS),
    config_in_parens: true,
};

/// Every supported platform. The first row is the default `device_type`.
pub static PLATFORMS: &[Platform] = &[
    Platform {
        device_type: "cisco_ios",
        short: "ios",
        prompt: CISCO_PROMPT,
        paging_off: &["terminal length 0"],
        enable: Some("enable"),
        rejected: CISCO_REJECTED,
        pager: Some("--More--"),
        prompt_context: &[],
        exit: "exit",
        clock_command: "show clock",
        strip_ansi: false,
        session_limit: &[],
    },
    Platform {
        device_type: "cisco_xe",
        short: "xe",
        prompt: CISCO_PROMPT,
        paging_off: &["terminal length 0"],
        enable: Some("enable"),
        rejected: CISCO_REJECTED,
        pager: Some("--More--"),
        prompt_context: &[],
        exit: "exit",
        clock_command: "show clock",
        strip_ansi: false,
        session_limit: &[],
    },
    Platform {
        device_type: "cisco_nxos",
        short: "nxos",
        prompt: CISCO_PROMPT,
        paging_off: &["terminal length 0"],
        enable: None,
        rejected: &[
            Marker::Starts("% Invalid command"),
            Marker::Starts("% Invalid input"),
            Marker::Starts("% Invalid parameter"),
            Marker::Starts("% Incomplete command"),
            Marker::Starts("% Ambiguous command"),
        ],
        pager: Some("--More--"),
        prompt_context: &[],
        exit: "exit",
        clock_command: "show clock",
        strip_ansi: false,
        session_limit: &[Marker::Contains("CLI session limit")],
    },
    Platform {
        device_type: "cisco_xr",
        short: "xr",
        // `RP/0/RP0/CPU0:R1#`: the route processor's path, a colon, the hostname.
        prompt: PromptStyle {
            chars: Some("-_./:"),
            ..CISCO_PROMPT
        },
        paging_off: &["terminal length 0"],
        enable: None,
        rejected: &[
            Marker::Starts("% Invalid input"),
            Marker::Starts("% Incomplete command"),
            Marker::Starts("% Ambiguous command"),
            Marker::Starts("% This command is not authorized"),
        ],
        pager: Some("--More--"),
        prompt_context: &[],
        exit: "exit",
        clock_command: "show clock",
        strip_ansi: false,
        session_limit: &[],
    },
    Platform {
        device_type: "arista_eos",
        short: "eos",
        prompt: CISCO_PROMPT,
        paging_off: &["terminal length 0"],
        enable: Some("enable"),
        rejected: &[
            Marker::Starts("% Invalid input"),
            Marker::Starts("% Incomplete command"),
            Marker::Starts("% Ambiguous command"),
            Marker::Starts("% Unavailable command"),
        ],
        pager: Some("--More--"),
        prompt_context: &[],
        exit: "exit",
        clock_command: "show clock",
        strip_ansi: false,
        session_limit: &[],
    },
    Platform {
        device_type: "juniper_junos",
        short: "junos",
        // `user@R1> ` in operational mode, `user@R1# ` (under an `[edit]` line) in
        // configuration mode.
        prompt: PromptStyle {
            unprivileged: b'>',
            privileged: b'#',
            chars: Some("-_.@/:"),
            config_in_parens: false,
        },
        paging_off: &["set cli screen-length 0"],
        enable: None,
        rejected: &[
            Marker::Starts("syntax error"),
            Marker::Starts("unknown command"),
            Marker::Starts("error:"),
            Marker::Starts("missing argument"),
        ],
        pager: Some("---(more"),
        prompt_context: &["{master", "{backup", "{primary", "{secondary", "[edit"],
        exit: "exit",
        clock_command: "show system uptime",
        strip_ansi: false,
        session_limit: &[],
    },
    Platform {
        device_type: "linux",
        short: "linux",
        // `user@host:~$ `, `[user@host ~]$ `, `root@host:/etc# `.
        prompt: PromptStyle {
            unprivileged: b'$',
            privileged: b'#',
            chars: None,
            config_in_parens: false,
        },
        // A command that would start a pager on a terminal (`systemctl status`, `git log`)
        // must not wait for a key: nothing is paged.
        paging_off: &["export PAGER=cat SYSTEMD_PAGER=cat"],
        enable: None,
        rejected: &[Marker::Contains("command not found")],
        pager: None,
        prompt_context: &[],
        exit: "exit",
        clock_command: "date",
        strip_ansi: true,
        session_limit: &[Marker::Starts("Too many logins for")],
    },
];

/// The default `device_type` when an inventory gives none (netmiko's classic).
pub const DEFAULT_DEVICE_TYPE: &str = "cisco_ios";

/// An unknown `device_type`, with the closest supported one when it looks like a misspelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownPlatform {
    pub given: String,
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown device_type '{}'", self.given)?;
        if let Some(s) = self.suggestion {
            write!(f, "; did you mean '{s}'?")?;
        }
        write!(f, " (supported: {})", supported_list())
    }
}

/// `cisco_ios, cisco_xe, ...`, for error messages.
pub fn supported_list() -> String {
    PLATFORMS
        .iter()
        .map(|p| p.device_type)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Platform {
    /// The first line of `text` by which the device says every session line is busy
    /// ([`Platform::session_limit`]), trimmed.
    pub fn session_limit_line<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.split(['\r', '\n'])
            .find(|l| self.session_limit.iter().any(|m| m.matches(l)))
            .map(str::trim)
    }

    /// The row of a netmiko `device_type` (exact, as netmiko matches it).
    pub fn by_device_type(name: &str) -> Result<&'static Platform, UnknownPlatform> {
        PLATFORMS
            .iter()
            .find(|p| p.device_type == name)
            .ok_or_else(|| UnknownPlatform {
                given: name.to_string(),
                suggestion: suggest(name),
            })
    }

    /// The row of a short name (`eos`) or a `device_type` (`arista_eos`).
    pub fn by_name(name: &str) -> Result<&'static Platform, UnknownPlatform> {
        let lower = name.trim().to_ascii_lowercase();
        PLATFORMS
            .iter()
            .find(|p| p.short == lower || p.device_type == lower)
            .ok_or_else(|| UnknownPlatform {
                given: name.to_string(),
                suggestion: suggest(&lower),
            })
    }

    /// The default platform, `cisco_ios`.
    pub fn default_platform() -> &'static Platform {
        &PLATFORMS[0]
    }

    /// The first marker of a rejected command found in `output`: the line that matched.
    pub fn rejection<'a>(&self, output: &'a str) -> Option<&'a str> {
        output
            .lines()
            .find(|l| self.rejected.iter().any(|m| m.matches(l)))
            .map(str::trim)
    }

    /// Whether `body` may be a prompt of this platform without its last character.
    pub fn is_prompt_body(&self, body: &[u8]) -> bool {
        if body.is_empty() || body.len() > MAX_PROMPT {
            return false;
        }
        match self.prompt.chars {
            Some(extra) => {
                body[0].is_ascii_alphanumeric()
                    && body
                        .iter()
                        .all(|&c| c.is_ascii_alphanumeric() || extra.as_bytes().contains(&c))
            }
            None => body.iter().all(|&c| (0x20..0x7f).contains(&c)) && body[0] != b' ',
        }
    }
}

/// The supported `device_type` or short name closest to `name` (edit distance at most 3, or
/// a supported name that contains it or is contained in it, like `ios` or `junos`).
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase().replace(['-', ' '], "_");
    let mut best: Option<(usize, &'static str)> = None;
    for p in PLATFORMS {
        let d = strsim::levenshtein(&lower, p.device_type)
            .min(strsim::levenshtein(&lower, p.short) + 1);
        let contains = lower.len() >= 3
            && (p.device_type.contains(lower.as_str()) || lower.contains(p.device_type));
        let d = if contains { d.min(1) } else { d };
        if d <= 3 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, p.device_type));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_default_is_ios() {
        assert_eq!(
            Platform::default_platform().device_type,
            DEFAULT_DEVICE_TYPE
        );
        for (i, a) in PLATFORMS.iter().enumerate() {
            for b in &PLATFORMS[i + 1..] {
                assert_ne!(a.device_type, b.device_type);
                assert_ne!(a.short, b.short);
            }
            assert!(!a.rejected.is_empty(), "{}", a.device_type);
            assert!(!a.paging_off.is_empty(), "{}", a.device_type);
        }
        assert_eq!(PLATFORMS.len(), 7);
    }

    #[test]
    fn lookup_and_suggestions() {
        assert_eq!(
            Platform::by_device_type("juniper_junos").unwrap().short,
            "junos"
        );
        assert_eq!(Platform::by_name("EOS").unwrap().device_type, "arista_eos");
        assert_eq!(Platform::by_name("cisco_xr").unwrap().short, "xr");
        let e = Platform::by_device_type("cisco_nxso").unwrap_err();
        assert_eq!(e.suggestion, Some("cisco_nxos"));
        assert_eq!(
            e.to_string(),
            "unknown device_type 'cisco_nxso'; did you mean 'cisco_nxos'? (supported: cisco_ios, \
             cisco_xe, cisco_nxos, cisco_xr, arista_eos, juniper_junos, linux)"
        );
        assert_eq!(
            Platform::by_device_type("junos").unwrap_err().suggestion,
            Some("juniper_junos")
        );
        assert_eq!(
            Platform::by_device_type("arista-eos")
                .unwrap_err()
                .suggestion,
            Some("arista_eos")
        );
        assert_eq!(
            Platform::by_device_type("not_a_type")
                .unwrap_err()
                .suggestion,
            None
        );
        // netmiko's names are lower case; so is the table.
        assert!(Platform::by_device_type("Cisco_IOS").is_err());
    }

    #[test]
    fn rejection_markers() {
        let ios = Platform::by_device_type("cisco_ios").unwrap();
        assert_eq!(
            ios.rejection("        ^\n% Invalid input detected at '^' marker."),
            Some("% Invalid input detected at '^' marker.")
        );
        assert_eq!(ios.rejection("*08:36:01.242 UTC Fri Jul 26 2019"), None);
        // A description that mentions the words is not a rejection.
        assert_eq!(ios.rejection(" description % Invalid input test"), None);
        let junos = Platform::by_device_type("juniper_junos").unwrap();
        assert!(
            junos
                .rejection("                ^\nsyntax error, expecting <command>.")
                .is_some()
        );
        assert!(junos.rejection("unknown command.").is_some());
        let linux = Platform::by_device_type("linux").unwrap();
        assert_eq!(
            linux.rejection("-bash: show: command not found"),
            Some("-bash: show: command not found")
        );
        assert_eq!(linux.rejection("Sun Nov 22 08:36:01 UTC 2026"), None);
    }

    #[test]
    fn prompt_bodies() {
        let p = |t: &str| Platform::by_device_type(t).unwrap();
        assert!(p("cisco_ios").is_prompt_body(b"sw-core.lab"));
        assert!(!p("cisco_ios").is_prompt_body(b"RP/0/RP0/CPU0:R1"));
        assert!(p("cisco_xr").is_prompt_body(b"RP/0/RP0/CPU0:R1"));
        assert!(p("juniper_junos").is_prompt_body(b"cisco@R1"));
        assert!(p("linux").is_prompt_body(b"[cisco@R1 ~]"));
        assert!(p("linux").is_prompt_body(b"cisco@R1:~"));
        assert!(!p("linux").is_prompt_body(b" x"));
        assert!(!p("cisco_ios").is_prompt_body(b"% bad input"));
    }
}
