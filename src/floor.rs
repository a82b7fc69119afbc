//! The floor: the least CPU one session can cost on this machine, per side, measured with the
//! libraries the session itself uses (`fleetbench floor`, and `machine.floor` in every
//! report, whose strategies' CPU per session is read as a multiple of it).
//!
//! The parts come from the layers that own the libraries: the client's crypto and the
//! loopback exchange from `fleetbench-client` (the libcrypto libssh2 links; the session's own
//! messages), the emulator's crypto from `fleetbench-emulator` (the crates russh uses). The
//! model and the multiples are `fleetbench-report`'s (`floor`, `stats`).

use fleetbench_client::floor::{FloorError, client_crypto, exchange};
use fleetbench_emulator::floor::emulator_crypto;
use fleetbench_report::floor::Floor;
use std::sync::OnceLock;

/// Which parts to measure (one alone serves instruction counts under callgrind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    All,
    ClientCrypto,
    EmulatorCrypto,
    Exchange,
}

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloorOptions {
    /// Operations (sessions, for the exchange) per round.
    pub iterations: usize,
    /// Rounds; each figure is the spread of the rounds'.
    pub rounds: usize,
    pub part: Part,
}

impl Default for FloorOptions {
    /// `fleetbench floor`'s defaults: a second or so of CPU, for a figure to quote.
    fn default() -> Self {
        FloorOptions {
            iterations: 200,
            rounds: 5,
            part: Part::All,
        }
    }
}

/// The floor in every report: a few dozen operations of each kind, a small fraction of a
/// second, measured once per process before its first fleet runs (a sweep's points share it).
pub const REPORT_ITERATIONS: usize = 16;
pub const REPORT_ROUNDS: usize = 3;
/// Sets the report floor's iterations per round; `0` leaves the floor out of reports.
pub const ITERATIONS_ENV: &str = "FLEETBENCH_FLOOR_ITERATIONS";

/// Measures the parts `opts` asks for, one after the other on this thread (the exchange's
/// accepting side on a second one), never while sessions run.
pub fn measure(opts: &FloorOptions) -> Result<Floor, FloorError> {
    let want = |p: Part| opts.part == Part::All || opts.part == p;
    let (n, r) = (opts.iterations.max(1), opts.rounds.max(1));
    Ok(Floor {
        iterations: n,
        rounds: r,
        client_crypto: want(Part::ClientCrypto)
            .then(|| client_crypto(n, r))
            .transpose()?,
        emulator_crypto: want(Part::EmulatorCrypto).then(|| emulator_crypto(n, r)),
        exchange: want(Part::Exchange).then(|| exchange(n, r)).transpose()?,
    })
}

/// The report's floor: [`REPORT_ITERATIONS`] x [`REPORT_ROUNDS`] (iterations from
/// [`ITERATIONS_ENV`] when set), measured at the first call and kept for the process. `None`
/// when switched off or when a part failed (a report without a floor has no multiples).
pub fn for_report() -> Option<Floor> {
    static FLOOR: OnceLock<Option<Floor>> = OnceLock::new();
    FLOOR
        .get_or_init(|| {
            let iterations = match std::env::var(ITERATIONS_ENV) {
                Ok(v) => v.trim().parse().ok()?,
                Err(_) => REPORT_ITERATIONS,
            };
            if iterations == 0 {
                return None;
            }
            measure(&FloorOptions {
                iterations,
                rounds: REPORT_ROUNDS,
                part: Part::All,
            })
            .ok()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_measures_something_and_each_side_has_a_floor() {
        let f = measure(&FloorOptions {
            iterations: 2,
            rounds: 2,
            part: Part::All,
        })
        .unwrap();
        let c = f.client_crypto.as_ref().unwrap();
        assert!(f.client_s().unwrap() > c.ed25519_verify.median);
        assert!(f.emulator_s().unwrap() > f.exchange.as_ref().unwrap().emulator.median);
        assert_eq!((f.iterations, f.rounds), (2, 2));
    }

    #[test]
    fn one_part_alone_measures_that_part_only() {
        let f = measure(&FloorOptions {
            iterations: 1,
            rounds: 1,
            part: Part::EmulatorCrypto,
        })
        .unwrap();
        assert!(f.emulator_crypto.is_some());
        assert!(f.client_crypto.is_none() && f.exchange.is_none());
        assert_eq!(f.emulator_s(), None, "no side's floor without the exchange");
    }
}
