//! Keeps russh from locking the emulator's buffers in RAM.
//!
//! russh's `CryptoVec` (every key, packet and write buffer of a session) calls `mlock` on
//! each allocation and `munlock` on each release: about 3.5 pairs per session. Each
//! successful `mlock` splits the process's memory map around the buffer and faults its pages
//! in, which `perf` put at 6-8% of the emulator's CPU per session (`mlock_fixup`,
//! `apply_vma_lock_flags`, page clearing). The emulator's keys are throwaway test keys, so
//! keeping them out of swap buys nothing. russh ignores a failed `mlock`; [`refuse`] makes
//! every one fail at once (`EPERM` before any page-table work): `RLIMIT_MEMLOCK` 0, and
//! `CAP_IPC_LOCK` out of the effective set, since that capability (root has it) overrides the
//! limit. Process-wide, so only `fleetbench emulate`, which runs nothing else, calls it.

/// `CAP_IPC_LOCK` in `<linux/capability.h>`.
const CAP_IPC_LOCK: u32 = 14;
/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const CAP_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Makes `mlock` fail at once in this process from now on. Returns whether it will: false
/// if the limit or the capability could not be changed (then russh locks as before).
pub fn refuse() -> bool {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit with a valid rlimit struct.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &zero) } != 0 {
        return false;
    }
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget/capset with a version-3 header and the two data words that version
    // reads and writes; pid 0 is this thread. The capability sets are per thread: this runs
    // before the runtime starts its threads, which inherit it.
    unsafe {
        if libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) != 0 {
            return false;
        }
        if data[0].effective & (1 << CAP_IPC_LOCK) != 0 {
            data[0].effective &= !(1 << CAP_IPC_LOCK);
            if libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) != 0 {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn mlock_fails_in_a_child_that_refused() {
        // In a forked child, so the test process keeps its limit and capability.
        // SAFETY: the child only makes async-signal-safe calls (setrlimit, capget, capset,
        // mlock, _exit) on memory that existed before the fork.
        unsafe {
            let page = [0u8; 64];
            let pid = libc::fork();
            assert!(pid >= 0, "fork");
            if pid == 0 {
                let refused = super::refuse();
                let rc = libc::mlock(page.as_ptr().cast(), page.len());
                let err = *libc::__errno_location();
                libc::_exit(if refused && rc == -1 && err == libc::EPERM {
                    0
                } else {
                    1
                });
            }
            let mut status = 0;
            assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
            assert!(
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
                "{status}"
            );
        }
    }
}
