//! The architecture's invariants that the compiler does not keep by itself, checked from the
//! sources and Cargo.lock (no build, no network): no module of a crate imports one that
//! imports it back; no domain module of the application imports the presentation layer or
//! the command line; the model crate pulls in no runtime or SSH library, the emulator no
//! libssh2, the link emulator neither SSH library; every library crate forbids printing and
//! names its layout. ARCHITECTURE.md states them; run alone with
//! `cargo test --test it architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The source folders: the application's `src/` and every library crate's.
fn crates() -> Vec<(String, PathBuf)> {
    let mut out = vec![("fleetbench".to_string(), root().join("src"))];
    let mut libs: Vec<_> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("src/lib.rs").is_file())
        .collect();
    libs.sort();
    for p in libs {
        let name = format!("fleetbench-{}", p.file_name().unwrap().to_string_lossy());
        out.push((name, p.join("src")));
    }
    out
}

/// A module path: `["strategy", "processes", "pool"]`; the crate root is empty.
type Module = Vec<String>;

/// Every non-test source file of a crate, by module path.
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap().with_extension("");
            let mut m: Module = rel
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            let last = m.last().cloned().unwrap_or_default();
            if last == "tests" || last == "testing" || last.ends_with("_tests") {
                continue;
            }
            if ["mod", "lib", "main"].contains(&last.as_str()) {
                m.pop();
            }
            out.insert(m, std::fs::read_to_string(&p).unwrap());
        }
    }
    out
}

/// `text` without comments, string literals and a trailing `#[cfg(test)] mod tests { .. }`.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            while it.peek().is_some_and(|&(_, c)| c != '\n') {
                it.next();
            }
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(text.len(), |k| i + k + 2);
            while it.peek().is_some_and(|&(k, _)| k < end) {
                it.next();
            }
        } else if c == '"' {
            while let Some((_, c)) = it.next() {
                match c {
                    '\\' => {
                        it.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            out.push_str("\"\"");
        } else if c == '\'' && (rest.starts_with("'\\") || rest.chars().nth(2) == Some('\'')) {
            // A char literal ('"', '\n'); lifetimes ('a) are left alone.
            let end = rest[1..].find('\'').map_or(text.len(), |k| i + k + 2);
            while it.peek().is_some_and(|&(k, _)| k < end) {
                it.next();
            }
        } else {
            out.push(c);
        }
    }
    match out.find("#[cfg(test)]\nmod tests") {
        Some(k) => out[..k].to_string(),
        None => out,
    }
}

/// The paths a file names through `crate::` or `super::`, `use` groups expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    fn expand(prefix: &[String], body: &str, out: &mut Vec<Vec<String>>) {
        let mut depth = 0;
        let mut items = vec![String::new()];
        for c in body.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(String::new());
                    continue;
                }
                _ => {}
            }
            if let Some(last) = items.last_mut() {
                last.push(c);
            }
        }
        for item in items {
            let item = item.split(" as ").next().unwrap_or("").trim().to_string();
            if item.is_empty() {
                continue;
            }
            match item.find("::{") {
                Some(k) if item.ends_with('}') => {
                    let mut p = prefix.to_vec();
                    p.extend(item[..k].split("::").map(str::to_string));
                    expand(&p, &item[k + 3..item.len() - 1], out);
                }
                _ => {
                    let mut p = prefix.to_vec();
                    p.extend(item.split("::").map(|s| s.trim().to_string()));
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    let words: Vec<(usize, &str)> = code
        .match_indices(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .fold((0, Vec::new()), |(start, mut v), (k, sep)| {
            v.push((start, &code[start..k]));
            (k + sep.len(), v)
        })
        .1;
    for (at, w) in words {
        let w = w.trim_end_matches(':');
        if !(w.starts_with("crate::") || w.starts_with("super::") || w == "crate" || w == "super") {
            continue;
        }
        let rest = &code[at + w.len()..];
        if let Some(body) = rest.strip_prefix("::{") {
            // `use crate::a::{b, c::d}`: the matching brace.
            let mut depth = 1;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    depth += i32::from(c == '{') - i32::from(c == '}');
                    depth == 0
                })
                .map_or(body.len(), |(k, _)| k);
            let prefix: Vec<String> = w.split("::").map(str::to_string).collect();
            expand(&prefix, &body[..end], &mut out);
        } else {
            out.push(w.split("::").map(str::to_string).collect());
        }
    }
    out
}

/// The module a path names: the longest prefix that is a module of the crate.
fn resolve(me: &Module, path: &[String], mods: &BTreeSet<Module>) -> Option<Module> {
    let mut abs: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        _ => me.clone(),
    };
    let rest = if path.first().map(String::as_str) == Some("crate") {
        &path[1..]
    } else {
        path
    };
    let mut it = rest.iter().peekable();
    while it.peek().map(|s| s.as_str()) == Some("super") {
        abs.pop();
        it.next();
    }
    abs.extend(it.filter(|s| s.as_str() != "self").cloned());
    (0..=abs.len())
        .rev()
        .map(|k| abs[..k].to_vec())
        .find(|m| mods.contains(m))
}

/// Module `a` imports module `b` (a file of `a`'s subtree names something in `b`'s).
fn import_graph(mods: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let names: BTreeSet<Module> = mods.keys().cloned().collect();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (me, text) in mods {
        for p in paths(&code(text)) {
            if let Some(t) = resolve(me, &p, &names)
                && t != *me
                // A parent reaching into its own submodules is containment, not an import.
                && !t.starts_with(me)
            {
                g.entry(me.clone()).or_default().insert(t);
            }
        }
    }
    g
}

/// Import loops between sibling modules (each taken with its submodules), at every level:
/// the strongly connected components of more than one sibling.
fn loops(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let mut parents: BTreeSet<Module> = BTreeSet::new();
    for m in g.keys().chain(g.values().flatten()) {
        for k in 0..m.len() {
            parents.insert(m[..k].to_vec());
        }
    }
    let mut out = Vec::new();
    for p in parents {
        // Edges between the children of `p`.
        let child =
            |m: &Module| (m.len() > p.len() && m.starts_with(&p)).then(|| m[..=p.len()].to_vec());
        let mut sg: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (a, ts) in g {
            let Some(ca) = child(a) else { continue };
            for t in ts {
                if let Some(ct) = child(t).filter(|ct| *ct != ca) {
                    sg.entry(ca.clone()).or_default().insert(ct);
                }
            }
        }
        out.extend(components(&sg).into_iter().filter(|c| c.len() > 1));
    }
    out
}

/// Strongly connected components (Kosaraju).
fn components(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let nodes: BTreeSet<Module> = g.keys().chain(g.values().flatten()).cloned().collect();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    fn visit(
        n: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        seen: &mut BTreeSet<Module>,
        order: &mut Vec<Module>,
    ) {
        if !seen.insert(n.clone()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, seen, order);
        }
        order.push(n.clone());
    }
    for n in &nodes {
        visit(n, g, &mut seen, &mut order);
    }
    let mut rev: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (a, ts) in g {
        for t in ts {
            rev.entry(t.clone()).or_default().insert(a.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        if assigned.contains(n) {
            continue;
        }
        let mut comp = Vec::new();
        let mut stack = vec![n.clone()];
        while let Some(m) = stack.pop() {
            if !assigned.insert(m.clone()) {
                continue;
            }
            stack.extend(rev.get(&m).into_iter().flatten().cloned());
            comp.push(m);
        }
        comp.sort();
        out.push(comp);
    }
    out
}

fn show(c: &[Module]) -> String {
    c.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" <-> ")
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut found = Vec::new();
    for (name, src) in crates() {
        for c in loops(&import_graph(&modules(&src))) {
            found.push(format!("{name}: {}", show(&c)));
        }
    }
    assert!(found.is_empty(), "import loops: {found:#?}");
}

#[test]
fn the_loop_finder_finds_a_loop() {
    let file = |code: &str| code.to_string();
    let mods: BTreeMap<Module, String> = [
        (vec![], file("mod a; mod b; mod c;")),
        (vec!["a".into()], file("use crate::b::Thing;")),
        (vec!["b".into()], file("use crate::{c::{self, Other}};")),
        (
            vec!["c".into()],
            file("fn f() { super::a::g() } // crate::b in a comment"),
        ),
        (vec!["c".into(), "d".into()], file("use super::super::b;")),
    ]
    .into_iter()
    .collect();
    let g = import_graph(&mods);
    let l = loops(&g);
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(show(&l[0]), "a <-> b <-> c");
    // Comments and strings are not imports.
    assert_eq!(
        paths(&code("// crate::x\n let s = \"crate::y\";")),
        Vec::<Vec<String>>::new()
    );
}

#[test]
fn no_domain_module_imports_the_presentation_or_the_command_line() {
    let mods = modules(&root().join("src"));
    let g = import_graph(&mods);
    let top = |m: &Module| m.first().cloned().unwrap_or_default();
    let mut bad = Vec::new();
    for (a, ts) in &g {
        for t in ts {
            let (from, to) = (top(a), top(t));
            let wrong = match to.as_str() {
                // The command line is the top: only main.rs (the crate root) calls it.
                "cli" => from != "cli",
                // Presentation sits under the command line only.
                "present" => from != "cli" && from != "present",
                _ => false,
            };
            if wrong {
                bad.push(format!("{} -> {}", a.join("::"), t.join("::")));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
    // And the rule can fail: a domain module reaching up is caught.
    let mut fake = mods.clone();
    fake.insert(vec!["compare".into()], "use crate::present::table;".into());
    let g = import_graph(&fake);
    assert!(
        g[&vec!["compare".to_string()]].contains(&vec!["present".to_string(), "table".to_string()])
    );
}

/// What each package needs, from Cargo.lock (every kind of dependency, dev included).
fn lock() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let mut out = BTreeMap::new();
    for block in text.split("[[package]]").skip(1) {
        let field = |k: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = \"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        let Some(name) = field("name") else { continue };
        let deps = block
            .split_once("dependencies = [")
            .map(|(_, rest)| rest.split(']').next().unwrap_or(""))
            .unwrap_or("")
            .lines()
            .filter_map(|l| l.trim().trim_end_matches(',').strip_prefix('"'))
            .map(|d| {
                d.trim_end_matches('"')
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        out.insert(name, deps);
    }
    out
}

fn closure(lock: &BTreeMap<String, Vec<String>>, of: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![of.to_string()];
    while let Some(p) = stack.pop() {
        if seen.insert(p.clone()) {
            stack.extend(lock.get(&p).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn the_model_has_no_runtime_and_the_emulators_no_ssh_client() {
    let lock = lock();
    let forbidden: &[(&str, &[&str])] = &[
        (
            "fleetbench-report",
            &["tokio", "russh", "ssh2", "libssh2-sys"],
        ),
        ("fleetbench-units", &["tokio", "russh", "ssh2"]),
        ("fleetbench-inventory", &["tokio", "russh", "ssh2"]),
        ("fleetbench-netem", &["russh", "ssh2"]),
        (
            "fleetbench-emulator",
            &["ssh2", "libssh2-sys", "fleetbench-client"],
        ),
    ];
    for (krate, none) in forbidden {
        let deps = closure(&lock, krate);
        assert!(lock.contains_key(*krate), "{krate} not in Cargo.lock");
        for n in *none {
            assert!(!deps.contains(*n), "{krate} depends on {n}");
        }
    }
    // The model depends on nothing of fleetbench.
    let model: Vec<&String> = lock["fleetbench-report"]
        .iter()
        .filter(|d| d.starts_with("fleetbench"))
        .collect();
    assert!(model.is_empty(), "{model:?}");
}

#[test]
fn every_library_crate_forbids_printing_and_names_its_layout() {
    for (name, src) in crates().into_iter().skip(1) {
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        assert!(
            lib.contains("#![deny(clippy::print_stdout, clippy::print_stderr)]"),
            "{name} may print"
        );
        assert!(lib.contains("//! # Layout"), "{name} has no layout list");
    }
}
