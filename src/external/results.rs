//! The optional results contract, for fleets with no emulator to watch: the poller writes
//! one JSON line per device to the path fleetbench passes as `{results}`:
//!
//! ```json
//! {"host": "192.0.2.1", "port": 22, "ok": true, "output": "*08:36:01.242 UTC ...", "error": null}
//! ```
//!
//! `port` may be left out (22), `output` and `error` too; `error` is text or
//! `{"kind": ..., "message": ...}`. Lines are matched to the inventory's devices by host and
//! port; a device with no line is failed (`not_reported`), a line that matches no device or
//! does not parse is ignored.

use fleetbench_inventory::Device;
use fleetbench_report::{CommandOutput, DeviceResult, ErrorInfo};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
struct Line {
    host: String,
    #[serde(default = "port22")]
    port: u16,
    ok: bool,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

fn port22() -> u16 {
    22
}

/// Every device failed with `not_reported`: nothing says what happened to it.
pub fn unknown(devices: &[Device]) -> Vec<DeviceResult> {
    devices
        .iter()
        .map(|d| DeviceResult {
            error: Some(not_reported()),
            ..DeviceResult::blank(&d.name, &d.host, d.port)
        })
        .collect()
}

fn not_reported() -> ErrorInfo {
    ErrorInfo {
        kind: "not_reported".into(),
        message: "the poller reported nothing for this device (no results line, no device record)"
            .into(),
        phase: None,
        client_kind: None,
    }
}

/// Bytes of a results line beyond `--max-output` kept for its other fields and the JSON
/// escapes of its output.
const LINE_SLACK: usize = 1024 * 1024;
/// Of a line too long to parse, the head kept to find whose line it is.
const HEAD: usize = 64 * 1024;

/// One line of the file, or the head of a line too long to keep.
enum Read {
    Line(Vec<u8>),
    TooLong { head: Vec<u8>, len: u64 },
}

/// The next line of `r`, at most `cap` bytes kept; `None` at the end.
fn next_line(r: &mut impl std::io::BufRead, cap: usize) -> std::io::Result<Option<Read>> {
    let mut line = Vec::new();
    let mut len: u64 = 0;
    let mut too_long = false;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        len += chunk.len() as u64;
        if !too_long && line.len() + chunk.len() > cap {
            too_long = true;
            line.truncate(HEAD);
        }
        let room = if too_long {
            HEAD.saturating_sub(line.len())
        } else {
            chunk.len()
        };
        line.extend_from_slice(&chunk[..room.min(chunk.len())]);
        let used = done.unwrap_or(buf.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(finish(line, len, too_long)));
        }
    }
    Ok((len > 0).then(|| finish(line, len, too_long)))
}

fn finish(line: Vec<u8>, len: u64, too_long: bool) -> Read {
    if too_long {
        Read::TooLong { head: line, len }
    } else {
        Read::Line(line)
    }
}

/// The device a line too long to parse is about, from its head: the fields before
/// `"output"` (where pollers put `host` and `port`), closed as a JSON object.
fn salvage(head: &[u8]) -> Option<(String, u16)> {
    #[derive(Deserialize)]
    struct Who {
        host: String,
        #[serde(default = "port22")]
        port: u16,
    }
    let at = head.windows(8).position(|w| w == b"\"output\"")?;
    let mut text = head[..at].to_vec();
    text.extend_from_slice(b"\"output\": null}");
    let who: Who = serde_json::from_slice(&text).ok()?;
    Some((who.host, who.port))
}

fn too_large(max_output: usize, len: u64) -> ErrorInfo {
    ErrorInfo {
        kind: "output_too_large".into(),
        message: format!(
            "the poller reported an output of more than {} for this device ({} in its results line); \
             the cap is --max-output",
            fleetbench_units::size::human(max_output),
            fleetbench_units::size::human(usize::try_from(len).unwrap_or(usize::MAX))
        ),
        phase: None,
        client_kind: None,
    }
}

/// The results file as one result per device, or `None` when the poller wrote none (or left
/// something that is not a regular file of at most 1 GiB there); `command` names the output
/// (the first `--command`). An output longer than `max_output` (`--max-output`) fails its
/// device with `output_too_large` and is not kept; a line is read only up to twice that (plus
/// room for its other fields), so memory stays bounded by the cap, not by the poller.
pub fn read(
    path: &Path,
    devices: &[Device],
    command: &str,
    max_output: usize,
) -> Option<Vec<DeviceResult>> {
    use fleetbench_inventory::input;
    let (file, _) = input::open(path, input::RESULTS).ok()?;
    let mut r = std::io::BufReader::new(std::io::Read::take(file, input::RESULTS.bytes));
    let cap = max_output.saturating_mul(2).saturating_add(LINE_SLACK);
    let mut lines: HashMap<(String, u16), Line> = HashMap::new();
    let mut oversized: HashMap<(String, u16), u64> = HashMap::new();
    while let Ok(Some(read)) = next_line(&mut r, cap) {
        match read {
            Read::Line(bytes) => {
                let Ok(l) = serde_json::from_slice::<Line>(&bytes) else {
                    continue;
                };
                let key = (l.host.to_ascii_lowercase(), l.port);
                match &l.output {
                    Some(o) if o.len() > max_output => {
                        lines.remove(&key);
                        oversized.insert(key, bytes.len() as u64);
                    }
                    _ => {
                        oversized.remove(&key);
                        lines.insert(key, l);
                    }
                }
            }
            Read::TooLong { head, len } => {
                if let Some((host, port)) = salvage(&head) {
                    let key = (host.to_ascii_lowercase(), port);
                    lines.remove(&key);
                    oversized.insert(key, len);
                }
            }
        }
    }
    Some(
        devices
            .iter()
            .map(|d| {
                let mut r = DeviceResult::blank(&d.name, &d.host, d.port);
                let key = (d.host.to_ascii_lowercase(), d.port);
                if let Some(len) = oversized.remove(&key) {
                    r.error = Some(too_large(max_output, len));
                    return r;
                }
                match lines.remove(&key) {
                    None => r.error = Some(not_reported()),
                    Some(l) => {
                        r.ok = l.ok;
                        if let Some(output) = l.output.filter(|o| !o.is_empty()) {
                            r.outputs = vec![CommandOutput {
                                command: command.to_string(),
                                output,
                            }];
                        }
                        r.error = match l.error {
                            None | Some(serde_json::Value::Null) if l.ok => None,
                            None | Some(serde_json::Value::Null) => Some(ErrorInfo {
                                kind: "poller_reported".into(),
                                message: "the poller reported this device failed".into(),
                                phase: None,
                                client_kind: None,
                            }),
                            Some(serde_json::Value::String(m)) => Some(ErrorInfo {
                                kind: "poller_reported".into(),
                                message: m,
                                phase: None,
                                client_kind: None,
                            }),
                            Some(v) => {
                                Some(serde_json::from_value::<ErrorInfo>(v.clone()).unwrap_or(
                                    ErrorInfo {
                                        kind: "poller_reported".into(),
                                        message: v.to_string(),
                                        phase: None,
                                        client_kind: None,
                                    },
                                ))
                            }
                        };
                    }
                }
                r
            })
            .collect(),
    )
}
