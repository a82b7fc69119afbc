//! The worker process's side: `fleetbench __worker` serves the protocol on stdin and stdout.

use super::wire::{FromWorker, ToWorker};
use crate::job::Job;
use crate::session;
use crate::strategy::poller::{Poller, RemoteSession};
use fleetbench_inventory::Device;
use fleetbench_report::unix_now;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

/// Entry of the hidden worker process (`fleetbench __worker`): serves the protocol on stdin
/// and stdout until stdin ends. Returns the process exit code.
// A worker process reports why it could not serve on its own stderr, which the parent reads
// back into the `worker_died` error of the device it held.
#[allow(clippy::print_stderr)]
pub fn worker_main() -> i32 {
    if let Err(e) = die_with_parent() {
        eprintln!("fleetbench worker {}: {e}", std::process::id());
        return 1;
    }
    // Ctrl-C is the parent's to handle: it stops handing out devices and closes our stdin once
    // the device in hand is done, which is when a worker exits. A SIGINT sent to the whole
    // group (or straight to a worker) must not cut a session short or lose its result.
    // SAFETY: setting a signal disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    match serve(stdin, stdout, RemoteSession::build) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("fleetbench worker {}: {e}", std::process::id());
            1
        }
    }
}

/// A worker dies with its parent, however the parent dies (SIGKILL included): no orphan goes
/// on polling devices. The parent passes its pid as the argument after `__worker`; if it died
/// before the death signal was armed, our parent is no longer that pid and we stop at once.
/// The signal is tied to the spawning thread, which outlives the worker: the pool's thread,
/// or the manager thread that started a replacement and owns it.
fn die_with_parent() -> Result<(), String> {
    let want: Option<u32> = std::env::args().nth(2).and_then(|a| a.parse().ok());
    // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid have no memory-safety preconditions.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return Err(format!("prctl: {}", io::Error::last_os_error()));
        }
        match want {
            Some(pid) if libc::getppid() as u32 == pid => Ok(()),
            Some(_) => Err("the parent is gone".into()),
            None => Err("started without the parent's pid".into()),
        }
    }
}

/// The worker loop over any reader and writer; `build` makes the session the job message
/// names (tests inject their own). Its errors never quote the input: a device line holds
/// secrets.
pub(super) fn serve(
    mut input: impl BufRead,
    mut out: impl Write,
    build: impl Fn(RemoteSession) -> Arc<dyn Poller>,
) -> Result<(), String> {
    let mut send = |msg: &FromWorker| -> Result<(), String> {
        serde_json::to_writer(&mut out, msg)
            .map_err(|e| format!("cannot encode a message: {e}"))?;
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to the parent: {e}"))
    };
    send(&FromWorker::Ready {
        pid: std::process::id(),
    })?;
    let mut job: Option<(Job, Arc<dyn Poller>)> = None;
    let mut line = Vec::new();
    let mut lineno = 0usize;
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read from the parent: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        lineno += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let msg: ToWorker = serde_json::from_slice(&line).map_err(|e| {
            // Category and position only: the message text could quote a secret.
            format!(
                "unreadable message on line {lineno} ({:?} error at column {})",
                e.classify(),
                e.column()
            )
        })?;
        match (msg, &job) {
            (ToWorker::Job { job: j, session }, None) => job = Some((j, build(session))),
            (ToWorker::Job { .. }, Some(_)) => {
                return Err(format!("a second job message on line {lineno}"));
            }
            (ToWorker::Device { .. }, None) => {
                return Err(format!("a device before the job, on line {lineno}"));
            }
            (ToWorker::Device { index, device }, Some((j, poller))) => {
                let dev = Device::from(device);
                send(&FromWorker::Connecting {
                    index,
                    worker: session::worker_label(),
                    unix: unix_now(),
                })?;
                let result = poller.poll(&dev, j);
                send(&FromWorker::Done {
                    index,
                    result: Box::new(result),
                })?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::wire::WireDevice;
    use super::*;
    use crate::error::SessionError;
    use crate::hostkeys::HostKeyCheck;
    use crate::strategy::poller::PollFuture;
    use crate::strategy::poller::not_run;
    use crate::testing::router as device;
    use fleetbench_report::DeviceResult;

    fn job_msg() -> ToWorker {
        ToWorker::Job {
            job: job(),
            session: RemoteSession::default(),
        }
    }

    fn job() -> Job {
        Job::new(vec!["show clock".into()], HostKeyCheck::default())
    }

    fn line(msg: &ToWorker) -> String {
        let mut s = serde_json::to_string(msg).unwrap();
        s.push('\n');
        s
    }

    /// Checks that the secrets made it through the pipe intact, and answers without a network.
    #[derive(Debug)]
    struct Fake;

    impl Poller for Fake {
        fn poll(&self, dev: &Device, job: &Job) -> DeviceResult {
            fake_poll(dev, job)
        }
        fn poll_async<'a>(&'a self, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
            Box::pin(async move { fake_poll(dev, job) })
        }
    }

    fn fake(_: RemoteSession) -> Arc<dyn Poller> {
        Arc::new(Fake)
    }

    fn fake_poll(dev: &Device, _job: &Job) -> DeviceResult {
        // The secrets made it through the pipe intact.
        assert_eq!(dev.password.as_ref().unwrap().expose(), "pw-hunter2");
        assert_eq!(dev.secret.as_ref().unwrap().expose(), "en-hunter3");
        let mut r = not_run(dev, SessionError::Interrupted);
        r.ok = true;
        r.error = None;
        r.outputs = vec![fleetbench_report::CommandOutput {
            command: "show clock".into(),
            output: format!("clock of {}", dev.name),
        }];
        r
    }

    fn replies(out: &[u8]) -> Vec<FromWorker> {
        out.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    }

    #[test]
    fn worker_serves_job_then_devices_until_eof() {
        let input = [
            line(&job_msg()),
            line(&ToWorker::Device {
                index: 0,
                device: WireDevice::from(&device(0)),
            }),
            "\n".into(),
            line(&ToWorker::Device {
                index: 5,
                device: WireDevice::from(&device(5)),
            }),
        ]
        .concat();
        let mut out = Vec::new();
        serve(input.as_bytes(), &mut out, fake).unwrap();
        let msgs = replies(&out);
        let names: Vec<_> = msgs.iter().map(FromWorker::name).collect();
        assert_eq!(names, ["ready", "connecting", "done", "connecting", "done"]);
        match &msgs[4] {
            FromWorker::Done { index, result } => {
                assert_eq!(*index, 5);
                assert_eq!(result.output(), "clock of R5");
                assert_eq!(result.port, 10_005);
            }
            other => panic!("unexpected {other:?}"),
        }
        match &msgs[1] {
            FromWorker::Connecting { index, worker, .. } => {
                assert_eq!(*index, 0);
                assert!(worker.starts_with(&format!("{}/", std::process::id())));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn worker_errors_never_quote_the_input() {
        let bad =
            r#"{"msg":"device","index":0,"device":{"name":"R1","host":"h","port":"pw-hunter2"}}"#;
        let input = format!("{}{bad}\n", line(&job_msg()));
        let err = serve(input.as_bytes(), Vec::new(), fake).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn worker_wants_the_job_first_and_once() {
        let dev = line(&ToWorker::Device {
            index: 0,
            device: WireDevice::from(&device(0)),
        });
        let err = serve(dev.as_bytes(), Vec::new(), fake).unwrap_err();
        assert!(err.contains("before the job"), "{err}");
        let twice = line(&job_msg()).repeat(2);
        let err = serve(twice.as_bytes(), Vec::new(), fake).unwrap_err();
        assert!(err.contains("second job"), "{err}");
    }

    #[test]
    fn worker_exits_quietly_without_input() {
        let mut out = Vec::new();
        serve(&b""[..], &mut out, fake).unwrap();
        assert_eq!(replies(&out).len(), 1);
    }
}
