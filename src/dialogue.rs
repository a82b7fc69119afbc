//! The prompt and dialogue logic of a CLI session, as a pure state machine: bytes in,
//! decisions out. No socket, no clock: the session driver ([`crate::session`]) feeds it what
//! the device sent and writes what it asks for, so a blocking and a non-blocking driver share
//! it, and it is unit-tested (and fuzzed) without a network.
//!
//! The dialogue, netmiko's `cisco_ios` flow:
//! 1. wait for the first prompt (`R1>` or `R1#`) and learn the base prompt `R1`;
//! 2. `terminal length 0`, so output is not paged;
//! 3. `enable` and the secret when the prompt ends in `>` and a secret is given;
//! 4. each command, reading until the base prompt reappears; the echo and the prompt are
//!    stripped, ` --More-- ` is answered with a space should paging still be on;
//! 5. then the driver sends `exit` and closes.

use crate::error::{Phase, SessionError};
use crate::result::CommandOutput;
use crate::scrub::Scrubber;
use crate::secret::Secret;
use std::borrow::Cow;

/// Default cap on what a device may send in answer to one step (a command's output, or
/// whatever arrives while waiting for a prompt); [`Dialogue::max_output`] sets another. A
/// long `show running-config` is a few hundred KiB, `show tech-support` a few MiB; a full BGP
/// table needs more, and says so with a typed `output_too_large` error naming the cap.
pub const DEFAULT_MAX_OUTPUT: usize = 16 * 1024 * 1024;
/// Characters of received text kept for a `PromptNotSeen` error.
const TAIL_CHARS: usize = 120;
/// Bytes that can hold [`TAIL_CHARS`] characters (UTF-8 is at most 4 bytes a character).
const TAIL_BYTES: usize = TAIL_CHARS * 4;
/// Outside a command, only the end of what arrived matters (the prompt line and the error
/// tail), so the buffer is cut back to this many bytes (plus the longest secret, so a secret
/// reaching into the tail is still whole when scrubbed) whenever it grows past twice that.
const WINDOW: usize = 8 * 1024;
/// A line longer than this is not a prompt (a hostname is at most 63 characters; the config
/// mode suffix and trailing spaces add a few dozen).
const MAX_PROMPT_LINE: usize = 256;
const MORE: &[u8] = b"--More--";

/// What the driver should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes to the channel. May contain the enable secret: never log them.
    Send(Vec<u8>),
    /// Read more and feed it in.
    Wait,
    /// Every command has its output; the driver sends [`EXIT`] and closes.
    Finished,
}

/// What the driver sends to leave the CLI once the dialogue is finished.
pub const EXIT: &[u8] = b"exit\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FirstPrompt,
    TerminalLength,
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

/// The dialogue with one device. Create it, call [`Dialogue::start`], then feed every chunk
/// the device sends to [`Dialogue::on_bytes`] and do what it answers.
///
/// Reading is incremental: each chunk is scanned once (for line ends and trailing spaces), so
/// the cost of a chunk does not depend on what came before it, whatever the device sends.
#[derive(Debug)]
pub struct Dialogue {
    commands: Vec<String>,
    secret: Option<Secret>,
    state: State,
    /// What was received since the last step was sent (outside commands, only its end).
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
    base_prompt: Option<String>,
    privileged: bool,
    outputs: Vec<CommandOutput>,
}

impl Dialogue {
    /// A dialogue that runs `commands`, with `secret` for `enable`; the per-step cap is
    /// [`DEFAULT_MAX_OUTPUT`] and only the enable secret is scrubbed until
    /// [`Dialogue::scrubber`] gives all the device's secrets.
    pub fn new(commands: Vec<String>, secret: Option<Secret>) -> Self {
        let scrub = Scrubber::new(secret.iter());
        Dialogue {
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
            base_prompt: None,
            privileged: false,
            outputs: Vec::new(),
        }
    }

    /// Caps what the device may send in answer to one step (at least 1 byte).
    pub fn max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes.max(1);
        self
    }

    /// The secrets to mask in outputs and error tails (see [`crate::scrub`]).
    pub fn scrubber(mut self, scrub: Scrubber) -> Self {
        self.scrub = scrub;
        self
    }

    /// The phase the dialogue is in, and for commands the command's index.
    pub fn phase(&self) -> (Phase, Option<usize>) {
        match self.state {
            State::FirstPrompt | State::TerminalLength => (Phase::Prompt, None),
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

    /// The outputs collected so far, in command order.
    pub fn outputs(&self) -> &[CommandOutput] {
        &self.outputs
    }

    pub fn into_outputs(self) -> Vec<CommandOutput> {
        self.outputs
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

    /// The error for the device closing the channel before the dialogue finished.
    pub fn eof_error(&self) -> SessionError {
        let (phase, _) = self.phase();
        SessionError::Disconnected { phase }
    }

    /// Nothing to send before the device speaks: IOS prints its prompt on shell start.
    pub fn start(&self) -> Action {
        Action::Wait
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
                self.state = State::TerminalLength;
                Ok(self.send(b"terminal length 0\n".to_vec()))
            }
            State::TerminalLength => {
                let Some(p) = self.prompt_at_end(self.base_prompt.as_deref()) else {
                    return Ok(self.answer_more());
                };
                self.privileged = p.privileged;
                if !self.privileged && self.secret.is_some() {
                    self.state = State::EnablePassword;
                    Ok(self.send(b"enable\n".to_vec()))
                } else {
                    // No secret: commands run in user EXEC mode, as netmiko does without
                    // `.enable()`; `show clock` and `show version` work there.
                    Ok(self.next_command(0))
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
                let mut output = extract_output(&self.buf[..p.start], &self.commands[i]);
                self.scrub.scrub_string(&mut output);
                self.privileged = p.privileged;
                self.outputs.push(CommandOutput {
                    command: self.commands[i].clone(),
                    output,
                });
                Ok(self.next_command(i + 1))
            }
            State::Finished => Ok(Action::Finished),
        }
    }

    /// Appends `data`, scanning only it for line starts and trailing spaces.
    fn push(&mut self, data: &[u8]) {
        let base = self.buf.len();
        if let Some(i) = data.iter().rposition(|&c| c == b'\n' || c == b'\r') {
            self.line_start = base + i + 1;
            self.line_cut = false;
        }
        if let Some(i) = data.iter().rposition(|&c| c != b' ') {
            self.content_end = base + i + 1;
        }
        self.buf.extend_from_slice(data);
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

    fn next_command(&mut self, i: usize) -> Action {
        match self.commands.get(i) {
            Some(cmd) => {
                self.state = State::Command(i);
                let mut line = cmd.as_bytes().to_vec();
                line.push(b'\n');
                self.send(line)
            }
            None => {
                self.state = State::Finished;
                self.reset_step();
                Action::Finished
            }
        }
    }

    /// A prompt (the learned `base`, else any hostname-like word) as the buffer's last line.
    fn prompt_at_end(&self, base: Option<&str>) -> Option<Prompt> {
        if self.line_cut || self.content_end < self.line_start {
            return None;
        }
        prompt_line(&self.buf[self.line_start..self.content_end], base).map(|(base, privileged)| {
            Prompt {
                base,
                privileged,
                start: self.line_start,
            }
        })
    }

    fn ends_with_password_prompt(&self) -> bool {
        self.buf[..self.content_end].ends_with(b"assword:")
    }

    /// Paging still on (the device ignored `terminal length 0`): ask for the next page and
    /// drop the marker from the buffer so it does not end up in the output.
    fn answer_more(&mut self) -> Action {
        if self.buf[..self.content_end].ends_with(MORE) {
            let cut = self.content_end - MORE.len();
            // Spaces before the marker are on the marker's line: never before `line_start`.
            let cut = trim_end_spaces(&self.buf[..cut]).len();
            self.buf.truncate(cut);
            self.content_end = cut;
            self.line_start = self.line_start.min(cut);
            return Action::Send(b" ".to_vec());
        }
        Action::Wait
    }
}

fn trim_end_spaces(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    &b[..end]
}

/// Finds a prompt at the very end of `buf`: the last line, with nothing after it but spaces.
/// With `base` given (learned earlier), only `base>` / `base#` (or `base(config...)#`) match,
/// which keeps output lines ending in `>` or `#` from passing for a prompt; without it, any
/// hostname-like word of 1-63 characters followed by `>` or `#`.
pub fn find_prompt(buf: &[u8], base: Option<&str>) -> Option<Prompt> {
    let end = trim_end_spaces(buf).len();
    let start = buf[..end]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    prompt_line(&buf[start..end], base).map(|(base, privileged)| Prompt {
        base,
        privileged,
        start,
    })
}

/// Whether one line (without trailing spaces) is a prompt: its base and whether it ends in
/// `#`. Constant time for a line too long to be a prompt.
fn prompt_line(line: &[u8], base: Option<&str>) -> Option<(String, bool)> {
    if line.len() > MAX_PROMPT_LINE {
        return None;
    }
    let (&last, word) = line.split_last()?;
    if last != b'>' && last != b'#' {
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
            if !(rest.is_empty() || (rest.first() == Some(&b'(') && rest.last() == Some(&b')'))) {
                return None;
            }
            b.len()
        }
        None => {
            if word.is_empty() || word.len() > 63 || !is_hostname(word) {
                return None;
            }
            word.len()
        }
    };
    Some((
        String::from_utf8_lossy(&word[..base_len]).into_owned(),
        last == b'#',
    ))
}

fn is_hostname(w: &[u8]) -> bool {
    w[0].is_ascii_alphanumeric()
        && w.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
}

/// The text between the command's echo and the prompt: the echo line is dropped, line ends
/// become `\n`, backspaces and `--More--` markers left by paging are removed, trailing spaces
/// of each line and the surrounding blank lines are trimmed. One pass, one output string
/// (outputs can be many MiB).
pub fn extract_output(raw: &[u8], command: &str) -> String {
    let cleaned = strip_erase_runs(raw);
    let text = String::from_utf8_lossy(&cleaned);
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0usize;
    let mut started = false;
    for (i, line) in split_lines(&text).enumerate() {
        let line = line.trim_end();
        if i == 0 && line.ends_with(command.trim()) {
            continue;
        }
        let line = match line
            .strip_prefix(" --More--")
            .or_else(|| line.strip_prefix("--More--"))
        {
            Some(rest) => rest.trim_start(),
            None => line,
        };
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if started {
            for _ in 0..=blank_run {
                out.push('\n');
            }
        }
        blank_run = 0;
        started = true;
        out.push_str(line);
    }
    out
}

/// Lines split at `\r\n`, `\r` or `\n`.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\r', '\n']) {
            None => {
                rest = None;
                Some(t)
            }
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]);
                Some(&t[..i])
            }
        }
    })
}

/// Drops the cursor dance IOS sends to erase ` --More-- ` (backspaces, spaces, backspaces):
/// each run of backspaces and spaces is removed up to and including its last backspace.
fn strip_erase_runs(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&0x08) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == 0x08 {
            let mut j = i;
            let mut last_bs = i;
            while j < raw.len() && (raw[j] == 0x08 || raw[j] == b' ') {
                if raw[j] == 0x08 {
                    last_bs = j;
                }
                j += 1;
            }
            i = last_bs + 1;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
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
    let text = scrub.scrub(&text);
    let skip = text.chars().count().saturating_sub(TAIL_CHARS);
    text.chars()
        .skip(skip)
        .flat_map(|c| c.escape_debug())
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialogue(cmds: &[&str], secret: Option<&str>) -> Dialogue {
        Dialogue::new(
            cmds.iter().map(|s| s.to_string()).collect(),
            secret.map(Secret::new),
        )
    }

    fn sent(a: Action) -> String {
        match a {
            Action::Send(b) => String::from_utf8(b).unwrap(),
            other => panic!("expected Send, got {other:?}"),
        }
    }

    #[test]
    fn full_ios_dialogue_with_enable() {
        let mut d = dialogue(&["show clock"], Some("s3cret"));
        assert_eq!(d.start(), Action::Wait);
        assert_eq!(d.on_bytes(b"\r\nWelcome\r\nR1").unwrap(), Action::Wait);
        assert_eq!(sent(d.on_bytes(b">").unwrap()), "terminal length 0\n");
        assert_eq!(d.base_prompt(), Some("R1"));
        assert_eq!(d.phase(), (Phase::Prompt, None));
        assert_eq!(
            sent(d.on_bytes(b"terminal length 0\r\nR1>").unwrap()),
            "enable\n"
        );
        assert_eq!(d.phase(), (Phase::Enable, None));
        assert_eq!(
            sent(d.on_bytes(b"enable\r\nPassword: ").unwrap()),
            "s3cret\n"
        );
        assert_eq!(sent(d.on_bytes(b"\r\nR1#").unwrap()), "show clock\n");
        assert_eq!(d.phase(), (Phase::Command, Some(0)));
        assert_eq!(
            d.on_bytes(b"show clock\r\n*08:36:01.242 UTC").unwrap(),
            Action::Wait
        );
        assert_eq!(
            d.on_bytes(b" Fri Jul 26 2019\r\nR1#").unwrap(),
            Action::Finished
        );
        assert!(d.is_privileged());
        assert_eq!(d.outputs()[0].output, "*08:36:01.242 UTC Fri Jul 26 2019");
        assert_eq!(d.phase(), (Phase::Close, None));
    }

    #[test]
    fn privileged_device_skips_enable() {
        let mut d = dialogue(&["show clock", "show version"], Some("x"));
        d.on_bytes(b"R2#").unwrap();
        assert_eq!(
            sent(d.on_bytes(b"terminal length 0\r\nR2#").unwrap()),
            "show clock\n"
        );
        assert_eq!(
            sent(d.on_bytes(b"show clock\r\nA\r\nR2#").unwrap()),
            "show version\n"
        );
        assert_eq!(
            d.on_bytes(b"show version\r\nB\r\nC\r\nR2#").unwrap(),
            Action::Finished
        );
        let outs = d.into_outputs();
        assert_eq!(outs.len(), 2);
        assert_eq!(outs[1].output, "B\nC");
    }

    #[test]
    fn no_secret_runs_unprivileged() {
        let mut d = dialogue(&["show clock"], None);
        d.on_bytes(b"R1>").unwrap();
        assert_eq!(
            sent(d.on_bytes(b"terminal length 0\r\nR1>").unwrap()),
            "show clock\n"
        );
    }

    #[test]
    fn wrong_secret_is_enable_rejected() {
        let mut d = dialogue(&["show clock"], Some("bad"));
        d.on_bytes(b"R1>").unwrap();
        d.on_bytes(b"\r\nR1>").unwrap();
        d.on_bytes(b"enable\r\nPassword: ").unwrap();
        let e = d.on_bytes(b"\r\n% Access denied\r\n\r\nR1>").unwrap_err();
        assert_eq!(e, SessionError::EnableRejected);
        let mut d = dialogue(&["show clock"], Some("bad"));
        d.on_bytes(b"R1>").unwrap();
        d.on_bytes(b"\r\nR1>").unwrap();
        d.on_bytes(b"enable\r\nPassword: ").unwrap();
        assert_eq!(
            d.on_bytes(b"\r\nPassword: ").unwrap_err(),
            SessionError::EnableRejected
        );
    }

    #[test]
    fn secret_never_in_error_or_debug_text() {
        let mut d = dialogue(&["show clock"], Some("hunter2"));
        d.on_bytes(b"R1>").unwrap();
        d.on_bytes(b"\r\nR1>").unwrap();
        d.on_bytes(b"enable\r\nPassword: ").unwrap();
        let e = d.on_bytes(b"\r\nPassword: ").unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
        assert!(!format!("{d:?}").contains("hunter2"));
    }

    #[test]
    fn paging_is_answered_and_stripped() {
        let mut d = dialogue(&["show run"], None);
        d.on_bytes(b"R1#").unwrap();
        d.on_bytes(b"\r\nR1#").unwrap();
        assert_eq!(
            sent(
                d.on_bytes(b"show run\r\nline1\r\nline2\r\n --More-- ")
                    .unwrap()
            ),
            " "
        );
        let a = d.on_bytes(b"\x08\x08\x08\x08\x08\x08\x08\x08\x08        \x08\x08\x08\x08\x08\x08\x08\x08\x08line3\r\nR1#");
        assert_eq!(a.unwrap(), Action::Finished);
        assert_eq!(d.outputs()[0].output, "line1\nline2\nline3");
    }

    #[test]
    fn output_lines_that_look_like_prompts_do_not_end_the_command() {
        let mut d = dialogue(&["show run"], None);
        d.on_bytes(b"R1#").unwrap();
        d.on_bytes(b"\r\nR1#").unwrap();
        // `router>` and `R10#` are not the learned base prompt `R1`.
        assert_eq!(d.on_bytes(b"show run\r\nrouter>").unwrap(), Action::Wait);
        assert_eq!(d.on_bytes(b"\r\nR10#").unwrap(), Action::Wait);
        assert_eq!(d.on_bytes(b"\r\nR1#").unwrap(), Action::Finished);
        assert_eq!(d.outputs()[0].output, "router>\nR10#");
    }

    #[test]
    fn find_prompt_cases() {
        assert_eq!(find_prompt(b"R1>", None).unwrap().base, "R1");
        assert!(
            find_prompt(b"x\r\nsw-core.lab#  ", None)
                .unwrap()
                .privileged
        );
        assert!(find_prompt(b"R1# show", None).is_none());
        assert!(find_prompt(b"", None).is_none());
        assert!(find_prompt(b">", None).is_none());
        assert!(find_prompt(b"% bad input>", None).is_none());
        assert!(find_prompt(b"router-weird$ ", None).is_none());
        assert!(
            find_prompt(b"\r\nR1(config)#", Some("R1"))
                .unwrap()
                .privileged
        );
        assert!(find_prompt(b"\r\nR1x#", Some("R1")).is_none());
    }

    #[test]
    fn timeout_before_any_prompt_reports_the_tail() {
        let mut d = dialogue(&["show clock"], None);
        d.on_bytes(b"router-weird$ ").unwrap();
        match d.timeout_error(1.0) {
            SessionError::PromptNotSeen { phase, tail } => {
                assert_eq!(phase, Phase::Prompt);
                assert_eq!(tail, "router-weird$ ");
            }
            e => panic!("{e:?}"),
        }
        let d = dialogue(&["show clock"], None);
        assert!(matches!(d.timeout_error(1.0), SessionError::Timeout { .. }));
    }

    #[test]
    fn runaway_output_is_capped_with_a_typed_error() {
        let mut d = dialogue(&["show x"], None).max_output(3 << 20);
        d.on_bytes(b"R1#").unwrap();
        d.on_bytes(b"\r\nR1#").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        let mut err = None;
        for _ in 0..20 {
            if let Err(e) = d.on_bytes(&chunk) {
                err = Some(e);
                break;
            }
        }
        let err = err.unwrap();
        assert_eq!(
            err,
            SessionError::OutputTooLarge {
                phase: Phase::Command,
                limit: 3 << 20
            }
        );
        assert_eq!(err.kind(), "output_too_large");
        assert!(err.to_string().contains("3145728 bytes (3 MiB)"), "{err}");
        assert!(d.buf.len() <= 3 << 20);
    }

    #[test]
    fn a_flood_without_newline_keeps_a_small_buffer_and_no_prompt() {
        // 64 KiB chunks of `y` ending in `>`: never a line start, never a prompt.
        let mut d = dialogue(&["show x"], None);
        let mut chunk = vec![b'y'; 64 * 1024 - 1];
        chunk.push(b'>');
        for _ in 0..200 {
            assert_eq!(d.on_bytes(&chunk).unwrap(), Action::Wait);
            assert!(d.buf.len() <= 2 * WINDOW + chunk.len());
        }
        match d.timeout_error(1.0) {
            SessionError::PromptNotSeen { phase, tail } => {
                assert_eq!(phase, Phase::Prompt);
                assert_eq!(tail.len(), TAIL_CHARS);
                assert!(tail.ends_with("yy>"));
            }
            e => panic!("{e:?}"),
        }
        // After the flood, a real prompt on its own line is still recognised.
        assert_eq!(sent(d.on_bytes(b"\r\nR1>").unwrap()), "terminal length 0\n");
    }

    #[test]
    fn a_prompt_split_across_reads_and_long_space_runs() {
        let mut d = dialogue(&["show x"], None);
        assert_eq!(d.on_bytes(b"\r\nR").unwrap(), Action::Wait);
        assert_eq!(d.on_bytes(b"1").unwrap(), Action::Wait);
        assert_eq!(
            d.on_bytes(b"#").unwrap(),
            Action::Send(b"terminal length 0\n".to_vec())
        );
        assert_eq!(
            d.on_bytes(b"\r\nR1#").unwrap(),
            Action::Send(b"show x\n".to_vec())
        );
        assert_eq!(
            d.on_bytes(b"show x\r\nout\r\nR1#").unwrap(),
            Action::Finished
        );
        let mut d = dialogue(&["show x"], None);
        d.on_bytes(b"R1#").unwrap();
        d.on_bytes(b"\r\nR1#").unwrap();
        assert_eq!(d.on_bytes(b"show x\r\nout\r\nR1").unwrap(), Action::Wait);
        // The prompt's last character and trailing spaces in a later read.
        assert_eq!(d.on_bytes(b"#  ").unwrap(), Action::Finished);
        assert_eq!(d.outputs()[0].output, "out");
    }

    #[test]
    fn echoed_secrets_are_masked_even_split_across_reads() {
        let scrub = Scrubber::new(&[Secret::new("pa55word"), Secret::new("en-s3cret")]);
        let mut d = dialogue(&["show run"], Some("en-s3cret")).scrubber(scrub.clone());
        d.on_bytes(b"R1#").unwrap();
        d.on_bytes(b"\r\nR1#").unwrap();
        d.on_bytes(b"show run\r\nusername a password 0 pa5")
            .unwrap();
        d.on_bytes(b"5word\r\nenable password en-s3").unwrap();
        assert_eq!(d.on_bytes(b"cret\r\nR1#").unwrap(), Action::Finished);
        assert_eq!(
            d.outputs()[0].output,
            "username a password 0 ***\nenable password ***"
        );
        // The error tail: a secret at the very start of the tail window is masked whole.
        let mut d = dialogue(&["show run"], None).scrubber(scrub);
        d.on_bytes(b"pa55").unwrap();
        d.on_bytes(b"word").unwrap();
        d.on_bytes(&[b'x'; TAIL_CHARS - 4]).unwrap();
        let tail = d.tail();
        assert!(!tail.contains("word") && !tail.contains("pa55"), "{tail}");
        assert!(tail.starts_with("***"), "{tail}");
    }

    #[test]
    fn extract_output_drops_echo_and_blank_edges() {
        assert_eq!(
            extract_output(b"show clock\r\n\r\n*1\r\n\r\n", "show clock"),
            "*1"
        );
        assert_eq!(extract_output(b"x\r\ny\r\n", "show clock"), "x\ny");
    }
}
