//! `run`'s classic `{ip: output}` view of a report: each device's output, or its failure.

use crate::present::labels;
use crate::present::plural::count;
use crate::present::sanitize;
use fleetbench_report::{Report, outcome};
use std::fmt::Write as _;

/// The classic `{ip: output}` view: every device's output, or its failure, then one line.
/// With several commands each output is headed by its command, and devices are separated
/// by a blank line, so outputs never run together. Device text has its control characters
/// escaped unless `raw` (the report keeps it exact).
pub fn device_outputs(report: &Report, raw: bool) -> String {
    let mut text = String::new();
    let out = &mut text;
    let shown = |text: &str| -> String {
        if raw {
            text.to_string()
        } else {
            sanitize::for_terminal(text).into_owned()
        }
    };
    for sr in &report.strategies {
        let several = sr.devices.iter().any(|d| d.outputs.len() > 1);
        for (i, d) in sr.devices.iter().enumerate() {
            if several && i > 0 {
                let _ = writeln!(out);
            }
            // Names come from the inventory or the devices: escaped even with --raw.
            let label = labels::device_label(&d.name, &d.host, d.port);
            let label = sanitize::for_terminal(&label);
            match &d.error {
                None if several => {
                    let _ = writeln!(out, "{label}:");
                    for o in &d.outputs {
                        let _ = writeln!(out, "  --- {} ---", sanitize::for_terminal(&o.command));
                        for line in o.output.lines() {
                            let _ = writeln!(out, "  {}", shown(line));
                        }
                    }
                }
                None => {
                    let _ = writeln!(out, "{label}:");
                    for line in d.outputs.iter().flat_map(|o| o.output.lines()) {
                        let _ = writeln!(out, "  {}", shown(line));
                    }
                }
                Some(e) => {
                    let _ = writeln!(
                        out,
                        "{label}: FAILED [{}] {}",
                        sanitize::for_terminal(&e.kind),
                        shown(&e.message)
                    );
                }
            }
        }
        let never = outcome::never_ran(sr);
        let _ = write!(
            out,
            "{}: {} ok, {} failed; wall {} ({}, {})",
            count(sr.devices.len(), "device"),
            sr.ok(),
            sr.failed() - never,
            crate::present::human::secs(sr.wall_s.median),
            sr.strategy,
            count(sr.workers, "worker"),
        );
        if never > 0 {
            let _ = write!(out, "; INTERRUPTED: {} never ran", count(never, "device"));
        }
        let _ = writeln!(out);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::CommandOutput;
    use fleetbench_report::testing::full_report;

    fn printed(r: &Report) -> String {
        device_outputs(r, false)
    }

    #[test]
    fn one_command_keeps_the_classic_view_and_plurals_are_right() {
        let mut r = full_report(1);
        r.strategies.truncate(1);
        let d = &mut r.strategies[0].devices[0];
        d.name = "127.0.0.1:10001".into();
        assert_eq!(
            printed(&r),
            "127.0.0.1:10001:\n  *08:36:01.242 UTC Fri Jul 26 2019\n\
             1 device: 1 ok, 0 failed; wall 1.90 s (sequential, 1 worker)\n"
        );
    }

    #[test]
    fn several_commands_are_headed_and_devices_separated() {
        let mut r = full_report(2);
        r.strategies.truncate(1);
        for d in &mut r.strategies[0].devices {
            d.outputs = vec![
                CommandOutput {
                    command: "show clock".into(),
                    output: "*08:36:01 UTC".into(),
                },
                CommandOutput {
                    command: "show version".into(),
                    output: "Cisco IOS\nuptime 1 day".into(),
                },
            ];
        }
        let text = printed(&r);
        assert_eq!(
            text,
            "R1 (127.0.0.1:10001):\n  --- show clock ---\n  *08:36:01 UTC\n  --- show version ---\n  \
             Cisco IOS\n  uptime 1 day\n\nR2 (127.0.0.1:10002):\n  --- show clock ---\n  \
             *08:36:01 UTC\n  --- show version ---\n  Cisco IOS\n  uptime 1 day\n\
             2 devices: 2 ok, 0 failed; wall 3.80 s (sequential, 1 worker)\n"
        );
    }
}
