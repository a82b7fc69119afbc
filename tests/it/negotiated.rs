//! What a session negotiates by default, pinned: a change of build (another OpenSSL, another
//! libssh2, another russh backend) or a lever made to save CPU must not change the algorithms
//! a user gets.

use crate::common::fleet;
use fleetbench_client::session::set_offer;
use ssh2::MethodType;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The session core's offer for a device with no algorithm lists of its own, then a
/// handshake against the emulator; returns what was negotiated, per method type.
fn negotiate() -> Vec<String> {
    let f = fleet(1, "instant");
    let dev = &f.devices()[0];
    assert!(dev.algorithms.is_default());
    let mut s = ssh2::Session::new().unwrap();
    set_offer(&s, dev).unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], dev.port));
    s.set_tcp_stream(TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap());
    s.set_timeout(5000);
    s.handshake().unwrap();
    [
        MethodType::Kex,
        MethodType::HostKey,
        MethodType::CryptCs,
        MethodType::CryptSc,
    ]
    .into_iter()
    .map(|t| s.methods(t).unwrap_or("").to_string())
    .collect()
}

#[test]
fn a_default_session_negotiates_curve25519_ed25519_chacha20() {
    // With an AEAD cipher the MAC is not used (libssh2 still names one), so it is not pinned.
    assert_eq!(
        negotiate(),
        [
            "curve25519-sha256",
            "ssh-ed25519",
            "chacha20-poly1305@openssh.com",
            "chacha20-poly1305@openssh.com",
        ]
    );
}

/// The default offer is resolved once per process and shared: a second session offers the
/// same and negotiates the same.
#[test]
fn the_shared_default_offer_negotiates_the_same_every_time() {
    assert_eq!(negotiate(), negotiate());
}
