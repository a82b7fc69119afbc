//! What a shard's report says about its shard (`"shard"`): which one, where its index came
//! from, and where its devices sit in the whole fleet, so a merge can put the shards back
//! together in inventory order. The split itself is the application's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a run's shard index and count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShardSource {
    /// `--shard I/N`.
    Flag,
    /// `JOB_COMPLETION_INDEX` + `FLEETBENCH_SHARD_COUNT` (Kubernetes Indexed Job).
    KubernetesIndexedJob,
    /// `SLURM_ARRAY_TASK_ID` + `SLURM_ARRAY_TASK_COUNT` (Slurm job array).
    SlurmArray,
}

impl ShardSource {
    pub fn describe(self) -> &'static str {
        match self {
            ShardSource::Flag => "--shard",
            ShardSource::KubernetesIndexedJob => "JOB_COMPLETION_INDEX and FLEETBENCH_SHARD_COUNT",
            ShardSource::SlurmArray => "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT",
        }
    }
}

/// What a shard's report says about the shard (`"shard"` in the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardInfo {
    pub index: usize,
    pub count: usize,
    pub source: ShardSource,
    /// Devices in the whole fleet (this report's `fleet.devices` counts this shard's).
    pub fleet_devices: usize,
    /// The digest of the whole fleet's sorted names (the application's `shard::fleet_digest`).
    pub fleet_digest: String,
    /// The position in the whole fleet (inventory order) of each of this shard's devices,
    /// in the order of its `devices`.
    pub positions: Vec<usize>,
}
