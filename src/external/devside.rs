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
//!
//! A session one of the devices' shared limits turned away fails with the device's cause
//! (`vty_busy`, `login_blocked`, `dropped_at_startup`, `aaa_timeout`, `aaa_rejected`); the
//! same matching gives a built-in strategy's failed results the device's cause
//! ([`add_device_causes`]) and counts what the limits did ([`device_limits`]).

use fleetbench_emulator::record::Refused;
use fleetbench_emulator::{End, SessionRecord};
use fleetbench_inventory::Device;
use fleetbench_report::device_view::{Agreement, agreement};
use fleetbench_report::limits::DeviceLimits;
use fleetbench_report::{DeviceResult, ErrorInfo, PhaseTime};
use fleetbench_report::{Phase, kind};
use std::collections::HashMap;

/// One result per device, in `devices` order, from the records of one run.
pub fn results(
    devices: &[Device],
    records: &[SessionRecord],
    commands: &[String],
) -> Vec<DeviceResult> {
    sessions_of(devices, records)
        .into_iter()
        .zip(devices)
        .map(|(sessions, d)| one(d, &sessions, commands))
        .collect()
}

/// Each device's sessions in a run's records, in `devices` order, oldest first. A record is
/// the device's whose name it carries (behind `--network` every device listens on port 22,
/// and behind the relay the client dials another port than the device's), else the one on
/// its port (an inventory that renamed the devices). The one matching of records to
/// devices: external pollers' results and the built-in strategies' device causes both use
/// it.
fn sessions_of<'r>(
    devices: &[Device],
    records: &'r [SessionRecord],
) -> Vec<Vec<&'r SessionRecord>> {
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
            sessions.cloned().unwrap_or_default()
        })
        .collect()
}

/// The device's own account of why session `s` failed, when one of its shared limits did
/// it: the kind and the device's words.
fn limit_cause(s: &SessionRecord) -> Option<(&'static str, String)> {
    if let Some(why) = s.refused {
        return Some(match why {
            Refused::VtyBusy => (kind::VTY_BUSY, "every vty line was busy".to_string()),
            Refused::LoginBlocked => (
                kind::LOGIN_BLOCKED,
                "the device was in login block-for quiet mode".to_string(),
            ),
            Refused::DroppedAtStartup => (
                kind::DROPPED_AT_STARTUP,
                "MaxStartups dropped the connection before its banner".to_string(),
            ),
            Refused::Idle => (
                kind::DROPPED_AT_STARTUP,
                "closed before the banner for sending nothing".to_string(),
            ),
        });
    }
    if s.authenticated_unix.is_some() {
        return None;
    }
    let a = &s.aaa;
    if a.timeouts > 0 {
        Some((
            kind::AAA_TIMEOUT,
            format!(
                "{} of {} AAA requests timed out (waited {:.2} s in all)",
                a.timeouts, a.requests, a.wait_s
            ),
        ))
    } else if a.rejections > 0 {
        Some((
            kind::AAA_REJECTED,
            format!(
                "the AAA server refused {} of {} requests (its queue was full)",
                a.rejections, a.requests
            ),
        ))
    } else {
        None
    }
}

/// Gives each failed result of a built-in strategy the device's own cause, from the records
/// of the same run, when one of the devices' limits turned the session away and the client
/// could not tell (a reset before the banner, a fast rejection): `kind` becomes the
/// device's, `client_kind` keeps the client's.
pub fn add_device_causes(results: &mut [DeviceResult], records: &[SessionRecord]) {
    let sessions = sessions_of(&client_devices(results), records);
    for (r, sessions) in results.iter_mut().zip(sessions) {
        let Some(s) = attempt_of(r, &sessions) else {
            continue;
        };
        let (Some(err), Some((kind, words))) = (r.error.as_mut(), limit_cause(s)) else {
            continue;
        };
        if err.kind != kind {
            err.message = format!(
                "{words} (the device's record); the client saw: {}",
                err.message
            );
            err.client_kind = Some(std::mem::replace(&mut err.kind, kind.to_string()));
        }
    }
}

/// The device's record of the client's session `r` (its last attempt): among the device's
/// sessions, the one whose accept and close best match the client's start and end (two
/// clocks of one machine; a refused session is as short on both sides). `None` when none
/// was accepted within a second of the client's session.
fn attempt_of<'r>(r: &DeviceResult, sessions: &[&'r SessionRecord]) -> Option<&'r SessionRecord> {
    const SLACK: f64 = 1.0;
    sessions
        .iter()
        .copied()
        .filter(|s| {
            s.accepted_unix >= r.started_unix - SLACK && s.accepted_unix <= r.ended_unix + SLACK
        })
        .min_by(|a, b| {
            let gap = |s: &SessionRecord| {
                (s.accepted_unix - r.started_unix).abs() + (s.closed_unix - r.ended_unix).abs()
            };
            gap(a).total_cmp(&gap(b))
        })
}

/// What the devices' limits did to one run, by their own count.
pub fn device_limits(records: &[SessionRecord]) -> DeviceLimits {
    let mut d = DeviceLimits {
        sessions: records.len(),
        ..DeviceLimits::default()
    };
    let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in records {
        match s.refused {
            Some(Refused::VtyBusy) => d.vty_busy += 1,
            Some(Refused::LoginBlocked) => d.login_blocked += 1,
            Some(Refused::DroppedAtStartup) => d.dropped_at_startup += 1,
            Some(Refused::Idle) => d.idle_closed += 1,
            None => {}
        }
        d.auth_failures += u64::from(s.auth_failures);
        d.aaa_requests += u64::from(s.aaa.requests);
        d.aaa_answered += u64::from(s.aaa.answered);
        d.aaa_timeouts += u64::from(s.aaa.timeouts);
        d.aaa_rejections += u64::from(s.aaa.rejections);
        d.aaa_fallbacks += u64::from(s.aaa.fallbacks);
        d.aaa_wait_s += s.aaa.wait_s;
        first = first.min(s.accepted_unix);
        last = last.max(s.closed_unix);
    }
    d.span_s = (last - first).max(0.0);
    d
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
    if let Some((kind, words)) = limit_cause(s) {
        let phase = if s.authenticated_unix.is_some() {
            Phase::Shell
        } else if s.auth_started_unix.is_some() {
            Phase::Auth
        } else {
            Phase::Connect
        };
        return Err(error(
            kind,
            phase,
            format!("session from {}: {words}", s.client),
        ));
    }
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

/// The devices' view of a built-in strategy's last measured run (`records`, that run's),
/// against the client's results.
pub fn check(
    records: &[SessionRecord],
    sr: &fleetbench_report::StrategyReport,
    job: &fleetbench_client::job::Job,
) -> Agreement {
    let seen = results(&client_devices(&sr.devices), records, &job.commands);
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
            bastion: None,
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
            bastion: None,
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
            commands_omitted: 0,
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

    #[test]
    fn limit_refusals_carry_the_devices_cause_to_client_results_and_counts() {
        let devices = [dev(1), dev(2), dev(3), dev(4)];
        let mut vty = rec(1, 100.0, false, End::Dropped);
        vty.auth_started_unix = None;
        vty.authenticated_unix = None;
        vty.refused = Some(Refused::VtyBusy);
        let mut aaa = rec(2, 100.0, false, End::Dropped);
        aaa.authenticated_unix = None;
        aaa.auth_failures = 1;
        aaa.aaa = fleetbench_emulator::record::AaaRecord {
            requests: 1,
            timeouts: 1,
            wait_s: 0.2,
            ..Default::default()
        };
        // A retried device: the first attempt was blocked, the last one went through.
        let mut blocked = rec(3, 99.0, false, End::Dropped);
        blocked.refused = Some(Refused::LoginBlocked);
        let fine = rec(3, 100.0, true, End::Exit);
        let plain = rec(4, 100.0, false, End::Dropped);
        let records = [vty, aaa, blocked, fine, plain];
        // The client's view of each device's last session, on the devices' clock.
        let failed = |d: &Device, kind: &str| DeviceResult {
            error: Some(ErrorInfo {
                kind: kind.into(),
                message: "seen".into(),
                phase: Some(Phase::Handshake),
                client_kind: None,
            }),
            started_unix: 99.99,
            ended_unix: 101.8,
            ..DeviceResult::blank(&d.name, &d.host, d.port)
        };
        let mut client = vec![
            failed(&devices[0], "disconnected"),
            failed(&devices[1], "auth_rejected"),
            DeviceResult {
                ok: true,
                ..DeviceResult::blank("R3", "127.0.0.1", 3)
            },
            failed(&devices[3], "disconnected"),
        ];
        add_device_causes(&mut client, &records);
        let e = client[0].error.as_ref().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.client_kind.as_deref()),
            ("vty_busy", Some("disconnected"))
        );
        assert!(e.message.contains("the client saw: seen"), "{}", e.message);
        let e = client[1].error.as_ref().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.client_kind.as_deref()),
            ("aaa_timeout", Some("auth_rejected"))
        );
        assert!(client[2].error.is_none());
        // No limit behind it: the client's kind stands.
        let e = client[3].error.as_ref().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.client_kind.as_deref()),
            ("disconnected", None)
        );

        // The devices' side of the same records, as an external poller's results.
        let cmds = vec!["show clock".to_string()];
        let seen = results(&devices, &records, &cmds);
        let kinds: Vec<Option<&str>> = seen
            .iter()
            .map(|r| r.error.as_ref().map(|e| e.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                Some("vty_busy"),
                Some("aaa_timeout"),
                None,
                Some("command_unanswered")
            ]
        );

        let d = device_limits(&records);
        assert_eq!((d.sessions, d.vty_busy, d.login_blocked), (5, 1, 1));
        assert_eq!((d.aaa_requests, d.aaa_timeouts, d.auth_failures), (1, 1, 1));
        assert!((d.span_s - 2.8).abs() < 1e-9, "{}", d.span_s);
    }

    #[test]
    fn of_sessions_sharing_a_device_the_one_matching_the_clients_times_gives_the_cause() {
        // Two clients on one device at once: a long session, and a short refused one.
        let long = rec(1, 100.0, true, End::Exit);
        let mut short = rec(1, 100.1, false, End::Dropped);
        short.closed_unix = 100.1;
        short.refused = Some(Refused::VtyBusy);
        let mut r = DeviceResult {
            error: Some(ErrorInfo {
                kind: "refused".into(),
                message: "m".into(),
                phase: Some(Phase::Connect),
                client_kind: None,
            }),
            started_unix: 100.09,
            ended_unix: 100.11,
            ..DeviceResult::blank("R1b", "127.0.0.1", 1)
        };
        add_device_causes(std::slice::from_mut(&mut r), &[short.clone(), long.clone()]);
        assert_eq!(r.error.as_ref().unwrap().kind, "vty_busy");
        // A result from another time matches nothing and keeps its kind.
        r.error.as_mut().unwrap().kind = "refused".into();
        r.started_unix = 500.0;
        r.ended_unix = 500.1;
        add_device_causes(std::slice::from_mut(&mut r), &[short, long]);
        assert_eq!(r.error.as_ref().unwrap().kind, "refused");
    }
}
