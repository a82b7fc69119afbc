//! Cisco IOS (and IOS-XE), a [`Personality`] of the line engine: user and privileged EXEC,
//! `enable`, `terminal`, configuration mode with its sub-modes, banners, `write memory` and
//! `copy running-config startup-config`, and many `show` commands, in IOS's words.
//!
//! Pure like the engine: the caller passes the current time. The device's configuration lives
//! in a [`Shared`](super::config::Shared) that every session of the device sees;
//! [`super::config`] edits it and [`super::show`] renders the `show` outputs.

use chrono::{DateTime, Utc};

use super::config::{self, Applied, Ctx};
use super::engine::{Erase, Filter, Outcome, Pager, Personality, keyword, tokens};
use super::setup::CliSetup;

mod answer;
mod show_cmds;
use self::answer::{Answer, ambiguous, incomplete, invalid};
pub use self::show_cmds::ios_clock;
use self::show_cmds::{Shows, apply_filter};

/// IOS's pager line, wiped with backspaces when the user goes on.
pub const PAGER: Pager = Pager {
    text: " --More-- ",
    erase: Erase::Backspace,
};

/// What the next typed line is read as.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reading {
    /// A command (EXEC or configuration mode).
    Command,
    /// After `banner KIND D`: text lines until the delimiter.
    Banner { kind: String, delim: String },
    /// After `copy running-config startup-config`: the answer to `Destination filename
    /// [startup-config]?`.
    Destination,
}

/// One vty session's IOS state (the line itself is the engine's).
#[derive(Debug, Clone)]
pub struct Ios {
    setup: CliSetup,
    /// IOS-XE: the same CLI with XE's `show version`.
    xe: bool,
    hostname: String,
    privileged: bool,
    /// `Some` in configuration mode.
    ctx: Option<Ctx>,
    reading: Reading,
    term_width: usize,
}

impl Ios {
    /// A new session, in user EXEC mode (`R1>`), as IOS starts a vty line; `xe` for IOS-XE.
    pub fn new(setup: CliSetup, xe: bool) -> Self {
        Ios {
            hostname: setup.hostname.clone(),
            setup,
            xe,
            privileged: false,
            ctx: None,
            reading: Reading::Command,
            term_width: 80,
        }
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    /// True in configuration mode (any `(config...)#` prompt).
    pub fn in_config(&self) -> bool {
        self.ctx.is_some()
    }

    pub fn term_width(&self) -> usize {
        self.term_width
    }

    fn shows(&self) -> Shows<'_> {
        Shows {
            setup: &self.setup,
            hostname: &self.hostname,
            privileged: self.privileged,
            xe: self.xe,
        }
    }

    /// An EXEC answer worded for the shell (a question changes what the next line is).
    fn answer(&mut self, answer: Answer) -> Outcome {
        if answer == Answer::AskDestination {
            self.reading = Reading::Destination;
        }
        answer.shell(self.prompt().len())
    }

    /// One line in configuration mode.
    fn config_line(&mut self, ctx: Ctx, line: &str, now: DateTime<Utc>) -> Outcome {
        let (ctx, applied, hostname) = self.setup.device.edit(now, |c| {
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
        let lines = match applied {
            Applied::Done => Vec::new(),
            Applied::Message(m) => vec![m],
            Applied::Enter(inner) => {
                self.ctx = Some(inner);
                Vec::new()
            }
            Applied::Exit => {
                self.ctx = ctx.parent();
                Vec::new()
            }
            Applied::End => {
                self.ctx = None;
                Vec::new()
            }
            Applied::Banner { kind, delim } => {
                let shown = if delim == "^C" {
                    "^C".to_string()
                } else {
                    delim.clone()
                };
                self.reading = Reading::Banner { kind, delim };
                return Outcome::Config {
                    lines: vec![format!(
                        "Enter TEXT message.  End with the character '{shown}'."
                    )],
                    prompt: false,
                };
            }
            Applied::Do(cmd) => {
                let answer = self.resolve(&cmd, now);
                return self.answer(answer);
            }
            Applied::Invalid { caret } => return invalid(self.prompt().len(), caret),
            Applied::Incomplete => return incomplete(),
            Applied::Ambiguous => return ambiguous(line.trim()),
        };
        Outcome::Config {
            lines,
            prompt: true,
        }
    }

    /// A line of banner text; the one with the delimiter closes the banner.
    fn banner_line(
        &mut self,
        kind: String,
        delim: String,
        line: &str,
        now: DateTime<Utc>,
    ) -> Outcome {
        let done = self
            .setup
            .device
            .edit(now, |c| config::banner_line(c, &kind, &delim, line));
        if done {
            Outcome::Config {
                lines: Vec::new(),
                prompt: true,
            }
        } else {
            self.reading = Reading::Banner { kind, delim };
            Outcome::Quiet
        }
    }

    /// The answer to `Destination filename [startup-config]?`.
    fn destination(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        let dest = line.trim();
        if dest.is_empty() || dest == "startup-config" || dest == "nvram:startup-config" {
            Outcome::Slow(self.save(now))
        } else {
            Outcome::Error(vec![format!(
                "%Error opening {dest} (No such file or directory)"
            )])
        }
    }

    /// `write memory` / `copy running-config startup-config`.
    fn save(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let building = "Building configuration...".to_string();
        match self.setup.device.save(now) {
            Ok(_) => vec![building, "[OK]".to_string()],
            Err(e) => vec![
                building,
                format!("%Error writing nvram:startup-config ({})", e.kind()),
            ],
        }
    }

    /// Parses one EXEC command line (IOS abbreviations allowed) and applies its effect.
    fn resolve(&mut self, line: &str, now: DateTime<Utc>) -> Answer {
        // An output filter: `show ... | include X`.
        let (cmd, filter) = match line.split_once('|') {
            Some((c, f)) => (c, Some(f)),
            None => (line, None),
        };
        let words = tokens(cmd);
        let Some(&(first_at, first)) = words.first() else {
            return Answer::Prompt;
        };
        let mut top = vec![
            "enable", "disable", "exit", "logout", "quit", "show", "terminal",
        ];
        if self.privileged {
            top.extend(["configure", "copy", "dir", "write"]);
        }
        let verb = match keyword(first, &top) {
            Ok(v) => v,
            Err(Some(())) => return Answer::Ambiguous(line.trim().to_string()),
            Err(None) => return Answer::Invalid { caret: first_at },
        };
        let rest = &words[1..];
        let answer = match verb {
            "enable" | "disable" | "exit" | "logout" | "quit" => {
                if let Some(&(at, _)) = rest.first() {
                    return Answer::Invalid { caret: at };
                }
                match verb {
                    "enable" if !self.privileged => Answer::AskSecret,
                    "enable" => Answer::Prompt,
                    "disable" => {
                        self.privileged = false;
                        Answer::Prompt
                    }
                    _ => Answer::Close,
                }
            }
            "terminal" => self.terminal(rest, cmd.len()),
            "configure" => match rest {
                [] => self.enter_config(),
                [(at, w), more @ ..] => {
                    if keyword(w, &["terminal"]).is_err() {
                        return Answer::Invalid { caret: *at };
                    }
                    if let Some(&(at, _)) = more.first() {
                        return Answer::Invalid { caret: at };
                    }
                    self.enter_config()
                }
            },
            "write" => match rest {
                [] => Answer::Slow(self.save(now)),
                [(at, w), more @ ..] => match keyword(w, &["memory", "terminal"]) {
                    Ok(_) if !more.is_empty() => Answer::Invalid { caret: more[0].0 },
                    Ok("memory") => Answer::Slow(self.save(now)),
                    Ok(_) => Answer::Show(self.shows().running_config_lines()),
                    Err(_) => Answer::Invalid { caret: *at },
                },
            },
            "copy" => {
                let names = ["running-config", "startup-config"];
                match rest {
                    [(a_at, a), (b_at, b)] => {
                        if keyword(a, &names) != Ok("running-config") {
                            return Answer::Invalid { caret: *a_at };
                        }
                        if keyword(b, &names) != Ok("startup-config") {
                            return Answer::Invalid { caret: *b_at };
                        }
                        Answer::AskDestination
                    }
                    [] | [_] => Answer::Incomplete,
                    [_, _, (at, _), ..] => Answer::Invalid { caret: *at },
                }
            }
            "dir" => match rest {
                [] => Answer::Show(self.shows().dir(now)),
                [(_, w)] if w.trim_end_matches(['/', ':']) == "flash0" => {
                    Answer::Show(self.shows().dir(now))
                }
                [(at, _), ..] => Answer::Invalid { caret: *at },
            },
            _ => self.shows().show(rest, now),
        };
        match (answer, filter) {
            (Answer::Show(lines), Some(f)) => apply_filter(lines, f, cmd.len()),
            (a, _) => a,
        }
    }

    fn enter_config(&mut self) -> Answer {
        self.ctx = Some(Ctx::Global);
        Answer::Text(vec![
            "Enter configuration commands, one per line.  End with CNTL/Z.".to_string(),
        ])
    }

    fn terminal(&mut self, rest: &[(usize, &str)], end: usize) -> Answer {
        let Some(&(at, word)) = rest.first() else {
            return Answer::Incomplete;
        };
        let sub = match keyword(word, &["length", "width", "monitor", "no"]) {
            Ok(s) => s,
            Err(Some(())) => return Answer::Ambiguous(word.to_string()),
            Err(None) => return Answer::Invalid { caret: at },
        };
        match sub {
            "length" | "width" => {
                let Some(&(n_at, n)) = rest.get(1) else {
                    return Answer::Incomplete;
                };
                let Ok(n) = n.parse::<usize>() else {
                    return Answer::Invalid { caret: n_at };
                };
                if n > 512 {
                    return Answer::Invalid { caret: n_at };
                }
                if let Some(&(extra, _)) = rest.get(2) {
                    return Answer::Invalid { caret: extra };
                }
                if sub == "length" {
                    Answer::Paging(n)
                } else {
                    self.term_width = n;
                    Answer::Prompt
                }
            }
            // `terminal monitor`, `terminal no monitor`, ...: accepted and ignored.
            _ if rest.len() > 1 || sub == "monitor" => Answer::Prompt,
            _ => Answer::Invalid { caret: end },
        }
    }
}

impl Personality for Ios {
    fn own_prompt(&self) -> String {
        match &self.ctx {
            Some(ctx) => format!("{}({})#", self.hostname, ctx.prompt_tag()),
            None => format!(
                "{}{}",
                self.hostname,
                if self.privileged { '#' } else { '>' }
            ),
        }
    }

    fn prompt_override(&self) -> Option<&str> {
        self.setup.prompt_override.as_deref()
    }

    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome {
        match std::mem::replace(&mut self.reading, Reading::Command) {
            Reading::Banner { kind, delim } => self.banner_line(kind, delim, line, now),
            Reading::Destination => self.destination(line, now),
            Reading::Command => match self.ctx.clone() {
                Some(ctx) => self.config_line(ctx, line, now),
                None => {
                    let answer = self.resolve(line, now);
                    self.answer(answer)
                }
            },
        }
    }

    /// No prompt, and a refusal for what needs a terminal.
    fn run_exec(&mut self, command: &str, now: DateTime<Utc>) -> Outcome {
        self.resolve(command, now).exec()
    }

    /// The MOTD and exec banners of the running-config, then a blank line.
    fn banner(&self) -> String {
        let mut s = String::new();
        for kind in ["motd", "exec"] {
            if let Some(text) = self.setup.device.banner(kind) {
                s.push_str(&text.replace('\n', "\r\n"));
                s.push_str("\r\n");
            }
        }
        s.push_str("\r\n");
        s
    }

    fn pager(&self) -> Option<Pager> {
        Some(PAGER)
    }

    /// IOS reads its own filters (`section` too), only after a `show` command.
    fn filters(&self) -> &'static [(&'static str, Filter)] {
        &[]
    }

    fn check_secret(&mut self, typed: &[u8]) -> bool {
        let ok = !self.setup.enable_refused
            && !self.setup.secret.is_empty()
            && typed == self.setup.secret.as_bytes();
        self.privileged |= ok;
        ok
    }

    fn denied(&self) -> &'static str {
        "% Access denied\r\n\r\n"
    }

    /// Ctrl-Z leaves configuration mode at once.
    fn control_key(&mut self, key: u8) -> Option<&'static str> {
        if key == 0x1a && self.ctx.is_some() && self.reading == Reading::Command {
            self.ctx = None;
            return Some("^Z\r\n");
        }
        None
    }

    /// Only EXEC commands: configuration lines, banner text and answers to questions are not
    /// the session's commands.
    fn records(&self) -> bool {
        self.reading == Reading::Command && self.ctx.is_none()
    }
}

#[cfg(test)]
mod tests;
