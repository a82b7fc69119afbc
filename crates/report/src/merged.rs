//! What a report made by `fleetbench merge` says about the shard reports it was made of
//! (`"merged"`): how many, the fleet they split, the clock assumption behind merged wall
//! times, and each shard as it was measured (what merging cannot add up).

use crate::shard::ShardSource;
use crate::spread::Spread;
use crate::strategy::StrategyKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The statement of the clock assumption carried by every merged report.
pub const CLOCK_ASSUMPTION: &str = "wall_s of a merged run runs from the earliest shard's start to the latest shard's end, \
each read from its own machine's clock (Unix time): it assumes the shards' clocks agree (NTP keeps machines within a few \
milliseconds); an offset between two machines' clocks adds to or hides from the merged wall time";

/// What a merged report says about its shards (`"merged"` in the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MergeInfo {
    /// Number of shards merged (all of them: a merge refuses a missing one).
    pub shards: usize,
    pub fleet_digest: String,
    /// The clock assumption behind the merged wall times ([`CLOCK_ASSUMPTION`]).
    pub clock: String,
    /// Per run (aligned by index): latest shard start minus earliest, seconds.
    pub start_spread_s: Vec<f64>,
    /// One entry per shard, by index.
    pub shard_reports: Vec<ShardSummary>,
}

/// One shard as it was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardSummary {
    pub index: usize,
    /// The report file, as given to `merge`.
    pub file: String,
    pub source: ShardSource,
    pub hostname: String,
    pub cores: usize,
    pub devices: usize,
    pub created_unix: f64,
    pub strategies: Vec<ShardStrategy>,
}

/// One strategy of one shard: what merging cannot add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardStrategy {
    pub strategy: StrategyKind,
    pub workers: usize,
    pub wall_s: Spread,
    pub cpu_s: Spread,
    pub peak_rss_bytes: u64,
    pub peak_rss_children_bytes: u64,
}
