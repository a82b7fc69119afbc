//! Every strategy over the same core gives the same results; scheduling shows in wall time.

use crate::common::*;
use fleetbench_report::StrategyKind;

#[test]
fn all_five_give_identical_outputs_in_inventory_order() {
    let f = fleet(6, "instant");
    let mut devices = f.devices();
    // One failing device in the middle: reported the same way by every strategy.
    devices[2].port = closed_port();
    let j = job(&f, &["show version", "show clock"]);
    let mut reference: Option<Vec<(String, Option<String>, String)>> = None;
    for kind in StrategyKind::ALL {
        let out = run(kind, &devices, &j, Some(3));
        assert_eq!(out.results.len(), 6, "{kind}");
        // `show clock` differs by the millisecond, so compare `show version` and the errors.
        let seen: Vec<_> = out
            .results
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    kind_of(r).map(str::to_string),
                    r.outputs
                        .first()
                        .map(|o| o.output.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(seen[2].1.as_deref(), Some("refused"), "{kind}");
        assert_eq!(out.failed(), 1, "{kind}");
        for (i, r) in out.results.iter().enumerate() {
            assert_eq!(r.name, devices[i].name, "{kind}: order");
            if i != 2 {
                assert!(
                    r.outputs[1].output.contains("UTC"),
                    "{kind}: {:?}",
                    r.outputs
                );
            }
        }
        match &reference {
            None => reference = Some(seen),
            Some(want) => assert_eq!(&seen, want, "{kind} differs from sequential"),
        }
    }
}

/// Three equally slow devices: W=1 is as slow as sequential, W=2 takes two rounds, W=3 one.
#[test]
fn worker_bound_shows_in_rounds() {
    let f = fleet(3, "login=300ms,command=300ms");
    let devices = f.devices();
    let j = job(&f, &["show clock"]);
    let seq = run(StrategyKind::Sequential, &devices, &j, None)
        .wall
        .as_secs_f64();
    for kind in [
        StrategyKind::Threads,
        StrategyKind::Async,
        StrategyKind::Rayon,
        StrategyKind::Processes,
    ] {
        let w1 = run(kind, &devices, &j, Some(1));
        let w2 = run(kind, &devices, &j, Some(2));
        let w3 = run(kind, &devices, &j, Some(3));
        assert_eq!(w1.ok() + w2.ok() + w3.ok(), 9, "{kind}");
        let (w1, w2, w3) = (
            w1.wall.as_secs_f64(),
            w2.wall.as_secs_f64(),
            w3.wall.as_secs_f64(),
        );
        // One round is one device's session (sequential ran three of them). Each pool pays a
        // fixed start-up on top (hundreds of ms for worker processes in a loaded debug
        // build), so compare the rounds a width saves, not ratios of wall times that include
        // that start-up. Generous margins measured in one run, not absolute times.
        let round = seq / 3.0;
        assert!(
            w1 > 0.8 * seq,
            "{kind}: W=1 {w1:.2} s vs sequential {seq:.2} s"
        );
        assert!(
            w1 - w2 > 0.5 * round && w2 - w3 > 0.5 * round,
            "{kind}: W=2 {w2:.2} s should be two rounds of {round:.2} s (W=3 {w3:.2}, W=1 {w1:.2})"
        );
        assert!(
            seq - w3 > 1.2 * round,
            "{kind}: sequential {seq:.2} s vs W=3 {w3:.2} s"
        );
    }
}
