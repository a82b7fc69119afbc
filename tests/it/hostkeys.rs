//! Emulated fleets and host-key checking: `emulate --write-inventory` writes the fleet's keys
//! beside the inventory, `compare --inventory` checks them strictly and records nothing in
//! the user's known_hosts, so two emulated fleets that overlap on ports (or one restarted at
//! another base port) never trip the default policy.

use crate::cli::{bin, run_bounded, wait_bounded};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

/// `n` consecutive loopback ports that are free now.
fn free_block(n: u16) -> u16 {
    let start = 20_000 + (std::process::id() % 97) as u16 * 53;
    (start..40_000)
        .step_by(101)
        .find(|&b| (b..b + n).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()))
        .expect("a block of free loopback ports")
}

/// `emulate --devices n --base-port base --write-inventory inv`, returned once ready.
fn emulate(home: &Path, n: u16, base: u16, inv: &Path) -> Child {
    let mut child = bin()
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .args([
            "emulate",
            "--profile",
            "instant",
            "--devices",
            &n.to_string(),
        ])
        .args(["--base-port", &base.to_string(), "--write-inventory"])
        .arg(inv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + LIMIT;
    while !inv.exists() {
        assert!(Instant::now() < until, "the fleet never became ready");
        assert!(child.try_wait().unwrap().is_none(), "emulate exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn stop(child: Child) {
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(wait_bounded(child, LIMIT).success());
}

/// `compare --inventory inv` with the default host-key policy; the report's device kinds.
fn poll(home: &Path, inv: &Path, json: &Path) -> Vec<Option<String>> {
    let out = run_bounded(
        bin()
            .env("HOME", home)
            .env_remove("XDG_CONFIG_HOME")
            .args([
                "compare",
                "--strategies",
                "async",
                "--runs",
                "1",
                "--inventory",
            ])
            .arg(inv)
            .arg("--json")
            .arg(json),
        LIMIT,
    );
    assert!(
        out.stderr.contains("checked strictly"),
        "the inventory's known_hosts was not used: {}",
        out.stderr
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    r["strategies"][0]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error"]["kind"].as_str().map(str::to_string))
        .collect()
}

/// The scenario: a fleet at one base port, polled; then a smaller fleet at another
/// base port that overlaps it (its R1 sits where the first fleet's R6 was), polled under the
/// default policy: not one `host_key_changed`, and the user's known_hosts files untouched.
#[test]
fn overlapping_emulated_fleets_do_not_trip_host_key_checking() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let base = free_block(20);
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    let first = emulate(&home, 20, base, &a);
    let keys: PathBuf = dir.path().join("a.known_hosts");
    let text = std::fs::read_to_string(&keys).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("[127.0.0.1]:"))
            .count(),
        20,
        "{text}"
    );
    // The netmiko inventory itself stays loadable by ConnectHandler(**device): no new key.
    let inv = std::fs::read_to_string(&a).unwrap();
    assert!(!inv.contains("known_hosts"), "{inv}");
    let kinds = poll(&home, &a, &dir.path().join("a.json"));
    assert!(kinds.iter().all(Option::is_none), "{kinds:?}");
    stop(first);
    assert!(!keys.exists(), "emulate left its known_hosts file behind");

    let second = emulate(&home, 10, base + 5, &b);
    let kinds = poll(&home, &b, &dir.path().join("b.json"));
    stop(second);
    assert_eq!(kinds.len(), 10);
    assert!(
        kinds.iter().all(Option::is_none),
        "the second fleet's devices failed: {kinds:?}"
    );
    for f in [".ssh/known_hosts", ".config/fleetbench/known_hosts"] {
        assert!(!home.join(f).exists(), "{f} was written");
    }
}

/// `--host-keys insecure` checks no key: the line about the inventory's known_hosts, which
/// says "checked strictly", is not printed, and every device is polled.
#[test]
fn insecure_does_not_claim_a_strict_check() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let inv = dir.path().join("f.yaml");
    let fleet = emulate(&home, 3, free_block(3), &inv);
    let out = run_bounded(
        bin()
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .args(["run", "--strategy", "async", "--host-keys", "insecure"])
            .arg("--inventory")
            .arg(&inv),
        LIMIT,
    );
    stop(fleet);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("checked strictly"), "{}", out.stderr);
}
