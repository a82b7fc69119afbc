//! The CLI's rendering of [`Event`]s on stderr: the `--verbose` device lines (the course's
//! `===> Connection` / `<=== Received` shape), one line per strategy, notices. Warm-up runs
//! and devices that never started print no device line.

use crate::present::human;
use crate::present::plural::count;
use crate::present::progress::{self, Progress};
use fleetbench_client::observe::{Event, Observer};
use fleetbench_report::outcome;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which command's lines to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Compare,
    Run,
    Sweep,
}

pub struct Console {
    mode: Mode,
    verbose: bool,
    in_warmup: AtomicBool,
    /// The live line and the line per finished run; every other line is printed through it,
    /// above the live line.
    progress: Progress,
}

impl Console {
    /// `progress`: how runs are shown ([`progress::Mode::auto`] unless asked). `--verbose`
    /// prints a line per device, which is progress enough: no live line then.
    pub fn new(mode: Mode, verbose: bool, progress: progress::Mode) -> Self {
        let progress = match progress {
            progress::Mode::Live if verbose => progress::Mode::Lines,
            m => m,
        };
        Console {
            mode,
            verbose,
            in_warmup: AtomicBool::new(false),
            progress: Progress::to_writer(progress, Box::new(super::stdio::Stderr)),
        }
    }

    /// A line on stderr, above the live line if one is drawn. Everything in it that came
    /// from a device or a file (names, a poller's stderr) is escaped: one line stays one line.
    pub fn line(&self, line: &str) {
        let line = crate::present::sanitize::for_terminal(line);
        if self.progress.mode() == progress::Mode::Off {
            crate::errln!("{line}");
        } else {
            self.progress.println(&line);
        }
    }

    fn device_lines(&self) -> bool {
        self.verbose && !self.in_warmup.load(Ordering::Relaxed)
    }
}

/// `: every device failed (refused)` after a strategy's line when it polled nothing, so the
/// reason is on the screen as the run goes, not only in the report.
fn why_failed(sr: &fleetbench_report::StrategyReport) -> String {
    match fleetbench_report::outcome::comparability(sr) {
        Err(
            w @ (fleetbench_report::verdict::NotComparable::NothingPolled { .. }
            | fleetbench_report::verdict::NotComparable::RunFailed { .. }),
        ) => {
            let row = fleetbench_report::verdict::RowNotComparable {
                row: sr.strategy.name().to_string(),
                why: w,
            };
            format!(
                ": {}",
                crate::present::sanitize::for_terminal(&crate::present::labels::one_line(
                    &crate::present::verdict::why(&row),
                    200
                ))
            )
        }
        _ => String::new(),
    }
}

fn local_time(unix: f64) -> String {
    let secs = unix.floor() as i64;
    let nanos = ((unix - unix.floor()) * 1e9) as u32;
    chrono::DateTime::from_timestamp(secs, nanos)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S%.6f")
                .to_string()
        })
        .unwrap_or_default()
}

impl Observer for Console {
    fn on(&self, e: &Event<'_>) {
        self.progress.on(e);
        let line = match *e {
            Event::CompareStarted {
                fleet,
                commands,
                runs,
                warmup,
                ..
            } if self.mode == Mode::Compare => format!(
                "fleetbench: {} ({}), command {commands:?}, {} + {warmup} warm-up per strategy",
                count(fleet.devices, "device"),
                fleet.source(),
                count(runs, "run"),
            ),
            Event::RunStarted { warmup, .. } => {
                self.in_warmup.store(warmup, Ordering::Relaxed);
                return;
            }
            Event::DeviceStarted {
                device,
                worker,
                unix,
                ..
            } if self.device_lines() => format!(
                "{worker} ===> {} Connection: {} ({})",
                local_time(unix),
                device.name,
                device.addr()
            ),
            Event::DeviceFinished { result, .. }
                if self.device_lines() && !result.worker.is_empty() =>
            {
                let status = match &result.error {
                    None => "ok".to_string(),
                    Some(e) => format!("FAILED {}", e.kind),
                };
                format!(
                    "{} <=== {} Received:   {} ({}:{}) {status} in {:.2} s",
                    result.worker,
                    local_time(result.ended_unix),
                    result.name,
                    result.host,
                    result.port,
                    result.total_secs()
                )
            }
            Event::StrategyFinished { report: sr } => {
                let never = outcome::never_ran(sr);
                // An interrupted strategy says so: its median is over fewer devices.
                let (failed, partial) = if never > 0 {
                    (
                        sr.failed() - never,
                        format!(
                            "; PARTIAL (interrupted): {} never ran",
                            count(never, "device")
                        ),
                    )
                } else {
                    (sr.failed(), String::new())
                };
                match self.mode {
                    Mode::Compare => format!(
                        "fleetbench: {:<10} median {}, {} ok, {failed} failed{partial}{}",
                        sr.strategy.name(),
                        human::secs(sr.wall_s.median),
                        sr.ok(),
                        why_failed(sr),
                    ),
                    Mode::Sweep => format!(
                        "fleetbench: {:>5} devices  {:<10} workers {:>4}  median {}  {} ok  \
                         {failed} failed{partial}{}",
                        sr.devices.len(),
                        sr.strategy.name(),
                        sr.workers,
                        human::secs(sr.wall_s.median),
                        sr.ok(),
                        why_failed(sr),
                    ),
                    Mode::Run => return,
                }
            }
            Event::HostKeysRecorded { count: n, path } => format!(
                "fleetbench: added {} to {}",
                count(n, "new host key"),
                path.display()
            ),
            // A warning may quote a device or a poller (its stderr): escaped for the terminal.
            Event::Warning { message } => format!(
                "fleetbench: warning: {}",
                crate::present::sanitize::for_terminal(message)
            ),
            _ => return,
        };
        self.line(&line);
    }
}
