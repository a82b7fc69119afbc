//! Device text made safe where it is shown: on a terminal ([`for_terminal`]), and in an
//! HTML or SVG text node or attribute ([`for_xml`]).
//!
//! Device output on a terminal: a device may send control sequences (OSC set-title,
//! `ESC [6n` cursor reports, screen clears) that a terminal would obey. What `run` prints is
//! passed through [`for_terminal`]; the JSON report keeps the exact text, and `--raw` prints it
//! unchanged for users who want the device's own colours.

use std::borrow::Cow;

/// `text` with every control character (C0 except tab, DEL, C1) written as a visible escape
/// (`\u{1b}`), so nothing in it can drive the terminal. Borrowed when there was none.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters a terminal may act on. Tab is harmless; newlines are the caller's line
/// structure (it prints line by line), so they never reach here inside a line but are escaped
/// if they do.
fn is_unsafe(c: char) -> bool {
    c != '\t' && c.is_control()
}

/// Text for an HTML/XML text node or attribute: markup characters escaped, and control
/// characters (which XML forbids and a device may send) shown as `\u{..}`.
pub fn for_xml(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_sequences_keeps_text() {
        assert!(matches!(for_terminal("R1 uptime\tok é"), Cow::Borrowed(_)));
        let s = for_terminal("\x1b]0;pwned\x07a\x1b[6nb\u{9b}2Jc\r");
        assert_eq!(s, "\\u{1b}]0;pwned\\u{7}a\\u{1b}[6nb\\u{9b}2Jc\\r");
        assert!(!s.chars().any(|c| c.is_control()));
    }
}
