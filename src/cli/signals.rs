//! SIGINT and SIGTERM for `compare`, `run` and `sweep`: a thread turns them into calls on the
//! run's [`Stop`] token (a signal handler itself could only set a flag).
//!
//! First SIGINT: [`Stop::request`] (finish the devices in flight, write the partial report).
//! SIGTERM: [`Stop::terminate`] (also abandon what is in flight where possible). A second
//! signal of either kind exits at once with 130, after killing the external pollers' process
//! groups and removing their private folder ([`crate::external::cleanup`]); worker processes
//! die with this process (`PR_SET_PDEATHSIG`).

use fleetbench_client::stop::Stop;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Installs the handlers for the rest of the process's life.
pub fn install(stop: &Stop) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let stop = stop.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if stop.is_requested() {
                    // No destructor runs past _exit: the pollers' groups and the folder
                    // holding the fleet's credentials go first.
                    crate::external::cleanup::now();
                    // SAFETY: _exit only ends the process; no destructor of another thread
                    // can run half-way.
                    unsafe { libc::_exit(130) }
                }
                if sig == SIGTERM {
                    stop.terminate();
                } else {
                    stop.request();
                }
            }
        })?;
    Ok(())
}
