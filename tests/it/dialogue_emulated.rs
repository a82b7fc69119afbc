//! The client's dialogue against every emulated platform's command line, in memory: no
//! socket, no SSH, the two pure state machines feeding each other. (Here rather than in the
//! emulator crate, which must not depend on the client.)

use chrono::{DateTime, TimeZone, Utc};
use fleetbench_client::SessionError;
use fleetbench_client::dialogue::{Action, Dialogue};
use fleetbench_emulator::config::Shared;
use fleetbench_emulator::engine::Reply;
use fleetbench_emulator::identity::FleetLayout;
use fleetbench_emulator::platforms::new_cli;
use fleetbench_emulator::profile::SshStack;
use fleetbench_emulator::setup::CliSetup;
use fleetbench_inventory::Secret;
use fleetbench_inventory::platform::Platform;
use fleetbench_report::CommandOutput;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 36, 1).unwrap()
}

fn identity(index: usize) -> CliSetup {
    CliSetup {
        index,
        hostname: format!("R{}", index + 1),
        username: "cisco".into(),
        secret: "s3cret".into(),
        boot: now() - chrono::TimeDelta::minutes(3 * 24 * 60 + 65),
        enable_refused: false,
        prompt_override: None,
        device: std::sync::Arc::new(Shared::new(
            FleetLayout::new(index + 1, 1),
            index,
            SshStack::Modern,
            None,
        )),
    }
}

/// The client's dialogue for `platform` against the emulator's CLI for it, in memory:
/// the outputs, or the dialogue's error or rejection.
fn converse(
    platform: &'static Platform,
    commands: &[&str],
) -> Result<Vec<CommandOutput>, SessionError> {
    let mut cli = new_cli(platform, &identity(4));
    let mut d = Dialogue::for_platform(
        platform,
        commands.iter().map(|c| c.to_string()).collect(),
        Some(Secret::new("s3cret")),
    );
    let mut action = d.on_bytes(&cli.greeting())?;
    for _ in 0..100 {
        match action {
            Action::Finished => {
                if let Some(e) = d.rejection() {
                    return Err(e.clone());
                }
                // The exit line closes the session.
                let replies = cli.feed(&d.exit_line(), now());
                assert!(replies.contains(&Reply::Close), "{}", platform.device_type);
                return Ok(d.into_outputs());
            }
            Action::Send(bytes) => {
                let mut got = Vec::new();
                for r in cli.feed(&bytes, now()) {
                    match r {
                        Reply::Echo(b) | Reply::Text(b) | Reply::Show(b) | Reply::Config(b) => {
                            got.extend(b)
                        }
                        Reply::Close => {}
                    }
                }
                action = d.on_bytes(&got)?;
            }
            Action::Wait => panic!("{}: the dialogue waits for more", platform.device_type),
        }
    }
    panic!("{}: no end", platform.device_type)
}

/// Per platform: its clock, version, interface listing and configuration commands, and a
/// text that only its `show version` (or `uname -a`) holds.
const CASES: &[(&str, [&str; 4], &str)] = &[
    (
        "ios",
        [
            "show clock",
            "show version",
            "show ip interface brief",
            "show running-config",
        ],
        "Cisco IOS Software, IOSv",
    ),
    (
        "xe",
        [
            "show clock",
            "show version",
            "show ip interface brief",
            "show running-config",
        ],
        "Cisco IOS XE Software",
    ),
    (
        "nxos",
        [
            "show clock",
            "show version",
            "show interface brief",
            "show running-config",
        ],
        "Cisco Nexus Operating System",
    ),
    (
        "xr",
        [
            "show clock",
            "show version",
            "show ip interface brief",
            "show running-config",
        ],
        "Cisco IOS XR Software",
    ),
    (
        "eos",
        [
            "show clock",
            "show version",
            "show ip interface brief",
            "show running-config",
        ],
        "Arista vEOS",
    ),
    (
        "junos",
        [
            "show system uptime",
            "show version",
            "show interfaces terse",
            "show configuration",
        ],
        "Junos: 21.4",
    ),
    (
        "linux",
        ["date", "uname -a", "ip -brief addr", "cat /etc/os-release"],
        "Debian",
    ),
];

#[test]
fn the_client_dialogue_polls_every_emulated_platform() {
    for (short, commands, marker) in CASES {
        let p = Platform::by_name(short).unwrap();
        let outs = converse(p, commands).unwrap_or_else(|e| panic!("{short}: {e}"));
        assert_eq!(outs.len(), 4, "{short}");
        for o in &outs {
            assert!(
                !o.output.trim().is_empty(),
                "{short}: {} is empty",
                o.command
            );
            assert!(
                !o.output.contains('\x1b'),
                "{short}: escape left in {}",
                o.command
            );
            assert!(
                !o.output.contains("R5#") && !o.output.contains("R5>"),
                "{short}: {}",
                o.output
            );
        }
        assert!(
            outs[1].output.contains(marker),
            "{short}: {}",
            outs[1].output
        );
        // Per-device addresses (IOS's own listing is the IOS module's business).
        if !["ios", "xe"].contains(short) {
            assert!(
                outs[2].output.contains(&identity(4).address()),
                "{short}: {}",
                outs[2].output
            );
        }
        // The clock is today's, in the platform's own format.
        assert!(
            outs[0].output.contains("2026") || outs[0].output.contains("Nov 22"),
            "{short}: {}",
            outs[0].output
        );
    }
}

#[test]
fn every_platform_rejects_an_unknown_command_in_its_own_words() {
    for (short, _, _) in CASES {
        let p = Platform::by_name(short).unwrap();
        let e = converse(p, &["show foo"]).unwrap_err();
        assert_eq!(e.kind(), "command_rejected", "{short}: {e}");
        let e = converse(p, &["bogus"]).unwrap_err();
        assert_eq!(e.kind(), "command_rejected", "{short}: {e}");
    }
}
