//! The one seed derivation of fleetbench: every seeded placement (the emulator's faults,
//! platforms and host keys, the link emulator's classes and loss draws) derives its seeds
//! with [`mix`], so the same seed gives the same fleet, build after build.

/// SplitMix64 of `a` combined with `b`: a stable way to derive independent seeds (host keys
/// must stay the same across builds, so this does not depend on `rand`'s algorithms).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixing_is_stable_and_spreads() {
        // Host keys and placements derive from these values: they must never change.
        assert_eq!(mix(0, 0), 0x6db6_ca64_564d_aeaa);
        assert_eq!(mix(1, 2), 0xfa42_7cf8_b0e7_a1c0);
        assert_eq!(mix(7, 1), 0xdf4d_ee81_692f_7455);
        assert_ne!(mix(1, 2), mix(2, 1));
    }
}
