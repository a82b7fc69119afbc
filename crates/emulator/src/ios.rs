//! The IOS-like CLI as a pure state machine: bytes in, [`Reply`]s out.
//!
//! No sockets, no clock reads, no sleeping: the caller passes the current time and applies the
//! latency profile to [`Reply::Show`] and [`Reply::Config`] itself. That keeps every dialogue
//! rule (echo, prompts, `enable`, paging, configuration mode, IOS error messages) testable
//! without a network. The device's configuration lives in a [`Shared`] that every session of
//! the device sees; [`super::config`] edits it and [`super::show`] renders the `show` outputs.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::config::{self, Applied, Ctx, Shared};
pub(crate) use super::show::uptime;
use super::show::{self, View};

mod show_cmds;
use self::show_cmds::*;
mod words;
use self::words::*;
pub(crate) use self::words::{keyword, tokens};

/// What IOS prints after the last line of a page; erased with backspaces when the user goes on.
const MORE: &str = " --More-- ";

/// Default `terminal length` of a vty line.
pub const DEFAULT_TERM_LENGTH: usize = 24;

/// Everything that makes one device's CLI differ from another's.
#[derive(Debug, Clone)]
pub struct IosConfig {
    /// The hostname when the session starts (the running-config's; `hostname X` changes it).
    pub hostname: String,
    /// The enable secret. Never echoed, never printed.
    pub secret: String,
    /// Fault: `enable` is always denied, even with the right secret.
    pub enable_refused: bool,
    /// Fault: a prompt that is not `HOSTNAME>` / `HOSTNAME#` (e.g. `router-weird$ `).
    pub prompt_override: Option<String>,
    /// Boot time, for the uptime line of `show version`.
    pub boot: DateTime<Utc>,
    /// The device: identity, place in the fleet, running and startup configs.
    pub device: Arc<Shared>,
    /// The logged-in user (`show users`, the config-change log line).
    pub user: String,
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
    /// The answer to a configuration command (usually just the next prompt): delayed by the
    /// profile's `config` latency.
    Config(Vec<u8>),
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
    /// Reading a command line (EXEC or configuration mode).
    Exec,
    /// After `enable`: reading the secret, without echo.
    EnablePassword,
    /// A paged output is waiting at `--More--`; `next` indexes `lines`.
    More { lines: Vec<String>, next: usize },
    /// After `banner KIND D`: text lines until the delimiter.
    Banner { kind: String, delim: String },
    /// After `copy running-config startup-config`: `Destination filename [startup-config]?`
    CopyDestination,
    /// After `exit`: everything is ignored.
    Closed,
}

/// What one command line resolved to, before formatting.
enum Outcome {
    /// Just the prompt again (empty line, `terminal ...`, `disable`).
    Prompt,
    /// Output lines of a `show` command.
    Show(Vec<String>),
    /// Text before the prompt, without latency (`configure terminal`'s greeting).
    Text(String),
    /// A slow exec action's output (`write memory`): command latency, then the prompt.
    Slow(String),
    /// `enable` from user mode: ask for the secret.
    AskSecret,
    /// `copy running-config startup-config`: ask for the destination.
    AskDestination,
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
    hostname: String,
    privileged: bool,
    /// `Some` in configuration mode.
    ctx: Option<Ctx>,
    mode: Mode,
    line: Vec<u8>,
    term_length: usize,
    term_width: usize,
    /// The previous byte was `\r`, so a following `\n` belongs to the same Enter.
    after_cr: bool,
    /// Command lines run since [`Ios::take_lines`], each with whether it was a `show`.
    lines_run: Vec<(String, bool)>,
}

impl Ios {
    /// A new session, in user EXEC mode (`R1>`), as IOS starts a vty line.
    pub fn new(cfg: IosConfig) -> Self {
        Ios {
            hostname: cfg.hostname.clone(),
            cfg,
            privileged: false,
            ctx: None,
            mode: Mode::Exec,
            line: Vec::new(),
            term_length: DEFAULT_TERM_LENGTH,
            term_width: 80,
            after_cr: false,
            lines_run: Vec::new(),
        }
    }

    /// The non-empty command lines run since the last call, in order, each with whether it
    /// was a `show` (whose [`Reply::Show`] comes in the same order). Never the enable secret:
    /// that is read in its own mode, not run as a line.
    pub fn take_lines(&mut self) -> Vec<(String, bool)> {
        std::mem::take(&mut self.lines_run)
    }

    /// The current prompt, exactly as sent (no newline).
    pub fn prompt(&self) -> String {
        match (&self.cfg.prompt_override, &self.ctx) {
            (Some(p), _) => p.clone(),
            (None, Some(ctx)) => format!("{}({})#", self.hostname, ctx.prompt_tag()),
            (None, None) => format!(
                "{}{}",
                self.hostname,
                if self.privileged { '#' } else { '>' }
            ),
        }
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    /// True in configuration mode (any `(config...)#` prompt).
    pub fn in_config(&self) -> bool {
        self.ctx.is_some()
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

    /// What a new shell shows first: the MOTD and exec banners of the running-config, a blank
    /// line, then the prompt.
    pub fn greeting(&self) -> Vec<u8> {
        let mut s = String::new();
        for kind in ["motd", "exec"] {
            if let Some(text) = self.cfg.device.banner(kind) {
                s.push_str(&text.replace('\n', "\r\n"));
                s.push_str("\r\n");
            }
        }
        s.push_str("\r\n");
        s.push_str(&self.prompt());
        s.into_bytes()
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
                Mode::Exec | Mode::Banner { .. } | Mode::CopyDestination => {
                    if enter {
                        echo.extend_from_slice(b"\r\n");
                        flush_echo(&mut out, &mut echo);
                        let line =
                            String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                        self.run_line(&line, now, &mut out);
                    } else if b == 0x1a && self.ctx.is_some() && self.mode == Mode::Exec {
                        // Ctrl-Z: leave configuration mode at once.
                        echo.extend_from_slice(b"^Z\r\n");
                        flush_echo(&mut out, &mut echo);
                        self.line.clear();
                        self.ctx = None;
                        out.push(Reply::Text(self.prompt().into_bytes()));
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
            Outcome::Text(s) => text(s, 0),
            Outcome::Slow(s) => ExecOutput {
                output: s.into_bytes(),
                is_show: true,
                exit_status: 0,
            },
            Outcome::AskSecret => {
                text("% enable is not available in an exec request\r\n".into(), 1)
            }
            Outcome::AskDestination => text("% copy needs an interactive session\r\n".into(), 1),
            Outcome::Invalid { caret } => text(invalid_input(caret), 1),
            Outcome::Incomplete => text("% Incomplete command.\r\n".into(), 1),
            Outcome::Ambiguous(cmd) => text(ambiguous(&cmd), 1),
        }
    }

    fn run_line(&mut self, line: &str, now: DateTime<Utc>, out: &mut Vec<Reply>) {
        match std::mem::replace(&mut self.mode, Mode::Exec) {
            Mode::Banner { kind, delim } => {
                let done = self
                    .cfg
                    .device
                    .edit(now, |c| config::banner_line(c, &kind, &delim, line));
                if done {
                    out.push(Reply::Config(self.prompt().into_bytes()));
                } else {
                    self.mode = Mode::Banner { kind, delim };
                }
                return;
            }
            Mode::CopyDestination => {
                let dest = line.trim();
                if dest.is_empty() || dest == "startup-config" || dest == "nvram:startup-config" {
                    let s = self.save(now);
                    out.push(Reply::Show(s.into_bytes()));
                } else {
                    let s = format!(
                        "%Error opening {dest} (No such file or directory)\r\n{}",
                        self.prompt()
                    );
                    out.push(Reply::Text(s.into_bytes()));
                }
                return;
            }
            _ => {}
        }
        if let Some(ctx) = self.ctx.clone() {
            return self.config_line(ctx, line, now, out);
        }
        let outcome = self.resolve(line, now);
        if !line.trim().is_empty() {
            let show = matches!(outcome, Outcome::Show(_) | Outcome::Slow(_));
            self.lines_run.push((line.trim().to_string(), show));
        }
        self.answer(outcome, out);
    }

    /// Formats an outcome with the prompt after it.
    fn answer(&mut self, outcome: Outcome, out: &mut Vec<Reply>) {
        let prompt_len = self.prompt().len();
        match outcome {
            Outcome::Prompt => out.push(Reply::Text(self.prompt().into_bytes())),
            Outcome::Show(lines) => {
                let page = self.page(lines, 0, self.page_size());
                out.push(Reply::Show(page));
            }
            Outcome::Text(s) => out.push(Reply::Text(format!("{s}{}", self.prompt()).into_bytes())),
            Outcome::Slow(s) => out.push(Reply::Show(format!("{s}{}", self.prompt()).into_bytes())),
            Outcome::AskSecret => {
                self.mode = Mode::EnablePassword;
                self.line.clear();
                out.push(Reply::Text(b"Password: ".to_vec()));
            }
            Outcome::AskDestination => {
                self.mode = Mode::CopyDestination;
                out.push(Reply::Text(
                    b"Destination filename [startup-config]? ".to_vec(),
                ));
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

    /// One line in configuration mode.
    fn config_line(&mut self, ctx: Ctx, line: &str, now: DateTime<Utc>, out: &mut Vec<Reply>) {
        let (ctx, applied, hostname) = self.cfg.device.edit(now, |c| {
            let (at, r) = config::apply_in(c, &ctx, line);
            (at, r, c.hostname().to_string())
        });
        self.hostname = hostname;
        // A line an enclosing mode took leaves the sub-mode for that one.
        if !matches!(
            applied,
            Applied::Invalid { .. } | Applied::Incomplete | Applied::Ambiguous
        ) {
            self.ctx = Some(ctx.clone());
        }
        let prompt_len = self.prompt().len();
        let text = match applied {
            Applied::Done => String::new(),
            Applied::Message(m) => format!("{m}\r\n"),
            Applied::Enter(inner) => {
                self.ctx = Some(inner);
                String::new()
            }
            Applied::Exit => {
                self.ctx = ctx.parent();
                String::new()
            }
            Applied::End => {
                self.ctx = None;
                String::new()
            }
            Applied::Banner { kind, delim } => {
                let shown = if delim == "^C" {
                    "^C".to_string()
                } else {
                    delim.clone()
                };
                self.mode = Mode::Banner { kind, delim };
                let s = format!("Enter TEXT message.  End with the character '{shown}'.\r\n");
                out.push(Reply::Config(s.into_bytes()));
                return;
            }
            Applied::Do(cmd) => {
                let outcome = self.resolve(&cmd, now);
                return self.answer(outcome, out);
            }
            Applied::Invalid { caret } => {
                let s = format!("{}\r\n{}", invalid_input(prompt_len + caret), self.prompt());
                out.push(Reply::Text(s.into_bytes()));
                return;
            }
            Applied::Incomplete => {
                let s = format!("% Incomplete command.\r\n\r\n{}", self.prompt());
                out.push(Reply::Text(s.into_bytes()));
                return;
            }
            Applied::Ambiguous => {
                let s = format!("{}{}", ambiguous(line.trim()), self.prompt());
                out.push(Reply::Text(s.into_bytes()));
                return;
            }
        };
        out.push(Reply::Config(
            format!("{text}{}", self.prompt()).into_bytes(),
        ));
    }

    /// `write memory` / `copy running-config startup-config`.
    fn save(&mut self, now: DateTime<Utc>) -> String {
        match self.cfg.device.save(now) {
            Ok(_) => format!("Building configuration...\r\n[OK]\r\n{}", self.prompt()),
            Err(e) => format!(
                "Building configuration...\r\n%Error writing nvram:startup-config ({})\r\n{}",
                e.kind(),
                self.prompt()
            ),
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

    /// Parses one EXEC command line (IOS abbreviations allowed) and applies its effect.
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
        let mut top = vec![
            "enable", "disable", "exit", "logout", "quit", "show", "terminal",
        ];
        if self.privileged {
            top.extend(["configure", "copy", "dir", "write"]);
        }
        let verb = match keyword(first, &top) {
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
            "configure" => match rest {
                [] => self.enter_config(),
                [(at, w), more @ ..] => {
                    if keyword(w, &["terminal"]).is_err() {
                        return Outcome::Invalid { caret: *at };
                    }
                    if let Some(&(at, _)) = more.first() {
                        return Outcome::Invalid { caret: at };
                    }
                    self.enter_config()
                }
            },
            "write" => match rest {
                [] => Outcome::Slow(self.save_text(now)),
                [(at, w), more @ ..] => match keyword(w, &["memory", "terminal"]) {
                    Ok(_) if !more.is_empty() => Outcome::Invalid { caret: more[0].0 },
                    Ok("memory") => Outcome::Slow(self.save_text(now)),
                    Ok(_) => Outcome::Show(self.running_config_lines()),
                    Err(_) => Outcome::Invalid { caret: *at },
                },
            },
            "copy" => {
                let names = ["running-config", "startup-config"];
                match rest {
                    [(a_at, a), (b_at, b)] => {
                        if keyword(a, &names) != Ok("running-config") {
                            return Outcome::Invalid { caret: *a_at };
                        }
                        if keyword(b, &names) != Ok("startup-config") {
                            return Outcome::Invalid { caret: *b_at };
                        }
                        Outcome::AskDestination
                    }
                    [] | [_] => Outcome::Incomplete,
                    [_, _, (at, _), ..] => Outcome::Invalid { caret: *at },
                }
            }
            "dir" => match rest {
                [] => Outcome::Show(self.dir(now)),
                [(_, w)] if w.trim_end_matches(['/', ':']) == "flash0" => {
                    Outcome::Show(self.dir(now))
                }
                [(at, _), ..] => Outcome::Invalid { caret: *at },
            },
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

    fn enter_config(&mut self) -> Outcome {
        self.ctx = Some(Ctx::Global);
        Outcome::Text("Enter configuration commands, one per line.  End with CNTL/Z.\r\n".into())
    }

    fn save_text(&mut self, now: DateTime<Utc>) -> String {
        let s = self.save(now);
        // `save` ends with the prompt; the caller adds it again.
        s.strip_suffix(&self.prompt()).unwrap_or(&s).to_string()
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

/// `show clock` in IOS format: `*08:36:01.242 UTC Fri Jul 26 2019` (the `*` means "not
/// synchronised by NTP", which is what an unconfigured lab router prints).
pub fn ios_clock(now: DateTime<Utc>) -> String {
    now.format("*%H:%M:%S%.3f UTC %a %b %-d %Y").to_string()
}

#[cfg(test)]
mod tests;
