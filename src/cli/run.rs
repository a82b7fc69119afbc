//! `fleetbench run`: one strategy, one run, each device's output keyed by device.

use super::args::RunArgs;
use super::measure::{measure, write_page, write_report};
use super::render::Mode;
use super::{config, exit_of};
use crate::plural::count;
use crate::sanitize;
use crate::screen;
use anyhow::Result;
use fleetbench_client::stop::Stop;
use fleetbench_report::Report;
use fleetbench_report::outcome;
use std::io::Write;

pub fn run(a: &RunArgs) -> Result<i32> {
    let cfg = config::run(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Run)?;
    write_report(&report, cfg.json.as_deref())?;
    write_page(&report, cfg.html.as_deref())?;
    print_outputs(&report, a.raw, &mut std::io::stdout().lock())?;
    Ok(exit_of(&report))
}

/// The classic `{ip: output}` view: every device's output, or its failure, then one line.
/// With several commands each output is headed by its command, and devices are separated
/// by a blank line, so outputs never run together. Device text has its control characters
/// escaped unless `raw` (the report keeps it exact).
fn print_outputs(report: &Report, raw: bool, out: &mut impl Write) -> std::io::Result<()> {
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
                writeln!(out)?;
            }
            let label = screen::device_label(&d.name, &d.host, d.port);
            match &d.error {
                None if several => {
                    writeln!(out, "{label}:")?;
                    for o in &d.outputs {
                        writeln!(out, "  --- {} ---", o.command)?;
                        for line in o.output.lines() {
                            writeln!(out, "  {}", shown(line))?;
                        }
                    }
                }
                None => {
                    writeln!(out, "{label}:")?;
                    for line in d.outputs.iter().flat_map(|o| o.output.lines()) {
                        writeln!(out, "  {}", shown(line))?;
                    }
                }
                Some(e) => writeln!(out, "{label}: FAILED [{}] {}", e.kind, shown(&e.message))?,
            }
        }
        let never = outcome::never_ran(sr);
        write!(
            out,
            "{}: {} ok, {} failed; wall {:.2} s ({}, {})",
            count(sr.devices.len(), "device"),
            sr.ok(),
            sr.failed() - never,
            sr.wall_s.median,
            sr.strategy,
            count(sr.workers, "worker"),
        )?;
        if never > 0 {
            write!(out, "; INTERRUPTED: {} never ran", count(never, "device"))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::CommandOutput;
    use fleetbench_report::testing::full_report;

    fn printed(r: &Report) -> String {
        let mut v = Vec::new();
        print_outputs(r, false, &mut v).unwrap();
        String::from_utf8(v).unwrap()
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
