//! `fleetbench completions SHELL`: the shell's completion script on stdout, made by
//! clap_complete from the same definitions as `--help`.

use super::args::{Cli, CompletionsArgs};
use super::{EXIT_OK, stdio};
use anyhow::Result;
use clap::CommandFactory;

pub fn run(a: &CompletionsArgs) -> Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "fleetbench", &mut script);
    stdio::write_out(&script)?;
    Ok(EXIT_OK)
}
