//! What must not outlive fleetbench when it exits at once (a second Ctrl-C exits with 130
//! without unwinding): the private folders holding the fleet's credentials, and the process
//! groups of pollers still running. Everything else ends with its owner; these two are
//! registered here while they exist, and [`now`] is the signal thread's last act.
//!
//! Process-wide on purpose: an `_exit` skips every destructor, so whatever must still happen
//! then has to be reachable from the thread that calls it, whatever run is in progress.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Registers a private folder to remove if the process exits at once.
pub fn folder(path: &Path) {
    FOLDERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(path.to_path_buf());
}

/// The folder is gone (its owner removed it).
pub fn folder_done(path: &Path) {
    FOLDERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|p| p != path);
}

/// Registers a poller's process group to kill if the process exits at once.
pub fn group(pgid: i32) {
    GROUPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(pgid);
}

/// The group has ended (its processes are reaped).
pub fn group_done(pgid: i32) {
    GROUPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|g| *g != pgid);
}

/// Kills every registered poller group and removes every registered folder: called right
/// before an immediate exit.
pub fn now() {
    for g in GROUPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain(..)
    {
        // SAFETY: kill(2) with a negative pid signals one poller's process group.
        unsafe {
            libc::kill(-g, libc::SIGKILL);
        }
    }
    for f in FOLDERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain(..)
    {
        let _ = std::fs::remove_dir_all(&f);
    }
}
