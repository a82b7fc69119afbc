//! Sessions kept between polls (`fleetbench poll --sessions keep`): the first poll of a
//! device opens its shell as [`super::poll_device`] does (connect, log in, pty, shell, first
//! prompt, paging off, enable) and runs the commands, then leaves the shell open; each next
//! poll sends the same commands again on it and finds the prompt again after each, as
//! Ansible's persistent connections and netmiko scripts that hold a connection do.
//!
//! A kept shell the device or the network has closed meanwhile (IOS's `exec-timeout`, a
//! reset, a FIN) is found out before its next poll without waiting ([`Shell::alive`]) and
//! opened again within that poll; so is one that turns out to be gone when the first
//! command is sent (the device closed it as the poll began). Such a poll's phases start
//! with `connect`, which is how a reconnect is counted. A poll that fails otherwise (a
//! timeout, a rejected login) drops its session: the next poll opens a new one.
//!
//! One connect-and-login path and one conversation for both uses: this module only decides
//! whether to reuse, reopen or keep.

use super::shell::{self, Shell};
use super::{HostKeyFacts, PhaseClock, device_result};
use crate::dialogue::Dialogue;
use crate::error::SessionError;
use crate::job::Job;
use crate::wait::Io;
use fleetbench_inventory::Device;
use fleetbench_inventory::platform::Platform;
use fleetbench_report::{CommandOutput, DeviceResult, TcpStats};

/// An open shell kept for a device's next poll, with the dialogue that knows its prompt.
pub struct Kept<I: Io> {
    shell: Shell<I>,
    dialogue: Dialogue,
    /// The host key's fingerprint, seen when the session was opened.
    host_key: Option<String>,
}

impl<I: Io> std::fmt::Debug for Kept<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("prompt", &self.dialogue.base_prompt())
            .finish_non_exhaustive()
    }
}

impl<I: Io> Kept<I> {
    /// Closes the kept session without waiting (`exit` and a disconnect, each tried once).
    pub fn abandon(self) {
        let exit = self.dialogue.exit_line();
        self.shell.abandon(&exit);
    }

    /// The poll went through: its outputs and socket figures out, the shell back in `slot`.
    fn keep(
        mut self,
        slot: &mut Option<Kept<I>>,
        outputs: &mut Vec<CommandOutput>,
        tcp: &mut Option<TcpStats>,
    ) -> Result<(), SessionError> {
        *tcp = self.shell.tcp_stats();
        *outputs = self.dialogue.take_outputs();
        // A rejected command fails the poll but leaves the shell at its prompt: kept.
        let rejected = self.dialogue.rejection().cloned();
        *slot = Some(self);
        rejected.map_or(Ok(()), Err)
    }
}

/// Polls `dev` over the session kept in `slot`: reused when it is still open, opened (again)
/// otherwise; left in `slot` after a poll that reached the end of its commands. Never
/// panics and never waits past a phase's deadline, like [`super::poll_device`].
pub async fn poll_kept<I: Io>(
    io: &I,
    slot: &mut Option<Kept<I>>,
    dev: &Device,
    job: &Job,
) -> DeviceResult {
    let mut clock = PhaseClock::start();
    let mut keys = HostKeyFacts::default();
    let mut tcp = None;
    let mut outputs = Vec::new();
    let outcome = poll(
        io,
        slot,
        dev,
        job,
        (&mut clock, &mut keys),
        &mut outputs,
        &mut tcp,
    )
    .await;
    device_result(dev, clock, keys, tcp, outputs, outcome)
}

async fn poll<I: Io>(
    io: &I,
    slot: &mut Option<Kept<I>>,
    dev: &Device,
    job: &Job,
    (clock, keys): (&mut PhaseClock, &mut HostKeyFacts),
    outputs: &mut Vec<CommandOutput>,
    tcp: &mut Option<TcpStats>,
) -> Result<(), SessionError> {
    let platform = Platform::by_device_type(&dev.device_type)?;
    if let Some(mut k) = slot.take() {
        if k.shell.alive() {
            keys.fingerprint = k.host_key.clone();
            let first = k.dialogue.again();
            match k.shell.converse(io, &mut k.dialogue, first, clock).await {
                Ok(()) => return k.keep(slot, outputs, tcp),
                // Gone before it answered anything: closed as this poll began. Opened again
                // below, within this poll.
                Err(SessionError::Disconnected { .. }) if k.dialogue.outputs().is_empty() => {
                    k.abandon()
                }
                Err(e) => {
                    *tcp = k.shell.tcp_stats();
                    k.abandon();
                    return Err(e);
                }
            }
        } else {
            k.abandon();
        }
    }
    let mut shell = Shell::open(io, dev, job, clock, keys, tcp).await?;
    let mut dialogue = shell::dialogue(dev, platform, job);
    let first = dialogue.start();
    match shell.converse(io, &mut dialogue, first, clock).await {
        Ok(()) => Kept {
            shell,
            dialogue,
            host_key: keys.fingerprint.clone(),
        }
        .keep(slot, outputs, tcp),
        Err(e) => {
            *tcp = shell.tcp_stats();
            shell.abandon(&dialogue.exit_line());
            Err(e)
        }
    }
}
