//! The SSH server's configuration per device: algorithms by SSH stack, and host keys.

use std::borrow::Cow;
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::{MethodKind, MethodSet};

use super::error::EmulatorError;
use super::profile::SshStack;
use super::seed;

/// The russh configuration of one device.
pub(super) fn ssh_config(
    key: PrivateKey,
    publickey: bool,
    stack: SshStack,
) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    if publickey {
        methods.push(MethodKind::PublicKey);
    }
    methods.push(MethodKind::Password);
    methods.push(MethodKind::KeyboardInteractive);
    russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-Cisco-1.25".into()),
        methods,
        // OpenSSH and libssh2 first probe with `none`; the default 1 s rejection delay would
        // apply to that probe too and add a second to every session.
        auth_rejection_time_initial: Some(Duration::ZERO),
        // A wrong password still costs a little, as on a real device.
        auth_rejection_time: Duration::from_millis(300),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(600)),
        nodelay: true,
        preferred: match stack {
            SshStack::Modern => russh::Preferred::default(),
            SshStack::Legacy => legacy_algorithms(),
        },
        ..Default::default()
    }
}

/// What an older IOS SSH stack offers (IOS 15.x before the SHA-2 updates): SHA-1 key
/// exchanges, an `ssh-rsa` (RSA/SHA-1) host key, CTR and CBC ciphers, `hmac-sha1`.
pub(super) fn legacy_algorithms() -> russh::Preferred {
    use russh::{cipher, kex, mac};
    russh::Preferred {
        kex: Cow::Borrowed(&[kex::DH_G14_SHA1, kex::DH_GEX_SHA1, kex::DH_G1_SHA1]),
        key: Cow::Owned(vec![russh::keys::Algorithm::Rsa { hash: None }]),
        cipher: Cow::Borrowed(&[
            cipher::AES_128_CTR,
            cipher::AES_192_CTR,
            cipher::AES_256_CTR,
            cipher::AES_128_CBC,
            cipher::AES_256_CBC,
        ]),
        mac: Cow::Borrowed(&[mac::HMAC_SHA1]),
        ..russh::Preferred::default()
    }
}

/// The RSA host key of `ssh=legacy` devices. Generating RSA keys at start would cost seconds
/// in debug builds, so every legacy device of every fleet serves this one, made with
/// `ssh-keygen -t rsa -b 2048` for the emulator only (never use it anywhere else).
pub(super) fn legacy_host_key() -> Result<PrivateKey, EmulatorError> {
    const PEM: &str = include_str!("../fixtures/emulator-legacy-hostkey-rsa");
    PrivateKey::from_openssh(PEM).map_err(|e| EmulatorError::HostKey {
        index: 0,
        message: e.to_string(),
    })
}

/// A stable Ed25519 host key for device `index` of a fleet with `seed`.
pub(super) fn host_key(seed: u64, index: usize) -> Result<PrivateKey, EmulatorError> {
    let mut bytes = [0u8; 32];
    for (k, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed::mix(
            seed::mix(seed, 0x0048_4F53_544B_4559),
            (index * 4 + k) as u64,
        );
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Ok(PrivateKey::from(Ed25519Keypair::from_seed(&bytes)))
}

/// The jump host's own Ed25519 host key (a seed of its own, apart from every device's).
pub(super) fn bastion_host_key(seed: u64) -> Result<PrivateKey, EmulatorError> {
    host_key(seed::mix(seed, 0x4241_5354_494F_4E00), 0)
}

/// The client key the jump host accepts besides its password: what the written inventories
/// give `ssh -W` (a key file in a private folder, since a password cannot be passed to it
/// without a command line or the environment).
pub(super) fn bastion_client_key(seed: u64) -> Result<PrivateKey, EmulatorError> {
    host_key(seed::mix(seed, 0x434C_4945_4E54_4B59), 0)
}

/// The jump host's russh configuration: public key and password auth, like an OpenSSH host.
pub(super) fn bastion_config(key: PrivateKey) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    methods.push(MethodKind::Password);
    russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-OpenSSH_9.8 fleetbench-bastion".into()),
        methods,
        auth_rejection_time_initial: Some(Duration::ZERO),
        auth_rejection_time: Duration::from_millis(300),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(600)),
        nodelay: true,
        ..Default::default()
    }
}
