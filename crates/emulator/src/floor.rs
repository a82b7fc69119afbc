//! The emulator's part of the floor: the key-exchange arithmetic one session costs the
//! emulator, with the crates russh uses for it (curve25519-dalek for X25519, ed25519-dalek
//! for the host key's signature, whatever russh's cipher backend), timed alone.
//!
//! As russh's `server_dh`: a fresh secret's public key, then the shared secret from the
//! client's public key; then one Ed25519 signature over a 32-byte exchange hash, with a key
//! made once (the floor does not pay ssh-key's per-signature re-derivation of the public
//! key, which russh does today: that is above the floor, and belongs upstream).

use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::Signer;
use fleetbench_report::floor::EmulatorCrypto;
use fleetbench_rusage::cpu_per_op;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::convert::Infallible;
use std::hint::black_box;

/// What [`emulator_crypto`] names as its library.
pub const LIBRARY: &str = "curve25519-dalek 5, ed25519-dalek 3";

/// The emulator's crypto per session, each operation timed over `rounds` rounds of
/// `iterations` calls on this thread's CPU clock.
pub fn emulator_crypto(iterations: usize, rounds: usize) -> EmulatorCrypto {
    let mut rng = StdRng::seed_from_u64(29);
    let client_pub = MontgomeryPoint::mul_base_clamped(rng.random());
    let key = ed25519_dalek::SigningKey::from_bytes(&rng.random());
    let hash = [0x5au8; 32];
    let ok = |r: Result<_, Infallible>| match r {
        Ok(s) => s,
        Err(e) => match e {},
    };
    let x25519_keypair = ok(cpu_per_op(iterations, rounds, || {
        black_box(MontgomeryPoint::mul_base_clamped(rng.random()));
        Ok(())
    }));
    let secret: [u8; 32] = rng.random();
    let x25519_agreement = ok(cpu_per_op(iterations, rounds, || {
        black_box(black_box(client_pub).mul_clamped(secret));
        Ok(())
    }));
    let ed25519_sign = ok(cpu_per_op(iterations, rounds, || {
        black_box(key.sign(black_box(&hash)));
        Ok(())
    }));
    EmulatorCrypto {
        library: LIBRARY.to_string(),
        x25519_keypair,
        x25519_agreement,
        ed25519_sign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_costs_cpu() {
        let c = emulator_crypto(2, 1);
        for s in [c.x25519_keypair, c.x25519_agreement, c.ed25519_sign] {
            assert!(s.median > 0.0, "{c:?}");
        }
        assert_eq!(c.library, LIBRARY);
    }

    /// The agreement the floor times is X25519's: both sides reach one shared secret.
    #[test]
    fn the_timed_agreement_is_x25519() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let (pa, pb) = (
            MontgomeryPoint::mul_base_clamped(a),
            MontgomeryPoint::mul_base_clamped(b),
        );
        assert_eq!(pb.mul_clamped(a), pa.mul_clamped(b));
    }
}
