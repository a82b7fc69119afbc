//! What `setup.md` says about the machine a sweep ran on, gathered when it starts: a number
//! read a year later needs its machine, toolchain and version (ripgrep's benchsuite runs
//! keep the same).

use fleetbench_report::MachineInfo;

/// The facts, each `unknown` when it cannot be read.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Local time the sweep started (`%Y-%m-%d %H:%M:%S %z`).
    pub date: String,
    pub machine: MachineInfo,
    pub cpu_model: Option<String>,
    pub memory: Option<String>,
    /// `Linux 6.1.0 (x86_64)`.
    pub kernel: String,
    /// `rustc --version` of the rustc on PATH.
    pub rustc: Option<String>,
    pub fleetbench: String,
    /// The working directory's commit, `(with local changes)` when dirty.
    pub git_commit: Option<String>,
    pub executable: Option<String>,
}

impl Setup {
    /// Reads the facts of this machine and process now.
    pub fn gather() -> Setup {
        let machine = MachineInfo::current();
        let kernel = format!(
            "{} {} ({})",
            read_trim("/proc/sys/kernel/ostype").unwrap_or_else(|| machine.os.clone()),
            read_trim("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
            machine.arch
        );
        Setup {
            date: chrono::Local::now()
                .format("%Y-%m-%d %H:%M:%S %z")
                .to_string(),
            cpu_model: cpu_model(),
            memory: mem_total(),
            kernel,
            rustc: command_output("rustc", &["--version"]),
            fleetbench: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: command_output("git", &["rev-parse", "--short=12", "HEAD"]).map(|c| {
                let dirty =
                    command_output("git", &["status", "--porcelain", "--untracked-files=no"])
                        .is_some();
                if dirty {
                    format!("{c} (with local changes)")
                } else {
                    c
                }
            }),
            executable: std::env::current_exe()
                .ok()
                .map(|p| p.display().to_string()),
            machine,
        }
    }
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The CPU model from /proc/cpuinfo.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn mem_total() -> Option<String> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: f64 = info
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
}

/// Output of a command, first line, if it runs (rustc, git): for setup.md only.
fn command_output(prog: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(prog).args(args).output().ok()?;
    out.status.success().then_some(())?;
    String::from_utf8(out.stdout)
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .filter(|s| !s.is_empty())
}
