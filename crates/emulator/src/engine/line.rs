//! The line discipline every emulated platform runs on, as a pure state machine: echo, line
//! editing, Enter as CR, LF, CRLF (or CR NUL), the enable secret without echo, paging with the
//! platform's pager line and its keys, the close. What a line means, the prompt and the pager
//! come from a [`Personality`]; the caller applies the delays each [`Reply`] names.

use chrono::{DateTime, Utc};

use super::persona::{Outcome, Personality};
use super::reply::{DeviceCli, ExecOutput, Reply};
use super::text::join;
use super::words::{Lookup, lookup};

/// Default screen length of a vty line before the client turns paging off.
pub const DEFAULT_LENGTH: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Reading a line, with echo.
    Exec,
    /// After [`Outcome::AskSecret`]: reading the secret, without echo.
    Secret,
    /// A paged output waits at the pager line; `next` indexes `lines`.
    More { lines: Vec<String>, next: usize },
    /// After [`Outcome::Close`]: everything is ignored.
    Closed,
}

/// A [`Personality`] behind the shared line discipline: one session's CLI.
#[derive(Debug, Clone)]
pub struct Engine<P> {
    pub persona: P,
    mode: Mode,
    line: Vec<u8>,
    /// Screen length (0: no paging).
    length: usize,
    /// The previous byte was `\r`, so a following `\n` (or NUL) belongs to the same Enter.
    after_cr: bool,
    /// Lines run since [`DeviceCli::take_lines`].
    lines_run: Vec<(String, bool)>,
}

impl<P: Personality> Engine<P> {
    /// A new session at its first prompt, with the default screen length.
    pub fn new(persona: P) -> Self {
        Engine {
            persona,
            mode: Mode::Exec,
            line: Vec::new(),
            length: DEFAULT_LENGTH,
            after_cr: false,
            lines_run: Vec::new(),
        }
    }

    /// The screen length (0: no paging).
    pub fn length(&self) -> usize {
        self.length
    }

    /// Resolves a line or an exec request's command, applying an output filter after `|` when
    /// the platform has it. A filter the platform does not know goes to the platform whole,
    /// which rejects the `|` in its own words.
    fn resolve(&mut self, line: &str, now: DateTime<Utc>, exec: bool) -> Outcome {
        let run = |persona: &mut P, line: &str| {
            if exec {
                persona.run_exec(line, now)
            } else {
                persona.run(line, now)
            }
        };
        let filters = self.persona.filters();
        let Some((cmd, filter)) = line.split_once('|').filter(|_| !filters.is_empty()) else {
            return run(&mut self.persona, line);
        };
        let Lookup::Found(kind, args) = lookup(filter, filters, true) else {
            return run(&mut self.persona, line);
        };
        let pattern = args.first().map_or("", String::as_str);
        match run(&mut self.persona, cmd) {
            Outcome::Output(lines) => Outcome::Output(kind.keep(lines, pattern)),
            other => other,
        }
    }

    /// Runs the line typed so far and answers it.
    fn run_line(&mut self, out: &mut Vec<Reply>, now: DateTime<Utc>) {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        let record = self.persona.records();
        let outcome = self.resolve(&line, now, false);
        if record && !line.trim().is_empty() {
            let show = matches!(outcome, Outcome::Output(_) | Outcome::Slow(_));
            self.lines_run.push((line.trim().to_string(), show));
        }
        let then_prompt = |lines: &[String], prompt: String| {
            let mut s = join(lines);
            s.push_str(&prompt);
            s.into_bytes()
        };
        match outcome {
            Outcome::Prompt => out.push(Reply::Text(self.persona.prompt().into_bytes())),
            Outcome::Output(lines) => {
                let page = self.page(lines, 0, self.page_size());
                out.push(Reply::Show(page));
            }
            Outcome::Info(lines) | Outcome::Error(lines) => {
                out.push(Reply::Text(then_prompt(&lines, self.persona.prompt())))
            }
            Outcome::Paging { length, info } => {
                self.length = length;
                out.push(Reply::Text(then_prompt(&info, self.persona.prompt())));
            }
            Outcome::Slow(lines) => {
                out.push(Reply::Show(then_prompt(&lines, self.persona.prompt())))
            }
            Outcome::Config { lines, prompt } => {
                let prompt = if prompt {
                    self.persona.prompt()
                } else {
                    String::new()
                };
                out.push(Reply::Config(then_prompt(&lines, prompt)));
            }
            Outcome::Question(text) => out.push(Reply::Text(text.into_bytes())),
            Outcome::Quiet => {}
            Outcome::AskSecret => {
                self.mode = Mode::Secret;
                out.push(Reply::Text(b"Password: ".to_vec()));
            }
            Outcome::Close => {
                self.mode = Mode::Closed;
                out.push(Reply::Close);
            }
        }
    }

    /// Lines per page: the last screen line is the pager's own.
    fn page_size(&self) -> usize {
        match (self.length, self.persona.pager()) {
            (0, _) | (_, None) => usize::MAX,
            (n, Some(_)) => n.saturating_sub(1).max(1),
        }
    }

    /// Up to `count` lines from `start`, then the pager line (the rest kept) or the prompt.
    fn page(&mut self, lines: Vec<String>, start: usize, count: usize) -> Vec<u8> {
        let end = start.saturating_add(count).min(lines.len());
        let mut s = join(lines.get(start..end).unwrap_or_default());
        match self.persona.pager() {
            Some(pager) if end < lines.len() => {
                s.push_str(pager.text);
                self.mode = Mode::More { lines, next: end };
            }
            _ => {
                self.mode = Mode::Exec;
                s.push_str(&self.persona.prompt());
            }
        }
        s.into_bytes()
    }

    /// A key at the pager line: space shows a page more, Enter a line more, and any other
    /// key (`q`) ends the listing, as on the real platforms.
    fn more(&mut self, key: u8, lines: Vec<String>, next: usize) -> Vec<u8> {
        let mut text = self.persona.pager().map_or_else(Vec::new, |p| p.wipe());
        let count = match key {
            b' ' => self.page_size(),
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        if count == 0 {
            self.mode = Mode::Exec;
            text.extend_from_slice(self.persona.prompt().as_bytes());
        } else {
            text.extend(self.page(lines, next, count));
        }
        text
    }

    /// Enter after the secret: privilege raised or denied, then the prompt.
    fn secret_entered(&mut self) -> Vec<u8> {
        let typed = std::mem::take(&mut self.line);
        self.mode = Mode::Exec;
        let mut s = String::from("\r\n");
        if !self.persona.check_secret(&typed) {
            s.push_str(self.persona.denied());
        }
        s.push_str(&self.persona.prompt());
        s.into_bytes()
    }
}

impl<P: Personality> DeviceCli for Engine<P> {
    fn greeting(&self) -> Vec<u8> {
        let mut s = self.persona.banner();
        s.push_str(&self.persona.prompt());
        s.into_bytes()
    }

    fn take_lines(&mut self) -> Vec<(String, bool)> {
        std::mem::take(&mut self.lines_run)
    }

    fn feed(&mut self, input: &[u8], now: DateTime<Utc>) -> Vec<Reply> {
        let mut out = Vec::new();
        let mut echo = Vec::new();
        for &b in input {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            if after_cr && (b == b'\n' || b == 0) {
                continue;
            }
            let enter = b == b'\r' || b == b'\n';
            match &mut self.mode {
                Mode::Closed => break,
                Mode::Secret => {
                    if enter {
                        flush(&mut out, &mut echo);
                        let text = self.secret_entered();
                        out.push(Reply::Text(text));
                    } else if is_backspace(b) {
                        self.line.pop();
                    } else if b >= 0x20 {
                        self.line.push(b);
                    }
                }
                Mode::More { lines, next } => {
                    flush(&mut out, &mut echo);
                    let (lines, next) = (std::mem::take(lines), *next);
                    let text = self.more(b, lines, next);
                    out.push(Reply::Text(text));
                }
                Mode::Exec => {
                    if enter {
                        echo.extend_from_slice(b"\r\n");
                        echo.extend_from_slice(self.persona.after_enter().as_bytes());
                        flush(&mut out, &mut echo);
                        self.run_line(&mut out, now);
                    } else if is_backspace(b) {
                        if self.line.pop().is_some() {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    } else if b >= 0x20 {
                        self.line.push(b);
                        echo.push(b);
                    } else if let Some(shown) = self.persona.control_key(b) {
                        echo.extend_from_slice(shown.as_bytes());
                        flush(&mut out, &mut echo);
                        self.line.clear();
                        out.push(Reply::Text(self.persona.prompt().into_bytes()));
                    }
                    // Other control characters (tab, Ctrl-C, escape sequences' ESC) are ignored.
                }
            }
        }
        flush(&mut out, &mut echo);
        out
    }

    fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput {
        let (lines, is_show, status) = match self.resolve(command, now, true) {
            Outcome::Output(lines) | Outcome::Slow(lines) => (lines, true, 0),
            Outcome::Info(lines)
            | Outcome::Paging { info: lines, .. }
            | Outcome::Config { lines, .. } => (lines, false, 0),
            Outcome::Error(lines) => (lines, false, 1),
            Outcome::Question(text) => {
                return ExecOutput {
                    output: text.into_bytes(),
                    is_show: false,
                    exit_status: 1,
                };
            }
            Outcome::AskSecret => (
                vec!["% privilege cannot be raised in an exec request".to_string()],
                false,
                1,
            ),
            Outcome::Prompt | Outcome::Quiet | Outcome::Close => (Vec::new(), false, 0),
        };
        ExecOutput {
            output: join(&lines).into_bytes(),
            is_show,
            exit_status: status,
        }
    }

    fn is_closed(&self) -> bool {
        self.mode == Mode::Closed
    }
}

fn is_backspace(b: u8) -> bool {
    b == 0x08 || b == 0x7f
}

/// Echo goes out before whatever answers the line it ends.
fn flush(out: &mut Vec<Reply>, echo: &mut Vec<u8>) {
    if !echo.is_empty() {
        out.push(Reply::Echo(std::mem::take(echo)));
    }
}
