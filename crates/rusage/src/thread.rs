//! The calling thread's CPU clock, and the CPU one operation costs on it (the floor's
//! measurements: `fleetbench floor`, and the floor in every report).

use fleetbench_report::Spread;
use std::time::Duration;

/// CPU time of the calling thread so far (user and kernel: `CLOCK_THREAD_CPUTIME_ID`); zero
/// where the clock cannot be read.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out pointer; the call writes nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0).min(999_999_999),
    )
}

/// Runs `op` `iterations` times in each of `rounds` rounds (at least one of each) on this
/// thread; the spread over the rounds of the CPU seconds one call cost. The first error
/// ends it.
pub fn cpu_per_op<E>(
    iterations: usize,
    rounds: usize,
    mut op: impl FnMut() -> Result<(), E>,
) -> Result<Spread, E> {
    let n = iterations.max(1);
    let mut per_round = Vec::new();
    for _ in 0..rounds.max(1) {
        let t0 = thread_cpu();
        for _ in 0..n {
            op()?;
        }
        per_round.push(thread_cpu().saturating_sub(t0).as_secs_f64() / n as f64);
    }
    Ok(Spread::of(&per_round))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_costs_thread_cpu_and_an_error_ends_the_rounds() {
        let mut x = 0u64;
        let s = cpu_per_op::<()>(2000, 3, || {
            for i in 0..2000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
            Ok(())
        })
        .unwrap();
        assert!(
            s.min > 0.0 && s.min <= s.median && s.median <= s.max,
            "{s:?}"
        );
        let mut calls = 0;
        let r = cpu_per_op(10, 3, || {
            calls += 1;
            if calls == 4 { Err("stop") } else { Ok(()) }
        });
        assert_eq!((r, calls), (Err("stop"), 4));
    }
}
