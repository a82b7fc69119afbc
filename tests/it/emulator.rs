//! The emulated fleet against a real SSH client (libssh2 through the `ssh2` crate, blocking).
//! Every read has a timeout, so no test can hang.

use fleetbench_client::hostkeys::HostKeyCheck;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use base64::Engine;
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile, serve_foreground};

const TIMEOUT_MS: u32 = 10_000;

fn fleet(devices: usize, profile: &str) -> EmulatedFleet {
    EmulatedFleet::start(FleetSpec::new(devices, Profile::by_name(profile).unwrap())).unwrap()
}

fn port(f: &EmulatedFleet, i: usize) -> u16 {
    f.devices()[i].port
}

fn tcp(port: u16) -> std::io::Result<TcpStream> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(5))
}

/// Connected and handshaken, not authenticated.
fn handshake(port: u16, timeout_ms: u32) -> Result<ssh2::Session, String> {
    let mut s = ssh2::Session::new().map_err(|e| e.to_string())?;
    s.set_tcp_stream(tcp(port).map_err(|e| e.to_string())?);
    s.set_timeout(timeout_ms);
    s.handshake().map_err(|e| e.to_string())?;
    Ok(s)
}

fn login(port: u16, password: &str) -> Result<ssh2::Session, String> {
    let s = handshake(port, TIMEOUT_MS)?;
    s.userauth_password("cisco", password)
        .map_err(|e| e.to_string())?;
    Ok(s)
}

/// An interactive shell with its unread output.
struct Shell {
    ch: ssh2::Channel,
    buf: Vec<u8>,
    _sess: ssh2::Session,
}

impl Shell {
    fn open(port: u16) -> Shell {
        let sess = login(port, "cisco").unwrap();
        let mut ch = sess.channel_session().unwrap();
        ch.request_pty("vt100", None, None).unwrap();
        ch.shell().unwrap();
        Shell {
            ch,
            buf: Vec::new(),
            _sess: sess,
        }
    }

    fn send(&mut self, s: &str) {
        self.ch.write_all(s.as_bytes()).unwrap();
        self.ch.flush().unwrap();
    }

    /// Output up to and including `pat`; panics on EOF or timeout.
    fn until(&mut self, pat: &str) -> String {
        self.try_until(pat)
            .unwrap_or_else(|(e, got)| panic!("waiting for {pat:?}: {e}; got {got:?}"))
    }

    /// Output up to and including `pat`, or the error and what came so far.
    fn try_until(&mut self, pat: &str) -> Result<String, (String, String)> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(i) = find(&self.buf, pat.as_bytes()) {
                let rest = self.buf.split_off(i + pat.len());
                let got = std::mem::replace(&mut self.buf, rest);
                return Ok(String::from_utf8_lossy(&got).into_owned());
            }
            match self.ch.read(&mut chunk) {
                Ok(0) => return Err(("EOF".into(), self.taken())),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err((e.to_string(), self.taken())),
            }
        }
    }

    fn taken(&mut self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned()
    }

    /// Everything until EOF (or an error).
    fn rest(&mut self) -> String {
        let mut v = Vec::new();
        let _ = self.ch.read_to_end(&mut v);
        self.buf.extend(v);
        self.taken()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Full classic session: login, enable, `terminal length 0`, `show clock`, exit.
fn classic_session(port: u16) -> String {
    let mut sh = Shell::open(port);
    sh.until(">");
    sh.send("enable\n");
    sh.until("Password: ");
    sh.send("cisco\n");
    sh.until("#");
    sh.send("terminal length 0\n");
    sh.until("#");
    sh.send("show clock\n");
    let out = sh.until("#");
    sh.send("exit\n");
    sh.rest();
    out
}

#[test]
fn shell_session_with_enable_and_commands() {
    let f = fleet(2, "instant");
    let mut sh = Shell::open(port(&f, 1));
    assert_eq!(sh.until("R2>"), "\r\nR2>");
    sh.send("\n");
    assert_eq!(sh.until("R2>"), "\r\nR2>");
    sh.send("terminal width 511\n");
    assert_eq!(sh.until("R2>"), "terminal width 511\r\nR2>");
    sh.send("terminal length 0\r\n");
    assert_eq!(sh.until("R2>"), "terminal length 0\r\nR2>");
    sh.send("show clock\r");
    let out = sh.until("R2>");
    assert!(out.starts_with("show clock\r\n*"), "{out:?}");
    assert!(out.contains(" UTC "), "{out:?}");
    sh.send("enable\n");
    assert_eq!(sh.until("Password: "), "enable\r\nPassword: ");
    sh.send("cisco\n");
    assert_eq!(sh.until("R2#"), "\r\nR2#");
    sh.send("show running-config\n");
    let cfg = sh.until("\r\nend\r\nR2#");
    assert!(cfg.contains("\r\nhostname R2\r\n"));
    assert!(cfg.lines().count() > 250);
    sh.send("sh ip int br\n");
    assert!(sh.until("R2#").contains("GigabitEthernet0/0"));
    sh.send("bogus\n");
    assert!(
        sh.until("R2#")
            .contains("% Invalid input detected at '^' marker.")
    );
    sh.send("exit\n");
    assert_eq!(sh.rest(), "exit\r\n");
    assert_eq!(sh.ch.exit_status().unwrap(), 0);
}

#[test]
fn paging_with_more() {
    let f = fleet(1, "instant");
    let mut sh = Shell::open(port(&f, 0));
    sh.until("R1>");
    sh.send("enable\ncisco\n");
    sh.until("R1#");
    sh.send("show running-config\n");
    let page = sh.until(" --More-- ");
    assert_eq!(
        page.matches("\r\n").count(),
        24,
        "echo line + 23 lines: {page:?}"
    );
    sh.send(" ");
    let page2 = sh.until(" --More-- ");
    assert_eq!(page2.matches("\r\n").count(), 23, "{page2:?}");
    sh.send("\r");
    assert_eq!(sh.until(" --More-- ").matches("\r\n").count(), 1);
    sh.send("q");
    let end = sh.until("R1#");
    assert!(!end.contains("\r\n"), "q quits without more lines: {end:?}");
    sh.send("exit\n");
    sh.rest();
}

#[test]
fn wrong_password_is_rejected_for_both_methods() {
    struct Answer(&'static str);
    impl ssh2::KeyboardInteractivePrompt for Answer {
        fn prompt(&mut self, _u: &str, _i: &str, prompts: &[ssh2::Prompt<'_>]) -> Vec<String> {
            assert_eq!(prompts[0].text, "Password: ");
            assert!(!prompts[0].echo);
            vec![self.0.to_string()]
        }
    }
    let f = fleet(1, "instant");
    let p = port(&f, 0);
    let s = handshake(p, TIMEOUT_MS).unwrap();
    assert!(s.userauth_password("cisco", "nope").is_err());
    assert!(!s.authenticated());
    let s = handshake(p, TIMEOUT_MS).unwrap();
    assert!(s.userauth_password("admin", "cisco").is_err());
    let s = handshake(p, TIMEOUT_MS).unwrap();
    assert!(
        s.userauth_keyboard_interactive("cisco", &mut Answer("nope"))
            .is_err()
    );
    let s = handshake(p, TIMEOUT_MS).unwrap();
    s.userauth_keyboard_interactive("cisco", &mut Answer("cisco"))
        .unwrap();
    assert!(s.authenticated());
    // `none` is never accepted.
    let s = handshake(p, TIMEOUT_MS).unwrap();
    let methods = s.auth_methods("cisco").unwrap();
    assert!(methods.contains("password") && methods.contains("keyboard-interactive"));
    assert!(!s.authenticated());
}

#[test]
fn enable_with_wrong_secret_stays_unprivileged() {
    let f = fleet(1, "instant");
    let mut sh = Shell::open(port(&f, 0));
    sh.until("R1>");
    sh.send("enable\n");
    sh.until("Password: ");
    sh.send("not-the-secret\n");
    let out = sh.until("R1>");
    assert!(out.contains("% Access denied"), "{out:?}");
    assert!(!out.contains("not-the-secret"), "the secret is not echoed");
}

#[test]
fn exec_request_runs_one_command() {
    let f = fleet(1, "instant");
    let s = login(port(&f, 0), "cisco").unwrap();
    let mut ch = s.channel_session().unwrap();
    ch.exec("show clock").unwrap();
    let mut out = String::new();
    ch.read_to_string(&mut out).unwrap();
    ch.wait_close().unwrap();
    assert!(
        out.starts_with('*') && out.ends_with(" UTC ") || out.contains(" UTC "),
        "{out:?}"
    );
    assert!(!out.contains("R1>"), "no prompt in an exec reply");
    assert_eq!(ch.exit_status().unwrap(), 0);
}

#[test]
fn host_keys_are_stable_across_restarts_and_match_host_key_check() {
    let key_of = |seed: u64| {
        let mut spec = FleetSpec::new(2, Profile::instant());
        spec.seed = seed;
        let f = EmulatedFleet::start(spec).unwrap();
        let p = port(&f, 1);
        let s = handshake(p, TIMEOUT_MS).unwrap();
        let (key, kind) = s.host_key().unwrap();
        assert!(matches!(kind, ssh2::HostKeyType::Ed25519));
        let check = HostKeyCheck::strict(f.known_hosts());
        let known = &check.known[&format!("[127.0.0.1]:{p}")][0];
        let (alg, b64) = known.split_once(' ').unwrap();
        assert_eq!(alg, "ssh-ed25519");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(decoded, key, "host_key_check matches the key served");
        key.to_vec()
    };
    assert_eq!(key_of(11), key_of(11));
    assert_ne!(key_of(11), key_of(12));
}

#[test]
fn devices_and_inventory_describe_the_fleet() {
    let f = fleet(3, "instant");
    let d = f.devices();
    assert_eq!(d.len(), 3);
    assert_eq!(d[2].name, "R3");
    assert_eq!(d[0].host, "127.0.0.1");
    assert_eq!(d[0].password.as_ref().unwrap().expose(), "cisco");
    let y = f.inventory_yaml();
    // Its first line marks it as fleetbench's (a later run may replace it, nothing else).
    assert!(y.starts_with("# Written by fleetbench"));
    assert!(y.contains("\nrouters:\n  - device_type: cisco_ios\n"));
    assert!(y.contains(&format!("port: {}\n", d[1].port)));
    assert_eq!(y.matches("secret: \"cisco\"").count(), 3);
    assert!(
        !format!("{f:?}").contains("cisco"),
        "Debug shows no credentials"
    );
}

#[test]
fn thousand_simultaneous_sessions_are_served() {
    // 250 devices x 4 sessions: within the vty limit (5) and the pre-auth cap.
    let f = fleet(250, "instant");
    let ports: Vec<u16> = f.devices().iter().map(|d| d.port).collect();
    let n = 1000;
    let barrier = Arc::new(Barrier::new(n));
    let start = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..n {
        let (p, b, tx) = (ports[i % ports.len()], barrier.clone(), tx.clone());
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                b.wait();
                let r = std::panic::catch_unwind(|| classic_session(p));
                let _ = tx.send(r.map(|out| out.contains(" UTC ")).unwrap_or(false));
            })
            .unwrap();
    }
    drop(tx);
    let deadline = Duration::from_secs(120);
    let mut ok = 0;
    for _ in 0..n {
        match rx.recv_timeout(deadline.saturating_sub(start.elapsed())) {
            Ok(true) => ok += 1,
            Ok(false) => {}
            Err(_) => break,
        }
    }
    assert_eq!(ok, n, "all sessions served in {:?}", start.elapsed());
    let cpu = f.server_cpu();
    eprintln!(
        "{n} sessions in {:?}, emulator CPU {cpu:?}",
        start.elapsed()
    );
    assert!(cpu > Duration::ZERO);
}

#[test]
fn latency_profile_delays_login_and_show_but_not_echo() {
    let time_session = |profile: &str| {
        let f = fleet(1, profile);
        let t = Instant::now();
        classic_session(port(&f, 0));
        t.elapsed()
    };
    let fast = time_session("instant");
    let slow = time_session("login=300ms,command=300ms");
    assert!(
        slow.as_secs_f64() > 3.0 * fast.as_secs_f64(),
        "instant {fast:?} vs delayed {slow:?}"
    );

    // The echo comes before the command delay.
    let f = fleet(1, "command=500ms");
    let mut sh = Shell::open(port(&f, 0));
    sh.until("R1>");
    sh.send("terminal length 0\n");
    let t = Instant::now();
    sh.until("R1>");
    let terminal = t.elapsed();
    let t = Instant::now();
    sh.send("show clock\n");
    sh.until("show clock\r\n");
    let echo = t.elapsed();
    sh.until("R1>");
    let output = t.elapsed();
    assert!(
        output.as_secs_f64() > 3.0 * echo.as_secs_f64(),
        "echo {echo:?} output {output:?}"
    );
    assert!(
        output.as_secs_f64() > 3.0 * terminal.as_secs_f64(),
        "terminal {terminal:?} is not delayed, show is ({output:?})"
    );
}

#[test]
fn ios_takes_a_vty_line_at_connect_and_refuses_before_the_banner() {
    let mut spec = FleetSpec::new(1, Profile::instant());
    spec.max_sessions = 2;
    let f = EmulatedFleet::start(spec).unwrap();
    let p = port(&f, 0);
    let mut a = Shell::open(p);
    let mut b = Shell::open(p);
    a.until("R1>");
    b.until("R1>");
    // The third is reset before the SSH banner (so soon that the connect itself may see
    // it): no login, no shell.
    let reset = |e: std::io::Error| assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
    match tcp(p) {
        Err(e) => reset(e),
        Ok(mut c) => {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 64];
            match c.read(&mut buf) {
                Ok(0) => {}
                Ok(n) => panic!("got {:?}", String::from_utf8_lossy(&buf[..n])),
                Err(e) => reset(e),
            }
        }
    }
    // A freed line can be used again.
    a.send("exit\n");
    a.rest();
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(10);
    while handshake(p, TIMEOUT_MS).is_err() {
        assert!(Instant::now() < deadline, "line never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn nxos_logs_in_and_then_says_its_session_limit() {
    let mut spec = FleetSpec::new(1, Profile::by_name("instant,vty=1").unwrap());
    spec.platforms = fleetbench_emulator::PlatformMix::parse("nxos").unwrap();
    let f = EmulatedFleet::start(spec).unwrap();
    let p = port(&f, 0);
    let mut a = Shell::open(p);
    a.until("#");
    let mut b = Shell::open(p);
    let refused = b.rest();
    assert!(
        refused.contains("CLI session limit 1 reached. Exiting."),
        "{refused:?}"
    );
    assert!(!refused.contains('#'));
}

#[test]
fn max_startups_drops_beyond_full_with_sshds_words() {
    // A hard cap of 3 unauthenticated connections, lines enough for all.
    let f = fleet(1, "instant,preauth=3,vty=10");
    let p = port(&f, 0);
    // Three clients that spoke (so none is taken for an idle socket) and then wait.
    let held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = tcp(p).unwrap();
            s.write_all(b"SSH-2.0-held\r\n").unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut banner = [0u8; 4];
            s.read_exact(&mut banner).unwrap();
            assert_eq!(&banner, b"SSH-");
            s
        })
        .collect();
    let mut extra = tcp(p).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut got = Vec::new();
    let _ = extra.read_to_end(&mut got);
    assert_eq!(got, fleetbench_emulator::startups::DROP_NOTICE);
    drop(held);
    // Once they are gone, logins work again.
    let deadline = Instant::now() + Duration::from_secs(10);
    while login(p, "cisco").is_err() {
        assert!(Instant::now() < deadline, "device never recovered");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn works_when_started_and_dropped_inside_a_tokio_runtime() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let f = fleet(1, "instant");
        let p = port(&f, 0);
        let out = tokio::task::spawn_blocking(move || classic_session(p))
            .await
            .unwrap();
        assert!(out.contains(" UTC "));
        drop(f);
    });
}

#[test]
fn serve_foreground_writes_inventory_when_ready_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory.yaml");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let inv2 = inv.clone();
    let server = rt.spawn(async move {
        serve_foreground(
            FleetSpec::new(2, Profile::instant()),
            Some(&inv2),
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !inv.exists() {
        assert!(Instant::now() < deadline, "inventory never written");
        std::thread::sleep(Duration::from_millis(10));
    }
    let yaml = std::fs::read_to_string(&inv).unwrap();
    let port: u16 = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("port: "))
        .unwrap()
        .parse()
        .unwrap();
    // The file appeared, so the device already listens.
    assert!(classic_session(port).contains(" UTC "));
    stop_tx.send(()).unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("serve_foreground stops")
            .unwrap()
            .unwrap()
    });
}

#[test]
fn faults_behave_as_described() {
    let profile = "instant,fault=refuse@R1,fault=no-banner@R2,fault=no-prompt@R3,fault=hang@R4,\
                   fault=wrong-password@R5,fault=enable-refused@R6,fault=disconnect@R7,\
                   fault=slow:2000@R8,fault=weird-prompt@R9,fault=fail:100%@R10";
    let f = fleet(11, profile);
    let p = |i: usize| port(&f, i - 1);

    // R1: refused.
    let e = tcp(p(1)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);

    // R2: TCP accepted, no SSH banner.
    assert!(handshake(p(2), 1000).is_err());

    // R3: logged in, never a prompt.
    let s = login(p(3), "cisco").unwrap();
    s.set_timeout(1000);
    let mut ch = s.channel_session().unwrap();
    ch.request_pty("vt100", None, None).unwrap();
    ch.shell().unwrap();
    ch.write_all(b"\n").unwrap();
    let mut buf = [0u8; 64];
    assert!(ch.read(&mut buf).is_err(), "nothing comes");

    // R4: half the output of a show command, then silence.
    let mut sh = Shell::open(p(4));
    sh.until("R4>");
    sh.send("terminal length 0\n");
    sh.until("R4>");
    sh._sess.set_timeout(1000);
    sh.send("show version\n");
    let (err, got) = sh.try_until("R4>").unwrap_err();
    assert!(err != "EOF", "hangs, does not close");
    assert!(got.contains("Cisco IOS Software"), "{got:?}");
    assert!(!got.contains("Configuration register"), "{got:?}");

    // R5: the inventory's password is wrong for this device.
    assert!(login(p(5), "cisco").is_err());

    // R6: enable refused with the right secret.
    let mut sh = Shell::open(p(6));
    sh.until("R6>");
    sh.send("enable\ncisco\n");
    assert!(sh.until("R6>").contains("% Access denied"));

    // R7: half the output, then the connection drops.
    let mut sh = Shell::open(p(7));
    sh.until("R7>");
    sh.send("terminal length 0\n");
    sh.until("R7>");
    sh.send("show version\n");
    let (_, got) = sh.try_until("R7>").unwrap_err();
    assert!(got.contains("Cisco IOS Software") && !got.contains("Configuration register"));

    // R8: slow output; R11 is healthy.
    let timed = |i: usize, prompt: &str| {
        let mut sh = Shell::open(p(i));
        sh.until(prompt);
        sh.send("terminal length 0\n");
        sh.until(prompt);
        let t = Instant::now();
        sh.send("show version\n");
        sh.until(&format!("0x0\r\n{prompt}"));
        t.elapsed()
    };
    let slow = timed(8, "R8>");
    let healthy = timed(11, "R11>");
    assert!(
        slow.as_secs_f64() > 5.0 * healthy.as_secs_f64(),
        "slow {slow:?} healthy {healthy:?}"
    );

    // R9: an unknown prompt.
    let mut sh = Shell::open(p(9));
    assert_eq!(sh.until("$ "), "\r\nrouter-weird$ ");

    // R10: every connection is dropped.
    assert!(handshake(p(10), 2000).is_err());

    let faults = f.device_faults();
    assert!(faults[10].is_healthy());
    assert!(faults[0].refuse && faults[9].fail_rate == 1.0);
}

#[test]
fn chaos_is_deterministic_and_mostly_healthy() {
    let faults = |seed| {
        let mut spec = FleetSpec::new(100, Profile::by_name("chaos").unwrap());
        spec.seed = seed;
        EmulatedFleet::start(spec).unwrap().device_faults()
    };
    let a = faults(3);
    assert_eq!(a, faults(3));
    assert_ne!(a, faults(4));
    let healthy = a.iter().filter(|d| d.is_healthy()).count();
    assert_eq!(healthy, 70);
}
