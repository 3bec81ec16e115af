//! The BFD data dictionary (one JSON file per CCW variable): where each variable lives in the
//! STU3 resources.
//!
//! Kept per entry: `id`, `name` (a short label), `appliesTo`, `suppliedIn`, `bfdColumnName`,
//! `ccwMapping`, and the `fhirMapping` entries whose `version` is `STU3`, with `resource`,
//! `element`, `fhirPath`, `discriminator`, `additional` and `derived`. Left out: `description`,
//! `note`, `example`. Text is kept exactly as published (typos included): corrections belong to
//! the errata layer. Entries are sorted by `id`, then by file name.

use std::path::Path;

use serde_json::Value;

use super::source::{array_member, as_object, list_files, pick, read_json};
use super::ImportError;

const ENTRY_KEYS: &[&str] = &["id", "name", "appliesTo", "suppliedIn", "bfdColumnName", "ccwMapping"];
const MAPPING_KEYS: &[&str] = &["resource", "element", "fhirPath", "discriminator", "additional", "derived"];

/// The FHIR version whose mappings are kept.
pub const FHIR_VERSION: &str = "STU3";

/// Reads every `*.json` in `dir` into one sorted array.
pub fn import_directory(dir: &Path) -> Result<(Value, usize), ImportError> {
    let files = list_files(dir, "", ".json")?;
    let mut entries: Vec<(u64, String, Value)> = Vec::with_capacity(files.len());
    for file in &files {
        let value = read_json(file)?;
        let object = as_object(&value, file)?;
        let id = object
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| ImportError::invalid(file, "missing numeric `id`"))?;
        let mut out = pick(object, ENTRY_KEYS);
        let mut mappings = Vec::new();
        for (i, mapping) in array_member(object, "fhirMapping", "entry", file)?.iter().enumerate() {
            let mapping = mapping
                .as_object()
                .ok_or_else(|| ImportError::invalid(file, format!("fhirMapping[{i}]: expected an object")))?;
            if mapping.get("version").and_then(Value::as_str) == Some(FHIR_VERSION) {
                mappings.push(Value::Object(pick(mapping, MAPPING_KEYS)));
            }
        }
        out.insert("fhirMapping".to_owned(), Value::Array(mappings));
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        entries.push((id, name, Value::Object(out)));
    }
    entries.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let count = entries.len();
    Ok((Value::Array(entries.into_iter().map(|(_, _, v)| v).collect()), count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn keeps_stu3_mappings_without_prose() {
        let dir = std::env::temp_dir().join(format!("bb-dd-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("0002_b.json"),
            r#"{"id": 2, "name": "B", "description": "prose", "appliesTo": [], "suppliedIn": [],
                "bfdColumnName": "b", "ccwMapping": ["B"], "bfdDbType": "CHAR",
                "fhirMapping": [{"version": "R4", "resource": "X"},
                    {"version": "STU3", "resource": "Patient", "element": "e", "fhirPath": "",
                     "discriminator": [], "additional": [], "derived": "", "note": "n", "example": "x"}]}"#,
        )
        .unwrap();
        fs::write(dir.join("0001_a.json"), r#"{"id": 1, "name": "A", "fhirMapping": []}"#).unwrap();
        let (value, count) = import_directory(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(count, 2);
        assert_eq!(value[0]["id"], 1);
        let second = value[1].as_object().unwrap();
        let mut keys: Vec<&str> = second.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["appliesTo", "bfdColumnName", "ccwMapping", "fhirMapping", "id", "name", "suppliedIn"]);
        assert_eq!(
            value[1]["fhirMapping"],
            serde_json::json!([{"resource": "Patient", "element": "e", "fhirPath": "",
                "discriminator": [], "additional": [], "derived": ""}])
        );
    }
}
