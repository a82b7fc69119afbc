//! The prompt scanner and the dialogue state machine over realistic output: a whole
//! session's bytes, with a 300-line `show running-config` arriving in 1 KiB chunks (about
//! what one SSH channel read returns).

// Bench code: a failed unwrap ends the bench with its reason (the workspace denies these in
// library code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetbench_client::dialogue::{Action, Dialogue, find_prompt};
use fleetbench_inventory::Secret;
use std::hint::black_box;
use std::time::Duration;

/// A running-config of about 300 lines, as the device prints it (CRLF line ends).
fn running_config() -> String {
    let mut lines = vec![
        "Building configuration...".to_string(),
        String::new(),
        "Current configuration : 9120 bytes".to_string(),
        "!".to_string(),
        "version 15.2".to_string(),
        "hostname R1".to_string(),
        "!".to_string(),
    ];
    for i in 0..40 {
        lines.extend([
            format!("interface GigabitEthernet0/{i}"),
            format!(" description uplink to switch {i} # port {i}>"),
            format!(" ip address 10.{i}.0.1 255.255.255.0"),
            " duplex auto".to_string(),
            " speed auto".to_string(),
            " no shutdown".to_string(),
            "!".to_string(),
        ]);
    }
    for i in 0..10 {
        lines.push(format!("access-list 10{i} permit 192.168.{i}.0 0.0.0.255"));
    }
    lines.extend(["line vty 0 4".into(), " login local".into(), "end".into()]);
    let mut s = String::from("show running-config\r\n");
    for l in &lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str("R1#");
    s
}

/// One whole dialogue: first prompt, terminal length, enable, one command in chunks.
fn session(config: &[u8]) -> usize {
    let mut d = Dialogue::new(
        vec!["show running-config".into()],
        Some(Secret::new("cisco")),
    );
    let mut sends = 0;
    let steps: [&[u8]; 4] = [
        b"\r\nR1>",
        b"terminal length 0\r\nR1>",
        b"enable\r\nPassword: ",
        b"\r\nR1#",
    ];
    for s in steps {
        if let Ok(Action::Send(_)) = d.on_bytes(s) {
            sends += 1;
        }
    }
    for chunk in config.chunks(1024) {
        match d.on_bytes(chunk) {
            Ok(Action::Finished) => break,
            Ok(_) => {}
            Err(_) => return 0,
        }
    }
    sends + d.outputs().first().map_or(0, |o| o.output.len())
}

fn dialogue(c: &mut Criterion) {
    let config = running_config();
    let bytes = config.as_bytes();
    // The whole session must parse, or the benchmark measures an error path.
    assert!(
        session(bytes) > 4,
        "the benchmark dialogue did not complete"
    );
    let mut g = c.benchmark_group("dialogue");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("find_prompt/running-config-end", |b| {
        b.iter(|| find_prompt(black_box(bytes), Some("R1")))
    });
    g.bench_function("find_prompt/no-prompt", |b| {
        let no = &bytes[..bytes.len() - 3];
        b.iter(|| find_prompt(black_box(no), Some("R1")))
    });
    g.bench_function("session/300-line-config-1KiB-chunks", |b| {
        b.iter(|| session(black_box(bytes)))
    });
    g.finish();
}

criterion_group!(benches, dialogue);
criterion_main!(benches);
