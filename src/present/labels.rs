//! How screens name devices: a device's label, a cut list of names.

/// A list of names for a person: all of them up to `max`, else the first `max` and how many
/// more (`R1, R2, R3 and 997 more`).
pub fn name_list(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..max].join(", "), names.len() - max)
    }
}

/// `name (host:port)`, or the address alone when the device has no other name.
pub fn device_label(name: &str, host: &str, port: u16) -> String {
    let addr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    if name == addr || name == host {
        addr
    } else {
        format!("{name} ({addr})")
    }
}

/// `text` on one line: runs of whitespace (newlines included) made one space, cut to
/// `max` characters with `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        joined
    } else {
        let mut cut: String = joined.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_fit_one_line() {
        assert_eq!(super::one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(super::one_line("abcdefghij", 5), "abcd…");
    }

    use super::*;

    #[test]
    fn long_name_lists_are_cut() {
        let names: Vec<String> = (1..=5).map(|i| format!("R{i}")).collect();
        assert_eq!(name_list(&names, 5), "R1, R2, R3, R4, R5");
        assert_eq!(name_list(&names, 2), "R1, R2 and 3 more");
    }

    #[test]
    fn unnamed_devices_show_their_address_once() {
        assert_eq!(device_label("192.0.2.1", "192.0.2.1", 22), "192.0.2.1:22");
        assert_eq!(
            device_label("192.0.2.1:2222", "192.0.2.1", 2222),
            "192.0.2.1:2222"
        );
        assert_eq!(device_label("R1", "192.0.2.1", 22), "R1 (192.0.2.1:22)");
        assert_eq!(
            device_label("2001:db8::1", "2001:db8::1", 22),
            "[2001:db8::1]:22"
        );
    }
}
