//! `Dialogue::on_bytes` over arbitrary device output cut into arbitrary chunks.
//!
//! Input: one flags byte (bit 0: an enable secret is configured; bits 1-2: 0 to 3 commands;
//! bits 3-5: the platform, an index into the platform table), then chunks, each a length byte
//! followed by that many bytes. Checks that the state machine never panics, only ever asks to
//! send what the dialogue may send (the platform's paging and enable commands, the commands,
//! the secret at most once), never reports more outputs than commands, finishes early only
//! with a rejected command, and that `Finished` is final.
#![no_main]

use fleetbench_client::dialogue::{Action, Dialogue};
use fleetbench_inventory::platform::PLATFORMS;
use fleetbench_inventory::Secret;
use libfuzzer_sys::fuzz_target;

const COMMANDS: [&str; 3] = ["show clock", "show version", "show ip interface brief"];
const SECRET: &str = "s3cret-enable";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let commands: Vec<String> = COMMANDS[..usize::from((flags >> 1) & 3).min(3)]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let secret = (flags & 1 == 1).then(|| Secret::new(SECRET));
    let platform = &PLATFORMS[usize::from((flags >> 3) & 7) % PLATFORMS.len()];
    let mut d = Dialogue::for_platform(platform, commands.clone(), secret.clone());
    assert_eq!(d.start(), Action::Wait);
    let mut finished = false;
    let mut secret_sent = 0;
    let mut spaces_sent = 0usize;
    let mut fed = 0usize;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        rest = next;
        fed += chunk.len();
        let r = d.on_bytes(chunk);
        // Never panics building messages.
        let _ = d.tail();
        let _ = d.timeout_error(1.0).to_string();
        let _ = d.eof_error().to_string();
        assert!(d.outputs().len() <= commands.len());
        if finished {
            assert_eq!(r, Ok(Action::Finished), "Finished is final");
            continue;
        }
        match r {
            Err(e) => {
                // A typed error with a phase; the secret never appears in it.
                assert!(e.phase().is_some());
                assert!(!e.to_string().contains(SECRET));
                return;
            }
            Ok(Action::Wait) => {}
            Ok(Action::Finished) => {
                finished = true;
                match d.rejection() {
                    // A rejected command ends the dialogue with its output as the last one.
                    Some(e) => {
                        assert_eq!(e.kind(), "command_rejected");
                        assert!(!d.outputs().is_empty());
                    }
                    None => assert_eq!(d.outputs().len(), commands.len()),
                }
            }
            Ok(Action::Send(bytes)) => {
                let line = bytes.as_slice();
                let is_line = |c: &str| line == format!("{c}\n").as_bytes();
                let allowed = platform.paging_off.iter().any(|c| is_line(c))
                    || platform.enable.is_some_and(is_line)
                    || line == b" "
                    || commands.iter().any(|c| line == format!("{c}\n").as_bytes());
                if line == format!("{SECRET}\n").as_bytes() {
                    assert!(secret.is_some(), "secret sent without one configured");
                    secret_sent += 1;
                    assert_eq!(secret_sent, 1, "secret sent twice");
                } else {
                    assert!(allowed, "unexpected send {:?}", String::from_utf8_lossy(line));
                }
                if line == b" " {
                    spaces_sent += 1;
                    // A page is answered only after a pager line arrived.
                    let marker = platform.pager.map(str::len);
                    assert!(
                        marker.is_some_and(|m| spaces_sent * m <= fed),
                        "more pages answered than pager lines seen"
                    );
                }
            }
        }
    }
});
