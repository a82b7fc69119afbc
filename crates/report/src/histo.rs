//! Per-phase latency histograms (HdrHistogram, microseconds, 3 significant digits).
//!
//! # Where the samples come from
//! Every [`DeviceResult`] carries its own per-phase timings (`phases`) and its start and end
//! times, measured by the session core where the work happened. A worker process sends them
//! back over its pipe inside the result, like the output. So no strategy keeps a histogram:
//! they are built once, here, from the results of the measured runs, the same way for all
//! five strategies, and merged across runs with [`LatencyHistograms::merge`].
//!
//! # What is recorded
//! For every *successful* device of a run: the time it spent in each phase (`connect`,
//! `handshake`, `auth`, `shell`, `prompt`, `enable`, `command`, `close`; several commands are
//! summed into one `command` sample, so every histogram counts devices) and `total`, from
//! `started_unix` to `ended_unix`. A failed device's time says how long its failure took, not
//! how long polling takes, so it is left out; failures are counted in the run summaries.
//! A phase the device skipped (no `enable` on an already privileged device) has no sample.
//!
//! Reports keep the histograms V2-serialized and base64-encoded ([`LatencyHistograms::encode`])
//! beside the percentiles, so reports can be merged and re-analysed later.

use crate::error::Phase;
use crate::result::DeviceResult;
use crate::spread::Percentiles;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use std::collections::BTreeMap;

/// The key of the whole-session histogram.
pub const TOTAL: &str = "total";
/// Largest value recorded: one hour, in microseconds. Longer samples are clamped to it.
const HIGH_US: u64 = 3_600_000_000;
const SIGFIG: u8 = 3;

#[derive(Debug, thiserror::Error)]
pub enum HistoError {
    #[error("histogram {key}: not valid base64: {message}")]
    Base64 { key: String, message: String },
    #[error("histogram {key}: not a V2 HdrHistogram: {message}")]
    Decode { key: String, message: String },
    #[error("histogram {key}: cannot serialize: {message}")]
    Encode { key: String, message: String },
    #[error("histogram {key}: cannot merge: {message}")]
    Merge { key: String, message: String },
    #[error("cannot create a histogram: {0}")]
    Create(String),
}

/// The V2 serialization's cookie (uncompressed, as [`LatencyHistograms::encode`] writes it).
const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
/// Bytes of a V2 header: cookie, payload length, normalizing offset, significant digits,
/// lowest and highest trackable values, the integer-to-double ratio.
const V2_HEADER: usize = 40;

/// Refuses a serialized histogram that is not one fleetbench writes before the decoder sizes
/// anything from it: another cookie (the compressed form, whose payload could inflate), a
/// payload longer than the bytes that are there (a header may claim 2 GiB), other bounds or
/// precision (they size the counts array).
fn check_header(key: &str, bytes: &[u8]) -> Result<(), HistoError> {
    let bad = |message: String| HistoError::Decode {
        key: key.to_string(),
        message,
    };
    if bytes.len() < V2_HEADER {
        return Err(bad(format!("{} bytes, shorter than a header", bytes.len())));
    }
    let u32_at =
        |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i..i + 8]);
        u64::from_be_bytes(b)
    };
    if u32_at(0) != V2_COOKIE {
        return Err(bad(format!(
            "cookie {:#x} is not the V2 format's",
            u32_at(0)
        )));
    }
    let payload = u32_at(4) as usize;
    if payload != bytes.len() - V2_HEADER {
        return Err(bad(format!(
            "the header claims a {payload}-byte payload, {} bytes follow it",
            bytes.len() - V2_HEADER
        )));
    }
    if (u32_at(12), u64_at(16), u64_at(24)) != (u32::from(SIGFIG), 1, HIGH_US) {
        return Err(bad(format!(
            "bounds 1..={HIGH_US} µs and {SIGFIG} significant digits expected, got {}..={} with {}",
            u64_at(16),
            u64_at(24),
            u32_at(12)
        )));
    }
    Ok(())
}

/// Histograms keyed by phase name and [`TOTAL`]; values in microseconds.
#[derive(Debug, Clone, Default)]
pub struct LatencyHistograms {
    by_key: BTreeMap<String, Histogram<u64>>,
}

fn new_histogram() -> Result<Histogram<u64>, HistoError> {
    Histogram::new_with_bounds(1, HIGH_US, SIGFIG).map_err(|e| HistoError::Create(e.to_string()))
}

fn micros(secs: f64) -> u64 {
    if secs.is_finite() && secs > 0.0 {
        ((secs * 1e6).round() as u64).clamp(1, HIGH_US)
    } else {
        1
    }
}

impl LatencyHistograms {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the histograms of a set of results (e.g. every measured run's, concatenated).
    pub fn from_results<'a>(
        results: impl IntoIterator<Item = &'a DeviceResult>,
    ) -> Result<Self, HistoError> {
        let mut h = Self::new();
        for r in results {
            h.record(r)?;
        }
        Ok(h)
    }

    /// Records one device's phases and total; failed devices are skipped (module docs).
    pub fn record(&mut self, r: &DeviceResult) -> Result<(), HistoError> {
        if !r.ok {
            return Ok(());
        }
        for phase in Phase::ALL {
            if r.phases.iter().any(|p| p.phase == phase) {
                self.record_secs(phase.as_str(), r.phase_secs(phase))?;
            }
        }
        self.record_secs(TOTAL, r.total_secs())
    }

    /// Records one sample of `secs` seconds under `key`.
    pub fn record_secs(&mut self, key: &str, secs: f64) -> Result<(), HistoError> {
        let h = match self.by_key.get_mut(key) {
            Some(h) => h,
            None => self
                .by_key
                .entry(key.to_string())
                .or_insert(new_histogram()?),
        };
        h.saturating_record(micros(secs));
        Ok(())
    }

    /// Records `n` samples of `secs` under `key` at once (tests: histograms that claim more
    /// sessions than a report's devices).
    #[cfg(any(test, feature = "testing"))]
    pub fn record_many(&mut self, key: &str, secs: f64, n: u64) -> Result<(), HistoError> {
        self.record_secs(key, secs)?;
        if let Some(h) = self.by_key.get_mut(key) {
            h.saturating_record_n(micros(secs), n.saturating_sub(1));
        }
        Ok(())
    }

    /// Adds every sample of `other` (e.g. another run's, or another worker's).
    pub fn merge(&mut self, other: &LatencyHistograms) -> Result<(), HistoError> {
        for (key, h) in &other.by_key {
            let mine = match self.by_key.get_mut(key) {
                Some(m) => m,
                None => self.by_key.entry(key.clone()).or_insert(new_histogram()?),
            };
            mine.add(h).map_err(|e| HistoError::Merge {
                key: key.clone(),
                message: format!("{e:?}"),
            })?;
        }
        Ok(())
    }

    /// The p99 of [`TOTAL`] in seconds, 0 when nothing was recorded (a run's `p99_s`).
    pub fn total_p99_s(&self) -> f64 {
        self.get(TOTAL)
            .filter(|h| !h.is_empty())
            .map_or(0.0, |h| percentiles_of(h).p99)
    }

    pub fn get(&self, key: &str) -> Option<&Histogram<u64>> {
        self.by_key.get(key)
    }

    /// Samples under `key`.
    pub fn count(&self, key: &str) -> u64 {
        self.get(key).map_or(0, Histogram::len)
    }

    /// The value at quantile `q` (0 to 1) of `key`, seconds; `None` when it has no sample.
    pub fn quantile_s(&self, key: &str, q: f64) -> Option<f64> {
        self.get(key)
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(q.clamp(0.0, 1.0)) as f64 / 1e6)
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.values().all(|h| h.is_empty())
    }

    /// p50, p90, p99, max and count of every non-empty histogram, in seconds.
    pub fn percentiles(&self) -> BTreeMap<String, Percentiles> {
        self.by_key
            .iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(k, h)| (k.clone(), percentiles_of(h)))
            .collect()
    }

    /// Every histogram, V2-serialized and base64-encoded (the report's `histograms`).
    pub fn encode(&self) -> Result<BTreeMap<String, String>, HistoError> {
        let mut out = BTreeMap::new();
        let mut ser = V2Serializer::new();
        for (key, h) in &self.by_key {
            let mut bytes = Vec::new();
            ser.serialize(h, &mut bytes)
                .map_err(|e| HistoError::Encode {
                    key: key.clone(),
                    message: format!("{e:?}"),
                })?;
            out.insert(key.clone(), STANDARD.encode(&bytes));
        }
        Ok(out)
    }

    /// Samples in the largest histogram: each counts devices, so never more than the
    /// devices of the runs it describes (what a merge checks a shard's claims against).
    pub fn max_count(&self) -> u64 {
        self.by_key.values().map(Histogram::len).max().unwrap_or(0)
    }

    /// The inverse of [`LatencyHistograms::encode`], e.g. to merge the histograms of reports.
    /// Only histograms of fleetbench's own shape are decoded (see `check_header`): a crafted
    /// header cannot make the decoder allocate what its bytes do not hold.
    pub fn decode(encoded: &BTreeMap<String, String>) -> Result<Self, HistoError> {
        let mut by_key = BTreeMap::new();
        let mut de = Deserializer::new();
        for (key, text) in encoded {
            let bytes = STANDARD.decode(text).map_err(|e| HistoError::Base64 {
                key: key.clone(),
                message: e.to_string(),
            })?;
            check_header(key, &bytes)?;
            let h: Histogram<u64> =
                de.deserialize(&mut std::io::Cursor::new(bytes))
                    .map_err(|e| HistoError::Decode {
                        key: key.clone(),
                        message: format!("{e:?}"),
                    })?;
            by_key.insert(key.clone(), h);
        }
        Ok(LatencyHistograms { by_key })
    }
}

/// The distribution of a histogram of microseconds as `points + 1` steps of its CDF:
/// `(seconds, fraction of samples at or below)`, at evenly spaced quantiles from 0 to 1
/// (the smallest and the largest sample included). Empty for an empty histogram.
pub fn cdf_of(h: &Histogram<u64>, points: usize) -> Vec<(f64, f64)> {
    if h.is_empty() || points == 0 {
        return Vec::new();
    }
    (0..=points)
        .map(|i| {
            let q = i as f64 / points as f64;
            (h.value_at_quantile(q) as f64 / 1e6, q)
        })
        .collect()
}

/// Percentiles of a histogram of microseconds, in seconds.
pub fn percentiles_of(h: &Histogram<u64>) -> Percentiles {
    let s = |us: u64| us as f64 / 1e6;
    Percentiles {
        p50: s(h.value_at_quantile(0.50)),
        p90: s(h.value_at_quantile(0.90)),
        p99: s(h.value_at_quantile(0.99)),
        max: s(h.max()),
        count: h.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::PhaseTime;

    #[test]
    fn the_cdf_runs_from_the_smallest_to_the_largest_sample() {
        let mut h = LatencyHistograms::new();
        for ms in [10.0, 20.0, 30.0, 40.0] {
            h.record_secs(TOTAL, ms / 1e3).unwrap();
        }
        let c = cdf_of(h.get(TOTAL).unwrap(), 4);
        assert_eq!(c.len(), 5);
        assert!((c[0].0 - 0.010).abs() < 1e-4 && c[0].1 == 0.0, "{c:?}");
        assert!((c[4].0 - 0.040).abs() < 1e-4 && c[4].1 == 1.0, "{c:?}");
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0), "{c:?}");
        assert!(cdf_of(&new_histogram().unwrap(), 4).is_empty());
    }

    fn result(ok: bool, phases: &[(Phase, f64)]) -> DeviceResult {
        let mut t = 0.0;
        let phases: Vec<PhaseTime> = phases
            .iter()
            .map(|&(phase, secs)| {
                let p = PhaseTime {
                    phase,
                    index: None,
                    start_s: t,
                    secs,
                };
                t += secs;
                p
            })
            .collect();
        DeviceResult {
            name: "R1".into(),
            host: "127.0.0.1".into(),
            port: 22,
            ok,
            outputs: Vec::new(),
            error: None,
            started_unix: 1000.0,
            ended_unix: 1000.0 + t,
            phases,
            host_key: None,
            new_host_key: None,
            worker: String::new(),
            tcp: None,
            attempts: 1,
            retried: Vec::new(),
        }
    }

    fn sample() -> DeviceResult {
        result(
            true,
            &[
                (Phase::Connect, 0.001),
                (Phase::Auth, 0.010),
                (Phase::Command, 0.100),
                (Phase::Command, 0.200),
            ],
        )
    }

    #[test]
    fn records_phases_commands_summed_and_total() {
        let h = LatencyHistograms::from_results([&sample()]).unwrap();
        let p = h.percentiles();
        assert_eq!(p["connect"].count, 1);
        assert_eq!(p["command"].count, 1, "two commands are one device sample");
        assert!((p["command"].max - 0.300).abs() < 0.001);
        assert!((p[TOTAL].p50 - 0.311).abs() < 0.001);
        assert!(!p.contains_key("enable"), "a skipped phase has no sample");
    }

    #[test]
    fn failed_devices_are_not_latency_samples() {
        let h =
            LatencyHistograms::from_results([&result(false, &[(Phase::Connect, 5.0)])]).unwrap();
        assert!(h.is_empty());
        assert!(h.percentiles().is_empty());
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut h = LatencyHistograms::new();
        for ms in 1..=100 {
            h.record_secs(TOTAL, ms as f64 / 1000.0).unwrap();
        }
        let p = h.percentiles()[TOTAL];
        assert_eq!(p.count, 100);
        // 3 significant digits: within 0.1%.
        assert!((p.p50 - 0.050).abs() < 0.0001, "{p:?}");
        assert!((p.p90 - 0.090).abs() < 0.0001, "{p:?}");
        assert!((p.p99 - 0.099).abs() < 0.0001, "{p:?}");
        assert!((p.max - 0.100).abs() < 0.0001, "{p:?}");
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut h = LatencyHistograms::from_results([&sample(), &sample()]).unwrap();
        h.record_secs(TOTAL, 7200.0).unwrap(); // clamped to an hour, not an error
        let encoded = h.encode().unwrap();
        assert_eq!(
            encoded.keys().collect::<Vec<_>>(),
            ["auth", "command", "connect", "total"]
        );
        let back = LatencyHistograms::decode(&encoded).unwrap();
        assert_eq!(back.percentiles(), h.percentiles());
        assert_eq!(back.get(TOTAL).unwrap(), h.get(TOTAL).unwrap());
    }

    #[test]
    fn merge_equals_building_from_everything() {
        let a = LatencyHistograms::from_results([&sample()]).unwrap();
        let other = result(true, &[(Phase::Connect, 0.5), (Phase::Enable, 0.02)]);
        let b = LatencyHistograms::from_results([&other]).unwrap();
        let mut merged = a.clone();
        merged.merge(&b).unwrap();
        let whole = LatencyHistograms::from_results([&sample(), &other]).unwrap();
        assert_eq!(merged.percentiles(), whole.percentiles());
        assert_eq!(merged.percentiles()["connect"].count, 2);
        assert_eq!(merged.percentiles()["enable"].count, 1);
    }

    /// A header claiming a 2^31-byte payload allocated 2 GB before failing; other bounds
    /// sized the counts array from the report.
    #[test]
    fn decode_refuses_headers_that_claim_more_than_is_there() {
        let mut h = LatencyHistograms::new();
        h.record_secs(TOTAL, 0.5).unwrap();
        let good = STANDARD.decode(&h.encode().unwrap()[TOTAL]).unwrap();
        let with = |edit: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            edit(&mut b);
            let mut m = BTreeMap::new();
            m.insert(TOTAL.to_string(), STANDARD.encode(&b));
            LatencyHistograms::decode(&m)
        };
        assert!(with(&|_| {}).is_ok());
        let e = with(&|b| b[4..8].copy_from_slice(&(1u32 << 31).to_be_bytes())).unwrap_err();
        assert!(
            e.to_string().contains("claims a 2147483648-byte payload"),
            "{e}"
        );
        let e = with(&|b| b[24..32].copy_from_slice(&u64::MAX.to_be_bytes())).unwrap_err();
        assert!(e.to_string().contains("bounds"), "{e}");
        let e = with(&|b| b[0..4].copy_from_slice(&0x1c84_9314u32.to_be_bytes())).unwrap_err();
        assert!(e.to_string().contains("cookie"), "{e}");
        assert!(with(&|b| b.truncate(12)).is_err());
    }

    #[test]
    fn decode_rejects_garbage() {
        let mut bad = BTreeMap::new();
        bad.insert("total".to_string(), "not base64!".to_string());
        assert!(matches!(
            LatencyHistograms::decode(&bad),
            Err(HistoError::Base64 { .. })
        ));
        bad.insert("total".to_string(), STANDARD.encode(b"abcdefgh"));
        assert!(matches!(
            LatencyHistograms::decode(&bad),
            Err(HistoError::Decode { .. })
        ));
    }
}
