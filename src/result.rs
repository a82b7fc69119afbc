//! What polling one device produced. Every strategy returns exactly these, so results compare.

use crate::error::{Phase, SessionError};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Time spent in one phase of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandOutput {
    pub command: String,
    pub output: String,
}

/// Error as it appears in a report: `{"kind": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phase: Option<Phase>,
}

impl From<&SessionError> for ErrorInfo {
    fn from(e: &SessionError) -> Self {
        ErrorInfo {
            kind: e.kind().to_string(),
            message: e.to_string(),
            phase: e.phase(),
        }
    }
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
    pub tcp: Option<crate::netem::TcpStats>,
}

impl DeviceResult {
    /// The result of `dev` before anything is known of its session: not ok, no output, no
    /// times; each source (a strategy, the devices' record, a poller's results file) fills in
    /// what it saw.
    pub fn blank(dev: &crate::device::Device) -> DeviceResult {
        DeviceResult {
            name: dev.name.clone(),
            host: dev.host.clone(),
            port: dev.port,
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
            + usize::from(self.tcp.is_some());
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
        st.end()
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
