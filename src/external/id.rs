//! A report row's strategy: a built-in one or an external poller's NAME.

use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};
use std::fmt;

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
