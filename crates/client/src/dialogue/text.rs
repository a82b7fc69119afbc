//! Cleaning a command's output: the echo, line ends, paging leftovers and blank edges.
//! Pure over the bytes received, like the rest of the dialogue.

use std::borrow::Cow;

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
