//! A report row's strategy: one of the five built-in ones ([`StrategyKind`]), or an external
//! poller's NAME ([`StrategyId`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The strategy names, as used on the command line, in reports and in benches. The
/// strategies themselves are the client's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    Sequential,
    Threads,
    Processes,
    Async,
    Rayon,
}

impl StrategyKind {
    pub const ALL: [StrategyKind; 5] = [
        StrategyKind::Sequential,
        StrategyKind::Threads,
        StrategyKind::Processes,
        StrategyKind::Async,
        StrategyKind::Rayon,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::Sequential => "sequential",
            StrategyKind::Threads => "threads",
            StrategyKind::Processes => "processes",
            StrategyKind::Async => "async",
            StrategyKind::Rayon => "rayon",
        }
    }

    pub fn parse(s: &str) -> Option<StrategyKind> {
        StrategyKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A report row's strategy: one of the five built-in ones, or an external poller's NAME.
/// Serialized as the bare name, so `"strategy": "threads"` reads as before.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StrategyId {
    Builtin(StrategyKind),
    External(String),
}

impl StrategyId {
    pub fn name(&self) -> &str {
        match self {
            StrategyId::Builtin(k) => k.name(),
            StrategyId::External(n) => n,
        }
    }

    /// The built-in strategy, if this is one.
    pub fn kind(&self) -> Option<StrategyKind> {
        match self {
            StrategyId::Builtin(k) => Some(*k),
            StrategyId::External(_) => None,
        }
    }
}

impl From<StrategyKind> for StrategyId {
    fn from(k: StrategyKind) -> Self {
        StrategyId::Builtin(k)
    }
}

impl PartialEq<StrategyKind> for StrategyId {
    fn eq(&self, other: &StrategyKind) -> bool {
        self.kind() == Some(*other)
    }
}

impl fmt::Display for StrategyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for StrategyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for StrategyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match StrategyKind::parse(&name) {
            Some(k) => StrategyId::Builtin(k),
            None => StrategyId::External(name),
        })
    }
}

/// Written as a bare string: a built-in strategy's name or an external poller's NAME.
impl JsonSchema for StrategyId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StrategyId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A built-in strategy (sequential, threads, processes, async, rayon) or an external poller's NAME (compare --external)."
        })
    }
}
