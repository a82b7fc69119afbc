//! `processes`: a pool of W worker processes, like Python's `ProcessPoolExecutor`.
//!
//! Each worker is this very binary re-executed as `fleetbench __worker` (argument `__worker`
//! only). Every worker polls one device at a time through [`session::poll_blocking`]; a worker
//! takes the next device from the shared queue when it finishes one.
//!
//! # Protocol
//! Newline-delimited JSON over the child's stdin and stdout, one message per line, tagged by
//! `"msg"`:
//! - parent → worker: first `{"msg":"job","job":{..}}` (once the worker said `ready`), then one
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
//! crashed), or that gives no result within the device's whole session budget (`budget`;
//! it is then killed), costs that device a [`SessionError::WorkerDied`] carrying the exit
//! status and the tail of the worker's stderr (kept in a temp file); a replacement worker is
//! started and the pool goes on. Replacements are capped at the number of devices, so a
//! worker that dies on start cannot loop. Every child is killed and reaped when its handle is
//! dropped, also on early return.

use super::pool::{in_order, not_run, outcome, unix_now};
use super::{RunConfig, RunOutcome, StrategyError};
use crate::device::Device;
use crate::error::SessionError;
use crate::job::Job;
use crate::observe::{Event, Observer};
use crate::result::DeviceResult;
use crate::secret::Secret;
use crate::session;
use crate::stop::Stop;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The hidden subcommand that makes the binary a worker.
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

/// How long a freshly spawned worker may take to say `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Slack on top of a device's session budget before its worker is declared hung.
const BUDGET_MARGIN: Duration = Duration::from_secs(2);
/// How long a worker whose stdout ended gets to exit by itself before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(1);
/// How often a manager waiting for its worker looks at the stop token: a SIGTERM kills the
/// workers within this much.
const STOP_POLL: Duration = Duration::from_millis(50);
/// How much of a dead worker's stderr goes into the device's error message.
const STDERR_TAIL_BYTES: u64 = 2048;
const STDERR_TAIL_LINES: usize = 8;

// ---------------------------------------------------------------------------------------------
// Wire types

/// Parent → worker.
#[derive(Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
enum ToWorker {
    Job { job: Job },
    Device { index: usize, device: WireDevice },
}

/// Worker → parent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
enum FromWorker {
    Ready {
        pid: u32,
    },
    Connecting {
        index: usize,
        worker: String,
        unix: f64,
    },
    Done {
        index: usize,
        result: Box<DeviceResult>,
    },
}

impl FromWorker {
    fn name(&self) -> &'static str {
        match self {
            FromWorker::Ready { .. } => "ready",
            FromWorker::Connecting { .. } => "connecting",
            FromWorker::Done { .. } => "done",
        }
    }
}

/// A [`Device`] as it crosses the pipe to a worker.
///
/// The secrets are plain strings here, and only here: the worker needs them to log in, while
/// [`Secret`] deliberately has no `Serialize` so it cannot slip into a report. Exposing them
/// is acceptable for this one private channel (the child's stdin pipe, readable only by the
/// parent and that child). The type has no `Debug`, so it cannot be logged by accident, and
/// it lives only for the time of one write or one read.
#[derive(Serialize, Deserialize)]
struct WireDevice {
    name: String,
    host: String,
    port: u16,
    username: String,
    password: Option<String>,
    secret: Option<String>,
    key_file: Option<PathBuf>,
    device_type: String,
    timeout: Duration,
}

impl From<&Device> for WireDevice {
    fn from(d: &Device) -> Self {
        WireDevice {
            name: d.name.clone(),
            host: d.host.clone(),
            port: d.port,
            username: d.username.clone(),
            password: d.password.as_ref().map(|s| s.expose().to_string()),
            secret: d.secret.as_ref().map(|s| s.expose().to_string()),
            key_file: d.key_file.clone(),
            device_type: d.device_type.clone(),
            timeout: d.timeout,
        }
    }
}

impl From<WireDevice> for Device {
    fn from(w: WireDevice) -> Self {
        Device {
            name: w.name,
            host: w.host,
            port: w.port,
            username: w.username,
            password: w.password.map(Secret::new),
            secret: w.secret.map(Secret::new),
            key_file: w.key_file,
            device_type: w.device_type,
            timeout: w.timeout,
        }
    }
}

/// The longest one device's session can take in a healthy worker: every phase's deadline
/// (connect, handshake, auth (up to three methods, each with its own deadline: key, password,
/// keyboard-interactive), shell, prompt, enable, each command, close) plus a margin,
/// stretched by the debug slowdown. Past it, the worker is considered hung.
fn budget(dev: &Device, job: &Job) -> Duration {
    let phase = job.timeout.unwrap_or(dev.timeout);
    let phases = u32::try_from(9 + job.commands.len()).unwrap_or(u32::MAX);
    let session = phase.saturating_mul(phases).saturating_add(BUDGET_MARGIN);
    session.mul_f64(1.0 + job.debug_slowdown.clamp(0.0, 100.0))
}

// ---------------------------------------------------------------------------------------------
// Worker side

/// Entry of the hidden worker process (`fleetbench __worker`): serves the protocol on stdin
/// and stdout until stdin ends. Returns the process exit code.
pub fn worker_main() -> i32 {
    // Ctrl-C is the parent's to handle: it stops handing out devices and closes our stdin once
    // the device in hand is done, which is when a worker exits. A SIGINT sent to the whole
    // group (or straight to a worker) must not cut a session short or lose its result.
    // SAFETY: setting a signal disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    match serve(stdin, stdout, session::poll_blocking) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("fleetbench worker {}: {e}", std::process::id());
            1
        }
    }
}

/// The worker loop over any reader and writer, with the session core injected for tests.
/// Its errors never quote the input: a device line holds secrets.
fn serve(
    mut input: impl BufRead,
    mut out: impl Write,
    poll: impl Fn(&Device, &Job) -> DeviceResult,
) -> Result<(), String> {
    let mut send = |msg: &FromWorker| -> Result<(), String> {
        serde_json::to_writer(&mut out, msg)
            .map_err(|e| format!("cannot encode a message: {e}"))?;
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to the parent: {e}"))
    };
    send(&FromWorker::Ready {
        pid: std::process::id(),
    })?;
    let mut job: Option<Job> = None;
    let mut line = Vec::new();
    let mut lineno = 0usize;
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read from the parent: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        lineno += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let msg: ToWorker = serde_json::from_slice(&line).map_err(|e| {
            // Category and position only: the message text could quote a secret.
            format!(
                "unreadable message on line {lineno} ({:?} error at column {})",
                e.classify(),
                e.column()
            )
        })?;
        match (msg, &job) {
            (ToWorker::Job { job: j }, None) => job = Some(j),
            (ToWorker::Job { .. }, Some(_)) => {
                return Err(format!("a second job message on line {lineno}"));
            }
            (ToWorker::Device { .. }, None) => {
                return Err(format!("a device before the job, on line {lineno}"));
            }
            (ToWorker::Device { index, device }, Some(j)) => {
                let dev = Device::from(device);
                send(&FromWorker::Connecting {
                    index,
                    worker: session::worker_label(),
                    unix: unix_now(),
                })?;
                let result = poll(&dev, j);
                send(&FromWorker::Done {
                    index,
                    result: Box::new(result),
                })?;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parent side

/// Why a worker gave no result for a device.
enum Lost {
    /// It died; how, with its exit status and stderr tail.
    Died(String),
    /// The run was terminated and the worker killed.
    Stopped,
}

/// One running worker process. Dropping it kills and reaps the child.
struct Worker {
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    /// Messages read from the child's stdout by its reader thread; disconnected at EOF.
    lines: Receiver<Result<FromWorker, String>>,
    /// The child's stderr (an unlinked temp file), for the tail in error messages.
    stderr: File,
    status: Option<ExitStatus>,
}

impl Worker {
    /// Starts `exe __worker`; [`Worker::handshake`] then makes it usable.
    fn spawn(exe: &Path) -> Result<Worker, String> {
        let stderr = tempfile::tempfile().map_err(|e| format!("cannot create a temp file: {e}"))?;
        let child_stderr = stderr
            .try_clone()
            .map_err(|e| format!("cannot duplicate the temp file: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.arg(WORKER_ARG)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(child_stderr))
            // Its own process group: Ctrl-C reaches only the parent, which then stops handing
            // out devices while the workers finish theirs, as the other strategies do.
            .process_group(0);
        let parent = std::process::id();
        // SAFETY: between fork and exec only async-signal-safe calls are made (prctl, getppid,
        // _exit), and nothing is allocated.
        unsafe {
            cmd.pre_exec(move || {
                // A worker dies with its parent, however the parent dies (SIGKILL included):
                // no orphan goes on polling devices. The signal is tied to the spawning
                // thread, which outlives the worker: the pool's thread, or the manager thread
                // that started a replacement and owns it.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        for name in ENV_ALLOWLIST {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        let pid = child.id();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        // From here on `worker` owns the child: any early return kills and reaps it.
        let (tx, lines) = crossbeam_channel::unbounded();
        let worker = Worker {
            child,
            pid,
            stdin,
            lines,
            stderr,
            status: None,
        };
        let Some(stdout) = stdout else {
            return Err("the child has no stdout pipe".into());
        };
        std::thread::Builder::new()
            .name(format!("worker-{pid}-stdout"))
            .spawn(move || read_messages(stdout, tx))
            .map_err(|e| format!("cannot start the reader thread: {e}"))?;
        Ok(worker)
    }

    fn send(&mut self, msg: &ToWorker) -> io::Result<()> {
        let mut buf = serde_json::to_vec(msg).map_err(io::Error::other)?;
        buf.push(b'\n');
        match self.stdin.as_mut() {
            Some(w) => w.write_all(&buf).and_then(|()| w.flush()),
            None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        }
    }

    /// Waits for `ready`, then sends the job; on failure the worker is buried and the message
    /// says why. The job goes out only to a worker that proved alive: a job larger than the
    /// pipe buffer (many known host keys) blocks the write until the worker reads it, which a
    /// worker does right after `ready`.
    fn handshake(&mut self, job: &Job, deadline: Instant) -> Result<(), String> {
        self.wait_ready(deadline)?;
        match self.send(&ToWorker::Job { job: job.clone() }) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.bury(&format!("could not be sent the job ({e})"), EXIT_GRACE)),
        }
    }

    fn wait_ready(&mut self, deadline: Instant) -> Result<(), String> {
        match self.lines.recv_deadline(deadline) {
            Ok(Ok(FromWorker::Ready { .. })) => Ok(()),
            Ok(Ok(other)) => Err(self.bury(
                &format!("sent '{}' instead of 'ready'", other.name()),
                Duration::ZERO,
            )),
            Ok(Err(e)) => Err(self.bury(&e, Duration::ZERO)),
            Err(RecvTimeoutError::Timeout) => Err(self.bury(
                &format!("did not say ready within {:?}", READY_TIMEOUT),
                Duration::ZERO,
            )),
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.bury("exited before saying ready", EXIT_GRACE))
            }
        }
    }

    /// Has the worker poll device `index`, relaying its `connecting` to `obs`. `Err` means
    /// the worker is dead (buried): it died, or `stop` turned urgent and it was killed.
    fn poll(
        &mut self,
        index: usize,
        dev: &Device,
        job: &Job,
        stop: &Stop,
        obs: &dyn Observer,
    ) -> Result<DeviceResult, Lost> {
        let budget = budget(dev, job);
        let deadline = Instant::now() + budget;
        let sent = self.send(&ToWorker::Device {
            index,
            device: WireDevice::from(dev),
        });
        if let Err(e) = sent {
            let why = self.bury(&format!("could not be sent the device ({e})"), EXIT_GRACE);
            return Err(Lost::Died(why));
        }
        loop {
            if stop.is_urgent() {
                self.bury("was stopped", Duration::ZERO);
                return Err(Lost::Stopped);
            }
            let slice = deadline.min(Instant::now() + STOP_POLL);
            match self.lines.recv_deadline(slice) {
                Ok(Ok(FromWorker::Connecting {
                    index: i,
                    worker,
                    unix,
                })) if i == index => obs.on(&Event::DeviceStarted {
                    index,
                    device: dev,
                    worker: &worker,
                    unix,
                }),
                Ok(Ok(FromWorker::Done { index: i, result })) if i == index => return Ok(*result),
                Ok(Ok(other)) => {
                    return Err(Lost::Died(self.bury(
                        &format!("broke the protocol (unexpected '{}')", other.name()),
                        Duration::ZERO,
                    )));
                }
                Ok(Err(e)) => return Err(Lost::Died(self.bury(&e, Duration::ZERO))),
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(Lost::Died(self.bury(
                        &format!(
                            "gave no result within {:.1} s, the device's whole session budget, \
                             and was killed",
                            budget.as_secs_f64()
                        ),
                        Duration::ZERO,
                    )));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Lost::Died(self.bury("stopped answering", EXIT_GRACE)));
                }
            }
        }
    }

    /// Makes sure the child is gone and reaped; returns `what` happened with its exit status
    /// and stderr tail. A child that may still be exiting by itself gets `grace` first.
    fn bury(&mut self, what: &str, grace: Duration) -> String {
        self.stdin = None;
        let status = self.reap(grace);
        let status = match status {
            Some(s) => describe_status(s),
            None => "exit status unknown".into(),
        };
        let tail = stderr_tail(&self.stderr);
        let stderr = if tail.is_empty() {
            "stderr empty".to_string()
        } else {
            format!("stderr: {tail}")
        };
        format!("worker pid {} {what}; {status}; {stderr}", self.pid)
    }

    /// Waits up to `grace` for the child to exit, then kills it; reaps it either way.
    fn reap(&mut self, grace: Duration) -> Option<ExitStatus> {
        if self.status.is_some() {
            return self.status;
        }
        let until = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(s)) => {
                    self.status = Some(s);
                    return self.status;
                }
                Ok(None) if Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => break,
            }
        }
        let _ = self.child.kill();
        self.status = self.child.wait().ok();
        self.status
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin first lets an idle worker see EOF; it is killed anyway, so a busy
        // or hung one cannot hold the run.
        self.stdin = None;
        self.reap(Duration::ZERO);
    }
}

/// The reader thread: one message per line until EOF (or an unreadable pipe).
fn read_messages(stdout: impl Read, tx: Sender<Result<FromWorker, String>>) {
    let mut r = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let msg = serde_json::from_slice::<FromWorker>(&line)
            .map_err(|e| format!("sent an unreadable message ({e})"));
        if tx.send(msg).is_err() {
            return;
        }
    }
}

fn describe_status(s: ExitStatus) -> String {
    if let Some(sig) = s.signal() {
        let name = match sig {
            libc::SIGKILL => " (SIGKILL)",
            libc::SIGTERM => " (SIGTERM)",
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGABRT => " (SIGABRT)",
            libc::SIGBUS => " (SIGBUS)",
            libc::SIGINT => " (SIGINT)",
            libc::SIGPIPE => " (SIGPIPE)",
            _ => "",
        };
        let core = if s.core_dumped() { ", core dumped" } else { "" };
        format!("killed by signal {sig}{name}{core}")
    } else if let Some(code) = s.code() {
        format!("exited with status {code}")
    } else {
        s.to_string()
    }
}

/// The last lines of a worker's stderr file, on one line.
fn stderr_tail(f: &File) -> String {
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(STDERR_TAIL_BYTES);
    let mut buf = vec![0u8; usize::try_from(len - start).unwrap_or(0)];
    // Positional read: the child shares this file's offset, so never seek it.
    let n = f.read_at(&mut buf, start).unwrap_or(0);
    buf.truncate(n);
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().map(str::trim).collect();
    if start > 0 && !lines.is_empty() {
        // The first line was cut.
        lines.remove(0);
    }
    lines.retain(|l| !l.is_empty());
    let skip = lines.len().saturating_sub(STDERR_TAIL_LINES);
    lines[skip..].join(" | ")
}

/// What the manager threads share.
struct Pool<'a> {
    devices: &'a [Device],
    job: &'a Job,
    stop: &'a Stop,
    obs: &'a dyn Observer,
    exe: &'a Path,
    queue: Receiver<usize>,
    /// Worker processes started so far, replacements included.
    started: AtomicUsize,
    /// Replacement attempts so far, capped at the number of devices.
    replacements: AtomicUsize,
    /// Why the last replacement could not be started, for devices left in the queue.
    gave_up: Mutex<Option<String>>,
}

impl Pool<'_> {
    /// One manager thread: feeds its worker devices until the queue is empty or the run is
    /// interrupted, replacing the worker when it dies.
    fn manage(&self, mut w: Worker, done: Sender<(usize, DeviceResult)>) {
        loop {
            if self.stop.is_requested() {
                return;
            }
            let Ok(i) = self.queue.try_recv() else { return };
            let dev = &self.devices[i];
            let (result, died) = match w.poll(i, dev, self.job, self.stop, self.obs) {
                Ok(r) => (r, false),
                Err(Lost::Died(message)) => {
                    (not_run(dev, SessionError::WorkerDied { message }), true)
                }
                Err(Lost::Stopped) => (not_run(dev, SessionError::Interrupted), true),
            };
            self.obs.on(&Event::DeviceFinished {
                index: i,
                result: &result,
            });
            let _ = done.send((i, result));
            if died {
                if self.queue.is_empty() || self.stop.is_requested() {
                    return;
                }
                match self.replace() {
                    Some(new) => w = new,
                    None => return,
                }
            }
        }
    }

    fn replace(&self) -> Option<Worker> {
        let cap = self.devices.len();
        if self.replacements.fetch_add(1, Ordering::SeqCst) >= cap {
            self.give_up(format!(
                "no worker left: {cap} replacement workers were already started"
            ));
            return None;
        }
        let mut w = match Worker::spawn(self.exe) {
            Ok(w) => w,
            Err(e) => {
                self.give_up(format!("no worker left: cannot start a replacement: {e}"));
                return None;
            }
        };
        self.started.fetch_add(1, Ordering::SeqCst);
        match w.handshake(self.job, Instant::now() + READY_TIMEOUT) {
            Ok(()) => Some(w),
            Err(e) => {
                self.give_up(format!("no worker left: the replacement {e}"));
                None
            }
        }
    }

    fn give_up(&self, why: String) {
        if let Ok(mut g) = self.gave_up.lock() {
            *g = Some(why);
        }
    }
}

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> Result<RunOutcome, StrategyError> {
    let exe = match &cfg.worker_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| StrategyError::Setup {
            what: "process pool",
            message: format!("cannot find the current executable: {e}"),
        })?,
    };
    if devices.is_empty() {
        return Ok(outcome(Vec::new(), Duration::ZERO, 0, 0));
    }
    let spawn_err = |message: String| StrategyError::Spawn {
        exe: exe.display().to_string(),
        message,
    };

    // Spawn every worker first, then wait for their readies: the execs overlap.
    let t0 = Instant::now();
    let mut pool = Vec::with_capacity(workers);
    for _ in 0..workers.max(1) {
        pool.push(Worker::spawn(&exe).map_err(spawn_err)?);
    }
    let ready_by = t0 + READY_TIMEOUT;
    for w in &mut pool {
        w.handshake(job, ready_by).map_err(spawn_err)?;
    }
    let startup = t0.elapsed();
    let threads = pool.len();

    let (work_tx, work_rx) = crossbeam_channel::unbounded::<usize>();
    for i in 0..devices.len() {
        // Cannot fail: the receiver is alive.
        let _ = work_tx.send(i);
    }
    drop(work_tx);
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let shared = Pool {
        devices,
        job,
        stop: &cfg.stop,
        obs,
        exe: &exe,
        queue: work_rx,
        started: AtomicUsize::new(pool.len()),
        replacements: AtomicUsize::new(0),
        gave_up: Mutex::new(None),
    };
    let mut slots: Vec<Option<DeviceResult>> = (0..devices.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        for w in pool {
            let pid = w.pid;
            let (shared, done) = (&shared, done_tx.clone());
            // If the thread cannot start, the closure (and the worker in it) is dropped,
            // which kills the worker; the other managers drain the queue.
            let _ = std::thread::Builder::new()
                .name(format!("worker-{pid}"))
                .spawn_scoped(s, move || shared.manage(w, done));
        }
        drop(done_tx);
        for (i, r) in done_rx.iter() {
            slots[i] = Some(r);
        }
    });
    // This is reached only after every manager has returned, so what is still queued was
    // never handed out: the run was interrupted, or no worker was left.
    let gave_up = shared.gave_up.lock().ok().and_then(|g| g.clone());
    for i in shared.queue.try_iter() {
        let dev = &devices[i];
        let r = if cfg.stop.is_requested() {
            not_run(dev, SessionError::Interrupted)
        } else {
            let message = gave_up
                .clone()
                .unwrap_or_else(|| "no worker left to poll this device".into());
            not_run(dev, SessionError::WorkerDied { message })
        };
        obs.on(&Event::DeviceFinished {
            index: i,
            result: &r,
        });
        slots[i] = Some(r);
    }
    let processes = shared.started.load(Ordering::SeqCst);
    Ok(outcome(
        in_order(devices, slots),
        startup,
        threads,
        processes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hostkeys::HostKeyCheck;
    use std::os::unix::process::ExitStatusExt;

    fn device(index: u16) -> Device {
        Device {
            name: format!("R{index}"),
            host: "127.0.0.1".into(),
            port: 10_000 + index,
            username: "cisco".into(),
            password: Some(Secret::new("pw-hunter2")),
            secret: Some(Secret::new("en-hunter3")),
            key_file: None,
            device_type: "cisco_ios".into(),
            timeout: Duration::from_secs(10),
        }
    }

    fn job() -> Job {
        Job::new(vec!["show clock".into()], HostKeyCheck::default())
    }

    fn line(msg: &ToWorker) -> String {
        let mut s = serde_json::to_string(msg).unwrap();
        s.push('\n');
        s
    }

    fn fake_poll(dev: &Device, _job: &Job) -> DeviceResult {
        // The secrets made it through the pipe intact.
        assert_eq!(dev.password.as_ref().unwrap().expose(), "pw-hunter2");
        assert_eq!(dev.secret.as_ref().unwrap().expose(), "en-hunter3");
        let mut r = not_run(dev, SessionError::Interrupted);
        r.ok = true;
        r.error = None;
        r.outputs = vec![crate::result::CommandOutput {
            command: "show clock".into(),
            output: format!("clock of {}", dev.name),
        }];
        r
    }

    fn replies(out: &[u8]) -> Vec<FromWorker> {
        out.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    }

    #[test]
    fn worker_serves_job_then_devices_until_eof() {
        let input = [
            line(&ToWorker::Job { job: job() }),
            line(&ToWorker::Device {
                index: 0,
                device: WireDevice::from(&device(0)),
            }),
            "\n".into(),
            line(&ToWorker::Device {
                index: 5,
                device: WireDevice::from(&device(5)),
            }),
        ]
        .concat();
        let mut out = Vec::new();
        serve(input.as_bytes(), &mut out, fake_poll).unwrap();
        let msgs = replies(&out);
        let names: Vec<_> = msgs.iter().map(FromWorker::name).collect();
        assert_eq!(names, ["ready", "connecting", "done", "connecting", "done"]);
        match &msgs[4] {
            FromWorker::Done { index, result } => {
                assert_eq!(*index, 5);
                assert_eq!(result.output(), "clock of R5");
                assert_eq!(result.port, 10_005);
            }
            other => panic!("unexpected {other:?}"),
        }
        match &msgs[1] {
            FromWorker::Connecting { index, worker, .. } => {
                assert_eq!(*index, 0);
                assert!(worker.starts_with(&format!("{}/", std::process::id())));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn worker_errors_never_quote_the_input() {
        let bad =
            r#"{"msg":"device","index":0,"device":{"name":"R1","host":"h","port":"pw-hunter2"}}"#;
        let input = format!("{}{bad}\n", line(&ToWorker::Job { job: job() }));
        let err = serve(input.as_bytes(), Vec::new(), fake_poll).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn worker_wants_the_job_first_and_once() {
        let dev = line(&ToWorker::Device {
            index: 0,
            device: WireDevice::from(&device(0)),
        });
        let err = serve(dev.as_bytes(), Vec::new(), fake_poll).unwrap_err();
        assert!(err.contains("before the job"), "{err}");
        let twice = line(&ToWorker::Job { job: job() }).repeat(2);
        let err = serve(twice.as_bytes(), Vec::new(), fake_poll).unwrap_err();
        assert!(err.contains("second job"), "{err}");
    }

    #[test]
    fn worker_exits_quietly_without_input() {
        let mut out = Vec::new();
        serve(&b""[..], &mut out, fake_poll).unwrap();
        assert_eq!(replies(&out).len(), 1);
    }

    #[test]
    fn wire_device_round_trips_with_secrets() {
        let d = device(3);
        let json = serde_json::to_string(&WireDevice::from(&d)).unwrap();
        let back: WireDevice = serde_json::from_str(&json).unwrap();
        assert_eq!(Device::from(back), d);
    }

    #[test]
    fn budget_covers_every_phase() {
        let d = device(0);
        let mut j = job();
        // connect, handshake, 3 auth methods, shell, prompt, enable, 1 command, close + margin.
        assert_eq!(budget(&d, &j), Duration::from_secs(10 * 10 + 2));
        j.timeout = Some(Duration::from_secs(1));
        j.debug_slowdown = 1.0;
        assert_eq!(budget(&d, &j), Duration::from_secs(2 * 12));
    }

    #[test]
    fn status_is_described() {
        assert_eq!(
            describe_status(ExitStatus::from_raw(libc::SIGKILL)),
            "killed by signal 9 (SIGKILL)"
        );
        assert_eq!(
            describe_status(ExitStatus::from_raw(3 << 8)),
            "exited with status 3"
        );
    }

    #[test]
    fn stderr_tail_keeps_the_last_whole_lines() {
        let mut f = tempfile::tempfile().unwrap();
        for i in 0..500 {
            writeln!(f, "line {i}").unwrap();
        }
        let tail = stderr_tail(&f);
        assert!(tail.ends_with("line 498 | line 499"), "{tail}");
        assert_eq!(tail.split(" | ").count(), STDERR_TAIL_LINES);
        assert_eq!(stderr_tail(&tempfile::tempfile().unwrap()), "");
    }
}
