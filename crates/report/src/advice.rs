//! What to do about each error kind: one line per kind, the first sentence of its entry in
//! the user guide's troubleshooting page (`docs/src/troubleshooting.md`, section "What to do,
//! by kind", one `### kind` heading each, so the kind is the anchor). The verdict's failure
//! groups show it with the link; the page and the terminal read the same table.
//!
//! **One table, one row per kind.** A new kind gets a row here and an entry in the guide;
//! `tests/it/advice.rs` fails when a kind of [`crate::kind`] has no row or the guide no
//! entry, and when the guide's entry does not start with the row's words.

use crate::error::kind;

/// What a person does about one error kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    pub kind: &'static str,
    /// One line, imperative: the first sentence of the guide's entry.
    pub what: &'static str,
}

/// The guide page the advice comes from, relative to the repository's root; the kind is its
/// anchor (`docs/src/troubleshooting.md#refused`).
pub const GUIDE: &str = "docs/src/troubleshooting.md";

/// Every kind's advice, in the guide's order.
pub const ADVICE: &[Advice] = &[
    Advice {
        kind: kind::REFUSED,
        what: "Check the device's host and port, that SSH is enabled on it, and the ACLs on its vty lines.",
    },
    Advice {
        kind: kind::UNREACHABLE,
        what: "Check the address and DNS from the polling machine (`ssh -p PORT user@host`).",
    },
    Advice {
        kind: kind::TIMEOUT,
        what: "Raise `timeout:` in the inventory or `--timeout SECS` if the device is only slow; the message names the phase that stalled.",
    },
    Advice {
        kind: kind::AUTH_REJECTED,
        what: "Check `username:` and `password:` (or `key_file:`) for these devices; `--ask-password` asks once for those without one.",
    },
    Advice {
        kind: kind::NO_CREDENTIALS,
        what: "Give these devices a password or a key: `--ask-password`, `password:` (or `password: ${VAR}`) or `key_file:` in the inventory, or load a key into ssh-agent.",
    },
    Advice {
        kind: kind::ENABLE_REJECTED,
        what: "Check `secret:`, or leave it out for an account that logs in privileged.",
    },
    Advice {
        kind: kind::PROMPT_NOT_SEEN,
        what: "Check `device_type:` (the message ends with what the device sent instead of a prompt).",
    },
    Advice {
        kind: kind::OUTPUT_TOO_LARGE,
        what: "Raise `--max-output` (`256MiB` for a full BGP table), or run a narrower command.",
    },
    Advice {
        kind: kind::DISCONNECTED,
        what: "The device closed the connection: in `handshake` often a full vty pool, MaxStartups or a login block; in `command` a device that dropped mid-output.",
    },
    Advice {
        kind: kind::HOST_KEY_UNKNOWN,
        what: "Check the fingerprint in the message, then add the key (`ssh-keyscan`, or one run with `--host-keys accept-new`).",
    },
    Advice {
        kind: kind::HOST_KEY_CHANGED,
        what: "Find out why the key changed before removing the old line the message names; an emulated fleet's own `.known_hosts` file beside its inventory avoids this.",
    },
    Advice {
        kind: kind::NO_COMMON_ALGORITHM,
        what: "Add what the device needs, as the message says: `kex: +NAME` (or `hostkey:`, `ciphers:`, `macs:`) in the inventory, or `--kex '+NAME'`.",
    },
    Advice {
        kind: kind::SSH,
        what: "Read libssh2's message; try the same device with `ssh -vvv`.",
    },
    Advice {
        kind: kind::COMMAND_REJECTED,
        what: "Fix the command, use `--command-for TYPE=CMD` for mixed platforms, or `--on-command-error keep`.",
    },
    Advice {
        kind: kind::WORKER_DIED,
        what: "Read the worker's stderr in the message; only this device is lost.",
    },
    Advice {
        kind: kind::INTERRUPTED,
        what: "Nothing to fix: the run was stopped, and the report marks it partial.",
    },
    Advice {
        kind: kind::UNKNOWN_PLATFORM,
        what: "Use one of the seven platform names for `device_type`.",
    },
    Advice {
        kind: kind::DROPPED_AT_STARTUP,
        what: "Open fewer connections at once (`--workers`, `--connect-rate`), or `--bastion-mode shared` through a jump host.",
    },
    Advice {
        kind: kind::BASTION_REFUSED,
        what: "Use fewer `--bastion-channels`, and check the device's address as the bastion sees it.",
    },
    Advice {
        kind: kind::BASTION_AUTH_REJECTED,
        what: "Check the bastion's credentials: `bastion_key_file`/`bastion_password`, `--bastion-key`.",
    },
    Advice {
        kind: kind::AAA_TIMEOUT,
        what: "Fewer logins at once (`--workers`, `--connect-rate`), `--retries`, or a faster AAA server.",
    },
    Advice {
        kind: kind::AAA_REJECTED,
        what: "Fewer logins at once (`--workers`, `--connect-rate`) or `--retries`: the AAA server's queue was full.",
    },
    Advice {
        kind: kind::VTY_BUSY,
        what: "Fewer sessions per device, `--retries`, or more vty lines; another poller or a leaked session may hold them.",
    },
    Advice {
        kind: kind::LOGIN_BLOCKED,
        what: "Wait out the quiet period, and fix the password that tripped the block.",
    },
    Advice {
        kind: kind::NOT_CONTACTED,
        what: "The poller never reached this device: run its command by hand and check it reads the inventory fleetbench gave it.",
    },
    Advice {
        kind: kind::NOT_AUTHENTICATED,
        what: "Check the credentials the poller uses.",
    },
    Advice {
        kind: kind::NO_SHELL,
        what: "The poller logged in but asked for no shell or exec: check how it opens its channel.",
    },
    Advice {
        kind: kind::COMMAND_NOT_SENT,
        what: "The device never received the requested command: check the poller sends `{command}`.",
    },
    Advice {
        kind: kind::COMMAND_UNANSWERED,
        what: "The poller left before the answer: make it read until the prompt.",
    },
    Advice {
        kind: kind::UNCLEAN_CLOSE,
        what: "The session ended without `exit`: a fault of the device, or a poller that drops its connection.",
    },
    Advice {
        kind: kind::NOT_REPORTED,
        what: "The poller wrote no results line for this device and the devices kept no record: write one line per device to `{results}`.",
    },
    Advice {
        kind: kind::POLLER_REPORTED,
        what: "The poller's results line said `ok: false`: read its message.",
    },
    Advice {
        kind: kind::POLLER_FAILED,
        what: "Run the poller's command by hand with the same arguments; the message ends with its stderr.",
    },
    Advice {
        kind: kind::POLLER_CRASHED,
        what: "The message names the signal; look for an out-of-memory kill (`dmesg`).",
    },
    Advice {
        kind: kind::POLLER_TIMEOUT,
        what: "Raise `--external-timeout`, or find where the poller hangs.",
    },
    Advice {
        kind: kind::POLLER_LEFT_PROCESSES,
        what: "Make the poller wait for the processes it starts.",
    },
];

/// The advice for `kind`, if the table has a row for it.
pub fn advice(kind: &str) -> Option<&'static Advice> {
    ADVICE.iter().find(|a| a.kind == kind)
}

/// Where the guide explains `kind`: `docs/src/troubleshooting.md#kind`.
pub fn link(kind: &str) -> String {
    format!("{GUIDE}#{kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_kind() {
        for (i, a) in ADVICE.iter().enumerate() {
            assert!(
                !ADVICE[..i].iter().any(|b| b.kind == a.kind),
                "{} twice",
                a.kind
            );
            assert!(!a.what.contains('\n') && a.what.ends_with('.'), "{a:?}");
        }
        assert_eq!(
            link("refused"),
            "docs/src/troubleshooting.md#refused".to_string()
        );
        assert_eq!(advice("refused").map(|a| a.kind), Some("refused"));
        assert!(advice("no_such_kind").is_none());
    }
}
