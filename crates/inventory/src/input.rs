//! The one reader of every file a user hands fleetbench (inventories, reports for `check`,
//! `merge` and `export`, `--known-hosts`, `--device-record`, `emulate --state-dir`, an external
//! poller's `{results}`): regular files only, each kind under a size cap of its own.
//!
//! - **Nothing blocks.** The file is opened with `O_NONBLOCK` and checked with `fstat` before a
//!   byte is read: a FIFO, a terminal, a socket or a device (`/dev/zero`, `/dev/stdin`) is
//!   refused at once, so no read can wait for a writer, outlive a run's deadline or hold off
//!   a stop signal. Reading a regular file never waits for anyone.
//! - **Bounded.** A file larger than its kind's [`Limit`] is refused before it is read, and
//!   the read stops one byte past the limit anyway, in case the file grows meanwhile.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest file of one kind, and what the kind is called in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// `an inventory file`, `a report`, ...
    pub what: &'static str,
    pub bytes: u64,
}

const MIB: u64 = 1024 * 1024;

/// An inventory file (each of a Nornir inventory's three): about 400 000 devices in
/// netmiko's format.
pub const INVENTORY: Limit = Limit {
    what: "an inventory file",
    bytes: 64 * MIB,
};
/// A report given to `check`, `merge` or `export`: room for the outputs of a large fleet.
pub const REPORT: Limit = Limit {
    what: "a report",
    bytes: 1024 * MIB,
};
/// A known_hosts file: about 500 000 lines.
pub const KNOWN_HOSTS: Limit = Limit {
    what: "a known_hosts file",
    bytes: 64 * MIB,
};
/// An `emulate --record` file read by `compare --device-record`.
pub const DEVICE_RECORD: Limit = Limit {
    what: "a device record",
    bytes: 256 * MIB,
};
/// One device's saved configuration under `emulate --state-dir`.
pub const SAVED_CONFIG: Limit = Limit {
    what: "a saved configuration",
    bytes: 16 * MIB,
};
/// An external poller's `{results}` file (each line also under `--max-output`).
pub const RESULTS: Limit = Limit {
    what: "a results file",
    bytes: 1024 * MIB,
};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {}", path.display(), self.reason())]
    NotRegular {
        path: PathBuf,
        kind: &'static str,
        limit: Limit,
    },
    #[error("{}: {}", path.display(), self.reason())]
    TooLarge { path: PathBuf, limit: Limit },
}

impl InputError {
    /// What is wrong, without the path (for a caller whose message names the file already).
    pub fn reason(&self) -> String {
        match self {
            InputError::NotRegular { kind, limit, .. } => format!(
                "it is {kind}, not a regular file; fleetbench reads {} from regular files only",
                limit.what
            ),
            InputError::TooLarge { limit, .. } => format!(
                "larger than {}, the most {} may be",
                fleetbench_units::size::human(limit.bytes as usize),
                limit.what
            ),
            InputError::Io { source, .. } => source.to_string(),
        }
    }

    /// This error as an I/O error (a refusal as `Other`, with its reason), for callers whose
    /// own error types wrap one.
    pub fn into_io(self) -> std::io::Error {
        match self {
            InputError::Io { source, .. } => source,
            refused => std::io::Error::other(refused.reason()),
        }
    }

    /// The I/O error's kind, or `Other` for a refusal (not found stays `NotFound`).
    pub fn io_kind(&self) -> std::io::ErrorKind {
        match self {
            InputError::Io { source, .. } => source.kind(),
            _ => std::io::ErrorKind::Other,
        }
    }
}

/// What kind of file `t` is, for a message.
fn kind_of(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// Opens `path` for reading if it is a regular file within `limit`; returns it with its size.
pub fn open(path: &Path, limit: Limit) -> Result<(File, u64), InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It changes
    // nothing for a regular file, which is all that gets past the check below.
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let md = f.metadata().map_err(io)?;
    if !md.file_type().is_file() {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(md.file_type()),
            limit,
        });
    }
    if md.len() > limit.bytes {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok((f, md.len()))
}

/// The bytes of `path`, a regular file within `limit`.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, InputError> {
    let (f, len) = open(path, limit)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // One byte past the limit: a file that grew since the check is still refused.
    f.take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// [`read`], with a missing file as `None` (known_hosts files that do not exist yet).
pub fn read_if_exists(path: &Path, limit: Limit) -> Result<Option<Vec<u8>>, InputError> {
    match read(path, limit) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.io_kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The text of `path`, a regular file within `limit`; invalid UTF-8 is replaced (for files
/// whose every line is parsed on its own, where one bad byte spoils one line only).
pub fn read_lossy(path: &Path, limit: Limit) -> Result<String, InputError> {
    let bytes = read(path, limit)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const TINY: Limit = Limit {
        what: "a test file",
        bytes: 16,
    };

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789abcdef").unwrap();
        assert_eq!(read(&p, TINY).unwrap(), b"0123456789abcdef");
        std::fs::write(&p, b"0123456789abcdefX").unwrap();
        let e = read(&p, TINY).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: larger than 16 B, the most a test file may be",
                p.display()
            )
        );
        let e = read(&dir.path().join("none"), TINY).unwrap_err();
        assert_eq!(e.io_kind(), std::io::ErrorKind::NotFound);
    }

    /// `/dev/zero` (directly or through a link) grew to gigabytes; a FIFO with no writer
    /// blocked forever. Both are refused at once.
    #[test]
    fn endless_and_blocking_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let fifo = dir.path().join("fifo.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t0 = Instant::now();
        for (p, kind) in [
            (&link, "a character device"),
            (&fifo, "a FIFO"),
            (&dir.path().to_path_buf(), "a directory"),
        ] {
            let e = read(p, REPORT).unwrap_err();
            assert!(
                e.to_string()
                    .contains(&format!("it is {kind}, not a regular file")),
                "{e}"
            );
        }
        assert!(t0.elapsed() < Duration::from_secs(5));
    }
}
