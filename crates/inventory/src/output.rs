//! The one writer of every file fleetbench produces (reports, plots, sweep CSV and summary,
//! setup, exports, the emulator's inventory), and the checks that let a command refuse an
//! unwritable path, or two outputs aimed at one file, before it starts any work.
//!
//! - **Atomic** for regular files: bytes go to a temporary file beside the target, are
//!   fsynced, then renamed over it; a reader sees the old file or the whole new one. Each
//!   write has a temporary name of its own (`.<name>.XXXXXX.fleetbench-tmp`), so two runs
//!   writing the same report at once both finish, and the file is one of them, whole.
//! - **Never replaces what is not a regular file.** A target that exists and is a FIFO, a
//!   terminal or the null device is written straight through (a FIFO with no reader is
//!   refused rather than waited for); `/dev/stdout`, `/dev/fd/N` and `/proc/self/fd/N` write
//!   to that descriptor of this process; a symbolic link to a regular file replaces the file it
//!   points to and stays a link. A directory, a socket, a block device or any other device is
//!   refused. So `--json /dev/null` leaves `/dev/null` a device, even for root.
//! - **One permission policy**: [`Access::Shared`] files are created `0666` minus the umask,
//!   like any file a CLI tool writes; [`Access::Private`] (anything holding credentials, such
//!   as an emulated fleet's inventory) is `0600` whatever the umask.

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

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

/// Symbolic links followed at most, as the kernel's own limit (`ELOOP`).
const MAX_LINKS: usize = 40;

/// Where a write of a path lands.
#[derive(Debug, PartialEq)]
enum Target {
    /// A regular file to create or replace atomically (a link's target, resolved).
    File(PathBuf),
    /// A descriptor of this process (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`).
    Descriptor(i32),
    /// An existing FIFO, terminal or null device, written straight through.
    Stream(PathBuf),
}

/// `N` when `path` names this process's descriptor N.
fn descriptor_of(path: &Path) -> Option<i32> {
    let parts: Vec<Component<'_>> = path.components().collect();
    let name = |c: &Component<'_>| c.as_os_str().to_str().map(str::to_string);
    let fd = match parts.as_slice() {
        [Component::RootDir, dev, fd, n] if name(dev)? == "dev" && name(fd)? == "fd" => name(n)?,
        [Component::RootDir, proc_, who, fd, n]
            if name(proc_)? == "proc"
                && name(fd)? == "fd"
                && (matches!(name(who)?.as_str(), "self" | "thread-self")
                    || name(who)? == std::process::id().to_string()) =>
        {
            name(n)?
        }
        _ => return None,
    };
    fd.parse().ok()
}

/// Terminals: the major numbers Linux gives virtual consoles and serial lines (4), `/dev/tty`
/// and the console (5), and pseudo-terminals (136-143).
fn is_terminal_major(major: u32) -> bool {
    matches!(major, 4 | 5 | 136..=143)
}

/// What an existing, non-link `path` with metadata `md` is, as a target.
fn classify(path: PathBuf, md: &std::fs::Metadata) -> Result<Target, OutputError> {
    let t = md.file_type();
    let refuse = |what: &str| {
        Err(OutputError::because(
            &path,
            &format!(
                "it is {what}, not a regular file; fleetbench neither writes into it nor replaces it"
            ),
        ))
    };
    if t.is_file() {
        Ok(Target::File(path))
    } else if t.is_dir() {
        Err(OutputError::because(&path, "it is a directory"))
    } else if t.is_fifo() {
        Ok(Target::Stream(path))
    } else if t.is_char_device() {
        let (major, minor) = (libc::major(md.rdev()), libc::minor(md.rdev()));
        if (major, minor) == (1, 3) || is_terminal_major(major) {
            Ok(Target::Stream(path))
        } else {
            refuse("a character device other than a terminal or the null device")
        }
    } else if t.is_block_device() {
        refuse("a block device")
    } else if t.is_socket() {
        refuse("a socket")
    } else {
        refuse("a special file")
    }
}

/// Follows `path`'s symbolic links to what a write of it would land on.
fn target(path: &Path) -> Result<Target, OutputError> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if let Some(fd) = descriptor_of(&std::path::absolute(&at).unwrap_or_else(|_| at.clone())) {
            return Ok(Target::Descriptor(fd));
        }
        match std::fs::symlink_metadata(&at) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::File(at)),
            Err(e) => return Err(OutputError::new(path, e)),
            Ok(md) if md.file_type().is_symlink() => {
                let link = std::fs::read_link(&at).map_err(|e| OutputError::new(path, e))?;
                at = if link.is_absolute() {
                    link
                } else {
                    parent_of(&at).join(link)
                };
            }
            Ok(md) => return classify(at, &md),
        }
    }
    Err(OutputError::because(
        path,
        "too many levels of symbolic links",
    ))
}

/// Opens an existing FIFO, terminal or null device for writing without waiting for a reader,
/// checking it is still what [`target`] saw.
fn open_stream(path: &Path) -> Result<File, OutputError> {
    let f = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ENXIO) {
                OutputError::because(path, "it is a FIFO with no reader")
            } else {
                OutputError::new(path, e)
            }
        })?;
    let md = f.metadata().map_err(|e| OutputError::new(path, e))?;
    if md.file_type().is_file() {
        // Replaced by a regular file since it was looked at: write it atomically instead.
        return Err(OutputError::because(path, "it changed while being opened"));
    }
    classify(path.to_path_buf(), &md)?;
    blocking(&f).map_err(|e| OutputError::new(path, e))?;
    Ok(f)
}

/// Clears `O_NONBLOCK`, set only so that the open could not wait.
fn blocking(f: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = f.as_raw_fd();
    // SAFETY: fcntl on a descriptor this File owns; no pointers.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A duplicate of this process's descriptor `fd`, so writing to it keeps its offset and
/// append mode and closing it leaves the original open.
fn duplicate(fd: i32, path: &Path) -> Result<File, OutputError> {
    use std::os::fd::FromRawFd;
    // SAFETY: dup has no memory effects; a negative return is an error.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if copy < 0 {
        return Err(OutputError::new(path, std::io::Error::last_os_error()));
    }
    // SAFETY: `copy` is a fresh descriptor nothing else owns.
    Ok(unsafe { File::from_raw_fd(copy) })
}

/// Writes `bytes` to `path` with `access` (atomically for a regular file).
pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<(), OutputError> {
    write_with(path, access, |f| f.write_all(bytes))
}

type Fill<'a> = dyn FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()> + 'a;

/// Writes what `fill` writes to `path` with `access`: a regular file (or a new one) through a
/// temporary file beside it, synced, then renamed over it; a FIFO, terminal, null device or
/// descriptor of this process straight through.
fn write_with(
    path: &Path,
    access: Access,
    fill: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    if path.file_name().is_none() {
        return Err(OutputError::because(path, "the path names no file"));
    }
    let fill: Box<Fill<'_>> = Box::new(fill);
    match target(path)? {
        Target::File(file) => atomic(&file, access, fill),
        Target::Descriptor(fd) => through(path, duplicate(fd, path)?, fill),
        Target::Stream(stream) => through(path, open_stream(&stream)?, fill),
    }
}

fn through(path: &Path, f: File, fill: Box<Fill<'_>>) -> Result<(), OutputError> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
    fill(&mut w)
        .and_then(|()| w.flush())
        .map_err(|e| OutputError::new(path, e))
}

fn atomic(path: &Path, access: Access, fill: Box<Fill<'_>>) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .ok_or_else(|| OutputError::because(path, "the path names no file"))?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let dir = parent_of(path);
    // Created with the policy's mode (the umask applies, as for any file a tool creates);
    // removed again if anything below fails, since the temporary file is dropped then.
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".fleetbench-tmp")
        .permissions(std::fs::Permissions::from_mode(access.mode()))
        .tempfile_in(dir)
        .map_err(|e| OutputError::new(path, e))?;
    let (file, tmp_path) = tmp.into_parts();
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()
    })();
    if let Err(e) = result {
        return Err(OutputError::new(path, e));
    }
    tmp_path
        .persist(path)
        .map_err(|e| OutputError::new(path, e.error))?;
    // Make the rename itself durable; not every filesystem supports fsync on a directory.
    if let Ok(d) = File::open(dir) {
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

/// Opens `path` to append to it (created with `mode` if missing): a stream of records, not a
/// file to replace (`emulate --record`, known_hosts). Only a regular file is appended to: a
/// FIFO or a device is refused without waiting for a reader, and with `follow_links` false a
/// symbolic link is refused too (`O_NOFOLLOW`), so a link planted where the file should be
/// cannot redirect the appends.
pub fn open_append(path: &Path, mode: u32, follow_links: bool) -> Result<File, OutputError> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if !follow_links {
        flags |= libc::O_NOFOLLOW;
    }
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) && !follow_links {
                OutputError::because(
                    path,
                    "it is a symbolic link; fleetbench appends only to a regular file it names directly",
                )
            } else if e.raw_os_error() == Some(libc::ENXIO) {
                OutputError::because(path, "it is a FIFO with no reader, not a regular file")
            } else {
                OutputError::new(path, e)
            }
        })?;
    let md = f.metadata().map_err(|e| OutputError::new(path, e))?;
    if !md.file_type().is_file() {
        return Err(OutputError::because(
            path,
            "it is not a regular file; fleetbench appends only to regular files",
        ));
    }
    blocking(&f).map_err(|e| OutputError::new(path, e))?;
    Ok(f)
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

/// Checks, without writing it, that the file `path` can be written later: a regular file (or
/// none yet) in a directory that takes new files, or a FIFO, terminal, null device or
/// descriptor of this process; never a directory or another special file.
pub fn check_file(path: &Path) -> Result<(), OutputError> {
    if path.file_name().is_none() {
        return Err(OutputError::because(path, "the path names no file"));
    }
    match target(path)? {
        Target::File(file) => probe_dir(parent_of(&file), path),
        Target::Descriptor(_) | Target::Stream(_) => Ok(()),
    }
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

/// `path` as one name for the file it designates: absolute, `.` and `..` resolved, through
/// the symbolic links of the part that exists.
fn identity(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // The longest existing ancestor, canonicalized; the rest appended lexically.
    let mut existing = abs.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                match *part {
                    p if p == "." => {}
                    p if p == ".." => {
                        out.pop();
                    }
                    p => out.push(p),
                }
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// Refuses outputs that would land on one another: two flags naming the same file (`--json
/// X --html X`), or a file inside a folder another flag fills (`--json pd/wall.svg --plots
/// pd`). Each item is (the flag, the path it names).
pub fn check_distinct(files: &[(&str, &Path)], dirs: &[(&str, &Path)]) -> Result<(), OutputError> {
    let files: Vec<(&str, &Path, PathBuf)> =
        files.iter().map(|(f, p)| (*f, *p, identity(p))).collect();
    let dirs: Vec<(&str, &Path, PathBuf)> =
        dirs.iter().map(|(f, p)| (*f, *p, identity(p))).collect();
    for (i, (flag, path, id)) in files.iter().enumerate() {
        if let Some((other, _, _)) = files[..i].iter().find(|(_, _, o)| o == id) {
            return Err(OutputError::because(
                path,
                &format!("{other} and {flag} both name it; give each output its own file"),
            ));
        }
        if let Some((other, dir, _)) = dirs.iter().find(|(_, _, d)| id.starts_with(d)) {
            return Err(OutputError::because(
                path,
                &format!(
                    "{flag} names a file inside {}, which {other} fills; give it a path outside that folder",
                    dir.display()
                ),
            ));
        }
    }
    for (i, (flag, path, id)) in dirs.iter().enumerate() {
        if let Some((other, _, _)) = dirs[..i]
            .iter()
            .find(|(_, _, o)| id.starts_with(o) || o.starts_with(id))
        {
            return Err(OutputError::because(
                path,
                &format!("{other} and {flag} would fill the same folder; give each its own"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
