//! What an IOS EXEC command resolves to ([`Answer`]), and how IOS words it: in a shell, with
//! the `^` under the prompt's line and a blank line after errors; in an exec request, with no
//! prompt and refusals for what needs a terminal.

use crate::engine::{Outcome, caret, caret_error};

/// IOS's message under a `^`.
const INVALID: &str = "% Invalid input detected at '^' marker.";

/// What one EXEC command line resolved to, before it is worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// Just the prompt again (empty line, `terminal ...`, `disable`).
    Prompt,
    /// Output lines of a `show` command.
    Show(Vec<String>),
    /// Lines before the prompt, without latency (`configure terminal`'s greeting).
    Text(Vec<String>),
    /// A slow exec action's output (`write memory`): command latency, then the prompt.
    Slow(Vec<String>),
    /// `terminal length N`.
    Paging(usize),
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

impl Answer {
    /// Worded for a shell whose prompt (before the line) is `prompt_len` long.
    pub(super) fn shell(self, prompt_len: usize) -> Outcome {
        match self {
            Answer::Prompt => Outcome::Prompt,
            Answer::Show(lines) => Outcome::Output(lines),
            Answer::Text(lines) => Outcome::Info(lines),
            Answer::Slow(lines) => Outcome::Slow(lines),
            Answer::Paging(length) => Outcome::Paging {
                length,
                info: Vec::new(),
            },
            Answer::AskSecret => Outcome::AskSecret,
            Answer::AskDestination => {
                Outcome::Question("Destination filename [startup-config]? ".into())
            }
            Answer::Invalid { caret } => invalid(prompt_len, caret),
            Answer::Incomplete => incomplete(),
            Answer::Ambiguous(cmd) => ambiguous(&cmd),
            Answer::Close => Outcome::Close,
        }
    }

    /// Worded for an exec request: no prompt, and no blank line after an error.
    pub(super) fn exec(self) -> Outcome {
        let error = |s: &str| Outcome::Error(vec![s.to_string()]);
        match self {
            Answer::AskSecret => error("% enable is not available in an exec request"),
            Answer::AskDestination => error("% copy needs an interactive session"),
            Answer::Invalid { caret: at } => {
                Outcome::Error(vec![caret(0, at), INVALID.to_string()])
            }
            Answer::Incomplete => error("% Incomplete command."),
            other => other.shell(0),
        }
    }
}

/// `% Invalid input` with the `^` at byte `at` of a line typed after a prompt `prompt_len`
/// long.
pub(super) fn invalid(prompt_len: usize, at: usize) -> Outcome {
    caret_error(prompt_len, at, INVALID)
}

pub(super) fn incomplete() -> Outcome {
    Outcome::Error(vec!["% Incomplete command.".to_string(), String::new()])
}

pub(super) fn ambiguous(cmd: &str) -> Outcome {
    Outcome::Error(vec![format!("% Ambiguous command:  \"{cmd}\"")])
}
