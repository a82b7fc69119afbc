//! `fleetbench floor`: the least CPU one session costs on this machine, per side
//! ([`crate::floor`]), as a table (and `--json`, the report's `machine.floor` object).

use super::EXIT_OK;
use super::args::{FloorArgs, FloorPart};
use super::files::Files;
use crate::floor::{self, FloorOptions, Part};
use anyhow::{Context, Result};
use fleetbench_inventory::output;

pub fn run(a: &FloorArgs) -> Result<i32> {
    // The output path is checked before anything is measured.
    if let Some(p) = &a.json {
        output::check_file(p)?;
    }
    let opts = FloorOptions {
        iterations: a.iterations,
        rounds: a.rounds,
        part: match a.part {
            FloorPart::All => Part::All,
            FloorPart::ClientCrypto => Part::ClientCrypto,
            FloorPart::EmulatorCrypto => Part::EmulatorCrypto,
            FloorPart::Exchange => Part::Exchange,
        },
    };
    let f = floor::measure(&opts).context("measuring the floor")?;
    super::stdio::out(&crate::present::floor::operations(&f))?;
    if let Some(p) = &a.json {
        Files::default().json(p.clone(), &f)?;
    }
    Ok(EXIT_OK)
}
