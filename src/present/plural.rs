//! Counted nouns for people: `1 device`, `3 devices`, `1 process`, `2 strategies`.

/// The plural of an English noun fleetbench prints (`device`, `process`, `strategy`, `host key`).
pub fn plural(noun: &str) -> String {
    if let Some(stem) = noun
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if noun.ends_with('s') || noun.ends_with("sh") || noun.ends_with("ch") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// `n` and the noun, singular for exactly one: `count(1, "device")` is `1 device`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {}", plural(noun))
    }
}

/// The noun alone, for `n` of it: `noun(1, "worker")` is `worker`.
pub fn noun(n: usize, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        plural(noun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_right() {
        assert_eq!(count(1, "device"), "1 device");
        assert_eq!(count(0, "device"), "0 devices");
        assert_eq!(count(3, "process"), "3 processes");
        assert_eq!(count(2, "strategy"), "2 strategies");
        assert_eq!(count(2, "key"), "2 keys");
        assert_eq!(count(5, "host key"), "5 host keys");
        assert_eq!(noun(1, "worker"), "worker");
        assert_eq!(noun(4, "core"), "cores");
    }
}
