//! Credentials other than an inventory password: a private key file, an ssh-agent, and
//! `--ask-password` on a terminal.

use crate::common::*;
use fleetbench_client::session::poll_blocking;
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn keypair(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

fn public_line(k: &PrivateKey) -> String {
    k.public_key().to_openssh().unwrap()
}

/// Writes `k` as an OpenSSH private key file, mode 0600 (ssh-add insists).
fn key_file(dir: &Path, name: &str, k: &PrivateKey) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, k.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A fleet that also accepts public-key auth with `authorized`.
fn key_fleet(n: usize, authorized: &PrivateKey) -> EmulatedFleet {
    let mut spec = FleetSpec::new(n, Profile::instant());
    spec.authorized_keys = vec![public_line(authorized)];
    EmulatedFleet::start(spec).unwrap()
}

/// An inventory for `f` with no password at all (enable secret only), plus `extra` per device.
fn passwordless_inventory(f: &EmulatedFleet, dir: &Path, extra: &str) -> String {
    let mut y = String::from("routers:\n");
    for d in f.devices() {
        y.push_str(&format!(
            "  - host: {}\n    port: {}\n    name: {}\n    username: {}\n    secret: cisco\n{extra}",
            d.host, d.port, d.name, d.username
        ));
    }
    let p = dir.join("devices.yaml");
    std::fs::write(&p, y).unwrap();
    p.display().to_string()
}

#[test]
fn private_key_file_logs_in_and_a_refused_key_falls_back_to_the_password() {
    let good = keypair(1);
    let other = keypair(2);
    let f = key_fleet(1, &good);
    let dir = tempfile::tempdir().unwrap();
    let j = job(&f, &["show clock"]);
    let mut dev = f.devices()[0].clone();

    dev.password = None;
    dev.key_file = Some(key_file(dir.path(), "id_good", &good));
    let r = poll_blocking(&dev, &j);
    assert!(r.ok, "{:?}", r.error);
    assert!(r.output().contains("UTC"));

    // A key the device does not know, and no password: rejected, typed.
    dev.key_file = Some(key_file(dir.path(), "id_other", &other));
    let r = poll_blocking(&dev, &j);
    assert_eq!(kind_of(&r), Some("auth_rejected"), "{:?}", r.error);

    // The same unknown key with the right password: the password is tried next.
    dev.password = f.devices()[0].password.clone();
    let r = poll_blocking(&dev, &j);
    assert!(r.ok, "{:?}", r.error);

    // A key file that is not there: an error that names the problem, in the auth phase.
    dev.key_file = Some(dir.path().join("no-such-key"));
    let r = poll_blocking(&dev, &j);
    let e = r.error.unwrap();
    assert_eq!(e.phase, Some(fleetbench_report::Phase::Auth), "{e:?}");
}

/// A key file given in the inventory (`key_file`), through the CLI and worker processes.
#[test]
fn key_file_from_the_inventory_through_the_cli() {
    let good = keypair(3);
    let f = key_fleet(2, &good);
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), "id_ed25519", &good);
    let inv = passwordless_inventory(
        &f,
        dir.path(),
        &format!("    key_file: {}\n", key.display()),
    );
    for strategy in ["threads", "processes"] {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetbench"))
            .args(["run", "--strategy", strategy, "--inventory", &inv])
            .args(["--host-keys", "insecure"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{strategy}: {stdout}");
        assert!(stdout.contains("2 ok, 0 failed"), "{strategy}: {stdout}");
    }
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(prog))
        .find(|p| p.is_file())
}

/// Kills the ssh-agent this test started when the test ends, however it ends.
struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// No password and no key file: the keys of the ssh-agent at SSH_AUTH_SOCK (also in worker
/// processes, which inherit that one variable). Skipped where OpenSSH's agent is not installed.
#[test]
fn ssh_agent_keys_when_there_is_no_password_or_key_file() {
    let (Some(agent_bin), Some(add_bin)) = (which("ssh-agent"), which("ssh-add")) else {
        eprintln!("ssh-agent or ssh-add not installed: skipping");
        return;
    };
    let good = keypair(4);
    let f = key_fleet(2, &good);
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("agent.sock");
    let _agent = Agent(
        Command::new(agent_bin)
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let until = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        assert!(Instant::now() < until, "ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let key = key_file(dir.path(), "id_agent", &good);
    let added = Command::new(add_bin)
        .arg(&key)
        .env("SSH_AUTH_SOCK", &sock)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    // The key file is not in the inventory: only the agent has it.
    std::fs::remove_file(&key).unwrap();
    let inv = passwordless_inventory(&f, dir.path(), "");
    for strategy in ["async", "processes"] {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetbench"))
            .args(["run", "--strategy", strategy, "--inventory", &inv])
            .args(["--host-keys", "insecure"])
            .env("SSH_AUTH_SOCK", &sock)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{strategy}: {stdout}");
        assert!(stdout.contains("2 ok, 0 failed"), "{strategy}: {stdout}");
    }
    // Without the agent, the same inventory has no credential at all: said at load, with
    // the flags that fix it, before any device is contacted (exit 2).
    let out = Command::new(env!("CARGO_BIN_EXE_fleetbench"))
        .args(["run", "--strategy", "threads", "--inventory", &inv])
        .args(["--host-keys", "insecure"])
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for fix in [
        "no password, no key file and no usable ssh-agent (SSH_AUTH_SOCK is not set)",
        "--ask-password",
        "`password:`",
        "${VAR}",
        "`key_file:`",
    ] {
        assert!(stderr.contains(fix), "{fix}: {stderr}");
    }
    assert!(!stderr.contains("run 1/1"), "the run started: {stderr}");
}

/// `--ask-password` prompts on the controlling terminal with echo off, and the answer logs in
/// the devices that have no password. The test is the terminal: a pseudo-terminal whose slave
/// side becomes the child's controlling terminal.
#[test]
fn ask_password_prompts_on_the_terminal_without_echo() {
    const PW: &str = "Tty-Pw-93b1c";
    let f = {
        let mut spec = FleetSpec::new(2, Profile::instant());
        spec.password = PW.into();
        EmulatedFleet::start(spec).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let inv = passwordless_inventory(&f, dir.path(), "");
    let (mut master, slave) = {
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty writes two new fds into m and s; the other arguments may be null.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: both fds were just opened by openpty and are owned by nobody else.
        unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetbench"));
    cmd.args(["run", "--strategy", "threads", "--inventory", &inv])
        .args(["--host-keys", "insecure", "--ask-password"])
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec: a new session, then the pty
    // slave (the child's stdin) as its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    // Read what the terminal shows until the prompt appears, then type the password.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut reader = master.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // Ends with EIO once the child (the last holder of the slave) exits.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut shown = Vec::new();
    let until = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&shown).contains("without one: ") {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(b) => shown.extend(b),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "no prompt; terminal showed {:?}",
                    String::from_utf8_lossy(&shown)
                );
            }
        }
    }
    // The prompt is written before the terminal's echo goes off (rpassword prints, then
    // hides input): wait until the terminal says echo is off, as a person's typing would.
    let echo_off_by = Instant::now() + Duration::from_secs(30);
    loop {
        // SAFETY: tcgetattr fills a termios for an open fd (a pty master reports its slave's
        // settings on Linux).
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(master.as_raw_fd(), &mut t) }, 0);
        if t.c_lflag & libc::ECHO == 0 {
            break;
        }
        assert!(Instant::now() < echo_off_by, "echo never went off");
        std::thread::sleep(Duration::from_millis(5));
    }
    master.write_all(format!("{PW}\n").as_bytes()).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    while let Ok(b) = rx.recv_timeout(Duration::from_millis(200)) {
        shown.extend(b);
    }
    let shown = String::from_utf8_lossy(&shown);
    assert_eq!(status.code(), Some(0), "{stdout}\n{shown}");
    assert!(stdout.contains("2 ok, 0 failed"), "{stdout}");
    assert!(
        shown.contains("fleetbench: password for 2 device(s) without one: "),
        "{shown}"
    );
    // Echo was off: the typed password never showed on the terminal.
    assert!(!shown.contains(PW), "password echoed: {shown:?}");
}
