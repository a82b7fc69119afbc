//! The IOS-like CLI as a pure state machine: bytes in, [`Reply`]s out.
//!
//! No sockets, no clock reads, no sleeping: the caller passes the current time and applies the
//! latency profile to [`Reply::Show`] itself. That keeps every dialogue rule (echo, prompts,
//! `enable`, paging, IOS error messages) testable without a network.

use chrono::{DateTime, Utc};

/// The running-config every device shows; its `hostname` line is replaced per device.
const RUNNING_CONFIG: &str = include_str!("../../fixtures/running-config.txt");

/// What IOS prints after the last line of a page; erased with backspaces when the user goes on.
const MORE: &str = " --More-- ";

/// Default `terminal length` of a vty line.
pub const DEFAULT_TERM_LENGTH: usize = 24;

/// Everything that makes one device's CLI differ from another's.
#[derive(Debug, Clone)]
pub struct IosConfig {
    pub hostname: String,
    /// The enable secret. Never echoed, never printed.
    pub secret: String,
    /// Fault: `enable` is always denied, even with the right secret.
    pub enable_refused: bool,
    /// Fault: a prompt that is not `HOSTNAME>` / `HOSTNAME#` (e.g. `router-weird$ `).
    pub prompt_override: Option<String>,
    /// Boot time, for the uptime line of `show version`.
    pub boot: DateTime<Utc>,
    /// IOS-XE: the same CLI with XE's `show version`.
    pub xe: bool,
}

/// One piece of output, in order. Consecutive pieces may be coalesced by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Echo of typed characters: sent at once, never delayed.
    Echo(Vec<u8>),
    /// A short answer (prompt, error, the enable dialogue, a further `--More--` page): no latency.
    Text(Vec<u8>),
    /// The output of a `show` command (first page, then the prompt or `--More--`): the latency
    /// profile delays it, and the output faults (hang, disconnect, slow) apply to it.
    Show(Vec<u8>),
    /// The session ends (`exit`, `logout`, `quit`).
    Close,
}

/// Result of a one-off exec request (`ssh host "show clock"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub output: Vec<u8>,
    /// True when the output came from a `show` command (so it gets the command latency).
    pub is_show: bool,
    pub exit_status: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Reading a command line.
    Exec,
    /// After `enable`: reading the secret, without echo.
    EnablePassword,
    /// A paged output is waiting at `--More--`; `next` indexes `lines`.
    More { lines: Vec<String>, next: usize },
    /// After `exit`: everything is ignored.
    Closed,
}

/// What one command line resolved to, before formatting.
enum Outcome {
    /// Just the prompt again (empty line, `terminal ...`, `disable`).
    Prompt,
    /// Output lines of a `show` command.
    Show(Vec<String>),
    /// `enable` from user mode: ask for the secret.
    AskSecret,
    /// An IOS error; `caret` is the byte offset in the line of the offending token.
    Invalid {
        caret: usize,
    },
    Incomplete,
    Ambiguous(String),
    Close,
}

/// One vty session's CLI state.
#[derive(Debug, Clone)]
pub struct Ios {
    cfg: IosConfig,
    privileged: bool,
    mode: Mode,
    line: Vec<u8>,
    term_length: usize,
    term_width: usize,
    /// The previous byte was `\r`, so a following `\n` belongs to the same Enter.
    after_cr: bool,
}

impl Ios {
    /// A new session, in user EXEC mode (`R1>`), as IOS starts a vty line.
    pub fn new(cfg: IosConfig) -> Self {
        Ios {
            cfg,
            privileged: false,
            mode: Mode::Exec,
            line: Vec::new(),
            term_length: DEFAULT_TERM_LENGTH,
            term_width: 80,
            after_cr: false,
        }
    }

    /// The current prompt, exactly as sent (no newline).
    pub fn prompt(&self) -> String {
        match &self.cfg.prompt_override {
            Some(p) => p.clone(),
            None => format!(
                "{}{}",
                self.cfg.hostname,
                if self.privileged { '#' } else { '>' }
            ),
        }
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    pub fn term_length(&self) -> usize {
        self.term_length
    }

    pub fn term_width(&self) -> usize {
        self.term_width
    }

    pub fn is_closed(&self) -> bool {
        self.mode == Mode::Closed
    }

    /// What a new shell shows first: a blank line, then the prompt.
    pub fn greeting(&self) -> Vec<u8> {
        format!("\r\n{}", self.prompt()).into_bytes()
    }

    /// Feeds bytes typed by the client; returns the replies in order.
    pub fn feed(&mut self, input: &[u8], now: DateTime<Utc>) -> Vec<Reply> {
        let mut out = Vec::new();
        let mut echo = Vec::new();
        for &b in input {
            // `\r\n` is one Enter; so is a lone `\r` or `\n`. NUL after CR (telnet style) too.
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            if after_cr && (b == b'\n' || b == 0) {
                continue;
            }
            let enter = b == b'\r' || b == b'\n';
            match &mut self.mode {
                Mode::Closed => return flush(out, echo),
                Mode::EnablePassword => {
                    if enter {
                        flush_echo(&mut out, &mut echo);
                        out.push(Reply::Text(self.check_secret()));
                    } else if is_backspace(b) {
                        self.line.pop();
                    } else if b >= 0x20 {
                        self.line.push(b);
                    }
                }
                Mode::More { lines, next } => {
                    flush_echo(&mut out, &mut echo);
                    let lines = std::mem::take(lines);
                    let next = *next;
                    let mut text = erase_more();
                    let count = match b {
                        b' ' => self.page_size(),
                        b'\r' | b'\n' => 1,
                        // `q` and any other key end the listing, as on IOS.
                        _ => 0,
                    };
                    if count == 0 {
                        self.mode = Mode::Exec;
                        text.extend_from_slice(self.prompt().as_bytes());
                    } else {
                        text.extend(self.page(lines, next, count));
                    }
                    out.push(Reply::Text(text));
                }
                Mode::Exec => {
                    if enter {
                        echo.extend_from_slice(b"\r\n");
                        flush_echo(&mut out, &mut echo);
                        let line =
                            String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                        self.run_line(&line, now, &mut out);
                    } else if is_backspace(b) {
                        if self.line.pop().is_some() {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    } else if b >= 0x20 {
                        self.line.push(b);
                        echo.push(b);
                    }
                    // Other control characters (tab, Ctrl-C, escape sequences' ESC) are ignored.
                }
            }
        }
        flush(out, echo)
    }

    /// Runs one command as an exec request: no echo, no prompt, no paging.
    pub fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput {
        let text = |s: String, status| ExecOutput {
            output: s.into_bytes(),
            is_show: false,
            exit_status: status,
        };
        match self.resolve(command, now) {
            Outcome::Prompt | Outcome::Close => text(String::new(), 0),
            Outcome::Show(lines) => ExecOutput {
                output: join_lines(&lines).into_bytes(),
                is_show: true,
                exit_status: 0,
            },
            Outcome::AskSecret => {
                text("% enable is not available in an exec request\r\n".into(), 1)
            }
            Outcome::Invalid { caret } => text(invalid_input(caret), 1),
            Outcome::Incomplete => text("% Incomplete command.\r\n".into(), 1),
            Outcome::Ambiguous(cmd) => text(ambiguous(&cmd), 1),
        }
    }

    fn run_line(&mut self, line: &str, now: DateTime<Utc>, out: &mut Vec<Reply>) {
        let prompt_len = self.prompt().len();
        match self.resolve(line, now) {
            Outcome::Prompt => out.push(Reply::Text(self.prompt().into_bytes())),
            Outcome::Show(lines) => {
                let page = self.page(lines, 0, self.page_size());
                out.push(Reply::Show(page));
            }
            Outcome::AskSecret => {
                self.mode = Mode::EnablePassword;
                self.line.clear();
                out.push(Reply::Text(b"Password: ".to_vec()));
            }
            Outcome::Invalid { caret } => {
                let mut s = invalid_input(prompt_len + caret);
                s.push_str("\r\n");
                s.push_str(&self.prompt());
                out.push(Reply::Text(s.into_bytes()));
            }
            Outcome::Incomplete => {
                let s = format!("% Incomplete command.\r\n\r\n{}", self.prompt());
                out.push(Reply::Text(s.into_bytes()));
            }
            Outcome::Ambiguous(cmd) => {
                let s = format!("{}{}", ambiguous(&cmd), self.prompt());
                out.push(Reply::Text(s.into_bytes()));
            }
            Outcome::Close => {
                self.mode = Mode::Closed;
                out.push(Reply::Close);
            }
        }
    }

    /// Lines per `--More--` page: IOS keeps the last screen line for `--More--` itself.
    fn page_size(&self) -> usize {
        if self.term_length == 0 {
            usize::MAX
        } else {
            self.term_length.saturating_sub(1).max(1)
        }
    }

    /// Up to `count` lines from `start`, then `--More--` (and the rest kept) or the prompt.
    fn page(&mut self, lines: Vec<String>, start: usize, count: usize) -> Vec<u8> {
        let end = start.saturating_add(count).min(lines.len());
        let mut s = join_lines(lines.get(start..end).unwrap_or_default());
        if end < lines.len() {
            s.push_str(MORE);
            self.mode = Mode::More { lines, next: end };
        } else {
            self.mode = Mode::Exec;
            s.push_str(&self.prompt());
        }
        s.into_bytes()
    }

    fn check_secret(&mut self) -> Vec<u8> {
        let typed = std::mem::take(&mut self.line);
        self.mode = Mode::Exec;
        let ok = !self.cfg.enable_refused
            && !self.cfg.secret.is_empty()
            && typed == self.cfg.secret.as_bytes();
        if ok {
            self.privileged = true;
            format!("\r\n{}", self.prompt()).into_bytes()
        } else {
            format!("\r\n% Access denied\r\n\r\n{}", self.prompt()).into_bytes()
        }
    }

    /// Parses one command line (IOS abbreviations allowed) and applies its effect.
    fn resolve(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        // An output filter: `show ... | include X`.
        let (cmd, filter) = match line.split_once('|') {
            Some((c, f)) => (c, Some(f)),
            None => (line, None),
        };
        let words = tokens(cmd);
        let Some(&(first_at, first)) = words.first() else {
            return Outcome::Prompt;
        };
        const TOP: &[&str] = &[
            "enable", "disable", "exit", "logout", "quit", "show", "terminal",
        ];
        let verb = match keyword(first, TOP) {
            Ok(v) => v,
            Err(Some(())) => return Outcome::Ambiguous(line.trim().to_string()),
            Err(None) => return Outcome::Invalid { caret: first_at },
        };
        let rest = &words[1..];
        let outcome = match verb {
            "enable" | "disable" | "exit" | "logout" | "quit" => {
                if let Some(&(at, _)) = rest.first() {
                    return Outcome::Invalid { caret: at };
                }
                match verb {
                    "enable" if !self.privileged => Outcome::AskSecret,
                    "enable" => Outcome::Prompt,
                    "disable" => {
                        self.privileged = false;
                        Outcome::Prompt
                    }
                    _ => Outcome::Close,
                }
            }
            "terminal" => self.terminal(rest, cmd.len()),
            _ => self.show(rest, now),
        };
        match (outcome, filter) {
            (Outcome::Show(lines), Some(f)) => match apply_filter(lines, f) {
                Some(lines) => Outcome::Show(lines),
                None => Outcome::Invalid {
                    caret: cmd.len() + 1 + f.len() - f.trim_start().len(),
                },
            },
            (o, _) => o,
        }
    }

    fn terminal(&mut self, rest: &[(usize, &str)], end: usize) -> Outcome {
        let Some(&(at, word)) = rest.first() else {
            return Outcome::Incomplete;
        };
        let sub = match keyword(word, &["length", "width", "monitor", "no"]) {
            Ok(s) => s,
            Err(Some(())) => return Outcome::Ambiguous(word.to_string()),
            Err(None) => return Outcome::Invalid { caret: at },
        };
        match sub {
            "length" | "width" => {
                let Some(&(n_at, n)) = rest.get(1) else {
                    return Outcome::Incomplete;
                };
                let Ok(n) = n.parse::<usize>() else {
                    return Outcome::Invalid { caret: n_at };
                };
                if n > 512 {
                    return Outcome::Invalid { caret: n_at };
                }
                if let Some(&(extra, _)) = rest.get(2) {
                    return Outcome::Invalid { caret: extra };
                }
                if sub == "length" {
                    self.term_length = n;
                } else {
                    self.term_width = n;
                }
                Outcome::Prompt
            }
            // `terminal monitor`, `terminal no monitor`, ...: accepted and ignored.
            _ if rest.len() > 1 || sub == "monitor" => Outcome::Prompt,
            _ => Outcome::Invalid { caret: end },
        }
    }

    fn show(&mut self, rest: &[(usize, &str)], now: DateTime<Utc>) -> Outcome {
        let Some(&(at, word)) = rest.first() else {
            return Outcome::Incomplete;
        };
        // `running-config` exists only at privilege level 15, like on IOS: in user mode it
        // is not an abbreviation candidate, so `show run` is invalid input there.
        let mut subs = vec!["clock", "version", "ip", "privilege"];
        if self.privileged {
            subs.push("running-config");
        }
        let sub = match keyword(word, &subs) {
            Ok(s) => s,
            Err(Some(())) => return Outcome::Ambiguous(format!("show {word}")),
            Err(None) => return Outcome::Invalid { caret: at },
        };
        let args = &rest[1..];
        let extra = |n: usize| args.get(n).map(|&(at, _)| Outcome::Invalid { caret: at });
        match sub {
            "ip" => {
                let Some(&(i_at, i)) = args.first() else {
                    return Outcome::Incomplete;
                };
                if keyword(i, &["interface"]).is_err() {
                    return Outcome::Invalid { caret: i_at };
                }
                let Some(&(b_at, b)) = args.get(1) else {
                    return Outcome::Incomplete;
                };
                if keyword(b, &["brief"]).is_err() {
                    return Outcome::Invalid { caret: b_at };
                }
                extra(2).unwrap_or_else(|| Outcome::Show(ip_interface_brief()))
            }
            _ => {
                if let Some(e) = extra(0) {
                    return e;
                }
                Outcome::Show(match sub {
                    "clock" => vec![ios_clock(now)],
                    "version" => self.version(now),
                    "privilege" => vec![format!(
                        "Current privilege level is {}",
                        if self.privileged { 15 } else { 1 }
                    )],
                    _ => running_config(&self.cfg.hostname),
                })
            }
        }
    }

    fn version(&self, now: DateTime<Utc>) -> Vec<String> {
        if self.cfg.xe {
            return super::platforms::xe_show_version(&self.cfg.hostname, self.cfg.boot, now);
        }
        let h = &self.cfg.hostname;
        let text = format!(
            "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M4, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2021 by Cisco Systems, Inc.
Compiled Thu 28-Oct-21 14:31 by mcpre


ROM: Bootstrap program is IOSv

{h} uptime is {uptime}
System returned to ROM by reload
System image file is \"flash0:/vios-adventerprisek9-m\"
Last reload reason: Unknown reason



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.

Cisco IOSv (revision 1.0) with  with 460137K/62464K bytes of memory.
Processor board ID 9KY0KWB2UZUTCV9EV1Q2J
4 Gigabit Ethernet interfaces
DRAM configuration is 72 bits wide with parity disabled.
256K bytes of non-volatile configuration memory.
2097152K bytes of ATA System CompactFlash 0 (Read/Write)
0K bytes of ATA CompactFlash 1 (Read/Write)
0K bytes of ATA CompactFlash 2 (Read/Write)
10080K bytes of ATA CompactFlash 3 (Read/Write)

Configuration register is 0x0",
            uptime = uptime(now.signed_duration_since(self.cfg.boot))
        );
        text.lines().map(str::to_string).collect()
    }
}

/// Matches a possibly abbreviated word against keywords: `Err(Some(()))` when ambiguous,
/// `Err(None)` when nothing matches. An exact match wins over longer candidates.
fn keyword<'a>(word: &str, candidates: &[&'a str]) -> Result<&'a str, Option<()>> {
    let w = word.to_ascii_lowercase();
    if let Some(exact) = candidates.iter().find(|c| **c == w) {
        return Ok(exact);
    }
    let mut hits = candidates.iter().filter(|c| c.starts_with(&w));
    match (hits.next(), hits.next()) {
        (Some(one), None) => Ok(one),
        (Some(_), Some(_)) => Err(Some(())),
        _ => Err(None),
    }
}

/// Words with their byte offsets in the line (for the `^` marker).
fn tokens(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// `include X`, `exclude X`, `begin X` (abbreviated too); `None` for an unknown filter.
fn apply_filter(lines: Vec<String>, filter: &str) -> Option<Vec<String>> {
    let filter = filter.trim();
    let (kind, pattern) = filter.split_once(char::is_whitespace)?;
    let pattern = pattern.trim();
    match keyword(kind, &["include", "exclude", "begin"]).ok()? {
        "include" => Some(lines.into_iter().filter(|l| l.contains(pattern)).collect()),
        "exclude" => Some(lines.into_iter().filter(|l| !l.contains(pattern)).collect()),
        _ => Some(
            lines
                .into_iter()
                .skip_while(|l| !l.contains(pattern))
                .collect(),
        ),
    }
}

fn is_backspace(b: u8) -> bool {
    b == 0x08 || b == 0x7f
}

fn flush_echo(out: &mut Vec<Reply>, echo: &mut Vec<u8>) {
    if !echo.is_empty() {
        out.push(Reply::Echo(std::mem::take(echo)));
    }
}

fn flush(mut out: Vec<Reply>, mut echo: Vec<u8>) -> Vec<Reply> {
    flush_echo(&mut out, &mut echo);
    out
}

/// Each line followed by CRLF.
fn join_lines(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

/// What IOS sends to wipe ` --More-- `: backspaces, spaces, backspaces.
fn erase_more() -> Vec<u8> {
    let n = MORE.len();
    let mut v = Vec::with_capacity(3 * n);
    v.extend(std::iter::repeat_n(b'\x08', n));
    v.extend(std::iter::repeat_n(b' ', n));
    v.extend(std::iter::repeat_n(b'\x08', n));
    v
}

fn invalid_input(caret_col: usize) -> String {
    format!(
        "{}^\r\n% Invalid input detected at '^' marker.\r\n",
        " ".repeat(caret_col)
    )
}

fn ambiguous(cmd: &str) -> String {
    format!("% Ambiguous command:  \"{cmd}\"\r\n")
}

/// `show clock` in IOS format: `*08:36:01.242 UTC Fri Jul 26 2019` (the `*` means "not
/// synchronised by NTP", which is what an unconfigured lab router prints).
pub fn ios_clock(now: DateTime<Utc>) -> String {
    now.format("*%H:%M:%S%.3f UTC %a %b %-d %Y").to_string()
}

/// IOS uptime wording: `2 days, 3 hours, 4 minutes`; leading zero units are left out.
pub(crate) fn uptime(d: chrono::TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let parts = [
        (mins / (7 * 24 * 60), "week"),
        (mins / (24 * 60) % 7, "day"),
        (mins / 60 % 24, "hour"),
        (mins % 60, "minute"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ip_interface_brief() -> Vec<String> {
    let rows = [
        ("GigabitEthernet0/0", "192.0.2.1", "up", "up"),
        ("GigabitEthernet0/1", "198.51.100.1", "up", "up"),
        (
            "GigabitEthernet0/2",
            "unassigned",
            "administratively down",
            "down",
        ),
        (
            "GigabitEthernet0/3",
            "unassigned",
            "administratively down",
            "down",
        ),
        ("Loopback0", "1.1.1.1", "up", "up"),
    ];
    let mut out = vec![
        "Interface              IP-Address      OK? Method Status                Protocol"
            .to_string(),
    ];
    for (name, ip, status, proto) in rows {
        out.push(format!(
            "{name:<23}{ip:<16}YES NVRAM  {status:<22}{proto:<8}"
        ));
    }
    out
}

/// The fixture with this device's hostname, behind IOS's `Building configuration...` header.
fn running_config(hostname: &str) -> Vec<String> {
    let body: Vec<String> = RUNNING_CONFIG
        .lines()
        .map(|l| {
            if l.starts_with("hostname ") {
                format!("hostname {hostname}")
            } else {
                l.to_string()
            }
        })
        .collect();
    let bytes: usize = body.iter().map(|l| l.len() + 1).sum();
    let mut out = vec![
        "Building configuration...".to_string(),
        String::new(),
        format!("Current configuration : {bytes} bytes"),
    ];
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2019, 7, 26, 8, 36, 1).unwrap() + chrono::TimeDelta::milliseconds(242)
    }

    fn ios() -> Ios {
        Ios::new(IosConfig {
            hostname: "R1".into(),
            secret: "s3cret".into(),
            enable_refused: false,
            prompt_override: None,
            boot: now() - chrono::TimeDelta::minutes(3 * 24 * 60 + 65),
            xe: false,
        })
    }

    /// All replies concatenated, as a client would see them.
    fn text(replies: &[Reply]) -> String {
        let mut s = Vec::new();
        for r in replies {
            match r {
                Reply::Echo(b) | Reply::Text(b) | Reply::Show(b) => s.extend_from_slice(b),
                Reply::Close => s.extend_from_slice(b"<CLOSE>"),
            }
        }
        String::from_utf8(s).unwrap()
    }

    fn send(ios: &mut Ios, input: &str) -> String {
        text(&ios.feed(input.as_bytes(), now()))
    }

    #[test]
    fn greeting_and_empty_lines_end_with_prompt() {
        let mut i = ios();
        assert_eq!(i.greeting(), b"\r\nR1>");
        assert_eq!(send(&mut i, "\n"), "\r\nR1>");
        assert_eq!(send(&mut i, "\r\n"), "\r\nR1>");
        assert_eq!(send(&mut i, "\r"), "\r\nR1>");
        // CR and LF split across two reads are still one Enter.
        assert_eq!(send(&mut i, "\n"), "");
        assert_eq!(send(&mut i, "\n"), "\r\nR1>");
    }

    #[test]
    fn show_clock_is_echoed_then_delayed_output() {
        let mut i = ios();
        let r = i.feed(b"show clock\n", now());
        assert_eq!(
            r,
            vec![
                Reply::Echo(b"show clock\r\n".to_vec()),
                Reply::Show(b"*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>".to_vec()),
            ]
        );
        assert_eq!(
            send(&mut i, "sh clo\r"),
            "sh clo\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>"
        );
    }

    #[test]
    fn clock_day_is_not_padded() {
        let t = Utc.with_ymd_and_hms(1993, 3, 1, 0, 5, 9).unwrap();
        assert_eq!(ios_clock(t), "*00:05:09.000 UTC Mon Mar 1 1993");
    }

    #[test]
    fn typed_characters_arrive_one_by_one() {
        let mut i = ios();
        let mut all = String::new();
        for c in "sh clock\r".chars() {
            all.push_str(&send(&mut i, &c.to_string()));
        }
        assert_eq!(all, "sh clock\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>");
    }

    #[test]
    fn enable_right_and_wrong_secret() {
        let mut i = ios();
        assert_eq!(send(&mut i, "enable\n"), "enable\r\nPassword: ");
        // The secret is not echoed.
        assert_eq!(send(&mut i, "wrong\n"), "\r\n% Access denied\r\n\r\nR1>");
        assert!(!i.is_privileged());
        assert_eq!(send(&mut i, "en\r\n"), "en\r\nPassword: ");
        assert_eq!(send(&mut i, "s3cret\r\n"), "\r\nR1#");
        assert!(i.is_privileged());
        assert_eq!(send(&mut i, "enable\r"), "enable\r\nR1#");
        assert_eq!(send(&mut i, "disable\r"), "disable\r\nR1>");
    }

    #[test]
    fn enable_refused_fault_denies_the_right_secret() {
        let mut i = ios();
        i.cfg.enable_refused = true;
        send(&mut i, "enable\n");
        assert_eq!(send(&mut i, "s3cret\n"), "\r\n% Access denied\r\n\r\nR1>");
    }

    #[test]
    fn terminal_commands_answer_with_prompt_only() {
        let mut i = ios();
        assert_eq!(
            send(&mut i, "terminal width 511\n"),
            "terminal width 511\r\nR1>"
        );
        assert_eq!(
            send(&mut i, "terminal length 0\n"),
            "terminal length 0\r\nR1>"
        );
        assert_eq!(i.term_length(), 0);
        assert_eq!(i.term_width(), 511);
        assert_eq!(
            send(&mut i, "term len 10\n"),
            "term len 10\r\nR1>",
            "abbreviations work"
        );
        assert_eq!(i.term_length(), 10);
        let r = i.feed(b"terminal length 0\n", now());
        assert!(r.iter().all(|r| !matches!(r, Reply::Show(_))), "no latency");
    }

    #[test]
    fn invalid_input_has_caret_under_offending_word() {
        let mut i = ios();
        assert_eq!(
            send(&mut i, "show foo\n"),
            "show foo\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1>"
        );
        assert_eq!(
            send(&mut i, "bogus\n"),
            "bogus\r\n   ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1>"
        );
        assert_eq!(
            send(&mut i, "show\n"),
            "show\r\n% Incomplete command.\r\n\r\nR1>"
        );
        assert_eq!(
            send(&mut i, "e\n"),
            "e\r\n% Ambiguous command:  \"e\"\r\nR1>"
        );
    }

    #[test]
    fn running_config_is_privileged_only() {
        let mut i = ios();
        let out = send(&mut i, "show running-config\n");
        assert!(out.contains("% Invalid input detected"), "{out}");
        send(&mut i, "enable\n");
        send(&mut i, "s3cret\n");
        send(&mut i, "terminal length 0\n");
        let out = send(&mut i, "sh run\n");
        assert!(
            out.starts_with("sh run\r\nBuilding configuration...\r\n\r\nCurrent configuration : ")
        );
        assert!(out.contains("\r\nhostname R1\r\n"));
        assert!(out.ends_with("\r\nend\r\nR1#"));
        assert!(out.lines().count() > 250);
        assert!(!out.contains(MORE));
    }

    #[test]
    fn show_version_mentions_hostname_and_uptime() {
        let mut i = ios();
        send(&mut i, "terminal length 0\n");
        let out = send(&mut i, "sh ver\n");
        assert!(
            out.contains("\r\nR1 uptime is 3 days, 1 hour, 5 minutes\r\n"),
            "{out}"
        );
        assert!(out.contains("Cisco IOS Software"));
    }

    #[test]
    fn uptime_wording() {
        assert_eq!(uptime(chrono::TimeDelta::minutes(0)), "0 minutes");
        assert_eq!(uptime(chrono::TimeDelta::minutes(61)), "1 hour, 1 minute");
        assert_eq!(
            uptime(chrono::TimeDelta::minutes(8 * 24 * 60 + 2)),
            "1 week, 1 day, 0 hours, 2 minutes"
        );
    }

    #[test]
    fn ip_interface_brief() {
        let mut i = ios();
        let out = send(&mut i, "show ip int br\n");
        assert!(out.contains("Interface"), "{out}");
        assert!(out.contains("GigabitEthernet0/0     192.0.2.1       YES NVRAM  up"));
        assert_eq!(
            send(&mut i, "show ip\n"),
            "show ip\r\n% Incomplete command.\r\n\r\nR1>"
        );
    }

    #[test]
    fn paging_space_enter_and_q() {
        let mut i = ios();
        let r = i.feed(b"show version\n", now());
        let Reply::Show(first) = &r[1] else {
            panic!("{r:?}")
        };
        let first = String::from_utf8(first.clone()).unwrap();
        assert!(first.ends_with(MORE), "{first:?}");
        assert_eq!(first.matches("\r\n").count(), DEFAULT_TERM_LENGTH - 1);
        // Enter: one more line.
        let one = send(&mut i, "\r");
        assert!(one.starts_with(&String::from_utf8(erase_more()).unwrap()));
        assert_eq!(one.matches("\r\n").count(), 1);
        assert!(one.ends_with(MORE));
        // Space: the rest (the output has fewer than two more pages).
        let rest = send(&mut i, " ");
        assert!(
            rest.ends_with("Configuration register is 0x0\r\nR1>"),
            "{rest:?}"
        );
        // q quits at once.
        send(&mut i, "show version\n");
        let q = send(&mut i, "q");
        assert_eq!(
            q,
            format!("{}R1>", String::from_utf8(erase_more()).unwrap())
        );
        // And the CLI works normally afterwards.
        assert!(send(&mut i, "show clock\n").ends_with("R1>"));
    }

    #[test]
    fn backspace_edits_the_line() {
        let mut i = ios();
        let out = send(&mut i, "show clockx\x7f\n");
        assert_eq!(
            out,
            "show clockx\x08 \x08\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>"
        );
        // Backspace on an empty line sends nothing.
        assert_eq!(send(&mut i, "\x08"), "");
    }

    #[test]
    fn exit_closes_and_ignores_the_rest() {
        let mut i = ios();
        assert_eq!(send(&mut i, "exit\nshow clock\n"), "exit\r\n<CLOSE>");
        assert!(i.is_closed());
        let mut i = ios();
        assert_eq!(send(&mut i, "logout\r\n"), "logout\r\n<CLOSE>");
    }

    #[test]
    fn weird_prompt_fault() {
        let mut i = ios();
        i.cfg.prompt_override = Some("router-weird$ ".into());
        assert_eq!(send(&mut i, "\n"), "\r\nrouter-weird$ ");
    }

    #[test]
    fn exec_requests() {
        let mut i = ios();
        let r = i.exec("show clock", now());
        assert_eq!(r.output, b"*08:36:01.242 UTC Fri Jul 26 2019\r\n");
        assert_eq!(r.exit_status, 0);
        assert!(r.is_show);
        let r = i.exec("show nothing", now());
        assert_eq!(r.exit_status, 1);
        assert!(
            String::from_utf8(r.output)
                .unwrap()
                .contains("Invalid input")
        );
    }

    #[test]
    fn output_filters() {
        let mut i = ios();
        send(&mut i, "en\n");
        send(&mut i, "s3cret\n");
        let out = send(&mut i, "show run | include hostname\n");
        assert_eq!(out, "show run | include hostname\r\nhostname R1\r\nR1#");
    }
}
