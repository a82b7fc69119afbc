//! `fleetbench_inventory::parse` over arbitrary text: never panics; an accepted inventory holds only
//! valid devices; no message (error or warning) contains a secret that came from the
//! environment.
//!
//! History: the first run's only finding was in this harness, not the parser: every variable
//! resolved to the "secret", HOME included, so `key_file: ~/...` showed it in `Debug`; the
//! second, that the fuzzer copied the secret's text into `host:` itself.
#![no_main]

use fleetbench_client::Libssh2;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// What this build of libssh2 supports (read once: it opens a libssh2 session).
static SSH: LazyLock<Libssh2> = LazyLock::new(Libssh2::new);

/// What every `${VAR}` resolves to; it must never be quoted back.
const ENV_SECRET: &str = "Env-Secret-9f2c1";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Unset for names starting with U (the "not set" error path); HOME (for `~` in key_file)
    // is no secret.
    let env = |name: &str| match name {
        "HOME" => Some("/home/fuzz".to_string()),
        n if n.starts_with('U') => None,
        _ => Some(ENV_SECRET.to_string()),
    };
    match fleetbench_inventory::parse_with_env(text, "fuzz.yaml", env, &*SSH) {
        Ok(inv) => {
            for d in &inv.devices {
                assert!(!d.host.is_empty(), "{d:?}");
                assert!(d.port != 0, "{d:?}");
                assert!(!d.timeout.is_zero(), "{d:?}");
                assert!(!d.name.is_empty(), "{d:?}");
                // `username: ${VAR}` is allowed and is no secret; password and secret are.
                let shown = format!(
                    "{:?} {:?} {} {} {:?}",
                    d.password, d.secret, d.name, d.host, d.key_file
                );
                // (unless the file itself spells it out, as in `host: Env-Secret-...`).
                assert!(
                    text.contains(ENV_SECRET) || !shown.contains(ENV_SECRET),
                    "{shown}"
                );
            }
            if !text.contains(ENV_SECRET) {
                for w in &inv.warnings {
                    assert!(!w.contains(ENV_SECRET), "{w}");
                }
            }
        }
        Err(e) => {
            let msg = format!("{e}");
            let _ = format!("{e:?}");
            if !text.contains(ENV_SECRET) {
                assert!(!msg.contains(ENV_SECRET), "{msg}");
            }
        }
    }
});
