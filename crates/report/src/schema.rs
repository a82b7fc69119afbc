//! The report's JSON Schema, generated from the types of this crate, so the committed
//! `report.schema.json` (beside this crate's `Cargo.toml`) cannot drift from the code: a test
//! compares them and says how to regenerate the file.

/// The JSON Schema of a [`crate::Report`] (deserialization rules: a field the reader
/// defaults is optional, so reports written by older versions validate).
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(crate::Report)
}

/// [`schema`] as the committed file holds it: pretty JSON and a final newline.
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Set to rewrite `report.schema.json` from the code instead of comparing.
    const WRITE_VAR: &str = "FLEETBENCH_WRITE_SCHEMA";

    #[test]
    fn the_committed_schema_is_the_generated_one() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("report.schema.json");
        let generated = schema_json();
        if std::env::var_os(WRITE_VAR).is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} differs from the report types' schema. If the change to the report is \
             intended (additive fields only: old reports must keep reading), regenerate it \
             with:\n  {WRITE_VAR}=1 cargo test -p fleetbench-report schema\nand commit it.",
            path.display()
        );
    }

    #[test]
    fn the_schema_names_the_report_s_contract_fields() {
        let s = schema_json();
        for field in [
            "\"schema\"",
            "\"strategies\"",
            "\"wall_s\"",
            "\"devices\"",
            "\"histograms\"",
        ] {
            assert!(s.contains(field), "{field} missing from the schema");
        }
    }
}
