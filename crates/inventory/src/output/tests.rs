use super::*;
use std::os::unix::fs::PermissionsExt;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mknod(path: &Path, kind: libc::mode_t, major: u32, minor: u32) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string; mknod has no other memory effects.
    unsafe { libc::mknod(c.as_ptr(), kind | 0o666, libc::makedev(major, minor)) == 0 }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn writes_and_replaces_leaving_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    write(&p, b"one", Access::Shared).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"one");
    write(&p, b"two", Access::Shared).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    assert_eq!(entries(dir.path()), ["r.json"]);
}

#[test]
fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    write(&p, b"old", Access::Shared).unwrap();
    let e = write_with(&p, Access::Shared, |w| {
        w.write_all(b"half")?;
        Err(std::io::Error::other("disk on fire"))
    })
    .unwrap_err();
    assert!(e.to_string().contains("disk on fire"), "{e}");
    assert_eq!(std::fs::read(&p).unwrap(), b"old");
    assert_eq!(entries(dir.path()), ["r.json"]);
}

#[test]
fn shared_follows_the_umask_private_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    // The process umask, read without changing it for longer than this call.
    // SAFETY: umask has no preconditions; it is set back at once.
    let umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    } as u32;
    let (s, p) = (dir.path().join("s"), dir.path().join("p"));
    write(&s, b"x", Access::Shared).unwrap();
    write(&p, b"x", Access::Private).unwrap();
    assert_eq!(mode(&s), 0o666 & !umask);
    assert_eq!(mode(&p), 0o600);
    // Replacing a shared file with a private one leaves no trace of the old mode.
    write(&s, b"secret", Access::Private).unwrap();
    assert_eq!(mode(&s), 0o600);
}

#[test]
fn checks_refuse_what_cannot_be_written_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    assert!(check_file(&dir.path().join("ok.json")).is_ok());
    assert!(check_file(&dir.path().join("no/such/dir/r.json")).is_err());
    assert!(
        check_file(&file.join("r.json")).is_err(),
        "parent is a file"
    );
    assert!(check_file(dir.path()).is_err(), "a directory");
    assert!(check_dir(&dir.path().join("new/plots")).is_ok());
    assert!(check_dir(&file).is_err(), "a file, not a directory");
    assert!(check_dir(&file.join("plots")).is_err(), "under a file");
    assert!(!dir.path().join("new").exists());
    assert_eq!(entries(dir.path()), ["f"]);
    assert!(write(&dir.path().join("no/such/dir/f"), b"x", Access::Shared).is_err());
}

/// Two writers of one report at once, and a reader: every write succeeds, the reader only
/// ever sees one writer's whole file, and no temporary file is left. (With one fixed
/// temporary name per target, one writer's rename moved the other's half-written file.)
#[test]
fn concurrent_writers_of_one_file_never_mix_or_fail() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("same.json");
    let bodies: Vec<Vec<u8>> = (0..2u8)
        .map(|w| std::iter::repeat_n(b'a' + w, 256 * 1024).collect())
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(b) = std::fs::read(&p) {
                    assert!(
                        bodies.contains(&b),
                        "a reader saw a mixed or cut file ({} bytes)",
                        b.len()
                    );
                    seen += 1;
                }
            }
            seen
        });
        let writers: Vec<_> = bodies
            .iter()
            .map(|b| {
                let p = &p;
                s.spawn(move || {
                    for _ in 0..40 {
                        write(p, b, Access::Shared).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    });
    assert!(bodies.contains(&std::fs::read(&p).unwrap()));
    assert_eq!(entries(dir.path()), ["same.json"]);
}

#[test]
fn a_link_to_the_null_device_stays_a_link_and_the_device_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    check_file(&link).unwrap();
    write(&link, b"{}", Access::Shared).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(entries(dir.path()), ["null"]);
}

/// `mknod dev/null c 1 3` (root only): written through, still a device node; any other
/// device node and a block device are refused and left alone.
#[test]
fn device_nodes_are_written_through_or_refused_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    if !mknod(&null, libc::S_IFCHR, 1, 3) {
        // Not root (mknod needs CAP_MKNOD): the link test above covers the null device.
        return;
    }
    write(&null, b"report", Access::Shared).unwrap();
    write_json(&null, &serde_json::json!({"a": 1}), Access::Private).unwrap();
    let md = std::fs::symlink_metadata(&null).unwrap();
    assert!(md.file_type().is_char_device(), "still a device node");
    let zero = dir.path().join("zero");
    assert!(mknod(&zero, libc::S_IFCHR, 1, 5));
    let e = write(&zero, b"x", Access::Shared).unwrap_err();
    assert!(e.to_string().contains("character device"), "{e}");
    assert!(check_file(&zero).is_err());
    let block = dir.path().join("loop");
    assert!(mknod(&block, libc::S_IFBLK, 7, 0));
    let e = write(&block, b"x", Access::Shared).unwrap_err();
    assert!(e.to_string().contains("a block device"), "{e}");
    for p in [&zero, &block] {
        assert!(!std::fs::symlink_metadata(p).unwrap().is_file());
    }
    assert_eq!(entries(dir.path()), ["loop", "null", "zero"]);
}

#[test]
fn a_fifo_with_a_reader_gets_the_bytes_and_one_without_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let t0 = std::time::Instant::now();
    let e = write(&fifo, b"x", Access::Shared).unwrap_err();
    assert!(e.to_string().contains("FIFO with no reader"), "{e}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(5));
    // A reader opened without blocking, so the writer finds it.
    let reader = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    check_file(&fifo).unwrap();
    write(&fifo, b"through the pipe", Access::Shared).unwrap();
    let mut got = Vec::new();
    let _ = std::io::Read::read_to_end(&mut &reader, &mut got);
    assert_eq!(got, b"through the pipe");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_link_to_a_regular_file_replaces_the_file_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let real = dir.path().join("real/report.json");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink("real/report.json", &link).unwrap();
    write(&link, b"new", Access::Shared).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"new");
    // A link to nothing yet: the file is created where it points.
    let dangling = dir.path().join("later.json");
    std::os::unix::fs::symlink("real/later.json", &dangling).unwrap();
    write(&dangling, b"made", Access::Shared).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("real/later.json")).unwrap(),
        b"made"
    );
}

/// `export -o dev/stdout` with `dev/stdout -> /proc/self/fd/1`: the bytes go to that
/// descriptor (here a pipe's write end), and the link stays.
#[test]
fn a_link_to_a_descriptor_of_this_process_writes_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut fds = [0; 2];
    // SAFETY: a valid array of two ints.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink(format!("/proc/self/fd/{}", fds[1]), &link).unwrap();
    check_file(&link).unwrap();
    write(&link, b"to the descriptor", Access::Shared).unwrap();
    // SAFETY: the two ends are this test's own; closing the write end ends the stream.
    unsafe { libc::close(fds[1]) };
    use std::os::fd::FromRawFd;
    // SAFETY: the read end is owned by nothing else.
    let mut r = unsafe { File::from_raw_fd(fds[0]) };
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut got).unwrap();
    assert_eq!(got, b"to the descriptor");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        descriptor_of(Path::new("/dev/fd/1")),
        Some(1),
        "/dev/fd/N names a descriptor too"
    );
}

#[test]
fn outputs_aimed_at_one_file_or_into_a_filled_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let json = d.join("r.json");
    let e = check_distinct(&[("--json", &json), ("--html", &d.join("./r.json"))], &[]).unwrap_err();
    assert!(
        e.to_string().contains("--json and --html both name it"),
        "{e}"
    );
    let plots = d.join("pd");
    let e = check_distinct(
        &[("--json", &plots.join("wall.svg"))],
        &[("--plots", &plots)],
    )
    .unwrap_err();
    assert!(e.to_string().contains("inside"), "{e}");
    // Through a link to the same file.
    std::fs::write(&json, b"{}").unwrap();
    std::os::unix::fs::symlink(&json, d.join("alias.json")).unwrap();
    assert!(check_distinct(&[("--json", &json), ("--html", &d.join("alias.json"))], &[]).is_err());
    check_distinct(
        &[("--json", &json), ("--html", &d.join("r.html"))],
        &[("--plots", &plots)],
    )
    .unwrap();
}
