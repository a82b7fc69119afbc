//! Standard output and standard error of the command line, and what a closed pipe does.
//!
//! Rust ignores SIGPIPE, so a write to a pipe whose reader left (`fleetbench compare | head
//! -1`) fails with `EPIPE` instead of killing the process, and `print!` panics on it. Every
//! line the command line prints goes through here instead:
//!
//! - [`out`]: standard output (tables, outputs, markdown), the command's product. A closed
//!   stdout ends the command at once: the error goes up like any other, and `main` turns it
//!   into the quiet exit below. Files are written before the tables, so none is lost.
//! - [`err`] / [`errln!`]: notices on standard error. A closed stderr is noted and the
//!   command finishes its work (its files are its results; a notice is a courtesy).
//!
//! **Exit status 141** (`EXIT_PIPE`) whenever a standard stream was found closed, whatever
//! the command: 128 + SIGPIPE, what a shell reports for a program killed by SIGPIPE (`yes |
//! head -1` under `set -o pipefail`), so scripts read it as they do for every other
//! command-line tool. It is an ordinary exit rather than a death by the signal, so that
//! destructors still run (worker processes are reaped, `emulate` removes its inventory file,
//! the report is already written). Not 0: in fleetbench 0 means "every device answered",
//! which a cut-off output has not said.
//!
//! The one process-wide fact kept here is whether a standard stream was found closed: the
//! streams themselves are process-wide.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status after a closed pipe (128 + SIGPIPE).
pub const EXIT_PIPE: i32 = 141;

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether stdout or stderr was found closed.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

fn note(e: &io::Error) {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` to standard output and flushes it. A closed pipe is an error (`EPIPE`) to
/// pass up with `?`.
pub fn out(text: &str) -> io::Result<()> {
    write_out(text.as_bytes())
}

/// Writes `bytes` to standard output and flushes them.
pub fn write_out(bytes: &[u8]) -> io::Result<()> {
    let mut o = io::stdout().lock();
    let r = o.write_all(bytes).and_then(|()| o.flush());
    if let Err(e) = &r {
        note(e);
    }
    r
}

/// Writes `line` and a newline to standard error; a failure is noted, never raised.
pub fn err(line: &str) {
    let mut e = io::stderr().lock();
    if let Err(x) = writeln!(e, "{line}") {
        note(&x);
    }
}

/// `eprintln!` through [`err`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::stdio::err(&format!($($arg)*))
    };
}

/// `print!` through [`out`]: evaluates to `io::Result<()>`.
#[macro_export]
macro_rules! outp {
    ($($arg:tt)*) => {
        $crate::cli::stdio::out(&format!($($arg)*))
    };
}

/// Standard error as a `Write` for the progress display: failures are noted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = io::stderr().write(buf);
        if let Err(e) = &r {
            note(e);
        }
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = io::stderr().flush();
        if let Err(e) = &r {
            note(e);
        }
        r
    }
}

/// Whether `e` is, or was caused by, a closed pipe.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|x| x.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The exit status of a finished command: [`EXIT_PIPE`] when a stream was found closed.
pub fn exit_code(code: i32) -> i32 {
    if closed() { EXIT_PIPE } else { code }
}
