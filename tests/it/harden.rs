//! What a user hands fleetbench around a run, end to end with the built binary: paths to
//! special files, files it did not write, FIFOs and endless files to read, numbers far past
//! the fleet, a poller that is not there, Ctrl-C once and twice, escape codes in names
//! (issue 27). Every spawned command has a deadline; every file lives in a temporary folder.

use crate::cli::{bin, fleetbench, report, run_bounded, wait_bounded};
use crate::signals::{sigint, spawn_verbose, wait_for_line};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The first of `n` free loopback ports in a row, as a string for `--base-port`.
fn free_base(n: u16) -> String {
    let free = |b: u16| (b..b + n).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok());
    (31000u16..40000)
        .step_by(89)
        .find(|&b| free(b))
        .expect("free loopback ports")
        .to_string()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A report of a quick emulated run, for the commands that read one.
fn quick_report(dir: &Path) -> PathBuf {
    let json = dir.join("quick.json");
    let out = fleetbench(&[
        "compare",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--strategies",
        "sequential,threads",
        "--runs",
        "2",
        "--json",
        s(&json),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    json
}

/// An inventory of `names` on a loopback port nothing listens on: every device fails at
/// once with `connection_refused`, and no packet leaves the machine.
fn refused_inventory(dir: &Path, names: &[&str]) -> PathBuf {
    let port = crate::common::closed_port();
    let mut y = String::from("routers:\n");
    for (i, n) in names.iter().enumerate() {
        y.push_str(&format!(
            "  - name: {}\n    host: 127.0.0.{}\n    port: {port}\n    username: u\n    password: p\n",
            serde_json::Value::String(n.to_string()),
            i + 1
        ));
    }
    let p = dir.join("refused.yaml");
    std::fs::write(&p, y).unwrap();
    p
}

// -------------------------------------------------------------------------------------------
// Writing files

/// `mknod dev/null c 1 3; run --json dev/null` turned the node into a regular file; `export
/// -o dev/stdout` (a link to /proc/self/fd/1) printed nothing and replaced the link. Now the
/// bytes go through and both stay what they were.
#[test]
fn special_files_are_written_through_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let json = quick_report(dir.path());
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let out = fleetbench(&["export", "--format", "bencher", "-o", s(&link), s(&json)]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("sequential"), "{}", out.stdout);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // A FIFO with a reader gets the report; it stays a FIFO.
    let fifo = dir.path().join("report.fifo");
    mkfifo(&fifo);
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let got = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let until = Instant::now() + Duration::from_secs(120);
        let mut r = reader;
        let mut buf = [0u8; 65536];
        // Non-blocking: EOF only once a writer has come and gone.
        let mut seen_data = false;
        while Instant::now() < until {
            match std::io::Read::read(&mut r, &mut buf) {
                Ok(0) if seen_data => break,
                Ok(0) => std::thread::sleep(Duration::from_millis(20)),
                Ok(n) => {
                    seen_data = true;
                    bytes.extend_from_slice(&buf[..n]);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        bytes
    });
    let out = fleetbench(&[
        "run",
        "--strategy",
        "sequential",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--json",
        s(&fifo),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let bytes = got.join().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(r["fleet"]["devices"], 2);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // A device node of the null device (root only: mknod needs CAP_MKNOD).
    let null = dir.path().join("null");
    let c = std::ffi::CString::new(s(&null)).unwrap();
    // SAFETY: a valid C string.
    if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0 {
        let out = fleetbench(&[
            "run",
            "--strategy",
            "sequential",
            "--emulate",
            "2",
            "--profile",
            "instant",
            "--json",
            s(&null),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
        let md = std::fs::symlink_metadata(&null).unwrap();
        assert!(md.file_type().is_char_device(), "dev/null became {md:?}");
    }
}

use std::os::unix::fs::OpenOptionsExt;

/// `--json X --html X` and `--json pd/wall.svg --plots pd` overwrote the report silently.
#[test]
fn clashing_outputs_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x");
    let pd = dir.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    let wall = pd.join("wall.svg");
    for (args, says) in [
        (
            vec!["--json", s(&x), "--html", s(&x)],
            "--json and --html both name it",
        ),
        (
            vec!["--json", s(&wall), "--plots", s(&pd)],
            "which --plots fills",
        ),
    ] {
        let mut all = vec![
            "compare",
            "--emulate",
            "2",
            "--profile",
            "instant",
            "--runs",
            "1",
        ];
        all.extend(args);
        let out = fleetbench(&all);
        assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert!(
            !out.stderr.contains("median"),
            "nothing ran: {}",
            out.stderr
        );
    }
    assert!(!x.exists() && !wall.exists());
}

/// Waits until `path` holds `what`, or fails.
fn wait_for_file(path: &Path, what: &str, child: &mut std::process::Child) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let t = std::fs::read_to_string(path).unwrap_or_default();
        if t.contains(what) {
            return t;
        }
        assert!(
            Instant::now() < until,
            "{} never held {what:?}",
            path.display()
        );
        assert!(child.try_wait().unwrap().is_none(), "emulate exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(child: std::process::Child) {
    sigint(&child);
    let status = wait_bounded(child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
}

/// `--write-inventory notes.yaml` (a user's file) then SIGINT deleted it; a Nornir folder's
/// user files were overwritten, then deleted. Files fleetbench did not write are refused
/// (unless --force); its own, marked, are replaced and removed when it stops, and one a user
/// changed meanwhile is left alone.
#[test]
fn write_inventory_never_touches_a_users_files() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.yaml");
    std::fs::write(&notes, "my: notes\n").unwrap();
    let proj = dir.path().join("proj");
    std::fs::create_dir(&proj).unwrap();
    std::fs::write(proj.join("groups.yaml"), "mine: {}\n").unwrap();
    let proj_s = format!("{}/", proj.display());
    for target in [s(&notes), proj_s.as_str()] {
        let out = fleetbench(&["emulate", "--devices", "1", "--write-inventory", target]);
        assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
        assert!(
            out.stderr.contains("was not written by fleetbench"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("--force"), "{}", out.stderr);
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my: notes\n");
    assert_eq!(
        std::fs::read_to_string(proj.join("groups.yaml")).unwrap(),
        "mine: {}\n"
    );
    assert!(!proj.join("hosts.yaml").exists());

    // A folder of its own: all four files written, all removed on SIGINT, except the one a
    // user replaced meanwhile; a user's file beside them is never touched.
    let own = dir.path().join("own");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(own.join("README"), "keep me\n").unwrap();
    let own_s = format!("{}/", own.display());
    let mut child = bin()
        .args([
            "emulate",
            "--devices",
            "2",
            "--base-port",
            &free_base(2),
            "--write-inventory",
            &own_s,
        ])
        .spawn()
        .unwrap();
    wait_for_file(&own.join("hosts.yaml"), "R2", &mut child);
    for f in ["groups.yaml", "defaults.yaml", "config.yaml"] {
        let t = std::fs::read_to_string(own.join(f)).unwrap();
        assert!(t.starts_with("# Written by fleetbench"), "{f}: {t}");
    }
    std::fs::write(own.join("defaults.yaml"), "edited: by me\n").unwrap();
    stop(child);
    let mut left: Vec<String> = std::fs::read_dir(&own)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["README", "defaults.yaml"]);

    // --force: the user asked; the file is replaced (then fleetbench's, removed at the end).
    let mut child = bin()
        .args([
            "emulate",
            "--devices",
            "1",
            "--base-port",
            &free_base(1),
            "--write-inventory",
            s(&notes),
            "--force",
        ])
        .spawn()
        .unwrap();
    wait_for_file(&notes, "R1", &mut child);
    stop(child);
    assert!(!notes.exists());
}

/// `emulate --record` appended through a symbolic link.
#[test]
fn the_session_record_is_never_appended_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "precious\n").unwrap();
    let link = dir.path().join("record.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = fleetbench(&[
        "emulate",
        "--devices",
        "1",
        "--base-port",
        &free_base(1),
        "--record",
        s(&link),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
}

// -------------------------------------------------------------------------------------------
// Reading files

/// `check`, `merge`, `export` and `--known-hosts` given a FIFO (which blocked forever) or a
/// link to /dev/zero (which grew to gigabytes): exit 2 at once, naming what the file is.
#[test]
fn readers_refuse_fifos_and_endless_files_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let good = quick_report(dir.path());
    let fifo = dir.path().join("fifo.json");
    mkfifo(&fifo);
    let zero = dir.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let inv = refused_inventory(dir.path(), &["R1"]);
    let out_file = dir.path().join("out.json");
    for (bad, kind) in [(&fifo, "a FIFO"), (&zero, "a character device")] {
        let cases: Vec<Vec<&str>> = vec![
            vec!["check", "--baseline", s(bad), s(&good)],
            vec!["check", "--baseline", s(&good), s(bad)],
            vec!["merge", s(bad), "-o", s(&out_file)],
            vec!["export", "--format", "bencher", s(bad)],
            vec![
                "run",
                "--strategy",
                "sequential",
                "--inventory",
                s(&inv),
                "--known-hosts",
                s(bad),
            ],
        ];
        for args in cases {
            let t0 = Instant::now();
            let out = run_bounded(bin().args(&args), Duration::from_secs(60));
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
            assert!(
                out.stderr
                    .contains(&format!("it is {kind}, not a regular file")),
                "{args:?}: {}",
                out.stderr
            );
            assert!(t0.elapsed() < Duration::from_secs(30), "{args:?}");
        }
    }
    assert!(!out_file.exists());
}

/// `emulate --state-dir` with a FIFO where a saved configuration goes: the device boots
/// from its template instead of waiting for a writer.
#[test]
fn a_fifo_in_the_state_dir_does_not_hold_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    mkfifo(&state.join("R1.startup-config"));
    let inv = dir.path().join("inv.yaml");
    let mut child = bin()
        .args([
            "emulate",
            "--devices",
            "1",
            "--base-port",
            &free_base(1),
            "--state-dir",
            s(&state),
            "--write-inventory",
            s(&inv),
        ])
        .spawn()
        .unwrap();
    wait_for_file(&inv, "R1", &mut child);
    // A session reaches the device's CLI (its config is read when a session starts).
    let out = fleetbench(&[
        "run",
        "--strategy",
        "sequential",
        "--inventory",
        s(&inv),
        "--host-keys",
        "insecure",
        "--command",
        "show running-config | include hostname",
        "--timeout",
        "20",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("hostname R1"), "{}", out.stdout);
    stop(child);
}

// -------------------------------------------------------------------------------------------
// Numbers

/// `--emulate 18446744073709551615` panicked (101), `--emulate 10000000000` aborted (134):
/// exit 2 with the emulator's limit, as `emulate --devices` gives; a baseline of zero wall
/// times switched the gate off (exit 0, "no regression").
#[test]
fn numbers_past_the_fleet_are_usage_errors_not_crashes() {
    for n in ["18446744073709551615", "10000000000", "32766"] {
        for cmd in [
            vec!["compare", "--emulate", n],
            vec!["run", "--strategy", "async", "--emulate", n],
            vec!["emulate", "--devices", n],
        ] {
            let out = fleetbench(&cmd);
            assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("at most 32765 devices"),
                "{cmd:?}: {}",
                out.stderr
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let good = quick_report(dir.path());
    let mut r = report(&good);
    for st in r["strategies"].as_array_mut().unwrap() {
        for k in ["min", "median", "max"] {
            st["wall_s"][k] = 0.into();
        }
        for run in st["runs"].as_array_mut().unwrap() {
            run["wall_s"] = 0.into();
        }
    }
    let zero = dir.path().join("zero.json");
    std::fs::write(&zero, serde_json::to_vec(&r).unwrap()).unwrap();
    let out = fleetbench(&["check", "--baseline", s(&zero), s(&good)]);
    assert_eq!(out.status.code(), Some(2), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("not a valid measurement"),
        "{}",
        out.stderr
    );
}

// -------------------------------------------------------------------------------------------
// Runs and processes

/// A mistyped poller was found after every built-in strategy had run, and no report was
/// written: it is refused before anything runs.
#[test]
fn a_missing_poller_is_found_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("ne.json");
    for (poller, says) in [
        (
            "x=/nonexistent/bin --flag",
            "/nonexistent/bin is not an executable file",
        ),
        (
            "x=no-such-poller-27 {inventory}",
            "no-such-poller-27 is not found on PATH",
        ),
    ] {
        let out = fleetbench(&[
            "compare",
            "--emulate",
            "2",
            "--profile",
            "instant",
            "--external",
            poller,
            "--json",
            s(&json),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert!(
            !out.stderr.contains("median"),
            "a strategy ran: {}",
            out.stderr
        );
    }
    assert!(!json.exists());
}

/// One Ctrl-C after every device of the first of two runs had started: the run finished,
/// the second never started, and the compare exited 0 with no sign of it. Now: exit 1, and
/// the report says it was interrupted.
#[test]
fn one_ctrl_c_that_cuts_a_compare_short_exits_1_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("cut.json");
    let (child, rx, stdout) = spawn_verbose(&[
        "compare",
        "--strategies",
        "threads",
        "--emulate",
        "2",
        "--profile",
        "login=700ms,command=300ms",
        "--runs",
        "2",
        "--json",
        s(&json),
    ]);
    let mut seen = Vec::new();
    wait_for_line(&rx, &mut seen, "===>");
    wait_for_line(&rx, &mut seen, "===>");
    sigint(&child);
    let status = wait_bounded(child, Duration::from_secs(60));
    seen.extend(rx.iter());
    assert_eq!(status.code(), Some(1), "{seen:#?}");
    let r = report(&json);
    assert_eq!(r["interrupted"], true, "{r}");
    let st = &r["strategies"][0];
    assert_eq!(st["runs"].as_array().unwrap().len(), 1);
    assert!(
        st["devices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["ok"] == true),
        "{st}"
    );
    assert!(stdout.join().unwrap().contains("interrupted"));
}

/// Processes whose command line holds `marker`.
fn running_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker) && !c.contains("sh -c"))
        .collect()
}

/// Two Ctrl-C while a poller that ignores SIGTERM was being stopped: exit 130 left the
/// private folder (the fleet's passwords in it) in /tmp, and the poller running. Now the
/// folder is removed and the poller's group killed on the second signal too.
#[test]
fn two_ctrl_c_during_a_poller_leave_no_private_folder_and_no_poller() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let started = dir.path().join("started");
    let poller = format!(
        "slow=sh -c 'trap \"\" TERM INT; touch {}; sleep 427.125'",
        s(&started)
    );
    let mut child = bin()
        .env("TMPDIR", &tmp)
        .args([
            "compare",
            "--emulate",
            "1",
            "--profile",
            "instant",
            "--strategies",
            "sequential",
            "--runs",
            "1",
            "--external",
            &poller,
        ])
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while !started.exists() {
        assert!(Instant::now() < until, "the poller never started");
        assert!(child.try_wait().unwrap().is_none(), "compare exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let folders = || {
        std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("fleetbench-external-"))
            .count()
    };
    assert_eq!(
        folders(),
        1,
        "the private folder is there while the poller runs"
    );
    sigint(&child);
    // The first one ends the poller with SIGTERM, which it ignores for a grace second.
    std::thread::sleep(Duration::from_millis(300));
    sigint(&child);
    let status = wait_bounded(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(130));
    assert_eq!(folders(), 0, "the private folder outlived fleetbench");
    let until = Instant::now() + Duration::from_secs(10);
    while !running_with("427.125").is_empty() {
        assert!(Instant::now() < until, "{:?}", running_with("427.125"));
        std::thread::sleep(Duration::from_millis(20));
    }
}

// -------------------------------------------------------------------------------------------
// Terminal injection

fn assert_no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
        })
        .collect();
    assert!(bad.is_empty(), "{what} holds {bad:?}:\n{text}");
}

/// Device names with escape codes, a newline that forges an "ok" line, a right-to-left
/// override and a NUL were printed raw by `run` and `-v`, and made the timeline SVG invalid
/// XML; a poller's stderr reached the terminal raw in its warning.
#[test]
fn names_and_poller_stderr_are_escaped_wherever_shown() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "R1\u{1b}]0;pwned\u{7}\u{1b}[2J\nR9: ok\u{202e}\0";
    let inv = refused_inventory(dir.path(), &[evil, "R2"]);
    let out = fleetbench(&[
        "run",
        "--strategy",
        "sequential",
        "--inventory",
        s(&inv),
        "--verbose",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_no_controls("run's stdout", &out.stdout);
    assert_no_controls("run's stderr", &out.stderr);
    assert!(
        !out.stdout.lines().any(|l| l.starts_with("R9")),
        "a forged line: {}",
        out.stdout
    );
    assert!(out.stdout.contains("R1\\u{1b}]0;pwned"), "{}", out.stdout);

    let plots = dir.path().join("plots");
    let page = dir.path().join("page.html");
    let poller = "loud=sh -c 'printf \"\\033]0;pwned\\007\\033[2Jboom\" >&2; exit 3'";
    let out = fleetbench(&[
        "compare",
        "--strategies",
        "sequential",
        "--runs",
        "1",
        "--inventory",
        s(&inv),
        "--plots",
        s(&plots),
        "--html",
        s(&page),
        "--external",
        poller,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_no_controls("compare's stdout", &out.stdout);
    assert_no_controls("compare's stderr", &out.stderr);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.contains("loud") && l.contains("[poller_failed]") && l.contains("boom")),
        "{}",
        out.stderr
    );
    for f in std::fs::read_dir(&plots).unwrap() {
        let p = f.unwrap().path();
        assert_no_controls(s(&p), &std::fs::read_to_string(&p).unwrap());
    }
    assert_no_controls("the page", &std::fs::read_to_string(&page).unwrap());
}
