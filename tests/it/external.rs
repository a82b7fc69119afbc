//! External pollers and the devices' record: fleetbench's own `run` as the external command
//! (no Python needed), a hanging poller, a poller that leaves a process behind, the results
//! contract, and the client's and devices' views of the built-in strategies' sessions.

use crate::common::*;
use fleetbench::external::{
    self, DeviceView, ExternalOptions, ExternalSpec, NoDeviceView, Workspace,
};
use fleetbench_emulator::{EmulatedFleet, End, FleetSpec, Profile};
use fleetbench_report::StrategyKind;
use std::time::Duration;

fn recording_fleet(n: usize, profile: &str) -> EmulatedFleet {
    let mut spec = FleetSpec::new(n, Profile::by_name(profile).unwrap());
    spec.seed = 7;
    spec.record = true;
    EmulatedFleet::start(spec).unwrap()
}

fn opts(deadline: Duration) -> ExternalOptions {
    ExternalOptions {
        runs: 1,
        warmup: 0,
        deadline,
        cwd: None,
        stop: fleetbench_client::stop::Stop::new(),
        workers: 4,
    }
}

/// Processes whose command line holds `marker`.
pub(crate) fn running_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker) && !c.contains("sh -c"))
        .collect()
}

#[test]
fn fleetbench_run_as_an_external_poller_gets_a_row_from_the_devices_side() {
    let f = recording_fleet(4, "lan");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    let spec = ExternalSpec::parse(&format!(
        "self-threads={exe} run --strategy threads --inventory {{inventory}} --host-keys insecure"
    ))
    .unwrap();
    let sr =
        external::measure(&spec, &devices, &j, &ws, &opts(Duration::from_secs(60)), &f).unwrap();
    assert_eq!(sr.strategy.name(), "self-threads");
    let ext = sr.external.as_ref().unwrap();
    assert_eq!(ext.device_view, "devices");
    assert_eq!(ext.run_errors, vec![None]);
    assert_eq!(ext.exit_codes, vec![Some(0)]);
    assert_eq!((sr.ok(), sr.failed()), (4, 0), "{:?}", sr.devices);
    assert!(sr.cpu_s.median > 0.0, "the tree's CPU is measured");
    assert!(sr.peak_rss_bytes > 1 << 20, "{}", sr.peak_rss_bytes);
    // The same per-phase percentiles as a built-in strategy's.
    for phase in ["handshake", "prompt", "command", "total"] {
        assert!(
            sr.latency_s.contains_key(phase),
            "{phase}: {:?}",
            sr.latency_s.keys()
        );
    }
    for d in &sr.devices {
        assert!(d.worker.starts_with("client 127.0.0.1:"), "{}", d.worker);
        assert!(d.ended_unix > d.started_unix);
    }
    // The inventories the poller read hold the password; they live 0600 in a 0700 folder.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(ws.path()), 0o700);
    assert_eq!(mode(&ws.netmiko), 0o600);
    assert_eq!(mode(&ws.ansible), 0o600);
}

#[test]
fn a_hanging_poller_is_ended_with_everything_it_started() {
    let f = recording_fleet(2, "instant");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    // A grandchild in the background, the main process waiting on it: both must go.
    let spec = ExternalSpec::parse("hangs=sh -c 'sleep 417.25 & sleep 417.25; wait'").unwrap();
    let t0 = std::time::Instant::now();
    let sr = external::measure(
        &spec,
        &devices,
        &j,
        &ws,
        &opts(Duration::from_millis(800)),
        &f,
    )
    .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    let ext = sr.external.as_ref().unwrap();
    let err = ext.run_errors[0].as_ref().unwrap();
    assert_eq!(err.kind, "poller_timeout");
    assert_eq!(sr.failed(), 2);
    assert_eq!(sr.devices[0].error.as_ref().unwrap().kind, "poller_timeout");
    assert_eq!(running_with("417.25"), Vec::<String>::new());
}

#[test]
fn a_poller_that_leaves_a_process_behind_is_reported_and_the_process_ended() {
    let ws = Workspace::new(&[], false, &Default::default()).unwrap();
    let j = fleetbench_client::job::Job::new(vec!["show clock".into()], Default::default());
    // setsid: the leftover leaves the poller's process group; the subreaper still finds it.
    // (The short sleep lets the leftover exec before the poller exits, so its command line
    // is known; it is found and ended either way.)
    let spec =
        ExternalSpec::parse("leaky=sh -c 'setsid sleep 418.5 >/dev/null 2>&1 & sleep 0.3; exit 0'")
            .unwrap();
    let sr = external::measure(
        &spec,
        &[],
        &j,
        &ws,
        &opts(Duration::from_secs(20)),
        &NoDeviceView,
    )
    .unwrap();
    let err = sr.external.as_ref().unwrap().run_errors[0].clone().unwrap();
    assert_eq!(err.kind, "poller_left_processes", "{}", err.message);
    assert!(err.message.contains("sleep 418.5"), "{}", err.message);
    assert_eq!(running_with("418.5"), Vec::<String>::new());

    // A crash is its own kind, with the end of its stderr.
    let spec = ExternalSpec::parse("crashes=sh -c 'echo boom >&2; kill -SEGV $$'").unwrap();
    let sr = external::measure(
        &spec,
        &[],
        &j,
        &ws,
        &opts(Duration::from_secs(20)),
        &NoDeviceView,
    )
    .unwrap();
    let err = sr.external.as_ref().unwrap().run_errors[0].clone().unwrap();
    assert_eq!(err.kind, "poller_crashed");
    assert!(
        err.message.contains("signal 11") && err.message.contains("boom"),
        "{}",
        err.message
    );
}

#[test]
fn the_results_contract_gives_ok_failed_and_outputs_without_a_device_record() {
    let f = fleet(3, "instant");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    let (p0, p1) = (devices[0].port, devices[1].port);
    let script = format!(
        "printf '%s\\n' '{{\"host\": \"127.0.0.1\", \"port\": {p0}, \"ok\": true, \"output\": \"12:00 UTC\", \"error\": null}}' \
         '{{\"host\": \"127.0.0.1\", \"port\": {p1}, \"ok\": false, \"error\": \"auth failed\"}}' > \"$1\""
    );
    let spec = ExternalSpec {
        name: "contract".into(),
        command: "sh -c SCRIPT".into(),
        argv: vec![
            "sh".into(),
            "-c".into(),
            script,
            "sh".into(),
            "{results}".into(),
        ],
    };
    let sr = external::measure(
        &spec,
        &devices,
        &j,
        &ws,
        &opts(Duration::from_secs(20)),
        &NoDeviceView,
    )
    .unwrap();
    assert_eq!(sr.external.as_ref().unwrap().device_view, "results");
    assert!(sr.devices[0].ok);
    assert_eq!(sr.devices[0].output(), "12:00 UTC");
    assert_eq!(sr.devices[1].error.as_ref().unwrap().message, "auth failed");
    assert_eq!(sr.devices[2].error.as_ref().unwrap().kind, "not_reported");
}

/// The devices' record and the client's results of the same sessions, for all five
/// strategies: the same verdict for every device, the device accepting after the client
/// started, and the same command time within a generous ratio (a 200 ms command; the
/// measured median gap is 1-10 ms, see docs/src/measurements/2026-11-22-vm-device-view.md).
#[test]
fn client_and_device_views_agree_for_every_builtin_strategy() {
    let f = recording_fleet(6, "login=50ms,command=200ms");
    let mut devices = f.devices();
    devices[4].port = closed_port();
    let j = job(&f, &["show clock"]);
    for kind in StrategyKind::ALL {
        f.begin();
        let out = run(kind, &devices, &j, Some(3));
        let records = f.sessions(0.0).unwrap();
        assert_eq!(records.len(), 5, "{kind}: one session per reachable device");
        assert!(
            records
                .iter()
                .all(|r| r.end == End::Exit && r.client.starts_with("127.0.0.1:"))
        );
        let seen = external::devside::results(&devices, &records, &j.commands);
        let a = fleetbench_report::device_view::agreement(&out.results, &seen);
        assert_eq!(a.ok_mismatches, 0, "{kind}: {a:?}");
        assert_eq!(seen[4].error.as_ref().unwrap().kind, "not_contacted");
        assert!(a.accept_after_start_s.min >= 0.0, "{kind}: {a:?}");
        // The median device within 25%; the worst within 2x (a busy 2-core machine can
        // hold a client thread for tens of ms between reading the answer and noting it).
        let r = a.command_ratio;
        assert!(
            r.min >= 0.95 && r.median <= 1.25 && r.max <= 2.0,
            "{kind}: {a:?}"
        );
    }
}

#[test]
fn external_specs_are_checked_before_anything_runs() {
    let e = |s: &str| ExternalSpec::parse(s).unwrap_err().to_string();
    assert!(e("no-equals-sign").contains("NAME=COMMAND"));
    assert!(e("threads=python3 x.py").contains("built-in"));
    assert!(e("x=python3 'unclosed").contains("unbalanced"));
    assert!(e("x=python3 poll.py {inventroy}").contains("unknown placeholder {inventroy}"));
    let s =
        ExternalSpec::parse("nornir=python3 'my poller.py' --inv {nornir} -c {command}").unwrap();
    assert_eq!(
        s.argv,
        [
            "python3",
            "my poller.py",
            "--inv",
            "{nornir}",
            "-c",
            "{command}"
        ]
    );
}

/// Behind `--network`, an external poller runs inside the client namespace like the built-in
/// strategies: it reaches the devices at 198.18.0.x port 22 through the link (the devices
/// see it come from the client's address there), and its row and the device view are built
/// from the networked fleet's record.
#[test]
fn an_external_poller_runs_inside_the_emulated_network() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    let poller = format!(
        "own-run={exe} run --strategy threads --inventory {{inventory}} --host-keys insecure"
    );
    let out = crate::cli::fleetbench(&[
        "compare",
        "--emulate",
        "3",
        "--profile",
        "instant",
        "--network",
        "campus",
        "--strategies",
        "threads",
        "--runs",
        "1",
        "--device-view",
        "--external",
        &poller,
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    let r = crate::cli::report(&json);
    let ext = &r["strategies"][1];
    assert_eq!(ext["strategy"], "own-run");
    assert_eq!(ext["external"]["device_view"], "devices");
    assert_eq!(ext["runs"][0]["ok"], 3, "{ext}");
    for d in ext["devices"].as_array().unwrap() {
        assert!(d["host"].as_str().unwrap().starts_with("198.18.0."), "{d}");
        assert_eq!(d["port"], 22);
        let client = d["worker"].as_str().unwrap();
        let want = format!("client {}:", fleetbench_netem::CLIENT_ADDR);
        assert!(client.starts_with(&want), "{d}");
    }
    let view = &r["strategies"][0]["device_view"];
    assert_eq!(view["devices"], 3, "{view}");
    assert_eq!(view["ok_mismatches"], 0, "{view}");
}

/// The CLI as a user runs it: a poller that hangs (with a child of its own) is ended at
/// `--external-timeout`, the row says why, the next poller still runs, and no process of
/// the hung one is left.
#[test]
fn compare_ends_a_hanging_poller_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    let good = format!(
        "own-run={exe} run --strategy threads --inventory {{inventory}} --host-keys insecure"
    );
    let out = crate::cli::fleetbench(&[
        "compare",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--strategies",
        "sequential",
        "--runs",
        "1",
        "--external-timeout",
        "1",
        "--external",
        "hangs=sh -c 'sleep 419.75 & sleep 419.75; wait'",
        "--external",
        &good,
        "--json",
        json.to_str().unwrap(),
    ]);
    // A failed run is a failed device: exit 1, not a crash.
    assert_eq!(out.status.code(), Some(1), "{}\n{}", out.stdout, out.stderr);
    // Its run's line and its strategy line say why, as a strategy's would.
    assert!(
        out.stderr
            .contains("FAILED [poller_timeout] the poller was still running")
            && out.stderr.contains("hangs      median 1.0")
            && out
                .stderr
                .contains("run 1 failed as a whole (poller_timeout)"),
        "{}",
        out.stderr
    );
    let r = crate::cli::report(&json);
    let hung = &r["strategies"][1];
    assert_eq!(hung["external"]["run_errors"][0]["kind"], "poller_timeout");
    assert_eq!(hung["runs"][0]["failed"], 2);
    assert!(hung["speedup"].is_null(), "{hung}");
    assert_eq!(r["strategies"][2]["runs"][0]["ok"], 2);
    assert_eq!(running_with("419.75"), Vec::<String>::new());
}

/// A fleet served by another process: `emulate --record` appends each session's record, and
/// `compare --inventory --device-record` builds the external row from it (the devices' side,
/// not the poller's word).
#[test]
fn a_record_file_from_another_emulator_gives_the_devices_side() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, rec, json) = (
        dir.path().join("devices.yaml"),
        dir.path().join("sessions.jsonl"),
        dir.path().join("r.json"),
    );
    // One device on a port the kernel just handed out (and took back).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut emulator = crate::cli::bin()
        .args(["emulate", "--devices", "1", "--profile", "instant"])
        .args(["--base-port", &port, "--write-inventory"])
        .arg(&inv)
        .arg("--record")
        .arg(&rec)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while !inv.exists() && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    let poller = format!(
        "own-run={exe} run --strategy sequential --inventory {{inventory}} --host-keys insecure"
    );
    let out = crate::cli::fleetbench(&[
        "compare",
        "--inventory",
        inv.to_str().unwrap(),
        "--host-keys",
        "insecure",
        "--strategies",
        "sequential",
        "--runs",
        "2",
        "--device-record",
        rec.to_str().unwrap(),
        "--external",
        &poller,
        "--json",
        json.to_str().unwrap(),
    ]);
    // SIGTERM to the emulator this test started (it stops cleanly on it).
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &emulator.id().to_string()])
        .status();
    let _ = emulator.wait();
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    let r = crate::cli::report(&json);
    let row = &r["strategies"][1];
    assert_eq!(row["external"]["device_view"], "devices", "{row}");
    for run in row["runs"].as_array().unwrap() {
        assert_eq!(run["ok"], 1, "{row}");
    }
    let d = &row["devices"][0];
    assert!(
        d["worker"]
            .as_str()
            .unwrap()
            .starts_with("client 127.0.0.1:")
    );
    assert!(d["phases"].as_array().unwrap().len() >= 5, "{d}");
    // Every session of the fleet, the built-in one's too, is in the file, with no secret.
    let text = std::fs::read_to_string(&rec).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(!text.contains("cisco"), "{text}");
}

/// Zombie children of this process whose command name is `comm`.
fn zombies_named(comm: &str) -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|st| {
            let Some(open) = st.find('(') else {
                return false;
            };
            let Some(close) = st.rfind(')') else {
                return false;
            };
            let mut rest = st[close + 2..].split_whitespace();
            &st[open + 1..close] == comm
                && rest.next() == Some("Z")
                && rest.next() == Some(me.as_str())
        })
        .count()
}

/// A poller that double-forks: its grandchildren are re-parented to fleetbench (the
/// subreaper) and exit there. They were left as zombies (their environment, which told them
/// apart, is gone once they exit); every child the subreaper inherits is reaped now.
#[test]
fn a_double_forking_poller_leaves_no_zombie() {
    let dir = tempfile::tempdir().unwrap();
    // A program with a name of its own, so its zombies are told apart from other tests'.
    let prog = dir.path().join("fb27zombie");
    std::fs::copy("/bin/sleep", &prog).unwrap();
    let p = prog.display().to_string();
    let ws = Workspace::new(&[], false, &Default::default()).unwrap();
    let j = fleetbench_client::job::Job::new(vec!["show clock".into()], Default::default());
    // One grandchild in a session of its own (a daemon's setsid), one in the poller's group;
    // both exit long before the poller does.
    let spec = ExternalSpec::parse(&format!(
        "forks=sh -c '(setsid {p} 0.05 &); ({p} 0.05 &); sleep 0.6'"
    ))
    .unwrap();
    let sr = external::measure(
        &spec,
        &[],
        &j,
        &ws,
        &opts(Duration::from_secs(30)),
        &NoDeviceView,
    )
    .unwrap();
    assert_eq!(sr.external.as_ref().unwrap().run_errors, vec![None]);
    assert_eq!(zombies_named("fb27zombie"), 0);
}

/// A poller's stderr was read whole into memory (2 GB of `head -c 2G /dev/zero >&2` → 2.1 GB
/// peak) and both streams went to files under $TMPDIR without bound. They are drained
/// through pipes now, the last 64 KiB kept, and the message says how much came before.
#[test]
fn a_pollers_output_is_captured_bounded_keeping_the_tail() {
    let ws = Workspace::new(&[], false, &Default::default()).unwrap();
    let j = fleetbench_client::job::Job::new(vec!["show clock".into()], Default::default());
    let spec = ExternalSpec::parse(
        "noisy=sh -c 'head -c 8388608 /dev/zero | tr \"\\000\" x >&2; head -c 4194304 /dev/zero; echo THE-END >&2; exit 3'",
    )
    .unwrap();
    let sr = external::measure(
        &spec,
        &[],
        &j,
        &ws,
        &opts(Duration::from_secs(60)),
        &NoDeviceView,
    )
    .unwrap();
    let err = sr.external.as_ref().unwrap().run_errors[0].clone().unwrap();
    assert_eq!(err.kind, "poller_failed");
    assert!(err.message.contains("THE-END"), "{}", err.message);
    assert!(
        err.message.contains("of 8388616 bytes"),
        "{}",
        &err.message[..200]
    );
    assert!(err.message.len() < 1000);
    // Nothing of it was written to the private folder.
    for e in std::fs::read_dir(ws.path()).unwrap() {
        let md = e.unwrap().metadata().unwrap();
        assert!(md.len() < 1 << 20, "{md:?}");
    }
}

/// One 300 MB `output` line was accepted whole, with no `--max-output` cap. Outputs past the
/// cap fail their device with `output_too_large` (a line too long to parse included, found
/// by its head), the others keep theirs.
#[test]
fn results_past_max_output_fail_their_device() {
    let f = fleet(3, "instant");
    let devices = f.devices();
    let mut j = job(&f, &["show clock"]);
    j.max_output = Some(64 * 1024);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    let (p0, p1, p2) = (devices[0].port, devices[1].port, devices[2].port);
    // Device 0: 100 KiB (past the cap, a parseable line); device 1: 3 MiB (a line past twice
    // the cap plus its slack: only its head is read); device 2: fine.
    let script = format!(
        "{{ printf '{{\"host\": \"127.0.0.1\", \"port\": {p0}, \"ok\": true, \"output\": \"'; \
           head -c 102400 /dev/zero | tr '\\000' a; printf '\"}}\\n'; \
           printf '{{\"host\": \"127.0.0.1\", \"port\": {p1}, \"ok\": true, \"output\": \"'; \
           head -c 3145728 /dev/zero | tr '\\000' b; printf '\"}}\\n'; \
           printf '{{\"host\": \"127.0.0.1\", \"port\": {p2}, \"ok\": true, \"output\": \"fine\"}}\\n'; }} > \"$1\""
    );
    let spec = ExternalSpec {
        name: "big".into(),
        command: "sh -c SCRIPT".into(),
        argv: vec![
            "sh".into(),
            "-c".into(),
            script,
            "sh".into(),
            "{results}".into(),
        ],
    };
    let sr = external::measure(
        &spec,
        &devices,
        &j,
        &ws,
        &opts(Duration::from_secs(60)),
        &NoDeviceView,
    )
    .unwrap();
    for d in &sr.devices[..2] {
        let e = d.error.as_ref().unwrap();
        assert_eq!(e.kind, "output_too_large", "{}", e.message);
        assert!(e.message.contains("64 KiB"), "{}", e.message);
        assert!(d.outputs.is_empty());
    }
    assert!(sr.devices[2].ok);
    assert_eq!(sr.devices[2].output(), "fine");
}

/// A poller whose program went missing after the compare checked it: a failed row, not an
/// error that loses the report.
#[test]
fn a_poller_that_cannot_start_is_a_failed_row() {
    let f = fleet(2, "instant");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    let spec = ExternalSpec::parse("gone=/nonexistent/fb27/poller {inventory}").unwrap();
    let sr = external::measure(
        &spec,
        &devices,
        &j,
        &ws,
        &opts(Duration::from_secs(20)),
        &NoDeviceView,
    )
    .unwrap();
    let err = sr.external.as_ref().unwrap().run_errors[0].clone().unwrap();
    assert_eq!(err.kind, "poller_not_started", "{}", err.message);
    assert_eq!(sr.failed(), 2);
    assert!(
        sr.devices
            .iter()
            .all(|d| d.error.as_ref().unwrap().kind == "poller_not_started")
    );
}

/// `{results}` and `--device-record` given as FIFOs blocked forever: `--external-timeout`
/// did not fire, the first SIGTERM was ignored. They are refused at once now (the devices
/// then have nothing said about them: `not_reported`).
#[test]
fn fifos_as_results_or_device_record_do_not_block() {
    let f = fleet(2, "instant");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let ws = Workspace::new(&devices, true, &Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.fifo");
    let c = std::ffi::CString::new(record.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let spec = ExternalSpec::parse("fifo=sh -c 'mkfifo \"$1\"' sh {results}").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let view = external::RecordFile(record);
        let sr = external::measure(
            &spec,
            &devices,
            &j,
            &ws,
            &opts(Duration::from_secs(20)),
            &view,
        );
        let _ = tx.send(sr.map(|sr| {
            sr.devices
                .iter()
                .map(|d| d.error.as_ref().map(|e| e.kind.clone()))
                .collect::<Vec<_>>()
        }));
    });
    let kinds = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a FIFO blocked the poller's row")
        .unwrap();
    assert_eq!(kinds, vec![Some("not_reported".to_string()); 2]);
    drop(f);
}
