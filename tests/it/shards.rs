//! Sharded runs end to end with the built binary: shards in parallel processes, merged, equal
//! to one run of the same fleet; the job engines' environment variables; `emulate --shard`
//! serving the part of the fleet that `run --shard` polls.

use crate::cli::{Out, bin, run_bounded, wait_bounded};
use fleetbench_report::Report;
use fleetbench_report::histo::LatencyHistograms;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
const ENGINE_VARS: [&str; 6] = [
    "JOB_COMPLETION_INDEX",
    "FLEETBENCH_SHARD_COUNT",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
];

/// The binary with no job engine's variables inherited from whoever runs the tests.
fn clean_bin() -> Command {
    let mut c = bin();
    for v in ENGINE_VARS {
        c.env_remove(v);
    }
    c
}

fn read(path: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// name -> output, for the devices of a report's only strategy.
fn outputs(r: &Report) -> Vec<(String, bool, String)> {
    r.strategies[0]
        .devices
        .iter()
        .map(|d| (d.name.clone(), d.ok, d.output()))
        .collect()
}

fn counts(r: &Report) -> BTreeMap<String, u64> {
    let h = LatencyHistograms::decode(&r.strategies[0].histograms).unwrap();
    h.percentiles()
        .into_iter()
        .map(|(k, p)| (k, p.count))
        .collect()
}

/// Four shards of a 24-device fleet, run at once in four processes (one by `--shard`, one by
/// Kubernetes' variables, one by Slurm's, one by `--shard` over Slurm's), merged: the same
/// devices in the same order with the same outputs, and the same histogram counts, as one run.
#[test]
fn four_shards_merged_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let common = [
        "run",
        "--emulate",
        "24",
        "--profile",
        "instant",
        "--strategy",
        "threads",
        "--command",
        "show ip interface brief",
    ];
    let mut children = Vec::new();
    for i in 0..4 {
        let mut c = clean_bin();
        c.args(common).args(["--json", &p(&format!("s{i}.json"))]);
        match i {
            0 => {
                c.args(["--shard", "0/4"]);
            }
            1 => {
                c.env("JOB_COMPLETION_INDEX", "1")
                    .env("FLEETBENCH_SHARD_COUNT", "4");
            }
            2 => {
                // --array=1-4: task 3 is the third shard.
                c.env("SLURM_ARRAY_TASK_ID", "3")
                    .env("SLURM_ARRAY_TASK_MIN", "1")
                    .env("SLURM_ARRAY_TASK_COUNT", "4");
            }
            _ => {
                // The flag wins over the environment.
                c.args(["--shard", "3/4"])
                    .env("SLURM_ARRAY_TASK_ID", "0")
                    .env("SLURM_ARRAY_TASK_COUNT", "4");
            }
        }
        c.stderr(std::fs::File::create(p(&format!("s{i}.err"))).unwrap());
        children.push(c.spawn().unwrap());
    }
    for c in children {
        assert!(wait_bounded(c, LIMIT).success());
    }
    // A shard taken from the environment says so, with the variables and the way out.
    let said = |i: usize| std::fs::read_to_string(p(&format!("s{i}.err"))).unwrap();
    assert!(
        said(0).contains("shard 0/4 (from --shard): 6 of 24 devices"),
        "{}",
        said(0)
    );
    let slurm = said(2);
    assert!(
        slurm.contains("shard 2/4 (from the environment, a Slurm job array")
            && slurm
                .contains("SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=1")
            && slurm.contains("--shard 0/1 polls the whole fleet"),
        "{slurm}"
    );
    assert!(
        said(1).contains("JOB_COMPLETION_INDEX=1 FLEETBENCH_SHARD_COUNT=4"),
        "{}",
        said(1)
    );
    assert!(!said(3).contains("environment"), "{}", said(3));
    let single = p("single.json");
    let out = run_bounded(clean_bin().args(common).args(["--json", &single]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);

    let sources: Vec<String> = (0..4)
        .map(|i| {
            let r = read(&dir.path().join(format!("s{i}.json")));
            let s = r.shard.unwrap();
            assert_eq!((s.index, s.count, s.fleet_devices), (i, 4, 24));
            assert_eq!(r.fleet.devices, 6);
            serde_json::to_string(&s.source).unwrap()
        })
        .collect();
    assert_eq!(
        sources,
        [
            "\"flag\"",
            "\"kubernetes-indexed-job\"",
            "\"slurm-array\"",
            "\"flag\""
        ]
    );

    let merged = p("merged.json");
    let shard_files: Vec<String> = (0..4).rev().map(|i| p(&format!("s{i}.json"))).collect();
    let out: Out = run_bounded(
        clean_bin()
            .arg("merge")
            .args(&shard_files)
            .args(["-o", &merged, "--plots", &p("plots")]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("threads"), "{}", out.stdout);
    assert!(dir.path().join("plots/wall.svg").exists());

    let (m, one) = (read(Path::new(&merged)), read(Path::new(&single)));
    assert_eq!(m.fleet.devices, 24);
    assert_eq!(outputs(&m), outputs(&one), "devices, order, outputs");
    assert!(
        outputs(&m)
            .iter()
            .all(|(_, ok, out)| *ok && out.contains("Interface"))
    );
    assert_eq!(counts(&m), counts(&one), "histogram counts per phase");
    assert_eq!(counts(&m)["total"], 24);
    assert_eq!(m.merged.as_ref().unwrap().shards, 4);

    // The merged report is a report: the gate and the exporters read it.
    let out = run_bounded(
        clean_bin().args(["check", "--baseline", &merged, &merged]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let out = run_bounded(
        clean_bin().args(["export", "--format", "github", &merged]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);

    // A missing shard: exit 2, named.
    let out = run_bounded(
        clean_bin()
            .arg("merge")
            .args(&shard_files[1..])
            .args(["-o", &p("x.json")]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("shard 3 of 4 missing"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("x.json").exists());
}

/// `emulate --shard 1/3` serves only its third of a 12-device fleet but writes the whole
/// fleet's inventory; `run --shard 1/3` over that inventory polls exactly the devices served.
#[test]
fn emulate_shard_serves_what_run_shard_polls() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    // 12 free ports in a row: bind them all, then let go (the emulator binds them next).
    let base = (20_000..40_000)
        .step_by(97)
        .find(|&b: &u16| {
            let held: Vec<_> = (b..b + 12)
                .map_while(|p| std::net::TcpListener::bind(("127.0.0.1", p)).ok())
                .collect();
            held.len() == 12
        })
        .unwrap();
    let mut emu = clean_bin()
        .args(["emulate", "--devices", "12", "--profile", "instant"])
        .args(["--base-port", &base.to_string(), "--shard", "1/3"])
        .arg("--write-inventory")
        .arg(&inv)
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + LIMIT;
    while !inv.exists() {
        assert!(std::time::Instant::now() < deadline, "emulator not ready");
        assert!(emu.try_wait().unwrap().is_none(), "emulator exited");
        std::thread::sleep(Duration::from_millis(20));
    }
    let json = dir.path().join("r.json");
    let out = run_bounded(
        clean_bin()
            .args(["run", "--strategy", "async", "--host-keys", "insecure"])
            .arg("--inventory")
            .arg(&inv)
            .args(["--shard", "1/3", "--json"])
            .arg(&json),
        LIMIT,
    );
    let _ = emu.kill();
    let _ = emu.wait();
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    let r = read(&json);
    assert_eq!(r.strategies[0].ok(), 4);
    assert_eq!(r.shard.as_ref().unwrap().fleet_devices, 12);
    let text = std::fs::read_to_string(&inv).unwrap();
    assert_eq!(
        text.matches("device_type").count(),
        12,
        "whole fleet listed"
    );
}
