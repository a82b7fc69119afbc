//! `fleetbench check` and `fleetbench export` as CI calls them: exit codes and outputs, on
//! constructed reports (no measurement, no timing).

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// A two-strategy report whose wall times are scaled by `k`.
fn report(k: f64, devices: usize) -> Value {
    let strat = |name: &str, walls: [f64; 3], speedup: Option<f64>| {
        let runs: Vec<Value> = walls
            .iter()
            .map(|w| {
                json!({"wall_s": w * k, "ok": devices, "failed": 0, "startup_s": 0.0,
                       "cpu": {"user_s": 0.02, "sys_s": 0.0}, "server_cpu_s": 0.01})
            })
            .collect();
        let mut s = json!({
            "strategy": name, "workers": devices,
            "wall_s": {"min": walls[0] * k, "median": walls[1] * k, "max": walls[2] * k},
            "runs": runs, "devices": [],
            "cpu_s": {"min": 0.02, "median": 0.02, "max": 0.02},
            "threads": devices, "processes": 0
        });
        if let Some(x) = speedup {
            s["speedup"] = json!(x);
        }
        s
    };
    json!({
        "schema": "fleetbench.report/1", "fleetbench_version": "0.1.0", "created_unix": 1.7e9,
        "commands": ["show clock"],
        "fleet": {"devices": devices, "emulated": true, "profile": "lan"},
        "machine": {"hostname": "ci", "cores": 2, "os": "linux", "arch": "x86_64"},
        "strategies": [
            strat("sequential", [3.0, 3.01, 3.02], Some(1.0)),
            strat("threads", [0.160, 0.161, 0.162], Some(3.01 / 0.161)),
        ]
    })
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p.display().to_string()
}

fn fleetbench(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetbench"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn check_exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &report(1.0, 20));
    let same = write(dir.path(), "same.json", &report(1.0, 20));
    let slow = write(dir.path(), "slow.json", &report(2.0, 20));
    let other = write(dir.path(), "other.json", &report(1.0, 21));

    let (code, md) = fleetbench(&["check", "--baseline", &base, &same]);
    assert_eq!(code, 0);
    assert!(md.starts_with("### fleetbench performance gate: ✅ no regression"));

    let (code, md) = fleetbench(&["check", "--baseline", &base, &slow]);
    assert_eq!(code, 1);
    assert!(md.contains("| threads | median wall | 161.00 ms | 322.00 ms | +100.0% |"));

    // A threshold above the change lets it through.
    let (code, _) = fleetbench(&[
        "check",
        "--baseline",
        &base,
        &slow,
        "--threshold",
        "wall=150%",
    ]);
    assert_eq!(code, 0);

    // Bad input: another setup, a bad threshold, a missing or malformed file.
    assert_eq!(fleetbench(&["check", "--baseline", &base, &other]).0, 2);
    assert_eq!(
        fleetbench(&["check", "--baseline", &base, &same, "--threshold", "wal=5%"]).0,
        2
    );
    assert_eq!(
        fleetbench(&["check", "--baseline", "/nonexistent.json", &same]).0,
        2
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{").unwrap();
    assert_eq!(
        fleetbench(&["check", "--baseline", &base, junk.to_str().unwrap()]).0,
        2
    );
    assert_eq!(fleetbench(&["check", &same]).0, 2);
}

#[test]
fn check_and_export_write_both_tracker_formats() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &report(1.0, 20));
    let bmf = dir.path().join("bmf.json");
    let gh = dir.path().join("gh.json");
    let (code, _) = fleetbench(&[
        "check",
        "--baseline",
        &base,
        &base,
        "--export",
        &format!("bencher={}", bmf.display()),
        "--export",
        &format!("github={}", gh.display()),
    ]);
    assert_eq!(code, 0);
    let bmf: Value = serde_json::from_slice(&std::fs::read(&bmf).unwrap()).unwrap();
    assert_eq!(
        bmf["fleetbench/20-devices/lan/threads"]["latency"]["value"],
        json!(161e6)
    );
    let gh_bytes = std::fs::read(&gh).unwrap();
    let (code, stdout) = fleetbench(&["export", "--format", "github", &base]);
    assert_eq!(code, 0);
    assert_eq!(stdout.as_bytes(), gh_bytes.as_slice());
    assert!(
        serde_json::from_slice::<Value>(&gh_bytes)
            .unwrap()
            .is_array()
    );
    assert_eq!(fleetbench(&["export", "--format", "csv", &base]).0, 2);
}

/// The report of `report(1.0, 20)` with an external poller's row `ok` whose runs took
/// `wall` seconds and exited `exit`.
fn with_external(wall: f64, exit: i32) -> Value {
    let mut r = report(1.0, 20);
    let runs: Vec<Value> = (0..3)
        .map(|_| {
            json!({"wall_s": wall, "ok": 20, "failed": 0, "startup_s": 0.0,
                   "cpu": {"user_s": 0.01, "sys_s": 0.0}, "server_cpu_s": 0.0})
        })
        .collect();
    r["strategies"].as_array_mut().unwrap().push(json!({
        "strategy": "ok", "workers": 20,
        "wall_s": {"min": wall, "median": wall, "max": wall},
        "runs": runs, "devices": [],
        "cpu_s": {"min": 0.01, "median": 0.01, "max": 0.01},
        "threads": 0, "processes": 1,
        "external": {"command": "ok {inventory}", "device_view": "devices",
                     "run_errors": [null, null, null], "peak_rss_tree_bytes": 1048576,
                     "peak_processes": 1, "exit_codes": [exit, exit, exit]}
    }));
    r
}

/// The external poller's example: `ok` took 1.8 ms in the baseline and 1 003 ms, exiting 3,
/// in the report. `check` fails with the row in its table; `--rows` gates only what it names.
#[test]
fn check_fails_on_an_external_row_and_rows_selects_what_is_gated() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &with_external(0.0018, 0));
    let slow = write(dir.path(), "slow.json", &with_external(1.003, 3));
    let (code, md) = fleetbench(&["check", "--baseline", &base, &slow]);
    assert_eq!(code, 1, "{md}");
    assert!(
        md.lines()
            .any(|l| l.starts_with("| ok | median wall |") && l.contains("REGRESSION")),
        "{md}"
    );
    assert!(
        md.contains("| ok | runs exiting non-zero | 0 | 3 |"),
        "{md}"
    );
    // The built-in rows alone did not change.
    let (code, md) = fleetbench(&[
        "check",
        "--baseline",
        &base,
        &slow,
        "--rows",
        "sequential,threads",
    ]);
    assert_eq!(code, 0, "{md}");
    assert!(
        md.contains("Left out by `--rows`, not checked: ok."),
        "{md}"
    );
    // A name that is not a row of the baseline: refused, it would gate nothing.
    assert_eq!(
        fleetbench(&["check", "--baseline", &base, &slow, "--rows", "okk"]).0,
        2
    );
    // A report without the external row: the gated row is missing, exit 1.
    let plain = write(dir.path(), "plain.json", &report(1.0, 20));
    let (code, md) = fleetbench(&["check", "--baseline", &base, &plain]);
    assert_eq!(code, 1, "{md}");
    assert!(md.contains("| ok | (the whole row) |"), "{md}");
}
