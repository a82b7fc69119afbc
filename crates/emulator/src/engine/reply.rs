//! What a session's CLI gives the SSH side: [`Reply`]s in order, each saying which delay of
//! the latency profile applies to it, or one [`ExecOutput`] for an exec request; and the
//! [`DeviceCli`] trait every platform's CLI is used through.

use chrono::{DateTime, Utc};

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

/// One session's CLI, whatever the platform: bytes in, replies out, never blocking.
pub trait DeviceCli: Send {
    /// What a new shell shows: a banner, then the prompt.
    fn greeting(&self) -> Vec<u8>;
    /// Feeds bytes typed by the client; returns the replies in order.
    fn feed(&mut self, input: &[u8], now: DateTime<Utc>) -> Vec<Reply>;
    /// Runs one command as an exec request: no echo, no prompt, no paging.
    fn exec(&mut self, command: &str, now: DateTime<Utc>) -> ExecOutput;
    fn is_closed(&self) -> bool;
    /// The non-empty command lines run since the last call, in order, each with whether its
    /// answer is a [`Reply::Show`] (delayed by the profile; they come in the same order).
    /// Never a secret: those are read in their own mode, not run as lines.
    fn take_lines(&mut self) -> Vec<(String, bool)>;
}
