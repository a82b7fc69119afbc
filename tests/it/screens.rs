//! What a person sees, end to end: the `HOST KEY CHANGED` advice, and the emulator's
//! `--write-inventory` file meaning "ready" and nothing else.

use crate::cli::{bin, fleetbench, run_bounded, wait_bounded};
use crate::common::fleet;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

/// A changed key names the known_hosts file and line, and the command it prints really
/// removes the entry: after running it, accept-new records the new key and the poll works.
#[test]
fn host_key_changed_says_where_and_how_to_fix_it() {
    let f = fleet(1, "instant");
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("devices.yaml");
    std::fs::write(&inv, f.inventory_yaml()).unwrap();
    let kh = dir.path().join("known_hosts");
    let port = f.devices()[0].port;
    // Line 2 holds a key the device does not have.
    std::fs::write(
        &kh,
        format!(
            "# lab routers\n[127.0.0.1]:{port} ssh-ed25519 \
             AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
        ),
    )
    .unwrap();
    let (inv_s, kh_s) = (inv.to_str().unwrap(), kh.to_str().unwrap());
    let poll = |policy: &str| {
        fleetbench(&[
            "run",
            "--strategy",
            "sequential",
            "--inventory",
            inv_s,
            "--known-hosts",
            kh_s,
            "--host-keys",
            policy,
        ])
    };
    let out = poll("accept-new");
    assert_eq!(out.status.code(), Some(1), "{}{}", out.stdout, out.stderr);
    let fix = format!("ssh-keygen -R '[127.0.0.1]:{port}' -f {kh_s}");
    assert!(out.stdout.contains("HOST KEY CHANGED"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("The old key is in {kh_s}, line 2;")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(&fix), "{}", out.stdout);
    // Do what it says.
    let keygen = Command::new("ssh-keygen")
        .args(["-R", &format!("[127.0.0.1]:{port}"), "-f", kh_s])
        .output();
    let Ok(keygen) = keygen else {
        eprintln!("ssh-keygen not installed: the printed command is checked as text only");
        return;
    };
    assert!(keygen.status.success(), "{keygen:?}");
    let out = poll("accept-new");
    assert_eq!(out.status.code(), Some(0), "{}{}", out.stdout, out.stderr);
}

fn port_block_free(base: u16, n: u16) -> bool {
    (base..base + n).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok())
}

/// What an earlier fleetbench run left: its first line says fleetbench wrote it.
const STALE: &str = "# Written by fleetbench: replaced or removed by the next fleetbench run that writes it\nstale: true\n";

/// `emulate --write-inventory`: a stale file (an earlier run's, marked as fleetbench's) is
/// gone before the fleet is ready, a failed bind leaves no file, and the fleet's own file
/// goes when it stops.
#[test]
fn emulate_inventory_file_means_ready_and_only_that() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("fleet.yaml");
    let inv_s = inv.to_str().unwrap().to_string();

    // A failed bind: the port is taken. The stale file from "an earlier run" must go.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    std::fs::write(&inv, STALE).unwrap();
    let out = fleetbench(&[
        "emulate",
        "--devices",
        "1",
        "--base-port",
        &port,
        "--write-inventory",
        &inv_s,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        !inv.exists(),
        "a failed bind left the inventory file behind"
    );
    drop(taken);

    // A good run: ready means the new file; stopping removes it.
    let base = (20000u16..30000)
        .step_by(97)
        .find(|&b| port_block_free(b, 2))
        .expect("two free loopback ports");
    std::fs::write(&inv, STALE).unwrap();
    let mut child = bin()
        .args([
            "emulate",
            "--devices",
            "2",
            "--base-port",
            &base.to_string(),
            "--write-inventory",
            &inv_s,
        ])
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let t = std::fs::read_to_string(&inv).unwrap_or_default();
        if t.contains("routers:") {
            break t;
        }
        assert!(Instant::now() < until, "the fleet never became ready");
        assert!(child.try_wait().unwrap().is_none(), "emulate exited early");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!text.contains("stale"));
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = wait_bounded(child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert!(!inv.exists(), "emulate left its inventory file behind");
}

/// On a pipe: one line per finished run (no live line, no escape codes), the honest
/// per-strategy lines, and `--html` writes a page that names every strategy.
#[test]
fn piped_compare_prints_a_line_per_run_and_writes_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("run.html");
    let out = fleetbench(&[
        "compare",
        "--emulate",
        "3",
        "--profile",
        "instant",
        "--runs",
        "2",
        "--warmup",
        "1",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}'),
        "escape codes on a pipe: {}",
        out.stderr
    );
    for k in ["sequential", "threads", "processes", "async", "rayon"] {
        let runs: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| {
                l.starts_with(&format!("fleetbench: {k:<10} ")) && l.contains(" 1/1: ")
                    || l.starts_with(&format!("fleetbench: {k:<10} run "))
            })
            .collect();
        assert_eq!(runs.len(), 3, "{k}: warm-up + 2 runs: {}", out.stderr);
        assert!(runs[0].contains("warm-up 1/1: 3 devices in "), "{runs:?}");
        assert!(runs[2].contains("run 2/2: 3 devices in "), "{runs:?}");
        assert!(runs[2].ends_with(", 3 ok, 0 failed"), "{runs:?}");
    }
    assert!(
        out.stderr.contains("3 devices (emulated, profile instant)"),
        "{}",
        out.stderr
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for k in ["sequential", "threads", "processes", "async", "rayon"] {
        assert!(
            html.contains(&format!("</span>{k}</td>")),
            "{k} not in the table"
        );
    }
    // Inline plots: the wall time, the latency distribution and one timeline per strategy.
    assert_eq!(html.matches("<svg").count(), 7);
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// `sweep` twice with the default folder: the second picks a new folder and the first is
/// left byte for byte; an `--out` that holds files is refused unless `--force`; every
/// folder has its page.
#[test]
fn sweep_never_writes_over_earlier_results() {
    let cwd = tempfile::tempdir().unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "--sizes",
            "2",
            "--strategies",
            "threads,async",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--profile",
            "instant",
        ];
        args.extend_from_slice(extra);
        run_bounded(
            bin().args(&args).current_dir(cwd.path()),
            Duration::from_secs(120),
        )
    };
    let first = sweep(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", first.stderr);
    let results = cwd.path().join("results");
    let dirs = |r: &std::path::Path| {
        let mut d: Vec<_> = std::fs::read_dir(r)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        d.sort();
        d
    };
    let one = dirs(&results);
    assert_eq!(one.len(), 1);
    let before = snapshot(&one[0]);
    assert!(one[0].join("index.html").exists());
    let second = sweep(&[]);
    assert_eq!(second.status.code(), Some(0), "{}", second.stderr);
    let two = dirs(&results);
    assert_eq!(two.len(), 2, "{two:?}");
    let new = two.iter().find(|d| **d != one[0]).unwrap();
    assert!(new.display().to_string().ends_with("-2"), "{new:?}");
    assert!(
        second.stderr.contains(&format!(
            "sweep into {}",
            new.strip_prefix(cwd.path()).unwrap().display()
        )),
        "{}",
        second.stderr
    );
    assert_eq!(snapshot(&one[0]), before, "the first sweep's files changed");

    // An explicit --out that holds files: refused (exit 2) and untouched, unless --force.
    let out = one[0].to_str().unwrap();
    let refused = sweep(&["--out", out]);
    assert_eq!(refused.status.code(), Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(snapshot(&one[0]), before);
    let forced = sweep(&["--out", out, "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", forced.stderr);
}

/// Named things are checked with a suggestion, and a fault aimed past the fleet is an error
/// rather than silently nothing.
#[test]
fn misspelled_names_and_impossible_faults_are_usage_errors() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["compare", "--strategies", "sequentail"],
            "a similar value exists: 'sequential'",
        ),
        (
            &["compare", "--profile", "clasic"],
            "did you mean 'classic'?",
        ),
        (
            &["compare", "--emulate", "3", "--profile", "fault=hang@R99"],
            "a fault targets R99, but the fleet has 3 devices (R1..R3)",
        ),
        (
            &[
                "emulate",
                "--devices",
                "1",
                "--profile",
                "lan,fault=refuse@R2",
            ],
            "a fault targets R2, but the fleet has 1 device (R1..R1)",
        ),
    ];
    for (args, expect) in cases {
        let out = fleetbench(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expect), "{args:?}: {}", out.stderr);
    }
}
