//! `inventory::parse` over arbitrary text: never panics; an accepted inventory holds only
//! valid devices; no message (error or warning) contains a secret that came from the
//! environment.
#![no_main]

use fleetbench::inventory;
use libfuzzer_sys::fuzz_target;

/// What every `${VAR}` resolves to; it must never be quoted back.
const ENV_SECRET: &str = "Env-Secret-9f2c1";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| (!name.starts_with('U')).then(|| ENV_SECRET.to_string());
    match inventory::parse_with_env(text, "fuzz.yaml", env) {
        Ok(inv) => {
            for d in &inv.devices {
                assert!(!d.host.is_empty(), "{d:?}");
                assert!(d.port != 0, "{d:?}");
                assert!(!d.timeout.is_zero(), "{d:?}");
                assert!(!d.name.is_empty(), "{d:?}");
                assert!(!format!("{d:?}").contains(ENV_SECRET));
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
