//! What stops the link emulator, each error saying what to do about it.

/// Errors of the link emulator; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum NetemError {
    #[error("invalid network '{spec}': {reason}")]
    Spec { spec: String, reason: String },
    #[error(
        "cannot create a user namespace ({source}): this kernel or container refuses unprivileged user namespaces. Run as root, allow them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0; in a container, a seccomp profile that allows unshare), or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    UserNamespace { source: std::io::Error },
    #[error(
        "cannot create a network namespace ({source}): run as root or allow user namespaces, or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    NetNamespace { source: std::io::Error },
    #[error(
        "cannot open /dev/net/tun ({source}): the TUN driver is missing or the device is not readable and writable by this user (distributions ship it as mode 0666; as root: chmod 0666 /dev/net/tun), or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    Tun { source: std::io::Error },
    #[error(
        "the link emulator must set up its namespaces before any thread starts, and this process has {threads} threads (a bug: report it)"
    )]
    Threaded { threads: usize },
    #[error("{what}: {source}")]
    Kernel {
        what: String,
        source: std::io::Error,
    },
    #[error("the network emulator supports at most {max} devices, {devices} asked")]
    TooManyDevices { devices: usize, max: usize },
    #[error("network emulation is only available on Linux")]
    Unsupported,
}
