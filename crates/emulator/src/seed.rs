//! Seeded randomness: every random choice of the emulator (host keys, serials, jitter, fault
//! and platform placement) derives from the fleet seed through [`mix`], so the same seed gives
//! the same fleet, build after build.

use rand::SeedableRng;
use rand::rngs::StdRng;

/// The one seed mixer of fleetbench (the link emulator derives its draws with it too).
pub(crate) use fleetbench_units::seed::mix;

/// The RNG of one session: from the fleet seed, the device index and the session's ordinal.
pub(crate) fn session_rng(seed: u64, device: usize, session: u64) -> StdRng {
    StdRng::seed_from_u64(mix(mix(seed, device as u64), session))
}

/// `base` stretched by a uniform draw in `1 ± jitter` (never below zero).
pub(crate) fn jittered(
    base: std::time::Duration,
    jitter: f64,
    rng: &mut StdRng,
) -> std::time::Duration {
    use rand::Rng;
    if jitter <= 0.0 || base.is_zero() {
        return base;
    }
    let factor = 1.0 + rng.random_range(-jitter..=jitter);
    base.mul_f64(factor.max(0.0))
}
