//! Hostile devices, under every strategy: floods (with and without newlines) end within their
//! deadline without starving the healthy devices of the same fleet, a runaway output ends
//! with `output_too_large`, secrets a device echoes back are masked everywhere, terminal
//! escape codes are kept in the report but never printed raw, and idle connections cannot
//! lock a device out.

use crate::cli::{bin, run_bounded};
use crate::common::*;
use fleetbench_emulator::{ESCAPE_CODES, EmulatedFleet, FleetSpec, Profile};
use fleetbench_report::Phase;
use fleetbench_report::StrategyKind;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The phase deadline of the flood runs.
const TIMEOUT: Duration = Duration::from_secs(1);

/// 14 devices, 4 of them flooding with no newline (R2, R5, R9, R13); the healthy ones take
/// a few hundred ms, so their sessions overlap the floods.
fn mixed_fleet() -> (EmulatedFleet, Vec<bool>) {
    let floods = [2, 5, 9, 13];
    let mut profile = String::from("login=100ms,command=200ms");
    for r in floods {
        profile.push_str(&format!(",fault=flood-no-newline@R{r}"));
    }
    let f = fleet(14, &profile);
    let flooder = (1..=14).map(|i| floods.contains(&i)).collect();
    (f, flooder)
}

/// Done-when of issue 10: the healthy devices all answer, every strategy; each flooder ends
/// in the prompt phase within its deadline plus one read.
#[test]
fn floods_without_newline_end_on_time_and_starve_nobody() {
    let (f, flooder) = mixed_fleet();
    // The flooders' deadline is TIMEOUT; the healthy devices get more, so that a loaded test
    // machine (not a flood) cannot fail them: their sessions still overlap the floods.
    let devices: Vec<_> = f
        .devices()
        .into_iter()
        .zip(&flooder)
        .map(|(mut d, &flood)| {
            d.timeout = if flood { TIMEOUT } else { TIMEOUT * 4 };
            d
        })
        .collect();
    let mut j = job(&f, &["show clock"]);
    j.timeout = None;
    for kind in StrategyKind::ALL {
        for round in 0..1 {
            let out = run(kind, &devices, &j, None);
            for (r, &flood) in out.results.iter().zip(&flooder) {
                if !flood {
                    assert!(r.ok, "{kind} #{round} {}: {:?}", r.name, r.error);
                    continue;
                }
                let e = r.error.as_ref().unwrap();
                assert!(
                    ["prompt_not_seen", "output_too_large"].contains(&e.kind.as_str()),
                    "{kind} {}: {e:?}",
                    r.name
                );
                assert_eq!(e.phase, Some(Phase::Prompt), "{kind} {}", r.name);
                // Within the deadline plus one read: a generous ratio, not an absolute time
                // (2x, so a loaded test machine cannot fail it; before the fix floods ran to 4.4x).
                let prompt = r.phase_secs(Phase::Prompt);
                assert!(
                    prompt < TIMEOUT.as_secs_f64() * 2.0,
                    "{kind} {}: prompt phase {prompt:.2} s",
                    r.name
                );
            }
        }
    }
}

/// A `show` that never ends: a typed error naming the cap, in the command phase; with a cap
/// larger than what fits in the deadline, a timeout in the command phase instead.
#[test]
fn an_endless_output_ends_with_output_too_large() {
    let f = fleet(3, "instant,fault=flood@R2");
    let devices = f.devices();
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(Duration::from_secs(5));
    j.max_output = Some(1 << 20);
    for kind in StrategyKind::ALL {
        let out = run(kind, &devices, &j, None);
        assert!(out.results[0].ok && out.results[2].ok, "{kind}");
        let e = out.results[1].error.as_ref().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.phase),
            ("output_too_large", Some(Phase::Command)),
            "{kind}: {e:?}"
        );
        assert!(e.message.contains("1048576 bytes (1 MiB)"), "{}", e.message);
    }
    j.timeout = Some(TIMEOUT);
    j.max_output = Some(1 << 40);
    let out = run(StrategyKind::Async, &devices, &j, None);
    let r = &out.results[1];
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.kind.as_str(), e.phase),
        ("timeout", Some(Phase::Command))
    );
    assert!(r.phase_secs(Phase::Command) < TIMEOUT.as_secs_f64() * 1.5);
}

const PASSWORD: &str = "Pw-a81c-echoed-back";
const SECRET: &str = "En-77d2-echoed-back";

fn echo_fleet(profile: &str) -> EmulatedFleet {
    let mut spec = FleetSpec::new(3, Profile::by_name(profile).unwrap());
    spec.password = PASSWORD.into();
    spec.secret = SECRET.into();
    spec.seed = 7;
    EmulatedFleet::start(spec).unwrap()
}

/// A device that repeats the password (banner, config line) and echoes the enable secret,
/// each split across two writes: the results hold the marker, never the secret.
#[test]
fn echoed_secrets_are_masked_under_every_strategy() {
    let f = echo_fleet("instant,fault=echo-secret@R1+R2,fault=weird-prompt@R2");
    let devices = f.devices();
    let mut j = job(&f, &["show clock", "show version"]);
    j.timeout = Some(TIMEOUT);
    for kind in StrategyKind::ALL {
        let out = run(kind, &devices, &j, None);
        let json = serde_json::to_string(&out.results).unwrap();
        assert!(!json.contains(PASSWORD) && !json.contains(SECRET), "{kind}");
        // R1 answers, its outputs end with the masked config line.
        let r1 = &out.results[0];
        assert!(r1.ok, "{kind}: {:?}", r1.error);
        for o in &r1.outputs {
            assert!(
                o.output.ends_with("password 0 ***"),
                "{kind}: {:?}",
                o.output
            );
        }
        // R2 never shows a prompt: the error's tail carries the banner, masked.
        let e = out.results[1].error.as_ref().unwrap();
        assert_eq!(e.kind, "prompt_not_seen", "{kind}");
        assert!(e.message.contains("password ***"), "{kind}: {}", e.message);
        assert!(out.results[2].ok, "{kind}");
    }
}

/// The emulator's own `cisco`/`cisco`/`cisco`: a password that is also a word. It is masked
/// where it stands as a secret (the banner's `password cisco`, the config line `password 0
/// cisco`), and kept where it is the username or a word of the device's text
/// (`www.cisco.com`, `export@cisco.com`, the rejected user's name).
#[test]
fn a_password_that_is_a_word_is_masked_where_it_stands_not_everywhere() {
    let spec = FleetSpec::new(
        3,
        Profile::by_name(
            "instant,fault=echo-secret@R1+R2,fault=weird-prompt@R2,fault=wrong-password@R3",
        )
        .unwrap(),
    );
    assert_eq!(
        (spec.username.as_str(), spec.password.as_str()),
        ("cisco", "cisco")
    );
    let f = EmulatedFleet::start(spec).unwrap();
    let devices = f.devices();
    let mut j = job(&f, &["show version"]);
    j.timeout = Some(TIMEOUT);
    let out = run(StrategyKind::Async, &devices, &j, None);
    let r1 = &out.results[0];
    assert!(r1.ok, "{:?}", r1.error);
    let o = &r1.outputs[0].output;
    assert!(o.ends_with("username cisco password 0 ***"), "{o}");
    assert!(o.contains("http://www.cisco.com/techsupport"), "{o}");
    assert!(o.contains("export@cisco.com"), "{o}");
    assert!(!o.contains("password 0 cisco"), "{o}");
    // R2's tail holds the banner: the password masked, the user named.
    let e2 = out.results[1].error.as_ref().unwrap();
    assert!(
        e2.message.contains("user cisco password ***"),
        "{}",
        e2.message
    );
    // R3's password was refused: the message names the user, who is not a secret.
    let e3 = out.results[2].error.as_ref().unwrap();
    assert_eq!(e3.kind, "auth_rejected");
    assert_eq!(e3.message, "authentication rejected for user 'cisco'");
}

/// End to end: the echoed secrets are in none of stdout, stderr (`--verbose`) or the report;
/// escape codes are in the report exactly, escaped on screen, and raw with `--raw`.
#[test]
fn run_prints_no_secret_and_no_escape_code() {
    let f =
        echo_fleet("instant,fault=echo-secret@R1+R2,fault=weird-prompt@R2,fault=escape-codes@R3");
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("devices.yaml");
    std::fs::write(&inv, f.inventory_yaml()).unwrap();
    let kh = dir.path().join("known_hosts");
    let json = dir.path().join("r.json");
    for strategy in ["threads", "processes", "async"] {
        let out = run_bounded(
            bin().args([
                "run",
                "--strategy",
                strategy,
                "--inventory",
                inv.to_str().unwrap(),
                "--known-hosts",
                kh.to_str().unwrap(),
                "--timeout",
                "2",
                "--json",
                json.to_str().unwrap(),
                "--verbose",
            ]),
            Duration::from_secs(60),
        );
        assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
        let report = std::fs::read_to_string(&json).unwrap();
        for (what, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("report", &report),
        ] {
            assert!(
                !text.contains(PASSWORD) && !text.contains(SECRET),
                "{strategy}: secret in {what}: {text}"
            );
        }
        assert!(out.stdout.contains("password 0 ***"), "{}", out.stdout);
        assert!(
            !out.stdout.contains('\x1b'),
            "{strategy}: raw escape code on screen"
        );
        assert!(
            out.stdout.contains("\\u{1b}]0;owned by R1"),
            "{}",
            out.stdout
        );
        // The report keeps the device's bytes exactly.
        let v: serde_json::Value = serde_json::from_str(&report).unwrap();
        let r3 = &v["strategies"][0]["devices"][2]["outputs"][0]["output"];
        let escapes = String::from_utf8(ESCAPE_CODES.to_vec()).unwrap();
        assert!(r3.as_str().unwrap().starts_with(&escapes), "{r3}");
    }
    let out = run_bounded(
        bin().args([
            "run",
            "--strategy",
            "sequential",
            "--raw",
            "--inventory",
            inv.to_str().unwrap(),
            "--known-hosts",
            kh.to_str().unwrap(),
            "--timeout",
            "2",
        ]),
        Duration::from_secs(60),
    );
    assert!(
        out.stdout.contains("\x1b]0;owned by R1\x07"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(PASSWORD) && !out.stdout.contains(SECRET));
}

/// Reads until the peer closes (or resets) the connection; false if it is still open after
/// `wait`.
fn closed_by_peer(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

/// Issue 27: 50 TCP connections that never send a byte used to hold every pre-auth place of a
/// device until the 120 s login grace time ended. Now the device lets the first five take
/// its vty lines (IOS takes one per connection) and refuses the rest; half a second later a
/// real client takes the place of the oldest silent one at its first attempt, while the
/// idle sockets are all still open on their side and the login grace time is the default.
#[test]
fn idle_connections_cannot_lock_a_device_out() {
    let f = fleet(1, "instant");
    let devices = f.devices();
    let port = devices[0].port;
    let mut idle: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(fleetbench_emulator::preauth::EVICT_AFTER + Duration::from_millis(200));
    let j = job(&f, &["show clock"]);
    let out = run(StrategyKind::Sequential, &devices, &j, None);
    assert!(out.results[0].ok, "{:?}", out.results[0].error);
    // And again: another silent one gives way.
    let out = run(StrategyKind::Threads, &devices, &j, None);
    assert!(out.results[0].ok, "{:?}", out.results[0].error);
    // The device refused the 45 beyond its vty lines and closed the one whose place the
    // first client took; the second client found that line free again, or (when it came
    // before the device had seen the first one's close) took another silent one's. The
    // rest hold their lines until `ident-grace`.
    // (Their closes already happened: a short wait tells the open ones.)
    let closed = idle
        .iter_mut()
        .map(|s| closed_by_peer(s, Duration::from_millis(300)))
        .filter(|&c| c)
        .count();
    assert!((46..=47).contains(&closed), "{closed} of 50 closed");
}

/// A connection that sent its SSH identification and then stalls is a client, not an idle
/// socket: it keeps its place until the login grace time, as on IOS (`ip ssh time-out`).
#[test]
fn stalled_clients_hold_their_lines_until_the_login_grace_time() {
    let grace = Duration::from_secs(1);
    let f = fleet(1, "instant,grace=1s,vty=2");
    let devices = f.devices();
    let port = devices[0].port;
    let mut stalled: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"SSH-2.0-stalled\r\n").unwrap();
            s
        })
        .collect();
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(Duration::from_secs(2));
    let t0 = Instant::now();
    let mut attempts = 0;
    let ok = loop {
        attempts += 1;
        let out = run(StrategyKind::Sequential, &devices, &j, None);
        if out.results[0].ok {
            break true;
        }
        if t0.elapsed() > grace * 20 {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        ok,
        "no session served in {:?} ({attempts} attempts)",
        t0.elapsed()
    );
    assert!(attempts > 1, "the stalled clients held both lines at first");
    for s in &mut stalled {
        assert!(
            closed_by_peer(s, Duration::from_secs(5)),
            "a stalled connection outlived the grace time"
        );
    }
}

/// A server that sends its SSH banner and closes: the device went away, `disconnected` in the
/// handshake (not a generic `ssh` error), under every strategy.
#[test]
fn a_server_closing_after_its_banner_is_disconnected() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // Two connections per strategy: the session, then the client's probe for the device's
        // algorithm offer (a failed key exchange is probed once to name both offers).
        for _ in 0..2 * StrategyKind::ALL.len() {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.write_all(b"SSH-2.0-Cisco-1.25\r\n");
            // Wait for the client's banner, so the close is not a reset of unread data.
            let mut buf = [0u8; 256];
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.read(&mut buf);
        }
    });
    let dev = fleetbench_inventory::Device {
        name: "gone".into(),
        host: "127.0.0.1".into(),
        port,
        username: "u".into(),
        password: Some(fleetbench_inventory::Secret::new("p")),
        secret: None,
        key_file: None,
        device_type: "cisco_ios".into(),
        timeout: Duration::from_secs(5),
        algorithms: Default::default(),
        bastion: None,
    };
    let j = fleetbench_client::job::Job::new(
        vec!["show clock".into()],
        fleetbench_client::hostkeys::HostKeyCheck::new(
            fleetbench_client::hostkeys::HostKeyPolicy::Insecure,
        ),
    );
    for kind in StrategyKind::ALL {
        let out = run(kind, std::slice::from_ref(&dev), &j, None);
        let e = out.results[0].error.as_ref().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.phase),
            ("disconnected", Some(Phase::Handshake)),
            "{kind}: {e:?}"
        );
    }
    server.join().unwrap();
}

/// `flood:SIZE`: a large but finite output ends with the prompt; it arrives whole, once, and
/// a cap below its size ends the device with `output_too_large` instead.
#[test]
fn a_large_output_arrives_whole_and_the_cap_applies() {
    let f = fleet(2, "instant,fault=flood:3MiB@R1");
    let devices = f.devices();
    let mut j = job(&f, &["show clock"]);
    for kind in [StrategyKind::Threads, StrategyKind::Async] {
        let out = run(kind, &devices, &j, None);
        let r = &out.results[0];
        assert!(r.ok, "{kind}: {:?}", r.error);
        let text = &r.outputs[0].output;
        // 3 MiB of `y` lines less their `\r` (the output's line ends become `\n`).
        assert!(text.len() > 2_900_000, "{}", text.len());
        assert!(text.starts_with("yyyy") && !text.contains("R1#"));
        assert!(out.results[1].ok);
    }
    j.max_output = Some(1 << 20);
    let out = run(StrategyKind::Sequential, &devices, &j, None);
    let e = out.results[0].error.as_ref().unwrap();
    assert_eq!(e.kind, "output_too_large");
}
