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

/// The results file as one result per device, or `None` when the poller wrote none;
/// `command` names the output (the first `--command`).
pub fn read(path: &Path, devices: &[Device], command: &str) -> Option<Vec<DeviceResult>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines: HashMap<(String, u16), Line> = HashMap::new();
    for l in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
    {
        lines.insert((l.host.to_ascii_lowercase(), l.port), l);
    }
    Some(
        devices
            .iter()
            .map(|d| {
                let mut r = DeviceResult::blank(&d.name, &d.host, d.port);
                match lines.remove(&(d.host.to_ascii_lowercase(), d.port)) {
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
