//! Where and why a device failed, as a report names it: the session [`Phase`]s and the error
//! kinds ([`kind`]). The typed errors that produce these names live with their producers
//! (the client's `SessionError`, the external pollers' `RunError`); a report reader only
//! needs the names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A phase of one device session, in the order the core runs them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Through a jump host (`--bastion`): TCP connect, handshake and login to the bastion,
    /// or the wait for a shared bastion connection that is still logging in.
    Bastion,
    /// Through a jump host: the `direct-tcpip` channel to the device opened on the bastion
    /// (the bastion's own TCP connect to the device included).
    BastionChannel,
    Connect,
    Handshake,
    Auth,
    /// pty request and shell start.
    Shell,
    /// Waiting for the first prompt, then `terminal length 0`.
    Prompt,
    Enable,
    Command,
    Close,
}

impl Phase {
    pub const ALL: [Phase; 10] = [
        Phase::Bastion,
        Phase::BastionChannel,
        Phase::Connect,
        Phase::Handshake,
        Phase::Auth,
        Phase::Shell,
        Phase::Prompt,
        Phase::Enable,
        Phase::Command,
        Phase::Close,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Bastion => "bastion",
            Phase::BastionChannel => "bastion_channel",
            Phase::Connect => "connect",
            Phase::Handshake => "handshake",
            Phase::Auth => "auth",
            Phase::Shell => "shell",
            Phase::Prompt => "prompt",
            Phase::Enable => "enable",
            Phase::Command => "command",
            Phase::Close => "close",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable error kinds of a report (`error.kind`), one name per cause. The session core's
/// kinds come first, then the devices' view of a session (`compare --device-view`, external
/// pollers), then what an external poller's run can end with.
pub mod kind {
    pub const REFUSED: &str = "refused";
    pub const UNREACHABLE: &str = "unreachable";
    pub const TIMEOUT: &str = "timeout";
    pub const AUTH_REJECTED: &str = "auth_rejected";
    /// The device has no password, no key file, and no ssh-agent identity could be used:
    /// fleetbench does not connect (a login with nothing to offer would only count against
    /// the account).
    pub const NO_CREDENTIALS: &str = "no_credentials";
    pub const ENABLE_REJECTED: &str = "enable_rejected";
    pub const PROMPT_NOT_SEEN: &str = "prompt_not_seen";
    pub const OUTPUT_TOO_LARGE: &str = "output_too_large";
    pub const DISCONNECTED: &str = "disconnected";
    pub const HOST_KEY_UNKNOWN: &str = "host_key_unknown";
    pub const HOST_KEY_CHANGED: &str = "host_key_changed";
    pub const SSH: &str = "ssh";
    pub const NO_COMMON_ALGORITHM: &str = "no_common_algorithm";
    pub const WORKER_DIED: &str = "worker_died";
    /// The run was stopped (Ctrl-C, SIGTERM) before this device finished: it never ran, or
    /// not to the end. A strategy with such devices is a partial run.
    pub const INTERRUPTED: &str = "interrupted";
    pub const COMMAND_REJECTED: &str = "command_rejected";
    pub const UNKNOWN_PLATFORM: &str = "unknown_platform";

    /// An SSH server (a jump host's sshd, or a device's own pre-authentication slots) closed
    /// the connection before its banner: what a client sees of `MaxStartups` dropping it
    /// (phase `bastion` through a jump host, `connect`/`handshake` otherwise).
    pub const DROPPED_AT_STARTUP: &str = "dropped_at_startup";
    /// The bastion refused the `direct-tcpip` channel to the device: over its per-connection
    /// channel limit, or a target it will not (or cannot) reach (phase `bastion_channel`).
    pub const BASTION_REFUSED: &str = "bastion_refused";
    /// The bastion refused the credentials given for it (phase `bastion`).
    pub const BASTION_AUTH_REJECTED: &str = "bastion_auth_rejected";
    // The devices' shared limits (issue 23). A client tells some apart by what the device
    // sends (a slow rejection, a session-limit message); the others only the devices' own
    // record can name, for emulated fleets (`error.client_kind` then keeps the client's).
    /// The device's AAA server did not answer in time, and the login failed.
    pub const AAA_TIMEOUT: &str = "aaa_timeout";
    /// The device's AAA server turned the request away (its queue was full).
    pub const AAA_REJECTED: &str = "aaa_rejected";
    /// Every vty line of the device was busy.
    pub const VTY_BUSY: &str = "vty_busy";
    /// The device was in `login block-for` quiet mode.
    pub const LOGIN_BLOCKED: &str = "login_blocked";

    /// The device saw no session in the run.
    pub const NOT_CONTACTED: &str = "not_contacted";
    pub const NOT_AUTHENTICATED: &str = "not_authenticated";
    pub const NO_SHELL: &str = "no_shell";
    pub const COMMAND_NOT_SENT: &str = "command_not_sent";
    pub const COMMAND_UNANSWERED: &str = "command_unanswered";
    pub const UNCLEAN_CLOSE: &str = "unclean_close";

    /// An external poller said nothing about the device (no results line, no record).
    pub const NOT_REPORTED: &str = "not_reported";
    pub const POLLER_REPORTED: &str = "poller_reported";
    pub const POLLER_FAILED: &str = "poller_failed";
    pub const POLLER_CRASHED: &str = "poller_crashed";
    pub const POLLER_TIMEOUT: &str = "poller_timeout";
    pub const POLLER_LEFT_PROCESSES: &str = "poller_left_processes";
}
