//! Devices for unit tests.

/// Device `Rindex` on 127.0.0.1, port 10000 + index, with a password and an enable secret
/// (`pw-hunter2`, `en-hunter3`) that tests can look for.
pub fn router(index: u16) -> fleetbench_inventory::Device {
    fleetbench_inventory::Device {
        name: format!("R{index}"),
        host: "127.0.0.1".into(),
        port: 10_000 + index,
        username: "cisco".into(),
        password: Some(fleetbench_inventory::Secret::new("pw-hunter2")),
        secret: Some(fleetbench_inventory::Secret::new("en-hunter3")),
        key_file: None,
        device_type: "cisco_ios".into(),
        timeout: std::time::Duration::from_secs(10),
        algorithms: Default::default(),
        bastion: None,
    }
}
