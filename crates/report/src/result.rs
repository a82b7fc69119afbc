//! What polling one device produced. Every strategy returns exactly these, so results compare.

use crate::error::Phase;
use schemars::JsonSchema;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Time spent in one phase of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseTime {
    pub phase: Phase,
    /// For `command` phases: the index of the command in the run's command list.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<usize>,
    /// Start, in seconds since the session started.
    pub start_s: f64,
    pub secs: f64,
}

/// Output of one command on one device: the text between the echo and the next prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandOutput {
    pub command: String,
    pub output: String,
}

/// Error as it appears in a report: `{"kind": "...", "message": "..."}`; `kind` is one of
/// [`crate::error::kind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phase: Option<Phase>,
    /// Set when `kind` is the device's own account of the failure, from an emulated fleet's
    /// session record (`vty_busy` for a connection the client saw reset before the SSH
    /// banner): the kind the client itself could tell (`disconnected`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_kind: Option<String>,
}

/// The result of polling one device once.
///
/// Each output is held once, in `outputs`; the report's `output` (all outputs joined by a
/// newline, the classic `{ip: output}` value) is written from them when serializing, straight
/// into the writer, and ignored when reading (see [`DeviceResult::output`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeviceResult {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub ok: bool,
    pub outputs: Vec<CommandOutput>,
    pub error: Option<ErrorInfo>,
    /// Unix time (seconds) when the session started (before TCP connect) and ended.
    pub started_unix: f64,
    pub ended_unix: f64,
    /// Per-phase timings, in order.
    pub phases: Vec<PhaseTime>,
    /// SHA-256 fingerprint of the host key (`SHA256:...`), once the handshake got that far.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host_key: Option<String>,
    /// Host key as `type base64`, set only when it was new and accepted (accept-new), so the
    /// caller can add it to known_hosts.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_host_key: Option<String>,
    /// Who polled it: `thread NAME` or `pid N`.
    pub worker: String,
    /// The client socket's `TCP_INFO` just before it closed (Linux; once connected).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tcp: Option<TcpStats>,
    /// Sessions made for this device (`--retries`): this result is the last one's.
    #[serde(default = "one")]
    pub attempts: u32,
    /// The errors of the sessions before the last, in order.
    #[serde(default)]
    pub retried: Vec<ErrorInfo>,
}

fn one() -> u32 {
    1
}

impl DeviceResult {
    /// The result of the device `name` at `host:port` before anything is known of its
    /// session: not ok, no output, no times; each source (a strategy, the devices' record, a
    /// poller's results file) fills in what it saw.
    pub fn blank(name: &str, host: &str, port: u16) -> DeviceResult {
        DeviceResult {
            name: name.to_string(),
            host: host.to_string(),
            port,
            ok: false,
            outputs: Vec::new(),
            error: None,
            started_unix: 0.0,
            ended_unix: 0.0,
            phases: Vec::new(),
            host_key: None,
            new_host_key: None,
            worker: String::new(),
            tcp: None,
            attempts: 1,
            retried: Vec::new(),
        }
    }

    /// All command outputs joined by a newline (the classic `{ip: output}` value). Built on
    /// each call: prefer [`DeviceResult::outputs`] where one command's text will do.
    pub fn output(&self) -> String {
        Joined(&self.outputs).to_string()
    }

    pub fn total_secs(&self) -> f64 {
        (self.ended_unix - self.started_unix).max(0.0)
    }
    pub fn phase_secs(&self, phase: Phase) -> f64 {
        self.phases
            .iter()
            .filter(|p| p.phase == phase)
            .map(|p| p.secs)
            .sum()
    }
}

/// What the kernel knows about one TCP connection, read just before it closes (`TCP_INFO`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TcpStats {
    /// Segments sent and received (all of them, retransmissions and pure ACKs included).
    pub segs_out: u32,
    pub segs_in: u32,
    /// Sequence space the peer acknowledged (the payload, plus one for the SYN and one for a
    /// FIN), and payload bytes received.
    pub bytes_acked: u64,
    pub bytes_received: u64,
    /// Segments retransmitted over the connection's life.
    pub retransmits: u32,
    /// The kernel's smoothed RTT and the smallest it saw, seconds.
    pub rtt_s: f64,
    pub min_rtt_s: f64,
}

/// The outputs joined by `\n`, written piece by piece (never built as one string first).
struct Joined<'a>(&'a [CommandOutput]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&o.output)?;
        }
        Ok(())
    }
}

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// By hand rather than derived: `output` is not a field but derived from `outputs`, in the
// position the report has always had it. Field names and order are the report's contract.
impl Serialize for DeviceResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let optional = [&self.host_key, &self.new_host_key]
            .iter()
            .filter(|o| o.is_some())
            .count()
            + usize::from(self.tcp.is_some())
            + 2 * usize::from(self.attempts != 1);
        let mut st = s.serialize_struct("DeviceResult", 12 + optional)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("host", &self.host)?;
        st.serialize_field("port", &self.port)?;
        st.serialize_field("ok", &self.ok)?;
        st.serialize_field("output", &Joined(&self.outputs))?;
        st.serialize_field("outputs", &self.outputs)?;
        st.serialize_field("error", &self.error)?;
        st.serialize_field("started_unix", &self.started_unix)?;
        st.serialize_field("ended_unix", &self.ended_unix)?;
        st.serialize_field("phases", &self.phases)?;
        match &self.host_key {
            Some(k) => st.serialize_field("host_key", k)?,
            None => st.skip_field("host_key")?,
        }
        match &self.new_host_key {
            Some(k) => st.serialize_field("new_host_key", k)?,
            None => st.skip_field("new_host_key")?,
        }
        st.serialize_field("worker", &self.worker)?;
        match &self.tcp {
            Some(t) => st.serialize_field("tcp", t)?,
            None => st.skip_field("tcp")?,
        }
        // Written only for a device that was retried: most reports never have them.
        if self.attempts != 1 {
            st.serialize_field("attempts", &self.attempts)?;
            st.serialize_field("retried", &self.retried)?;
        } else {
            st.skip_field("attempts")?;
            st.skip_field("retried")?;
        }
        st.end()
    }
}

// The shape a `DeviceResult` is written in: its `Serialize` is by hand (to derive `output`),
// so the JSON Schema is generated from this copy of its fields.
/// The result of polling one device once: the same from every strategy and every poller.
#[derive(JsonSchema)]
#[schemars(rename = "DeviceResult")]
#[allow(dead_code)] // only read by schemars
struct DeviceResultShape {
    name: String,
    host: String,
    port: u16,
    ok: bool,
    /// Every command's output joined by a newline (the classic `{ip: output}` value);
    /// derived from `outputs` when written, ignored when read.
    #[serde(default)]
    output: String,
    outputs: Vec<CommandOutput>,
    error: Option<ErrorInfo>,
    /// Unix time (seconds) when the session started (before TCP connect) and ended.
    started_unix: f64,
    ended_unix: f64,
    /// Per-phase timings, in order.
    phases: Vec<PhaseTime>,
    /// SHA-256 fingerprint of the host key (`SHA256:...`), once the handshake got that far.
    #[serde(default)]
    host_key: Option<String>,
    /// Host key as `type base64`, set only when it was new and accepted (accept-new).
    #[serde(default)]
    new_host_key: Option<String>,
    /// Who polled it: `thread NAME` or `pid N`.
    worker: String,
    /// The client socket's `TCP_INFO` just before it closed (Linux; once connected).
    #[serde(default)]
    tcp: Option<TcpStats>,
    /// Sessions made for this device (`--retries`; absent: 1): this result is the last
    /// one's.
    #[serde(default)]
    attempts: Option<u32>,
    /// The errors of the sessions before the last, in order (absent: none).
    #[serde(default)]
    retried: Option<Vec<ErrorInfo>>,
}

impl JsonSchema for DeviceResult {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        DeviceResultShape::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        DeviceResultShape::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outputs: &[(&str, &str)]) -> DeviceResult {
        DeviceResult {
            name: "R1".into(),
            host: "127.0.0.1".into(),
            port: 22,
            ok: true,
            outputs: outputs
                .iter()
                .map(|(c, o)| CommandOutput {
                    command: c.to_string(),
                    output: o.to_string(),
                })
                .collect(),
            error: None,
            started_unix: 1.0,
            ended_unix: 2.0,
            phases: Vec::new(),
            host_key: Some("SHA256:x".into()),
            new_host_key: None,
            worker: "1/main".into(),
            tcp: None,
            attempts: 1,
            retried: Vec::new(),
        }
    }

    #[test]
    fn output_is_derived_when_writing_and_ignored_when_reading() {
        let r = result(&[("show clock", "a\"b"), ("show ver", "c")]);
        assert_eq!(r.output(), "a\"b\nc");
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["output"], "a\"b\nc");
        assert_eq!(v["outputs"][1]["output"], "c");
        assert_eq!(v["host_key"], "SHA256:x");
        assert!(v.get("new_host_key").is_none());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 12);
        // Reports written before (both fields stored) and after read back the same.
        let back: DeviceResult = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert_eq!(result(&[]).output(), "");
    }
}
