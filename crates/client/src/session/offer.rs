//! What a session offers in its key exchange, and what it says when the device accepts none
//! of it.
//!
//! Most devices keep the default lists, and libssh2's supported lists are fixed when it is
//! built, so the default offer is resolved and joined once per process and borrowed by every
//! session that uses it; a device with lists of its own resolves them per session.

use crate::error::{Phase, SessionError};
use crate::kexinit;
use crate::wait::Io;
use fleetbench_inventory::Device;
use fleetbench_inventory::algorithms::{self, AlgorithmError, Kind};
use ssh2::Session;
use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Instant;

/// One list as offered: its kind, its names, and the same joined for `method_pref`.
#[derive(Clone)]
pub(crate) struct Listed {
    kind: Kind,
    names: Vec<String>,
    joined: String,
}

/// The four lists a session offers.
pub(crate) type Offer = Vec<Listed>;

/// Sets the device's algorithm lists on the session before the handshake; returns them.
pub(crate) fn offer_algorithms(
    sess: &Session,
    dev: &Device,
) -> Result<Cow<'static, [Listed]>, SessionError> {
    static DEFAULT: OnceLock<Result<Offer, String>> = OnceLock::new();
    let bad = |message: String| SessionError::Ssh {
        phase: Phase::Handshake,
        message,
    };
    let offer = if dev.algorithms.is_default() {
        let default = DEFAULT.get_or_init(|| resolve(sess, dev).map_err(|e| e.to_string()));
        Cow::Borrowed(default.as_deref().map_err(|e| bad(e.to_string()))?)
    } else {
        Cow::Owned(resolve(sess, dev).map_err(|e| bad(e.to_string()))?)
    };
    for l in offer.iter() {
        for &t in crate::libssh2::method_types(l.kind) {
            sess.method_pref(t, &l.joined)
                .map_err(|e| bad(format!("{}: {}", l.kind.key(), e.message())))?;
        }
    }
    Ok(offer)
}

fn resolve(sess: &Session, dev: &Device) -> Result<Offer, AlgorithmError> {
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let names = algorithms::resolve(
                kind,
                dev.algorithms.get(kind),
                &crate::libssh2::supported(sess, kind),
            )?;
            let joined = names.join(",");
            Ok(Listed {
                kind,
                names,
                joined,
            })
        })
        .collect()
}

/// A failed key exchange, told as OpenSSH tells it: which list has nothing in common, and both
/// sides' offers (the device's read from its KEXINIT on a second connection).
pub(crate) async fn negotiation_error<I: Io>(
    io: &I,
    dev: &Device,
    offered: &[Listed],
    e: &ssh2::Error,
    deadline: Instant,
) -> SessionError {
    let fallback = |detail: String| SessionError::Ssh {
        phase: Phase::Handshake,
        message: format!("{}{detail}", e.message()),
    };
    let theirs = match kexinit::probe(io, &dev.host, dev.port, deadline).await {
        Ok(offer) => offer,
        Err(err) => return fallback(format!(" (the device's offer could not be read: {err})")),
    };
    for l in offered {
        let their_list = theirs.get(l.kind);
        if !l.names.iter().any(|a| their_list.contains(a)) {
            return SessionError::NoCommonAlgorithm {
                what: l.kind.what().to_string(),
                key: l.kind.key().to_string(),
                ours: l
                    .names
                    .iter()
                    .filter(|n| !algorithms::is_marker(n))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(","),
                theirs: their_list.join(","),
            };
        }
    }
    fallback(String::new())
}

/// Sets on `sess` what the session core offers `dev` before its handshake, the same call
/// ([`offer_algorithms`]): for tests that pin what a default session negotiates.
pub fn set_offer(sess: &Session, dev: &Device) -> Result<(), SessionError> {
    offer_algorithms(sess, dev).map(drop)
}
