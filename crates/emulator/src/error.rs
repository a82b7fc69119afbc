//! The emulator's errors.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors of the emulator. None of them carries a password or secret.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("invalid profile '{spec}': {reason}")]
    Profile { spec: String, reason: String },
    #[error("invalid fleet: {0}")]
    Spec(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the emulator runtime: {0}")]
    Runtime(std::io::Error),
    #[error("host key for device {index}: {message}")]
    HostKey { index: usize, message: String },
    #[error("cannot write inventory {path}: {source}")]
    Inventory {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Standard output was closed (a pipe whose reader left): the fleet stopped.
    #[error("cannot write to standard output: {source}")]
    Stdout { source: std::io::Error },
    #[error("cannot open the session record {path}: {source}")]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
}
