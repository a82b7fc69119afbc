//! The messages between the parent and a worker: newline-delimited JSON, tagged by `"msg"`.

use crate::job::Job;
use crate::strategy::poller::RemoteSession;
use fleetbench_inventory::Secret;
use fleetbench_inventory::algorithms::{Algorithms, Kind, Spec};
use fleetbench_inventory::{Bastion, Device};
use fleetbench_report::DeviceResult;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Parent → worker.
#[derive(Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub(super) enum ToWorker {
    Job {
        job: Job,
        /// The session to poll with (absent from an older parent: plain SSH).
        #[serde(default)]
        session: RemoteSession,
    },
    Device {
        index: usize,
        device: WireDevice,
    },
}

/// Worker → parent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub(super) enum FromWorker {
    Ready {
        pid: u32,
    },
    Connecting {
        index: usize,
        worker: String,
        unix: f64,
    },
    Done {
        index: usize,
        result: Box<DeviceResult>,
    },
}

impl FromWorker {
    pub(super) fn name(&self) -> &'static str {
        match self {
            FromWorker::Ready { .. } => "ready",
            FromWorker::Connecting { .. } => "connecting",
            FromWorker::Done { .. } => "done",
        }
    }
}

/// A [`Device`] as it crosses the pipe to a worker.
///
/// The secrets are plain strings here, and only here: the worker needs them to log in, while
/// [`Secret`] deliberately has no `Serialize` so it cannot slip into a report. Exposing them
/// is acceptable for this one private channel (the child's stdin pipe, readable only by the
/// parent and that child). The type has no `Debug`, so it cannot be logged by accident, and
/// it lives only for the time of one write or one read.
#[derive(Serialize, Deserialize)]
pub(super) struct WireDevice {
    name: String,
    host: String,
    port: u16,
    username: String,
    password: Option<String>,
    secret: Option<String>,
    key_file: Option<PathBuf>,
    device_type: String,
    timeout: Duration,
    /// `kex`, `hostkey`, `ciphers`, `macs` in OpenSSH syntax (checked before the run).
    #[serde(default)]
    algorithms: Vec<(String, String)>,
    /// The jump host, with its password in plain text (same rules as the device's).
    #[serde(default)]
    bastion: Option<WireBastion>,
}

/// A [`Bastion`] on the pipe: its password exposed, like the device's (see [`WireDevice`]).
#[derive(Serialize, Deserialize)]
struct WireBastion {
    host: String,
    port: u16,
    username: String,
    password: Option<String>,
    key_file: Option<PathBuf>,
}

impl From<&Device> for WireDevice {
    fn from(d: &Device) -> Self {
        WireDevice {
            name: d.name.clone(),
            host: d.host.clone(),
            port: d.port,
            username: d.username.clone(),
            password: d.password.as_ref().map(|s| s.expose().to_string()),
            secret: d.secret.as_ref().map(|s| s.expose().to_string()),
            key_file: d.key_file.clone(),
            device_type: d.device_type.clone(),
            timeout: d.timeout,
            algorithms: Kind::ALL
                .iter()
                .filter_map(|k| {
                    d.algorithms
                        .get(*k)
                        .map(|s| (k.key().to_string(), s.to_string()))
                })
                .collect(),
            bastion: d.bastion.as_ref().map(|b| WireBastion {
                host: b.host.clone(),
                port: b.port,
                username: b.username.clone(),
                password: b.password.as_ref().map(|s| s.expose().to_string()),
                key_file: b.key_file.clone(),
            }),
        }
    }
}

impl From<WireDevice> for Device {
    fn from(w: WireDevice) -> Self {
        Device {
            name: w.name,
            host: w.host,
            port: w.port,
            username: w.username,
            password: w.password.map(Secret::new),
            secret: w.secret.map(Secret::new),
            key_file: w.key_file,
            device_type: w.device_type,
            timeout: w.timeout,
            algorithms: {
                let mut a = Algorithms::default();
                for (key, spec) in &w.algorithms {
                    if let Some(k) = Kind::ALL.iter().find(|k| k.key() == key) {
                        // Parsed once already in the parent; a list that fails here is dropped
                        // and the session reports the default's failure instead.
                        a.set(*k, Spec::parse(*k, spec).ok());
                    }
                }
                a
            },
            bastion: w.bastion.map(|b| Bastion {
                host: b.host,
                port: b.port,
                username: b.username,
                password: b.password.map(Secret::new),
                key_file: b.key_file,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_device_round_trips_with_secrets() {
        let mut d = crate::testing::router(3);
        d.algorithms.kex = Spec::parse(Kind::Kex, "+diffie-hellman-group14-sha1").ok();
        d.bastion = Some(Bastion {
            host: "127.0.0.1".into(),
            port: 2222,
            username: "jump".into(),
            password: Some(Secret::new("jump-pw")),
            key_file: None,
        });
        let json = serde_json::to_string(&WireDevice::from(&d)).unwrap();
        let back: WireDevice = serde_json::from_str(&json).unwrap();
        assert_eq!(Device::from(back), d);
    }

    #[test]
    fn a_job_without_a_session_is_plain_ssh() {
        let json =
            r#"{"msg":"job","job":{"commands":[],"host_keys":{"policy":"strict","known":{}}}}"#;
        let ToWorker::Job { session, .. } = serde_json::from_str(json).unwrap() else {
            panic!("not a job")
        };
        assert_eq!(session, RemoteSession::default());
    }
}
