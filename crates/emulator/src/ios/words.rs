//! Words as IOS reads them (abbreviated keywords, tokens with their offsets) and its error
//! texts for what it cannot read.

pub(crate) fn keyword<'a>(word: &str, candidates: &[&'a str]) -> Result<&'a str, Option<()>> {
    let w = word.to_ascii_lowercase();
    if let Some(exact) = candidates.iter().find(|c| **c == w) {
        return Ok(exact);
    }
    let mut hits = candidates.iter().filter(|c| c.starts_with(&w));
    match (hits.next(), hits.next()) {
        (Some(one), None) => Ok(one),
        (Some(_), Some(_)) => Err(Some(())),
        _ => Err(None),
    }
}

/// Words with their byte offsets in the line (for the `^` marker): the line engine's, which
/// every platform reads its commands with.
pub(crate) use crate::platforms::engine::tokens;

pub(super) fn invalid_input(caret_col: usize) -> String {
    format!(
        "{}^\r\n% Invalid input detected at '^' marker.\r\n",
        " ".repeat(caret_col)
    )
}

pub(super) fn ambiguous(cmd: &str) -> String {
    format!("% Ambiguous command:  \"{cmd}\"\r\n")
}
