//! Seeded randomness: every random choice of the emulator (host keys, serials, jitter, fault
//! and platform placement) derives from the fleet seed through [`mix`], so the same seed gives
//! the same fleet, build after build.

use rand::SeedableRng;
use rand::rngs::StdRng;

/// SplitMix64 of `a` combined with `b`: a stable way to derive independent seeds (host keys
/// must stay the same across builds, so this does not depend on `rand`'s algorithms).
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of one session: from the fleet seed, the device index and the session's ordinal.
pub(crate) fn session_rng(seed: u64, device: usize, session: u64) -> StdRng {
    StdRng::seed_from_u64(mix(mix(seed, device as u64), session))
}
