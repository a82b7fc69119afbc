//! What makes one platform's CLI itself: a [`Personality`] resolves each typed line to an
//! [`Outcome`] and names its prompt, pager, filters and secret check; what most platforms
//! share is a default method, so a platform file holds only what differs.

use chrono::{DateTime, Utc};

use super::filter::{CISCO_FILTERS, Filter};
use super::text::caret;
use super::words::{Lookup, lookup};

/// What one command line resolved to; the engine adds the prompt and picks the delay.
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
    /// Lines, then the prompt, delayed like an output but never paged (`write memory`'s
    /// `[OK]`).
    Slow(Vec<String>),
    /// The answer to a configuration command, after the profile's `config` latency, then the
    /// prompt; without the prompt (`prompt` false) when the next lines are text to read, not
    /// commands (IOS's `Enter TEXT message.`).
    Config { lines: Vec<String>, prompt: bool },
    /// A question the next line answers, at once and with no prompt after it (IOS's
    /// `Destination filename [startup-config]? `).
    Question(String),
    /// Nothing but the echo: a line of text that was read, not run (a banner's).
    Quiet,
    /// Raise privilege: ask for the secret (no echo), then [`Personality::check_secret`].
    AskSecret,
    /// The session ends.
    Close,
}

/// An error with a `^` under the offending word of a line typed after a prompt `prompt_len`
/// long, then `message` and a blank line, as Cisco-style CLIs and Junos print it.
pub fn caret_error(prompt_len: usize, at: usize, message: impl Into<String>) -> Outcome {
    Outcome::Error(vec![caret(prompt_len, at), message.into(), String::new()])
}

/// The line shown when a page is full, and how it is wiped when the user goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    pub text: &'static str,
    pub erase: Erase,
}

/// How a pager line is wiped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erase {
    /// Carriage return, a space per character, carriage return.
    Return,
    /// A backspace, a space and a backspace per character, in three runs (IOS).
    Backspace,
}

impl Pager {
    /// ` --More-- `, wiped with carriage returns (NX-OS, IOS-XR, EOS).
    pub const MORE: Pager = Pager {
        text: " --More-- ",
        erase: Erase::Return,
    };

    /// The bytes that wipe the pager line.
    pub fn wipe(&self) -> Vec<u8> {
        let n = self.text.len();
        match self.erase {
            Erase::Return => {
                let mut v = vec![b'\r'];
                v.extend(std::iter::repeat_n(b' ', n));
                v.push(b'\r');
                v
            }
            Erase::Backspace => {
                let mut v = Vec::with_capacity(3 * n);
                v.extend(std::iter::repeat_n(b'\x08', n));
                v.extend(std::iter::repeat_n(b' ', n));
                v.extend(std::iter::repeat_n(b'\x08', n));
                v
            }
        }
    }
}

/// What makes one platform's CLI itself. The required methods are the platform's prompt and
/// commands; the provided ones are what most platforms share, overridden where one differs.
pub trait Personality: Send {
    /// The platform's own prompt in its current mode, exactly as sent (escape sequences
    /// included).
    fn own_prompt(&self) -> String;
    /// The prompt the `weird-prompt` fault puts in place of the platform's, if it applies.
    fn prompt_override(&self) -> Option<&str>;
    /// Resolves one command line typed in a shell.
    fn run(&mut self, line: &str, now: DateTime<Utc>) -> Outcome;

    /// The prompt, exactly as sent: the fault's when it applies, the platform's otherwise.
    fn prompt(&self) -> String {
        match self.prompt_override() {
            Some(p) => p.to_string(),
            None => self.own_prompt(),
        }
    }
    /// Resolves an exec request's command (`ssh host CMD`): like a typed line by default.
    fn run_exec(&mut self, command: &str, now: DateTime<Utc>) -> Outcome {
        self.run(command, now)
    }
    /// What a new shell shows before the first prompt.
    fn banner(&self) -> String {
        "\r\n".to_string()
    }
    /// Sent right after the echo of Enter (bash turns bracketed paste off there).
    fn after_enter(&self) -> &'static str {
        ""
    }
    /// The pager line shown when a page is full, or `None`: never paged.
    fn pager(&self) -> Option<Pager> {
        Some(Pager::MORE)
    }
    /// Output filters after a `|`, as a command table (`include <rest>`); an empty table
    /// leaves the `|` to [`Personality::run`].
    fn filters(&self) -> &'static [(&'static str, Filter)] {
        CISCO_FILTERS
    }
    /// Whether command words may be abbreviated to a unique prefix (`sh ver`); a shell's
    /// may not.
    fn abbreviates(&self) -> bool {
        true
    }
    /// Matches `line` against a command table, abbreviating as the platform does.
    fn lookup<T: Copy>(&self, line: &str, table: &[(&str, T)]) -> Lookup<T>
    where
        Self: Sized,
    {
        lookup(line, table, self.abbreviates())
    }
    /// An error with a `^` under the word at byte `at` of the line typed after the prompt.
    fn caret_error(&self, at: usize, message: impl Into<String>) -> Outcome
    where
        Self: Sized,
    {
        caret_error(self.prompt().len(), at, message)
    }
    /// The typed enable secret; true raises privilege. Answers to [`Outcome::AskSecret`].
    fn check_secret(&mut self, _typed: &[u8]) -> bool {
        false
    }
    /// The answer to a wrong secret, before the prompt.
    fn denied(&self) -> &'static str {
        "% Access denied\r\n"
    }
    /// A control key typed on a command line (Ctrl-Z is 0x1a): `Some(echo)` when it acts,
    /// which also abandons the line and shows the prompt again; ignored by default.
    fn control_key(&mut self, _key: u8) -> Option<&'static str> {
        None
    }
    /// Whether the next line, once run, belongs in the session's record of commands (IOS
    /// leaves configuration lines and banner text out).
    fn records(&self) -> bool {
        true
    }
}
