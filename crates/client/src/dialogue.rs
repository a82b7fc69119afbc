//! The prompt and dialogue logic of a CLI session, as a pure state machine: bytes in,
//! decisions out. No socket, no clock: the session driver ([`crate::session`]) feeds it what
//! the device sent and writes what it asks for, so a blocking and a non-blocking driver share
//! it, and it is unit-tested (and fuzzed) without a network.
//!
//! The dialogue follows netmiko's flow; everything that differs between vendors comes from a
//! row of the platform table ([`fleetbench_inventory::platform`]), never from code here:
//! 1. wait for the first prompt (`R1>`, `cisco@R1> `, `user@host:~$ `) and learn the base
//!    prompt (`R1`);
//! 2. turn paging off (`terminal length 0`, `set cli screen-length 0`, ...);
//! 3. raise privilege (`enable` and the secret) when the platform has such a step, the prompt
//!    is unprivileged and a secret is given;
//! 4. each command, reading until the base prompt reappears; the echo, the prompt and the
//!    lines that belong to it are stripped, the pager is answered with a space should paging
//!    still be on; output matching the platform's error markers is a rejected command;
//! 5. then the driver sends `exit` and closes.

use crate::error::{Phase, SessionError};
use crate::job::{DEFAULT_MAX_OUTPUT, OnCommandError};
use crate::scrub::Scrubber;
use fleetbench_inventory::Secret;
use fleetbench_inventory::platform::Platform;
use fleetbench_report::CommandOutput;

/// Characters of received text kept for a `PromptNotSeen` error.
const TAIL_CHARS: usize = 120;
/// Bytes that can hold [`TAIL_CHARS`] characters (UTF-8 is at most 4 bytes a character).
const TAIL_BYTES: usize = TAIL_CHARS * 4;
/// Outside a command, only the end of what arrived matters (the prompt line and the error
/// tail), so the buffer is cut back to this many bytes (plus the longest secret, so a secret
/// reaching into the tail is still whole when scrubbed) whenever it grows past twice that.
const WINDOW: usize = 8 * 1024;
/// A line longer than this is not a prompt (a prompt body is at most a few dozen characters;
/// a config mode suffix and trailing spaces add a few more).
const MAX_PROMPT_LINE: usize = 256;
/// A pager line is short (` --More-- `, `---(more 50%)---`); longer lines are output.
const MAX_PAGER_LINE: usize = 32;

/// What the driver should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes to the channel. May contain the enable secret: never log them.
    Send(Vec<u8>),
    /// Read more and feed it in.
    Wait,
    /// Every command has its output (or one was rejected, see [`Dialogue::rejection`]); the
    /// driver sends [`Dialogue::exit_line`] and closes.
    Finished,
}

/// What the driver sends to leave a Cisco-style CLI once the dialogue is finished.
pub const EXIT: &[u8] = b"exit\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FirstPrompt,
    /// Waiting for the prompt after the platform's `i`-th paging command.
    Paging(usize),
    EnablePassword,
    EnableResult,
    Command(usize),
    Finished,
}

/// A found prompt: the base (hostname part) and whether it ends in `#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub base: String,
    pub privileged: bool,
    /// Byte offset in the scanned buffer where the prompt starts.
    pub start: usize,
}

/// Removes ANSI escape sequences (CSI such as bracketed paste `ESC[?2004h`, OSC window titles,
/// colours) from a stream split anywhere, keeping text, CR, LF, tab and backspace. vte's
/// parser keeps the state of a sequence cut between two reads.
struct AnsiStrip(vte::Parser);

impl std::fmt::Debug for AnsiStrip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnsiStrip")
    }
}

struct Plain<'a>(&'a mut Vec<u8>);

impl vte::Perform for Plain<'_> {
    fn print(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.0.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }
    fn execute(&mut self, byte: u8) {
        if matches!(byte, b'\n' | b'\r' | b'\t' | 0x08) {
            self.0.push(byte);
        }
    }
}

/// The dialogue with one device. Create it, call [`Dialogue::start`], then feed every chunk
/// the device sends to [`Dialogue::on_bytes`] and do what it answers.
///
/// Reading is incremental: each chunk is scanned once (for line ends and trailing spaces), so
/// the cost of a chunk does not depend on what came before it, whatever the device sends.
#[derive(Debug)]
pub struct Dialogue {
    platform: &'static Platform,
    on_error: OnCommandError,
    commands: Vec<String>,
    secret: Option<Secret>,
    state: State,
    /// Everything received since the last step was sent (escape sequences stripped when the
    /// platform asks for it).
    /// Outside commands, only its end is kept (see [`WINDOW`]).
    buf: Vec<u8>,
    /// Where the last line of `buf` starts: after its last `\r` or `\n`.
    line_start: usize,
    /// The start of the last line was cut off with the front of the buffer: not a prompt.
    line_cut: bool,
    /// One past the last byte of `buf` that is not a space (0 when there is none).
    content_end: usize,
    /// Bytes received for the current step, including those cut from the buffer.
    step_bytes: usize,
    max_output: usize,
    scrub: Scrubber,
    ansi: Option<AnsiStrip>,
    base_prompt: Option<String>,
    privileged: bool,
    outputs: Vec<CommandOutput>,
    rejected: Option<SessionError>,
}

impl Dialogue {
    /// A `cisco_ios` dialogue that fails on a rejected command.
    pub fn new(commands: Vec<String>, secret: Option<Secret>) -> Self {
        Self::for_platform(Platform::default_platform(), commands, secret)
    }

    /// A dialogue following `platform`'s row of the table. The per-step cap is
    /// [`DEFAULT_MAX_OUTPUT`], and only the enable secret is scrubbed until
    /// [`Dialogue::scrubber`] gives all the device's secrets.
    pub fn for_platform(
        platform: &'static Platform,
        commands: Vec<String>,
        secret: Option<Secret>,
    ) -> Self {
        let scrub = Scrubber::new(secret.iter());
        Dialogue {
            platform,
            on_error: OnCommandError::default(),
            commands,
            secret,
            state: State::FirstPrompt,
            buf: Vec::new(),
            line_start: 0,
            line_cut: false,
            content_end: 0,
            step_bytes: 0,
            max_output: DEFAULT_MAX_OUTPUT,
            scrub,
            ansi: platform.strip_ansi.then(|| AnsiStrip(vte::Parser::new())),
            base_prompt: None,
            privileged: false,
            outputs: Vec::new(),
            rejected: None,
        }
    }

    /// Caps what the device may send in answer to one step (at least 1 byte).
    pub fn max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes.max(1);
        self
    }

    /// The secrets to mask in outputs and error tails (the crate's `scrub` module).
    pub fn scrubber(mut self, scrub: Scrubber) -> Self {
        self.scrub = scrub;
        self
    }

    /// What a rejected command does: end the device with `command_rejected` (the default) or
    /// keep its output as a success.
    pub fn on_command_error(mut self, policy: OnCommandError) -> Self {
        self.on_error = policy;
        self
    }

    pub fn platform(&self) -> &'static Platform {
        self.platform
    }

    /// The phase the dialogue is in, and for commands the command's index.
    pub fn phase(&self) -> (Phase, Option<usize>) {
        match self.state {
            State::FirstPrompt | State::Paging(_) => (Phase::Prompt, None),
            State::EnablePassword | State::EnableResult => (Phase::Enable, None),
            State::Command(i) => (Phase::Command, Some(i)),
            State::Finished => (Phase::Close, None),
        }
    }

    /// The base prompt learned from the first prompt (`R1` for `R1>`).
    pub fn base_prompt(&self) -> Option<&str> {
        self.base_prompt.as_deref()
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged
    }

    /// The outputs collected so far, in command order (a rejected command's included).
    pub fn outputs(&self) -> &[CommandOutput] {
        &self.outputs
    }

    pub fn into_outputs(self) -> Vec<CommandOutput> {
        self.outputs
    }

    /// The outputs collected so far, leaving none (a kept session's dialogue runs again).
    pub fn take_outputs(&mut self) -> Vec<CommandOutput> {
        std::mem::take(&mut self.outputs)
    }

    /// The `command_rejected` error that finished the dialogue early, if one did.
    pub fn rejection(&self) -> Option<&SessionError> {
        self.rejected.as_ref()
    }

    /// The line that leaves the CLI (`exit\n`).
    pub fn exit_line(&self) -> Vec<u8> {
        line_of(self.platform.exit)
    }

    /// The last characters received, printable and with secrets masked, for error messages.
    pub fn tail(&self) -> String {
        tail_text_scrubbed(&self.buf, &self.scrub)
    }

    /// The error for a step whose deadline passed: no prompt yet means the prompt was never
    /// seen, which says more than a bare timeout.
    pub fn timeout_error(&self, secs: f64) -> SessionError {
        let (phase, _) = self.phase();
        if self.state == State::FirstPrompt && !self.buf.is_empty() {
            SessionError::PromptNotSeen {
                phase,
                tail: self.tail(),
            }
        } else {
            SessionError::Timeout { phase, secs }
        }
    }

    /// The error for the device closing the channel early; `vty_busy` if it said it is full.
    pub fn eof_error(&self) -> SessionError {
        let (phase, text) = (self.phase().0, String::from_utf8_lossy(&self.buf));
        match self.platform.session_limit_line(&text) {
            Some(l) if self.state == State::FirstPrompt => SessionError::VtyBusy {
                phase,
                line: self.scrub.scrub(l).chars().take(TAIL_CHARS).collect(),
            },
            _ => SessionError::Disconnected { phase },
        }
    }

    /// Nothing to send before the device speaks: every platform prints its prompt on shell
    /// start.
    pub fn start(&self) -> Action {
        Action::Wait
    }

    /// The same commands again on the same shell, for a session kept between polls: the
    /// base prompt and the privilege learned stay, the outputs start over, and the answer is
    /// the first command to send (`Finished` when there is none).
    pub fn again(&mut self) -> Action {
        self.outputs.clear();
        self.rejected = None;
        self.next_command(0)
    }

    /// Feed bytes received from the device; returns what to do next. The cost is linear in
    /// `data` (never in what came before), and the buffer stays within the per-step cap.
    pub fn on_bytes(&mut self, data: &[u8]) -> Result<Action, SessionError> {
        if self.state == State::Finished {
            return Ok(Action::Finished);
        }
        self.step_bytes = self.step_bytes.saturating_add(data.len());
        if self.step_bytes > self.max_output {
            let (phase, _) = self.phase();
            return Err(SessionError::OutputTooLarge {
                phase,
                limit: self.max_output,
            });
        }
        self.push(data);
        if !matches!(self.state, State::Command(_)) {
            self.keep_end();
        }
        match self.state {
            State::FirstPrompt => {
                let Some(p) = self.prompt_at_end(None) else {
                    return Ok(Action::Wait);
                };
                self.privileged = p.privileged;
                self.base_prompt = Some(p.base);
                Ok(self.next_paging(0))
            }
            State::Paging(i) => {
                let Some(p) = self.prompt_at_end(self.base_prompt.as_deref()) else {
                    return Ok(self.answer_more());
                };
                self.privileged = p.privileged;
                if self.platform.paging_off.get(i + 1).is_some() {
                    return Ok(self.next_paging(i + 1));
                }
                match self.platform.enable {
                    Some(enable) if !self.privileged && self.secret.is_some() => {
                        self.state = State::EnablePassword;
                        Ok(self.send(line_of(enable)))
                    }
                    // No secret (or no such step): commands run at the login's level, as
                    // netmiko does without `.enable()`; `show clock` and `show version` work
                    // there.
                    _ => Ok(self.next_command(0)),
                }
            }
            State::EnablePassword => {
                if self.ends_with_password_prompt() {
                    self.state = State::EnableResult;
                    let mut line = self
                        .secret
                        .as_ref()
                        .map(|s| s.expose().as_bytes().to_vec())
                        .unwrap_or_default();
                    line.push(b'\n');
                    return Ok(self.send(line));
                }
                // A device with no enable secret configured goes straight to `#`.
                self.check_enable_result()
            }
            State::EnableResult => {
                if self.ends_with_password_prompt() {
                    // IOS asks again after a wrong secret.
                    return Err(SessionError::EnableRejected);
                }
                self.check_enable_result()
            }
            State::Command(i) => {
                let Some(p) = self.prompt_at_end(self.base_prompt.as_deref()) else {
                    return Ok(self.answer_more());
                };
                let mut output = strip_prompt_context(
                    extract_output(&self.buf[..p.start], &self.commands[i]),
                    self.platform,
                );
                self.privileged = p.privileged;
                self.reset_step();
                // Error markers are matched on the device's own text, then both are masked.
                let rejected = match self.on_error {
                    OnCommandError::Fail => self
                        .platform
                        .rejection(&output)
                        .map(|line| self.scrub.scrub(line).into_owned()),
                    OnCommandError::Keep => None,
                };
                self.scrub.scrub_string(&mut output);
                self.outputs.push(CommandOutput {
                    command: self.commands[i].clone(),
                    output,
                });
                if let Some(line) = rejected {
                    self.rejected = Some(SessionError::CommandRejected {
                        command: self.commands[i].clone(),
                        line,
                    });
                    self.state = State::Finished;
                    return Ok(Action::Finished);
                }
                Ok(self.next_command(i + 1))
            }
            State::Finished => Ok(Action::Finished),
        }
    }

    /// Appends `data` (escape sequences stripped when the platform asks for it), scanning
    /// only what was appended for line starts and trailing spaces.
    fn push(&mut self, data: &[u8]) {
        let from = self.buf.len();
        match &mut self.ansi {
            Some(AnsiStrip(parser)) => parser.advance(&mut Plain(&mut self.buf), data),
            None => self.buf.extend_from_slice(data),
        }
        let new = &self.buf[from..];
        if let Some(i) = new.iter().rposition(|&c| c == b'\n' || c == b'\r') {
            self.line_start = from + i + 1;
            self.line_cut = false;
        }
        if let Some(i) = new.iter().rposition(|&c| c != b' ') {
            self.content_end = from + i + 1;
        }
    }

    /// Outside commands, keeps only the end of the buffer (see [`WINDOW`]).
    fn keep_end(&mut self) {
        let keep = WINDOW + self.scrub.longest();
        if self.buf.len() <= 2 * keep {
            return;
        }
        let cut = self.buf.len() - keep;
        self.buf.drain(..cut);
        if self.line_start < cut {
            self.line_cut = true;
            self.line_start = 0;
        } else {
            self.line_start -= cut;
        }
        self.content_end = self.content_end.saturating_sub(cut);
    }

    /// A step is sent: what comes next is the answer to it.
    fn send(&mut self, bytes: Vec<u8>) -> Action {
        self.reset_step();
        Action::Send(bytes)
    }

    fn reset_step(&mut self) {
        // A big output's buffer is given back rather than kept for the rest of the session.
        if self.buf.capacity() > 4 * WINDOW {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
        self.line_start = 0;
        self.line_cut = false;
        self.content_end = 0;
        self.step_bytes = 0;
    }

    fn check_enable_result(&mut self) -> Result<Action, SessionError> {
        let Some(p) = self.prompt_at_end(self.base_prompt.as_deref()) else {
            return Ok(Action::Wait);
        };
        if !p.privileged {
            return Err(SessionError::EnableRejected);
        }
        self.privileged = true;
        Ok(self.next_command(0))
    }

    fn next_paging(&mut self, i: usize) -> Action {
        match self.platform.paging_off.get(i) {
            Some(cmd) => {
                self.state = State::Paging(i);
                self.send(line_of(cmd))
            }
            None => self.next_command(0),
        }
    }

    fn next_command(&mut self, i: usize) -> Action {
        match self.commands.get(i) {
            Some(cmd) => {
                self.state = State::Command(i);
                self.send(line_of(cmd))
            }
            None => {
                self.state = State::Finished;
                self.reset_step();
                Action::Finished
            }
        }
    }

    /// A prompt (the learned `base`, else any the platform allows) as the buffer's last line.
    fn prompt_at_end(&self, base: Option<&str>) -> Option<Prompt> {
        if self.line_cut || self.content_end < self.line_start {
            return None;
        }
        prompt_line(
            &self.buf[self.line_start..self.content_end],
            base,
            self.platform,
        )
        .map(|(base, privileged)| Prompt {
            base,
            privileged,
            start: self.line_start,
        })
    }

    fn ends_with_password_prompt(&self) -> bool {
        self.buf[..self.content_end].ends_with(b"assword:")
    }

    /// Paging still on (the device ignored the paging command): ask for the next page and
    /// drop the pager line from the buffer so it does not end up in the output.
    fn answer_more(&mut self) -> Action {
        let Some(marker) = self.platform.pager else {
            return Action::Wait;
        };
        if self.line_cut || self.content_end < self.line_start {
            return Action::Wait;
        }
        let line_start = self.line_start;
        let last = &self.buf[line_start..self.content_end];
        if last.len() <= MAX_PAGER_LINE
            && last.ends_with(b"-")
            && last
                .windows(marker.len())
                .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
        {
            // The pager's line goes. What is left ends with a line end (or is empty), so the
            // new last line is empty and starts at the cut: no scan back.
            let cut = trim_end_spaces(&self.buf[..line_start]).len();
            self.buf.truncate(cut);
            self.content_end = cut;
            self.line_start = cut;
            return Action::Send(b" ".to_vec());
        }
        Action::Wait
    }
}

fn line_of(cmd: &str) -> Vec<u8> {
    let mut line = cmd.as_bytes().to_vec();
    line.push(b'\n');
    line
}

fn trim_end_spaces(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    &b[..end]
}

/// [`find_prompt_for`] with the `cisco_ios` row.
pub fn find_prompt(buf: &[u8], base: Option<&str>) -> Option<Prompt> {
    find_prompt_for(buf, base, Platform::default_platform())
}

/// Finds a prompt of `platform` at the very end of `buf`: the last line, with nothing after
/// it but spaces. With `base` given (learned earlier), only the base followed by the
/// platform's terminators (or, where config mode shows so, `base(config...)#`) matches, which
/// keeps output lines ending in `>` or `#` from passing for a prompt; without it, any line
/// the platform's prompt characters allow.
pub fn find_prompt_for(buf: &[u8], base: Option<&str>, platform: &Platform) -> Option<Prompt> {
    let end = trim_end_spaces(buf).len();
    let start = buf[..end]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    prompt_line(&buf[start..end], base, platform).map(|(base, privileged)| Prompt {
        base,
        privileged,
        start,
    })
}

/// Whether one line (without trailing spaces) is a prompt of `platform`: its base and whether
/// it is privileged. Constant time for a line too long to be a prompt.
fn prompt_line(line: &[u8], base: Option<&str>, platform: &Platform) -> Option<(String, bool)> {
    if line.len() > MAX_PROMPT_LINE {
        return None;
    }
    let style = &platform.prompt;
    let (&last, word) = line.split_last()?;
    if last != style.unprivileged && last != style.privileged {
        return None;
    }
    let base_len = match base {
        Some(base) => {
            let b = base.as_bytes();
            if !word.starts_with(b) {
                return None;
            }
            let rest = &word[b.len()..];
            // `R1(config)#` keeps the base; anything else after it does not match.
            let config =
                style.config_in_parens && rest.first() == Some(&b'(') && rest.last() == Some(&b')');
            if !(rest.is_empty() || config) {
                return None;
            }
            b.len()
        }
        None => {
            if !platform.is_prompt_body(word) {
                return None;
            }
            word.len()
        }
    };
    Some((
        String::from_utf8_lossy(&word[..base_len]).into_owned(),
        last == style.privileged,
    ))
}

/// Drops the lines just above the prompt that belong to it (Junos `{master:0}`, `[edit]`).
fn strip_prompt_context(output: String, platform: &Platform) -> String {
    if platform.prompt_context.is_empty() {
        return output;
    }
    let mut lines: Vec<&str> = output.lines().collect();
    while lines.last().is_some_and(|l| {
        l.trim().is_empty() || platform.prompt_context.iter().any(|m| l.starts_with(m))
    }) {
        lines.pop();
    }
    lines.join("\n")
}

/// The last `TAIL_CHARS` (120) characters of `buf` with control characters escaped.
pub fn tail_text(buf: &[u8]) -> String {
    tail_text_scrubbed(buf, &Scrubber::default())
}

/// [`tail_text`] with secrets masked. Only the last bytes are looked at: enough for the tail,
/// plus the longest secret, so a secret that reaches into the tail is masked whole.
fn tail_text_scrubbed(buf: &[u8], scrub: &Scrubber) -> String {
    let from = buf.len().saturating_sub(TAIL_BYTES + scrub.longest());
    let text = String::from_utf8_lossy(&buf[from..]);
    let text = scrub.scrub_with(&text, from > 0); // cut: its first line lost its context
    let skip = text.chars().count().saturating_sub(TAIL_CHARS);
    text.chars()
        .skip(skip)
        .flat_map(|c| c.escape_debug())
        .collect::<String>()
}

mod text;
pub use text::extract_output;

#[cfg(test)]
mod tests;
