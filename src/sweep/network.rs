//! `fleetbench sweep --networks`: every strategy over each network (and fleet size), the
//! picture of why concurrency matters more the further away the fleet is. Each point gets a
//! fresh fleet behind a fresh network (namespaces are cheap); an unprivileged process gains
//! its namespace rights once, at the start, before any thread. The folder's files are
//! [`crate::present::sweep::network`]'s.

use super::SweepOptions;
use crate::compare::{self, CompareOptions};
use crate::fleet::{Fleet, NetworkedFleetError};
use fleetbench_client::job::Job;
use fleetbench_client::observe::Observer;
use fleetbench_client::strategy::RunConfig;
use fleetbench_emulator::FleetSpec;
use fleetbench_netem::{Method, NetworkSpec};
use fleetbench_report::{Report, StrategyKind};

/// What a network sweep runs (validated by the caller): `base`'s sizes, strategies, profile,
/// runs and folder, over each of `networks`, at one worker setting.
#[derive(Debug, Clone)]
pub struct NetworkSweepOptions {
    pub base: SweepOptions,
    pub networks: Vec<NetworkSpec>,
    pub method: Method,
    pub workers: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkSweepError {
    #[error("network {network}, {devices} devices: {source}")]
    Fleet {
        network: String,
        devices: usize,
        source: NetworkedFleetError,
    },
    #[error("network {network}, {devices} devices, {strategy}: {source}")]
    Strategy {
        network: String,
        devices: usize,
        strategy: StrategyKind,
        source: fleetbench_client::strategy::StrategyError,
    },
    #[error(transparent)]
    External(#[from] crate::external::ExternalError),
}

/// One measured point: every strategy over `devices` devices behind `network`.
#[derive(Debug, Clone)]
pub struct Point {
    pub network: NetworkSpec,
    pub devices: usize,
    pub report: Report,
}

/// A network sweep under way: sizes in order, each size over every network in order.
pub struct NetworkSweep<'a> {
    opts: &'a NetworkSweepOptions,
    /// The next point, as an index into sizes x networks.
    next: usize,
}

impl<'a> NetworkSweep<'a> {
    /// Unless the process is root, it must have gained its namespace rights
    /// ([`fleetbench_netem::sys::gain_namespace_rights`]) before it started any thread.
    pub fn new(opts: &'a NetworkSweepOptions) -> NetworkSweep<'a> {
        NetworkSweep { opts, next: 0 }
    }

    /// Measures the next point (its compare's events go to `obs`), or `None` when every point
    /// is done or a stop was requested.
    pub fn next_point(&mut self, obs: &dyn Observer) -> Result<Option<Point>, NetworkSweepError> {
        let opts = self.opts;
        let b = &opts.base;
        let per_size = opts.networks.len().max(1);
        let (i, k) = (self.next / per_size, self.next % per_size);
        let (Some(&n), Some(net)) = (b.sizes.get(i), opts.networks.get(k)) else {
            return Ok(None);
        };
        if b.stop.is_requested() {
            return Ok(None);
        }
        let copts = CompareOptions {
            external: Default::default(),
            strategies: b.strategies.clone(),
            runs: b.runs,
            warmup: b.warmup,
            run: RunConfig {
                workers: opts.workers,
                worker_exe: b.worker_exe.clone(),
                stop: b.stop.clone(),
                ..RunConfig::default()
            },
        };
        let mut spec = FleetSpec::new(n, b.profile_spec.clone());
        spec.seed = b.seed;
        let fleet =
            Fleet::behind_network(spec, &b.profile, net, opts.method).map_err(|source| {
                NetworkSweepError::Fleet {
                    network: net.name.clone(),
                    devices: n,
                    source,
                }
            })?;
        let job = Job::new(b.commands.clone(), fleet.host_keys.clone());
        let report = compare::run(&copts, &fleet, &job, obs).map_err(|e| match e {
            compare::CompareError::Strategy { strategy, source } => NetworkSweepError::Strategy {
                network: net.name.clone(),
                devices: n,
                strategy,
                source,
            },
            compare::CompareError::External(e) => NetworkSweepError::External(e),
        })?;
        fleet.stop();
        self.next += 1;
        Ok(Some(Point {
            network: net.clone(),
            devices: n,
            report,
        }))
    }
}
