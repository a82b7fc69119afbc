//! `fleetbench poll` end to end, with intervals of a second or two: kept sessions opened
//! again after the devices' `exec-timeout` and counted; the two late-poll policies of an
//! undersized setup; the stream file after a SIGKILL at a seeded random point. Every
//! assertion is on counts and on the files, never on a measured time.

use super::cli::{bin, fleetbench, report, stderr_lines, wait_bounded};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

fn run_of(r: &Value, mode: &str) -> Value {
    r["steady"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["sessions"] == mode)
        .unwrap_or_else(|| panic!("no {mode} run in {r}"))
        .clone()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// The stream file's lines, each parsed; a torn last line fails the test.
fn stream_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a torn line: {text:?}"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A device closes a session idle longer than its `exec-timeout` (1 s here, polled every
/// 2 s): every kept session is found closed at the next poll, opened again within it, and
/// counted as a reconnect; no poll fails for it. With the timeout longer than the idle
/// time, the first login is the only one.
#[test]
fn kept_sessions_closed_by_exec_timeout_are_reopened_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("keep.json");
    let stream = dir.path().join("cycles.jsonl");
    let page = dir.path().join("keep.html");
    let out = fleetbench(&[
        "poll",
        "--emulate",
        "3",
        "--profile",
        "instant,exec-timeout=1s",
        "--every",
        "2s",
        "--for",
        "6s",
        "--sessions",
        "keep",
        "--json",
        json.to_str().unwrap(),
        "--stream",
        stream.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let r = report(&json);
    let keep = run_of(&r, "keep");
    assert_eq!(n(&keep["cycles"]), 3, "{keep}");
    assert_eq!(n(&keep["polls"]["due"]), 9);
    assert_eq!(n(&keep["polls"]["ok"]), 9, "{keep}");
    // The first poll of each device logs in; the two later ones find the shell closed.
    assert_eq!(n(&keep["sessions_opened"]), 9, "{keep}");
    assert_eq!(n(&keep["reconnects"]), 6, "{keep}");
    let lines = stream_lines(&stream);
    let reconnects: Vec<u64> = lines.iter().map(|l| n(&l["reconnects"])).collect();
    assert_eq!(reconnects, [0, 3, 3], "{lines:#?}");
    assert!(out.stdout.contains("keep (async w=3)"), "{}", out.stdout);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "three pictures for one mode"
    );

    // The same fleet, the devices' timeout longer than the idle time between polls.
    let json = dir.path().join("long.json");
    let out = fleetbench(&[
        "poll",
        "--emulate",
        "3",
        "--profile",
        "instant,exec-timeout=30s",
        "--every",
        "1s",
        "--for",
        "3s",
        "--sessions",
        "keep,renew",
        "--strategy",
        "threads",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let r = report(&json);
    let keep = run_of(&r, "keep");
    assert_eq!(
        (n(&keep["sessions_opened"]), n(&keep["reconnects"])),
        (3, 0),
        "{keep}"
    );
    // The emulator held every kept session; renew logs in at every poll.
    assert_eq!(n(&keep["device_sessions"]["max"]), 3, "{keep}");
    let renew = run_of(&r, "renew");
    assert_eq!(
        (n(&renew["sessions_opened"]), n(&renew["reconnects"])),
        (9, 0),
        "{renew}"
    );
    assert!(out.stdout.contains("keep against renew"), "{}", out.stdout);
}

/// 6 devices every second on 2 workers whose sessions take over half a second: more due
/// than the workers can run. `skip` drops the polls due while the device's previous one
/// still waits; `queue` runs them late, none skipped. Counted either way.
#[test]
fn an_undersized_setup_skips_or_queues_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    for policy in ["skip", "queue"] {
        let json = dir.path().join(format!("{policy}.json"));
        let out = fleetbench(&[
            "poll",
            "--emulate",
            "6",
            "--profile",
            "instant,command=500ms",
            "--every",
            "1s",
            "--for",
            "3s",
            "--workers",
            "2",
            "--strategy",
            "threads",
            "--on-late",
            policy,
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{policy}: {}", out.stderr);
        let r = report(&json);
        assert_eq!(r["steady"]["on_late"], policy);
        let run = run_of(&r, "renew");
        let p = &run["polls"];
        assert_eq!(n(&p["due"]), 18, "{policy}: {run}");
        assert_eq!(n(&p["failed"]), 0, "{policy}: {run}");
        // Every due poll is accounted for, once.
        assert_eq!(
            n(&p["ok"]) + n(&p["skipped"]) + n(&p["not_run"]) + n(&p["interrupted"]),
            18,
            "{policy}: {run}"
        );
        match policy {
            "skip" => {
                assert!(n(&p["skipped"]) > 0, "{run}");
                assert_eq!(n(&p["queued"]), 0, "{run}");
            }
            _ => {
                assert_eq!(n(&p["skipped"]), 0, "{run}");
                assert!(n(&p["queued"]) > 0, "{run}");
                assert!(n(&run["backlog_max"]) > 0, "{run}");
            }
        }
        assert!(
            out.stdout.contains("undersized"),
            "{policy}: the backlog's arithmetic: {}",
            out.stdout
        );
    }
}

/// SIGKILL at a seeded random point of a long run (after a drawn number of cycles plus a
/// drawn part of an interval): every cycle the run had shown is in the stream file, whole,
/// numbered without a gap, and nothing else is.
#[test]
fn a_killed_run_keeps_every_finished_cycle_in_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 0..2u64 {
        let stream = dir.path().join(format!("cycles-{seed}.jsonl"));
        let draw = fleetbench_units::seed::mix(0x5eed_0028, seed);
        let after_cycles = 1 + (draw % 4) as usize;
        let extra = Duration::from_millis((draw >> 8) % 300);
        let mut child = bin()
            .args([
                "poll",
                "--emulate",
                "4",
                "--profile",
                "instant",
                "--every",
                "300ms",
                "--for",
                "1h",
                "--sessions",
                "keep",
                "--stream",
                stream.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        let rx = stderr_lines(&mut child);
        let mut shown = 0;
        let mut seen = Vec::new();
        while shown < after_cycles {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no cycle line in {seen:#?}"));
            shown += usize::from(line.contains(" cycle "));
            seen.push(line);
        }
        std::thread::sleep(extra);
        child.kill().unwrap();
        let status = wait_bounded(child, Duration::from_secs(30));
        assert!(status.code().is_none(), "killed by a signal: {status:?}");
        // Every line it showed, to the end of its stderr (the reader ends at the pipe's
        // end): each was appended before it was shown.
        let shown = shown + rx.iter().filter(|l| l.contains(" cycle ")).count();
        let lines = stream_lines(&stream);
        assert!(
            lines.len() >= shown && lines.len() <= shown + 1,
            "seed {seed}: {} lines, {shown} shown",
            lines.len()
        );
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(l["schema"], "fleetbench.poll-cycle/1");
            assert_eq!(n(&l["cycle"]), i as u64, "seed {seed}: {l}");
            assert_eq!(n(&l["polls"]["due"]), 4, "seed {seed}: {l}");
        }
    }
}

/// SIGINT in the middle of an hour's run: it stops at once (no cycle is waited for), the
/// report and page say what ran and that it was interrupted, exit status 1.
#[test]
fn ctrl_c_writes_the_summary_of_what_ran() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let stream = dir.path().join("cycles.jsonl");
    let mut child = bin()
        .args([
            "poll",
            "--emulate",
            "3",
            "--profile",
            "instant",
            "--every",
            "300ms",
            "--for",
            "1h",
            "--sessions",
            "keep,renew",
            "--json",
            json.to_str().unwrap(),
            "--stream",
            stream.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    let mut cycles = 0;
    for line in lines.by_ref() {
        cycles += usize::from(line.contains(" cycle "));
        if cycles == 2 {
            break;
        }
    }
    assert_eq!(cycles, 2, "the run ended before its second cycle");
    super::signals::sigint(&child);
    // Drain stderr so the child never blocks on a full pipe.
    let drained = std::thread::spawn(move || lines.collect::<Vec<_>>());
    let status = wait_bounded(child, Duration::from_secs(60));
    let rest = drained.join().unwrap();
    assert_eq!(status.code(), Some(1), "{rest:#?}");
    let r = report(&json);
    assert_eq!(r["interrupted"], true);
    let runs = r["steady"]["runs"].as_array().unwrap();
    // Stopped during keep: renew never started.
    assert_eq!(runs.len(), 1, "{r}");
    let keep = &runs[0];
    assert_eq!(keep["interrupted"], true);
    let written = stream_lines(&stream).len() as u64;
    assert!(n(&keep["cycles"]) >= 2, "{keep}");
    assert_eq!(n(&keep["cycles"]), written, "{keep}");
}

/// What `poll` cannot do is refused before any work, exit 2, saying why.
#[test]
fn keep_on_worker_processes_and_bad_schedules_are_usage_errors() {
    let base = ["poll", "--emulate", "2"];
    for (extra, says) in [
        (
            &[
                "--strategy",
                "processes",
                "--sessions",
                "keep",
                "--every",
                "1s",
                "--for",
                "1s",
            ][..],
            "the same worker every time",
        ),
        (
            &["--sessions", "keep,keep", "--every", "1s", "--for", "1s"][..],
            "at most once",
        ),
        (&["--every", "1ms", "--for", "1s"][..], "at least 10 ms"),
        (&["--for", "0", "--every", "1s"][..], "above 0"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let out = fleetbench(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{extra:?}: {}", out.stderr);
    }
}

/// An emulated fleet served by this test, and its inventory on disk: to fleetbench, a real
/// fleet. The devices record every session: they count the logins.
fn real_fleet(n: usize, dir: &Path) -> (fleetbench_emulator::EmulatedFleet, String, String) {
    use fleetbench_emulator::{FleetSpec, Profile};
    crate::common::real_fleet(FleetSpec::new(n, Profile::by_name("instant").unwrap()), dir)
}

/// A real inventory: the logins are said, and above --confirm-above refused without a
/// terminal before any session (renew logs in at every poll: 10 cycles x 4 devices); kept
/// sessions log in once per device, which the devices' own record confirms, and the sessions
/// they hold are counted from the kernel's table.
#[test]
fn a_real_inventory_is_asked_for_by_its_logins_and_keep_logs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let (f, inv, kh) = real_fleet(4, dir.path());
    let json = dir.path().join("keep.json");
    let poll = |sessions: &str| {
        fleetbench(&[
            "poll",
            "--inventory",
            &inv,
            "--known-hosts",
            &kh,
            "--every",
            "200ms",
            "--for",
            "2s",
            "--sessions",
            sessions,
            "--confirm-above",
            "30",
            "--json",
            json.to_str().unwrap(),
        ])
    };
    let out = poll("renew");
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("up to 40 logins in all (10 polls of 4 devices)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("add --yes"), "{}", out.stderr);
    assert!(f.take_sessions().is_empty(), "polled before the answer");

    let out = poll("keep");
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("up to 4 logins in all (1 poll of 4 devices)"),
        "{}",
        out.stderr
    );
    assert_eq!(f.take_sessions().len(), 4, "one session per device");
    let r = report(&json);
    let keep = run_of(&r, "keep");
    assert_eq!(n(&keep["polls"]["ok"]), 40, "{keep}");
    assert_eq!(keep["device_sessions"]["source"], "kernel", "{keep}");
    assert!(n(&keep["device_sessions"]["max"]) >= 4, "{keep}");
    assert!(
        keep["server"].is_null(),
        "no emulator side for a real fleet"
    );
}
