//! Ansible INI host patterns (`r[01:20]`, `sw-[a:f]`), as Ansible's `expand_hostname_range`
//! reads them, counted before they are expanded: the product of a pattern's ranges is
//! checked against the inventory's cap on hosts before a single name is made.

/// One bracket of a host pattern: the values it runs through.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Range {
    /// `[01:20]`, `[1:9:2]`: numbers, zero-filled to `width` when the start has a leading 0.
    Numbers {
        start: u64,
        end: u64,
        step: u64,
        width: usize,
    },
    /// `[a:f]`: letters of `a..zA..Z` (Python's `string.ascii_letters`), by `step`.
    Letters {
        start: usize,
        end: usize,
        step: usize,
    },
}

/// Python's `string.ascii_letters`, the alphabet of Ansible's letter ranges.
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Range {
    /// `START:END` or `START:END:STEP` as Ansible's `expand_hostname_range` reads it: an
    /// empty start is 0, a start with a leading zero fixes the width (and the end must be as
    /// wide), a single letter on both sides is a letter range, an end below the start is no
    /// host.
    fn parse(spec: &str) -> Result<Range, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        let (start, end, step) = match parts.as_slice() {
            [s, e] => (*s, *e, "1"),
            [s, e, st] => (*s, *e, *st),
            _ => {
                return Err(format!(
                    "host range [{spec}] must be [START:END] or [START:END:STEP]"
                ));
            }
        };
        let start = if start.is_empty() { "0" } else { start };
        if end.is_empty() {
            return Err(format!("host range [{spec}] must give its END"));
        }
        let step: u64 =
            step.parse().ok().filter(|&s| s > 0).ok_or_else(|| {
                format!("host range [{spec}]: STEP must be a whole number above 0")
            })?;
        let letter = |t: &str| {
            (t.len() == 1)
                .then(|| LETTERS.iter().position(|&c| c == t.as_bytes()[0]))
                .flatten()
        };
        if let (Some(a), Some(b)) = (letter(start), letter(end)) {
            if a > b {
                return Err(format!("host range [{spec}] must have START <= END"));
            }
            return Ok(Range::Letters {
                start: a,
                end: b,
                step: usize::try_from(step).unwrap_or(usize::MAX),
            });
        }
        let number = |t: &str| {
            t.parse::<u64>().map_err(|_| {
                format!(
                    "host range [{spec}] must run between two numbers or two letters (a-z, A-Z)"
                )
            })
        };
        let (a, b) = (number(start)?, number(end)?);
        let width = if start.len() > 1 && start.starts_with('0') {
            if start.len() != end.len() {
                return Err(format!(
                    "host range [{spec}]: a zero-padded START and its END must have the same width"
                ));
            }
            start.len()
        } else {
            0
        };
        Ok(Range::Numbers {
            start: a,
            end: b,
            step,
            width,
        })
    }

    /// How many values it runs through.
    fn len(&self) -> u128 {
        match *self {
            Range::Numbers {
                start, end, step, ..
            } if end >= start => u128::from((end - start) / step) + 1,
            Range::Numbers { .. } => 0,
            Range::Letters { start, end, step } => ((end - start) / step) as u128 + 1,
        }
    }

    fn value(&self, i: u128) -> String {
        match *self {
            Range::Numbers {
                start, step, width, ..
            } => {
                // `i` is below `len()`, so this stays within `start..=end`.
                let n = u128::from(start) + i * u128::from(step);
                format!("{n:0width$}")
            }
            Range::Letters { start, step, .. } => {
                let at = start + (i as usize) * step;
                char::from(LETTERS[at.min(LETTERS.len() - 1)]).to_string()
            }
        }
    }
}

/// An INI host pattern: literal text and brackets, `r[01:03].lab` or `sw-[a:c][1:2]`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pattern {
    /// Literal text before each range, and after the last.
    texts: Vec<String>,
    ranges: Vec<Range>,
}

impl Pattern {
    pub(super) fn parse(pattern: &str) -> Result<Pattern, String> {
        let mut texts = Vec::new();
        let mut ranges = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('[') {
            let close = rest[open..]
                .find(']')
                .map(|c| open + c)
                .ok_or_else(|| format!("unclosed '[' in host pattern {pattern:?}"))?;
            texts.push(rest[..open].to_string());
            ranges.push(Range::parse(&rest[open + 1..close])?);
            rest = &rest[close + 1..];
        }
        texts.push(rest.to_string());
        Ok(Pattern { texts, ranges })
    }

    /// How many names it stands for: the product of its ranges (checked before any is made).
    pub(super) fn hosts(&self) -> u128 {
        self.ranges
            .iter()
            .fold(1u128, |n, r| n.saturating_mul(r.len()))
    }

    /// Every name, the first range varying slowest (Ansible's order).
    pub(super) fn names(&self) -> impl Iterator<Item = String> + '_ {
        let total = self.hosts();
        (0..total).map(move |mut k| {
            let mut picks = vec![0u128; self.ranges.len()];
            for (i, r) in self.ranges.iter().enumerate().rev() {
                let len = r.len().max(1);
                picks[i] = k % len;
                k /= len;
            }
            let mut name = String::new();
            for (i, text) in self.texts.iter().enumerate() {
                name.push_str(text);
                if let (Some(r), Some(&p)) = (self.ranges.get(i), picks.get(i)) {
                    name.push_str(&r.value(p));
                }
            }
            name
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let expand = |p: &str| Pattern::parse(p).map(|p| p.names().collect::<Vec<_>>());
        assert_eq!(expand("r[01:03]").unwrap(), ["r01", "r02", "r03"]);
        assert_eq!(
            expand("r[1:5:2].lab").unwrap(),
            ["r1.lab", "r3.lab", "r5.lab"]
        );
        assert_eq!(expand("plain").unwrap(), ["plain"]);
        // As Ansible: an end below the start is no host, not an error.
        assert_eq!(expand("r[5:1]").unwrap(), Vec::<String>::new());
        assert_eq!(expand("r[:2]").unwrap(), ["r0", "r1", "r2"]);
        assert_eq!(expand("sw-[a:c]").unwrap(), ["sw-a", "sw-b", "sw-c"]);
        assert_eq!(expand("x[y:B:2]").unwrap(), ["xy", "xA"]);
        assert_eq!(
            expand("r[1:2]-[a:b]").unwrap(),
            ["r1-a", "r1-b", "r2-a", "r2-b"]
        );
        assert!(
            expand("r[a:B0]")
                .unwrap_err()
                .contains("two numbers or two letters")
        );
        assert!(expand("r[01:100]").unwrap_err().contains("same width"));
        assert!(expand("r[1:]").unwrap_err().contains("END"));
        assert!(expand("r[1:3:0]").unwrap_err().contains("STEP"));
        assert!(expand("r[1:3").unwrap_err().contains("unclosed"));
        // Counted, not expanded: a product far past any memory is just a number.
        let p = Pattern::parse("r[1:1000][1:1000][1:1000][0:18446744073709551615]").unwrap();
        assert_eq!(p.hosts(), 1_000_000_000 * 18_446_744_073_709_551_616);
        assert_eq!(Pattern::parse("r[1:1000000]").unwrap().hosts(), 1_000_000);
    }
}
