//! One shell or exec channel of an emulated device: its CLI, the profile's delays and the
//! output faults.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::rngs::StdRng;
use russh::server::Handle;
use russh::{ChannelId, Disconnect};
use tokio::sync::mpsc;

use super::device::DeviceState;
use crate::engine::Reply;
use crate::record::{End, Live};

/// One write of the `flood` and `flood-no-newline` faults.
const FLOOD_CHUNK: usize = 64 * 1024;

/// What the `escape-codes` fault puts before each `show` output: OSC set-title, a cursor
/// position request (the terminal answers it as if typed), clear screen.
pub const ESCAPE_CODES: &[u8] = b"\x1b]0;owned by R1\x07\x1b[6n\x1b[2J";

/// What a channel runs: a shell, or one command (an exec request).
pub(super) enum Kind {
    Shell,
    Exec(String),
}

/// Why a channel task stops early.
enum Halt {
    /// The session is gone or the output fault ended it.
    Gone,
    /// Fault `hang`: output stopped midway; keep the channel open and silent.
    Hung,
}

/// Writes to one channel, at the `slow` fault's rate when it applies.
pub(super) struct Out {
    pub(super) handle: Handle,
    pub(super) channel: ChannelId,
    pub(super) slow: Option<u32>,
}

impl Out {
    async fn send(&self, bytes: Vec<u8>) -> Result<(), Halt> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Some(rate) = self.slow else {
            return self.raw(bytes).await;
        };
        // Ten chunks a second approximate a steady trickle of `rate` bytes per second.
        let chunk = (rate as usize / 10).max(1);
        let pause = Duration::from_secs_f64(chunk as f64 / rate as f64);
        for piece in bytes.chunks(chunk) {
            self.raw(piece.to_vec()).await?;
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }

    async fn raw(&self, bytes: Vec<u8>) -> Result<(), Halt> {
        self.handle
            .data(self.channel, bytes)
            .await
            .map_err(|_| Halt::Gone)
    }

    /// Exit status, EOF and close: how a vty session ends.
    async fn finish(&self, status: u32) {
        let _ = self.handle.exit_status_request(self.channel, status).await;
        let _ = self.handle.eof(self.channel).await;
        let _ = self.handle.close(self.channel).await;
    }
}

/// The profile's latency. A zero one (the `instant` profile) returns at once: a zero-length
/// tokio sleep still goes through the timer driver's lock.
async fn pause(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

/// One shell or exec channel: the CLI, the delays and the faults.
pub(super) struct ChannelTask {
    pub(super) dev: Arc<DeviceState>,
    pub(super) live: Option<Live>,
    pub(super) out: Out,
    pub(super) rx: mpsc::UnboundedReceiver<Vec<u8>>,
    pub(super) rng: StdRng,
}

impl ChannelTask {
    /// Logged in over the vty limit on a platform that takes the line at login: its
    /// message, then the end of the session.
    pub(super) async fn refuse_busy(self) {
        let msg = crate::platforms::VtyRefusal::message(
            self.dev.platform,
            self.dev.max_sessions,
            &self.dev.username,
        );
        let _ = self.out.raw(msg.into_bytes()).await;
        self.out.finish(1).await;
        self.end(End::Fault);
    }

    fn end(&self, end: End) {
        self.live.as_ref().inspect(|l| l.ended(end));
    }

    pub(super) async fn run(mut self, kind: Kind) {
        if self.dev.faults.no_prompt {
            // Fault `no-prompt`: logged in, but the device never says anything.
            self.end(End::Fault);
            return self.drain().await;
        }
        let login = self
            .dev
            .profile
            .jittered(self.dev.profile.login, &mut self.rng);
        pause(login).await;
        if self.dev.faults.flood_no_newline && matches!(kind, Kind::Shell) {
            // Fault `flood-no-newline`: 64 KiB of `y` ending in `>`, again and again.
            let mut chunk = vec![b'y'; FLOOD_CHUNK - 1];
            chunk.push(b'>');
            return self.flood(chunk).await;
        }
        let result = match kind {
            Kind::Shell => self.shell().await,
            Kind::Exec(command) => self.exec(&command).await,
        };
        match result {
            Ok(()) => {}
            Err(Halt::Hung) => {
                self.end(End::Fault);
                self.drain().await
            }
            Err(Halt::Gone) => {}
        }
    }

    /// Reads and ignores input until the client gives up.
    async fn drain(mut self) {
        while self.rx.recv().await.is_some() {}
    }

    /// Sends `chunk` until the client goes away (each write waits for the SSH window, so the
    /// rate is what the client reads) or the emulator stops (the connection is closed).
    async fn flood(&self, chunk: Vec<u8>) {
        while self.out.raw(chunk.clone()).await.is_ok() {
            // The emulator's own fairness: its healthy devices share these runtime threads.
            tokio::task::yield_now().await;
        }
    }

    /// Fault `echo-secret`: `text` sent in two writes, split inside `secret`, so a client
    /// sees the secret across two reads.
    async fn split_send(&self, text: &str, secret: &str) -> Result<(), Halt> {
        let cut = text
            .find(secret)
            .map_or(text.len(), |at| at + secret.len() / 2);
        self.out.send(text.as_bytes()[..cut].to_vec()).await?;
        // A pause, so the two halves do not merge in the client's buffer.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.out.send(text.as_bytes()[cut..].to_vec()).await
    }

    async fn shell(&mut self) -> Result<(), Halt> {
        let mut cli = self.dev.cli();
        let echo_secret = self.dev.faults.echo_secret;
        if echo_secret {
            let banner = format!(
                "\r\nTemporary access: user {} password {} (change it!)\r\n",
                self.dev.username, self.dev.password
            );
            self.split_send(&banner, &self.dev.password).await?;
        }
        self.out.send(cli.greeting()).await?;
        self.live.as_ref().inspect(|l| l.prompt_out());
        let mut asked_secret = false;
        loop {
            // `exec-timeout`: only time waiting for input counts, as on IOS (a command's
            // own latency does not).
            let input = match self.dev.exec_timeout {
                None => self.rx.recv().await,
                Some(idle) => match tokio::time::timeout(idle, self.rx.recv()).await {
                    Ok(input) => input,
                    Err(_) => return self.idle_timeout().await,
                },
            };
            let Some(input) = input else {
                break;
            };
            let mut pending = Vec::new();
            if echo_secret && asked_secret {
                // The typed enable secret, echoed back (IOS never does this).
                pending.extend_from_slice(&input);
            }
            let replies = cli.feed(&input, Utc::now());
            // Taken after every input whether recorded or not: a session kept open for
            // hours must not pile up the lines it ran.
            let lines = cli.take_lines();
            if let Some(live) = &self.live {
                for (line, show) in lines {
                    live.received(&line, !show);
                }
            }
            for reply in replies {
                match reply {
                    Reply::Echo(b) | Reply::Text(b) => pending.extend(b),
                    Reply::Show(b) => {
                        let delay = self
                            .dev
                            .profile
                            .jittered(self.dev.profile.command, &mut self.rng);
                        if delay.is_zero() && self.dev.faults.passes_output() {
                            // No latency to show between them: echo and output go out as
                            // one SSH packet, as they would from a device that answers at
                            // once (one encryption and one read less on both sides).
                            pending.extend(b);
                        } else {
                            // Echo first, then the command's latency.
                            self.out.send(std::mem::take(&mut pending)).await?;
                            self.show_output(b, delay).await?;
                        }
                        self.live.as_ref().inspect(|l| l.answered());
                    }
                    Reply::Config(b) => {
                        self.out.send(std::mem::take(&mut pending)).await?;
                        let delay = self
                            .dev
                            .profile
                            .jittered(self.dev.profile.config, &mut self.rng);
                        pause(delay).await;
                        self.out.send(b).await?;
                    }
                    Reply::Close => {
                        self.out.send(pending).await?;
                        self.out.finish(0).await;
                        self.end(End::Exit);
                        return Ok(());
                    }
                }
            }
            asked_secret = pending.ends_with(b"Password: ");
            self.out.send(pending).await?;
        }
        // The client sent EOF or closed the channel.
        self.out.finish(0).await;
        self.end(End::ClientClosed);
        Ok(())
    }

    /// The shell sat idle for its `exec-timeout`: the device closes the session, as IOS
    /// clears an idle vty line (the client sees the connection closed by the remote host,
    /// with no text).
    async fn idle_timeout(&self) -> Result<(), Halt> {
        self.end(End::ExecTimeout);
        let _ = self.out.handle.eof(self.out.channel).await;
        let _ = self.out.handle.close(self.out.channel).await;
        let _ = self
            .out
            .handle
            .disconnect(Disconnect::ByApplication, String::new(), String::new())
            .await;
        Ok(())
    }

    async fn exec(&mut self, command: &str) -> Result<(), Halt> {
        let mut cli = self.dev.cli();
        let r = cli.exec(command, Utc::now());
        self.live
            .as_ref()
            .inspect(|l| l.received(command.trim(), !r.is_show));
        if r.is_show {
            let delay = self
                .dev
                .profile
                .jittered(self.dev.profile.command, &mut self.rng);
            self.show_output(r.output, delay).await?;
            self.live.as_ref().inspect(|l| l.answered());
        } else {
            self.out.send(r.output).await?;
        }
        self.out.finish(r.exit_status).await;
        self.end(End::Exit);
        Ok(())
    }

    /// A `show` output after the command delay, with the output faults applied.
    async fn show_output(&mut self, mut bytes: Vec<u8>, delay: Duration) -> Result<(), Halt> {
        pause(delay).await;
        let faults = &self.dev.faults;
        if let Some(size) = faults.flood {
            let line = b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n";
            let chunk: Vec<u8> = line.iter().copied().cycle().take(FLOOD_CHUNK).collect();
            let Some(mut left) = size else {
                // Fault `flood`: the output never ends.
                self.flood(chunk).await;
                return Err(Halt::Gone);
            };
            // Fault `flood:SIZE`: that much output, then the prompt.
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                self.out.raw(chunk[..n].to_vec()).await?;
                left -= n as u64;
                tokio::task::yield_now().await;
            }
            let at = bytes
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map_or(0, |i| i + 2);
            let mut end = b"\r\n".to_vec();
            end.extend_from_slice(&bytes[at..]);
            return self.out.send(end).await;
        }
        if faults.escape_codes {
            // Set the window title, ask for the cursor position, clear the screen.
            let mut b = ESCAPE_CODES.to_vec();
            b.append(&mut bytes);
            bytes = b;
        }
        if faults.echo_secret {
            // A config line with the clear-text password, just before the prompt.
            let at = bytes
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map_or(0, |i| i + 2);
            let (body, prompt) = bytes.split_at(at);
            let text = format!(
                "{}username {} password 0 {}\r\n{}",
                String::from_utf8_lossy(body),
                self.dev.username,
                self.dev.password,
                String::from_utf8_lossy(prompt)
            );
            return self.split_send(&text, &self.dev.password).await;
        }
        if self.dev.faults.hang || self.dev.faults.disconnect {
            let half = bytes.len() / 2;
            self.out.send(bytes[..half].to_vec()).await?;
            if self.dev.faults.hang {
                return Err(Halt::Hung);
            }
            // Let the half output reach the client before the connection drops.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = self
                .out
                .handle
                .disconnect(
                    Disconnect::ConnectionLost,
                    "connection lost".into(),
                    String::new(),
                )
                .await;
            self.end(End::Fault);
            return Err(Halt::Gone);
        }
        self.out.send(bytes).await
    }
}
