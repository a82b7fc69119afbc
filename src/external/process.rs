//! Runs one external poller as a process tree and measures it from outside: wall time from
//! spawn to exit, CPU (user and system) of the whole tree, its peak resident memory, the
//! exit status, and whatever it left running.
//!
//! How the tree is kept together: the poller starts in its own process group, and this
//! process becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`), so a grandchild that
//! outlives its parent, even one that left the group with `setsid`, is re-parented here
//! instead of to init, where it can be found, ended and reaped. It is told apart from this
//! process's other children (worker processes of a strategy running in parallel, in tests)
//! by a marker in its environment, `FLEETBENCH_EXTERNAL_RUN=<pid>-<n>`, inherited from the
//! poller (not a secret). CPU is the `wait4` rusage
//! of the poller (which includes every descendant it waited for) plus that of every orphan
//! reaped here. Memory is sampled: the sum of the tree's resident sets every
//! [`SAMPLE_PERIOD`] (a poller's peak is several processes at once, so the largest single
//! process, which `ru_maxrss` would give, says too little), and never below that largest
//! process's `ru_maxrss` from `wait4` (which a sample can miss in a short run).

use fleetbench_report::Cpu;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often the tree's memory is sampled.
pub const SAMPLE_PERIOD: Duration = Duration::from_millis(50);
/// How long a poller's processes get between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(1);

/// How the poller's main process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Ended by us after the deadline.
    TimedOut,
    /// Ended by us because the run was asked to stop (Ctrl-C).
    Stopped,
}

/// Bytes of a poller's stdout or stderr kept: the last ones, where the reason it failed is.
pub const CAPTURE_TAIL: usize = 64 * 1024;

/// The end of one of the poller's output streams, and how much it wrote in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    /// The last [`CAPTURE_TAIL`] bytes at most.
    pub tail: Vec<u8>,
    /// Bytes written in all (those before `tail` were read and dropped).
    pub total: u64,
}

impl Captured {
    /// Bytes written and not kept.
    pub fn cut(&self) -> u64 {
        self.total - self.tail.len() as u64
    }
}

/// Drains a pipe on a small thread, keeping its last [`CAPTURE_TAIL`] bytes: the poller
/// never blocks on a full pipe, and nothing it writes reaches a file or grows memory.
struct Capture {
    kept: Arc<std::sync::Mutex<Captured>>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Capture {
    fn start(mut from: impl std::io::Read + Send + 'static, name: &str) -> Capture {
        let kept = Arc::new(std::sync::Mutex::new(Captured::default()));
        let (tx, done) = std::sync::mpsc::channel();
        let k = kept.clone();
        let _ = std::thread::Builder::new()
            .name(name.into())
            .stack_size(128 * 1024)
            .spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    match from.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut c = k.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                            c.total += n as u64;
                            c.tail.extend_from_slice(&buf[..n]);
                            let over = c.tail.len().saturating_sub(CAPTURE_TAIL);
                            if over > 0 {
                                c.tail.drain(..over);
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                let _ = tx.send(());
            });
        Capture { kept, done }
    }

    /// What was read by the time the pipe closed, or by `until` if something the poller
    /// started still holds it open (the thread then ends with that process).
    fn finish(self, until: Instant) -> Captured {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// What one run of a poller's process tree cost.
#[derive(Debug, Clone)]
pub struct TreeRun {
    pub wall: Duration,
    /// Unix time of the spawn.
    pub started_unix: f64,
    pub exit: Exit,
    pub cpu: Cpu,
    /// Peak of the sum of the tree's resident sets, bytes.
    pub peak_rss_tree: u64,
    /// Largest single process's resident set seen, bytes.
    pub peak_rss_largest: u64,
    /// Most processes alive in the tree at once.
    pub peak_processes: usize,
    /// Processes still running when the main one exited (ended by us).
    pub left_behind: Vec<String>,
    pub stdout: Captured,
    pub stderr: Captured,
}

/// Why a poller could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("cannot wait for the poller: {0}")]
    Wait(std::io::Error),
}

/// Runs `argv` in `cwd` with stdout and stderr captured ([`Captured`]); ends it at `deadline`,
/// or as soon as `stop` says so (the poller sits in its own process group, so a Ctrl-C on the
/// terminal does not reach it by itself).
pub fn run_tree(
    argv: &[String],
    cwd: Option<&Path>,
    deadline: Duration,
    stop: &dyn Fn() -> bool,
) -> Result<TreeRun, SpawnError> {
    become_subreaper();
    let program = argv.first().cloned().unwrap_or_default();
    let mut cmd = Command::new(&program);
    cmd.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            // If fleetbench dies, the poller's main process goes with it.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            Ok(())
        });
    }
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let marker = format!(
        "{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    );
    cmd.env(MARKER, &marker);
    let marker: Arc<[u8]> = format!("{MARKER}={marker}\0").into_bytes().into();
    let started_unix = fleetbench_report::unix_now();
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|source| SpawnError::Spawn {
        program: program.clone(),
        source,
    })?;
    let pid = child.id() as i32;
    // Alive until we wait for it, so its start time is there to read.
    let started_ticks = start_ticks(pid).unwrap_or(0);
    super::cleanup::group(pid);
    let captures = (
        child
            .stdout
            .take()
            .map(|o| Capture::start(o, "poller-stdout")),
        child
            .stderr
            .take()
            .map(|e| Capture::start(e, "poller-stderr")),
    );
    let sampler = Sampler::start(pid, marker.clone());

    // wait4 on a thread of its own, so the deadline can be kept here.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("poller-wait".into())
        .spawn(move || {
            let _ = tx.send(wait4(pid));
        })
        .map_err(SpawnError::Wait)?;
    let until = t0 + deadline;
    let mut ended: Option<Exit> = None;
    let (status, ru) = loop {
        let slice = until
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(100));
        match rx.recv_timeout(slice) {
            Ok(r) => break r.map_err(SpawnError::Wait)?,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(SpawnError::Wait(std::io::Error::other("waiter gone")));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if ended.is_some() {
            continue;
        }
        let why = if Instant::now() >= until {
            Some(Exit::TimedOut)
        } else if stop() {
            Some(Exit::Stopped)
        } else {
            None
        };
        if let Some(why) = why {
            end_group(pid);
            ended = Some(why);
        }
    };
    let timed_out = ended.is_some();
    let wall = t0.elapsed();
    // Whatever is still running now was left behind: end it, reap what is ours.
    let left = tree(pid, &marker);
    let left_behind: Vec<String> = left.iter().map(|p| describe(*p)).collect();
    if !left.is_empty() {
        end_group(pid);
        end_pids(&left);
    }
    let mut cpu = cpu_of(&ru);
    let (sampled_tree, sampled_largest, peak_processes, seen) = sampler.finish();
    // The samples can miss a short poller's peak (one sample every SAMPLE_PERIOD, the first
    // maybe before the program is loaded); the kernel's high-water mark of the poller and of
    // every descendant it waited for cannot, so it is a floor of both figures.
    let waited_peak = u64::try_from(ru.ru_maxrss)
        .unwrap_or(0)
        .saturating_mul(1024);
    let peak_rss_tree = sampled_tree.max(waited_peak);
    let peak_rss_largest = sampled_largest.max(waited_peak);
    let id = TreeId {
        pgid: pid,
        marker: &marker,
        seen,
        started: started_ticks,
    };
    for orphan in reap_orphans(&id, Instant::now() + GRACE * 2) {
        cpu.user_s += orphan.user_s;
        cpu.sys_s += orphan.sys_s;
    }
    // Everything the poller started is ended by now, so its pipes have closed unless a process
    // escaped the tree; then what was read so far is what there is.
    let until = Instant::now() + GRACE;
    let stdout = captures.0.map(|c| c.finish(until)).unwrap_or_default();
    let stderr = captures.1.map(|c| c.finish(until)).unwrap_or_default();
    super::cleanup::group_done(pid);
    let exit = if let Some(why) = ended {
        why
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    };
    drop(child);
    Ok(TreeRun {
        wall,
        started_unix,
        exit,
        cpu,
        peak_rss_tree,
        peak_rss_largest,
        peak_processes,
        left_behind: if timed_out { Vec::new() } else { left_behind },
        stdout,
        stderr,
    })
}

/// The environment variable that marks a poller's processes.
const MARKER: &str = "FLEETBENCH_EXTERNAL_RUN";

fn become_subreaper() {
    // SAFETY: sets a flag on this process; no pointers involved.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong);
    }
}

fn wait4(pid: i32) -> std::io::Result<(i32, libc::rusage)> {
    let mut status = 0;
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // SAFETY: valid pointers to a status int and a zeroed rusage.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, ru.as_mut_ptr()) };
        if rc == pid {
            // SAFETY: wait4 succeeded and filled the rusage (zeroed before anyway).
            return Ok((status, unsafe { ru.assume_init() }));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn cpu_of(ru: &libc::rusage) -> Cpu {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Cpu {
        user_s: tv(ru.ru_utime),
        sys_s: tv(ru.ru_stime),
    }
}

/// SIGTERM to the poller's process group, then SIGKILL after [`GRACE`] if any is left.
fn end_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals the process group.
    unsafe {
        libc::kill(-pgid, libc::SIGTERM);
    }
    let until = Instant::now() + GRACE;
    while Instant::now() < until && group_alive(pgid) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

fn end_pids(pids: &[i32]) {
    for &p in pids {
        // SAFETY: signals one process that belongs to the poller's tree.
        unsafe {
            libc::kill(p, libc::SIGTERM);
        }
    }
    let until = Instant::now() + GRACE;
    while Instant::now() < until && pids.iter().any(|p| alive(*p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for &p in pids {
        if alive(p) {
            // SAFETY: as above.
            unsafe {
                libc::kill(p, libc::SIGKILL);
            }
        }
    }
}

/// Whether our child `pid` came to us from a poller's tree rather than from a fork of ours:
/// it carries the run's marker (only readable while it lives), or sits in the poller's
/// process group, or was seen in the tree while it lived; or it is a zombie in a session
/// other than ours (a daemon's `setsid`) that started after the poller did. A zombie's
/// environment cannot be read, which is how double-forked pollers left zombies behind
/// before. A live process of another session is never taken for the poller's on that alone:
/// it may be a child of this process's own (a test's pseudo-terminal session).
fn inherited(pid: i32, tree: &TreeId<'_>) -> bool {
    let Some((_, pgrp, session, state)) = stat_full(pid) else {
        return false;
    };
    if pgrp == tree.pgid || tree.seen.contains(&pid) || marked(pid, tree.marker) {
        return true;
    }
    // SAFETY: getsid(0) reads this process's session id.
    let ours = unsafe { libc::getsid(0) };
    state == 'Z' && session != ours && start_ticks(pid).is_some_and(|t| t >= tree.started)
}

/// When a process started, in clock ticks since boot (`/proc/PID/stat` field 22).
fn start_ticks(pid: i32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s[s.rfind(')')? + 2..]
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()
}

/// What tells a poller run's processes apart.
struct TreeId<'a> {
    pgid: i32,
    marker: &'a [u8],
    /// Every process seen in the tree while it ran.
    seen: std::collections::HashSet<i32>,
    /// When the poller's main process started, in clock ticks since boot.
    started: u64,
}

/// Reaps children of ours that the poller left (re-parented here, alive or already zombies),
/// until none is left or `until`; returns their CPU.
fn reap_orphans(tree: &TreeId<'_>, until: Instant) -> Vec<Cpu> {
    let mut out = Vec::new();
    loop {
        let orphans: Vec<i32> = our_children()
            .into_iter()
            .filter(|p| inherited(*p, tree))
            .collect();
        if orphans.is_empty() {
            return out;
        }
        for p in &orphans {
            let mut status = 0;
            let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
            // SAFETY: valid pointers; WNOHANG never blocks.
            let rc = unsafe { libc::wait4(*p, &mut status, libc::WNOHANG, ru.as_mut_ptr()) };
            if rc == *p {
                // SAFETY: filled by a successful wait4.
                out.push(cpu_of(&unsafe { ru.assume_init() }));
            } else if Instant::now() >= until {
                // SAFETY: a process of the poller's tree that would not end.
                unsafe {
                    libc::kill(*p, libc::SIGKILL);
                }
            }
        }
        if Instant::now() >= until + GRACE {
            return out;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// (ppid, pgrp, state) of a process from `/proc/PID/stat`.
fn stat(pid: i32) -> Option<(i32, i32, char)> {
    stat_full(pid).map(|(ppid, pgrp, _, state)| (ppid, pgrp, state))
}

/// (ppid, pgrp, session, state) of a process from `/proc/PID/stat` (a zombie's too).
fn stat_full(pid: i32) -> Option<(i32, i32, i32, char)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    let session = f.next()?.parse().ok()?;
    Some((ppid, pgrp, session, state))
}

fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|(_, _, st)| st != 'Z' && st != 'X')
}

fn group_alive(pgid: i32) -> bool {
    all_pids().any(|p| stat(p).is_some_and(|(_, g, st)| g == pgid && st != 'Z' && st != 'X'))
}

fn all_pids() -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
}

fn our_children() -> Vec<i32> {
    let me = std::process::id() as i32;
    all_pids()
        .filter(|p| stat(*p).is_some_and(|(pp, _, _)| pp == me))
        .collect()
}

/// Live processes of the poller's tree: its process group, and orphans re-parented here
/// (children of ours that carry the run's marker).
fn tree(pgid: i32, marker: &[u8]) -> Vec<i32> {
    let me = std::process::id() as i32;
    all_pids()
        .filter(|p| {
            stat(*p).is_some_and(|(pp, g, st)| {
                st != 'Z' && st != 'X' && (g == pgid || (pp == me && marked(*p, marker)))
            })
        })
        .collect()
}

/// The process's environment holds `marker` (`NAME=value\0`).
fn marked(pid: i32, marker: &[u8]) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.windows(marker.len()).any(|w| w == marker))
}

/// `pid 1234 (python3 worker.py)`, for the report.
fn describe(pid: i32) -> String {
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    // A process between fork and exec has no command line yet: its name, then.
    let cmd = if cmd.is_empty() {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    } else {
        cmd
    };
    let cmd: String = cmd.chars().take(80).collect();
    format!("pid {pid} ({cmd})")
}

/// Samples the tree's memory on a small thread.
struct Sampler {
    stop: Arc<AtomicBool>,
    peaks: Arc<[AtomicU64; 3]>,
    seen: Arc<std::sync::Mutex<std::collections::HashSet<i32>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(pgid: i32, marker: Arc<[u8]>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peaks: Arc<[AtomicU64; 3]> = Arc::new(Default::default());
        let seen: Arc<std::sync::Mutex<std::collections::HashSet<i32>>> = Arc::default();
        let (st, pk, sn) = (stop.clone(), peaks.clone(), seen.clone());
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
        let thread = std::thread::Builder::new()
            .name("tree-sampler".into())
            .stack_size(128 * 1024)
            .spawn(move || {
                while !st.load(Ordering::Relaxed) {
                    let (mut sum, mut largest, mut n) = (0u64, 0u64, 0u64);
                    let pids = tree(pgid, &marker);
                    sn.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .extend(pids.iter().copied());
                    for p in pids {
                        let rss = std::fs::read_to_string(format!("/proc/{p}/statm"))
                            .ok()
                            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                            .map_or(0, |pages| pages * page);
                        sum += rss;
                        largest = largest.max(rss);
                        n += 1;
                    }
                    pk[0].fetch_max(sum, Ordering::Relaxed);
                    pk[1].fetch_max(largest, Ordering::Relaxed);
                    pk[2].fetch_max(n, Ordering::Relaxed);
                    std::thread::park_timeout(SAMPLE_PERIOD);
                }
            })
            .ok();
        Sampler {
            stop,
            peaks,
            seen,
            thread,
        }
    }

    /// The peaks (tree sum, largest process, process count) and every pid seen in the tree.
    fn finish(mut self) -> (u64, u64, usize, std::collections::HashSet<i32>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        (
            self.peaks[0].load(Ordering::Relaxed),
            self.peaks[1].load(Ordering::Relaxed),
            self.peaks[2].load(Ordering::Relaxed) as usize,
            std::mem::take(
                &mut *self
                    .seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
        )
    }
}
