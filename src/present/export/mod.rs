//! Report exporters for benchmark-tracking services, with no glue script in between.
//!
//! The shape follows hyperfine's `export/`: a trait ([`Exporter`]) whose implementations only
//! return bytes, one file per format, one kind enum ([`ExportKind`]) and one factory
//! ([`exporter`]). [`render_all`] renders every requested format first, so a format that
//! cannot be rendered leaves no file half-done; the command line then writes each through the
//! one writer.
//!
//! - [`bencher`]: Bencher Metric Format (BMF) JSON, for `bencher run --adapter json`.
//! - [`github`]: github-action-benchmark's `customSmallerIsBetter` JSON.

pub mod bencher;
pub mod github;

use fleetbench_report::Report;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("unknown export format {0:?}: expected bencher or github")]
    UnknownFormat(String),
    #[error("bad export target {0:?}: expected FORMAT=FILE, e.g. bencher=bmf.json")]
    BadTarget(String),
    #[error("the report has no measured strategy to export")]
    Empty,
    #[error("encoding the {kind} export: {source}")]
    Encode {
        kind: ExportKind,
        #[source]
        source: serde_json::Error,
    },
}

/// Turns a report into the bytes of one format.
pub trait Exporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>, ExportError>;
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Bencher Metric Format JSON.
    Bencher,
    /// github-action-benchmark `customSmallerIsBetter` JSON.
    Github,
}

impl ExportKind {
    pub const ALL: [ExportKind; 2] = [ExportKind::Bencher, ExportKind::Github];

    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Bencher => "bencher",
            ExportKind::Github => "github",
        }
    }

    pub fn parse(s: &str) -> Result<ExportKind, ExportError> {
        ExportKind::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| ExportError::UnknownFormat(s.to_string()))
    }
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The factory: the one place a kind becomes an exporter.
pub fn exporter(kind: ExportKind) -> Box<dyn Exporter> {
    match kind {
        ExportKind::Bencher => Box::new(bencher::BencherExporter),
        ExportKind::Github => Box::new(github::GithubExporter),
    }
}

/// Renders `report` in one format.
pub fn render(kind: ExportKind, report: &Report) -> Result<Vec<u8>, ExportError> {
    exporter(kind).render(report)
}

/// A `FORMAT=FILE` target, as given to `--export`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTarget {
    pub kind: ExportKind,
    pub path: PathBuf,
}

impl ExportTarget {
    pub fn parse(s: &str) -> Result<ExportTarget, ExportError> {
        let (kind, path) = s
            .split_once('=')
            .filter(|(_, p)| !p.is_empty())
            .ok_or_else(|| ExportError::BadTarget(s.to_string()))?;
        Ok(ExportTarget {
            kind: ExportKind::parse(kind)?,
            path: PathBuf::from(path),
        })
    }
}

/// Renders every target, or none: the files to write, each with its bytes (the command
/// line writes them once all rendered, so a format that cannot be rendered leaves no file
/// half-done).
pub fn render_all(
    report: &Report,
    targets: &[ExportTarget],
) -> Result<Vec<(PathBuf, Vec<u8>)>, ExportError> {
    targets
        .iter()
        .map(|t| Ok((t.path.clone(), render(t.kind, report)?)))
        .collect()
}

/// JSON with a trailing newline.
fn to_json<T: serde::Serialize>(kind: ExportKind, value: &T) -> Result<Vec<u8>, ExportError> {
    fleetbench_inventory::output::to_json(value)
        .map_err(|source| ExportError::Encode { kind, source })
}

#[cfg(test)]
mod tests;
