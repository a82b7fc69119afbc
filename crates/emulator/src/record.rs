//! The devices' own account of every session they serve: when it was accepted, when the
//! client first tried to authenticate and succeeded, when the shell started and the first
//! prompt went out, each command line received and answered, and when and how it ended, with
//! the client's address. Off unless asked for ([`super::FleetSpec::record`]); then kept in
//! memory for [`super::EmulatedFleet::take_sessions`] and, for `fleetbench emulate --record`,
//! appended to a JSON-lines file as each session ends.
//!
//! Times are Unix seconds from the system clock, the clock the client's results use, so the
//! two views of one session line up. A command line equal to the device's password or enable
//! secret is recorded as `***`.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Unix time now, in seconds.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One session, as the device saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The device's hostname (`R1`).
    pub device: String,
    /// The device's listening port.
    pub port: u16,
    /// The client's address and port.
    pub client: String,
    pub accepted_unix: f64,
    /// First authentication attempt (password, key or keyboard-interactive).
    #[serde(default)]
    pub auth_started_unix: Option<f64>,
    #[serde(default)]
    pub authenticated_unix: Option<f64>,
    /// Shell or exec request.
    #[serde(default)]
    pub shell_unix: Option<f64>,
    /// The first prompt was handed to the SSH layer.
    #[serde(default)]
    pub first_prompt_unix: Option<f64>,
    /// Command lines, in order: the first [`MAX_COMMANDS`] of the session.
    #[serde(default)]
    pub commands: Vec<CommandRecord>,
    /// Command lines past [`MAX_COMMANDS`], counted only: a session kept open for hours
    /// runs its commands again every poll, and its record must not grow with them.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub commands_omitted: u64,
    pub closed_unix: f64,
    pub end: End,
    /// Why the device turned the session away before any work, if it did: before the SSH
    /// banner (a vty line, quiet mode, `MaxStartups`, a silent connection) or, on platforms
    /// that take the vty line at login, right after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refused>,
    /// The session's requests to the fleet's AAA server (none without one).
    #[serde(default, skip_serializing_if = "AaaRecord::is_empty")]
    pub aaa: AaaRecord,
    /// Password and keyboard-interactive attempts the device rejected.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub auth_failures: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Command lines one session's record keeps (a one-off session runs a handful).
pub const MAX_COMMANDS: usize = 64;

/// Why a device turned a session away (see [`SessionRecord::refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// Every vty line was busy.
    VtyBusy,
    /// The device was in `login block-for` quiet mode.
    LoginBlocked,
    /// `MaxStartups` dropped it before its banner.
    DroppedAtStartup,
    /// It sent nothing at all: closed after `ident-grace`, or to make room for a newcomer.
    Idle,
}

/// One session's requests to the fleet's AAA server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AaaRecord {
    /// Requests sent (one per password or keyboard-interactive attempt).
    pub requests: u32,
    /// Answered by the server in time.
    pub answered: u32,
    /// The device stopped waiting (its AAA timeout).
    pub timeouts: u32,
    /// The server's queue was full.
    pub rejections: u32,
    /// Timeouts and rejections after which the local database decided.
    pub fallbacks: u32,
    /// Time spent waiting for the server, all requests together, seconds.
    pub wait_s: f64,
}

impl AaaRecord {
    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }
}

/// How one AAA request ended, for the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AaaEvent {
    Answered(Duration),
    TimedOut(Duration),
    Rejected,
}

/// One command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    pub command: String,
    pub received_unix: f64,
    /// The whole answer was handed to the SSH layer; `None` if it never was (a hang, a drop).
    pub answered_unix: Option<f64>,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// The client typed `exit` (or `logout`, `quit`), or ran one exec request to its end.
    Exit,
    /// The client closed the channel (EOF) after its last answer.
    ClientClosed,
    /// The connection ended with no shell ending: before authentication, during a command,
    /// or the client went away.
    Dropped,
    /// The device's fault stopped the output (`hang`, `disconnect`) or refused the session.
    Fault,
    /// The shell sat idle past the device's `exec-timeout` and the device closed it.
    ExecTimeout,
}

/// Where finished records go.
#[derive(Debug, Default)]
pub struct Recorder {
    sessions: Mutex<Vec<SessionRecord>>,
    file: Option<Mutex<std::fs::File>>,
    /// Sessions accepted and not yet closed.
    open: AtomicUsize,
}

impl Recorder {
    /// Keeps records in memory only.
    pub fn in_memory() -> Recorder {
        Recorder::default()
    }

    /// Also appends each record to `path` as a JSON line (the file is created 0600). Only a
    /// regular file named directly is appended to: a symbolic link, a FIFO or a device is
    /// refused.
    pub fn to_file(path: &Path) -> std::io::Result<Recorder> {
        let f =
            fleetbench_inventory::output::open_append(path, 0o600, false).map_err(|e| e.source)?;
        Ok(Recorder {
            sessions: Mutex::default(),
            file: Some(Mutex::new(f)),
            open: AtomicUsize::new(0),
        })
    }

    fn push(&self, r: SessionRecord) {
        if let Some(f) = &self.file
            && let Ok(mut line) = serde_json::to_vec(&r)
        {
            line.push(b'\n');
            // One write per record on an O_APPEND file: lines never interleave.
            let _ = f
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .write_all(&line);
            return;
        }
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(r);
    }

    /// Every record kept in memory since the last call, once no session is open any more
    /// or `settle` has passed: a client that just returned may have closed its connection
    /// a moment before the device noticed.
    pub fn take_settled(&self, settle: Duration) -> Vec<SessionRecord> {
        let until = Instant::now() + settle;
        while self.open.load(Ordering::Acquire) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.take()
    }

    /// Every record kept in memory since the last call.
    pub fn take(&self) -> Vec<SessionRecord> {
        std::mem::take(&mut *self.sessions.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Reads a `--record` file, a regular file of at most 256 MiB
/// ([`fleetbench_inventory::input::DEVICE_RECORD`]); lines that do not parse (a record cut by
/// a crash) are skipped.
pub fn read_file(path: &Path) -> std::io::Result<Vec<SessionRecord>> {
    use fleetbench_inventory::input;
    let text = input::read_lossy(path, input::DEVICE_RECORD).map_err(input::InputError::into_io)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// The record of one session in progress, shared by its russh handler and channel task.
#[derive(Clone)]
pub(crate) struct Live {
    rec: Arc<Mutex<SessionRecord>>,
    recorder: Arc<Recorder>,
    /// Lines equal to these are recorded as `***`.
    hidden: Arc<[String; 2]>,
}

impl Live {
    pub fn new(
        recorder: Arc<Recorder>,
        device: &str,
        port: u16,
        client: Option<SocketAddr>,
        hidden: Arc<[String; 2]>,
    ) -> Live {
        recorder.open.fetch_add(1, Ordering::AcqRel);
        Live {
            rec: Arc::new(Mutex::new(SessionRecord {
                device: device.to_string(),
                port,
                client: client.map_or_else(String::new, |a| a.to_string()),
                accepted_unix: unix_now(),
                auth_started_unix: None,
                authenticated_unix: None,
                shell_unix: None,
                first_prompt_unix: None,
                commands: Vec::new(),
                commands_omitted: 0,
                closed_unix: 0.0,
                end: End::Dropped,
                refused: None,
                aaa: AaaRecord::default(),
                auth_failures: 0,
            })),
            recorder,
            hidden,
        }
    }

    fn with(&self, f: impl FnOnce(&mut SessionRecord)) {
        f(&mut self.rec.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn auth_attempt(&self) {
        self.with(|r| {
            r.auth_started_unix.get_or_insert_with(unix_now);
        })
    }

    pub fn authenticated(&self) {
        self.with(|r| r.authenticated_unix = Some(unix_now()))
    }

    pub fn shell(&self) {
        self.with(|r| {
            r.shell_unix.get_or_insert_with(unix_now);
        })
    }

    pub fn prompt_out(&self) {
        self.with(|r| {
            r.first_prompt_unix.get_or_insert_with(unix_now);
        })
    }

    /// A command line arrived; `answered` says it was answered at once (no `show` latency).
    pub fn received(&self, line: &str, answered: bool) {
        let command = if self.hidden.iter().any(|h| h == line) {
            "***".to_string()
        } else {
            line.to_string()
        };
        let now = unix_now();
        self.with(|r| {
            if r.commands.len() >= MAX_COMMANDS {
                r.commands_omitted += 1;
                return;
            }
            r.commands.push(CommandRecord {
                command,
                received_unix: now,
                answered_unix: answered.then_some(now),
            })
        })
    }

    /// The oldest unanswered command was answered now.
    pub fn answered(&self) {
        self.with(|r| {
            if let Some(c) = r.commands.iter_mut().find(|c| c.answered_unix.is_none()) {
                c.answered_unix = Some(unix_now());
            }
        })
    }

    pub fn ended(&self, end: End) {
        self.with(|r| r.end = end)
    }

    /// The device turned the session away.
    pub fn refused(&self, why: Refused) {
        self.with(|r| {
            r.refused.get_or_insert(why);
        })
    }

    /// One AAA request ended; `fallback` when the local database decided after it.
    pub fn aaa(&self, event: AaaEvent, fallback: bool) {
        self.with(|r| {
            let a = &mut r.aaa;
            a.requests += 1;
            match event {
                AaaEvent::Answered(w) => {
                    a.answered += 1;
                    a.wait_s += w.as_secs_f64();
                }
                AaaEvent::TimedOut(w) => {
                    a.timeouts += 1;
                    a.wait_s += w.as_secs_f64();
                }
                AaaEvent::Rejected => a.rejections += 1,
            }
            a.fallbacks += u32::from(fallback);
        })
    }

    /// The device rejected an authentication attempt.
    pub fn auth_failed(&self) {
        self.with(|r| r.auth_failures += 1)
    }

    /// The connection is gone: stamp it and hand the record over.
    pub fn close(self) {
        let rec = {
            let mut r = self.rec.lock().unwrap_or_else(PoisonError::into_inner);
            r.closed_unix = unix_now();
            r.clone()
        };
        self.recorder.push(rec);
        self.recorder.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session kept open for hours runs its commands again every poll: its record keeps
    /// the first ones and counts the rest.
    #[test]
    fn a_long_session_s_record_stays_bounded() {
        let recorder = Arc::new(Recorder::in_memory());
        let hidden = Arc::new(["pw".to_string(), "secret".to_string()]);
        let live = Live::new(recorder.clone(), "R1", 22, None, hidden);
        for i in 0..10 * MAX_COMMANDS {
            live.received(&format!("show clock {i}"), false);
            live.answered();
        }
        live.received("pw", true);
        live.close();
        let r = recorder.take().pop().unwrap();
        assert_eq!(r.commands.len(), MAX_COMMANDS);
        assert_eq!(r.commands_omitted, 9 * MAX_COMMANDS as u64 + 1);
        assert!(r.commands.iter().all(|c| c.answered_unix.is_some()));
        let line = serde_json::to_string(&r).unwrap();
        assert!(line.contains("\"commands_omitted\""));
    }
}
