//! The text a CLI answers with: lines joined with CRLF, a text block split into lines, the
//! `^` line under an offending word, uptime pieces.

use chrono::{DateTime, Utc};

/// Each line followed by CRLF.
pub fn join(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

/// Lines of a text block (a `format!` of the whole output), for an output.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// A `^` under the offending word of a line typed after a prompt `prompt_len` long.
pub fn caret(prompt_len: usize, at: usize) -> String {
    format!("{}^", " ".repeat(prompt_len + at))
}

/// Uptime as `N days, H hours, M minutes` pieces: (days, hours, minutes, seconds).
pub fn uptime_parts(boot: DateTime<Utc>, now: DateTime<Utc>) -> (i64, i64, i64, i64) {
    let s = now.signed_duration_since(boot).num_seconds().max(0);
    (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60)
}
