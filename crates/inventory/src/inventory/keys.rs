//! The keys a device may have: the ones fleetbench uses, and netmiko's other
//! `ConnectHandler` keyword arguments, which are accepted and ignored.

/// Keys fleetbench reads, in the order they are suggested on a tie.
pub const KNOWN_KEYS: &[&str] = &[
    "host",
    "ip",
    "port",
    "username",
    "password",
    "secret",
    "device_type",
    "timeout",
    "name",
    "key_file",
    "key_filename",
    "kex",
    "hostkey",
    "ciphers",
    "macs",
    "bastion",
    "bastion_key_file",
    "bastion_password",
    "ssh_config_file",
];

/// [`KNOWN_KEYS`] as printed in the "unknown key" message.
pub const KNOWN_KEYS_LIST: &str = "host, ip, port, username, password, secret, device_type, \
                                   timeout, name, key_file, kex, hostkey, ciphers, macs, bastion, bastion_key_file, \
                                   bastion_password, ssh_config_file (netmiko's other options are ignored)";

/// netmiko `BaseConnection.__init__` keyword arguments (netmiko 4.x) that fleetbench does not
/// use, plus a few older or driver-specific ones seen in real inventories. `passphrase` is among
/// them: fleetbench does not support encrypted private keys, and never prints the value.
pub const NETMIKO_IGNORED: &[&str] = &[
    "verbose",
    "global_delay_factor",
    "global_cmd_verify",
    "use_keys",
    "pkey",
    "passphrase",
    "disabled_algorithms",
    "disable_sha2_fix",
    "allow_agent",
    "ssh_strict",
    "system_host_keys",
    "alt_host_keys",
    "alt_key_file",
    "conn_timeout",
    "auth_timeout",
    "banner_timeout",
    "blocking_timeout",
    "session_timeout",
    "read_timeout_override",
    "keepalive",
    "default_enter",
    "response_return",
    "serial_settings",
    "fast_cli",
    "_legacy_mode",
    "session_log",
    "session_log_record_writes",
    "session_log_file_mode",
    "allow_auto_change",
    "encoding",
    "sock",
    "sock_telnet",
    "auto_connect",
    "delay_factor_compat",
    "disable_lf_normalization",
    "protocol",
    "ssh_config",
    "telnet_login_timeout",
];

/// The known key or netmiko option closest to `key`, if within edit distance 2 (and closer
/// than the key's own length, so `x` does not suggest `ip`). Known keys win ties.
pub fn suggest(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for &candidate in KNOWN_KEYS.iter().chain(NETMIKO_IGNORED) {
        let d = strsim::levenshtein(&lower, candidate);
        if d <= 2 && d < lower.len().min(candidate.len()) && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("usrname"), Some("username"));
        assert_eq!(suggest("pasword"), Some("password"));
        assert_eq!(suggest("hots"), Some("host"));
        assert_eq!(suggest("Username"), Some("username"));
        assert_eq!(suggest("fastcli"), Some("fast_cli"));
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest("location"), None);
    }

    #[test]
    fn no_overlap() {
        for k in KNOWN_KEYS {
            assert!(!NETMIKO_IGNORED.contains(k), "{k}");
        }
    }
}
