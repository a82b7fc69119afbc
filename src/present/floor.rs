//! The floor for people: `fleetbench floor`'s table of operations ([`operations`]), and the
//! strategies' CPU per session as a multiple of the floor under a report's tables
//! ([`multiples`]). The numbers are the model's (`fleetbench_report::floor`, `stats`).

use crate::present::human;
use fleetbench_report::Report;
use fleetbench_report::Spread;
use fleetbench_report::floor::Floor;
use std::fmt::Write as _;

/// A per-operation figure: `32.1 µs  (31.0 µs to 35.2 µs)`, the median and the rounds' range.
fn op(s: &Spread) -> String {
    format!(
        "{:>10}  ({} to {})",
        human::secs_precise(s.median),
        human::secs_precise(s.min),
        human::secs_precise(s.max)
    )
}

/// The floor's own noise: `±4%` (half the rounds' spread, relative to the floor).
fn noise(x: Option<f64>) -> String {
    x.map_or_else(String::new, |n| format!("±{}", human::pct(n / 2.0)))
}

/// `fleetbench floor`: each operation's CPU (median and range over the rounds), each
/// side's floor per session with its noise.
pub fn operations(f: &Floor) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "floor: CPU per operation on this machine, median (range) of {} rounds of {}",
        f.rounds, f.iterations
    );
    if let Some(c) = &f.client_crypto {
        let _ = writeln!(t, "client crypto ({}):", c.library);
        let _ = writeln!(t, "  x25519 key pair    {}", op(&c.x25519_keypair));
        let _ = writeln!(t, "  x25519 agreement   {}", op(&c.x25519_agreement));
        let _ = writeln!(t, "  ed25519 verify     {}", op(&c.ed25519_verify));
    }
    if let Some(c) = &f.emulator_crypto {
        let _ = writeln!(t, "emulator crypto ({}):", c.library);
        let _ = writeln!(t, "  x25519 key pair    {}", op(&c.x25519_keypair));
        let _ = writeln!(t, "  x25519 agreement   {}", op(&c.x25519_agreement));
        let _ = writeln!(t, "  ed25519 sign       {}", op(&c.ed25519_sign));
    }
    if let Some(x) = &f.exchange {
        let _ = writeln!(
            t,
            "loopback exchange, per session (client {} writes, {} bytes; emulator {} writes, {} bytes):",
            x.client_writes, x.client_bytes, x.emulator_writes, x.emulator_bytes
        );
        let _ = writeln!(t, "  client side        {}", op(&x.client));
        let _ = writeln!(t, "  emulator side      {}", op(&x.emulator));
    }
    let side = |s: Option<f64>, n: Option<f64>| {
        s.map(|s| format!("{} {}", human::secs_precise(s), noise(n)))
    };
    let client = side(f.client_s(), f.client_noise());
    let emulator = side(f.emulator_s(), f.emulator_noise());
    if client.is_some() || emulator.is_some() {
        let _ = writeln!(
            t,
            "floor per session: client {}, emulator {}",
            client.as_deref().unwrap_or("-"),
            emulator.as_deref().unwrap_or("-")
        );
    }
    t
}

/// Under a report's tables: the machine's floor per side and each strategy's CPU per session
/// as a multiple of it; `None` when the report has no floor.
pub fn multiples(report: &Report) -> Option<String> {
    let f = report.machine.floor.as_ref()?;
    let client = f.client_s()?;
    let w = report
        .strategies
        .iter()
        .map(|s| s.strategy.name().len())
        .fold(12, usize::max);
    let mut t = String::new();
    let emulator = f.emulator_s();
    let _ = writeln!(
        t,
        "{:<w$} {:>12} {:>12}",
        "cpu / floor", "client", "emulator"
    );
    let _ = writeln!(
        t,
        "{:<w$} {:>12} {:>12}   per session on this machine; noise {} and {}",
        "floor",
        human::secs_precise(client),
        emulator.map_or("-".to_string(), human::secs_precise),
        noise(f.client_noise()),
        noise(f.emulator_noise()),
    );
    for s in &report.strategies {
        let Some(m) = s.floor_multiple else {
            continue;
        };
        let _ = writeln!(
            t,
            "{:<w$} {:>12} {:>12}",
            s.strategy.name(),
            human::times(m.client),
            m.emulator.map_or("-".to_string(), human::times),
        );
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::floor::{ClientCrypto, EmulatorCrypto, Exchange, FloorMultiple};
    use fleetbench_report::testing;

    fn at(median: f64) -> Spread {
        Spread {
            min: median * 0.9,
            median,
            max: median * 1.1,
        }
    }

    fn floor() -> Floor {
        Floor {
            iterations: 16,
            rounds: 3,
            client_crypto: Some(ClientCrypto {
                library: "OpenSSL 3.0.19".into(),
                x25519_keypair: at(30e-6),
                x25519_agreement: at(30e-6),
                ed25519_verify: at(110e-6),
            }),
            emulator_crypto: Some(EmulatorCrypto {
                library: "curve25519-dalek 5, ed25519-dalek 3".into(),
                x25519_keypair: at(10e-6),
                x25519_agreement: at(30e-6),
                ed25519_sign: at(10e-6),
            }),
            exchange: Some(Exchange {
                client_writes: 17,
                emulator_writes: 16,
                client_bytes: 1872,
                emulator_bytes: 1860,
                client: at(30e-6),
                emulator: at(50e-6),
            }),
        }
    }

    #[test]
    fn the_operations_table_names_each_operation_and_both_floors() {
        let t = operations(&floor());
        for s in [
            "OpenSSL 3.0.19",
            "ed25519 verify",
            "ed25519 sign",
            "17 writes, 1872 bytes",
            "client 200.0 µs ±10%, emulator 100.0 µs ±10%",
        ] {
            assert!(t.contains(s), "{s}: {t}");
        }
    }

    #[test]
    fn multiples_show_each_strategy_against_the_floor_or_nothing_without_one() {
        let mut r = testing::report(vec![testing::strat(
            fleetbench_report::StrategyKind::Async,
            &[1.0],
        )]);
        assert_eq!(multiples(&r), None);
        r.machine.floor = Some(floor());
        r.strategies[0].floor_multiple = Some(FloorMultiple {
            client: 3.5,
            emulator: None,
        });
        let t = multiples(&r).unwrap();
        assert!(t.contains("200.0 µs"), "{t}");
        let row = t.lines().find(|l| l.starts_with("async")).unwrap();
        assert!(
            row.contains("3.50x") && row.trim_end().ends_with('-'),
            "{t}"
        );
    }
}
