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
use crate::secret::Secret;

/// Most a device may send in answer to one step before the session is abandoned: a runaway
/// device must not exhaust memory (a long `show running-config` is a few hundred KiB).
pub const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// Characters of received text kept for a `PromptNotSeen` error.
const TAIL_CHARS: usize = 120;
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
#[derive(Debug)]
pub struct Dialogue {
    commands: Vec<String>,
    secret: Option<Secret>,
    state: State,
    /// Everything received since the last step was sent.
    buf: Vec<u8>,
    base_prompt: Option<String>,
    privileged: bool,
    outputs: Vec<CommandOutput>,
}

impl Dialogue {
    pub fn new(commands: Vec<String>, secret: Option<Secret>) -> Self {
        Dialogue {
            commands,
            secret,
            state: State::FirstPrompt,
            buf: Vec::new(),
            base_prompt: None,
            privileged: false,
            outputs: Vec::new(),
        }
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

    /// The last characters received, printable, for error messages.
    pub fn tail(&self) -> String {
        tail_text(&self.buf)
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

    /// Feed bytes received from the device; returns what to do next.
    pub fn on_bytes(&mut self, data: &[u8]) -> Result<Action, SessionError> {
        if self.state == State::Finished {
            return Ok(Action::Finished);
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() > MAX_RESPONSE {
            let (phase, _) = self.phase();
            return Err(SessionError::PromptNotSeen {
                phase,
                tail: self.tail(),
            });
        }
        match self.state {
            State::FirstPrompt => {
                let Some(p) = find_prompt(&self.buf, None) else {
                    return Ok(Action::Wait);
                };
                self.privileged = p.privileged;
                self.base_prompt = Some(p.base);
                self.buf.clear();
                self.state = State::TerminalLength;
                Ok(Action::Send(b"terminal length 0\n".to_vec()))
            }
            State::TerminalLength => {
                let Some(p) = self.prompt_at_end() else {
                    return Ok(self.answer_more());
                };
                self.privileged = p.privileged;
                self.buf.clear();
                if !self.privileged && self.secret.is_some() {
                    self.state = State::EnablePassword;
                    Ok(Action::Send(b"enable\n".to_vec()))
                } else {
                    // No secret: commands run in user EXEC mode, as netmiko does without
                    // `.enable()`; `show clock` and `show version` work there.
                    Ok(self.next_command(0))
                }
            }
            State::EnablePassword => {
                if ends_with_password_prompt(&self.buf) {
                    self.buf.clear();
                    self.state = State::EnableResult;
                    let mut line = self
                        .secret
                        .as_ref()
                        .map(|s| s.expose().as_bytes().to_vec())
                        .unwrap_or_default();
                    line.push(b'\n');
                    return Ok(Action::Send(line));
                }
                // A device with no enable secret configured goes straight to `#`.
                self.check_enable_result()
            }
            State::EnableResult => {
                if ends_with_password_prompt(&self.buf) {
                    // IOS asks again after a wrong secret.
                    return Err(SessionError::EnableRejected);
                }
                self.check_enable_result()
            }
            State::Command(i) => {
                let Some(p) = self.prompt_at_end() else {
                    return Ok(self.answer_more());
                };
                let output = extract_output(&self.buf[..p.start], &self.commands[i]);
                self.privileged = p.privileged;
                self.outputs.push(CommandOutput {
                    command: self.commands[i].clone(),
                    output,
                });
                self.buf.clear();
                Ok(self.next_command(i + 1))
            }
            State::Finished => Ok(Action::Finished),
        }
    }

    fn check_enable_result(&mut self) -> Result<Action, SessionError> {
        let Some(p) = self.prompt_at_end() else {
            return Ok(Action::Wait);
        };
        if !p.privileged {
            return Err(SessionError::EnableRejected);
        }
        self.privileged = true;
        self.buf.clear();
        Ok(self.next_command(0))
    }

    fn next_command(&mut self, i: usize) -> Action {
        match self.commands.get(i) {
            Some(cmd) => {
                self.state = State::Command(i);
                let mut line = cmd.as_bytes().to_vec();
                line.push(b'\n');
                Action::Send(line)
            }
            None => {
                self.state = State::Finished;
                Action::Finished
            }
        }
    }

    /// The learned base prompt at the very end of the buffer.
    fn prompt_at_end(&self) -> Option<Prompt> {
        find_prompt(&self.buf, self.base_prompt.as_deref())
    }

    /// Paging still on (the device ignored `terminal length 0`): ask for the next page and
    /// drop the marker from the buffer so it does not end up in the output.
    fn answer_more(&mut self) -> Action {
        let trimmed = trim_end_spaces(&self.buf);
        if trimmed.ends_with(MORE) {
            let cut = trimmed.len() - MORE.len();
            let cut = trim_end_spaces(&self.buf[..cut]).len();
            self.buf.truncate(cut);
            return Action::Send(b" ".to_vec());
        }
        Action::Wait
    }
}

fn trim_end_spaces(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    &b[..end]
}

fn ends_with_password_prompt(buf: &[u8]) -> bool {
    let t = trim_end_spaces(buf);
    t.ends_with(b"assword:")
}

/// Finds a prompt at the very end of `buf`: the last line, with nothing after it but spaces.
/// With `base` given (learned earlier), only `base>` / `base#` (or `base(config...)#`) match,
/// which keeps output lines ending in `>` or `#` from passing for a prompt; without it, any
/// hostname-like word of 1-63 characters followed by `>` or `#`.
pub fn find_prompt(buf: &[u8], base: Option<&str>) -> Option<Prompt> {
    let t = trim_end_spaces(buf);
    let (&last, body) = t.split_last()?;
    if last != b'>' && last != b'#' {
        return None;
    }
    let line_start = body
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    let word = &body[line_start..];
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
    Some(Prompt {
        base: String::from_utf8_lossy(&word[..base_len]).into_owned(),
        privileged: last == b'#',
        start: line_start,
    })
}

fn is_hostname(w: &[u8]) -> bool {
    w[0].is_ascii_alphanumeric()
        && w.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
}

/// The text between the command's echo and the prompt: the echo line is dropped, line ends
/// become `\n`, backspaces and `--More--` markers left by paging are removed, and the
/// surrounding blank lines are trimmed.
pub fn extract_output(raw: &[u8], command: &str) -> String {
    let text = String::from_utf8_lossy(&strip_erase_runs(raw)).into_owned();
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    if let Some(first) = lines.first()
        && first.trim_end().ends_with(command.trim())
    {
        lines.remove(0);
    }
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| {
            let l = l.trim_end();
            match l
                .strip_prefix(" --More--")
                .or_else(|| l.strip_prefix("--More--"))
            {
                Some(rest) => rest.trim_start().to_string(),
                None => l.to_string(),
            }
        })
        .collect();
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Drops the cursor dance IOS sends to erase ` --More-- ` (backspaces, spaces, backspaces):
/// each run of backspaces and spaces is removed up to and including its last backspace.
fn strip_erase_runs(raw: &[u8]) -> Vec<u8> {
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
    out
}

/// The last `TAIL_CHARS` (120) characters of `buf` with control characters escaped.
pub fn tail_text(buf: &[u8]) -> String {
    let text = String::from_utf8_lossy(buf);
    let chars: Vec<char> = text.chars().collect();
    let start = chars.len().saturating_sub(TAIL_CHARS);
    chars[start..]
        .iter()
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
    fn runaway_output_is_bounded() {
        let mut d = dialogue(&["show x"], None);
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
        assert!(matches!(err, Some(SessionError::PromptNotSeen { .. })));
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
