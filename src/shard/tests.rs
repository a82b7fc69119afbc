//! Unit tests of `shard` (kept beside it so the module reads as code).

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| m.get(k).cloned()
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("R{i}")).collect()
}

#[test]
fn origin_names_the_variables_and_the_way_out() {
    assert_eq!(origin(ShardSource::Flag, env(&[])), "from --shard");
    let slurm = env(&[
        (SLURM_ID_VAR, "3"),
        (SLURM_COUNT_VAR, "8"),
        (SLURM_MIN_VAR, "1"),
        ("SLURM_JOB_ID", "77"),
    ]);
    let (shard, source) = resolve(None, &slurm).unwrap().unwrap();
    assert_eq!((shard.index, shard.count), (2, 8));
    assert_eq!(
        origin(source, &slurm),
        "from the environment, a Slurm job array: SLURM_ARRAY_TASK_ID=3 \
         SLURM_ARRAY_TASK_COUNT=8 SLURM_ARRAY_TASK_MIN=1; --shard 0/1 polls the whole fleet"
    );
    let k8s = env(&[(K8S_INDEX_VAR, "0"), (COUNT_VAR, " 4 ")]);
    let (_, source) = resolve(None, &k8s).unwrap().unwrap();
    assert_eq!(
        origin(source, &k8s),
        "from the environment, a Kubernetes Indexed Job: JOB_COMPLETION_INDEX=0 \
         FLEETBENCH_SHARD_COUNT=4; --shard 0/1 polls the whole fleet"
    );
    // The way out it names is a valid shard: the whole fleet.
    let whole = Shard::parse("0/1").unwrap();
    assert_eq!(whole.select(&names(5)), vec![0, 1, 2, 3, 4]);
}

#[test]
fn parses_index_slash_count() {
    assert_eq!(Shard::parse("0/8").unwrap(), Shard { index: 0, count: 8 });
    assert_eq!(Shard::parse(" 7/8 ").unwrap(), Shard { index: 7, count: 8 });
    assert_eq!(Shard::parse("0/1").unwrap().to_string(), "0/1");
    for bad in [
        "", "3", "8/8", "9/8", "1/0", "-1/8", "+1/8", "a/8", "1/8/2", "1 / x",
    ] {
        assert!(Shard::parse(bad).is_err(), "{bad:?} accepted");
    }
    assert!(matches!(
        Shard::parse("8/8"),
        Err(ShardError::OutOfRange { index: 8, count: 8 })
    ));
    assert!(matches!(
        Shard::parse("0/1000000"),
        Err(ShardError::TooMany { .. })
    ));
    let msg = Shard::parse("8/8").unwrap_err().to_string();
    assert!(msg.contains("0..=7"), "{msg}");
}

#[test]
fn every_device_in_exactly_one_shard_and_balanced() {
    for (n, count) in [(1, 1), (10, 3), (4000, 8), (7, 7), (1000, 256)] {
        let names = names(n);
        let mut seen = vec![0usize; n];
        let mut sizes = Vec::new();
        for index in 0..count {
            let sel = Shard { index, count }.select(&names);
            assert!(sel.windows(2).all(|w| w[0] < w[1]), "positions ascend");
            sizes.push(sel.len());
            for p in sel {
                seen[p] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "n={n} count={count}");
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "sizes {sizes:?}");
    }
}

#[test]
fn split_does_not_depend_on_inventory_order() {
    let names = names(500);
    let mut shuffled = names.clone();
    shuffled.reverse();
    shuffled.swap(3, 400);
    let a = assign(&names, 8);
    let b = assign(&shuffled, 8);
    let owner_a: HashMap<&String, usize> = names.iter().zip(a).collect();
    for (name, shard) in shuffled.iter().zip(b) {
        assert_eq!(owner_a[name], shard, "{name} moved");
    }
    assert_eq!(fleet_digest(&names), fleet_digest(&shuffled));
    assert_ne!(fleet_digest(&names), fleet_digest(&names[1..]));
}

#[test]
fn selection_keeps_items_in_order_and_refuses_empty_shards() {
    let names = names(10);
    let sel = Selection::new(Shard::new(1, 3).unwrap(), ShardSource::Flag, &names).unwrap();
    let kept = sel.keep(names.clone());
    assert_eq!(kept.len(), sel.info.positions.len());
    for (k, p) in kept.iter().zip(&sel.info.positions) {
        assert_eq!(k, &names[*p]);
    }
    assert_eq!(sel.info.fleet_devices, 10);
    assert!(matches!(
        Selection::new(Shard::new(4, 5).unwrap(), ShardSource::Flag, &names[..3]),
        Err(ShardError::Empty { .. })
    ));
}

#[test]
fn flag_wins_over_the_environment() {
    let e = env(&[
        ("JOB_COMPLETION_INDEX", "3"),
        ("FLEETBENCH_SHARD_COUNT", "8"),
    ]);
    let flag = Shard::new(1, 2).unwrap();
    assert_eq!(
        resolve(Some(flag), &e).unwrap(),
        Some((flag, ShardSource::Flag))
    );
    assert_eq!(resolve(None, env(&[])).unwrap(), None);
}

#[test]
fn kubernetes_indexed_job() {
    let e = env(&[
        ("JOB_COMPLETION_INDEX", "3"),
        ("FLEETBENCH_SHARD_COUNT", "8"),
    ]);
    assert_eq!(
        resolve(None, e).unwrap(),
        Some((Shard::new(3, 8).unwrap(), ShardSource::KubernetesIndexedJob))
    );
    let err = resolve(None, env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap_err();
    assert!(err.to_string().contains("FLEETBENCH_SHARD_COUNT"), "{err}");
    let err = resolve(
        None,
        env(&[
            ("JOB_COMPLETION_INDEX", "8"),
            ("FLEETBENCH_SHARD_COUNT", "8"),
        ]),
    )
    .unwrap_err();
    assert!(matches!(err, ShardError::OutOfRange { .. }));
    let err = resolve(
        None,
        env(&[
            ("JOB_COMPLETION_INDEX", "x"),
            ("FLEETBENCH_SHARD_COUNT", "8"),
        ]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("JOB_COMPLETION_INDEX=\"x\""),
        "{err}"
    );
    // Kubernetes wins when both engines' variables are present.
    let both = env(&[
        ("JOB_COMPLETION_INDEX", "0"),
        ("FLEETBENCH_SHARD_COUNT", "2"),
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
    ]);
    assert_eq!(
        resolve(None, both).unwrap().unwrap().1,
        ShardSource::KubernetesIndexedJob
    );
}

#[test]
fn slurm_array_from_zero_from_one_and_with_a_step() {
    let e = env(&[
        ("SLURM_ARRAY_TASK_ID", "5"),
        ("SLURM_ARRAY_TASK_COUNT", "8"),
    ]);
    assert_eq!(
        resolve(None, e).unwrap(),
        Some((Shard::new(5, 8).unwrap(), ShardSource::SlurmArray))
    );
    // --array=1-8: ids 1..=8 are shards 0..=7.
    let e = env(&[
        ("SLURM_ARRAY_TASK_ID", "8"),
        ("SLURM_ARRAY_TASK_COUNT", "8"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
    ]);
    assert_eq!(
        resolve(None, e).unwrap().unwrap().0,
        Shard::new(7, 8).unwrap()
    );
    // --array=0-14:2: ids 0, 2, ..., 14 are shards 0..=7.
    let e = env(&[
        ("SLURM_ARRAY_TASK_ID", "6"),
        ("SLURM_ARRAY_TASK_COUNT", "8"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_STEP", "2"),
    ]);
    assert_eq!(
        resolve(None, e).unwrap().unwrap().0,
        Shard::new(3, 8).unwrap()
    );
    let e = env(&[
        ("SLURM_ARRAY_TASK_ID", "5"),
        ("SLURM_ARRAY_TASK_COUNT", "8"),
        ("SLURM_ARRAY_TASK_STEP", "2"),
    ]);
    assert!(resolve(None, e).is_err());
    let err = resolve(None, env(&[("SLURM_ARRAY_TASK_ID", "1")])).unwrap_err();
    assert!(err.to_string().contains("SLURM_ARRAY_TASK_COUNT"), "{err}");
    // A blank variable counts as unset.
    assert_eq!(
        resolve(None, env(&[("SLURM_ARRAY_TASK_ID", " ")])).unwrap(),
        None
    );
}
