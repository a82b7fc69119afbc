//! Pins the exported shapes on a constructed report.

use super::*;
use fleetbench_report::Percentiles;
use fleetbench_report::testing::pair;
use serde_json::{Value, json};

fn as_json(kind: ExportKind, r: &Report) -> Value {
    serde_json::from_slice(&render(kind, r).unwrap()).unwrap()
}

#[test]
fn bencher_metric_format_shape() {
    let v = as_json(ExportKind::Bencher, &pair(1.0));
    let obj = v.as_object().unwrap();
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        [
            "fleetbench/20-devices/lan/sequential",
            "fleetbench/20-devices/lan/threads"
        ]
    );
    // Wall time as Bencher's built-in `latency` measure, in ns, with the run spread.
    let threads = &v["fleetbench/20-devices/lan/threads"];
    let lat = &threads["latency"];
    assert!((lat["value"].as_f64().unwrap() - 165e6).abs() < 1.0);
    assert!((lat["lower_value"].as_f64().unwrap() - 164e6).abs() < 1.0);
    assert!((lat["upper_value"].as_f64().unwrap() - 167e6).abs() < 1.0);
    // 20 ms of CPU per run over 20 devices: 1 ms per device.
    assert!((threads["cpu-per-device"]["value"].as_f64().unwrap() - 1e6).abs() < 1.0);
    let sp = threads["speedup"]["value"].as_f64().unwrap();
    assert!((sp - 3.09 / 0.165).abs() < 1e-9);
    // Sequential has no speed-up over itself; absent fields are absent measures.
    let seq = v["fleetbench/20-devices/lan/sequential"]
        .as_object()
        .unwrap();
    assert_eq!(
        seq.keys().collect::<Vec<_>>(),
        ["cpu-per-device", "latency"]
    );
    // Every metric object has `value`, and only the three BMF keys.
    for bench in obj.values() {
        for metric in bench.as_object().unwrap().values() {
            let m = metric.as_object().unwrap();
            assert!(m["value"].is_number());
            assert!(
                m.keys()
                    .all(|k| ["value", "lower_value", "upper_value"].contains(&k.as_str()))
            );
        }
    }
}

#[test]
fn bencher_single_numbers_have_no_bounds() {
    let mut r = pair(1.0);
    r.strategies[1].peak_rss_bytes = 12 << 20;
    r.strategies[1].latency_s.insert(
        "total".to_string(),
        Percentiles {
            p99: 0.2,
            ..Default::default()
        },
    );
    let v = as_json(ExportKind::Bencher, &r);
    let t = &v["fleetbench/20-devices/lan/threads"];
    assert_eq!(t["peak-rss"], json!({"value": 12582912.0}));
    // p99's spread is borrowed from the wall time, not measured: value only.
    assert_eq!(t["device-p99-latency"], json!({"value": 200000000.0}));
}

#[test]
fn github_custom_smaller_is_better_shape() {
    let v = as_json(ExportKind::Github, &pair(1.0));
    let arr = v.as_array().unwrap();
    // Wall and CPU per strategy; speed-up (bigger is better) is not in this format.
    assert_eq!(arr.len(), 4);
    assert_eq!(
        arr[2],
        json!({
            "name": "fleetbench/20-devices/lan/threads - median wall",
            "unit": "ms",
            "value": 165.0,
            "range": "± 1.5",
            "extra": "min: 164 ms\nmax: 167 ms\nruns: 5\nworkers: 20"
        })
    );
    for e in arr {
        let o = e.as_object().unwrap();
        assert!(o["name"].is_string() && o["unit"].is_string() && o["value"].is_number());
        assert!(
            o.keys()
                .all(|k| ["name", "unit", "value", "range", "extra"].contains(&k.as_str()))
        );
        assert!(!o["name"].as_str().unwrap().contains("speed-up"));
    }
}

#[test]
fn empty_reports_are_refused_not_exported_as_nothing() {
    let mut r = pair(1.0);
    r.strategies.clear();
    for k in ExportKind::ALL {
        assert!(matches!(render(k, &r), Err(ExportError::Empty)));
    }
}

#[test]
fn targets_and_kinds_parse() {
    assert_eq!(
        ExportTarget::parse("bencher=out/bmf.json").unwrap(),
        ExportTarget {
            kind: ExportKind::Bencher,
            path: "out/bmf.json".into()
        }
    );
    assert_eq!(ExportKind::parse("github").unwrap(), ExportKind::Github);
    assert!(matches!(
        ExportTarget::parse("bencher"),
        Err(ExportError::BadTarget(_))
    ));
    assert!(matches!(
        ExportTarget::parse("bencher="),
        Err(ExportError::BadTarget(_))
    ));
    assert!(matches!(
        ExportTarget::parse("csv=x"),
        Err(ExportError::UnknownFormat(_))
    ));
}

#[test]
fn every_target_is_rendered_or_none() {
    let r = pair(1.0);
    let targets = [
        ExportTarget::parse("bencher=b.json").unwrap(),
        ExportTarget::parse("github=g.json").unwrap(),
    ];
    let files = render_all(&r, &targets).unwrap();
    for ((path, bytes), (t, k)) in files.iter().zip(targets.iter().zip(ExportKind::ALL)) {
        assert_eq!(path, &t.path);
        assert_eq!(bytes, &render(k, &r).unwrap());
    }
    let mut empty = pair(1.0);
    empty.strategies.clear();
    assert!(render_all(&empty, &targets).is_err());
}
