//! Numbers for people: the one place seconds, mebibytes, percentages and ratios become text,
//! so a figure reads the same in the table, the sweep summary, the plots and the gate.

/// Seconds at a glance, 3 significant digits or so: `123 s`, `1.92 s`, `165.3 ms` (tables,
/// sweep summaries).
pub fn secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1000.0)
    }
}

/// Seconds down to microseconds, for comparing two measurements of the same thing (the
/// gate): `1.234 s`, `12.34 ms`, `5.6 µs`.
pub fn secs_precise(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Milliseconds to a hundredth, for per-device CPU: `0.71 ms`.
pub fn ms(s: f64) -> String {
    format!("{:.2} ms", s * 1000.0)
}

/// Whole mebibytes: `42 MiB`.
pub fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", fleetbench_report::stats::mib(bytes))
}

/// Mebibytes to a tenth (the gate): `42.3 MiB`.
pub fn mib_precise(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

/// A fraction as a whole percentage: `0.873` → `87%`.
pub fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A fraction as a percentage to a tenth (the gate): `87.3%`.
pub fn pct_precise(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A ratio: `2.95x`.
pub fn times(x: f64) -> String {
    format!("{x:.2}x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_reads_the_same_everywhere() {
        assert_eq!(secs(123.4), "123 s");
        assert_eq!(secs(1.925), "1.93 s");
        assert_eq!(secs(0.1653), "165.3 ms");
        assert_eq!(secs_precise(1.2345), "1.234 s");
        assert_eq!(secs_precise(0.012345), "12.35 ms");
        assert_eq!(secs_precise(0.0000056), "5.6 µs");
        assert_eq!(ms(0.000712), "0.71 ms");
        assert_eq!(mib(42 * 1024 * 1024), "42 MiB");
        assert_eq!(mib_precise(42.3 * 1024.0 * 1024.0), "42.3 MiB");
        assert_eq!(
            (pct(0.873), pct_precise(0.8734)),
            ("87%".into(), "87.3%".into())
        );
        assert_eq!(times(2.954), "2.95x");
    }
}
