//! What a person sees while a long run goes on.
//!
//! - On a terminal ([`Mode::Live`]): one live line for the run in progress (strategy, run,
//!   devices done / total, ok / failed so far, elapsed, an ETA from the sessions finished),
//!   redrawn ten times a second by indicatif's ticker thread, then one line per finished run.
//! - On a pipe or in CI ([`Mode::Lines`]): only the line per finished run.
//! - Before a run the fleet's profile says will take long: the estimate, up front
//!   ([`estimate`]).
//!
//! Cost on the measured path: a finished device is two relaxed atomic increments
//! ([`Progress::device_done`]); the live line reads the counters from the ticker thread.
//! Nothing here locks or allocates per device.

use crate::present::human;
use crate::present::labels;
use crate::present::plural::count;
use crate::present::sanitize;
use fleetbench_client::observe::{Event, Observer};
use fleetbench_report::{StrategyId, StrategyKind};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A live line on the terminal, and a line per finished run.
    Live,
    /// A line per finished run (pipes, CI logs).
    Lines,
    /// Nothing.
    Off,
}

impl Mode {
    /// Live when standard error is a terminal that can redraw a line (not `TERM=dumb`) and
    /// no CI system is driving the run; lines otherwise.
    pub fn auto() -> Mode {
        let term = std::io::stderr().is_terminal()
            && std::env::var("TERM").map_or(true, |t| t != "dumb")
            && std::env::var_os("CI").is_none();
        if term { Mode::Live } else { Mode::Lines }
    }
}

/// One run about to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    /// A built-in strategy, or an external poller's NAME (then `external` is set: its
    /// devices are not counted live, the poller's sessions being its own).
    pub strategy: StrategyId,
    pub external: bool,
    /// 1-based index among the runs of its kind (warm-up or measured).
    pub index: usize,
    /// How many runs of that kind the strategy has.
    pub of: usize,
    pub warmup: bool,
    pub devices: usize,
}

impl RunStart {
    fn label(&self) -> String {
        format!(
            "{:<10} {} {}/{}",
            self.strategy.name(),
            if self.warmup { "warm-up" } else { "run" },
            self.index,
            self.of
        )
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    pub wall_s: f64,
    pub ok: usize,
    /// Failed devices, the interrupted ones excluded.
    pub failed: usize,
    /// Devices the run never polled to the end because it was interrupted.
    pub never_ran: usize,
    /// Why the run failed as a whole (an external poller's `[kind] message`), if it did.
    pub error: Option<String>,
}

/// The line printed when a run ends, on every kind of output. Its wall time reads as the
/// tables' do ([`crate::present::human::secs`]).
pub fn finished_line(start: &RunStart, end: &RunEnd) -> String {
    if end.never_ran == 0 {
        let mut line = format!(
            "fleetbench: {}: {} in {}, {} ok, {} failed",
            start.label(),
            count(start.devices, "device"),
            human::secs(end.wall_s),
            end.ok,
            end.failed
        );
        if let Some(e) = &end.error {
            // A poller's words (its stderr's end): nothing in them may drive the terminal.
            line.push_str("; FAILED ");
            line.push_str(&sanitize::for_terminal(&labels::one_line(e, 400)));
        }
        return line;
    }
    format!(
        "fleetbench: {}: INTERRUPTED after {} of {} in {}, {} ok, {} failed, {} never ran",
        start.label(),
        start.devices - end.never_ran,
        count(start.devices, "device"),
        human::secs(end.wall_s),
        end.ok,
        end.failed,
        end.never_ran
    )
}

/// Durations for people: `820 ms`, `4.2 s`, `3 min 20 s`, `1 h 40 min`.
pub fn fmt_duration(secs: f64) -> String {
    let s = secs.max(0.0);
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{m:.0} min {:.0} s", (s - m * 60.0).floor())
    } else {
        let h = (s / 3600.0).floor();
        format!("{h:.0} h {:.0} min", ((s - h * 3600.0) / 60.0).floor())
    }
}

/// Time left from the sessions finished so far: the elapsed time per finished device times
/// the devices left. `None` before the first device finishes.
pub fn eta(elapsed: Duration, done: usize, total: usize) -> Option<Duration> {
    if done == 0 || done > total {
        return None;
    }
    let per = elapsed.as_secs_f64() / done as f64;
    Some(Duration::from_secs_f64(per * (total - done) as f64))
}

/// Counters shared by the measured path (writers) and the live line (reader).
#[derive(Debug, Default)]
struct Counters {
    ok: AtomicUsize,
    failed: AtomicUsize,
}

impl Counters {
    fn done(&self) -> usize {
        self.ok.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed)
    }
}

/// The live line's text from the counters.
fn live_text(
    start: &RunStart,
    ok: usize,
    failed: usize,
    elapsed: Duration,
    width: usize,
) -> String {
    if start.external {
        // Its sessions are the poller's: only the time it has run is known.
        return format!(
            "{} running over {}, {}",
            start.label(),
            count(start.devices, "device"),
            fmt_duration(elapsed.as_secs_f64())
        );
    }
    let done = ok + failed;
    let filled = (done * width)
        .checked_div(start.devices)
        .unwrap_or(0)
        .min(width);
    let mut t = format!(
        "{} [{}{}] {done}/{} devices, {ok} ok, {failed} failed, {}",
        start.label(),
        "#".repeat(filled),
        "-".repeat(width - filled),
        start.devices,
        fmt_duration(elapsed.as_secs_f64())
    );
    match eta(elapsed, done, start.devices) {
        Some(left) if done < start.devices => {
            let _ = write!(t, ", ETA {}", fmt_duration(left.as_secs_f64()));
        }
        _ => {}
    }
    t
}

struct Current {
    start: RunStart,
    bar: Option<ProgressBar>,
}

/// The progress display of one command. Shared by reference with the threads that run
/// sessions (`Sync`); [`Progress::device_done`] is the only call on the measured path.
pub struct Progress {
    mode: Mode,
    /// Measured and warm-up runs per strategy, from [`Event::CompareStarted`].
    runs: AtomicUsize,
    warmup: AtomicUsize,
    counters: Arc<Counters>,
    current: Mutex<Option<Current>>,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("mode", &self.mode)
            .finish()
    }
}

impl Progress {
    /// Progress on standard error.
    pub fn new(mode: Mode) -> Progress {
        Progress::to_writer(mode, Box::new(std::io::stderr()))
    }

    /// Progress whose finished-run lines go to `out` (tests, logs). The live line is
    /// drawn on standard error only, and only when it is a terminal.
    pub fn to_writer(mode: Mode, out: Box<dyn Write + Send>) -> Progress {
        Progress {
            mode,
            runs: AtomicUsize::new(1),
            warmup: AtomicUsize::new(0),
            counters: Arc::new(Counters::default()),
            current: Mutex::new(None),
            out: Mutex::new(out),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A line for the person watching, printed above the live line if there is one.
    pub fn println(&self, line: &str) {
        if self.mode == Mode::Off {
            return;
        }
        let cur = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        match cur.as_ref().and_then(|c| c.bar.as_ref()) {
            Some(bar) => bar.suspend(|| self.write_line(line)),
            None => self.write_line(line),
        }
    }

    fn write_line(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // Progress is a courtesy: a closed stderr must not fail the run.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// A run is about to start.
    pub fn run_started(&self, start: RunStart) {
        if self.mode == Mode::Off {
            return;
        }
        self.counters.ok.store(0, Ordering::Relaxed);
        self.counters.failed.store(0, Ordering::Relaxed);
        let began = Instant::now();
        let bar = (self.mode == Mode::Live).then(|| self.live_bar(start.clone(), began));
        let mut cur = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = cur.take().and_then(|c| c.bar) {
            old.finish_and_clear();
        }
        *cur = Some(Current { start, bar });
    }

    fn live_bar(&self, start: RunStart, began: Instant) -> ProgressBar {
        let counters = Arc::clone(&self.counters);
        let devices = start.devices;
        let key = move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
            let (ok, failed) = (
                counters.ok.load(Ordering::Relaxed),
                counters.failed.load(Ordering::Relaxed),
            );
            let _ = w.write_str(&live_text(&start, ok, failed, began.elapsed(), 24));
        };
        let style = ProgressStyle::with_template("fleetbench: {line}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key("line", key);
        let bar = ProgressBar::with_draw_target(
            Some(devices as u64),
            ProgressDrawTarget::stderr_with_hz(10),
        );
        bar.set_style(style);
        // Redrawn by indicatif's own thread: the session threads never draw.
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    /// A device finished (ok or not). Two relaxed atomic adds; safe from any thread.
    #[inline]
    pub fn device_done(&self, ok: bool) {
        if self.mode == Mode::Off {
            return;
        }
        let c = if ok {
            &self.counters.ok
        } else {
            &self.counters.failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Devices finished so far in the current run.
    pub fn done(&self) -> usize {
        self.counters.done()
    }

    /// The run ended: the live line goes, the finished line is printed.
    pub fn run_finished(&self, end: RunEnd) {
        if self.mode == Mode::Off {
            return;
        }
        let cur = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(cur) = cur else { return };
        if let Some(bar) = cur.bar {
            bar.finish_and_clear();
        }
        self.write_line(&finished_line(&cur.start, &end));
    }
}

/// The progress display reads the run's events: runs start and end, devices finish.
impl Observer for Progress {
    fn on(&self, e: &Event<'_>) {
        match *e {
            Event::CompareStarted { runs, warmup, .. } => {
                self.runs.store(runs, Ordering::Relaxed);
                self.warmup.store(warmup, Ordering::Relaxed);
            }
            Event::RunStarted {
                strategy,
                run,
                warmup,
                devices,
            } => self.run_started(RunStart {
                strategy: strategy.into(),
                external: false,
                index: run + 1,
                of: if warmup {
                    self.warmup.load(Ordering::Relaxed)
                } else {
                    self.runs.load(Ordering::Relaxed)
                },
                warmup,
                devices,
            }),
            // A device the run never started is not a failure to count live; the run's end
            // says how many there were.
            Event::DeviceFinished { result, .. } if result.ok || !result.worker.is_empty() => {
                self.device_done(result.ok)
            }
            Event::RunFinished {
                wall,
                ok,
                failed,
                interrupted,
                ..
            } => self.run_finished(RunEnd {
                wall_s: wall.as_secs_f64(),
                ok,
                failed: failed.saturating_sub(interrupted),
                never_ran: interrupted,
                error: None,
            }),
            Event::ExternalRunStarted {
                name,
                run,
                warmup,
                devices,
            } => self.run_started(RunStart {
                strategy: StrategyId::External(name.to_string()),
                external: true,
                index: run + 1,
                of: if warmup {
                    self.warmup.load(Ordering::Relaxed)
                } else {
                    self.runs.load(Ordering::Relaxed)
                },
                warmup,
                devices,
            }),
            Event::ExternalRunFinished {
                wall,
                ok,
                failed,
                error,
                ..
            } => self.run_finished(RunEnd {
                wall_s: wall.as_secs_f64(),
                ok,
                failed,
                never_ran: 0,
                error: error.map(|e| format!("[{}] {}", e.kind, e.message)),
            }),
            _ => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An error that ends the command mid-run must not leave a half-drawn line.
        let cur = self
            .current
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = cur.take().and_then(|c| c.bar) {
            bar.finish_and_clear();
        }
    }
}

/// What one strategy will do, for [`estimate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub strategy: StrategyKind,
    pub workers: usize,
    /// Warm-up and measured runs.
    pub runs: usize,
}

/// The expected length of a command's runs when each session takes about `session_s`
/// (from the emulated fleet's profile): W workers poll N devices in ceil(N / W) waves.
/// It ignores CPU limits, so it is a floor, which is what a person deciding whether to wait
/// needs. Returns each strategy's time and the total.
pub fn estimate(
    plan: &[Planned],
    devices: usize,
    session_s: f64,
) -> (Vec<(StrategyKind, f64)>, f64) {
    let each: Vec<(StrategyKind, f64)> = plan
        .iter()
        .map(|p| {
            let waves = devices.div_ceil(p.workers.max(1));
            (p.strategy, p.runs as f64 * waves as f64 * session_s)
        })
        .collect();
    let total = each.iter().map(|(_, s)| s).sum();
    (each, total)
}

/// Runs shorter than this get no up-front estimate.
pub const LONG_RUN_S: f64 = 60.0;

/// The up-front line for a long command, or `None` when it should take under a minute:
/// `this will take at least 1 h 40 min: sequential 1 h 40 min, threads 3.0 s, ...`.
pub fn estimate_line(plan: &[Planned], devices: usize, session_s: f64) -> Option<String> {
    let (each, total) = estimate(plan, devices, session_s);
    if total < LONG_RUN_S {
        return None;
    }
    let parts: Vec<String> = each
        .iter()
        .map(|(k, s)| format!("{} {}", k.name(), fmt_duration(*s)))
        .collect();
    Some(format!(
        "fleetbench: estimate: this will take at least {} ({} at about {} per session; {}). \
         Ctrl-C stops it and keeps what was measured.",
        fmt_duration(total),
        count(devices, "device"),
        fmt_duration(session_s),
        parts.join(", ")
    ))
}

#[cfg(test)]
mod tests;
