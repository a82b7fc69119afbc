//! The one escaping of text that came from a device or a file, wherever fleetbench shows it:
//! device output, device names, error messages, a poller's stderr, inventory and report
//! fields, on a terminal ([`for_terminal`], [`for_terminal_text`]) or in a drawing
//! ([`for_xml`]; in an HTML or XML text node or attribute, markup escaped too: [`xml_text`]).
//! A device or a file may hold control sequences (OSC set-title, `ESC [6n`
//! cursor reports, screen clears) that a terminal would obey, newlines that forge a line of
//! their own ("R9 ok"), right-to-left overrides that show text reversed, or a NUL that makes
//! an SVG invalid XML. Each such character is written as a visible escape (`\u{1b}`) instead.
//! The JSON report keeps the exact text, and `run --raw` prints device output unchanged for
//! users who want the device's own colours.

use std::borrow::Cow;

/// `text` with every unsafe character ([`is_unsafe`]) written as a visible escape, so
/// nothing in it can drive the terminal or break a line. Borrowed when there was none.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// [`for_terminal`] for text of several lines: newlines are kept (the caller's own line
/// structure), every other unsafe character escaped.
pub fn for_terminal_text(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n')
}

/// Text bound for an SVG or HTML document: unsafe characters escaped as for a terminal
/// (newlines kept: plotters separates elements with them), so the document stays valid XML
/// whatever a device name holds.
pub fn for_xml(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters a terminal may act on or that change how the text around them reads: control
/// characters (C0 but tab, DEL, C1), the bidirectional overrides, embeddings and isolates
/// (U+202A-U+202E, U+2066-U+2069, and the marks U+200E, U+200F, U+061C), the line and
/// paragraph separators (U+2028, U+2029), and the noncharacters XML forbids (U+FFFE, U+FFFF).
pub fn is_unsafe(c: char) -> bool {
    (c != '\t' && c.is_control())
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// Text for an HTML/XML text node or attribute: markup characters escaped, and unsafe
/// characters ([`is_unsafe`], some of which XML forbids and a device may send) shown as
/// `\u{..}`.
pub fn xml_text(s: &str) -> String {
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
            c if is_unsafe(c) => {
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

    /// A name that forges a line of its own, or reads backwards, or holds a NUL.
    #[test]
    fn newlines_overrides_and_nul_are_escaped() {
        assert_eq!(
            for_terminal("R1\nR9 ok\u{202e}kcatta\0"),
            "R1\\nR9 ok\\u{202e}kcatta\\u{0}"
        );
        assert_eq!(for_terminal_text("a\nb\u{1b}[2J"), "a\nb\\u{1b}[2J");
        assert_eq!(
            for_xml("<text>R\0\u{ffff}</text>\n"),
            "<text>R\\u{0}\\u{ffff}</text>\n"
        );
    }
}
