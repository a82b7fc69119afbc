//! `floor`'s arguments (clap types only, as in the rest of [`super`]).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct FloorArgs {
    /// Operations of each kind (sessions, for the exchange) per round.
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = up_to::<1_000_000>)]
    pub iterations: usize,
    /// Rounds; each figure is the median of the rounds, with their range.
    #[arg(long, value_name = "R", default_value_t = 5, value_parser = up_to::<1_000>)]
    pub rounds: usize,
    /// Measure one part only (for instruction counts under callgrind).
    #[arg(long, value_enum, default_value_t = FloorPart::All)]
    pub part: FloorPart,
    /// Also write the figures as JSON (the report's `machine.floor` object).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorPart {
    /// Every part: both sides' crypto and the exchange.
    All,
    /// The client's X25519 key pair and agreement and Ed25519 verification (OpenSSL).
    ClientCrypto,
    /// The emulator's X25519 key pair and agreement and Ed25519 signature (dalek).
    EmulatorCrypto,
    /// The crypto-free loopback exchange of a session's messages, both sides.
    Exchange,
}

/// A whole number from 1 to `MAX` (a larger one would only keep the machine busy).
fn up_to<const MAX: usize>(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX}")),
    }
}
