//! Durations as people write them in profiles, network specs and schedules: `250ms`,
//! `1.5s`, `500us`, `10m`, `2h`.

use std::time::Duration;

/// The longest duration [`parse`] takes: a day.
pub const DAY_SECS: f64 = 86_400.0;

/// `250ms`, `1s`, `1.5s`, `500us`, `10m`, `1.5h`, `0`; at most a day.
pub fn parse(s: &str) -> Result<Duration, String> {
    parse_up_to(s, DAY_SECS)
}

/// [`parse`] with another upper bound, in seconds (a schedule may run for weeks).
pub fn parse_up_to(s: &str, max_secs: f64) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("'{s}' is not a duration (like 200ms or 1.5s)");
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = s.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else if s == "0" {
        ("0", 1.0)
    } else {
        return Err(bad());
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 || v * scale > max_secs {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("500us").unwrap(), Duration::from_micros(500));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert!(parse("-1s").is_err());
        assert!(parse("5").is_err());
        assert!(parse("2d").is_err());
        assert_eq!(parse("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("1.5h").unwrap(), Duration::from_secs(5400));
        assert!(parse("25h").is_err(), "past a day");
        assert_eq!(
            parse_up_to("72h", 7.0 * DAY_SECS).unwrap(),
            Duration::from_secs(72 * 3600)
        );
        assert!(parse("1.5.s").is_err() && parse("m").is_err());
    }
}
