//! How a typed line is read: its words with their offsets (for the `^` under an offending
//! one), keywords abbreviated to any unique prefix, and the matcher of a command table that
//! every platform's CLI (and IOS's configuration mode) reads its lines with.

/// Words with their byte offsets in the line.
pub fn tokens(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// The candidate `word` abbreviates (case-insensitive; an exact word wins over longer ones):
/// `Err(Some(()))` when it fits several, `Err(None)` when it fits none.
pub fn keyword<'a>(word: &str, candidates: &[&'a str]) -> Result<&'a str, Option<()>> {
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

/// How a line matched a command table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// An empty line.
    Empty,
    /// The entry, with the words that filled its placeholders.
    Found(T, Vec<String>),
    /// No command has this word: the byte offset of the offending word.
    Invalid { at: usize },
    /// The words so far start a command but do not finish one.
    Incomplete,
    /// An abbreviation that fits several words.
    Ambiguous,
}

/// Matches a command line against a table of command phrases, word by word, the way network
/// CLIs do: each word may be abbreviated to any unique prefix (`sh ver`), an exact word wins
/// over longer ones, `<n>` takes a number, `<word>` any word, and a final `<rest>` the rest
/// of the line. With `abbreviate` false (a shell), words must be typed in full.
pub fn lookup<T: Copy>(line: &str, table: &[(&str, T)], abbreviate: bool) -> Lookup<T> {
    let tokens = tokens(line);
    if tokens.is_empty() {
        return Lookup::Empty;
    }
    let phrases: Vec<(Vec<&str>, T)> = table
        .iter()
        .map(|(p, t)| (p.split(' ').collect(), *t))
        .collect();
    let mut alive: Vec<usize> = (0..phrases.len()).collect();
    let mut args = Vec::new();
    for (i, &(at, tok)) in tokens.iter().enumerate() {
        // A phrase ending in `<rest>` takes everything from here on.
        if let Some(&p) = alive
            .iter()
            .find(|&&p| phrases[p].0.get(i) == Some(&"<rest>"))
        {
            args.push(line[at..].trim().to_string());
            return Lookup::Found(phrases[p].1, args);
        }
        let fits = |word: &str| match word {
            "<n>" => tok.parse::<u64>().is_ok(),
            "<word>" => true,
            w if abbreviate => w.starts_with(&tok.to_ascii_lowercase()),
            w => w == tok,
        };
        let next: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&p| phrases[p].0.get(i).is_some_and(|w| fits(w)))
            .collect();
        if next.is_empty() {
            return Lookup::Invalid { at };
        }
        let exact: Vec<usize> = next
            .iter()
            .copied()
            .filter(|&p| phrases[p].0[i].eq_ignore_ascii_case(tok))
            .collect();
        alive = if exact.is_empty() { next } else { exact };
        let mut literals: Vec<&str> = alive
            .iter()
            .map(|&p| phrases[p].0[i])
            .filter(|w| !w.starts_with('<'))
            .collect();
        literals.sort_unstable();
        literals.dedup();
        if literals.len() > 1 {
            return Lookup::Ambiguous;
        }
        if phrases[alive[0]].0[i].starts_with('<') {
            args.push(tok.to_string());
        }
    }
    match alive.iter().find(|&&p| phrases[p].0.len() == tokens.len()) {
        Some(&p) => Lookup::Found(phrases[p].1, args),
        None => Lookup::Incomplete,
    }
}

/// The first placeholder of a matched command as a number (`terminal length <n>`).
pub fn number(args: &[String]) -> usize {
    args.first().and_then(|n| n.parse().ok()).unwrap_or(0)
}
