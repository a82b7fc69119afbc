//! The floor end to end: `fleetbench floor` prints and writes it, every report of a run
//! carries it with each strategy's multiples, and it can be left out.

use crate::cli::{bin, fleetbench, report, run_bounded};
use std::time::Duration;

#[test]
fn the_floor_command_prints_both_sides_and_writes_the_reports_floor_object() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("floor.json");
    let out = fleetbench(&[
        "floor",
        "--iterations",
        "3",
        "--rounds",
        "2",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    for s in [
        "OpenSSL",
        "ed25519 verify",
        "ed25519 sign",
        "17 writes",
        "floor per session: client",
    ] {
        assert!(out.stdout.contains(s), "{s}: {}", out.stdout);
    }
    // The JSON is the model's `Floor`, as in a report's `machine.floor`.
    let f: fleetbench_report::floor::Floor =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!((f.iterations, f.rounds), (3, 2));
    assert!(f.client_s().unwrap() > 0.0 && f.emulator_s().unwrap() > 0.0);

    // One part alone (for callgrind): the others absent.
    let out = fleetbench(&[
        "floor",
        "--iterations",
        "1",
        "--rounds",
        "1",
        "--part",
        "exchange",
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stdout.contains("OpenSSL") && out.stdout.contains("client side"));
    // Numbers it cannot use are usage errors.
    for bad in [["--iterations", "0"], ["--rounds", "1001"]] {
        let out = fleetbench(&["floor", bad[0], bad[1]]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn a_report_carries_the_floor_and_each_strategys_multiples_or_leaves_them_out_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let args = [
        "compare",
        "--emulate",
        "3",
        "--profile",
        "instant",
        "--strategies",
        "sequential,async",
        "--runs",
        "1",
        "--json",
        json.to_str().unwrap(),
    ];
    let out = fleetbench(&args);
    assert!(out.status.success(), "{}", out.stderr);
    let r = report(&json);
    assert!(
        r["machine"]["floor"]["client_crypto"]["ed25519_verify"]["median"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    for s in r["strategies"].as_array().unwrap() {
        let m = &s["floor_multiple"];
        // In-process fleet: both sides' CPU is known.
        assert!(m["client"].as_f64().unwrap() > 0.0, "{m}");
        assert!(m["emulator"].as_f64().unwrap() > 0.0, "{m}");
    }
    assert!(out.stdout.contains("cpu / floor"), "{}", out.stdout);

    let out = run_bounded(
        bin().args(args).env("FLEETBENCH_FLOOR_ITERATIONS", "0"),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", out.stderr);
    let r = report(&json);
    assert!(r["machine"].get("floor").is_none(), "{}", r["machine"]);
    assert!(r["strategies"][0].get("floor_multiple").is_none());
    assert!(!out.stdout.contains("cpu / floor"));
}
