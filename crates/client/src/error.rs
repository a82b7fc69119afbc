//! Typed errors of the library. The binary wraps them with anyhow; nothing here carries a secret.

pub use fleetbench_report::Phase;
use fleetbench_report::{ErrorInfo, kind};
use serde::{Deserialize, Serialize};

/// Why one device session failed. Messages never include passwords or secrets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error("connection refused by {addr}")]
    Refused { addr: String },
    #[error("cannot resolve or reach {addr}: {message}")]
    Unreachable { addr: String, message: String },
    #[error("timed out after {secs:.1} s in phase {phase}")]
    Timeout { phase: Phase, secs: f64 },
    #[error("authentication rejected for user '{user}'")]
    AuthRejected { user: String },
    /// Neither a password nor a key file, and no ssh-agent identity to offer ([`crate::agent`]):
    /// the device is not contacted.
    #[error(
        "no password, no key file and no usable ssh-agent ({why}): not contacted; give it \
         one with --ask-password, `password:` (or `password: ${{VAR}}`) or `key_file:` in the \
         inventory"
    )]
    NoCredentials { why: String },
    #[error("enable rejected: the device is still unprivileged after the enable secret")]
    EnableRejected,
    /// `tail` is already printable (control characters escaped by the dialogue).
    #[error("prompt not seen in phase {phase}; last output: \"{tail}\"")]
    PromptNotSeen { phase: Phase, tail: String },
    /// The device sent more than the per-step cap (`limit` bytes) in answer to one step.
    #[error(
        "output too large in phase {phase}: the device sent more than {limit} bytes ({}) for one step; \
         the cap is --max-output",
        fleetbench_units::size::human(*limit)
    )]
    OutputTooLarge { phase: Phase, limit: usize },
    #[error("disconnected by the device in phase {phase}")]
    Disconnected { phase: Phase },
    #[error(
        "host key for {host} is not in known_hosts (strict checking); its fingerprint is {fingerprint}"
    )]
    HostKeyUnknown { host: String, fingerprint: String },
    #[error(
        "HOST KEY CHANGED for {host}: known_hosts has {expected}, the device offered {offered}; refusing to connect{hint}",
        hint = changed_key_hint(.host, .known_at.as_ref())
    )]
    HostKeyChanged {
        host: String,
        expected: String,
        offered: String,
        /// Where the old key is recorded, when it came from a known_hosts file.
        known_at: Option<KnownAt>,
    },
    #[error("ssh error in phase {phase}: {message}")]
    Ssh { phase: Phase, message: String },
    /// Key exchange failed because one of the four algorithm lists has nothing in common
    /// with the device's (as OpenSSH says "no matching ... found. Their offer: ...").
    #[error(
        "no common {what} algorithm: fleetbench offers {ours}; the device offers {theirs} \
         (to add one: `{key}: +NAME` in the inventory or --{key} '+NAME')"
    )]
    NoCommonAlgorithm {
        what: String,
        key: String,
        ours: String,
        theirs: String,
    },
    #[error("worker process died while polling this device: {message}")]
    WorkerDied { message: String },
    #[error("run interrupted before this device finished")]
    Interrupted,
    /// The output of `command` matched one of the platform's error markers (`line`).
    #[error("the device rejected command '{command}': {line}")]
    CommandRejected { command: String, line: String },
    /// A `device_type` the platform table does not know; the inventory refuses these at load,
    /// so only a `Device` built in code can get here.
    #[error("{0}")]
    UnknownPlatform(#[from] fleetbench_inventory::platform::UnknownPlatform),

    // Through a jump host (`--bastion`, [`crate::jump`]).
    /// The bastion closed the connection before its SSH banner (a notice line at most):
    /// what sshd's `MaxStartups` does to a connection it drops. A client cannot tell it from
    /// any other server that closes at once (a TCP wrapper, `PerSourcePenalties`).
    #[error(
        "the bastion {bastion} closed the connection before its SSH banner (what sshd does to \
         a connection over its MaxStartups)"
    )]
    DroppedAtStartup { bastion: String },
    #[error("the bastion {bastion} rejected the login of user '{user}'")]
    BastionAuthRejected { bastion: String, user: String },
    /// The bastion answered the `direct-tcpip` open with a failure; `reason` is libssh2's
    /// reading of its code (the bastion's own text does not reach the client).
    #[error("the bastion {bastion} refused a channel to {target}: {reason}")]
    BastionRefused {
        bastion: String,
        target: String,
        reason: String,
    },
    /// Any other failure on the way to the bastion (refused, timed out, host key, ...): the
    /// kind is the inner error's, the phase `bastion`.
    #[error("bastion {bastion}: {source}")]
    AtBastion {
        bastion: String,
        source: Box<SessionError>,
    },
    /// The login was rejected only after `secs`, at least the devices' AAA timeout: the
    /// device waited for its AAA server in vain (a wrong password is rejected at once).
    #[error(
        "login rejected after {secs:.1} s, past the devices' AAA timeout ({limit:.1} s, \
         --aaa-timeout): the device's AAA server did not answer in time"
    )]
    AaaTimeout { secs: f64, limit: f64 },
    /// The device said every session line is busy (`line` is its words).
    #[error("every vty line of the device is busy: \"{line}\"")]
    VtyBusy { phase: Phase, line: String },
}

/// A line of a known_hosts file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownAt {
    pub file: String,
    /// 1-based.
    pub line: usize,
}

/// `s` as one shell word: unchanged when it is plainly safe, else in single quotes.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What a person does about a changed key: where the old one is and the command that
/// removes it (OpenSSH's own advice, with the file and pattern filled in).
fn changed_key_hint(host: &str, known_at: Option<&KnownAt>) -> String {
    match known_at {
        None => String::new(),
        Some(k) => format!(
            ". The old key is in {}, line {}; if the device's key changed on purpose, remove \
             it with: ssh-keygen -R {} -f {}",
            k.file,
            k.line,
            shell_quote(host),
            shell_quote(&k.file)
        ),
    }
}

impl SessionError {
    /// Stable machine-readable kind, used in reports (`error.kind`, one of
    /// [`fleetbench_report::kind`]).
    pub fn kind(&self) -> &'static str {
        match self {
            SessionError::Refused { .. } => kind::REFUSED,
            SessionError::Unreachable { .. } => kind::UNREACHABLE,
            SessionError::Timeout { .. } => kind::TIMEOUT,
            SessionError::AuthRejected { .. } => kind::AUTH_REJECTED,
            SessionError::NoCredentials { .. } => kind::NO_CREDENTIALS,
            SessionError::EnableRejected => kind::ENABLE_REJECTED,
            SessionError::PromptNotSeen { .. } => kind::PROMPT_NOT_SEEN,
            SessionError::OutputTooLarge { .. } => kind::OUTPUT_TOO_LARGE,
            SessionError::Disconnected { .. } => kind::DISCONNECTED,
            SessionError::HostKeyUnknown { .. } => kind::HOST_KEY_UNKNOWN,
            SessionError::HostKeyChanged { .. } => kind::HOST_KEY_CHANGED,
            SessionError::Ssh { .. } => kind::SSH,
            SessionError::NoCommonAlgorithm { .. } => kind::NO_COMMON_ALGORITHM,
            SessionError::WorkerDied { .. } => kind::WORKER_DIED,
            SessionError::Interrupted => kind::INTERRUPTED,
            SessionError::CommandRejected { .. } => kind::COMMAND_REJECTED,
            SessionError::UnknownPlatform(_) => kind::UNKNOWN_PLATFORM,
            SessionError::DroppedAtStartup { .. } => kind::DROPPED_AT_STARTUP,
            SessionError::BastionAuthRejected { .. } => kind::BASTION_AUTH_REJECTED,
            SessionError::BastionRefused { .. } => kind::BASTION_REFUSED,
            SessionError::AtBastion { source, .. } => source.kind(),
            SessionError::AaaTimeout { .. } => kind::AAA_TIMEOUT,
            SessionError::VtyBusy { .. } => kind::VTY_BUSY,
        }
    }

    /// The phase the error happened in, when it belongs to one.
    pub fn phase(&self) -> Option<Phase> {
        match self {
            SessionError::Refused { .. } | SessionError::Unreachable { .. } => Some(Phase::Connect),
            SessionError::Timeout { phase, .. }
            | SessionError::PromptNotSeen { phase, .. }
            | SessionError::OutputTooLarge { phase, .. }
            | SessionError::Disconnected { phase }
            | SessionError::Ssh { phase, .. } => Some(*phase),
            SessionError::AuthRejected { .. }
            | SessionError::AaaTimeout { .. }
            | SessionError::NoCredentials { .. } => Some(Phase::Auth),
            SessionError::VtyBusy { phase, .. } => Some(*phase),
            SessionError::EnableRejected => Some(Phase::Enable),
            SessionError::HostKeyUnknown { .. }
            | SessionError::HostKeyChanged { .. }
            | SessionError::NoCommonAlgorithm { .. } => Some(Phase::Handshake),
            SessionError::CommandRejected { .. } => Some(Phase::Command),
            SessionError::WorkerDied { .. }
            | SessionError::Interrupted
            | SessionError::UnknownPlatform(_) => None,
            SessionError::DroppedAtStartup { .. }
            | SessionError::BastionAuthRejected { .. }
            | SessionError::AtBastion { .. } => Some(Phase::Bastion),
            SessionError::BastionRefused { .. } => Some(Phase::BastionChannel),
        }
    }
}

impl From<&SessionError> for ErrorInfo {
    fn from(e: &SessionError) -> Self {
        ErrorInfo {
            kind: e.kind().to_string(),
            message: e.to_string(),
            phase: e.phase(),
            client_kind: None,
        }
    }
}
