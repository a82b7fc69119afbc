//! Closed pipes: every subcommand, its output piped into `head -1` or into a pipe nobody
//! reads, ends quietly with exit status 141 (128 + SIGPIPE, what a shell reports for a tool
//! killed by SIGPIPE), never a panic (101) or an error (2). The internal `__worker` is not a
//! command a person pipes (its stdout is its parent's pipe).

use crate::cli::{bin, run_bounded, wait_bounded};
use std::io::Read as _;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(180);
const EXIT_PIPE: i32 = 141;

/// The write end of a pipe whose read end is already closed: every write to it fails with
/// EPIPE, at once and every time (a reader that leaves early, without the race).
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills two descriptors we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both are open descriptors returned above, owned once each.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

/// A loopback port that is free now, and the next two (emulate's three devices). Below the
/// kernel's ephemeral range (32768 and up), so no other test's `127.0.0.1:0` listener or
/// outgoing connection takes one of them before emulate binds it.
fn free_pair() -> u16 {
    let start = 20_000 + (std::process::id() % 89) as u16 * 61;
    (start..32_000)
        .step_by(103)
        .find(|&b| (b..b + 3).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()))
        .expect("free loopback ports")
}

/// Reports for `check`, `export` and `merge`: a whole run and two shards.
fn reports(dir: &Path) {
    for (args, name) in [
        (vec![], "r.json"),
        (vec!["--shard", "0/2"], "s0.json"),
        (vec!["--shard", "1/2"], "s1.json"),
    ] {
        let out = run_bounded(
            bin()
                .current_dir(dir)
                .args(["compare", "--emulate", "4", "--profile", "instant"])
                .args(["--strategies", "async", "--runs", "1", "--json", name])
                .args(args),
            LIMIT,
        );
        assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    }
}

/// Every subcommand, with arguments that make it print (stdout, stderr or both).
fn commands(port: u16) -> Vec<Vec<String>> {
    let fleet = ["--emulate", "3", "--profile", "instant"];
    let mut v: Vec<Vec<&str>> = vec![
        [
            &["compare"][..],
            &fleet,
            &["--runs", "1", "--strategies", "sequential,async"],
        ]
        .concat(),
        [&["run", "--strategy", "threads"][..], &fleet].concat(),
        vec![
            "sweep",
            "--sizes",
            "2",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--strategies",
            "async",
            "--profile",
            "instant",
            "--out",
            "sweep",
            "--force",
        ],
        vec!["check", "--baseline", "r.json", "r.json"],
        vec!["export", "--format", "bencher", "r.json"],
        vec!["merge", "s0.json", "s1.json", "-o", "m.json"],
        [
            &["tune"][..],
            &fleet,
            &["--strategies", "async", "--max-workers", "2", "--no-probe"],
            &["--max-runs", "1"],
        ]
        .concat(),
        [&["poll"][..], &fleet, &["--every", "0.2s", "--for", "0.4s"]].concat(),
        vec!["completions", "bash"],
        vec!["man"],
        vec!["help"],
        vec!["--help"],
        vec!["compare", "--help"],
        vec!["--version"],
    ];
    let port = port.to_string();
    v.push(vec![
        "emulate",
        "--devices",
        "3",
        "--profile",
        "instant",
        "--base-port",
        &port,
    ]);
    v.into_iter()
        .map(|a| a.into_iter().map(str::to_string).collect())
        .collect()
}

fn spawn_to(dir: &Path, args: &[String], out: Stdio, err: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_fleetbench"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

/// Both streams closed before the first line: 141 from every subcommand.
#[test]
fn every_subcommand_ends_quietly_on_closed_stdout_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path());
    for args in commands(free_pair()) {
        let pipe = closed_pipe();
        let child = spawn_to(
            dir.path(),
            &args,
            Stdio::from(pipe.try_clone().unwrap()),
            Stdio::from(pipe),
        );
        let status = wait_bounded(child, LIMIT);
        assert_eq!(
            status.code(),
            Some(EXIT_PIPE),
            "fleetbench {args:?}: {status:?}"
        );
    }
}

/// One stream closed, the other read: the command still ends with 141, and says nothing of
/// the closed pipe (no panic message, no "Broken pipe" error) on the stream that is open.
/// A closed stderr only matters to the commands that write to it (not `--help`, `man`,
/// `completions`, `export`, nor `emulate`, which prints its devices on stdout and then serves).
#[test]
fn one_closed_stream_is_enough_and_is_never_reported() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path());
    let writes_stderr = ["compare", "run", "sweep", "check", "merge", "tune", "poll"];
    for args in commands(free_pair()) {
        for closed_stdout in [true, false] {
            let quiet_on_stderr =
                !writes_stderr.contains(&args[0].as_str()) || args.iter().any(|a| a == "--help");
            if !closed_stdout && quiet_on_stderr {
                continue;
            }
            let (out, err) = if closed_stdout {
                (Stdio::from(closed_pipe()), Stdio::piped())
            } else {
                (Stdio::piped(), Stdio::from(closed_pipe()))
            };
            let mut child = spawn_to(dir.path(), &args, out, err);
            let open: Box<dyn std::io::Read + Send> =
                match (child.stdout.take(), child.stderr.take()) {
                    (Some(o), _) => Box::new(o),
                    (None, Some(e)) => Box::new(e),
                    (None, None) => unreachable!(),
                };
            let reader = std::thread::spawn(move || {
                let mut s = String::new();
                let mut r = open;
                let _ = r.read_to_string(&mut s);
                s
            });
            let status = wait_bounded(child, LIMIT);
            let text = reader.join().unwrap();
            let which = if closed_stdout { "stdout" } else { "stderr" };
            assert_eq!(
                status.code(),
                Some(EXIT_PIPE),
                "fleetbench {args:?} (closed {which}): {text}"
            );
            for bad in ["panicked", "Broken pipe", "os error 32"] {
                assert!(!text.contains(bad), "fleetbench {args:?}: {text}");
            }
        }
    }
}

/// The issue's own lines, through a shell: `... 2>&1 | head -1` and `... | head -3`.
#[test]
fn piping_into_head_is_quiet() {
    let exe = env!("CARGO_BIN_EXE_fleetbench");
    for (cmd, lines) in [
        (
            format!("{exe} compare --emulate 5 --profile instant --runs 1 2>&1 | head -1"),
            1,
        ),
        // Far more output than the pipe's buffer and head's first read (128 KiB) hold.
        (
            format!(
                "{exe} run --strategy async --emulate 200 --profile instant --command 'show \
                 version' | head -3"
            ),
            3,
        ),
    ] {
        let out = run_bounded(
            Command::new("bash")
                .args(["-c", &format!("set -o pipefail; {cmd}; echo \"status=$?\"")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            LIMIT,
        );
        let text = out.stdout;
        // The first: head may leave only after fleetbench wrote everything into the pipe's
        // buffer (then 0); the second outgrows the buffer, so fleetbench meets the closed end.
        let ok = if lines == 1 {
            text.ends_with(&format!("status={EXIT_PIPE}\n")) || text.ends_with("status=0\n")
        } else {
            text.ends_with(&format!("status={EXIT_PIPE}\n"))
        };
        assert!(ok, "{cmd}: {text}");
        assert_eq!(text.lines().count(), lines + 1, "{cmd}: {text}");
        assert!(!out.stderr.contains("panicked"), "{cmd}: {}", out.stderr);
        assert!(!out.stderr.contains("Broken pipe"), "{cmd}: {}", out.stderr);
    }
}
