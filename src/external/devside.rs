//! Per-device results from the devices' side: the emulator's [`SessionRecord`]s of one run
//! become the same [`DeviceResult`]s a built-in strategy returns (phases, ok/failed, times),
//! so an external poller gets the same percentiles, histograms and timeline; and
//! [`agreement`] puts the two views of the same sessions side by side.
//!
//! A device is ok from its side when one of its sessions was authenticated, received every
//! requested command (in order) and answered it, and was not ended by the device (a fault):
//! `exit`, the client closing the channel, or its connection going away after the last
//! answer all count. Phases seen from the device: `handshake` (accepted to the first
//! authentication attempt), `auth`, `shell` (to the shell request), `prompt` (login delay to
//! the first prompt), each requested `command` (received to answered), `close` (last answer
//! to the connection's end). What happens before the device accepts (the client's connect)
//! is invisible to it.

use fleetbench_emulator::{End, SessionRecord};
use fleetbench_inventory::Device;
use fleetbench_report::Phase;
use fleetbench_report::device_view::{Agreement, agreement};
use fleetbench_report::{DeviceResult, ErrorInfo, PhaseTime};
use std::collections::HashMap;

/// One result per device, in `devices` order, from the records of one run. A record is the
/// device's whose name it carries (behind `--network` every device listens on port 22, and
/// behind the relay the client dials another port than the device's), else the one on its
/// port (an inventory that renamed the devices).
pub fn results(
    devices: &[Device],
    records: &[SessionRecord],
    commands: &[String],
) -> Vec<DeviceResult> {
    let mut by_name: HashMap<&str, Vec<&SessionRecord>> = HashMap::new();
    let mut by_port: HashMap<u16, Vec<&SessionRecord>> = HashMap::new();
    for r in records {
        by_name.entry(r.device.as_str()).or_default().push(r);
        by_port.entry(r.port).or_default().push(r);
    }
    for v in by_name.values_mut().chain(by_port.values_mut()) {
        v.sort_by(|a, b| a.accepted_unix.total_cmp(&b.accepted_unix));
    }
    let named = devices
        .iter()
        .any(|d| by_name.contains_key(d.name.as_str()));
    devices
        .iter()
        .map(|d| {
            let sessions = if named {
                by_name.get(d.name.as_str())
            } else {
                by_port.get(&d.port)
            };
            one(d, sessions.map_or(&[][..], Vec::as_slice), commands)
        })
        .collect()
}

fn one(d: &Device, sessions: &[&SessionRecord], commands: &[String]) -> DeviceResult {
    let mut r = DeviceResult::blank(&d.name, &d.host, d.port);
    if sessions.is_empty() {
        r.error = Some(error(
            "not_contacted",
            Phase::Connect,
            "the device saw no session in this run".into(),
        ));
        return r;
    }
    // The session that did the work: the first one that ran every command cleanly, else
    // the last one (the poller's final attempt).
    let verdicts: Vec<Result<(), ErrorInfo>> =
        sessions.iter().map(|s| verdict(s, commands)).collect();
    let pick = verdicts
        .iter()
        .position(Result::is_ok)
        .unwrap_or(sessions.len() - 1);
    let s = sessions[pick];
    r.ok = verdicts[pick].is_ok();
    r.error = verdicts[pick].clone().err();
    r.started_unix = sessions[0].accepted_unix;
    r.ended_unix = s.closed_unix.max(r.started_unix);
    r.worker = format!("client {}", s.client);
    r.phases = phases(s, commands, r.started_unix);
    r
}

fn error(kind: &str, phase: Phase, message: String) -> ErrorInfo {
    ErrorInfo {
        kind: kind.to_string(),
        message,
        phase: Some(phase),
        client_kind: None,
    }
}

/// Indices in `s.commands` of each requested command, matched in order.
fn matched(s: &SessionRecord, commands: &[String]) -> Vec<Option<usize>> {
    let mut from = 0;
    commands
        .iter()
        .map(|want| {
            let i = s.commands[from..]
                .iter()
                .position(|c| c.command == want.trim())
                .map(|i| i + from);
            if let Some(i) = i {
                from = i + 1;
            }
            i
        })
        .collect()
}

fn verdict(s: &SessionRecord, commands: &[String]) -> Result<(), ErrorInfo> {
    if s.authenticated_unix.is_none() {
        return Err(error(
            "not_authenticated",
            Phase::Auth,
            format!("session from {} was never authenticated", s.client),
        ));
    }
    if s.shell_unix.is_none() {
        return Err(error(
            "no_shell",
            Phase::Shell,
            "authenticated, but no shell or exec was requested".into(),
        ));
    }
    for (want, got) in commands.iter().zip(matched(s, commands)) {
        match got.map(|i| &s.commands[i]) {
            None => {
                return Err(error(
                    "command_not_sent",
                    Phase::Command,
                    format!("the device never received {want:?}"),
                ));
            }
            Some(c) if c.answered_unix.is_none() => {
                return Err(error(
                    "command_unanswered",
                    Phase::Command,
                    format!("{want:?} was received but its answer never went out"),
                ));
            }
            Some(_) => {}
        }
    }
    // Once every command was answered, however the client leaves is its business: `exit`,
    // closing the channel, or dropping the connection (scrapli and asyncssh close the
    // transport without an `exit`). Only the device ending it (a fault) is unclean.
    if s.end == End::Fault {
        return Err(error(
            "unclean_close",
            Phase::Close,
            "the device's fault ended the session".into(),
        ));
    }
    Ok(())
}

fn phases(s: &SessionRecord, commands: &[String], t0: f64) -> Vec<PhaseTime> {
    let mut out = Vec::new();
    let mut push = |phase, index, a: f64, b: f64| {
        if b >= a {
            out.push(PhaseTime {
                phase,
                index,
                start_s: a - t0,
                secs: b - a,
            });
        }
    };
    let auth_start = s.auth_started_unix.or(s.authenticated_unix);
    if let Some(a) = auth_start {
        push(Phase::Handshake, None, s.accepted_unix, a);
        if let Some(b) = s.authenticated_unix {
            push(Phase::Auth, None, a, b);
        }
    }
    if let (Some(a), Some(b)) = (s.authenticated_unix, s.shell_unix) {
        push(Phase::Shell, None, a, b);
    }
    if let (Some(a), Some(b)) = (s.shell_unix, s.first_prompt_unix) {
        push(Phase::Prompt, None, a, b);
    }
    let mut last = s.first_prompt_unix.or(s.shell_unix);
    for (i, got) in matched(s, commands).into_iter().enumerate() {
        let Some(c) = got.map(|j| &s.commands[j]) else {
            continue;
        };
        if let Some(b) = c.answered_unix {
            push(Phase::Command, Some(i), c.received_unix, b);
            last = Some(b);
        }
    }
    if let Some(a) = last {
        push(Phase::Close, None, a, s.closed_unix);
    }
    out
}

/// The devices' view of a built-in strategy's last measured run (taken from `fleet`'s
/// record, which it empties), against the client's results.
pub fn check(
    fleet: &fleetbench_emulator::EmulatedFleet,
    sr: &fleetbench_report::StrategyReport,
    job: &fleetbench_client::job::Job,
) -> Agreement {
    let since = sr.runs.last().map_or(0.0, |r| r.started_unix);
    let records: Vec<SessionRecord> = fleet
        .take_sessions()
        .into_iter()
        .filter(|r| r.accepted_unix >= since)
        .collect();
    let seen = results(&client_devices(&sr.devices), &records, &job.commands);
    agreement(&sr.devices, &seen)
}

/// The devices a strategy polled, as its results name them.
fn client_devices(results: &[DeviceResult]) -> Vec<Device> {
    results
        .iter()
        .map(|r| Device {
            name: r.name.clone(),
            host: r.host.clone(),
            port: r.port,
            username: String::new(),
            password: None,
            secret: None,
            key_file: None,
            device_type: String::new(),
            timeout: fleetbench_inventory::DEFAULT_TIMEOUT,
            algorithms: Default::default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_emulator::record::CommandRecord;

    fn dev(port: u16) -> Device {
        Device {
            name: format!("R{port}"),
            host: "127.0.0.1".into(),
            port,
            username: "u".into(),
            password: None,
            secret: None,
            key_file: None,
            device_type: "cisco_ios".into(),
            timeout: fleetbench_inventory::DEFAULT_TIMEOUT,
            algorithms: Default::default(),
        }
    }

    fn rec(port: u16, t: f64, answered: bool, end: End) -> SessionRecord {
        SessionRecord {
            device: "R".into(),
            port,
            client: "127.0.0.1:40000".into(),
            accepted_unix: t,
            auth_started_unix: Some(t + 0.01),
            authenticated_unix: Some(t + 0.02),
            shell_unix: Some(t + 0.03),
            first_prompt_unix: Some(t + 0.5),
            commands: vec![
                CommandRecord {
                    command: "terminal length 0".into(),
                    received_unix: t + 0.6,
                    answered_unix: Some(t + 0.6),
                },
                CommandRecord {
                    command: "show clock".into(),
                    received_unix: t + 0.7,
                    answered_unix: answered.then_some(t + 1.7),
                },
            ],
            closed_unix: t + 1.8,
            end,
            refused: None,
            aaa: Default::default(),
            auth_failures: 0,
        }
    }

    #[test]
    fn records_become_results_with_phases_and_verdicts() {
        let devices = [dev(1), dev(2), dev(3), dev(4)];
        let records = [
            rec(1, 100.0, true, End::Exit),
            rec(2, 100.0, false, End::Dropped),
            // A retry after a dropped first attempt: the good one counts, the timeline
            // starts at the first.
            rec(3, 100.0, false, End::Dropped),
            rec(3, 102.0, true, End::ClientClosed),
        ];
        let cmds = vec!["show clock".to_string()];
        let r = results(&devices, &records, &cmds);
        assert!(r[0].ok);
        assert!((r[0].total_secs() - 1.8).abs() < 1e-9);
        assert!((r[0].phase_secs(Phase::Command) - 1.0).abs() < 1e-9);
        assert!((r[0].phase_secs(Phase::Prompt) - 0.47).abs() < 1e-9);
        assert_eq!(r[1].error.as_ref().unwrap().kind, "command_unanswered");
        assert!(r[2].ok);
        assert_eq!((r[2].started_unix, r[2].ended_unix), (100.0, 103.8));
        assert_eq!(r[3].error.as_ref().unwrap().kind, "not_contacted");
        let other = vec!["show version".to_string()];
        let r = results(&devices[..1], &records[..1], &other);
        assert_eq!(r[0].error.as_ref().unwrap().kind, "command_not_sent");
    }

    #[test]
    fn records_are_matched_by_device_name_when_every_device_shares_a_port() {
        // Behind `--network`: every device listens on 22 at its own address.
        let mut devices = [dev(22), dev(22)];
        devices[0].name = "R1".into();
        devices[1].name = "R2".into();
        let mut a = rec(22, 100.0, true, End::Exit);
        a.device = "R2".into();
        let mut b = rec(22, 100.0, false, End::Dropped);
        b.device = "R1".into();
        let r = results(&devices, &[a, b], &["show clock".to_string()]);
        assert_eq!(r[0].error.as_ref().unwrap().kind, "command_unanswered");
        assert!(r[1].ok);
    }

    #[test]
    fn a_client_that_drops_the_connection_after_its_answer_is_ok_a_fault_is_not() {
        let devices = [dev(1), dev(2)];
        let records = [
            rec(1, 100.0, true, End::Dropped),
            rec(2, 100.0, true, End::Fault),
        ];
        let r = results(&devices, &records, &["show clock".to_string()]);
        assert!(r[0].ok, "{:?}", r[0].error);
        assert_eq!(r[1].error.as_ref().unwrap().kind, "unclean_close");
    }
}
