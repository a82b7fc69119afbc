//! Output filters after a `|` (`show run | include hostname`): what each keeps, and the
//! filter words of the Cisco-style platforms.

use super::words::keyword;

/// What an output filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Lines containing the text (`include`, `match`).
    Include,
    /// Lines not containing it (`exclude`, `except`).
    Exclude,
    /// From the first line containing it on (`begin`).
    Begin,
    /// IOS's `section`: each top-level line containing it with all its indented lines, and
    /// the indented lines containing it of the other sections. `section include X` is the
    /// long form of `section X`.
    Section,
}

/// The Cisco-style filters (NX-OS, IOS-XR, EOS), as a command table.
pub const CISCO_FILTERS: &[(&str, Filter)] = &[
    ("include <rest>", Filter::Include),
    ("exclude <rest>", Filter::Exclude),
    ("begin <rest>", Filter::Begin),
];

impl Filter {
    /// The lines of an output this filter keeps, for `pattern`.
    pub fn keep(self, lines: Vec<String>, pattern: &str) -> Vec<String> {
        match self {
            Filter::Include => lines.into_iter().filter(|l| l.contains(pattern)).collect(),
            Filter::Exclude => lines.into_iter().filter(|l| !l.contains(pattern)).collect(),
            Filter::Begin => lines
                .into_iter()
                .skip_while(|l| !l.contains(pattern))
                .collect(),
            Filter::Section => section(lines, pattern),
        }
    }
}

fn section(lines: Vec<String>, pattern: &str) -> Vec<String> {
    let mut pattern = pattern;
    if let Some((w, rest)) = pattern.split_once(char::is_whitespace)
        && keyword(w, &["include", "exclude"]) == Ok("include")
    {
        pattern = rest.trim();
    }
    let mut out = Vec::new();
    let mut keep_children = false;
    for l in lines {
        if l.starts_with(' ') {
            if keep_children || l.contains(pattern) {
                out.push(l);
            }
        } else {
            keep_children = l.contains(pattern);
            if keep_children {
                out.push(l);
            }
        }
    }
    out
}
