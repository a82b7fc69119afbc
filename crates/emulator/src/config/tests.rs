//! Unit tests of `config` (kept beside it so the module reads as code).

use std::net::Ipv4Addr;

use super::*;
use crate::identity::FleetLayout;

fn cfg() -> Config {
    let fleet = FleetLayout::new(3, 1);
    Config::initial(&fleet, &fleet.identity(0), SshStack::Modern)
}

fn global(c: &mut Config, line: &str) -> Applied {
    apply(c, &Ctx::Global, line)
}

#[test]
fn initial_config_is_the_devices_own() {
    let c = cfg();
    assert_eq!(c.hostname(), "R1");
    assert_eq!(c.domain(), Some("lab.example.net"));
    let ifs = c.interfaces();
    assert_eq!(ifs.len(), 5);
    assert_eq!(ifs[0].name, "Loopback0");
    assert_eq!(ifs[0].ipv4, vec![(Ipv4Addr::new(198, 18, 0, 1), 32)]);
    let gi1 = &ifs[2];
    assert_eq!(gi1.name, "GigabitEthernet0/1");
    assert_eq!(gi1.ipv4, vec![(Ipv4Addr::new(198, 19, 0, 0), 31)]);
    assert_eq!(
        gi1.description.as_deref(),
        Some("Link to R2.lab.example.net Gi0/2")
    );
    assert!(ifs[4].shutdown);
    let (asn, peers) = c.bgp().unwrap();
    assert_eq!(asn, 64512);
    assert_eq!(
        peers,
        vec![
            (Ipv4Addr::new(198, 19, 0, 1), 64513),
            (Ipv4Addr::new(198, 19, 0, 4), 64514)
        ]
    );
    assert!(
        c.banner("login")
            .unwrap()
            .contains("Authorized access only")
    );
    assert_eq!(c.ntp_servers(), vec!["203.0.113.30", "203.0.113.31"]);
    // Round trip: parse(print(c)) == c.
    assert_eq!(Config::parse(&c.lines().join("\n")), c);
}

#[test]
fn interface_mode_edits_its_section() {
    let mut c = cfg();
    let Applied::Enter(ctx) = global(&mut c, "int gi0/3") else {
        panic!()
    };
    assert_eq!(ctx.prompt_tag(), "config-if");
    assert_eq!(
        apply(&mut c, &ctx, "description Uplink to ISP"),
        Applied::Done
    );
    assert_eq!(
        apply(&mut c, &ctx, "ip address 192.0.2.9 255.255.255.252"),
        Applied::Done
    );
    assert_eq!(apply(&mut c, &ctx, "no shut"), Applied::Done);
    let i = c
        .interfaces()
        .into_iter()
        .find(|i| i.name == "GigabitEthernet0/3")
        .unwrap();
    assert_eq!(i.description.as_deref(), Some("Uplink to ISP"));
    assert_eq!(i.ipv4, vec![(Ipv4Addr::new(192, 0, 2, 9), 30)]);
    assert!(!i.shutdown);
    let sec = c.section("interface GigabitEthernet0/3").unwrap();
    assert!(!sec.children.contains(&" no ip address".to_string()));
    assert_eq!(
        apply(&mut c, &ctx, "ip address 192.0.2.9 255.0.255.0"),
        Applied::Invalid { caret: 21 }
    );
    assert_eq!(
        apply(&mut c, &ctx, "ip address 192.0.2.300 255.255.255.0"),
        Applied::Invalid { caret: 11 }
    );
    assert_eq!(apply(&mut c, &ctx, "ip address"), Applied::Incomplete);
    assert_eq!(
        apply(&mut c, &ctx, "frobnicate"),
        Applied::Invalid { caret: 0 }
    );
    assert_eq!(apply(&mut c, &ctx, "shutdown"), Applied::Done);
    assert!(c.interfaces()[4].shutdown);
    assert_eq!(apply(&mut c, &ctx, "no ip address"), Applied::Done);
    assert!(c.interfaces()[4].ipv4.is_empty());
    assert_eq!(apply(&mut c, &ctx, "exit"), Applied::Exit);
    assert_eq!(apply(&mut c, &ctx, "end"), Applied::End);
}

#[test]
fn new_loopback_is_a_new_section_and_no_removes_it() {
    let mut c = cfg();
    let Applied::Enter(ctx) = global(&mut c, "interface Loopback100") else {
        panic!()
    };
    apply(&mut c, &ctx, "ip address 198.18.200.1 255.255.255.255");
    let text = c.lines().join("\n");
    assert!(
        text.contains("interface Loopback100\n ip address 198.18.200.1 255.255.255.255\n!"),
        "{text}"
    );
    assert_eq!(global(&mut c, "no interface Loopback100"), Applied::Done);
    assert!(c.section("interface Loopback100").is_none());
    assert!(matches!(
        global(&mut c, "no interface gi0/1"),
        Applied::Message(_)
    ));
    assert_eq!(
        global(&mut c, "interface Gi0/9"),
        Applied::Invalid { caret: 12 }
    );
}

#[test]
fn global_commands_and_rejections() {
    let mut c = cfg();
    assert_eq!(global(&mut c, "hostname EDGE-7"), Applied::Done);
    assert_eq!(c.hostname(), "EDGE-7");
    assert_eq!(global(&mut c, "ntp server 192.0.2.123"), Applied::Done);
    assert!(c.ntp_servers().contains(&"192.0.2.123".to_string()));
    assert_eq!(global(&mut c, "no ntp server 192.0.2.123"), Applied::Done);
    assert!(!c.ntp_servers().contains(&"192.0.2.123".to_string()));
    assert_eq!(
        global(&mut c, "bogus command"),
        Applied::Invalid { caret: 0 }
    );
    assert_eq!(global(&mut c, "hostname"), Applied::Incomplete);
    assert_eq!(global(&mut c, "ip bogus 1"), Applied::Invalid { caret: 3 });
    assert_eq!(global(&mut c, "logging host 192.0.2.50"), Applied::Done);
    assert!(c.lines().contains(&"logging host 192.0.2.50".to_string()));
    assert_eq!(global(&mut c, "no logging host 192.0.2.50"), Applied::Done);
    assert!(!c.lines().contains(&"logging host 192.0.2.50".to_string()));
    assert_eq!(
        global(&mut c, "router bgp 1"),
        Applied::Message("% BGP is already running; AS is 64512".into())
    );
}

#[test]
fn router_bgp_neighbors_and_address_family() {
    let mut c = cfg();
    let Applied::Enter(ctx) = global(&mut c, "router bgp 64512") else {
        panic!()
    };
    assert_eq!(
        apply(&mut c, &ctx, "neighbor 192.0.2.77 remote-as 64999"),
        Applied::Done
    );
    assert!(
        c.bgp()
            .unwrap()
            .1
            .contains(&(Ipv4Addr::new(192, 0, 2, 77), 64999))
    );
    let Applied::Enter(af) = apply(&mut c, &ctx, "address-family ipv4 unicast") else {
        panic!()
    };
    assert_eq!(af.prompt_tag(), "config-router-af");
    assert_eq!(
        apply(&mut c, &af, "neighbor 192.0.2.77 activate"),
        Applied::Done
    );
    let sec = c.section("router bgp 64512").unwrap();
    let i = sec
        .children
        .iter()
        .position(|l| l == "  neighbor 192.0.2.77 activate")
        .unwrap();
    let remote = sec
        .children
        .iter()
        .position(|l| l == " neighbor 192.0.2.77 remote-as 64999")
        .unwrap();
    assert!(remote < i, "{:?}", sec.children);
    assert_eq!(apply(&mut c, &ctx, "no neighbor 192.0.2.77"), Applied::Done);
    assert!(
        !c.bgp()
            .unwrap()
            .1
            .iter()
            .any(|p| p.0 == Ipv4Addr::new(192, 0, 2, 77))
    );
}

#[test]
fn banners_one_line_and_multi_line() {
    let mut c = cfg();
    assert_eq!(
        global(&mut c, "banner motd #Maintenance tonight#"),
        Applied::Done
    );
    assert_eq!(c.banner("motd").as_deref(), Some("Maintenance tonight"));
    let r = global(&mut c, "banner login ^C");
    assert_eq!(
        r,
        Applied::Banner {
            kind: "login".into(),
            delim: "^C".into()
        }
    );
    assert!(!banner_line(&mut c, "login", "^C", "Line one"));
    assert!(banner_line(&mut c, "login", "^C", "Line two^C"));
    assert_eq!(c.banner("login").as_deref(), Some("\nLine one\nLine two"));
    let reparsed = Config::parse(&c.lines().join("\n"));
    assert_eq!(
        reparsed.banner("login").as_deref(),
        Some("\nLine one\nLine two")
    );
    assert_eq!(global(&mut c, "no banner motd"), Applied::Done);
    assert_eq!(c.banner("motd"), None);
}

#[test]
fn masks() {
    assert_eq!(prefix_len("255.255.255.0"), Some(24));
    assert_eq!(prefix_len("255.255.255.255"), Some(32));
    assert_eq!(
        prefix_len(&std::net::Ipv4Addr::UNSPECIFIED.to_string()),
        Some(0)
    );
    assert_eq!(prefix_len("255.0.255.0"), None);
}
