//! Nornir and Ansible inventories: detection, inheritance, located errors, and the round trip
//! through [`super::write`].

use super::write::{WriteOptions, render};
use super::*;
use crate::algorithms::TestSsh;
use crate::secret::Secret;
use std::path::Path;

fn env(name: &str) -> Option<String> {
    match name {
        "ROUTER_PW" => Some("from-env".into()),
        "HOME" => Some("/home/op".into()),
        _ => None,
    }
}

fn put(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_err(path: &Path) -> String {
    load_with_env(path, env, &TestSsh).unwrap_err().to_string()
}

const NORNIR_HOSTS: &str = "\
R1:
  hostname: 192.0.2.1
  groups: [core]
R2:
  hostname: 192.0.2.2
  port: 2222
  username: special
  groups: [edge]
  data:
    site: lab
198.51.100.7:
  groups: [edge]
  platform: eos
";

const NORNIR_GROUPS: &str = "\
base:
  platform: ios
  connection_options:
    netmiko:
      extras:
        secret: enable-pw
        fast_cli: false
core:
  groups: [base]
  port: 830
edge:
  groups: [base]
  username: edgeuser
";

const NORNIR_DEFAULTS: &str = "\
username: admin
password: ${ROUTER_PW}
";

#[test]
fn nornir_inherits_host_then_groups_then_defaults() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "hosts.yaml", NORNIR_HOSTS);
    put(dir.path(), "groups.yaml", NORNIR_GROUPS);
    put(dir.path(), "defaults.yaml", NORNIR_DEFAULTS);
    // The folder, and hosts.yaml itself, both load (told apart from netmiko by content).
    for path in [dir.path().to_path_buf(), dir.path().join("hosts.yaml")] {
        let inv = load_with_env(&path, env, &TestSsh).unwrap();
        let d = &inv.devices;
        assert_eq!(d.len(), 3);
        assert_eq!(
            (d[0].name.as_str(), d[0].host.as_str(), d[0].port),
            ("R1", "192.0.2.1", 830)
        );
        assert_eq!(d[0].username, "admin");
        assert_eq!(d[0].password.as_ref().unwrap().expose(), "from-env");
        assert_eq!(d[0].secret.as_ref().unwrap().expose(), "enable-pw");
        assert_eq!(d[0].device_type, "cisco_ios");
        assert_eq!((d[1].port, d[1].username.as_str()), (2222, "special"));
        // No hostname: the host's own name, as Nornir users write it.
        assert_eq!((d[2].host.as_str(), d[2].port), ("198.51.100.7", 22));
        assert_eq!(d[2].username, "edgeuser");
        assert_eq!(d[2].device_type, "arista_eos");
        assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
        assert!(inv.warnings[0].contains("groups.yaml:7:9: ignoring netmiko option 'fast_cli'"));
    }
}

#[test]
fn nornir_config_yaml_points_at_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory");
    std::fs::create_dir(&inv).unwrap();
    put(&inv, "hosts.yaml", NORNIR_HOSTS);
    put(&inv, "groups.yaml", NORNIR_GROUPS);
    put(&inv, "defaults.yaml", NORNIR_DEFAULTS);
    let config = put(
        dir.path(),
        "config.yaml",
        "inventory:\n  plugin: SimpleInventory\n  options:\n    host_file: inventory/hosts.yaml\n    group_file: inventory/groups.yaml\n    defaults_file: inventory/defaults.yaml\nrunner:\n  plugin: threaded\n",
    );
    assert_eq!(
        load_with_env(&config, env, &TestSsh).unwrap().devices.len(),
        3
    );
}

#[test]
fn nornir_errors_name_the_file_that_holds_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "hosts.yaml", NORNIR_HOSTS);
    put(dir.path(), "defaults.yaml", NORNIR_DEFAULTS);
    let groups = |text: &str| put(dir.path(), "groups.yaml", text);
    let hosts = dir.path().join("hosts.yaml");
    let g = dir.path().join("groups.yaml").display().to_string();
    let h = hosts.display().to_string();

    groups(&NORNIR_GROUPS.replace("port: 830", "port: ssh"));
    assert_eq!(
        load_err(&hosts),
        format!("{g}:10:9: device 1 (R1): port must be an integer 1-65535, got \"ssh\"")
    );
    groups(&NORNIR_GROUPS.replace("  port: 830", "  prot: 830"));
    assert_eq!(
        load_err(&hosts),
        format!(
            "{g}:10:3: group 'core': unknown key 'prot'; expected one of: hostname, port, \
             username, password, platform, groups, data, connection_options"
        )
    );
    groups(&NORNIR_GROUPS.replace("groups: [base]\n  port", "groups: [bsae]\n  port"));
    assert_eq!(
        load_err(&hosts),
        format!("{g}:9:12: host 'R1': group 'bsae' is not defined in {g}")
    );
    groups(&NORNIR_GROUPS.replace(
        "base:\n  platform: ios",
        "base:\n  groups: [core]\n  platform: ios",
    ));
    assert!(
        load_err(&hosts).contains("groups form a cycle through 'core'"),
        "{}",
        load_err(&hosts)
    );
    groups(NORNIR_GROUPS);
    std::fs::write(
        &hosts,
        NORNIR_HOSTS.replace("R1:\n  hostname: 192.0.2.1", "R1:\n  hostname: [192.0.2.1]"),
    )
    .unwrap();
    assert_eq!(
        load_err(&hosts),
        format!("{h}:2:13: device 1 (R1): hostname must be text, got a list")
    );
    // Without defaults.yaml nobody gives R1 a username.
    std::fs::write(&hosts, NORNIR_HOSTS).unwrap();
    std::fs::remove_file(dir.path().join("defaults.yaml")).unwrap();
    assert_eq!(
        load_err(&hosts),
        format!("{h}:2:3: device 1 (R1): missing 'username'")
    );
}

const ANSIBLE_YAML: &str = "\
all:
  vars:
    ansible_user: admin
    ansible_password: \"{{ lookup('env', 'ROUTER_PW') }}\"
    ansible_network_os: cisco.ios.ios
  children:
    routers:
      vars:
        ansible_become_password: en
      hosts:
        r1:
          ansible_host: 192.0.2.1
        r2:
          ansible_host: 192.0.2.2
          ansible_port: 2022
      children:
        core:
          vars:
            ansible_user: coreuser
          hosts:
            r1:
    switches:
      hosts:
        sw1:
          ansible_network_os: arista.eos.eos
";

#[test]
fn ansible_yaml_children_override_parents_and_hosts_override_groups() {
    let dir = tempfile::tempdir().unwrap();
    let p = put(dir.path(), "inventory.yml", ANSIBLE_YAML);
    let inv = load_with_env(&p, env, &TestSsh).unwrap();
    let d = &inv.devices;
    assert_eq!(
        d.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["r1", "r2", "sw1"]
    );
    assert_eq!((d[0].host.as_str(), d[0].port), ("192.0.2.1", 22));
    assert_eq!(
        d[0].username, "coreuser",
        "the child group core beats routers and all"
    );
    assert_eq!(d[0].password.as_ref().unwrap().expose(), "from-env");
    assert_eq!(d[0].secret.as_ref().unwrap().expose(), "en");
    assert_eq!((d[1].port, d[1].username.as_str()), (2022, "admin"));
    assert_eq!(d[2].host, "sw1");
    assert_eq!(d[2].device_type, "arista_eos");
    assert!(d[2].secret.is_none());

    let bad = put(
        dir.path(),
        "bad.yml",
        &ANSIBLE_YAML.replace("ansible_port: 2022", "ansible_port: \"22x\""),
    );
    assert_eq!(
        load_err(&bad),
        format!(
            "{}:15:25: device 2 (r2) in group 'routers': ansible_port must be an integer 1-65535, got \"22x\"",
            bad.display()
        )
    );
    let nouser = put(
        dir.path(),
        "nouser.yml",
        &ANSIBLE_YAML.replace("    ansible_user: admin\n", ""),
    );
    assert_eq!(
        load_err(&nouser),
        format!(
            "{}:12:9: device 2 (r2) in group 'routers': missing 'ansible_user'",
            nouser.display()
        )
    );
}

const ANSIBLE_INI: &str = "\
# lab routers
[routers]
r[1:2] ansible_host=192.0.2.10
edge1:2200 ansible_host=192.0.2.20 ansible_user=edge

[switches]
sw1 ansible_host=192.0.2.30 ansible_network_os=eos

[network:children]
routers
switches

[network:vars]
ansible_user=admin
ansible_password='s3cret pw'
ansible_become_password=en
ansible_network_os=cisco.ios.ios
";

#[test]
fn ansible_ini_sections_ranges_and_ports() {
    let dir = tempfile::tempdir().unwrap();
    let p = put(dir.path(), "hosts", ANSIBLE_INI);
    // Two hosts of one range cannot share an address and port.
    assert_eq!(
        load_err(&p),
        format!(
            "{}:3:1: device 2 (r2) in group 'routers': same host and port 192.0.2.10:22 as device 1 (r1) in group 'routers' at line 3",
            p.display()
        )
    );
    let p = put(
        dir.path(),
        "hosts",
        &ANSIBLE_INI.replace("r[1:2] ansible_host=192.0.2.10", "r[1:2]"),
    );
    let inv = load_with_env(&p, env, &TestSsh).unwrap();
    let d = &inv.devices;
    assert_eq!(
        d.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["r1", "r2", "edge1", "sw1"]
    );
    assert_eq!(
        (d[0].host.as_str(), d[0].username.as_str()),
        ("r1", "admin")
    );
    assert_eq!(d[0].password.as_ref().unwrap().expose(), "s3cret pw");
    assert_eq!(
        (d[2].host.as_str(), d[2].port, d[2].username.as_str()),
        ("192.0.2.20", 2200, "edge")
    );
    assert_eq!(
        (d[3].device_type.as_str(), d[0].device_type.as_str()),
        ("arista_eos", "cisco_ios")
    );

    let ini = ANSIBLE_INI.replace("r[1:2] ansible_host=192.0.2.10", "r[1:2]");
    let bad = put(
        dir.path(),
        "bad.ini",
        &ini.replace(
            "sw1 ansible_host=192.0.2.30",
            "sw1 ansible_host=192.0.2.30 ansible_port=x",
        ),
    );
    assert_eq!(
        load_err(&bad),
        format!(
            "{}:7:42: device 1 (sw1) in group 'switches': ansible_port must be an integer 1-65535, got \"x\"",
            bad.display()
        )
    );
    let bad = put(
        dir.path(),
        "bad2.ini",
        "[routers]\nr1 ansible_host=192.0.2.1\n[routers:extra]\n",
    );
    assert_eq!(
        load_err(&bad),
        format!(
            "{}:3:10: not a valid Ansible INI inventory: unknown section kind ':extra' (expected :vars or :children)",
            bad.display()
        )
    );
}

#[test]
fn netmiko_files_keep_their_own_messages() {
    let dir = tempfile::tempdir().unwrap();
    let p = put(
        dir.path(),
        "devices.yaml",
        "routers:\n  ip: 192.168.100.1\n",
    );
    assert_eq!(
        load_err(&p),
        format!(
            "{}:2:3: group 'routers' must be a list of devices, got a mapping",
            p.display()
        )
    );
    let p = put(dir.path(), "devices.yaml", "[a]: []\n");
    assert_eq!(
        load_err(&p),
        format!("{}:1:1: group names must be text, got a list", p.display())
    );
}

fn fleet(shared: bool) -> Vec<Device> {
    (0..3)
        .map(|i| Device {
            name: format!("R{}", i + 1),
            host: "127.0.0.1".into(),
            port: 10001 + i,
            username: if shared {
                "cisco".into()
            } else {
                format!("user{i}")
            },
            password: Some(Secret::new(if shared {
                "pa ss\"w'd".to_string()
            } else {
                format!("pw{i}")
            })),
            secret: if shared || i != 1 {
                Some(Secret::new("en"))
            } else {
                None
            },
            key_file: None,
            device_type: if shared || i != 2 {
                "cisco_ios".into()
            } else {
                "arista_eos".into()
            },
            timeout: crate::device::DEFAULT_TIMEOUT,
            algorithms: Default::default(),
            bastion: None,
        })
        .collect()
}

#[test]
fn every_written_format_reads_back_the_same_devices() {
    let opts = WriteOptions {
        check_host_keys: false,
    };
    for shared in [true, false] {
        let devices = fleet(shared);
        for (name, format) in [
            ("devices.yaml", Format::Netmiko),
            ("nornir/", Format::Nornir),
            ("hosts.yaml", Format::Nornir),
            ("ansible.yaml", Format::AnsibleYaml),
            ("hosts.ini", Format::AnsibleIni),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = PathBuf::from(format!("{}/{name}", dir.path().display()));
            assert_eq!(Format::for_output(&path), format, "{name}");
            let written = write::write(&path, format, &devices, opts).unwrap();
            let last = written.last().unwrap();
            use std::os::unix::fs::PermissionsExt;
            for f in &written {
                let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", f.display());
            }
            let back = load_with_env(&path, no_env, &TestSsh).unwrap_or_else(|e| {
                panic!(
                    "{name} ({shared}): {e}\n{}",
                    std::fs::read_to_string(last).unwrap()
                )
            });
            assert_eq!(back.devices, devices, "{name} shared={shared}");
        }
    }
    // Nothing is written by render, and the Nornir folder gets a config.yaml for InitNornir.
    let files = render(
        Path::new("/nonexistent/inv/"),
        Format::Nornir,
        &fleet(true),
        opts,
    );
    let names: Vec<_> = files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        ["groups.yaml", "defaults.yaml", "config.yaml", "hosts.yaml"]
    );
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// An alias bomb: one 64 KiB scalar aliased 2 000 times (128 MiB expanded) under `key`.
fn alias_bomb(key: &str) -> String {
    format!(
        "big: &b \"{}\"\n{key}:\n  hosts:\n    R1:\n      junk: [{}]\n",
        "x".repeat(65_536),
        vec!["*b"; 2_000].join(", ")
    )
}

/// Telling the format and reading Nornir or Ansible YAML build a tree, which expands every
/// alias: each refuses the file on the alias byte budget first, as the netmiko reader does.
#[test]
fn alias_bombs_are_refused_before_any_tree_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = alias_bomb("all");
    let p = put(dir.path(), "inv.yaml", &bomb);
    let e = format::detect(&p, &bomb).map(|_| ()).unwrap_err();
    assert!(matches!(e, InventoryError::AliasBudget { .. }), "{e}");
    let e = ansible::parse_yaml(&bomb, "inv.yaml", &env).unwrap_err();
    assert!(matches!(e, InventoryError::AliasBudget { .. }), "{e}");
    assert!(load_err(&p).contains("expanding YAML aliases"));
}

/// A user name or password holding `{{ ... }}` would be rendered by Ansible from a written
/// inventory (a lookup, a variable): written `!unsafe` (YAML) or as one `{% raw %}` block
/// (INI), and read back as written, never as a lookup.
#[test]
fn template_markers_are_written_unsafe_and_read_back_as_written() {
    let opts = WriteOptions {
        check_host_keys: false,
    };
    let lookup = "{{ lookup('env', 'HOME') }}";
    for shared in [true, false] {
        let mut devices = fleet(shared);
        for (i, d) in devices.iter_mut().enumerate() {
            d.password = Some(Secret::new(if shared {
                lookup.to_string()
            } else {
                format!("pw{i}{{{{ x }}}}")
            }));
            d.username = if shared {
                "u{% if 1 %}".into()
            } else {
                format!("u{i}{{# c #}}")
            };
        }
        for (name, format, mark) in [
            ("ansible.yaml", Format::AnsibleYaml, "!unsafe \""),
            ("hosts.ini", Format::AnsibleIni, "{% raw %}"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(name);
            write::write(&path, format, &devices, opts).unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            for d in &devices {
                let pw = d.password.as_ref().unwrap().expose().to_string();
                for v in [pw.as_str(), d.username.as_str()] {
                    let line = text.lines().find(|l| l.contains(v)).unwrap_or_else(|| {
                        panic!("{name}: {v} not written:\n{text}");
                    });
                    assert!(line.contains(mark), "{name}: {line}");
                }
            }
            // An environment where the lookup would succeed: it must not be used.
            let back = load_with_env(&path, env, &TestSsh)
                .unwrap_or_else(|e| panic!("{name} shared={shared}: {e}\n{text}"));
            assert_eq!(back.devices, devices, "{name} shared={shared}\n{text}");
        }
    }
}

/// Loads `path` on a thread, waiting at most `deadline`: a reader gone quadratic or
/// exponential fails the test instead of hanging it.
fn load_within(path: &Path, deadline: std::time::Duration) -> Result<Inventory, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(load_with_env(&p, no_env, &TestSsh).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(deadline)
        .unwrap_or_else(|_| Err(format!("{} not loaded within {deadline:?}", path.display())))
}

fn timed(path: &Path) -> (Inventory, std::time::Duration) {
    let t0 = std::time::Instant::now();
    let inv = load_with_env(path, no_env, &TestSsh).unwrap();
    (inv, t0.elapsed())
}

/// 100 000 Ansible hosts (INI and YAML) load in about the time 100 000 netmiko devices take
/// (a generous ratio, measured in this run); the reader was quadratic (20 000 hosts 1.1 s,
/// 80 000 hosts 19.4 s, when netmiko loads 200 000 in 4 s).
#[test]
fn ansible_loading_is_linear_like_netmiko() {
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let addr = |i: usize| format!("127.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    let mut netmiko = String::from("routers:\n");
    let mut ini = String::from("[routers]\n");
    let mut yaml = String::from(
        "all:\n  vars:\n    ansible_user: u\n    ansible_password: p\n  children:\n    routers:\n      hosts:\n",
    );
    for i in 0..N {
        let a = addr(i + 1);
        netmiko.push_str(&format!(
            "  - host: {a}\n    name: r{i}\n    username: u\n    password: p\n"
        ));
        ini.push_str(&format!("r{i} ansible_host={a}\n"));
        yaml.push_str(&format!("        r{i}:\n          ansible_host: {a}\n"));
    }
    ini.push_str("[routers:vars]\nansible_user=u\nansible_password=p\n");
    let (inv, netmiko_took) = timed(&put(dir.path(), "devices.yaml", &netmiko));
    assert_eq!(inv.devices.len(), N);
    // Four times netmiko's time, and never less than a second: room for a loaded machine.
    let deadline = (netmiko_took * 4).max(std::time::Duration::from_secs(1));
    for (name, text) in [("hosts.ini", &ini), ("ansible.yaml", &yaml)] {
        let inv = load_within(&put(dir.path(), name, text), deadline).unwrap();
        assert_eq!(inv.devices.len(), N, "{name}");
        assert_eq!(inv.devices[N - 1].name, format!("r{}", N - 1));
    }
}

/// Group graphs whose groups share ancestors ("diamonds"), 40 levels deep: 2^40 paths from
/// a host to `all`, 81 groups. Each group is resolved once, so they load about as fast as a
/// plain chain of as many groups (a generous ratio; walking every path never ended).
#[test]
fn diamond_group_graphs_are_resolved_once_per_group() {
    const DEPTH: usize = 40;
    const HOSTS: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let host = |i: usize| format!("127.0.{}.{}", (i + 1) >> 8, (i + 1) & 255);
    // INI: level k has groups gK_a and gK_b, both children of both groups of level k-1.
    let ini = |diamond: bool| {
        let mut t = String::new();
        for k in 0..DEPTH {
            for side in ["a", "b"] {
                t.push_str(&format!("[g{k}_{side}:children]\ng{}_a\n", k + 1));
                if diamond {
                    t.push_str(&format!("g{}_b\n", k + 1));
                }
            }
        }
        t.push_str(&format!("[g{DEPTH}_a]\n"));
        for i in 0..HOSTS {
            t.push_str(&format!("r{i} ansible_host={}\n", host(i)));
        }
        t.push_str(&format!(
            "[g0_a:vars]\nansible_user=top\n[g{}_b:vars]\nansible_user=u\n\
             [g{DEPTH}_a:vars]\nansible_password=p\n",
            DEPTH - 1
        ));
        t
    };
    // Nornir: the same graph, upwards (each group lists its parents).
    let nornir = |diamond: bool| {
        let mut g = String::new();
        for k in 0..=DEPTH {
            for side in ["a", "b"] {
                g.push_str(&format!("g{k}_{side}:\n"));
                if k == 0 {
                    g.push_str("  username: u\n  password: p\n");
                } else if diamond {
                    g.push_str(&format!("  groups: [g{}_a, g{}_b]\n", k - 1, k - 1));
                } else {
                    g.push_str(&format!("  groups: [g{}_a]\n", k - 1));
                }
            }
        }
        let mut h = String::new();
        for i in 0..HOSTS {
            h.push_str(&format!(
                "r{i}:\n  hostname: {}\n  groups: [g{DEPTH}_a]\n",
                host(i)
            ));
        }
        (h, g)
    };
    let chain_dir = dir.path().join("chain");
    let diamond_dir = dir.path().join("diamond");
    for (d, diamond) in [(&chain_dir, false), (&diamond_dir, true)] {
        std::fs::create_dir(d).unwrap();
        put(d, "hosts.ini", &ini(diamond));
        let (h, g) = nornir(diamond);
        std::fs::create_dir(d.join("nornir")).unwrap();
        put(&d.join("nornir"), "hosts.yaml", &h);
        put(&d.join("nornir"), "groups.yaml", &g);
    }
    for file in ["hosts.ini", "nornir/hosts.yaml"] {
        let (chain, took) = timed(&chain_dir.join(file));
        let deadline = (took * 20).max(std::time::Duration::from_secs(1));
        let diamond = load_within(&diamond_dir.join(file), deadline).unwrap();
        assert_eq!(diamond.devices.len(), HOSTS, "{file}");
        assert_eq!(chain.devices.len(), HOSTS, "{file}");
        // Inheritance still resolves: the deepest group's variables, then the nearer ones.
        assert_eq!(diamond.devices[0].username, "u", "{file}");
        assert_eq!(diamond.devices[0].password.as_ref().unwrap().expose(), "p");
    }
}

/// `r[1:1000][1:1000][1:1000]` (50 bytes, 10^9 hosts) reached 6 GB in 46 s: the product of
/// a pattern's ranges is checked against the cap before a name is made; within the cap,
/// number and letter ranges are Ansible's.
#[test]
fn ansible_range_products_are_capped_before_expanding() {
    let dir = tempfile::tempdir().unwrap();
    let p = put(
        dir.path(),
        "hosts",
        "[routers]\nr[1:1000][1:1000][1:1000] ansible_user=u\n",
    );
    let e = load_within(&p, std::time::Duration::from_secs(30)).unwrap_err();
    assert_eq!(
        e,
        format!(
            "{}:2:1: host pattern 'r[1:1000][1:1000][1:1000]' expands to 1000000000 hosts, which \
             would make 1000000000 in this inventory; the cap is 1000000 hosts per inventory",
            p.display()
        )
    );
    // The total counts too: two patterns within the cap alone, past it together.
    let p = put(
        dir.path(),
        "hosts",
        "[a]\nr[1:2] ansible_user=u\n[b]\ns[1:999999] ansible_user=u\n",
    );
    let e = load_within(&p, std::time::Duration::from_secs(60)).unwrap_err();
    assert!(
        e.contains("expands to 999999 hosts, which would make 1000001"),
        "{e}"
    );
    let p = put(
        dir.path(),
        "hosts",
        "[routers]\nsw-[a:c]-[01:02] ansible_user=u\n",
    );
    let inv = load_within(&p, std::time::Duration::from_secs(30)).unwrap();
    let names: Vec<&str> = inv.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sw-a-01", "sw-a-02", "sw-b-01", "sw-b-02", "sw-c-01", "sw-c-02"
        ]
    );
}
