//! The line discipline every non-IOS emulated platform shares, as a pure state machine: echo,
//! line editing, Enter as CR, LF or CRLF, the enable secret without echo, paging with the
//! platform's pager line, and the close. What a line means, the prompt and the words of the
//! pager come from a [`Personality`]; so a platform file holds only what differs.

use chrono::{DateTime, Utc};

use super::Cli;
use crate::ios::{ExecOutput, Reply};

/// Default screen length of a vty line before the client turns paging off.
pub const DEFAULT_LENGTH: usize = 24;

/// What one command line resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing but the prompt again (an empty line).
    Prompt,
    /// A command's output: the latency profile delays it, the output faults apply, and it is
    /// paged.
    Output(Vec<String>),
    /// An immediate answer (`Pagination disabled.`), then the prompt.
    Info(Vec<String>),
    /// An immediate error (`% Invalid input`), then the prompt; exit status 1 in an exec
    /// request.
    Error(Vec<String>),
    /// The screen length changed (0: no paging); `info` is printed at once.
    Paging { length: usize, info: Vec<String> },
    /// Raise privilege: ask for the secret (no echo), then [`Personality::check_secret`].
    AskSecret,
    /// The session ends.
    Close,
}

/// What makes one platform's CLI itself.
pub trait Personality: Send {
    /// The prompt, exactly as sent (escape sequences included).
    fn prompt(&self) -> String;
    /// Resolves one command line.
    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome;
    /// What a new shell shows before the first prompt.
    fn banner(&self) -> String {
        "\r\n".to_string()
    }
    /// Sent right after the echo of Enter (bash turns bracketed paste off there).
    fn after_enter(&self) -> &'static str {
        ""
    }
    /// The pager line shown when a page is full (` --More-- `), or `None`: never paged.
    fn pager(&self) -> Option<&'static str>;
    /// The typed enable secret; true raises privilege. Answers to [`Outcome::AskSecret`].
    fn check_secret(&mut self, _typed: &[u8]) -> bool {
        false
    }
    /// The answer to a wrong secret, before the prompt.
    fn denied(&self) -> &'static str {
        "% Access denied\r\n"
    }
    /// Output filters after a `|` (`include <rest>`, Junos `match <rest>`); none by default.
    fn filters(&self) -> &'static [(&'static str, Filter)] {
        &[]
    }
}

/// What an output filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Lines containing the text (`include`, `match`).
    Include,
    /// Lines not containing it (`exclude`, `except`).
    Exclude,
    /// From the first line containing it on (`begin`).
    Begin,
}

/// The Cisco-style filters (NX-OS, IOS-XR, EOS).
pub const CISCO_FILTERS: &[(&str, Filter)] = &[
    ("include <rest>", Filter::Include),
    ("exclude <rest>", Filter::Exclude),
    ("begin <rest>", Filter::Begin),
];

/// Runs `line` on `persona`, applying an output filter after `|`. A filter the platform does
/// not know goes to the platform whole, which rejects the `|` in its own words.
fn resolve<P: Personality>(persona: &mut P, line: &str, now: DateTime<Utc>) -> Outcome {
    let filters = persona.filters();
    let Some((cmd, filter)) = line.split_once('|').filter(|_| !filters.is_empty()) else {
        return persona.run(line, now);
    };
    let Lookup::Found(kind, args) = lookup(filter, filters, true) else {
        return persona.run(line, now);
    };
    let pattern = args.first().map_or("", String::as_str);
    match persona.run(cmd, now) {
        Outcome::Output(lines) => Outcome::Output(match kind {
            Filter::Include => lines.into_iter().filter(|l| l.contains(pattern)).collect(),
            Filter::Exclude => lines.into_iter().filter(|l| !l.contains(pattern)).collect(),
            Filter::Begin => lines
                .into_iter()
                .skip_while(|l| !l.contains(pattern))
                .collect(),
        }),
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Exec,
    Secret,
    More { lines: Vec<String>, next: usize },
    Closed,
}

/// A [`Personality`] behind the shared line discipline.
pub struct Engine<P> {
    pub persona: P,
    mode: Mode,
    line: Vec<u8>,
    length: usize,
    after_cr: bool,
    /// Lines run since [`Cli::take_lines`].
    lines_run: Vec<(String, bool)>,
}

impl<P: Personality> Engine<P> {
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

    fn run_line(&mut self, out: &mut Vec<Reply>, now: DateTime<Utc>) {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        let text = |lines: &[String], prompt: String| {
            let mut s = join(lines);
            s.push_str(&prompt);
            s.into_bytes()
        };
        let outcome = resolve(&mut self.persona, &line, now);
        if !line.trim().is_empty() {
            let show = matches!(outcome, Outcome::Output(_));
            self.lines_run.push((line.trim().to_string(), show));
        }
        match outcome {
            Outcome::Prompt => out.push(Reply::Text(self.persona.prompt().into_bytes())),
            Outcome::Output(lines) => {
                let page = self.page(lines, 0, self.page_size());
                out.push(Reply::Show(page));
            }
            Outcome::Info(lines) | Outcome::Error(lines) => {
                out.push(Reply::Text(text(&lines, self.persona.prompt())))
            }
            Outcome::Paging { length, info } => {
                self.length = length;
                out.push(Reply::Text(text(&info, self.persona.prompt())));
            }
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

    fn page(&mut self, lines: Vec<String>, start: usize, count: usize) -> Vec<u8> {
        let end = start.saturating_add(count).min(lines.len());
        let mut s = join(lines.get(start..end).unwrap_or_default());
        match self.persona.pager() {
            Some(pager) if end < lines.len() => {
                s.push_str(pager);
                self.mode = Mode::More { lines, next: end };
            }
            _ => {
                self.mode = Mode::Exec;
                s.push_str(&self.persona.prompt());
            }
        }
        s.into_bytes()
    }

    /// Wipes the pager line: carriage return, spaces, carriage return.
    fn erase_pager(&self) -> Vec<u8> {
        let n = self.persona.pager().map_or(0, str::len);
        let mut v = vec![b'\r'];
        v.extend(std::iter::repeat_n(b' ', n));
        v.push(b'\r');
        v
    }
}

impl<P: Personality> Cli for Engine<P> {
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
                        let typed = std::mem::take(&mut self.line);
                        self.mode = Mode::Exec;
                        let mut s = String::from("\r\n");
                        if !self.persona.check_secret(&typed) {
                            s.push_str(self.persona.denied());
                        }
                        s.push_str(&self.persona.prompt());
                        out.push(Reply::Text(s.into_bytes()));
                    } else if b == 0x08 || b == 0x7f {
                        self.line.pop();
                    } else if b >= 0x20 {
                        self.line.push(b);
                    }
                }
                Mode::More { lines, next } => {
                    flush(&mut out, &mut echo);
                    let (lines, next) = (std::mem::take(lines), *next);
                    let mut text = self.erase_pager();
                    let count = match b {
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
                    out.push(Reply::Text(text));
                }
                Mode::Exec => {
                    if enter {
                        echo.extend_from_slice(b"\r\n");
                        echo.extend_from_slice(self.persona.after_enter().as_bytes());
                        flush(&mut out, &mut echo);
                        self.run_line(&mut out, now);
                    } else if b == 0x08 || b == 0x7f {
                        if self.line.pop().is_some() {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    } else if b >= 0x20 {
                        self.line.push(b);
                        echo.push(b);
                    }
                }
            }
        }
        flush(&mut out, &mut echo);
        out
    }

    fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput {
        let (lines, is_show, status) = match resolve(&mut self.persona, command, now) {
            Outcome::Output(lines) => (lines, true, 0),
            Outcome::Info(lines) | Outcome::Paging { info: lines, .. } => (lines, false, 0),
            Outcome::Error(lines) => (lines, false, 1),
            Outcome::AskSecret => (
                vec!["% privilege cannot be raised in an exec request".to_string()],
                false,
                1,
            ),
            Outcome::Prompt | Outcome::Close => (Vec::new(), false, 0),
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

fn flush(out: &mut Vec<Reply>, echo: &mut Vec<u8>) {
    if !echo.is_empty() {
        out.push(Reply::Echo(std::mem::take(echo)));
    }
}

/// Each line followed by CRLF.
pub fn join(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

/// How a line matched a command table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// An empty line.
    Empty,
    /// The entry, with the words that filled its placeholders.
    Found(T, Vec<String>),
    /// No command has this word: the byte offset of the offending word.
    Invalid { at: usize },
    /// The words so far start a command but do not finish one.
    Incomplete,
    /// An abbreviation that fits several words.
    Ambiguous,
}

/// Matches a command line against a table of command phrases, word by word, the way network
/// CLIs do: each word may be abbreviated to any unique prefix (`sh ver`), an exact word wins
/// over longer ones, `<n>` takes a number, `<word>` any word, and a final `<rest>` the rest
/// of the line. With `abbreviate` false (a shell), words must be typed in full.
pub fn lookup<T: Copy>(line: &str, table: &[(&str, T)], abbreviate: bool) -> Lookup<T> {
    let tokens = tokens(line);
    if tokens.is_empty() {
        return Lookup::Empty;
    }
    let phrases: Vec<(Vec<&str>, T)> = table
        .iter()
        .map(|(p, t)| (p.split(' ').collect(), *t))
        .collect();
    let mut alive: Vec<usize> = (0..phrases.len()).collect();
    let mut args = Vec::new();
    for (i, &(at, tok)) in tokens.iter().enumerate() {
        // A phrase ending in `<rest>` takes everything from here on.
        if let Some(&p) = alive
            .iter()
            .find(|&&p| phrases[p].0.get(i) == Some(&"<rest>"))
        {
            args.push(line[at..].trim().to_string());
            return Lookup::Found(phrases[p].1, args);
        }
        let fits = |word: &str| match word {
            "<n>" => tok.parse::<u64>().is_ok(),
            "<word>" => true,
            w if abbreviate => w.starts_with(&tok.to_ascii_lowercase()),
            w => w == tok,
        };
        let next: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&p| phrases[p].0.get(i).is_some_and(|w| fits(w)))
            .collect();
        if next.is_empty() {
            return Lookup::Invalid { at };
        }
        let exact: Vec<usize> = next
            .iter()
            .copied()
            .filter(|&p| phrases[p].0[i].eq_ignore_ascii_case(tok))
            .collect();
        alive = if exact.is_empty() { next } else { exact };
        let mut literals: Vec<&str> = alive
            .iter()
            .map(|&p| phrases[p].0[i])
            .filter(|w| !w.starts_with('<'))
            .collect();
        literals.sort_unstable();
        literals.dedup();
        if literals.len() > 1 {
            return Lookup::Ambiguous;
        }
        if phrases[alive[0]].0[i].starts_with('<') {
            args.push(tok.to_string());
        }
    }
    match alive.iter().find(|&&p| phrases[p].0.len() == tokens.len()) {
        Some(&p) => Lookup::Found(phrases[p].1, args),
        None => Lookup::Incomplete,
    }
}

/// Words with their byte offsets in the line.
pub fn tokens(line: &str) -> Vec<(usize, &str)> {
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

/// A `^` under the offending word of a line typed after a prompt `prompt_len` long.
pub fn caret(prompt_len: usize, at: usize) -> String {
    format!("{}^", " ".repeat(prompt_len + at))
}

/// The first placeholder of a matched command as a number (`terminal length <n>`).
pub fn number(args: &[String]) -> usize {
    args.first().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Lines of a text block (a `format!` of the whole output), for [`Outcome::Output`].
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Uptime as `N days, H hours, M minutes` pieces: (days, hours, minutes, seconds).
pub fn uptime_parts(boot: DateTime<Utc>, now: DateTime<Utc>) -> (i64, i64, i64, i64) {
    let s = now.signed_duration_since(boot).num_seconds().max(0);
    (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum C {
        Ver,
        Clock,
        IpBrief,
        IntBrief,
        Len,
        Echo,
    }
    const TABLE: &[(&str, C)] = &[
        ("show version", C::Ver),
        ("show clock", C::Clock),
        ("show ip interface brief", C::IpBrief),
        ("show interface brief", C::IntBrief),
        ("terminal length <n>", C::Len),
        ("echo <rest>", C::Echo),
    ];

    #[test]
    fn abbreviations_placeholders_and_errors() {
        assert_eq!(lookup("sh ver", TABLE, true), Lookup::Found(C::Ver, vec![]));
        assert_eq!(
            lookup("show ip int br", TABLE, true),
            Lookup::Found(C::IpBrief, vec![])
        );
        assert_eq!(
            lookup("term len 0", TABLE, true),
            Lookup::Found(C::Len, vec!["0".into()])
        );
        assert_eq!(lookup("show i", TABLE, true), Lookup::Ambiguous);
        assert_eq!(lookup("show foo", TABLE, true), Lookup::Invalid { at: 5 });
        assert_eq!(
            lookup("show version x", TABLE, true),
            Lookup::Invalid { at: 13 }
        );
        assert_eq!(lookup("show", TABLE, true), Lookup::Incomplete);
        assert_eq!(
            lookup("terminal length x", TABLE, true),
            Lookup::Invalid { at: 16 }
        );
        assert_eq!(lookup("   ", TABLE, true), Lookup::Empty);
        assert_eq!(
            lookup("echo a  b", TABLE, true),
            Lookup::Found(C::Echo, vec!["a  b".into()])
        );
        assert_eq!(lookup("sh ver", TABLE, false), Lookup::Invalid { at: 0 });
        assert_eq!(
            lookup("show clock", TABLE, false),
            Lookup::Found(C::Clock, vec![])
        );
    }
}
