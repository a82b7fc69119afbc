//! One worker process as the parent sees it: started, handshaken, handed devices one at a
//! time, and buried (killed if needed, reaped, its exit status and stderr tail described).

use super::wire::{FromWorker, ToWorker, WireDevice};
use super::{ENV_ALLOWLIST, WORKER_ARG};
use crate::job::Job;
use crate::stop::Stop;
use crate::strategy::poller::RemoteSession;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use fleetbench_inventory::Device;
use fleetbench_report::DeviceResult;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a freshly spawned worker may take to say `ready`.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Slack on top of a device's session budget before its worker is declared hung.
pub(super) const BUDGET_MARGIN: Duration = Duration::from_secs(2);
/// How long a worker whose stdout ended gets to exit by itself before it is killed.
pub(super) const EXIT_GRACE: Duration = Duration::from_secs(1);
/// How often a manager waiting for its worker looks at the stop token: a SIGTERM kills the
/// workers within this much.
pub(super) const STOP_POLL: Duration = Duration::from_millis(50);
/// How much of a dead worker's stderr goes into the device's error message.
pub(super) const STDERR_TAIL_BYTES: u64 = 2048;
pub(super) const STDERR_TAIL_LINES: usize = 8;

/// Why a worker gave no result for a device.
pub(super) enum Lost {
    /// It died; how, with its exit status and stderr tail.
    Died(String),
    /// The run was terminated and the worker killed.
    Stopped,
}

/// One running worker process. Dropping it kills and reaps the child.
pub(super) struct Worker {
    child: Child,
    pub(super) pid: u32,
    stdin: Option<ChildStdin>,
    /// Messages read from the child's stdout by its reader thread; disconnected at EOF.
    lines: Receiver<Result<FromWorker, String>>,
    /// The child's stderr (an unlinked temp file), for the tail in error messages.
    stderr: File,
    status: Option<ExitStatus>,
}

impl Worker {
    /// Starts `exe __worker`; [`Worker::handshake`] then makes it usable.
    pub(super) fn spawn(exe: &Path) -> Result<Worker, String> {
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
        // The worker ties its life to ours itself, first thing after exec (see
        // `worker::die_with_parent`), given our pid to check against. Doing it here in a
        // `pre_exec` closure would force fork+exec instead of posix_spawn, and a fork of this
        // large, many-threaded process cost each worker milliseconds of start-up (the CI gate
        // saw the processes row's wall time grow by a third).
        cmd.arg(std::process::id().to_string());
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
    pub(super) fn handshake(
        &mut self,
        job: &Job,
        session: RemoteSession,
        deadline: Instant,
    ) -> Result<(), String> {
        self.wait_ready(deadline)?;
        let msg = ToWorker::Job {
            job: job.clone(),
            session,
        };
        match self.send(&msg) {
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

    /// Has the worker poll device `index`, relaying its `connecting` to `started`. A worker
    /// silent for longer than `budget` (the session's own, plus [`BUDGET_MARGIN`]) is hung.
    /// `Err` means the worker is dead (buried): it died, or `stop` turned urgent and it was
    /// killed.
    pub(super) fn poll(
        &mut self,
        (index, dev): (usize, &Device),
        budget: Duration,
        stop: &Stop,
        started: &dyn Fn(&str, f64),
    ) -> Result<DeviceResult, Lost> {
        let budget = budget.saturating_add(BUDGET_MARGIN);
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
                })) if i == index => started(&worker, unix),
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

pub(super) fn describe_status(s: ExitStatus) -> String {
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
pub(super) fn stderr_tail(f: &File) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
