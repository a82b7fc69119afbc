//! Sharded runs: `--shard I/N` (0-based I), or the index and count a job engine gives.
//!
//! # The split
//! A fleet's devices are sorted by name (byte order) and the k-th one goes to shard
//! `k mod N`. So every device belongs to exactly one shard, shard sizes differ by at most one
//! (the merged run's wall time is its slowest shard's, so balance matters), and the split
//! depends only on the *set* of names: reordering the inventory, or reading it from a file
//! whose groups are listed differently, moves no device. Names are unique in an inventory
//! (the loader refuses a duplicate) and in an emulated fleet (`R1`, `R2`, ...), so an
//! emulator serving shard I of a fleet and a poller polling shard I of the same fleet's
//! inventory agree on the devices without talking to each other.
//!
//! # Where the index comes from ([`resolve`])
//! 1. `--shard I/N`.
//! 2. A Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (set by Kubernetes in every pod) and
//!    [`COUNT_VAR`] (`FLEETBENCH_SHARD_COUNT`, set in the manifest to the Job's
//!    `completions`; Kubernetes does not pass the count).
//! 3. A Slurm job array: `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT` (with
//!    `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_STEP` when the array does not start at 0
//!    or has a step, as in `--array=1-8` or `--array=0-14:2`).
//!
//! The report records which one applied ([`ShardSource`]), with the shard's devices' positions
//! in the whole fleet, so [`crate::merge`] can put the shards back together in inventory order.

pub use fleetbench_report::shard::{ShardInfo, ShardSource};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The count variable that goes with Kubernetes' `JOB_COMPLETION_INDEX`.
pub const COUNT_VAR: &str = "FLEETBENCH_SHARD_COUNT";
pub const K8S_INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
pub const SLURM_ID_VAR: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_COUNT_VAR: &str = "SLURM_ARRAY_TASK_COUNT";
pub const SLURM_MIN_VAR: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_STEP_VAR: &str = "SLURM_ARRAY_TASK_STEP";

/// The most shards a fleet may be split into (far past GitHub Actions' 256-job matrix).
pub const MAX_SHARDS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("--shard {text:?}: expected I/N with 0 <= I < N, like 0/8 (the first of eight shards)")]
    Syntax { text: String },
    #[error("shard index {index} is out of range for {count} shard(s): expected 0..={}", count.saturating_sub(1))]
    OutOfRange { index: usize, count: usize },
    #[error("{count} shards is more than the {MAX_SHARDS} allowed")]
    TooMany { count: usize },
    #[error("environment variable {var}={value:?}: {reason}")]
    Env {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "{present} is set but {missing} is not: set {missing} to the number of shards (or pass --shard I/N)"
    )]
    MissingCount {
        present: &'static str,
        missing: &'static str,
    },
    #[error(
        "shard {index}/{count} of {devices} device(s) is empty: use at most {devices} shard(s)"
    )]
    Empty {
        index: usize,
        count: usize,
        devices: usize,
    },
}

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count > MAX_SHARDS {
            return Err(ShardError::TooMany { count });
        }
        if count == 0 || index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// `I/N`, as typed after `--shard`.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax {
            text: text.to_string(),
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(syntax)?;
        let num = |s: &str| {
            let s = s.trim();
            // `+3` and `03` parse as numbers but are typos here.
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<usize>().ok())
                .flatten()
        };
        let (index, count) = (num(i).ok_or_else(syntax)?, num(n).ok_or_else(syntax)?);
        Shard::new(index, count)
    }

    /// Positions (in `names`' order) of the devices this shard polls; see the module docs.
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Vec<usize> {
        let owner = assign(names, self.count);
        (0..names.len())
            .filter(|&k| owner[k] == self.index)
            .collect()
    }
}

/// The shard of every device, in `names`' order: sorted by name, the k-th goes to `k mod
/// count`. Equal names (which inventories refuse) keep their relative order.
pub fn assign<S: AsRef<str>>(names: &[S], count: usize) -> Vec<usize> {
    let count = count.max(1);
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].as_ref().cmp(names[b].as_ref()).then(a.cmp(&b)));
    let mut owner = vec![0; names.len()];
    for (rank, &pos) in order.iter().enumerate() {
        owner[pos] = rank % count;
    }
    owner
}

/// A short digest of the whole fleet's device names (sorted, so order does not matter):
/// shards of different fleets must not be merged.
pub fn fleet_digest<S: AsRef<str>>(names: &[S]) -> String {
    let mut sorted: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    let mut h = sha2::Sha256::new();
    for n in sorted {
        h.update(n.as_bytes());
        h.update(b"\n");
    }
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the shard came from, for the line `run`, `compare` and `emulate` print on stderr.
/// A shard taken from the environment names each variable with its value and how to poll the
/// whole fleet instead: a CI job started inside a Slurm array or an Indexed Job inherits
/// those variables and would otherwise shard without being asked.
pub fn origin(source: ShardSource, env: impl Fn(&str) -> Option<String>) -> String {
    let (vars, engine): (&[&str], &str) = match source {
        ShardSource::Flag => return "from --shard".into(),
        ShardSource::KubernetesIndexedJob => {
            (&[K8S_INDEX_VAR, COUNT_VAR], "a Kubernetes Indexed Job")
        }
        ShardSource::SlurmArray => (
            &[SLURM_ID_VAR, SLURM_COUNT_VAR, SLURM_MIN_VAR, SLURM_STEP_VAR],
            "a Slurm job array",
        ),
    };
    let set: Vec<String> = vars
        .iter()
        .filter_map(|v| {
            env(v)
                .filter(|x| !x.trim().is_empty())
                .map(|x| format!("{v}={}", x.trim()))
        })
        .collect();
    format!(
        "from the environment, {engine}: {}; --shard 0/1 polls the whole fleet",
        set.join(" ")
    )
}

/// The shard to run, from the flag or else the environment (`env` reads one variable; the
/// CLI passes `std::env::var`, tests a map). `None`: the whole fleet.
pub fn resolve(
    flag: Option<Shard>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, ShardSource)>, ShardError> {
    if let Some(s) = flag {
        return Ok(Some((s, ShardSource::Flag)));
    }
    let get = |var: &'static str| env(var).filter(|v| !v.trim().is_empty());
    let number = |var: &'static str, value: String| {
        value.trim().parse::<usize>().map_err(|_| ShardError::Env {
            var,
            value,
            reason: "expected a whole number".into(),
        })
    };
    if let Some(index) = get(K8S_INDEX_VAR) {
        let index = number(K8S_INDEX_VAR, index)?;
        let count = get(COUNT_VAR).ok_or(ShardError::MissingCount {
            present: K8S_INDEX_VAR,
            missing: COUNT_VAR,
        })?;
        let count = number(COUNT_VAR, count)?;
        return Ok(Some((
            Shard::new(index, count)?,
            ShardSource::KubernetesIndexedJob,
        )));
    }
    if let Some(id) = get(SLURM_ID_VAR) {
        let id = number(SLURM_ID_VAR, id)?;
        let count = get(SLURM_COUNT_VAR).ok_or(ShardError::MissingCount {
            present: SLURM_ID_VAR,
            missing: SLURM_COUNT_VAR,
        })?;
        let count = number(SLURM_COUNT_VAR, count)?;
        let min = get(SLURM_MIN_VAR)
            .map(|v| number(SLURM_MIN_VAR, v))
            .transpose()?
            .unwrap_or(0);
        let step = get(SLURM_STEP_VAR)
            .map(|v| number(SLURM_STEP_VAR, v))
            .transpose()?
            .unwrap_or(1)
            .max(1);
        let offset = id.checked_sub(min).ok_or_else(|| ShardError::Env {
            var: SLURM_ID_VAR,
            value: id.to_string(),
            reason: format!("below {SLURM_MIN_VAR}={min}"),
        })?;
        if offset % step != 0 {
            return Err(ShardError::Env {
                var: SLURM_ID_VAR,
                value: id.to_string(),
                reason: format!("not on the array's step ({SLURM_STEP_VAR}={step} from {min})"),
            });
        }
        return Ok(Some((
            Shard::new(offset / step, count)?,
            ShardSource::SlurmArray,
        )));
    }
    Ok(None)
}

/// The selection of one shard out of a fleet of named devices, ready for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub info: ShardInfo,
}

impl Selection {
    /// Selects `shard`'s devices out of `names` (the whole fleet, inventory order). An empty
    /// shard (more shards than devices) is an error: its report would be a run of nothing.
    pub fn new<S: AsRef<str>>(
        shard: Shard,
        source: ShardSource,
        names: &[S],
    ) -> Result<Selection, ShardError> {
        let positions = shard.select(names);
        if positions.is_empty() {
            return Err(ShardError::Empty {
                index: shard.index,
                count: shard.count,
                devices: names.len(),
            });
        }
        Ok(Selection {
            info: ShardInfo {
                index: shard.index,
                count: shard.count,
                source,
                fleet_devices: names.len(),
                fleet_digest: fleet_digest(names),
                positions,
            },
        })
    }

    /// Keeps this shard's items of `all` (the whole fleet, in the same order as the names).
    pub fn keep<T>(&self, all: Vec<T>) -> Vec<T> {
        let mut want = self.info.positions.iter().peekable();
        all.into_iter()
            .enumerate()
            .filter_map(|(k, item)| {
                (want.peek() == Some(&&k)).then(|| {
                    want.next();
                    item
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
