//! Every fault kind under every strategy: the run ends within its deadlines, every device gets
//! exactly one result (ok, or a typed error naming the phase), and healthy devices in the same
//! fleet are unaffected.
//!
//! One mixed fleet where each device has its own fault, polled by each strategy in turn, keeps
//! the file's runtime to a few deadlines per strategy instead of one fleet per fault.

use crate::common::*;
use fleetbench_report::DeviceResult;
use fleetbench_report::Phase;
use fleetbench_report::StrategyKind;
use std::time::{Duration, Instant};

/// What a device with a given fault must end with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    Err(&'static str, Phase),
}

/// (fault spelled as in a profile, without its target; expected result). `None` = healthy.
const CASES: &[(Option<&str>, Want)] = &[
    (None, Want::Ok),
    (Some("refuse"), Want::Err("refused", Phase::Connect)),
    (Some("no-banner"), Want::Err("timeout", Phase::Handshake)),
    (Some("no-prompt"), Want::Err("timeout", Phase::Prompt)),
    (Some("hang"), Want::Err("timeout", Phase::Command)),
    (
        Some("disconnect"),
        Want::Err("disconnected", Phase::Command),
    ),
    // 200 B/s: every step's answer arrives well within a phase deadline.
    (Some("slow"), Want::Ok),
    // 20 B/s: the first prompt trickles in, `terminal length 0`'s answer does not make it.
    (Some("slow:20"), Want::Err("timeout", Phase::Prompt)),
    (
        Some("wrong-password"),
        Want::Err("auth_rejected", Phase::Auth),
    ),
    (
        Some("enable-refused"),
        Want::Err("enable_rejected", Phase::Enable),
    ),
    (
        Some("weird-prompt"),
        Want::Err("prompt_not_seen", Phase::Prompt),
    ),
    // Every connection dropped right after accept: the SSH banner exchange fails.
    (
        Some("fail:100%"),
        Want::Err("disconnected", Phase::Handshake),
    ),
    (None, Want::Ok),
];

/// The per-phase deadline of these runs: short, so a hanging device costs little.
const PHASE_TIMEOUT: Duration = Duration::from_millis(600);

fn profile() -> String {
    let mut p = String::from("instant");
    for (i, (fault, _)) in CASES.iter().enumerate() {
        if let Some(f) = fault {
            p.push_str(&format!(",fault={f}@R{}", i + 1));
        }
    }
    p
}

fn check(kind: StrategyKind, results: &[DeviceResult]) {
    assert_eq!(results.len(), CASES.len(), "{kind}: one result per device");
    for (i, ((fault, want), r)) in CASES.iter().zip(results).enumerate() {
        let fault = fault.unwrap_or("healthy");
        assert_eq!(r.name, format!("R{}", i + 1), "{kind}: inventory order");
        match (&r.error, want) {
            (None, Want::Ok) => {}
            (Some(e), Want::Err(kind_want, phase_want)) => {
                // Every error is typed and names its phase; the message is for people.
                assert_eq!(
                    (e.kind.as_str(), e.phase),
                    (*kind_want, Some(*phase_want)),
                    "{kind}/{fault}: {e:?}"
                );
                assert!(!e.message.is_empty(), "{kind}/{fault}: empty message");
            }
            (got, want) => panic!("{kind}/{fault}: got {got:?}, want {want:?}"),
        }
        assert_eq!(r.ok, *want == Want::Ok, "{kind}/{fault}");
        if *want == Want::Ok {
            assert!(
                r.output().contains("UTC"),
                "{kind}/{fault}: output {:?}",
                r.output()
            );
        } else {
            assert!(
                r.output().is_empty() && r.outputs.is_empty(),
                "{kind}/{fault}"
            );
        }
    }
}

/// One run per strategy over the whole mixed fleet.
#[test]
fn every_fault_under_every_strategy_ends_typed_and_on_time() {
    let f = fleet(CASES.len(), &profile());
    let devices = f.devices();
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(PHASE_TIMEOUT);
    for kind in StrategyKind::ALL {
        let t0 = Instant::now();
        let out = run(kind, &devices, &j, None);
        let took = t0.elapsed();
        check(kind, &out.results);
        assert_eq!(out.ok(), 3, "{kind}");
        // Generous: sequential pays a deadline for each of the five silent devices, in turn;
        // a hang would take forever.
        assert!(took < Duration::from_secs(40), "{kind} took {took:?}");
        // No device took much longer than its slowest possible phase sequence (a phase
        // deadline for each of a handful of phases); a per-device bound, not a wall time.
        for r in &out.results {
            assert!(
                r.total_secs() < 10.0,
                "{kind}/{}: {:.1} s",
                r.name,
                r.total_secs()
            );
        }
    }
}

/// The concurrent strategies with fewer workers than devices: faulty devices queue behind one
/// another and still each get one result; healthy ones are still served.
#[test]
fn faults_with_fewer_workers_than_devices() {
    let f = fleet(CASES.len(), &profile());
    let devices = f.devices();
    let mut j = job(&f, &["show clock"]);
    j.timeout = Some(PHASE_TIMEOUT);
    for kind in [
        StrategyKind::Threads,
        StrategyKind::Processes,
        StrategyKind::Async,
        StrategyKind::Rayon,
    ] {
        let out = run(kind, &devices, &j, Some(3));
        check(kind, &out.results);
    }
}
