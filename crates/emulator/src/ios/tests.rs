//! Unit tests of `ios` (kept beside it so the module reads as code).

use std::sync::Arc;

use super::*;
use crate::config::{self, Shared};
use crate::engine::{DEFAULT_LENGTH, DeviceCli, Engine, Reply};
use chrono::TimeZone;

/// A session: IOS behind the line engine.
type Session = Engine<Ios>;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 7, 26, 8, 36, 1).unwrap() + chrono::TimeDelta::milliseconds(242)
}

fn device(n: usize, index: usize) -> Arc<Shared> {
    Arc::new(Shared::new(
        crate::identity::FleetLayout::new(n, 1),
        index,
        config::SshStack::Modern,
        None,
    ))
}

fn setup_on(device: Arc<Shared>) -> CliSetup {
    CliSetup {
        index: device.identity.index,
        hostname: device.hostname(),
        username: "cisco".into(),
        secret: "s3cret".into(),
        boot: now() - chrono::TimeDelta::minutes(3 * 24 * 60 + 65),
        enable_refused: false,
        prompt_override: None,
        device,
    }
}

fn ios_on(device: Arc<Shared>) -> Session {
    Engine::new(Ios::new(setup_on(device), false))
}

fn ios() -> Session {
    ios_on(device(3, 0))
}

/// A privileged session with `terminal length 0`.
fn admin(device: Arc<Shared>) -> Session {
    let mut i = ios_on(device);
    send(&mut i, "enable\n");
    send(&mut i, "s3cret\n");
    send(&mut i, "terminal length 0\n");
    i
}

/// All replies concatenated, as a client would see them.
fn text(replies: &[Reply]) -> String {
    let mut s = Vec::new();
    for r in replies {
        match r {
            Reply::Echo(b) | Reply::Text(b) | Reply::Show(b) | Reply::Config(b) => {
                s.extend_from_slice(b)
            }
            Reply::Close => s.extend_from_slice(b"<CLOSE>"),
        }
    }
    String::from_utf8(s).unwrap()
}

fn send(ios: &mut Session, input: &str) -> String {
    text(&ios.feed(input.as_bytes(), now()))
}

#[test]
fn greeting_and_empty_lines_end_with_prompt() {
    let mut i = ios();
    // No MOTD or exec banner by default: a blank line, then the prompt.
    assert_eq!(i.greeting(), b"\r\nR1>");
    assert_eq!(send(&mut i, "\n"), "\r\nR1>");
    assert_eq!(send(&mut i, "\r\n"), "\r\nR1>");
    assert_eq!(send(&mut i, "\r"), "\r\nR1>");
    // CR and LF split across two reads are still one Enter.
    assert_eq!(send(&mut i, "\n"), "");
    assert_eq!(send(&mut i, "\n"), "\r\nR1>");
}

#[test]
fn show_clock_is_echoed_then_delayed_output() {
    let mut i = ios();
    let r = i.feed(b"show clock\n", now());
    assert_eq!(
        r,
        vec![
            Reply::Echo(b"show clock\r\n".to_vec()),
            Reply::Show(b"*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>".to_vec()),
        ]
    );
    assert_eq!(
        send(&mut i, "sh clo\r"),
        "sh clo\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>"
    );
}

#[test]
fn clock_day_is_not_padded() {
    let t = Utc.with_ymd_and_hms(1993, 3, 1, 0, 5, 9).unwrap();
    assert_eq!(ios_clock(t), "*00:05:09.000 UTC Mon Mar 1 1993");
}

#[test]
fn typed_characters_arrive_one_by_one() {
    let mut i = ios();
    let mut all = String::new();
    for c in "sh clock\r".chars() {
        all.push_str(&send(&mut i, &c.to_string()));
    }
    assert_eq!(all, "sh clock\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>");
}

#[test]
fn enable_right_and_wrong_secret() {
    let mut i = ios();
    assert_eq!(send(&mut i, "enable\n"), "enable\r\nPassword: ");
    // The secret is not echoed.
    assert_eq!(send(&mut i, "wrong\n"), "\r\n% Access denied\r\n\r\nR1>");
    assert!(!i.persona.is_privileged());
    assert_eq!(send(&mut i, "en\r\n"), "en\r\nPassword: ");
    assert_eq!(send(&mut i, "s3cret\r\n"), "\r\nR1#");
    assert!(i.persona.is_privileged());
    assert_eq!(send(&mut i, "enable\r"), "enable\r\nR1#");
    assert_eq!(send(&mut i, "disable\r"), "disable\r\nR1>");
}

#[test]
fn enable_refused_fault_denies_the_right_secret() {
    let mut setup = setup_on(device(3, 0));
    setup.enable_refused = true;
    let mut i = Engine::new(Ios::new(setup, false));
    send(&mut i, "enable\n");
    assert_eq!(send(&mut i, "s3cret\n"), "\r\n% Access denied\r\n\r\nR1>");
}

#[test]
fn terminal_commands_answer_with_prompt_only() {
    let mut i = ios();
    assert_eq!(
        send(&mut i, "terminal width 511\n"),
        "terminal width 511\r\nR1>"
    );
    assert_eq!(
        send(&mut i, "terminal length 0\n"),
        "terminal length 0\r\nR1>"
    );
    assert_eq!(i.length(), 0);
    assert_eq!(i.persona.term_width(), 511);
    assert_eq!(
        send(&mut i, "term len 10\n"),
        "term len 10\r\nR1>",
        "abbreviations work"
    );
    assert_eq!(i.length(), 10);
    let r = i.feed(b"terminal length 0\n", now());
    assert!(r.iter().all(|r| !matches!(r, Reply::Show(_))), "no latency");
}

#[test]
fn invalid_input_has_caret_under_offending_word() {
    let mut i = ios();
    assert_eq!(
        send(&mut i, "show foo\n"),
        "show foo\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1>"
    );
    assert_eq!(
        send(&mut i, "bogus\n"),
        "bogus\r\n   ^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1>"
    );
    assert_eq!(
        send(&mut i, "show\n"),
        "show\r\n% Incomplete command.\r\n\r\nR1>"
    );
    assert_eq!(
        send(&mut i, "e\n"),
        "e\r\n% Ambiguous command:  \"e\"\r\nR1>"
    );
}

#[test]
fn running_config_is_privileged_only() {
    let mut i = ios();
    let out = send(&mut i, "show running-config\n");
    assert!(out.contains("% Invalid input detected"), "{out}");
    send(&mut i, "enable\n");
    send(&mut i, "s3cret\n");
    send(&mut i, "terminal length 0\n");
    let out = send(&mut i, "sh run\n");
    assert!(out.starts_with("sh run\r\nBuilding configuration...\r\n\r\nCurrent configuration : "));
    assert!(out.contains("\r\nhostname R1\r\n"));
    assert!(out.ends_with("\r\nend\r\nR1#"));
    assert!(out.lines().count() > 200);
    assert!(!out.contains(PAGER.text));
}

#[test]
fn show_version_mentions_hostname_and_uptime() {
    let mut i = ios();
    send(&mut i, "terminal length 0\n");
    let out = send(&mut i, "sh ver\n");
    assert!(
        out.contains("\r\nR1 uptime is 3 days, 1 hour, 5 minutes\r\n"),
        "{out}"
    );
    assert!(out.contains("Cisco IOS Software"));
}

#[test]
fn ip_interface_brief() {
    let mut i = ios();
    let out = send(&mut i, "show ip int br\n");
    assert!(out.contains("Interface"), "{out}");
    assert!(
        out.contains("GigabitEthernet0/0     198.18.128.2    YES NVRAM  up"),
        "{out}"
    );
    assert_eq!(
        send(&mut i, "show ip\n"),
        "show ip\r\n% Incomplete command.\r\n\r\nR1>"
    );
}

#[test]
fn paging_space_enter_and_q() {
    let mut i = ios();
    let r = i.feed(b"show version\n", now());
    let Reply::Show(first) = &r[1] else {
        panic!("{r:?}")
    };
    let first = String::from_utf8(first.clone()).unwrap();
    assert!(first.ends_with(PAGER.text), "{first:?}");
    assert_eq!(first.matches("\r\n").count(), DEFAULT_LENGTH - 1);
    // Enter: one more line.
    let one = send(&mut i, "\r");
    assert!(one.starts_with(&String::from_utf8(PAGER.wipe()).unwrap()));
    assert_eq!(one.matches("\r\n").count(), 1);
    assert!(one.ends_with(PAGER.text));
    // Space: the rest (the output has fewer than two more pages).
    let rest = send(&mut i, " ");
    assert!(
        rest.ends_with("Configuration register is 0x0\r\nR1>"),
        "{rest:?}"
    );
    // q quits at once.
    send(&mut i, "show version\n");
    let q = send(&mut i, "q");
    assert_eq!(
        q,
        format!("{}R1>", String::from_utf8(PAGER.wipe()).unwrap())
    );
    // And the CLI works normally afterwards.
    assert!(send(&mut i, "show clock\n").ends_with("R1>"));
}

#[test]
fn backspace_edits_the_line() {
    let mut i = ios();
    let out = send(&mut i, "show clockx\x7f\n");
    assert_eq!(
        out,
        "show clockx\x08 \x08\r\n*08:36:01.242 UTC Fri Jul 26 2019\r\nR1>"
    );
    // Backspace on an empty line sends nothing.
    assert_eq!(send(&mut i, "\x08"), "");
}

#[test]
fn exit_closes_and_ignores_the_rest() {
    let mut i = ios();
    assert_eq!(send(&mut i, "exit\nshow clock\n"), "exit\r\n<CLOSE>");
    assert!(i.is_closed());
    let mut i = ios();
    assert_eq!(send(&mut i, "logout\r\n"), "logout\r\n<CLOSE>");
}

#[test]
fn weird_prompt_fault() {
    let mut setup = setup_on(device(3, 0));
    setup.prompt_override = Some("router-weird$ ".into());
    let mut i = Engine::new(Ios::new(setup, false));
    assert_eq!(send(&mut i, "\n"), "\r\nrouter-weird$ ");
}

#[test]
fn exec_requests() {
    let mut i = ios();
    let r = i.exec("show clock", now());
    assert_eq!(r.output, b"*08:36:01.242 UTC Fri Jul 26 2019\r\n");
    assert_eq!(r.exit_status, 0);
    assert!(r.is_show);
    let r = i.exec("show nothing", now());
    assert_eq!(r.exit_status, 1);
    assert!(
        String::from_utf8(r.output)
            .unwrap()
            .contains("Invalid input")
    );
}

#[test]
fn output_filters() {
    let mut i = ios();
    send(&mut i, "en\n");
    send(&mut i, "s3cret\n");
    let out = send(&mut i, "show run | include hostname\n");
    assert_eq!(out, "show run | include hostname\r\nhostname R1\r\nR1#");
}

#[test]
fn configure_terminal_prompts_and_exits() {
    let mut i = admin(device(3, 0));
    assert_eq!(
        send(&mut i, "conf t\n"),
        "conf t\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nR1(config)#"
    );
    assert_eq!(
        send(&mut i, "interface Gi0/3\n"),
        "interface Gi0/3\r\nR1(config-if)#"
    );
    assert_eq!(send(&mut i, "exit\n"), "exit\r\nR1(config)#");
    assert_eq!(
        send(&mut i, "router ospf 1\n"),
        "router ospf 1\r\nR1(config-router)#"
    );
    assert_eq!(send(&mut i, "end\n"), "end\r\nR1#");
    send(&mut i, "conf t\n");
    send(&mut i, "line vty 0 4\n");
    assert_eq!(send(&mut i, "\x1a"), "^Z\r\nR1#");
    assert!(!i.persona.in_config());
    // User mode has no configure.
    let mut u = ios();
    assert!(send(&mut u, "conf t\n").contains("% Invalid input"));
}

#[test]
fn config_is_shown_saved_and_shared_between_sessions() {
    let dev = device(3, 1);
    let mut a = admin(dev.clone());
    send(&mut a, "configure terminal\n");
    send(&mut a, "interface GigabitEthernet0/3\n");
    assert_eq!(
        send(&mut a, "description to-ISP-7\n"),
        "description to-ISP-7\r\nR2(config-if)#"
    );
    send(&mut a, "ip address 192.0.2.17 255.255.255.240\n");
    send(&mut a, "no shutdown\n");
    let r = a.feed(b"exit\n", now());
    assert!(
        matches!(r.last(), Some(Reply::Config(_))),
        "config latency applies: {r:?}"
    );
    assert_eq!(
        send(&mut a, "hostname EDGE-2\n"),
        "hostname EDGE-2\r\nEDGE-2(config)#"
    );
    let bad = send(&mut a, "interface Gi0/3 bogus\n");
    assert!(
        bad.contains("% Invalid input detected at '^' marker."),
        "{bad}"
    );
    send(&mut a, "end\n");
    let run = send(&mut a, "show running-config interface Gi0/3\n");
    assert!(
            run.contains("\r\ninterface GigabitEthernet0/3\r\n description to-ISP-7\r\n ip address 192.0.2.17 255.255.255.240\r\n"),
            "{run}"
        );
    assert!(!run.contains(" shutdown"), "{run}");
    let sec = send(&mut a, "show run | section interface GigabitEthernet0/3\n");
    assert!(sec.contains(" description to-ISP-7"), "{sec}");
    assert!(!sec.contains("Loopback0"), "{sec}");
    let brief = send(&mut a, "show ip interface brief\n");
    assert!(
        brief.contains("GigabitEthernet0/3     192.0.2.17      YES NVRAM  up"),
        "{brief}"
    );
    // Not saved yet: the startup-config still has the old interface.
    let startup = send(&mut a, "show startup-config\n");
    assert!(!startup.contains("to-ISP-7"));
    assert!(startup.contains("\r\nhostname R2\r\n"));
    assert_eq!(
        send(&mut a, "write memory\n"),
        "write memory\r\nBuilding configuration...\r\n[OK]\r\nEDGE-2#"
    );
    let startup = send(&mut a, "show startup-config\n");
    assert!(
        startup.starts_with("show startup-config\r\nUsing "),
        "{startup}"
    );
    assert!(startup.contains("to-ISP-7") && startup.contains("hostname EDGE-2"));
    assert!(startup.contains("! NVRAM config last updated at "));
    // Another session on the same device sees the change; a new one starts as EDGE-2.
    let mut b = admin(dev.clone());
    assert!(send(&mut b, "show run | include hostname\n").contains("hostname EDGE-2"));
    assert_eq!(b.persona.prompt(), "EDGE-2#");
    // copy run start asks for the destination first.
    assert_eq!(
        send(&mut b, "copy running-config startup-config\n"),
        "copy running-config startup-config\r\nDestination filename [startup-config]? "
    );
    assert_eq!(
        send(&mut b, "\n"),
        "\r\nBuilding configuration...\r\n[OK]\r\nEDGE-2#"
    );
}

#[test]
fn banner_mode_reads_until_the_delimiter() {
    let dev = device(1, 0);
    let mut a = admin(dev.clone());
    send(&mut a, "conf t\n");
    assert_eq!(
        send(&mut a, "banner motd ^\n"),
        "banner motd ^\r\nEnter TEXT message.  End with the character '^'.\r\n"
    );
    assert_eq!(
        send(&mut a, "Change window Sunday\n"),
        "Change window Sunday\r\n"
    );
    assert_eq!(send(&mut a, "^\n"), "^\r\nR1(config)#");
    send(&mut a, "end\n");
    let g = String::from_utf8(ios_on(dev).greeting()).unwrap();
    assert!(g.starts_with("\r\nChange window Sunday\r\n"), "{g:?}");
}

#[test]
fn getter_commands_answer_in_user_and_privileged_mode() {
    let mut i = admin(device(3, 2));
    for cmd in [
        "show interfaces",
        "show ip interface",
        "show ipv6 interface",
        "show arp",
        "show hosts",
        "show inventory",
        "show lldp neighbors detail",
        "show cdp neighbors detail",
        "show ip route",
        "show ip bgp summary",
        "show ip ospf neighbor",
        "show logging",
        "show users",
        "show processes cpu",
        "show memory statistics",
        "show ntp status",
        "dir",
        "show interfaces GigabitEthernet 0/1",
    ] {
        let out = send(&mut i, &format!("{cmd}\n"));
        assert!(
            !out.contains("% Invalid") && !out.contains("% Incomplete"),
            "{cmd}: {out}"
        );
        assert!(out.lines().count() > 3, "{cmd}: {out}");
    }
    assert!(send(&mut i, "show interfaces Gi0/7\n").contains("% Invalid input"));
    assert!(send(&mut i, "show lldp neighbors det\n").contains("System Name: R1.lab.example.net"));
}

#[test]
fn a_line_the_sub_mode_does_not_know_applies_in_the_enclosing_mode() {
    let dev = device(3, 0);
    let mut i = admin(dev.clone());
    send(&mut i, "configure terminal\n");
    send(&mut i, "interface GigabitEthernet0/3\n");
    // A global command at (config-if)# configures globally and leaves the interface, as
    // netmiko's and scrapli's flat pushes expect.
    assert_eq!(
        send(&mut i, "ntp server 192.0.2.5\n"),
        "ntp server 192.0.2.5\r\nR1(config)#"
    );
    send(&mut i, "interface GigabitEthernet0/3\n");
    // `interface X` from inside another interface moves there.
    assert_eq!(
        send(&mut i, "interface Loopback7\n"),
        "interface Loopback7\r\nR1(config-if)#"
    );
    send(&mut i, "ip address 198.18.7.1 255.255.255.255\n");
    // From address-family mode a router-level line applies to the router, then global.
    let asn = dev.running().bgp().unwrap().0;
    send(&mut i, &format!("router bgp {asn}\n"));
    assert!(send(&mut i, "address-family ipv4\n").ends_with("(config-router-af)#"));
    assert!(send(&mut i, "bgp log-neighbor-changes\n").ends_with("R1(config-router)#"));
    assert!(send(&mut i, "address-family ipv4\n").ends_with("(config-router-af)#"));
    assert!(send(&mut i, "hostname EDGE-9\n").ends_with("EDGE-9(config)#"));
    send(&mut i, "end\n");
    let run = send(&mut i, "show running-config\n");
    assert!(run.contains("\r\nntp server 192.0.2.5\r\n"), "{run}");
    assert!(
        run.contains("interface Loopback7\r\n ip address 198.18.7.1 255.255.255.255\r\n"),
        "{run}"
    );
    assert!(!run.contains(" ntp server"), "{run}");
}

#[test]
fn a_line_no_mode_knows_is_rejected_in_the_mode_it_was_typed() {
    let dev = device(3, 0);
    let mut i = admin(dev.clone());
    send(&mut i, "configure terminal\n");
    send(&mut i, "interface GigabitEthernet0/3\n");
    let before = dev.running();
    // Misspelt words after `ip`/`ipv6`, with or without `no`, are invalid at that word: not
    // stored in the interface, not "removed" silently, and the mode stays.
    for (line, col) in [
        ("ip adress 192.0.2.6 255.255.255.0", 3),
        ("no ip adress", 6),
        ("ipv6 adress 2001:db8::1/64", 5),
    ] {
        let out = send(&mut i, &format!("{line}\n"));
        let caret = " ".repeat("R1(config-if)#".len() + col);
        assert_eq!(
            out,
            format!(
                "{line}\r\n{caret}^\r\n% Invalid input detected at '^' marker.\r\n\r\nR1(config-if)#"
            ),
            "{line}"
        );
    }
    assert_eq!(dev.running(), before);
    // `no ip X` at global configuration checks X too.
    send(&mut i, "exit\n");
    assert!(send(&mut i, "no ip adress\n").contains("% Invalid input"));
    assert!(send(&mut i, "no ip\n").contains("% Incomplete command."));
    assert_eq!(dev.running(), before);
    // Known words still work, in both modes.
    send(&mut i, "interface GigabitEthernet0/3\n");
    assert_eq!(
        send(&mut i, "ip ospf cost 10\n"),
        "ip ospf cost 10\r\nR1(config-if)#"
    );
    assert_eq!(
        send(&mut i, "no ip ospf cost\n"),
        "no ip ospf cost\r\nR1(config-if)#"
    );
    assert_eq!(
        send(&mut i, "no ip http server\n"),
        "no ip http server\r\nR1(config)#"
    );
}

#[test]
fn show_users_and_snmp_chassis() {
    let dev = device(3, 1);
    let serial = dev.identity.serial.clone();
    let mut i = ios_on(dev);
    let users = send(&mut i, "show users\n");
    // The asking session, right-aligned after `*` as IOS prints it (ntc-templates needs the
    // space), and the interface table's own header.
    assert!(
        users.contains("\r\n*  2 vty 0     cisco      idle                 00:00:00 "),
        "{users}"
    );
    assert!(
        users.contains(
            "\r\n  Interface    User               Mode         Idle     Peer Address\r\n"
        )
    );
    assert_eq!(
        send(&mut i, "show snmp chassis\n"),
        format!("show snmp chassis\r\n{serial}\r\nR2>")
    );
}
