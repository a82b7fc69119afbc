//! What this build of libssh2 can offer: its method types per list, and its supported
//! algorithms, which the inventory checks a user's lists against ([`Libssh2`]) and the
//! session resolves them with.

use fleetbench_inventory::algorithms::{Kind, Support};

/// The libssh2 method type of a list (client to server and server to client alike).
pub fn method_types(kind: Kind) -> &'static [ssh2::MethodType] {
    use ssh2::MethodType as M;
    match kind {
        Kind::Kex => &[M::Kex],
        Kind::HostKey => &[M::HostKey],
        Kind::Ciphers => &[M::CryptCs, M::CryptSc],
        Kind::Macs => &[M::MacCs, M::MacSc],
    }
}

/// What this build of libssh2 supports for `kind`, in its order of preference.
pub fn supported(sess: &ssh2::Session, kind: Kind) -> Vec<&'static str> {
    sess.supported_algs(method_types(kind)[0])
        .unwrap_or_default()
}

/// This build of libssh2 as an [`Support`]: its four lists, read once.
#[derive(Debug, Clone)]
pub struct Libssh2 {
    lists: Option<Vec<(Kind, Vec<&'static str>)>>,
}

impl Libssh2 {
    /// Reads the lists from a fresh libssh2 session (none when libssh2 cannot make one:
    /// then nothing is checked before connecting, as the session checks again).
    pub fn new() -> Libssh2 {
        let lists = ssh2::Session::new().ok().map(|sess| {
            Kind::ALL
                .into_iter()
                .map(|k| (k, supported(&sess, k)))
                .collect()
        });
        Libssh2 { lists }
    }
}

impl Default for Libssh2 {
    fn default() -> Self {
        Libssh2::new()
    }
}

impl Support for Libssh2 {
    fn supported(&self, kind: Kind) -> Option<Vec<&'static str>> {
        self.lists
            .as_ref()?
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, l)| l.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_inventory::algorithms::{default_list, is_legacy};

    #[test]
    fn this_libssh2_has_the_legacy_algorithms_built_in() {
        let ssh = Libssh2::new();
        let kex = ssh.supported(Kind::Kex).unwrap();
        assert!(kex.contains(&"diffie-hellman-group14-sha1"), "{kex:?}");
        assert!(ssh.supported(Kind::Macs).unwrap().contains(&"hmac-sha1"));
        assert!(ssh.supported(Kind::HostKey).unwrap().contains(&"ssh-rsa"));
        // ... and never offers them by default.
        for k in Kind::ALL {
            let d = default_list(k, &ssh.supported(k).unwrap());
            assert!(!d.is_empty());
            assert!(d.iter().all(|n| !is_legacy(k, n)), "{d:?}");
        }
    }
}
