//! Unit tests of `html` (kept beside it so the module reads as code).

use super::*;
use fleetbench_report::ErrorInfo;
use fleetbench_report::StrategyKind;
use fleetbench_report::testing::full_report;

/// Parses the page as XML (it is polyglot XHTML) and returns every text node joined.
fn well_formed(page: &str) -> String {
    let doc = roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("not well-formed: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "html");
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_self_contained(page: &str) {
    for bad in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import",
    ] {
        assert!(!page.contains(bad), "{bad} in a self-contained page");
    }
}

#[test]
fn report_page_is_well_formed_and_holds_every_strategy() {
    let r = full_report(3);
    let page = report_page(&r, &PageOptions::default());
    let text = well_formed(&page);
    assert_self_contained(&page);
    let doc = roxmltree::Document::parse_with_options(
        &page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let first_cells: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("table") && n.attribute("class") == Some("compare"))
        .flat_map(|t| t.descendants().filter(|n| n.has_tag_name("tr")))
        .filter_map(|tr| tr.children().find(|c| c.has_tag_name("td")))
        .map(|td| {
            td.descendants()
                .filter_map(|n| n.text())
                .collect::<String>()
        })
        .collect();
    let names: Vec<&str> = StrategyKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(first_cells, names, "the table's rows");
    // The plots are inline: the wall plot, the latency distribution and one timeline per
    // strategy.
    assert_eq!(page.matches("<svg").count(), 2 + StrategyKind::ALL.len());
    // The setup and the grouped errors (R3 timed out in every strategy).
    assert!(
        text.contains("3 devices, emulated (profile classic)"),
        "{text}"
    );
    assert!(text.contains("2 cores"), "{text}");
    assert!(text.contains("timeout"), "{text}");
    assert!(!text.contains("Interrupted."));
}

#[test]
fn hostile_text_is_escaped_and_control_characters_dropped() {
    let mut r = full_report(3);
    let d = &mut r.strategies[0].devices[0];
    d.name = "<R1 & \"core\">".into();
    d.ok = false;
    d.error = Some(ErrorInfo {
        kind: "prompt_not_seen".into(),
        message: "last output: \u{1b}[0m</td><script>".into(),
        phase: None,
        client_kind: None,
    });
    let page = report_page(&r, &PageOptions::default());
    let text = well_formed(&page);
    assert_self_contained(&page);
    assert!(text.contains("<R1 & \"core\">"), "{text}");
    assert!(text.contains("\\u{1b}[0m</td><script>"), "{text}");
}

#[test]
fn an_interrupted_run_says_so() {
    let mut r = full_report(4);
    for d in &mut r.strategies[0].devices[1..] {
        d.ok = false;
        d.error = Some(ErrorInfo {
            kind: fleetbench_report::kind::INTERRUPTED.into(),
            message: "run interrupted before this device finished".into(),
            phase: None,
            client_kind: None,
        });
    }
    r.strategies.truncate(2);
    let text = well_formed(&report_page(&r, &PageOptions::default()));
    assert!(text.contains("Interrupted."), "{text}");
    assert!(text.contains("sequential (3 devices never ran)"), "{text}");
    assert!(text.contains("partial"), "{text}");
}

#[test]
fn big_fleets_skip_timelines_and_cut_device_lists() {
    let r = full_report(12);
    let opts = PageOptions {
        timeline_max: 10,
        device_rows_max: 5,
        command_line: Some("fleetbench compare --emulate 12".into()),
        baseline: None,
    };
    let page = report_page(&r, &opts);
    let text = well_formed(&page);
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "only the wall plot and the distribution"
    );
    assert!(text.contains("Timelines are drawn for fleets up to 10 devices"));
    assert!(text.contains("The first 5 are listed; the JSON report has all 12."));
    assert!(text.contains("fleetbench compare --emulate 12"));
}

#[test]
fn sweep_page_holds_every_point_and_strategy() {
    let (a, b) = (full_report(1), full_report(3));
    let page = sweep_page(
        &SweepPage {
            title: "fleetbench sweep: profile classic".into(),
            about: vec!["1 measured run per point".into()],
            scaling: vec![(
                "scaling".into(),
                plot::scaling(
                    &[a.clone(), b.clone()]
                        .iter()
                        .flat_map(plot::ScalingPoint::from_report)
                        .collect::<Vec<_>>(),
                    "profile classic",
                ),
            )],
            points: vec![("1 device".into(), &a), ("3 devices".into(), &b)],
        },
        &PageOptions::default(),
    );
    let text = well_formed(&page);
    assert_self_contained(&page);
    for k in StrategyKind::ALL {
        assert!(text.matches(k.name()).count() >= 2, "{k}");
    }
    assert!(text.contains("1 device") && text.contains("3 devices"));
    // scaling + 2 x (wall + distribution + 5 timelines)
    assert_eq!(page.matches("<svg").count(), 1 + 2 * 7);
}

/// The page one sends to the team: the answer before any table, the failures as one matrix
/// (a row per kind, not one table per strategy), the distribution drawn.
#[test]
fn the_answer_comes_first_and_errors_are_one_matrix() {
    let r = full_report(3);
    let page = report_page(&r, &PageOptions::default());
    let text = well_formed(&page);
    let verdict = page.find("class=\"verdict\"").unwrap();
    assert!(
        verdict < page.find("<table").unwrap(),
        "the verdict is not first"
    );
    assert!(
        text.contains("ran ") && text.contains("times faster than"),
        "{text}"
    );
    let doc = roxmltree::Document::parse_with_options(
        &page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let errors = doc
        .descendants()
        .find(|n| n.has_tag_name("table") && n.attribute("class") == Some("errors"))
        .unwrap();
    let rows: Vec<_> = errors
        .descendants()
        .filter(|n| n.has_tag_name("tr") && n.attribute("class") == Some("kind"))
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "one row for the one kind (timeout), not one per strategy"
    );
    let text_of = |n: roxmltree::Node| -> String {
        n.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    };
    let cells: Vec<String> = rows[0]
        .children()
        .filter(|c| c.has_tag_name("td"))
        .map(text_of)
        .collect();
    // kind, phase, one count per strategy, devices, which.
    assert_eq!(cells.len(), 2 + StrategyKind::ALL.len() + 2, "{cells:?}");
    assert_eq!(cells[0], "timeout");
    assert!(cells[2..7].iter().all(|c| c == "1"), "{cells:?}");
    assert_eq!(cells[8], "R3");
    let detail = errors
        .descendants()
        .find(|n| n.has_tag_name("tr") && n.attribute("class") == Some("detail"))
        .map(text_of)
        .unwrap();
    assert!(
        detail.contains("docs/src/troubleshooting.md#timeout"),
        "{detail}"
    );
    assert!(
        detail.contains("What to do:") && detail.contains("timeout on R3"),
        "{detail}"
    );
    // The guide's `code` spans are code on the page, not backticks.
    assert!(
        !detail.contains('`') && detail.contains("--timeout SECS"),
        "{detail}"
    );
    assert!(
        text.contains("Session latency per strategy"),
        "no distribution drawn"
    );
}

#[test]
fn a_baseline_stands_beside_the_current_figures() {
    let r = full_report(3);
    let mut base = full_report(3);
    for s in &mut base.strategies {
        s.wall_s.median *= 0.5;
    }
    base.strategies.truncate(4);
    let opts = PageOptions {
        baseline: Some(base),
        ..Default::default()
    };
    let text = well_formed(&report_page(&r, &opts));
    assert!(text.contains("baseline median"), "{text}");
    assert!(text.contains("+100.0%"), "{text}");
    assert!(text.contains("new"), "rayon has no baseline: {text}");
}

#[test]
fn a_report_with_a_floor_shows_the_multiples_and_one_without_shows_no_section() {
    use fleetbench_report::Spread;
    use fleetbench_report::floor::{ClientCrypto, EmulatorCrypto, Exchange, Floor};
    let mut r = full_report(3);
    let without = well_formed(&report_page(&r, &PageOptions::default()));
    assert!(!without.contains("against the floor"), "{without}");
    let at = |median| Spread {
        min: median,
        median,
        max: median,
    };
    r.machine.floor = Some(Floor {
        iterations: 16,
        rounds: 3,
        client_crypto: Some(ClientCrypto {
            library: "OpenSSL <3>".into(),
            x25519_keypair: at(1e-3),
            x25519_agreement: at(1e-3),
            ed25519_verify: at(1e-3),
        }),
        emulator_crypto: Some(EmulatorCrypto {
            library: "dalek".into(),
            x25519_keypair: at(1e-3),
            x25519_agreement: at(1e-3),
            ed25519_sign: at(1e-3),
        }),
        exchange: Some(Exchange {
            client: at(1e-3),
            emulator: at(1e-3),
            ..Exchange::default()
        }),
    });
    r.compute_speedups();
    let text = well_formed(&report_page(&r, &PageOptions::default()));
    assert!(text.contains("CPU per session against the floor"), "{text}");
    assert!(
        text.contains("OpenSSL <3>"),
        "the library's name escaped: {text}"
    );
    let m = r.strategies[0]
        .floor_multiple
        .expect("a multiple per strategy");
    assert!(
        text.contains(&crate::present::human::times(m.client)),
        "{text}"
    );
}
