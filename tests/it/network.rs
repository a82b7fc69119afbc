//! The link emulator end to end: phases in whole round trips, loss seen by TCP and in the
//! tail, two RTT classes in one fleet, the CLI's `network` report, and the relay fallback.
//!
//! The library tests set up namespaces from a test thread, which needs root (an unprivileged
//! process must do it before any thread starts: the CLI tests cover that path). Each test
//! moves only its own thread (and what it starts) into the client namespace; the namespaces
//! vanish with the network and fleet it drops.

use crate::cli::{fleetbench, report};
use crate::common;
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_netem::{Method, NetworkSpec, TunNetwork};
use fleetbench_report::DeviceResult;
use fleetbench_report::StrategyKind;
use fleetbench_report::network::{SESSION_ROUND_TRIPS, session_round_trips};
use std::time::Duration;

/// A fleet of `n` `instant` devices behind `spec`; the calling thread enters the client
/// namespace. Returns each device's RTT too.
fn fleet_behind(spec: &str, n: usize, seed: u64) -> (TunNetwork, EmulatedFleet, Vec<Duration>) {
    let net = TunNetwork::start(&NetworkSpec::parse(spec).unwrap(), n, seed).unwrap();
    let mut fs = FleetSpec::new(n, Profile::instant());
    fs.addresses = net.device_addresses();
    fs.seed = seed;
    let fleet = net
        .in_devices(move || EmulatedFleet::start(fs))
        .unwrap()
        .unwrap();
    net.enter_client().unwrap();
    let rtts = net.links.iter().map(|(_, l)| l.rtt).collect();
    (net, fleet, rtts)
}

/// Runs `f` on a thread of its own (it enters a namespace for good) and returns its result.
fn isolated<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().unwrap()
}

fn poll(kind: StrategyKind, fleet: &EmulatedFleet) -> Vec<DeviceResult> {
    let mut job = common::job(fleet, &["show clock"]);
    job.timeout = Some(Duration::from_secs(10));
    let out = common::run(kind, &fleet.devices(), &job, None);
    for r in &out.results {
        assert!(r.ok, "{}: {:?}", r.name, r.error);
    }
    out.results
}

/// With 100 ms of RTT each phase takes the whole number of round trips in docs/src/networks.md: measured
/// as the difference from a device of the same fleet with no added delay (which takes out
/// the CPU time of both ends, large in a debug build).
#[test]
fn phases_take_whole_round_trips_at_100ms() {
    isolated(|| {
        let (_net, fleet, rtts) = fleet_behind("rtt=100ms@50%;local", 2, 1);
        let far = rtts.iter().position(|r| !r.is_zero()).unwrap();
        let near = 1 - far;
        // The first sessions pay one-off costs; then the fastest of three sessions per phase,
        // so that a busy machine's scheduling hiccups (tens of ms) drop out.
        poll(StrategyKind::Sequential, &fleet);
        let runs: Vec<_> = (0..3)
            .map(|_| poll(StrategyKind::Sequential, &fleet))
            .collect();
        let fastest = |device: usize, phase| {
            runs.iter()
                .map(|r| r[device].phase_secs(phase))
                .fold(f64::MAX, f64::min)
        };
        let r = &runs[2];
        let mut total = 0;
        for &(phase, expected) in SESSION_ROUND_TRIPS {
            let rounds = (fastest(far, phase) - fastest(near, phase)) / 0.1;
            assert!(
                (rounds - f64::from(expected)).abs() < 0.35,
                "{phase:?}: {rounds:.2} round trips, expected {expected}"
            );
            total += rounds.round() as u32;
        }
        assert_eq!(total, session_round_trips(1, Method::Tun));
        // The kernel's own view of the path agrees.
        let tcp = r[far].tcp.unwrap();
        assert!(tcp.min_rtt_s >= 0.1 && tcp.min_rtt_s < 0.13, "{tcp:?}");
        assert!(r[near].tcp.unwrap().min_rtt_s < 0.05);
    });
}

/// 5% loss each way: TCP retransmits (TCP_INFO says so), and the slowest lossy session is
/// at least the minimum RTO (200 ms) slower than the slowest clean one of the same fleet.
/// (At 100 ms of RTT the tail-loss probe waits longer than a loaded debug build takes to
/// answer, so clean links see no spurious retransmission.)
#[test]
fn loss_shows_as_retransmissions_and_a_longer_tail() {
    isolated(|| {
        let (net, fleet, _) = fleet_behind("rtt=100ms,loss=5%@75%;rtt=100ms", 8, 3);
        let lossy: Vec<bool> = net.links.iter().map(|(_, l)| l.loss > 0.0).collect();
        let r = poll(StrategyKind::Threads, &fleet);
        let (mut retrans, mut tail) = ([0u64; 2], [0f64; 2]);
        for (d, &l) in r.iter().zip(&lossy) {
            let k = usize::from(l);
            retrans[k] += u64::from(d.tcp.unwrap().retransmits);
            tail[k] = tail[k].max(d.total_secs());
        }
        assert_eq!(retrans[0], 0, "no retransmission without loss");
        assert!(retrans[1] > 0, "lossy links make TCP retransmit");
        assert!(
            tail[1] >= tail[0] + 0.2,
            "lossy tail {:.3} s vs clean {:.3} s",
            tail[1],
            tail[0]
        );
        assert!(net.traffic().lost > 0);
    });
}

/// One fleet, two RTT classes: each device's session takes its own class's round trips.
#[test]
fn two_rtt_classes_show_in_per_device_latencies() {
    isolated(|| {
        let (_net, fleet, rtts) = fleet_behind("rtt=30ms@50%;rtt=150ms", 6, 5);
        let r = poll(StrategyKind::Async, &fleet);
        let floor = f64::from(session_round_trips(1, Method::Tun));
        let (mut near, mut far) = (Vec::new(), Vec::new());
        for (d, rtt) in r.iter().zip(&rtts) {
            let rtt = rtt.as_secs_f64();
            assert!(
                d.total_secs() >= floor * rtt,
                "{}: {:.3} s",
                d.name,
                d.total_secs()
            );
            if rtt < 0.1 { &mut near } else { &mut far }.push(d.total_secs());
        }
        assert_eq!((near.len(), far.len()), (3, 3));
        let slowest_near = near.iter().cloned().fold(0.0, f64::max);
        let fastest_far = far.iter().cloned().fold(f64::MAX, f64::min);
        // 13 round trips of 120 ms more, with room for a loaded machine.
        assert!(
            fastest_far - slowest_near > 0.8 * floor * 0.12,
            "near up to {slowest_near:.3} s, far from {fastest_far:.3} s"
        );
    });
}

/// The CLI as an unprivileged user would run it (a fresh process sets up its namespaces
/// before any thread): every strategy's sessions, worker processes included, go through the
/// link, and the report's `network` object says so.
#[test]
fn compare_with_network_reports_round_trips_per_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = fleetbench(&[
        "compare",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--network",
        "transpacific",
        "--strategies",
        "threads,processes",
        "--runs",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("network transpacific via tun"),
        "{}",
        out.stdout
    );
    let r = report(&json);
    let n = &r["network"];
    assert_eq!(n["method"], "tun");
    assert_eq!(n["session_round_trips"], 13);
    assert!((n["lower_bound_s"].as_f64().unwrap() - 13.0 * 0.175).abs() < 1e-9);
    assert_eq!(n["biases"].as_array().unwrap().len(), 0);
    for s in n["strategies"].as_array().unwrap() {
        let total = s["total_round_trips"].as_f64().unwrap();
        assert!((12.6..14.5).contains(&total), "{s}");
        let fastest = s["fastest_round_trips"].as_f64().unwrap();
        assert!((12.6..=total).contains(&fastest), "{s}");
        // A session is a few dozen packets each way, all through the link.
        let per = &s["per_session"];
        assert!(per["packets_up"].as_f64().unwrap() >= 15.0, "{s}");
        assert!(per["bytes_down"].as_f64().unwrap() >= 1000.0, "{s}");
    }
    for d in r["strategies"][1]["devices"].as_array().unwrap() {
        assert!(d["host"].as_str().unwrap().starts_with("198.18."), "{d}");
        assert!(d["tcp"]["min_rtt_s"].as_f64().unwrap() >= 0.175, "{d}");
    }
}

/// The relay fallback: the fleet is reached through 127.0.0.1, the handshake is not delayed,
/// the rest is, and the report states the biases. Bad specs are exit 2 with a reason.
#[test]
fn relay_fallback_and_bad_networks() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = fleetbench(&[
        "run",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--network",
        "rtt=100ms",
        "--network-method",
        "relay",
        "--strategy",
        "threads",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    let r = report(&json);
    let n = &r["network"];
    assert_eq!(n["method"], "relay");
    assert!(
        n["biases"][0]
            .as_str()
            .unwrap()
            .contains("handshake is not delayed")
    );
    let s = &n["strategies"][0];
    assert!(s["round_trips"]["connect"].as_f64().unwrap() < 0.3, "{s}");
    assert!(s["round_trips"]["command"].as_f64().unwrap() >= 0.95, "{s}");
    assert!(s.get("traffic").is_none(), "the relay sees no packets");
    // No connect round trip through the relay: 12, and the bound is 12 RTTs, which every
    // session must take at least.
    assert_eq!(n["session_round_trips"], 12);
    let bound = n["lower_bound_s"].as_f64().unwrap();
    assert!((bound - 1.2).abs() < 1e-9, "{bound}");
    for d in r["strategies"][0]["devices"].as_array().unwrap() {
        assert_eq!(d["host"], "127.0.0.1");
        assert_eq!(d["ok"], true, "{d}");
        let secs = d["ended_unix"].as_f64().unwrap() - d["started_unix"].as_f64().unwrap();
        assert!(
            secs >= bound,
            "a session of {secs} s beat the bound {bound} s"
        );
    }
    for (args, needle) in [
        (
            vec!["compare", "--network", "lunar"],
            "invalid value 'lunar' for '--network <NAME|SPEC>': unknown network 'lunar'",
        ),
        (
            vec!["compare", "--network", "campus@70%;transpacific@40%"],
            "shares add up to 110%, more than 100%",
        ),
        (
            vec![
                "run",
                "--strategy",
                "threads",
                "--inventory",
                "x.yaml",
                "--network",
                "campus",
            ],
            "--network emulates the link to an emulated fleet",
        ),
        (
            vec!["emulate", "--devices", "1", "--", "true"],
            "it needs --network",
        ),
    ] {
        let out = fleetbench(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
}

/// `emulate --network ... -- CMD` runs CMD inside the client namespace: here fleetbench itself
/// polls the fleet from the inventory the emulator wrote, at 198.18.0.x port 22.
#[test]
fn emulate_runs_a_command_inside_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("devices.yaml");
    let inv = inv.to_str().unwrap();
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    let out = fleetbench(&[
        "emulate",
        "--devices",
        "2",
        "--profile",
        "instant",
        "--network",
        "campus",
        "--write-inventory",
        inv,
        "--",
        exe,
        "run",
        "--strategy",
        "threads",
        "--inventory",
        inv,
        "--host-keys",
        "insecure",
    ]);
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("R1 198.18.0.1:22"), "{}", out.stdout);
    assert!(out.stdout.contains("R2 (198.18.0.2:22):"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 devices: 2 ok, 0 failed"),
        "{}",
        out.stdout
    );
}

/// As an unprivileged user (here `nobody`, when the tests run as root) the CLI moves into a
/// user namespace of its own and works, or, where /dev/net/tun is closed to other users,
/// says exactly that and what to do.
#[test]
fn unprivileged_user_gets_its_own_namespaces() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: a plain getter.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(env!("CARGO_BIN_EXE_fleetbench"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_fleetbench"))
    };
    cmd.args([
        "compare",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--network",
        "campus",
        "--strategies",
        "threads",
        "--runs",
        "1",
    ])
    .current_dir(std::env::temp_dir())
    .env("HOME", std::env::temp_dir());
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let tun_open = std::fs::metadata("/dev/net/tun")
        .map(|m| m.permissions().mode() & 0o006 == 0o006)
        .unwrap_or(false);
    if tun_open {
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.contains("network campus via tun"), "{stdout}");
    } else {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot open /dev/net/tun"), "{stderr}");
        assert!(stderr.contains("--network-method relay"), "{stderr}");
    }
}

/// Where user namespaces are refused (here: a user namespace whose `max_user_namespaces` is 0,
/// the limit a container sets), an unprivileged `--network` run stops with exit 2, saying why
/// and what to do, and the fallback it names, `--network-method relay`, works there. Needs
/// root to build that place (mapping the users into it); as another user it has nothing to test.
#[test]
fn refused_namespaces_say_why_and_the_relay_still_works() {
    use std::io::Write as _;
    use std::time::Instant;
    // SAFETY: a plain getter.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let run = |method: &str| {
        // In a user namespace of its own (with its own /proc, so that its limits can be
        // written), the shell waits for the test to map users and groups, then starts again
        // as the namespace's root (a program started before the map has no capabilities),
        // forbids further user namespaces, and runs fleetbench as `nobody`.
        let inner = format!(
            "echo 0 > /proc/sys/user/max_user_namespaces || exit 90; \
             exec setpriv --reuid=65534 --regid=65534 --clear-groups -- {} run --emulate 2 \
             --profile instant --network rtt=20ms --network-method {method} --strategy threads",
            env!("CARGO_BIN_EXE_fleetbench")
        );
        let script = format!(
            "i=0; while [ \"$(id -u):$(id -g)\" != 0:0 ] && [ $i -lt 1000 ]; do sleep 0.01; \
             i=$((i+1)); done; exec sh -c '{inner}'"
        );
        let child = std::process::Command::new("unshare")
            .args(["--user", "--pid", "--fork", "--mount", "--mount-proc", "--"])
            .args(["sh", "-c", &script])
            .current_dir(std::env::temp_dir())
            .env("HOME", std::env::temp_dir())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // `unshare` enters the new user namespace before it forks the shell; until then the
        // map cannot be written.
        let deadline = Instant::now() + Duration::from_secs(5);
        let map = |file: &str| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(format!("/proc/{}/{file}", child.id()))
                .and_then(|mut f| f.write_all(b"0 0 65536\n"))
        };
        while map("gid_map").is_err() {
            assert!(
                Instant::now() < deadline,
                "cannot map the namespace's users"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        map("uid_map").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, stderr) = run("tun");
    assert_eq!(code, Some(2), "{stderr}");
    for needle in [
        "cannot create a user namespace",
        "refuses unprivileged user namespaces",
        "user.max_user_namespaces",
        "--network-method relay (biased: the TCP handshake is not delayed",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let (code, stdout, stderr) = run("relay");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("2 devices: 2 ok, 0 failed"), "{stdout}");
}

/// `sweep --networks`: one report per network, the CSV row per network x strategy with its
/// round trips against the lower bound, and the plot of wall time against RTT naming each
/// network.
#[test]
fn sweep_over_networks_draws_wall_time_against_rtt() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = fleetbench(&[
        "sweep",
        // Names go comma-separated; a custom spec (its own commas) goes in a flag of its own.
        "--networks",
        "local",
        "--networks",
        "rtt=40ms",
        "--sizes",
        "2",
        "--strategies",
        "sequential,async",
        "--profile",
        "instant",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--progress",
        "off",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", o.stderr);
    let csv = std::fs::read_to_string(out.join("networks.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 4, "{csv}");
    let far: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1] == "40.0").collect();
    assert_eq!(far.len(), 2, "{csv}");
    for r in far {
        // wall_median_s, round_trips, lower_bound_s
        let (wall, rounds, bound): (f64, f64, f64) = (
            r[5].parse().unwrap(),
            r[11].parse().unwrap(),
            r[12].parse().unwrap(),
        );
        assert!((bound - 0.52).abs() < 1e-9, "{r:?}");
        assert!(wall >= bound, "{r:?}");
        // About 13-14 on a quiet machine; a loaded one (the whole suite on 2 cores) adds
        // CPU time on top (over 16 once in a full-suite run). A link that delayed each packet twice would give ~26.
        assert!((12.6..20.0).contains(&rounds), "{r:?}");
    }
    let seq_far = rows
        .iter()
        .find(|r| r[1] == "40.0" && r[3] == "sequential")
        .unwrap();
    assert!(
        seq_far[5].parse::<f64>().unwrap() >= 2.0 * 0.52,
        "{seq_far:?}"
    );
    assert!(out.join("report-local-n2.json").exists());
    let svg = std::fs::read_to_string(out.join("wall-vs-rtt-n2.svg")).unwrap();
    for label in [
        "local 0 ms",
        "rtt=40ms 40 ms",
        "2 x 13 x RTT",
        "async",
        "sequential",
    ] {
        assert!(svg.contains(label), "{label}");
    }
}
