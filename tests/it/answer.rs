//! The answer after a comparison, end to end: a newcomer's first inventory says on the
//! terminal alone what went wrong and what to do; a row that polled nothing shows `-` and
//! moves no other row's figures; every error kind has its advice, and the guide an entry
//! that starts with it.

use crate::cli::{bin, run_bounded};
use crate::common::closed_port;
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_report::Report;
use std::path::Path;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(180);

fn repo(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// `tests/fixtures/newcomer.yaml`: a device that works, one on a closed port, one with a
/// wrong password and one with none, and no ssh-agent. One run; the terminal names each
/// problem, its devices and its fix, and still compares the strategies on what answered.
#[test]
fn a_newcomers_run_says_what_went_wrong_and_what_to_do() {
    let f = EmulatedFleet::start(FleetSpec::new(3, Profile::instant())).unwrap();
    let d = f.devices();
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("devices.yaml");
    let yaml = repo("tests/fixtures/newcomer.yaml")
        .replace("@GOOD@", &d[0].port.to_string())
        .replace("@CLOSED@", &closed_port().to_string())
        .replace("@TYPO@", &d[1].port.to_string())
        .replace("@NOPASS@", &d[2].port.to_string());
    std::fs::write(&inv, yaml).unwrap();
    let out = run_bounded(
        bin()
            .env("HOME", dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("SSH_AUTH_SOCK")
            .args(["compare", "--runs", "2", "--strategies", "sequential,async"])
            .arg("--inventory")
            .arg(&inv),
        LIMIT,
    );
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{stdout}");
    // At load, before any connection: the device with nothing to log in with, and the fix.
    assert!(
        stderr.contains("1 device has no password, no key file and no usable ssh-agent"),
        "{stderr}"
    );
    assert!(
        stderr.contains("edge-nopass") && stderr.contains("--ask-password"),
        "{stderr}"
    );
    // After the tables: the comparison of what answered (either way: both wait out the
    // same rejected login, so which is faster is not this test's to say), then each failure
    // and its fix.
    assert!(
        stdout.contains("async ran") && stdout.contains("times faster than sequential")
            || stdout.contains("sequential ran") && stdout.contains("times faster than async"),
        "{stdout}"
    );
    for (kind, device, fix) in [
        ("refused", "edge-closed", "Check the device's host and port"),
        (
            "auth_rejected",
            "edge-typo",
            "Check `username:` and `password:`",
        ),
        ("no_credentials", "edge-nopass", "--ask-password"),
    ] {
        let block: String = stdout
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(&format!("{kind}:")))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(block.contains(device), "{kind}: {stdout}");
        assert!(block.contains(fix), "{kind}: {stdout}");
        assert!(
            block.contains(&format!("docs/src/troubleshooting.md#{kind}")),
            "{kind}: {stdout}"
        );
    }
    // The device with no password was never contacted.
    assert!(stdout.contains("not contacted"), "{stdout}");
}

/// The issue's `sleeper`: an external row that ran `sleep 0.3` and polled nothing shows `-`
/// for its speed-up and bounds, the terminal says why, and async's bounds are what they are
/// without the row.
#[test]
fn a_row_that_polled_nothing_shows_dashes_and_moves_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = run_bounded(
        bin()
            .args([
                "compare",
                "--emulate",
                "10",
                "--profile",
                "lan",
                "--runs",
                "2",
            ])
            .args([
                "--strategies",
                "sequential,async",
                "--external",
                "sleeper=sleep 0.3",
            ])
            .arg("--json")
            .arg(&json),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let sleeper = r
        .strategies
        .iter()
        .find(|s| s.strategy.name() == "sleeper")
        .unwrap();
    assert_eq!((sleeper.speedup, sleeper.efficiency), (None, None));
    let mut without = r.clone();
    without
        .strategies
        .retain(|s| s.strategy.name() != "sleeper");
    without.compute_speedups();
    let (a, b) = (
        without.strategies[1].efficiency.unwrap(),
        r.strategies[1].efficiency.unwrap(),
    );
    // The same up to the last digit JSON keeps.
    let same = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(1.0);
    assert!(
        same(a.cpu_bound_s, b.cpu_bound_s) && same(a.cpu_bound, b.cpu_bound),
        "async's bounds moved: {a:?} without the row, {b:?} with it"
    );
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("sleeper "))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    // `speedup` is the cell before `ok/fail` (`0/10`); `ideal` and `cpu-bd` the last two.
    let ok_fail = cells.iter().position(|c| *c == "0/10").unwrap();
    assert_eq!(
        cells[ok_fail - 1],
        "-",
        "a speed-up for a row that polled nothing: {row}"
    );
    assert_eq!(&cells[cells.len() - 2..], ["-", "-"], "{row}");
    assert!(
        out.stdout
            .contains("sleeper: not comparable: every device failed in run 1 (not_contacted)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("sleeper")
            && out
                .stderr
                .contains("every device failed in run 1 (not_contacted)"),
        "{}",
        out.stderr
    );
}

/// Every kind of `fleetbench_report::kind` has one advice row, and the guide's "What to do,
/// by kind" has a `### kind` entry for it whose text starts with that row's words: the
/// verdict's one line and its link say the same thing as the page they point to.
#[test]
fn every_kind_has_advice_and_the_guide_entry_the_verdict_links_to() {
    let source = repo("crates/report/src/error.rs");
    let kinds: Vec<&str> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| l.split_once("&str = \""))
        .map(|(_, rest)| rest.trim_end_matches("\";"))
        .collect();
    assert!(kinds.len() > 30, "{kinds:?}");
    let guide = repo("docs/src/troubleshooting.md");
    let section = guide
        .split_once("## What to do, by kind")
        .map(|(_, s)| s)
        .expect("the guide's section");
    for kind in kinds {
        let advice = fleetbench_report::advice::advice(kind)
            .unwrap_or_else(|| panic!("{kind}: no row in crates/report/src/advice.rs"));
        let entry = section
            .split_once(&format!("\n### `{kind}`\n"))
            .map(|(_, rest)| rest.trim_start())
            .unwrap_or_else(|| panic!("{kind}: no `### `{kind}`` entry in the guide"));
        let first: String = entry
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            first.starts_with(advice.what),
            "{kind}: the guide's entry does not start with the advice:\n  {}\n  {first}",
            advice.what
        );
    }
}
