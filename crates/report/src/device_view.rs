//! `compare --device-view`: how the client's results and the devices' own record of the same
//! sessions agree, device by device. The record becoming results is the application's
//! (`external::devside`); the comparison is a derived number of two sets of results, here.

use crate::error::Phase;
use crate::result::DeviceResult;
use crate::spread::Spread;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the client's and the devices' views of the same sessions compare (seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Agreement {
    /// Devices compared (present in both views).
    pub devices: usize,
    /// Devices the two sides disagree on (ok on one side, failed on the other).
    pub ok_mismatches: usize,
    /// Device accepted minus client started (the client's TCP connect and the accept
    /// queue; never negative when both clocks tell the truth).
    pub accept_after_start_s: Spread,
    /// Client ended minus device closed (the client's own close bookkeeping against the
    /// device noticing the connection's end; either sign is small).
    pub close_gap_s: Spread,
    /// Client's command phase minus the device's (request on the wire, answer read back),
    /// summed over the commands of each device that both sides saw answered.
    pub command_gap_s: Spread,
    /// Client's command phase over the device's, per device (1.0 = the same).
    pub command_ratio: Spread,
}

/// Compares a built-in strategy's results with the devices' records of the same run, device
/// by device (both in the same order).
pub fn agreement(client: &[DeviceResult], device: &[DeviceResult]) -> Agreement {
    let mut starts = Vec::new();
    let mut closes = Vec::new();
    let mut gaps = Vec::new();
    let mut ratios = Vec::new();
    let mut mismatches = 0;
    for (c, d) in client.iter().zip(device) {
        if c.ok != d.ok {
            mismatches += 1;
        }
        if d.started_unix > 0.0 {
            starts.push(d.started_unix - c.started_unix);
            closes.push(c.ended_unix - d.ended_unix);
        }
        let (cc, dc) = (c.phase_secs(Phase::Command), d.phase_secs(Phase::Command));
        if c.ok && d.ok && dc > 0.0 {
            gaps.push(cc - dc);
            ratios.push(cc / dc);
        }
    }
    Agreement {
        devices: client.len().min(device.len()),
        ok_mismatches: mismatches,
        accept_after_start_s: Spread::of(&starts),
        close_gap_s: Spread::of(&closes),
        command_gap_s: Spread::of(&gaps),
        command_ratio: Spread::of(&ratios),
    }
}
