use super::*;
use crate::algorithms::TestSsh;
use crate::device::DEFAULT_TIMEOUT;
use crate::secret::Secret;
use std::time::Duration;

fn no_env(_: &str) -> Option<String> {
    None
}

/// Malformed inventories and the exact message each must produce. Users rely on these
/// messages: a change here is a change to the product.
const BAD: &[(&str, &str)] = &[
    (
        "",
        "devices.yaml: the inventory file is empty; expected a mapping of group name to a list of devices, or a list of devices",
    ),
    (
        "# nothing but a comment\n",
        "devices.yaml: the inventory file is empty; expected a mapping of group name to a list of devices, or a list of devices",
    ),
    (
        "routers: [\n",
        "devices.yaml:2:1: not valid YAML: while parsing a node, did not find expected node content",
    ),
    (
        "routers:\n\t- ip: 1.1.1.1\n",
        "devices.yaml:2:2: not valid YAML: tabs disallowed within this context (block indentation)",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n---\n- ip: 1.1.1.1\n",
        "devices.yaml:5:1: a second YAML document starts here; an inventory is a single document",
    ),
    (
        "just text\n",
        "devices.yaml:1:1: the top level must be a mapping of group name to a list of devices, or a list of devices; got \"just text\"",
    ),
    (
        "42\n",
        "devices.yaml:1:1: the top level must be a mapping of group name to a list of devices, or a list of devices; got 42",
    ),
    (
        "host: 192.168.100.1\nusername: cisco\n",
        "devices.yaml:1:1: the top level looks like a single device; put it in a list ('- host: ...') or under a group name",
    ),
    (
        "routers: 192.168.100.1\n",
        "devices.yaml:1:10: group 'routers' must be a list of devices, got \"192.168.100.1\"",
    ),
    (
        "routers:\n  ip: 192.168.100.1\n",
        "devices.yaml:2:3: group 'routers' must be a list of devices, got a mapping",
    ),
    (
        "routers:\n",
        "devices.yaml:1:8: group 'routers' must be a list of devices, got null",
    ),
    (
        "[a]: []\n",
        "devices.yaml:1:1: group names must be text, got a list",
    ),
    (
        "routers:\n  - 192.168.100.1\n",
        "devices.yaml:2:5: device 1 in group 'routers': must be a mapping of keys (host, username, ...), got \"192.168.100.1\"",
    ),
    (
        "- [192.168.100.1, cisco]\n",
        "devices.yaml:1:3: device 1: must be a mapping of keys (host, username, ...), got a list",
    ),
    (
        "routers:\n  - username: cisco\n    password: cisco\n",
        "devices.yaml:2:5: device 1 in group 'routers': missing 'host' (or 'ip')",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    password: cisco\n",
        "devices.yaml:2:5: device 1 (192.168.100.1) in group 'routers': missing 'username'",
    ),
    (
        "routers:\n  - host: 192.168.100.1\n    ip: 192.168.100.9\n    username: a\n",
        "devices.yaml:3:5: device 1 (192.168.100.1) in group 'routers': 'host' (192.168.100.1) and 'ip' (192.168.100.9) differ; give one of them",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: abc\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got \"abc\"",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: \"22\"\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got \"22\"",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: 0\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got 0",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: 70000\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got 70000",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: -22\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got -22",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    port: 22.5\n",
        "devices.yaml:4:11: device 1 (192.168.100.1) in group 'routers': port must be an integer 1-65535, got 22.5",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: [a, b]\n",
        "devices.yaml:3:15: device 1 (192.168.100.1) in group 'routers': username must be text, got a list",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: \"\"\n",
        "devices.yaml:3:15: device 1 (192.168.100.1) in group 'routers': username must be non-empty text, got \"\"",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    timeout: soon\n",
        "devices.yaml:4:14: device 1 (192.168.100.1) in group 'routers': timeout must be a number of seconds greater than 0, got \"soon\"",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    timeout: 0\n",
        "devices.yaml:4:14: device 1 (192.168.100.1) in group 'routers': timeout must be a number of seconds greater than 0, got 0",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    timeout: -1.5\n",
        "devices.yaml:4:14: device 1 (192.168.100.1) in group 'routers': timeout must be a number of seconds greater than 0, got -1.5",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    password: [hunter2]\n",
        "devices.yaml:4:15: device 1 (192.168.100.1) in group 'routers': password must be text, got a list",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    secret: {x: hunter2}\n",
        "devices.yaml:4:13: device 1 (192.168.100.1) in group 'routers': secret must be text, got a mapping",
    ),
    (
        "routers:\n  - ip: [192.168.100.1]\n    username: a\n",
        "devices.yaml:2:9: device 1 in group 'routers': ip must be a host name or address, got a list",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    device_type: [cisco_ios]\n",
        "devices.yaml:4:18: device 1 (192.168.100.1) in group 'routers': device_type must be non-empty text, got a list",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    device_type: cisco_nxso\n",
        "devices.yaml:4:18: device 1 (192.168.100.1) in group 'routers': unknown device_type 'cisco_nxso'; did you mean 'cisco_nxos'? (supported: cisco_ios, cisco_xe, cisco_nxos, cisco_xr, arista_eos, juniper_junos, linux)",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    device_type: not_a_type\n",
        "devices.yaml:4:18: device 1 (192.168.100.1) in group 'routers': unknown device_type 'not_a_type' (supported: cisco_ios, cisco_xe, cisco_nxos, cisco_xr, arista_eos, juniper_junos, linux)",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    usrname: a\n",
        "devices.yaml:3:5: device 1 (192.168.100.1) in group 'routers': unknown key 'usrname'; did you mean 'username'?",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    pasword: hunter2\n",
        "devices.yaml:4:5: device 1 (192.168.100.1) in group 'routers': unknown key 'pasword'; did you mean 'password'?",
    ),
    (
        "routers:\n  - hots: 192.168.100.1\n    username: a\n",
        "devices.yaml:2:5: device 1 in group 'routers': unknown key 'hots'; did you mean 'host'?",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    location: lab\n",
        "devices.yaml:4:5: device 1 (192.168.100.1) in group 'routers': unknown key 'location'; expected one of: host, ip, port, username, password, secret, device_type, timeout, name, key_file, kex, hostkey, ciphers, macs, bastion, bastion_key_file, bastion_password, ssh_config_file (netmiko's other options are ignored)",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    username: b\n",
        "devices.yaml:4:5: device 1 (192.168.100.1) in group 'routers': key 'username' appears twice in the same mapping",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    key_file: a\n    key_filename: b\n",
        "devices.yaml:5:5: device 1 (192.168.100.1) in group 'routers': both 'key_file' and 'key_filename' are given; give one of them",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n  - ip: 192.168.100.1\n    username: b\n",
        "devices.yaml:4:5: device 2 (192.168.100.1) in group 'routers': same host and port 192.168.100.1:22 as device 1 (192.168.100.1) in group 'routers' at line 2",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\nswitches:\n  - host: 192.168.100.1\n    port: 22\n    username: b\n",
        "devices.yaml:5:5: device 1 (192.168.100.1) in group 'switches': same host and port 192.168.100.1:22 as device 1 (192.168.100.1) in group 'routers' at line 2",
    ),
    (
        "- name: core\n  ip: 192.168.100.1\n  username: a\n- name: core\n  ip: 192.168.100.2\n  username: a\n",
        "devices.yaml:4:3: device 2 (core): same name 'core' as device 1 (core) at line 1",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    password: ${ROUTER_PASSWORD}\n",
        "devices.yaml:4:15: device 1 (192.168.100.1) in group 'routers': password refers to environment variable ROUTER_PASSWORD, which is not set",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: ${ROUTER_USER}\n",
        "devices.yaml:3:15: device 1 (192.168.100.1) in group 'routers': username refers to environment variable ROUTER_USER, which is not set",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\n    key_file: ~/.ssh/id_ed25519\n",
        "devices.yaml:4:15: device 1 (192.168.100.1) in group 'routers': key_file: '~' needs HOME, which is not set",
    ),
    (
        "routers: []\n",
        "devices.yaml:1:1: the inventory lists no devices",
    ),
    ("[]\n", "devices.yaml:1:1: the inventory lists no devices"),
    (
        "routers: []\nswitches: []\n",
        "devices.yaml:1:1: the inventory lists no devices",
    ),
    (
        "routers:\n  - ip: 192.168.100.1\n    username: a\nrouters:\n  - ip: 192.168.100.2\n    username: a\n",
        "devices.yaml:4:1: key 'routers' appears twice in the same mapping",
    ),
    (
        "- name: röuter\n  ip: 192.168.100.1\n  username: a\n  port: 2 2\n",
        "devices.yaml:4:9: device 1 (röuter): port must be an integer 1-65535, got \"2 2\"",
    ),
    (
        "routers:\n  - device_type: cisco_ios\n    ip: 192.168.100.1\n    username: cisco\n  - device_type: cisco_ios\n    ip: 192.168.100.2\n    username: cisco\n    port: abc\n",
        "devices.yaml:8:11: device 2 (192.168.100.2) in group 'routers': port must be an integer 1-65535, got \"abc\"",
    ),
    (
        "routers:\n  - {ip: 192.168.100.1, username: a}\nswitches:\n  - {ip: 192.168.100.2, username: a}\n  - {ip: 192.168.100.3, usernme: a}\n",
        "devices.yaml:5:25: device 2 (192.168.100.3) in group 'switches': unknown key 'usernme'; did you mean 'username'?",
    ),
];

#[test]
fn malformed_inventories_give_exact_messages() {
    let mut failures = Vec::new();
    for (text, want) in BAD {
        match parse_with_env(text, "devices.yaml", no_env, &TestSsh) {
            Ok(inv) => failures.push(format!("{text:?}: accepted: {inv:?}")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("{text:?}:\n  want {want}\n  got  {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_classic_fixture_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/devices.yaml");
    let inv = load_with_env(&path, no_env, &TestSsh).unwrap();
    assert!(inv.warnings.is_empty());
    assert_eq!(inv.devices.len(), 3);
    for (i, d) in inv.devices.iter().enumerate() {
        let host = format!("192.168.100.{}", i + 1);
        assert_eq!(
            *d,
            Device {
                name: host.clone(),
                host,
                port: 22,
                username: "cisco".into(),
                password: Some(Secret::new("cisco")),
                secret: Some(Secret::new("cisco")),
                key_file: None,
                device_type: "cisco_ios".into(),
                timeout: DEFAULT_TIMEOUT,
                algorithms: Default::default(),
                bastion: None,
            }
        );
    }
}

#[test]
fn a_missing_file_names_its_path() {
    let err = load(Path::new("/nonexistent/fleetbench/devices.yaml"), &TestSsh).unwrap_err();
    assert!(matches!(err, InventoryError::Read { .. }));
    assert_eq!(
        err.to_string(),
        "cannot read inventory file /nonexistent/fleetbench/devices.yaml: \
         No such file or directory (os error 2)"
    );
}

#[test]
fn a_bare_list_with_every_key() {
    let text = "\
- name: core1
  host: 192.168.100.1
  ip: 192.168.100.1
  port: 2222
  username: admin
  password: 0123
  device_type: arista_eos
  timeout: 2.5
  key_filename: ~/.ssh/id_ed25519
- host: 192.168.100.2
  port: 830
  username: admin
  secret:
- host: 192.168.100.3
  username: 42
  key_file: /etc/keys/k
  timeout: 3
";
    let env = |k: &str| (k == "HOME").then(|| "/home/op".to_string());
    let inv = parse_with_env(text, "lab.yaml", env, &TestSsh).unwrap();
    let [a, b, c] = &inv.devices[..] else {
        panic!("{inv:?}")
    };
    assert_eq!(a.name, "core1");
    assert_eq!(a.port, 2222);
    assert_eq!(a.password.as_ref().map(Secret::expose), Some("0123"));
    assert_eq!(a.device_type, "arista_eos");
    assert_eq!(a.timeout, Duration::from_millis(2500));
    assert_eq!(
        a.key_file.as_deref(),
        Some(Path::new("/home/op/.ssh/id_ed25519"))
    );
    assert_eq!(b.name, "192.168.100.2:830");
    assert_eq!((b.password.is_none(), b.secret.is_none()), (true, true));
    assert_eq!(c.username, "42");
    assert_eq!(c.timeout, Duration::from_secs(3));
    assert_eq!(c.key_file.as_deref(), Some(Path::new("/etc/keys/k")));
    assert_eq!(c.name, "192.168.100.3");
}

#[test]
fn several_groups_concatenate_in_file_order() {
    let text = "\
routers:
  - {ip: 192.168.100.1, username: a}
  - {ip: 192.168.100.2, username: a}
empty: []
switches:
  - {ip: 192.168.100.3, username: a}
  - {ip: 192.168.100.1, port: 2201, username: a}
";
    let inv = parse_with_env(text, "devices.yaml", no_env, &TestSsh).unwrap();
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "192.168.100.1",
            "192.168.100.2",
            "192.168.100.3",
            "192.168.100.1:2201"
        ]
    );
}

#[test]
fn netmiko_options_warn_once_per_name() {
    let text = "\
routers:
  - ip: 192.168.100.1
    username: a
    fast_cli: false
    global_delay_factor: 2
  - ip: 192.168.100.2
    username: a
    fast_cli: true
    session_log: /tmp/s.log
    passphrase: hunter2
";
    let inv = parse_with_env(text, "devices.yaml", no_env, &TestSsh).unwrap();
    assert_eq!(inv.devices.len(), 2);
    assert_eq!(
        inv.warnings,
        [
            "devices.yaml:4:5: ignoring netmiko option 'fast_cli' (fleetbench does not use it; \
             warned once for all devices)",
            "devices.yaml:5:5: ignoring netmiko option 'global_delay_factor' (fleetbench does \
             not use it; warned once for all devices)",
            "devices.yaml:9:5: ignoring netmiko option 'session_log' (fleetbench does not use \
             it; warned once for all devices)",
            "devices.yaml:10:5: ignoring netmiko option 'passphrase' (fleetbench does not use \
             it; warned once for all devices)",
        ]
    );
    assert!(!format!("{inv:?}").contains("hunter2"));
}

#[test]
fn env_references_are_expanded() {
    let text = "\
- ip: 192.168.100.1
  username: ${ROUTER_USER}
  password: ${ROUTER_PASSWORD}
  secret: \"${ENABLE_SECRET}\"
  name: ${NOT_EXPANDED}
- ip: 192.168.100.2
  username: a
  password: pre${ROUTER_PASSWORD}
";
    let env = |k: &str| match k {
        "ROUTER_USER" => Some("netops".to_string()),
        "ROUTER_PASSWORD" => Some("s3cr3t-pw".to_string()),
        "ENABLE_SECRET" => Some("en-s3cr3t".to_string()),
        _ => None,
    };
    let inv = parse_with_env(text, "devices.yaml", env, &TestSsh).unwrap();
    let d = &inv.devices[0];
    assert_eq!(d.username, "netops");
    assert_eq!(d.password.as_ref().map(Secret::expose), Some("s3cr3t-pw"));
    assert_eq!(d.secret.as_ref().map(Secret::expose), Some("en-s3cr3t"));
    assert_eq!(d.name, "${NOT_EXPANDED}");
    // Only a whole-value reference is expanded.
    let p = inv.devices[1].password.as_ref().map(Secret::expose);
    assert_eq!(p, Some("pre${ROUTER_PASSWORD}"));
}

#[test]
fn secrets_never_show() {
    let text = "\
routers:
  - ip: 192.168.100.1
    username: a
    password: hunter2-pw
    secret: enable-s3cret
";
    let inv = parse_with_env(text, "devices.yaml", no_env, &TestSsh).unwrap();
    let debug = format!("{inv:?} {inv:#?}");
    assert!(!debug.contains("hunter2-pw"), "{debug}");
    assert!(!debug.contains("enable-s3cret"), "{debug}");

    // Nor in an error about the secret's own value or a later key.
    for bad in [
        "- {ip: 192.168.100.1, username: a, password: [hunter2-pw]}\n",
        "- {ip: 192.168.100.1, username: a, secret: {hunter2-pw: 1}}\n",
        "- {ip: 192.168.100.1, username: a, password: hunter2-pw, port: x}\n",
        "- {ip: 192.168.100.1, username: a, password: hunter2-pw, pasword: hunter2-pw}\n",
    ] {
        let err = parse_with_env(bad, "devices.yaml", no_env, &TestSsh).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn ssh_algorithm_lists_per_device() {
    use crate::algorithms::{Kind, Op};
    let text = "\
- host: 192.0.2.10
  username: admin
  kex: +diffie-hellman-group14-sha1
  hostkey: +ssh-rsa
  macs: hmac-sha1,hmac-sha2-256
- host: 192.0.2.11
  username: admin
";
    let inv = parse_with_env(text, "devices.yaml", no_env, &TestSsh).unwrap();
    let a = &inv.devices[0].algorithms;
    let kex = a.get(Kind::Kex).unwrap();
    assert_eq!(
        (kex.op, kex.names.as_slice()),
        (Op::Append, &["diffie-hellman-group14-sha1".to_string()][..])
    );
    assert_eq!(a.get(Kind::Macs).unwrap().op, Op::Replace);
    assert!(a.get(Kind::Ciphers).is_none());
    assert!(inv.devices[1].algorithms.is_default());
    let bad = "- host: 192.0.2.10\n  username: admin\n  kex: +diffie-hellman-group99-sha1\n";
    let e = parse_with_env(bad, "devices.yaml", no_env, &TestSsh)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("devices.yaml:3:8: device 1 (192.0.2.10): kex: 'diffie-hellman-group99-sha1' is not a key exchange algorithm"),
        "{e}"
    );
}
