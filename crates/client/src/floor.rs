//! The client's part of the floor: the key-exchange arithmetic one session costs the client,
//! with the libcrypto libssh2 links (the `openssl` crate binds the same library), timed
//! alone; and the loopback exchange of a session's messages without their crypto, both
//! sides ([`exchange`]).
//!
//! The operations are those libssh2 asks OpenSSL for in a default session, through the EVP
//! calls a minimal OpenSSL 3 user makes: an X25519 key pair and its raw public key
//! (`_libssh2_curve25519_new`), the peer's key imported and the shared secret derived
//! (`gen_k`), the host key imported and one Ed25519 signature over a 32-byte exchange hash
//! verified (`_libssh2_ed25519_verify`).

use fleetbench_report::floor::ClientCrypto;
use fleetbench_rusage::cpu_per_op;
use openssl::derive::Deriver;
use openssl::pkey::{Id, PKey};
use openssl::sign::{Signer, Verifier};
use std::hint::black_box;
use std::io;

pub mod exchange;
pub use exchange::{SESSION_WRITES, Side, exchange};

/// Why a floor measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum FloorError {
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    #[error("the Ed25519 signature did not verify (the floor's own check)")]
    Verify,
    #[error("loopback exchange: {0}")]
    Io(#[from] io::Error),
    #[error("the loopback exchange's accepting thread ended without its figures")]
    Thread,
}

/// The client's crypto per session, each operation timed over `rounds` rounds of
/// `iterations` calls on this thread's CPU clock.
pub fn client_crypto(iterations: usize, rounds: usize) -> Result<ClientCrypto, FloorError> {
    // The peer's values a client meets in a session: the server's ephemeral X25519 public
    // key, its Ed25519 host key and its signature of the 32-byte exchange hash.
    let server_eph = PKey::generate_x25519()?.raw_public_key()?;
    let host = PKey::generate_ed25519()?;
    let host_pub = host.raw_public_key()?;
    let hash = [0x5au8; 32];
    let sig = Signer::new_without_digest(&host)?.sign_oneshot_to_vec(&hash)?;

    let x25519_keypair = cpu_per_op(iterations, rounds, || {
        let k = PKey::generate_x25519()?;
        // libssh2 puts the raw public key in its ECDH_INIT.
        black_box(k.raw_public_key()?);
        Ok::<_, FloorError>(())
    })?;
    let ours = PKey::generate_x25519()?;
    let x25519_agreement = cpu_per_op(iterations, rounds, || {
        let peer = PKey::public_key_from_raw_bytes(&server_eph, Id::X25519)?;
        let mut d = Deriver::new(&ours)?;
        d.set_peer(&peer)?;
        black_box(d.derive_to_vec()?);
        Ok::<_, FloorError>(())
    })?;
    let ed25519_verify = cpu_per_op(iterations, rounds, || {
        let pk = PKey::public_key_from_raw_bytes(&host_pub, Id::ED25519)?;
        let mut v = Verifier::new_without_digest(&pk)?;
        if !v.verify_oneshot(&sig, black_box(&hash))? {
            return Err(FloorError::Verify);
        }
        Ok(())
    })?;
    Ok(ClientCrypto {
        library: openssl::version::version().to_string(),
        x25519_keypair,
        x25519_agreement,
        ed25519_verify,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_costs_cpu_with_the_library_libssh2_links() {
        let c = client_crypto(2, 1).unwrap();
        assert!(c.library.starts_with("OpenSSL"), "{}", c.library);
        for s in [c.x25519_keypair, c.x25519_agreement, c.ed25519_verify] {
            assert!(s.median > 0.0, "{c:?}");
        }
    }
}
