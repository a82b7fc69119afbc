//! The connect-and-run core against the emulator, on the blocking driver.

use crate::common::*;
use fleetbench_client::session::poll_blocking;
use fleetbench_inventory::Secret;
use fleetbench_report::Phase;
use std::time::{Duration, Instant};

#[test]
fn runs_every_command_and_strips_echo_and_prompt() {
    let f = fleet(1, "instant");
    let dev = &f.devices()[0];
    let cmds = [
        "show clock",
        "show version",
        "show ip interface brief",
        "show running-config",
    ];
    let r = poll_blocking(dev, &job(&f, &cmds));
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.outputs.len(), 4);
    assert!(
        r.outputs[0].output.contains("UTC"),
        "{}",
        r.outputs[0].output
    );
    assert!(
        !r.outputs[0].output.contains("show clock"),
        "echo not stripped"
    );
    assert!(!r.outputs[0].output.contains("R1#"), "prompt not stripped");
    assert!(
        r.outputs[1].output.contains("Cisco IOS"),
        "{}",
        r.outputs[1].output
    );
    assert!(r.outputs[2].output.contains("Interface"));
    let run = &r.outputs[3].output;
    assert!(
        run.contains("hostname R1"),
        "running-config names the device"
    );
    assert!(
        run.lines().count() > 100,
        "a few hundred lines, unpaged: {}",
        run.lines().count()
    );
    assert!(!run.contains("--More--"));
    assert!(r.host_key.as_deref().unwrap().starts_with("SHA256:"));
    // Every phase is timed, in order.
    let phases: Vec<Phase> = r.phases.iter().map(|p| p.phase).collect();
    for p in [
        Phase::Connect,
        Phase::Handshake,
        Phase::Auth,
        Phase::Shell,
        Phase::Prompt,
        Phase::Enable,
        Phase::Close,
    ] {
        assert!(phases.contains(&p), "{p} missing from {phases:?}");
    }
    assert_eq!(phases.iter().filter(|p| **p == Phase::Command).count(), 4);
}

#[test]
fn wrong_password_is_auth_rejected() {
    let f = fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    dev.password = Some(Secret::new("not-the-password"));
    let r = poll_blocking(&dev, &job(&f, &["show clock"]));
    assert_eq!(kind_of(&r), Some("auth_rejected"));
    let msg = &r.error.as_ref().unwrap().message;
    assert!(!msg.contains("not-the-password"), "secret leaked: {msg}");
}

#[test]
fn wrong_secret_is_enable_rejected() {
    let f = fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    dev.secret = Some(Secret::new("wrong-secret"));
    let r = poll_blocking(&dev, &job(&f, &["show clock"]));
    assert_eq!(kind_of(&r), Some("enable_rejected"));
    assert!(!serde_json::to_string(&r).unwrap().contains("wrong-secret"));
}

#[test]
fn refused_port_is_refused() {
    let f = fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    dev.port = closed_port();
    let r = poll_blocking(&dev, &job(&f, &["show clock"]));
    assert_eq!(kind_of(&r), Some("refused"));
}

#[test]
fn device_that_never_prompts_times_out_within_its_deadline() {
    let f = fleet(1, "instant,fault=no-prompt");
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(Duration::from_millis(800));
    let t0 = Instant::now();
    let r = poll_blocking(&f.devices()[0], &j);
    let took = t0.elapsed();
    assert_eq!(kind_of(&r), Some("timeout"), "{:?}", r.error);
    assert_eq!(r.error.as_ref().unwrap().phase, Some(Phase::Prompt));
    // The deadline is per phase: well before the generous bound below, never hanging.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn unknown_prompt_reports_what_was_seen() {
    let f = fleet(1, "instant,fault=weird-prompt");
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(Duration::from_millis(800));
    let r = poll_blocking(&f.devices()[0], &j);
    assert_eq!(kind_of(&r), Some("prompt_not_seen"), "{:?}", r.error);
    // Escaped once, readable: `\r\n` shows as two characters each, not four.
    let msg = r.error.unwrap().message;
    assert!(msg.contains("router-weird$"), "{msg}");
    assert!(!msg.contains("\\\\r"), "escaped twice: {msg}");
}

#[test]
fn changed_host_key_is_refused_and_unknown_one_in_strict_mode() {
    use fleetbench_client::hostkeys::{HostKeyCheck, HostKeyPolicy};
    let f = fleet(1, "instant");
    let dev = &f.devices()[0];
    let mut j = job(&f, &["show clock"]);
    j.host_keys = HostKeyCheck {
        policy: HostKeyPolicy::Strict,
        ..Default::default()
    };
    assert_eq!(kind_of(&poll_blocking(dev, &j)), Some("host_key_unknown"));
    j.host_keys.pin(
        &dev.host,
        dev.port,
        "ssh-ed25519",
        "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    );
    j.host_keys.policy = HostKeyPolicy::AcceptNew;
    assert_eq!(kind_of(&poll_blocking(dev, &j)), Some("host_key_changed"));
    j.host_keys.policy = HostKeyPolicy::Insecure;
    assert!(poll_blocking(dev, &j).ok);
    // accept-new with nothing known: accepted, and the key is handed back for recording.
    j.host_keys = HostKeyCheck {
        policy: HostKeyPolicy::AcceptNew,
        ..Default::default()
    };
    let r = poll_blocking(dev, &j);
    assert!(r.ok);
    assert!(r.new_host_key.unwrap().contains("ssh-ed25519"));
}
