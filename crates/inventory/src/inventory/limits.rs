//! Limits that keep a hostile inventory file from exhausting memory or time: a size cap on
//! the file, read through a bounded reader (so `/dev/zero` or a FIFO cannot feed it forever),
//! UTF-8 checked with a location, and a byte budget on YAML alias expansion.
//!
//! saphyr resolves an alias by copying its anchor's subtree and budgets the number of nodes
//! copied, not their size: one 64 KiB scalar aliased 99 000 times is 99 000 nodes but 6 GB.
//! [`check_aliases`] walks the parser's events first (no tree is built) and adds up the bytes
//! every alias would copy; past the budget the file is refused before saphyr expands anything.

use super::error::{InventoryError, Location};
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;
use std::path::Path;

/// Largest inventory file read: 64 MiB, about 400 000 devices in netmiko's format.
pub const MAX_FILE_BYTES: u64 = crate::input::INVENTORY.bytes;
/// Most hosts an inventory may describe: what Ansible INI ranges (`r[1:1000]`) expand to is
/// checked against it, as a product over all of a pattern's ranges, before a name is made.
pub const MAX_HOSTS: u64 = 1_000_000;
/// Most group memberships resolved for one inventory (each distinct set of groups hosts are
/// in, with all the ancestors of those groups): shared ancestors are resolved once per group,
/// so only a graph built to explode reaches it.
pub const MAX_GROUP_MEMBERSHIPS: u64 = 50_000_000;
/// Least budget for bytes copied by alias expansion; a larger file gets four times its size.
/// Anchors shared by every device (a credentials block, say) stay far below it.
pub const MIN_ALIAS_BUDGET: u64 = 16 * 1024 * 1024;

/// Reads at most [`MAX_FILE_BYTES`] of `path`, a regular file, and checks that they are UTF-8.
pub fn read_bounded(path: &Path, origin: &str) -> Result<String, InventoryError> {
    use crate::input::{self, InputError};
    let bytes = input::read(path, input::INVENTORY).map_err(|e| match e {
        InputError::TooLarge { .. } => InventoryError::TooLarge {
            origin: origin.to_string(),
            limit: MAX_FILE_BYTES,
        },
        InputError::Io { source, .. } => InventoryError::Read {
            path: path.to_path_buf(),
            source,
        },
        refused @ InputError::NotRegular { .. } => InventoryError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(refused.reason()),
        },
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // `valid` is UTF-8 by definition, so its last line counts characters exactly.
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        InventoryError::NotUtf8 {
            at: Location {
                origin: origin.to_string(),
                line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
                column,
            },
        }
    })
}

/// The alias budget for a text of `len` bytes.
pub fn alias_budget(len: usize) -> u64 {
    MIN_ALIAS_BUDGET.max(4 * len as u64)
}

/// Refuses `text` when expanding its aliases would copy more than `budget` bytes. Syntax
/// errors are left to the loader, which reports them with their location.
pub fn check_aliases(text: &str, origin: &str, budget: u64) -> Result<(), InventoryError> {
    // No anchor, nothing to expand (and no second pass over a large plain inventory).
    if !text.contains('&') {
        return Ok(());
    }
    // Bytes a node stands for: its scalars' lengths plus one per node.
    let mut anchors: HashMap<usize, u64> = HashMap::new();
    // Open collections: their anchor id and their size so far.
    let mut open: Vec<(usize, u64)> = Vec::new();
    let mut copied: u64 = 0;
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else {
            return Ok(());
        };
        let (size, anchor) = match event {
            Event::Scalar(value, _, anchor, _) => (value.len() as u64 + 1, anchor),
            Event::Alias(id) => {
                let size = anchors.get(&id).copied().unwrap_or(1);
                copied = copied.saturating_add(size);
                if copied > budget {
                    return Err(InventoryError::AliasBudget {
                        at: Location {
                            origin: origin.to_string(),
                            line: span.start.line(),
                            column: span.start.col() + 1,
                        },
                        limit: budget,
                    });
                }
                (size, 0)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some((anchor, size)) => (size, anchor),
                None => continue,
            },
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, size);
        }
        if let Some((_, parent)) = open.last_mut() {
            *parent = parent.saturating_add(size);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_bytes_are_budgeted_not_alias_counts() {
        let big = "y".repeat(64 * 1024);
        let mut text = format!("x: &a \"{big}\"\nrouters:\n");
        for _ in 0..1000 {
            text.push_str("  - *a\n");
        }
        let e = check_aliases(&text, "f.yaml", alias_budget(text.len())).unwrap_err();
        assert!(matches!(e, InventoryError::AliasBudget { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.starts_with("f.yaml:"), "{msg}");
        assert!(msg.contains("16 MiB"), "{msg}");
        // Nested anchors count their whole subtree.
        let nested = "a: &a [x, y]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n";
        assert!(check_aliases(nested, "n", 30).is_err());
        assert!(check_aliases(nested, "n", 1000).is_ok());
    }

    #[test]
    fn shared_credentials_blocks_are_fine() {
        let mut text = String::from("defaults: &creds {username: u, password: p}\nrouters:\n");
        for i in 0..2000 {
            text.push_str(&format!(
                "  - {{host: 198.51.100.{}, extra: *creds}}\n",
                i % 250
            ));
        }
        check_aliases(&text, "f", alias_budget(text.len())).unwrap();
    }

    #[test]
    fn bounded_read_refuses_endless_and_non_utf8_files() {
        let e = read_bounded(Path::new("/dev/zero"), "/dev/zero").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        // A sparse file past the cap: refused from its size, before a byte is read.
        let big = dir.path().join("big.yaml");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_FILE_BYTES + 1)
            .unwrap();
        let e = read_bounded(&big, "big.yaml").unwrap_err();
        assert!(e.to_string().contains("64 MiB"), "{e}");
        let p = dir.path().join("latin1.yaml");
        std::fs::write(&p, b"routers:\n  - host: r\xe9seau\n").unwrap();
        let e = read_bounded(&p, "latin1.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "latin1.yaml:2:12: not UTF-8 text (save the file as UTF-8)"
        );
    }
}
