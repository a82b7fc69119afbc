//! The built binary, end to end: exit statuses, error messages for bad input, the JSON report
//! under a chaotic fleet, Ctrl-C, and secrets kept out of every output.

use crate::signals::{children_of, wait_for_line};
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub(crate) fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fleetbench"));
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// What a finished command printed.
pub(crate) struct Out {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Waits for `child` to exit, killing it (and failing the test) past `limit`: a command that
/// hangs must not hang the test suite.
pub(crate) fn wait_bounded(mut child: Child, limit: Duration) -> ExitStatus {
    let until = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fleetbench did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn read_all(r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(r).read_to_string(&mut s);
        s
    })
}

/// The child's stderr, a line at a time, over a channel; read to the pipe's end whether or
/// not the lines are still wanted, so the child never blocks on a full pipe.
pub(crate) fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

pub(crate) fn run_bounded(cmd: &mut Command, limit: Duration) -> Out {
    let mut child = cmd.spawn().unwrap();
    let out = read_all(child.stdout.take().unwrap());
    let err = read_all(child.stderr.take().unwrap());
    let status = wait_bounded(child, limit);
    Out {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

pub(crate) fn fleetbench(args: &[&str]) -> Out {
    run_bounded(bin().args(args), Duration::from_secs(120))
}

pub(crate) fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

// -------------------------------------------------------------------------------------------
// Bad input

/// Every malformed value or file: exit status 2, and this exact first line on stderr.
#[test]
fn bad_input_is_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let missing = dir.path().join("missing.yaml").display().to_string();
    let not_yaml = file("not-yaml.yaml", "routers: [\n");
    let misspelled = file(
        "misspelled.yaml",
        "routers:\n  - host: 127.0.0.1\n    usernme: cisco\n",
    );
    let no_host = file("no-host.yaml", "routers:\n  - username: cisco\n");
    let bad_port = file(
        "bad-port.yaml",
        "- host: 127.0.0.1\n  username: u\n  port: 70000\n",
    );
    let unset_env = file(
        "unset-env.yaml",
        "- host: 127.0.0.1\n  username: u\n  password: ${FLEETBENCH_TEST_UNSET_VAR}\n",
    );
    let empty = file("empty.yaml", "");
    let cases: Vec<(Vec<&str>, String)> =
        vec![
        (
            vec!["run", "--strategy", "threads", "--workers", "0"],
            "error: invalid value '0' for '--workers <W>': expected a whole number of at least 1"
                .into(),
        ),
        (
            vec!["compare", "--workers", "-3"],
            "error: invalid value '-3' for '--workers <W>': expected a whole number of at least 1"
                .into(),
        ),
        (
            vec!["run", "--strategy", "bogus"],
            "error: invalid value 'bogus' for '--strategy <NAME>'".into(),
        ),
        (
            vec!["run"],
            "error: the following required arguments were not provided:".into(),
        ),
        (
            vec!["compare", "--strategies", "threads,bogus"],
            "error: invalid value 'bogus' for '--strategies <LIST>'".into(),
        ),
        (
            vec!["compare", "--strategies", "threads,,async"],
            "error: a value is required for '--strategies <LIST>' but none was supplied".into(),
        ),
        (
            vec!["compare", "--runs", "0"],
            "error: invalid value '0' for '--runs <RUNS>': expected a whole number of at least 1"
                .into(),
        ),
        (
            vec!["compare", "--warmup", "-1"],
            "error: invalid value '-1' for '--warmup <WARMUP>': expected a whole number (0, 1, \
             2, ...)"
                .into(),
        ),
        (
            vec!["compare", "--timeout", "-1"],
            "error: invalid value '-1' for '--timeout <SECS>': expected a number of seconds \
             above 0 and at most 86400 (like 0.5 or 10)"
                .into(),
        ),
        (
            vec!["compare", "--timeout", "0"],
            "error: invalid value '0' for '--timeout <SECS>': expected a number of seconds above \
             0 and at most 86400 (like 0.5 or 10)"
                .into(),
        ),
        (
            // Past a Duration's range: once a panic, now a usage error.
            vec!["compare", "--timeout", "1e300"],
            "error: invalid value '1e300' for '--timeout <SECS>': expected a number of seconds \
             above 0 and at most 86400 (like 0.5 or 10)"
                .into(),
        ),
        (
            vec!["compare", "--timeout", "soon"],
            "error: invalid value 'soon' for '--timeout <SECS>': expected a number of seconds \
             above 0 and at most 86400 (like 0.5 or 10)"
                .into(),
        ),
        (
            vec!["compare", "--emulate", "0"],
            "error: invalid value '0' for '--emulate <N>': expected a whole number of at least 1"
                .into(),
        ),
        (
            vec!["compare", "--emulate", "3", "--inventory", &missing],
            "error: the argument '--emulate <N>' cannot be used with '--inventory <FILE>'".into(),
        ),
        (
            vec!["compare", "--inventory", &missing],
            format!(
                "fleetbench: error: cannot read inventory file {missing}: No such file or \
                 directory (os error 2)"
            ),
        ),
        (
            vec!["run", "--strategy", "async", "--inventory", &not_yaml],
            format!(
                "fleetbench: error: {not_yaml}:2:1: not valid YAML: while parsing a node, did not \
                 find expected node content"
            ),
        ),
        (
            vec!["compare", "--inventory", &misspelled],
            format!(
                "fleetbench: error: {misspelled}:3:5: device 1 (127.0.0.1) in group 'routers': \
                 unknown key 'usernme'; did you mean 'username'?"
            ),
        ),
        (
            vec!["compare", "--inventory", &no_host],
            format!(
                "fleetbench: error: {no_host}:2:5: device 1 in group 'routers': missing 'host' \
                 (or 'ip')"
            ),
        ),
        (
            vec!["compare", "--inventory", &bad_port],
            format!(
                "fleetbench: error: {bad_port}:3:9: device 1 (127.0.0.1): port must be an integer \
                 1-65535, got 70000"
            ),
        ),
        (
            vec!["compare", "--inventory", &unset_env],
            format!(
                "fleetbench: error: {unset_env}:3:13: device 1 (127.0.0.1): password refers to \
                 environment variable FLEETBENCH_TEST_UNSET_VAR, which is not set"
            ),
        ),
        (
            vec!["compare", "--inventory", &empty],
            format!(
                "fleetbench: error: {empty}: the inventory file is empty; expected a mapping of \
                 group name to a list of devices, or a list of devices"
            ),
        ),
        (
            vec!["compare", "--profile", "nope"],
            "error: invalid value 'nope' for '--profile <NAME>': unknown profile 'nope' (known: classic, \
             instant, lan, latency-1s, chaos, or key=value,...)"
                .into(),
        ),
        (
            vec!["compare", "--profile", "instant,fault=explode"],
            "error: invalid value 'instant,fault=explode' for '--profile <NAME>': unknown fault 'explode' \
             (known: refuse, no-banner, no-prompt, hang, disconnect, slow[:B/s], wrong-password, \
             enable-refused, weird-prompt, fail[:RATE], flood[:SIZE], flood-no-newline, echo-secret, \
             escape-codes)"
                .into(),
        ),
        (
            vec!["compare", "--profile", "instant,fault=hang@R0"],
            "error: invalid value 'instant,fault=hang@R0' for '--profile <NAME>': bad device name 'R0' \
             (expected R1, R2, ...)"
                .into(),
        ),
        (
            vec!["compare", "--profile", "instant,fault=hang@150%"],
            "error: invalid value 'instant,fault=hang@150%' for '--profile <NAME>': '150%' is outside \
             0%..100%"
                .into(),
        ),
        (
            vec!["compare", "--profile", "instant,fault=slow:0"],
            "error: invalid value 'instant,fault=slow:0' for '--profile <NAME>': slow:0: expected bytes \
             per second > 0"
                .into(),
        ),
        (
            vec!["compare", "--profile", "login=fast"],
            "error: invalid value 'login=fast' for '--profile <NAME>': 'fast' is not a duration (like \
             200ms or 1.5s)"
                .into(),
        ),
        (
            vec!["compare", "--host-keys", "lax"],
            "error: invalid value 'lax' for '--host-keys <MODE>'".into(),
        ),
        (
            vec!["compare", "--emulate", "1", "--profile", "instant", "--command", ""],
            "error: invalid value '' for '--command <CMD>': expected a single non-empty line".into(),
        ),
        (
            vec!["emulate", "--devices", "0"],
            "error: invalid value '0' for '--devices <N>': expected a whole number of at least 1"
                .into(),
        ),
        (
            vec!["emulate", "--devices", "5", "--base-port", "65534"],
            "fleetbench: error: ports 65534..=65538 do not fit in 1..=65535".into(),
        ),
        (
            vec!["frobnicate"],
            "error: unrecognized subcommand 'frobnicate'".into(),
        ),
    ];
    for (args, want) in &cases {
        let out = fleetbench(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        let first = out.stderr.lines().next().unwrap_or_default();
        assert_eq!(first, want, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", out.stdout);
    }
}

// -------------------------------------------------------------------------------------------
// A chaotic fleet

/// `compare --emulate 30 --profile chaos`: exit status 1 (some devices fail), and for every
/// strategy one typed result per device in the report.
#[test]
fn chaos_compare_ends_with_one_typed_result_per_device() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("chaos.json");
    let out = fleetbench(&[
        "compare",
        "--emulate",
        "30",
        "--profile",
        "chaos",
        "--runs",
        "1",
        "--timeout",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let r = report(&json);
    let strategies = r["strategies"].as_array().unwrap();
    let names: Vec<&str> = strategies
        .iter()
        .map(|s| s["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["sequential", "threads", "processes", "async", "rayon"]
    );
    for s in strategies {
        let name = s["strategy"].as_str().unwrap();
        let devices = s["devices"].as_array().unwrap();
        assert_eq!(devices.len(), 30, "{name}");
        let mut failed = 0;
        for (i, d) in devices.iter().enumerate() {
            assert_eq!(d["name"], format!("R{}", i + 1), "{name}: order");
            if d["ok"].as_bool().unwrap() {
                assert!(d["error"].is_null(), "{name}: {d}");
            } else {
                failed += 1;
                let kind = d["error"]["kind"].as_str().unwrap_or_default();
                assert!(
                    !kind.is_empty() && kind != "worker_died" && kind != "interrupted",
                    "{name}: {d}"
                );
                assert!(!d["error"]["message"].as_str().unwrap().is_empty());
            }
        }
        // About 30% of chaos is faulty; `slow` devices may still answer.
        assert!(failed >= 5, "{name}: only {failed} failed");
        assert_eq!(s["runs"][0]["failed"], failed, "{name}");
    }
}

/// An output that cannot be written is refused before anything runs: exit 2, the path in the
/// message, no fleet started (sessions of 5 s would show), no file left behind.
#[test]
fn unwritable_outputs_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let d = |p: &str| dir.path().join(p).display().to_string();
    let f = file.display().to_string();
    let cases = [
        ("--json", d("no/such/dir/r.json")),
        ("--json", d("")),
        ("--json", format!("{f}/r.json")),
        ("--plots", f.clone()),
        ("--plots", format!("{f}/plots")),
    ];
    for (flag, path) in &cases {
        let t0 = Instant::now();
        let out = fleetbench(&[
            "compare",
            "--emulate",
            "2",
            "--profile",
            "login=5s",
            "--runs",
            "1",
            flag,
            path,
        ]);
        let took = t0.elapsed();
        assert_eq!(out.status.code(), Some(2), "{flag} {path}: {}", out.stderr);
        let first = out.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("fleetbench: error: cannot write "),
            "{flag} {path}: {first}"
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(took < Duration::from_secs(5), "{flag}: {took:?}");
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["a-file"]);
}

// -------------------------------------------------------------------------------------------
// Secrets

const PASSWORD: &str = "Pw-7f3a9d-never-print";
const SECRET: &str = "En-51c2e0-never-print";

/// A fleet with distinctive credentials; R3 rejects the password (an auth error message).
fn secret_fleet() -> EmulatedFleet {
    let mut spec = FleetSpec::new(
        4,
        Profile::by_name("login=400ms,fault=wrong-password@R3").unwrap(),
    );
    spec.password = PASSWORD.into();
    spec.secret = SECRET.into();
    EmulatedFleet::start(spec).unwrap()
}

/// The fleet's inventory with both secrets as `${VAR}` references.
fn env_inventory(f: &EmulatedFleet, dir: &Path) -> String {
    let yaml = f
        .inventory_yaml()
        .replace(&format!("\"{PASSWORD}\""), "${FB_TEST_ROUTER_PASSWORD}")
        .replace(&format!("\"{SECRET}\""), "${FB_TEST_ENABLE_SECRET}");
    assert!(!yaml.contains(PASSWORD) && !yaml.contains(SECRET));
    let p = dir.join("devices.yaml");
    std::fs::write(&p, yaml).unwrap();
    p.display().to_string()
}

fn assert_clean(what: &str, text: &[u8]) {
    let t = String::from_utf8_lossy(text);
    for s in [PASSWORD, SECRET] {
        assert!(!t.contains(s), "secret found in {what}: {t}");
    }
}

/// Passwords from environment variables: they work, and appear in no log line (`--verbose`),
/// report, error message, known_hosts file, nor in a worker process's argv or environment.
#[test]
fn secrets_from_env_reach_devices_and_nothing_else() {
    let f = secret_fleet();
    let dir = tempfile::tempdir().unwrap();
    let inv = env_inventory(&f, dir.path());
    let json = dir.path().join("r.json");
    let kh = dir.path().join("known_hosts");
    let args = [
        "run",
        "--strategy",
        "processes",
        "--workers",
        "2",
        "--inventory",
        &inv,
        "--known-hosts",
        kh.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--verbose",
    ];
    let mut child = bin()
        .args(args)
        .env("FB_TEST_ROUTER_PASSWORD", PASSWORD)
        .env("FB_TEST_ENABLE_SECRET", SECRET)
        .spawn()
        .unwrap();
    let stdout = read_all(child.stdout.take().unwrap());
    let rx = stderr_lines(&mut child);
    let mut seen = Vec::new();
    wait_for_line(&rx, &mut seen, "===>");
    // The workers are mid-session (login takes 400 ms): read what any local user could.
    let workers = children_of(child.id());
    assert!(!workers.is_empty());
    for w in &workers {
        for file in ["cmdline", "environ"] {
            if let Ok(bytes) = std::fs::read(format!("/proc/{w}/{file}")) {
                assert_clean(&format!("worker {w} {file}"), &bytes);
            }
        }
    }
    let status = wait_bounded(child, Duration::from_secs(60));
    seen.extend(rx.iter());
    let stdout = stdout.join().unwrap();
    assert_eq!(status.code(), Some(1), "R3 rejects the password: {seen:#?}");
    let r = std::fs::read(&json).unwrap();
    let parsed: Value = serde_json::from_slice(&r).unwrap();
    let devices = parsed["strategies"][0]["devices"].as_array().unwrap();
    let kinds: Vec<&str> = devices
        .iter()
        .map(|d| d["error"]["kind"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(kinds, ["ok", "ok", "auth_rejected", "ok"]);
    assert_clean("stdout", stdout.as_bytes());
    assert_clean("stderr (--verbose)", seen.join("\n").as_bytes());
    assert_clean("report", &r);
    assert_clean("known_hosts", &std::fs::read(&kh).unwrap());

    // Every other strategy, through compare.
    let json2 = dir.path().join("r2.json");
    let out = run_bounded(
        bin()
            .args([
                "compare",
                "--runs",
                "1",
                "--inventory",
                &inv,
                "--known-hosts",
                kh.to_str().unwrap(),
                "--json",
                json2.to_str().unwrap(),
                "--verbose",
            ])
            .env("FB_TEST_ROUTER_PASSWORD", PASSWORD)
            .env("FB_TEST_ENABLE_SECRET", SECRET),
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_clean("compare stdout", out.stdout.as_bytes());
    assert_clean("compare stderr", out.stderr.as_bytes());
    assert_clean("compare report", &std::fs::read(&json2).unwrap());
}
