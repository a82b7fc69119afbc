//! The one writer of every file fleetbench produces (reports, plots, sweep CSV and summary,
//! setup, exports, the emulator's inventory), and the checks that let a command refuse an
//! unwritable path before it starts any work.
//!
//! - **Atomic**: bytes go to a temporary file beside the target, are fsynced, then renamed
//!   over it; a reader sees the old file or the whole new one. The temporary name is fixed
//!   per target (`.<name>.fleetbench-tmp`), so one left by a killed write is replaced by the
//!   next write of the same file instead of piling up.
//! - **One permission policy**: [`Access::Shared`] files are created `0666` minus the umask,
//!   like any file a CLI tool writes; [`Access::Private`] (anything holding credentials, such
//!   as an emulated fleet's inventory) is `0600` whatever the umask.

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Who may read a file fleetbench writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Results: readable as the umask allows.
    Shared,
    /// Credentials: owner only.
    Private,
}

impl Access {
    fn mode(self) -> u32 {
        match self {
            Access::Shared => 0o666,
            Access::Private => 0o600,
        }
    }
}

/// A file or directory that cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl OutputError {
    fn new(path: &Path, source: impl Into<std::io::Error>) -> Self {
        OutputError {
            path: path.to_path_buf(),
            source: source.into(),
        }
    }

    fn because(path: &Path, reason: &str) -> Self {
        OutputError::new(path, std::io::Error::other(reason.to_string()))
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The temporary file a write of `path` goes through.
fn temp_of(path: &Path) -> Result<PathBuf, OutputError> {
    let name = path
        .file_name()
        .ok_or_else(|| OutputError::because(path, "the path names no file"))?;
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(".fleetbench-tmp");
    Ok(parent_of(path).join(tmp))
}

/// Creates the temporary file fresh (a stale one is removed first, so its mode cannot leak).
fn create_temp(tmp: &Path, access: Access) -> std::io::Result<File> {
    match std::fs::remove_file(tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(access.mode())
        .open(tmp)
}

/// Writes `bytes` to `path` atomically with `access`.
pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<(), OutputError> {
    write_with(path, access, |f| f.write_all(bytes))
}

/// Writes what `fill` writes to `path` atomically with `access`: into a temporary file beside
/// it, synced, then renamed over it, so a reader sees the old file or the whole new one.
fn write_with(
    path: &Path,
    access: Access,
    fill: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let tmp = temp_of(path)?;
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, create_temp(&tmp, access)?);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(OutputError::new(path, e));
    }
    // Make the rename itself durable; not every filesystem supports fsync on a directory.
    if let Ok(d) = File::open(parent_of(path)) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes `value` as pretty JSON with a final newline (reports, exports). The JSON streams
/// into the file: a report of large outputs never exists a second time as one buffer.
pub fn write_json<T: Serialize>(path: &Path, value: &T, access: Access) -> Result<(), OutputError> {
    write_with(path, access, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    })
}

/// Pretty JSON with a final newline: the one encoding of every JSON file fleetbench writes.
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Creates `dir` and its parents if needed.
pub fn create_dir(dir: &Path) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| OutputError::new(dir, e))
}

/// Proves that files can be created in the existing directory `dir` by creating (and
/// removing) one: the only test that also holds for root, read-only mounts and ACLs.
fn probe_dir(dir: &Path, for_path: &Path) -> Result<(), OutputError> {
    let md = std::fs::metadata(dir).map_err(|e| OutputError::new(for_path, e))?;
    if !md.is_dir() {
        return Err(OutputError::because(
            for_path,
            &format!("{} is not a directory", dir.display()),
        ));
    }
    tempfile::Builder::new()
        .prefix(".fleetbench-probe-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| OutputError::new(for_path, e))
}

/// Checks, without writing it, that the file `path` can be written later: its directory
/// exists and takes new files, and `path` is not a directory.
pub fn check_file(path: &Path) -> Result<(), OutputError> {
    temp_of(path)?;
    if path.is_dir() {
        return Err(OutputError::because(path, "it is a directory"));
    }
    probe_dir(parent_of(path), path)
}

/// Checks that the directory `dir` exists and takes new files, or can be created: its
/// nearest existing ancestor is a directory that takes new entries.
pub fn check_dir(dir: &Path) -> Result<(), OutputError> {
    let mut at = dir;
    loop {
        match std::fs::symlink_metadata(at) {
            Ok(_) => return probe_dir(at, dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match at.parent() {
                Some(p) if !p.as_os_str().is_empty() => at = p,
                _ => return probe_dir(Path::new("."), dir),
            },
            Err(e) => return Err(OutputError::new(dir, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_and_replaces_leaving_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write(&p, b"one", Access::Shared).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write(&p, b"two", Access::Shared).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_stale_temp_file_is_replaced_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        let stale = dir.path().join(".r.json.fleetbench-tmp");
        std::fs::write(&stale, b"half a report").unwrap();
        std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o666)).unwrap();
        write(&p, b"{}", Access::Private).unwrap();
        assert!(!stale.exists());
        assert_eq!(mode(&p), 0o600, "the stale file's mode did not leak");
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
    }

    #[test]
    fn shared_follows_the_umask_private_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        // The process umask, read without changing it for longer than this call.
        // SAFETY: umask has no preconditions; it is set back at once.
        let umask = unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m
        } as u32;
        let (s, p) = (dir.path().join("s"), dir.path().join("p"));
        write(&s, b"x", Access::Shared).unwrap();
        write(&p, b"x", Access::Private).unwrap();
        assert_eq!(mode(&s), 0o666 & !umask);
        assert_eq!(mode(&p), 0o600);
    }

    #[test]
    fn checks_refuse_what_cannot_be_written_and_create_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(check_file(&dir.path().join("ok.json")).is_ok());
        assert!(check_file(&dir.path().join("no/such/dir/r.json")).is_err());
        assert!(
            check_file(&file.join("r.json")).is_err(),
            "parent is a file"
        );
        assert!(check_file(dir.path()).is_err(), "a directory");
        assert!(check_dir(&dir.path().join("new/plots")).is_ok());
        assert!(check_dir(&file).is_err(), "a file, not a directory");
        assert!(check_dir(&file.join("plots")).is_err(), "under a file");
        assert!(!dir.path().join("new").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write(&dir.path().join("no/such/dir/f"), b"x", Access::Shared).is_err());
    }
}
