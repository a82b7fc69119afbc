//! `processes`: a pool of W worker processes, like Python's `ProcessPoolExecutor`.
//!
//! Each worker is this very binary re-executed as `fleetbench __worker` (argument `__worker`
//! only). Every worker polls one device at a time through the session the parent names (the
//! SSH core, possibly slowed down: [`super::poller::RemoteSession`]); a worker takes the next device from
//! the shell's queue when it finishes one.
//!
//! # Protocol
//! Newline-delimited JSON over the child's stdin and stdout, one message per line, tagged by
//! `"msg"`:
//! - parent → worker: first `{"msg":"job","job":{..},"session":{..}}` (once the worker said `ready`), then one
//!   `{"msg":"device","index":i,"device":{..}}` at a time, each only after the previous one's
//!   `done`. Closing stdin (EOF) tells the worker to exit.
//! - worker → parent: `{"msg":"ready","pid":n}` once started; `{"msg":"connecting","index":i,
//!   "worker":"pid/thread","unix":t}` before each session; `{"msg":"done","index":i,
//!   "result":{..}}` after it.
//!
//! # Secrets
//! Passwords and enable secrets travel only over the stdin pipe, which only the parent and
//! that child can read. They are never put in argv or the environment (any local user can
//! read `/proc/<pid>/cmdline`; `environ` is readable by the same user and inherited by
//! anything the child starts). Children get a cleared environment plus [`ENV_ALLOWLIST`].
//!
//! # Failures
//! One parent thread per worker owns its pipes, with a reader thread turning the child's
//! stdout into messages so every read has a deadline. A worker that dies mid-device (killed,
//! crashed), or that gives no result within the device's whole session budget (the
//! session's deadlines plus a margin; it is then killed), costs that device a [`crate::SessionError::WorkerDied`] carrying the exit
//! status and the tail of the worker's stderr (kept in a temp file); a replacement worker is
//! started and the pool goes on. Replacements are capped at the number of devices, so a
//! worker that dies on start cannot loop. Every child is killed and reaped when its handle is
//! dropped, also on early return.

//!
//! # Layout
//! `wire.rs` (the messages), `worker.rs` (the worker process's side), `child.rs` (one worker
//! process as the parent sees it: spawn, handshake, poll, bury), `pool.rs` (the manager
//! threads over the shell's queue, replacements, the run).

mod child;
mod pool;
mod wire;
mod worker;

pub(super) use pool::run;
pub use worker::worker_main;

pub const WORKER_ARG: &str = "__worker";

/// The only environment variables a worker inherits: what locating files, locale, time zone,
/// an ssh-agent and backtraces need. Nothing here may carry a device secret.
pub const ENV_ALLOWLIST: [&str; 9] = [
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "TZ",
    "SSH_AUTH_SOCK",
    "XDG_CONFIG_HOME",
    "RUST_BACKTRACE",
];
