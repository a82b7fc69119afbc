//! Signals to the built binary: SIGINT in the middle of a run (the sessions in flight finish,
//! the partial report is written), SIGTERM (nothing waits), SIGKILL of the parent (its worker
//! processes go with it).

use crate::cli::{bin, read_all, report, stderr_lines, wait_bounded};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Pids whose parent is `pid` (from /proc/*/stat).
pub(crate) fn children_of(pid: u32) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.insert(child);
        }
    }
    out
}

/// Spawns fleetbench with `--verbose`, streaming its stderr lines.
pub(crate) fn spawn_verbose(
    args: &[&str],
) -> (
    Child,
    mpsc::Receiver<String>,
    std::thread::JoinHandle<String>,
) {
    let mut child = bin().args(args).arg("--verbose").spawn().unwrap();
    let rx = stderr_lines(&mut child);
    let stdout = read_all(child.stdout.take().unwrap());
    (child, rx, stdout)
}

/// Collects stderr lines until one contains `what` (failing past a generous bound).
pub(crate) fn wait_for_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, what: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no line with {what:?} in {seen:#?}"));
        let hit = line.contains(what);
        seen.push(line);
        if hit {
            return;
        }
    }
}

pub(crate) fn sigint(child: &Child) {
    // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
}

/// SIGINT in the middle of a run: the devices in flight finish, the others are `interrupted`,
/// the partial report is written, exit status 1, no worker process is left behind.
fn interrupt_midway(cmd: &str, strategy: &str) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let strategy_flag = if cmd == "run" {
        "--strategy"
    } else {
        "--strategies"
    };
    let mut args = vec![
        cmd,
        strategy_flag,
        strategy,
        "--emulate",
        "8",
        "--profile",
        "login=700ms,command=300ms",
        "--workers",
        "2",
        "--json",
        json.to_str().unwrap(),
    ];
    if cmd == "compare" {
        // Interrupted in the first of three runs: the partial run is the one reported.
        args.extend(["--runs", "3"]);
    }
    let (child, rx, _stdout) = spawn_verbose(&args);
    let mut seen = Vec::new();
    wait_for_line(&rx, &mut seen, "===>");
    let workers = children_of(child.id());
    if strategy == "processes" {
        assert!(!workers.is_empty(), "no worker process found");
        // A SIGINT that reaches the workers too (a terminal's Ctrl-C goes to a whole process
        // group) must not cut their sessions short: they ignore it.
        for w in &workers {
            // SAFETY: kill(2) on a worker of the child this test spawned; still running,
            // since the parent reaps its workers only after this run.
            unsafe { libc::kill(*w as libc::pid_t, libc::SIGINT) };
        }
    }
    sigint(&child);
    let pid = child.id();
    let status = wait_bounded(child, Duration::from_secs(60));
    seen.extend(rx.iter());
    assert_eq!(status.code(), Some(1), "{cmd} {strategy}: {seen:#?}");
    let r = report(&json);
    let strategies = r["strategies"].as_array().unwrap();
    // compare stops after the strategy that was interrupted.
    assert_eq!(strategies.len(), 1, "{cmd} {strategy}");
    let devices = strategies[0]["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 8);
    let started = seen.iter().filter(|l| l.contains("===>")).count();
    let ok = devices.iter().filter(|d| d["ok"] == true).count();
    let interrupted = devices
        .iter()
        .filter(|d| d["error"]["kind"] == "interrupted")
        .count();
    // Every device that had started finished normally; every other one is `interrupted`.
    assert_eq!(ok, started, "{cmd} {strategy}: {seen:#?}");
    assert_eq!(ok + interrupted, 8, "{cmd} {strategy}: {r}");
    assert!(
        interrupted >= 4,
        "{cmd} {strategy}: {interrupted} interrupted"
    );
    // No worker outlives the run.
    let until = Instant::now() + Duration::from_secs(10);
    for w in workers {
        while running(w) {
            assert!(Instant::now() < until, "worker {w} of {pid} left behind");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn ctrl_c_during_run_with_worker_processes() {
    interrupt_midway("run", "processes");
}

#[test]
fn ctrl_c_during_compare_threads() {
    interrupt_midway("compare", "threads,async");
}

#[test]
fn ctrl_c_during_run_async() {
    interrupt_midway("run", "async");
}

/// Starts `run --strategy processes` over slow devices (a session of at least 5 s) and waits
/// until its workers are inside their sessions; returns the child, its workers, its stderr.
fn processes_mid_session(json: &Path) -> (Child, BTreeSet<u32>, mpsc::Receiver<String>) {
    let args = [
        "run",
        "--strategy",
        "processes",
        "--emulate",
        "6",
        "--profile",
        "login=5s",
        "--workers",
        "2",
        "--json",
        json.to_str().unwrap(),
    ];
    let (child, rx, _stdout) = spawn_verbose(&args);
    let mut seen = Vec::new();
    wait_for_line(&rx, &mut seen, "===>");
    let workers = children_of(child.id());
    assert_eq!(workers.len(), 2, "{seen:#?}");
    (child, workers, rx)
}

/// Whether process `pid` still runs. A zombie has ended: only its exit status waits for a
/// reaper, and when the test process has become a child subreaper (the external-poller
/// tests in this binary make it one) the orphaned workers of a killed parent are re-parented
/// to it and stay zombies until it exits.
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the command name's closing parenthesis.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Waits until none of `pids` runs; returns how long that took.
fn gone(pids: &BTreeSet<u32>, t0: Instant) -> Duration {
    let until = t0 + Duration::from_secs(30);
    for p in pids {
        while running(*p) {
            assert!(Instant::now() < until, "process {p} left behind");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    t0.elapsed()
}

/// SIGTERM does not wait for the sessions in flight: the workers are killed, every device is
/// in the partial report (`interrupted`), exit 1, and no fleetbench process is left, all long
/// before the 5 s sessions could have ended.
#[test]
fn sigterm_of_a_processes_run_writes_the_partial_report_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let (child, workers, _rx) = processes_mid_session(&json);
    let pid = child.id();
    let t0 = Instant::now();
    // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let status = wait_bounded(child, Duration::from_secs(60));
    let all_gone = gone(&workers, t0);
    eprintln!("SIGTERM: fleetbench and its workers gone after {all_gone:?}");
    assert!(all_gone < Duration::from_millis(2500), "{all_gone:?}");
    assert_eq!(status.code(), Some(1));
    let r = report(&json);
    let devices = r["strategies"][0]["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 6);
    assert!(
        devices.iter().all(|d| d["error"]["kind"] == "interrupted"),
        "{r}"
    );
}

/// A parent killed outright (SIGKILL: no handler runs) still takes its workers along
/// (`PR_SET_PDEATHSIG`): no orphan goes on polling.
#[test]
fn sigkill_of_the_parent_takes_its_workers_along() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, workers, _rx) = processes_mid_session(&dir.path().join("r.json"));
    let t0 = Instant::now();
    child.kill().unwrap();
    child.wait().unwrap();
    let all_gone = gone(&workers, t0);
    assert!(all_gone < Duration::from_millis(2500), "{all_gone:?}");
}
