//! Authentication: a private key, the password, keyboard-interactive, then the agent's keys.

use super::{Conn, ssh2_or_session};
use crate::error::{Phase, SessionError};
use crate::wait::Io;
use fleetbench_inventory::Device;
use std::time::{Duration, Instant};

/// Answers every keyboard-interactive challenge with the password, as paramiko and netmiko do
/// for IOS's single `Password:` challenge.
struct PasswordPrompter<'a>(&'a str);

impl ssh2::KeyboardInteractivePrompt for PasswordPrompter<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        _instructions: &str,
        prompts: &[ssh2::Prompt<'b>],
    ) -> Vec<String> {
        prompts.iter().map(|_| self.0.to_string()).collect()
    }
}

/// Authenticates with the device's credentials. `aaa_late`: a password or
/// keyboard-interactive rejection that took at least this long is the device's AAA server
/// timing out (`aaa_timeout`), and no other method is tried after it (the device would only
/// wait for the same silent server again).
pub(super) async fn authenticate<I: Io>(
    c: &Conn<'_, I>,
    dev: &Device,
    aaa_late: Duration,
) -> Result<(), SessionError> {
    let user = dev.username.as_str();
    let late = |t0: Instant| {
        let secs = t0.elapsed();
        (secs >= aaa_late).then(|| SessionError::AaaTimeout {
            secs: secs.as_secs_f64(),
            limit: aaa_late.as_secs_f64() / crate::job::AAA_LATE_SHARE,
        })
    };
    // Each method gets its own deadline: a device answers each attempt separately and may
    // pause before a rejection (IOS does, and so does the emulator), so one deadline for all
    // of them would report a slow "no" as a timeout.
    let rejected = || SessionError::AuthRejected {
        user: user.to_string(),
    };
    let auth_err = |e: ssh2_or_session::E| {
        if e.is_auth_failure() {
            rejected()
        } else {
            e.into_session(Phase::Auth, c.timeout)
        }
    };
    if let Some(key) = &dev.key_file {
        let pass = dev.password.as_ref().map(|p| p.expose());
        match c
            .retry(Phase::Auth, c.deadline(), || {
                c.sess.userauth_pubkey_file(user, None, key, pass)
            })
            .await
        {
            Ok(()) => return Ok(()),
            Err(e) if e.is_auth_failure() => {}
            // A key file that cannot be read or decoded is the user's error: say so.
            Err(e) => return Err(e.into_session(Phase::Auth, c.timeout)),
        }
    }
    let Some(password) = &dev.password else {
        // Neither a password nor a key file: the keys of a running ssh-agent, if any.
        if dev.key_file.is_none() && agent_auth(c, user).await? {
            return Ok(());
        }
        return Err(rejected());
    };
    // Password first (what IOS offers); libssh2 does not fall back by itself, so
    // keyboard-interactive is tried explicitly when the server refuses plain password auth.
    let t0 = Instant::now();
    match c
        .retry(Phase::Auth, c.deadline(), || {
            c.sess.userauth_password(user, password.expose())
        })
        .await
    {
        Ok(()) => return Ok(()),
        Err(e) if e.is_auth_failure() => {
            if let Some(aaa) = late(t0) {
                return Err(aaa);
            }
        }
        Err(e) => return Err(auth_err(e)),
    }
    let mut prompter = PasswordPrompter(password.expose());
    let t0 = Instant::now();
    let outcome = c
        .retry(Phase::Auth, c.deadline(), || {
            c.sess.userauth_keyboard_interactive(user, &mut prompter)
        })
        .await;
    match outcome {
        Ok(()) if c.sess.authenticated() => Ok(()),
        Ok(()) => Err(late(t0).unwrap_or_else(rejected)),
        Err(e) if e.is_auth_failure() => Err(late(t0).unwrap_or_else(rejected)),
        Err(e) => Err(auth_err(e)),
    }
}

/// Public-key auth with each identity of the ssh-agent at `SSH_AUTH_SOCK`, in the agent's
/// order. `Ok(false)` when there is no agent or none of its keys is accepted. Talking to the
/// agent itself is a local, blocking exchange on its Unix socket; only the server's answers
/// are waited for with the phase deadline.
async fn agent_auth<I: Io>(c: &Conn<'_, I>, user: &str) -> Result<bool, SessionError> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none() {
        return Ok(false);
    }
    let agent_err = |what: &str, e: ssh2::Error| SessionError::Ssh {
        phase: Phase::Auth,
        message: format!("ssh-agent: {what}: {}", e.message()),
    };
    let mut agent = c.sess.agent().map_err(|e| agent_err("init", e))?;
    agent.connect().map_err(|e| agent_err("connect", e))?;
    agent
        .list_identities()
        .map_err(|e| agent_err("list identities", e))?;
    let ids = agent
        .identities()
        .map_err(|e| agent_err("list identities", e))?;
    let mut accepted = false;
    for id in &ids {
        match c
            .retry(Phase::Auth, c.deadline(), || agent.userauth(user, id))
            .await
        {
            Ok(()) => {
                accepted = true;
                break;
            }
            Err(e) if e.is_auth_failure() => {}
            Err(e) => {
                let _ = agent.disconnect();
                return Err(e.into_session(Phase::Auth, c.timeout));
            }
        }
    }
    let _ = agent.disconnect();
    Ok(accepted)
}
