//! What a person sees, end to end: the `HOST KEY CHANGED` advice, and the emulator's
//! `--write-inventory` file meaning "ready" and nothing else.

use crate::cli::{bin, fleetbench, wait_bounded};
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

/// `emulate --write-inventory`: a stale file is gone before the fleet is ready, a failed
/// bind leaves no file, and the fleet's own file goes when it stops.
#[test]
fn emulate_inventory_file_means_ready_and_only_that() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("fleet.yaml");
    let inv_s = inv.to_str().unwrap().to_string();

    // A failed bind: the port is taken. The stale file from "an earlier run" must go.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    std::fs::write(&inv, "stale: true\n").unwrap();
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
    std::fs::write(&inv, "stale: true\n").unwrap();
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
    // Inline plots: the wall time and one timeline per strategy.
    assert_eq!(html.matches("<svg").count(), 6);
}
