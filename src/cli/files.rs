//! Where the command line writes files (and reads the reports it is given): every file it
//! produces goes through the one writer
//! (`fleetbench_inventory::output`: atomic, one permission policy), bytes made by
//! [`crate::present`], and each is listed for the closing line. The report first: nothing
//! written later can cost it.

use fleetbench_inventory::output::{self, Access, OutputError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The files written so far, in order.
#[derive(Debug, Default)]
pub struct Files {
    pub written: Vec<PathBuf>,
}

impl Files {
    /// Writes `bytes` at `path` (0666 minus the umask).
    pub fn write(&mut self, path: PathBuf, bytes: &[u8]) -> Result<(), OutputError> {
        output::write(&path, bytes, Access::Shared)?;
        self.written.push(path);
        Ok(())
    }

    /// Writes `value` as pretty JSON at `path`.
    pub fn json<T: Serialize>(&mut self, path: PathBuf, value: &T) -> Result<(), OutputError> {
        output::write_json(&path, value, Access::Shared)?;
        self.written.push(path);
        Ok(())
    }

    /// Writes each `(name, text)` into `dir` (created if missing).
    pub fn write_into(
        &mut self,
        dir: &Path,
        files: &[(String, String)],
    ) -> Result<(), OutputError> {
        output::create_dir(dir)?;
        for (name, text) in files {
            self.write(dir.join(name), text.as_bytes())?;
        }
        Ok(())
    }
}

/// A `--json` report from a file: a regular file of at most 1 GiB (`input::REPORT`), so a
/// FIFO or a link to `/dev/zero` is refused at once instead of blocking or growing.
pub fn read_report(path: &Path) -> anyhow::Result<fleetbench_report::Report> {
    use anyhow::Context as _;
    use fleetbench_inventory::input;
    let bytes = input::read(path, input::REPORT)?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a fleetbench report", path.display()))
}
