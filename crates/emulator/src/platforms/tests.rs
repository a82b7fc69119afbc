//! Unit tests of `platforms` (kept beside it so the module reads as code).

use super::*;
use crate::config::Shared;
use crate::engine::Reply;
use crate::identity::FleetLayout;
use crate::profile::SshStack;
use crate::setup::CliSetup;
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 36, 1).unwrap()
}

fn identity(index: usize) -> CliSetup {
    CliSetup {
        index,
        hostname: format!("R{}", index + 1),
        username: "cisco".into(),
        secret: "s3cret".into(),
        boot: now() - chrono::TimeDelta::minutes(3 * 24 * 60 + 65),
        enable_refused: false,
        prompt_override: None,
        device: std::sync::Arc::new(Shared::new(
            FleetLayout::new(index + 1, 1),
            index,
            SshStack::Modern,
            None,
        )),
    }
}

#[test]
fn paging_is_on_until_the_client_turns_it_off() {
    for short in ["nxos", "xr", "eos", "junos"] {
        let p = Platform::by_name(short).unwrap();
        let mut cli = new_cli(p, &identity(0));
        let cmd: &[u8] = if short == "junos" {
            b"show configuration\n"
        } else {
            b"show running-config\n"
        };
        if short == "eos" {
            cli.feed(b"enable\n", now());
            cli.feed(b"s3cret\n", now());
        }
        let replies = cli.feed(cmd, now());
        let Some(Reply::Show(first)) = replies.last() else {
            panic!("{short}: {replies:?}")
        };
        let first = String::from_utf8_lossy(first);
        assert!(
            first.trim_end().ends_with(p.pager.unwrap_or("?"))
                || first.contains("--More--")
                || first.contains("---(more"),
            "{short}: {first}"
        );
        // `q` ends the listing with the prompt.
        let replies = cli.feed(b"q", now());
        let Some(Reply::Text(t)) = replies.last() else {
            panic!()
        };
        assert!(!String::from_utf8_lossy(t).contains("more"), "{short}");
    }
}

#[test]
fn output_filters() {
    for (short, cmd) in [
        ("nxos", "show version | include Device"),
        ("xr", "sh ver | i uptime"),
        ("eos", "show version | include Serial"),
        ("junos", "show version | match Hostname"),
    ] {
        let r = new_cli(Platform::by_name(short).unwrap(), &identity(0)).exec(cmd, now());
        let text = String::from_utf8(r.output).unwrap();
        assert_eq!(
            text.lines().filter(|l| !l.contains("UTC")).count(),
            1,
            "{short}: {text}"
        );
        let r = new_cli(Platform::by_name(short).unwrap(), &identity(0))
            .exec("show version | bogus x", now());
        assert_eq!(r.exit_status, 1, "{short}");
    }
}

#[test]
fn exec_requests_on_other_platforms() {
    let p = Platform::by_name("linux").unwrap();
    let r = new_cli(p, &identity(0)).exec("hostname", now());
    assert_eq!(
        (r.output, r.exit_status, r.is_show),
        (b"R1\r\n".to_vec(), 0, true)
    );
    let r = new_cli(p, &identity(0)).exec("show version", now());
    assert_eq!(r.exit_status, 1);
    assert_eq!(r.output, b"-bash: show: command not found\r\n".to_vec());
    let p = Platform::by_name("eos").unwrap();
    let r = new_cli(p, &identity(0)).exec("show clock", now());
    assert!(String::from_utf8_lossy(&r.output).contains("Timezone: UTC"));
}

#[test]
fn mix_parse_and_errors() {
    let m = PlatformMix::parse("ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%").unwrap();
    assert_eq!(m.shares.len(), 6);
    assert_eq!(PlatformMix::parse("eos").unwrap().shares[0].0.short, "eos");
    assert_eq!(
        PlatformMix::parse("arista_eos=60, cisco_xe=40")
            .unwrap()
            .describe(),
        "eos=60%,xe=40%"
    );
    assert_eq!(PlatformMix::parse("all").unwrap().shares.len(), 7);
    let err = |s: &str| PlatformMix::parse(s).unwrap_err().to_string();
    assert_eq!(
        err("ios=50%,eos=40%"),
        "invalid --platforms 'ios=50%,eos=40%': the shares add up to 90%, not 100%"
    );
    assert!(
        err("ios=50%,junso=50%").contains("did you mean 'juniper_junos'?"),
        "{}",
        err("ios=50%,junso=50%")
    );
    assert!(err("ios,eos").contains("has no share"));
    assert!(err("ios=x").contains("percentage"));
    assert!(err("ios=50,ios=50").contains("twice"));
    assert!(err("ios=0,eos=100").contains("above 0%"));
}

#[test]
fn assignment_is_exact_and_deterministic() {
    let m = PlatformMix::parse("ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%").unwrap();
    let a = m.assign(60, 7);
    assert_eq!(a.len(), 60);
    let count = |s: &str| a.iter().filter(|p| p.short == s).count();
    assert_eq!(
        [
            count("ios"),
            count("nxos"),
            count("eos"),
            count("junos"),
            count("xr"),
            count("linux")
        ],
        [30, 12, 6, 6, 3, 3]
    );
    assert_eq!(a, m.assign(60, 7));
    assert_ne!(a, m.assign(60, 8));
    // Remainders: 7 devices over 3 equal shares still gives 7.
    let m = PlatformMix::parse("ios=33.34,eos=33.33,junos=33.33").unwrap();
    assert_eq!(m.assign(7, 1).len(), 7);
    assert_eq!(m.assign(1, 1).len(), 1);
    let all = PlatformMix::all().assign(60, 1);
    for p in PLATFORMS {
        assert!(all.iter().filter(|q| std::ptr::eq(**q, p)).count() >= 8);
    }
    // The classic fleet keeps its order.
    assert!(
        PlatformMix::default()
            .assign(3, 1)
            .iter()
            .all(|p| p.short == "ios")
    );
}

#[test]
fn ios_like_platforms_close_idle_sessions_after_ten_minutes_by_default() {
    let by = |t: &str| Platform::by_device_type(t).unwrap();
    let ten = Some(std::time::Duration::from_secs(600));
    for t in ["cisco_ios", "cisco_xe", "cisco_xr"] {
        assert_eq!(default_exec_timeout(by(t)), ten, "{t}");
    }
    for t in ["arista_eos", "cisco_nxos", "juniper_junos", "linux"] {
        assert_eq!(default_exec_timeout(by(t)), None, "{t}");
    }
}
