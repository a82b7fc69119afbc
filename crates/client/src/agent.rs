//! Whether an ssh-agent can log a device in: the socket `SSH_AUTH_SOCK` names answers, and
//! holds at least one identity. Asked once, at load, for devices with neither a password nor
//! a key file ([`probe`]): without a usable agent such a device has nothing to offer, and is
//! reported before any connection (`no_credentials`) instead of being rejected by the device
//! (`auth_rejected`), which would also count against its account.
//!
//! The question is the agent protocol's own `SSH2_AGENTC_REQUEST_IDENTITIES` (draft-miller-
//! ssh-agent, section 4.4): one request, and the first nine bytes of the answer (length,
//! `SSH2_AGENT_IDENTITIES_ANSWER`, the number of keys), each way under a deadline.

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

const REQUEST_IDENTITIES: u8 = 11;
const IDENTITIES_ANSWER: u8 = 12;
/// How long the local agent may take to answer.
const DEADLINE: Duration = Duration::from_secs(2);

/// What the agent can do for a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    /// It answered with this many identities (at least one).
    Usable { identities: u32 },
    /// It is not usable, and why (`SSH_AUTH_SOCK is not set`, ...).
    Unusable(String),
}

impl Agent {
    pub fn is_usable(&self) -> bool {
        matches!(self, Agent::Usable { .. })
    }
}

/// Asks the agent at `$SSH_AUTH_SOCK` for its identities.
pub fn probe() -> Agent {
    match std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()) {
        None => Agent::Unusable("SSH_AUTH_SOCK is not set".into()),
        Some(sock) => probe_at(Path::new(&sock)),
    }
}

/// Asks the agent listening on `sock` for its identities.
pub fn probe_at(sock: &Path) -> Agent {
    let unusable = |why: String| Agent::Unusable(format!("the agent at {}: {why}", sock.display()));
    let mut s = match UnixStream::connect(sock) {
        Ok(s) => s,
        Err(e) => return unusable(format!("cannot connect: {e}")),
    };
    if s.set_read_timeout(Some(DEADLINE)).is_err() || s.set_write_timeout(Some(DEADLINE)).is_err() {
        return unusable("cannot set a deadline".into());
    }
    if let Err(e) = s.write_all(&[0, 0, 0, 1, REQUEST_IDENTITIES]) {
        return unusable(format!("cannot ask it: {e}"));
    }
    let mut head = [0u8; 9];
    if let Err(e) = s.read_exact(&mut head) {
        return unusable(format!("no answer: {e}"));
    }
    if head[4] != IDENTITIES_ANSWER {
        return unusable(format!("unexpected answer type {}", head[4]));
    }
    match u32::from_be_bytes([head[5], head[6], head[7], head[8]]) {
        0 => unusable("it holds no key (ssh-add adds one)".into()),
        identities => Agent::Usable { identities },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A one-shot agent answering `keys` identities (bodies left out: only the count is read).
    fn agent(
        keys: u32,
    ) -> (
        tempfile::TempDir,
        std::path::PathBuf,
        std::thread::JoinHandle<()>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let l = UnixListener::bind(&path).unwrap();
        let t = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            let mut req = [0u8; 5];
            c.read_exact(&mut req).unwrap();
            assert_eq!(req, [0, 0, 0, 1, REQUEST_IDENTITIES]);
            let mut a = vec![0, 0, 0, 5, IDENTITIES_ANSWER];
            a.extend_from_slice(&keys.to_be_bytes());
            c.write_all(&a).unwrap();
        });
        (dir, path, t)
    }

    #[test]
    fn an_agent_with_keys_is_usable_one_without_is_not() {
        let (_d, p, t) = agent(2);
        assert_eq!(probe_at(&p), Agent::Usable { identities: 2 });
        t.join().unwrap();
        let (_d, p, t) = agent(0);
        let a = probe_at(&p);
        t.join().unwrap();
        assert!(
            matches!(&a, Agent::Unusable(w) if w.contains("no key")),
            "{a:?}"
        );
        let gone = probe_at(Path::new("/nonexistent/agent.sock"));
        assert!(!gone.is_usable(), "{gone:?}");
    }
}
