//! Byte counts as people write and read them: `16MiB`, `512 KiB`, `100000`.

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
const GIB: usize = 1024 * MIB;

/// `16 MiB`, `1.5 MiB`, `512 KiB`, `100 B`.
pub fn human(n: usize) -> String {
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} B")
    }
}

/// A whole number of bytes, optionally with a binary unit: `1048576`, `512KiB`, `16 MiB`,
/// `1GiB` (`K`, `M`, `G`, `KB`, `MB`, `GB` mean the same binary units); at least 1.
pub fn parse(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        _ => {
            return Err(format!(
                "'{t}' is not a size (like 16MiB, 512KiB or 1048576)"
            ));
        }
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("'{t}' is not a size of at least 1 byte (like 16MiB)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse("16MiB").unwrap(), 16 * MIB);
        assert_eq!(parse(" 512 KiB ").unwrap(), 512 * KIB);
        assert_eq!(parse("100").unwrap(), 100);
        assert_eq!(parse("2g").unwrap(), 2 * GIB);
        for bad in [
            "",
            "0",
            "MiB",
            "1.5MiB",
            "-1",
            "3 parsecs",
            "99999999999999999999G",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(human(16 * MIB), "16 MiB");
        assert_eq!(human(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(human(64 * KIB), "64 KiB");
        assert_eq!(human(1000), "1000 B");
    }
}
