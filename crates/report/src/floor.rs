//! The floor (`machine.floor`): the least CPU one session can cost on this machine, measured
//! with the libraries the session itself uses, just before the fleet starts; every strategy's
//! CPU per session is then read as a multiple of it ([`crate::stats::client_floor_multiple`],
//! [`crate::stats::emulator_floor_multiple`]).
//!
//! Three parts: the client's crypto (one X25519 key pair and agreement and one Ed25519
//! verification, with the OpenSSL libssh2 links), the emulator's (one X25519 key pair and
//! agreement and one Ed25519 signature, with the crates russh uses), and a crypto-free
//! loopback TCP exchange of a real session's messages (count and sizes), each side's CPU
//! (user and kernel) on its own thread. Left out, so above the floor by definition: the
//! protocol's hashing, cipher and padding, its parsing and state, the dialogue, waiting, the
//! allocator and the runtimes.
//!
//! Every figure is CPU seconds per operation (per session, for the exchange), as the
//! [`Spread`] of the rounds' figures: a round times `iterations` operations on the thread's
//! CPU clock and divides.

use crate::spread::Spread;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The floor of one session on this machine, per side, and what it was made of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Floor {
    /// Operations (sessions, for the exchange) per round.
    pub iterations: usize,
    /// Rounds of each part; each figure is the spread of the rounds' per-operation CPU.
    pub rounds: usize,
    /// Absent when this part was not measured (`fleetbench floor --part`) or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_crypto: Option<ClientCrypto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulator_crypto: Option<EmulatorCrypto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
}

/// The client's key-exchange arithmetic, through the libcrypto libssh2 links.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientCrypto {
    /// The libcrypto in use, as it names itself (`OpenSSL 3.0.19 27 Jan 2026`).
    pub library: String,
    /// Key generation and the raw public key (libssh2's `_libssh2_curve25519_new`).
    pub x25519_keypair: Spread,
    /// The peer's key imported and the shared secret derived (libssh2's `gen_k`).
    pub x25519_agreement: Spread,
    /// The host key imported and one signature over a 32-byte hash verified.
    pub ed25519_verify: Spread,
}

/// The emulator's key-exchange arithmetic, with the crates russh uses for it whatever its
/// cipher backend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EmulatorCrypto {
    /// The crates and versions (`curve25519-dalek 5, ed25519-dalek 3`).
    pub library: String,
    /// A fresh secret's public key (a base-point multiplication, as russh's `server_dh`).
    pub x25519_keypair: Spread,
    /// The shared secret from the client's public key.
    pub x25519_agreement: Spread,
    /// One signature over a 32-byte hash with a key made once.
    pub ed25519_sign: Spread,
}

/// The loopback exchange: a session's messages without their crypto, per side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exchange {
    pub client_writes: usize,
    pub emulator_writes: usize,
    pub client_bytes: usize,
    pub emulator_bytes: usize,
    /// The connecting thread's CPU per session (connect, writes, reads, close).
    pub client: Spread,
    /// The accepting thread's CPU per session.
    pub emulator: Spread,
}

/// A strategy's CPU per session as a multiple of the floor (`strategies[].floor_multiple`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FloorMultiple {
    /// Client CPU per device over the client's floor.
    pub client: f64,
    /// The emulator's CPU per device over the emulator's floor, when the run knows the
    /// emulator's CPU (an in-process fleet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulator: Option<f64>,
}

/// Sum of the parts' figures, and how wide the rounds spread: `(max - min) / median` of
/// the sums.
fn side(parts: &[Spread]) -> (f64, f64) {
    let sum = |f: fn(&Spread) -> f64| parts.iter().map(f).sum::<f64>();
    let median = sum(|s| s.median);
    let noise = if median > 0.0 {
        (sum(|s| s.max) - sum(|s| s.min)) / median
    } else {
        0.0
    };
    (median, noise)
}

impl Floor {
    fn client_parts(&self) -> Option<[Spread; 4]> {
        let c = self.client_crypto.as_ref()?;
        let x = self.exchange.as_ref()?;
        Some([
            c.x25519_keypair,
            c.x25519_agreement,
            c.ed25519_verify,
            x.client,
        ])
    }

    fn emulator_parts(&self) -> Option<[Spread; 4]> {
        let c = self.emulator_crypto.as_ref()?;
        let x = self.exchange.as_ref()?;
        Some([
            c.x25519_keypair,
            c.x25519_agreement,
            c.ed25519_sign,
            x.emulator,
        ])
    }

    /// The client's floor per session, seconds of CPU (the parts' medians added), when its
    /// crypto and the exchange were both measured.
    pub fn client_s(&self) -> Option<f64> {
        self.client_parts().map(|p| side(&p).0).filter(|s| *s > 0.0)
    }

    /// The emulator's floor per session, seconds of CPU.
    pub fn emulator_s(&self) -> Option<f64> {
        self.emulator_parts()
            .map(|p| side(&p).0)
            .filter(|s| *s > 0.0)
    }

    /// The floor's own noise on the client's side: how far its rounds spread, relative to
    /// the floor (0.1 = the fastest and the slowest rounds' sums are 10% of it apart).
    pub fn client_noise(&self) -> Option<f64> {
        self.client_parts().map(|p| side(&p).1)
    }

    /// The same on the emulator's side.
    pub fn emulator_noise(&self) -> Option<f64> {
        self.emulator_parts().map(|p| side(&p).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(min: f64, median: f64, max: f64) -> Spread {
        Spread { min, median, max }
    }

    fn floor() -> Floor {
        Floor {
            iterations: 10,
            rounds: 3,
            client_crypto: Some(ClientCrypto {
                library: "OpenSSL".into(),
                x25519_keypair: s(30e-6, 32e-6, 40e-6),
                x25519_agreement: s(30e-6, 32e-6, 40e-6),
                ed25519_verify: s(100e-6, 110e-6, 120e-6),
            }),
            emulator_crypto: Some(EmulatorCrypto {
                library: "dalek".into(),
                x25519_keypair: s(10e-6, 10e-6, 10e-6),
                x25519_agreement: s(30e-6, 30e-6, 30e-6),
                ed25519_sign: s(10e-6, 10e-6, 10e-6),
            }),
            exchange: Some(Exchange {
                client: s(20e-6, 26e-6, 30e-6),
                emulator: s(50e-6, 50e-6, 50e-6),
                ..Exchange::default()
            }),
        }
    }

    #[test]
    fn each_side_is_its_crypto_and_its_half_of_the_exchange() {
        let f = floor();
        assert!((f.client_s().unwrap() - 200e-6).abs() < 1e-12);
        assert!((f.emulator_s().unwrap() - 100e-6).abs() < 1e-12);
        // Client rounds: sums 180..230 us around 200: 25%; the emulator's never varied.
        assert!((f.client_noise().unwrap() - 0.25).abs() < 1e-9);
        assert_eq!(f.emulator_noise(), Some(0.0));
    }

    #[test]
    fn a_side_without_its_parts_has_no_floor() {
        let mut f = floor();
        f.exchange = None;
        assert_eq!((f.client_s(), f.emulator_s()), (None, None));
        let mut f = floor();
        f.client_crypto = None;
        assert_eq!(f.client_s(), None);
        assert!(f.emulator_s().is_some());
        assert_eq!(Floor::default().client_noise(), None);
    }
}
