//! The lower bounds printed beside every strategy are bounds: no measured run beats them.

use fleetbench::compare::{self, CompareOptions};
use fleetbench::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Quiet;
use fleetbench_client::strategy::RunConfig;
use fleetbench_emulator::Profile;
use fleetbench_report::StrategyKind;

/// Clock granularity between the wall clock, session timestamps and CPU accounting.
fn slack(x: f64) -> f64 {
    x * 0.99 - 0.002
}

#[test]
fn no_measured_run_beats_the_ideal_schedule_or_the_lower_bound() {
    let fleet = Fleet::emulated_n(24, Profile::by_name("lan").unwrap(), "lan", 3).unwrap();
    let job = Job::new(vec!["show clock".into()], fleet.host_keys.clone());
    let opts = CompareOptions {
        strategies: StrategyKind::ALL.to_vec(),
        runs: 2,
        warmup: 0,
        run: RunConfig {
            workers: Some(8),
            worker_exe: Some(env!("CARGO_BIN_EXE_fleetbench").into()),
            ..RunConfig::default()
        },
        external: Default::default(),
    };
    let report = compare::run(&opts, &fleet, &job, &Quiet).unwrap();
    assert_eq!(report.failed_devices(), 0);
    let bound = fleetbench_report::stats::lower_bound(&report).unwrap();
    assert!(bound > 0.0);
    for s in &report.strategies {
        let e = s.efficiency.unwrap();
        assert_eq!(e.cpu_bound_s, bound, "{}", s.strategy);
        for r in &s.runs {
            assert!(
                r.wall_s >= slack(bound),
                "{}: {} < bound {bound}",
                s.strategy,
                r.wall_s
            );
            assert!(
                r.wall_s >= slack(r.ideal_s),
                "{}: {} < ideal {}",
                s.strategy,
                r.wall_s,
                r.ideal_s
            );
        }
    }
}
