//! `fleetbench man`: the manual page (roff) made by clap_mangen from the same definitions as
//! `--help`: fleetbench.1 on stdout, or with `--dir` one page per command written there
//! (through the one file writer, like every file fleetbench makes).

use super::args::{Cli, ManArgs};
use super::files::Files;
use super::{EXIT_OK, stdio};
use anyhow::Result;
use clap::CommandFactory;

pub fn run(a: &ManArgs) -> Result<i32> {
    let cmd = Cli::command();
    let Some(dir) = &a.dir else {
        stdio::write_out(&page(cmd)?)?;
        return Ok(EXIT_OK);
    };
    let mut pages = vec![("fleetbench.1".to_string(), page(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("fleetbench-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        pages.push((format!("{name}.1"), page(sub)?));
    }
    let mut files = Files::default();
    fleetbench_inventory::output::create_dir(dir)?;
    for (name, roff) in pages {
        files.write(dir.join(name), &roff)?;
    }
    crate::errln!(
        "fleetbench: {} written to {}",
        crate::present::plural::count(files.written.len(), "manual page"),
        dir.display()
    );
    Ok(EXIT_OK)
}

/// The roff of one command's page.
fn page(cmd: clap::Command) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}
