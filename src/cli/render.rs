//! The CLI's rendering of [`Event`]s on stderr: the `--verbose` device lines (the course's
//! `===> Connection` / `<=== Received` shape), one line per strategy, notices. Warm-up runs
//! and devices that never started print no device line.

use crate::observe::{Event, Observer};
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
}

impl Console {
    pub fn new(mode: Mode, verbose: bool) -> Self {
        Console {
            mode,
            verbose,
            in_warmup: AtomicBool::new(false),
        }
    }

    fn device_lines(&self) -> bool {
        self.verbose && !self.in_warmup.load(Ordering::Relaxed)
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
        let line = match *e {
            Event::CompareStarted {
                fleet,
                commands,
                runs,
                warmup,
                ..
            } if self.mode == Mode::Compare => format!(
                "fleetbench: {} devices ({}), command {commands:?}, {runs} run(s) + {warmup} \
                 warm-up per strategy",
                fleet.devices,
                fleet.source()
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
            Event::StrategyFinished { report: sr } => match self.mode {
                Mode::Compare => format!(
                    "fleetbench: {:<10} median {:.3} s, {} ok, {} failed",
                    sr.strategy.name(),
                    sr.wall_s.median,
                    sr.ok(),
                    sr.failed()
                ),
                Mode::Sweep => format!(
                    "fleetbench: {:>5} devices  {:<10} workers {:>4}  median {:.3} s  {} ok  {} failed",
                    sr.devices.len(),
                    sr.strategy.name(),
                    sr.workers,
                    sr.wall_s.median,
                    sr.ok(),
                    sr.failed()
                ),
                Mode::Run => return,
            },
            Event::HostKeysRecorded { count, path } => format!(
                "fleetbench: added {count} new host key(s) to {}",
                path.display()
            ),
            Event::Warning { message } => format!("fleetbench: warning: {message}"),
            _ => return,
        };
        eprintln!("{line}");
    }
}
