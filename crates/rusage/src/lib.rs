//! # fleetbench-rusage
//!
//! This process's resources, as a run accounts for them (`getrusage`, `/proc`): CPU time
//! (user and system, this process and its reaped worker processes, as the report's
//! [`Cpu`]), peak resident memory (its own and its largest child's), and the open-file
//! limit a large fleet needs raised. Linux first; elsewhere the figures read as zero.
//!
//! # Layout
//! - [`cpu_now`]: CPU so far; a run's CPU is the difference across it.
//! - [`peak_rss`], [`reset_peak_rss`], [`vm_hwm`], [`ChildRssSampler`]: peak resident memory.
//! - [`thread_cpu`]: the calling thread's CPU clock; [`cpu_per_op`]: the CPU one operation
//!   costs on it, over rounds (the floor's measurements).
//! - [`raise_nofile_limit`]: the soft open-file limit up to the hard one; [`nofile_limits`]:
//!   both, as they are.
//! - [`rss_now`], [`live_children_cpu`], [`proc_usage`]: what a long run samples as it
//!   goes: this process's resident memory now, its live worker processes' CPU so far, and
//!   another process's CPU and memory (a separate `fleetbench emulate`), from `/proc`.
//! - [`one_malloc_arena`]: every thread allocates from one malloc arena, so a long run's
//!   RSS does not wander with which threads served its bursts.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

use fleetbench_report::Cpu;
use std::time::Duration;

mod thread;
pub use thread::{cpu_per_op, thread_cpu};

fn rusage(who: libc::c_int) -> Option<libc::rusage> {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a full rusage into the provided, properly sized buffer.
    let rc = unsafe { libc::getrusage(who, ru.as_mut_ptr()) };
    // SAFETY: rc == 0 means the kernel filled the struct; it was zeroed before anyway.
    (rc == 0).then(|| unsafe { ru.assume_init() })
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// CPU of this process plus every child it has waited for (worker processes are reaped at
/// the end of a run, so a difference across a run includes them).
pub fn cpu_now() -> Cpu {
    let mut c = Cpu::default();
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        if let Some(ru) = rusage(who) {
            c.user_s += tv(ru.ru_utime);
            c.sys_s += tv(ru.ru_stime);
        }
    }
    c
}

/// Peak resident set size, in bytes, of this process (`self`) and of its largest reaped child.
pub fn peak_rss() -> (u64, u64) {
    let kb = |who| rusage(who).map_or(0, |ru| ru.ru_maxrss.max(0) as u64 * 1024);
    (kb(libc::RUSAGE_SELF), kb(libc::RUSAGE_CHILDREN))
}

/// Resets this process's peak RSS to its current RSS (Linux `clear_refs` 5), so each
/// strategy's peak is its own. Returns false where the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// Current peak RSS of this process (VmHWM), which [`reset_peak_rss`] resets; bytes.
pub fn vm_hwm() -> Option<u64> {
    vm_hwm_in(&std::fs::read_to_string("/proc/self/status").ok()?)
}

fn vm_hwm_in(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// This process's resident memory now (VmRSS), bytes.
pub fn rss_now() -> Option<u64> {
    status_kb(
        &std::fs::read_to_string("/proc/self/status").ok()?,
        "VmRSS:",
    )
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// One process's CPU so far and resident memory now, from `/proc`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcUsage {
    /// User and system time, seconds (the kernel counts them in clock ticks).
    pub cpu_s: f64,
    pub rss_bytes: u64,
}

/// Process `pid`'s [`ProcUsage`]; `None` when it is gone or unreadable.
pub fn proc_usage(pid: u32) -> Option<ProcUsage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(ProcUsage {
        cpu_s: stat_cpu_s(&stat, clock_ticks())?,
        rss_bytes: status_kb(&status, "VmRSS:").unwrap_or(0),
    })
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// utime + stime of a `/proc/PID/stat` line, seconds. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted from its last `)`.
fn stat_cpu_s(stat: &str, ticks: f64) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // Fields 3.. follow the name: utime and stime are fields 14 and 15.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / ticks)
}

/// CPU so far of this process's live children (worker processes are reaped, and counted
/// by [`cpu_now`], only when a run ends), seconds.
pub fn live_children_cpu() -> f64 {
    child_pids()
        .into_iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            stat_cpu_s(&stat, clock_ticks())
        })
        .sum()
}

/// Pids of this process's live children (every thread's `children` list).
fn child_pids() -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// The peak RSS of the largest child process, sampled from `/proc/<pid>/status` (VmHWM)
/// while the children live.
///
/// Why not `getrusage(RUSAGE_CHILDREN).ru_maxrss`: a child's high-water mark includes the
/// parent's pages it shared between fork and exec, so it reports the *parent's* size (it
/// matched this process's peak to the byte in the first reference sweep), and it can never
/// be reset. VmHWM is reset by exec and only grows, so a sample shortly before a worker exits
/// is close to its true peak; a worker living less than one period may be missed. A child
/// whose command line is still this process's has not exec'd yet and is skipped.
///
/// The sampler's own CPU is not the client's: [`ChildRssSampler::finish`] returns it so the
/// caller can take it out of the run's CPU.
pub struct ChildRssSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// CPU the sampling thread used, microseconds, stored when it ends.
    own_cpu_us: std::sync::Arc<std::sync::atomic::AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ChildRssSampler {
    /// Starts sampling every `period` on a small thread (none if it cannot be spawned).
    pub fn start(period: Duration) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let own_cpu_us = Arc::new(AtomicU64::new(0));
        let (st, pk, cpu) = (stop.clone(), peak.clone(), own_cpu_us.clone());
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                // A child between fork and exec still is a copy of this process (and shows
                // this process's size): only children that exec'd something count.
                let me = std::fs::read("/proc/self/cmdline").unwrap_or_default();
                loop {
                    for pid in child_pids() {
                        match std::fs::read(format!("/proc/{pid}/cmdline")) {
                            Ok(c) if c != me => {}
                            _ => continue,
                        }
                        let status = std::fs::read_to_string(format!("/proc/{pid}/status"));
                        if let Some(b) = status.ok().as_deref().and_then(vm_hwm_in) {
                            pk.fetch_max(b, Ordering::Relaxed);
                        }
                    }
                    if st.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::park_timeout(period);
                }
                if let Some(ru) = rusage(libc::RUSAGE_THREAD) {
                    let us = (tv(ru.ru_utime) + tv(ru.ru_stime)) * 1e6;
                    cpu.store(us as u64, Ordering::Relaxed);
                }
            })
            .ok();
        ChildRssSampler {
            stop,
            peak,
            own_cpu_us,
            thread,
        }
    }

    /// Stops sampling; the largest child's peak RSS seen, bytes (0: no child seen), and the
    /// CPU the sampler itself used.
    pub fn finish(mut self) -> (u64, Duration) {
        self.stop_thread();
        let us = self.own_cpu_us.load(std::sync::atomic::Ordering::Relaxed);
        (
            self.peak.load(std::sync::atomic::Ordering::Relaxed),
            Duration::from_micros(us),
        )
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for ChildRssSampler {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The open-file limits of this process, soft and hard (`None` where they cannot be read;
/// `u64::MAX` for unlimited).
pub fn nofile_limits() -> Option<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit with a valid rlimit struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    (rc == 0).then_some((lim.rlim_cur, lim.rlim_max))
}

/// Raises the soft open-file limit to the hard limit: a 1000-device run holds two sockets per
/// device with an in-process emulator, past the usual soft limit of 1024. Returns the new
/// soft limit.
pub fn raise_nofile_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: get/setrlimit with a valid rlimit struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                return want.rlim_cur;
            }
        }
    }
    lim.rlim_cur
}

/// Makes every thread this process starts from now on allocate from one malloc arena
/// (glibc's `M_ARENA_MAX` set to 1); true when the C library took it, false where it is not
/// glibc. Call it before the process starts its threads.
///
/// Why, for the commands that run for hours (`poll`, `emulate`): glibc gives threads arenas
/// of their own (up to eight per core), and each arena keeps the memory freed in it
/// resident up to its own high-water mark. After bursts of sessions (a `renew` cycle's
/// thousand logins, each with libssh2's 83 KB session), the process's RSS then wanders
/// with which threads served each burst, not with what it holds (the user guide's
/// steady-state page has the runs with and without). With one arena it stays at the one
/// high-water mark, so a rise is a real rise. The cost: the threads share one allocator lock, which the runtimes of these
/// commands (a thread per core) rarely contend for.
pub fn one_malloc_arena() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets an allocator parameter; it returns 1 on success.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_takes_one_arena() {
        // glibc refuses an unknown parameter or a bad value with 0.
        assert_eq!(
            one_malloc_arena(),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
    }

    #[test]
    fn stat_fields_are_counted_from_the_name_s_end() {
        let line = "4242 (a) b (c)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
        assert_eq!(stat_cpu_s(line, 100.0), Some(3.0));
        assert_eq!(stat_cpu_s("garbage", 100.0), None);
    }

    #[test]
    fn this_process_reads_itself() {
        let me = proc_usage(std::process::id()).unwrap();
        assert!(me.rss_bytes > 0);
        assert!(rss_now().unwrap() > 0);
        assert!(proc_usage(u32::MAX).is_none());
    }

    #[test]
    fn samples_a_child_process_peak_rss() {
        let sampler = ChildRssSampler::start(Duration::from_millis(5));
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap();
        child.wait().unwrap();
        let (peak, own_cpu) = sampler.finish();
        assert!(own_cpu < Duration::from_secs(5));
        // `sleep` is small: more than nothing, far less than this test process at fork.
        assert!(peak > 0, "no child sampled");
        assert!(peak < 64 * 1024 * 1024, "{peak}");
    }
}
