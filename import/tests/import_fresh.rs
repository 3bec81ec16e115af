//! The committed facts-only forms (`profiles/`, `coding-systems/`) are exactly what the
//! importer makes from `../shared/data`, and carry no prose.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use bluebutton_import::{self as import, codebook};

// Skipped where `../shared` is absent; a failure then under `CI=true`.
#[path = "../../tests/support/shared_data.rs"]
mod shared_data;

const REGENERATE: &str = "run `cargo run -p bluebutton-codegen -- import` and commit the result";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn committed_forms_are_fresh() {
    let root = workspace_root();
    let Some(shared) = shared_data::found(import::default_shared_dir(&root), "committed_forms_are_fresh") else {
        return;
    };
    let generated = import::import_to_memory(&shared).unwrap_or_else(|e| panic!("import: {e}"));

    let mut stale = Vec::new();
    for (relative, contents) in &generated {
        match fs::read(root.join(relative)) {
            Ok(committed) if committed == contents.as_bytes() => {}
            Ok(_) => stale.push(format!("differs: {}", relative.display())),
            Err(_) => stale.push(format!("missing: {}", relative.display())),
        }
    }
    let expected: BTreeSet<&PathBuf> = generated.keys().collect();
    for dir in import::OWNED_DIRS {
        for committed in import::committed_files(&root, Path::new(dir)).unwrap() {
            let is_readme = committed.file_name().is_some_and(|n| n == "README.md");
            if !is_readme && !expected.contains(&committed) {
                stale.push(format!("not generated: {}", committed.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the committed facts-only forms are stale ({} files):\n  {}\n{REGENERATE}",
        stale.len(),
        stale.join("\n  ")
    );
}

/// The house rule: no `"definition":`, `"comment":`, `"requirements":`, `<description>` or
/// `<comment>` in any committed file under `profiles/` or `coding-systems/`, and none of the
/// importer's prose keys in any JSON form. Runs without `../shared`.
#[test]
fn committed_forms_have_no_prose() {
    let root = workspace_root();
    let mut offenders = Vec::new();
    for dir in ["profiles", "coding-systems"] {
        for relative in import::committed_files(&root, Path::new(dir)).unwrap() {
            let Ok(text) = fs::read_to_string(root.join(&relative)) else {
                continue;
            };
            if let Some(found) = house_rule_violation(&text) {
                offenders.push(format!("{}: {found}", relative.display()));
            }
            let is_owned = import::OWNED_DIRS.iter().any(|owned| relative.starts_with(owned));
            if is_owned && relative.extension().is_some_and(|e| e == "json") {
                if let Some(found) = import::find_prose(&text) {
                    offenders.push(format!("{}: {found}", relative.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "prose in the facts-only forms:\n  {}\n{REGENERATE}", offenders.join("\n  "));
}

/// `"(definition|comment|requirements)"\s*:` or `<description>` / `<comment>`.
fn house_rule_violation(text: &str) -> Option<String> {
    for tag in ["<description>", "<comment>"] {
        if text.contains(tag) {
            return Some(tag.to_owned());
        }
    }
    for key in ["\"definition\"", "\"comment\"", "\"requirements\""] {
        for (at, _) in text.match_indices(key) {
            let rest = text[at + key.len()..].trim_start();
            if rest.starts_with(':') {
                return Some(format!("{key}:"));
            }
        }
    }
    None
}

#[test]
fn house_rule_check_finds_prose() {
    assert!(house_rule_violation("{\n  \"comment\" : \"x\"\n}").is_some());
    assert!(house_rule_violation("<comment>").is_some());
    assert!(house_rule_violation("{\"code\": \"comment\"}").is_none());
    assert!(import::find_prose("{\"a\": [{\"short\": \"x\"}]}").is_some());
    assert!(import::find_prose("{\"a\": [{\"code\": \"short\"}]}").is_none());
}

#[test]
fn codebook_keeps_odd_codes_and_collapses_display_whitespace() {
    let xml = r#"<codebook name="N" version="V">
  <variable id="CLM_X_CD" label="X" length="2" type="CHAR">
    <description><p>prose</p></description>
    <valueGroups><valueGroup>
      <value code="Blank">No
          value</value>
      <value code="**">Stars</value>
      <value code="81-99">  Range  </value>
      <value code="81-99">Range again</value>
    </valueGroup></valueGroups>
  </variable>
</codebook>"#;
    let book = codebook::parse(xml).unwrap();
    let json = codebook::to_json(&book);
    assert_eq!(
        json,
        serde_json::json!({"name": "N", "version": "V", "variables": [{
            "id": "CLM_X_CD", "label": "X", "length": "2", "type": "CHAR",
            "valueGroups": [[
                {"code": "Blank", "display": "No value"},
                {"code": "**", "display": "Stars"},
                {"code": "81-99", "display": "Range"},
                {"code": "81-99", "display": "Range again"}
            ]]
        }]})
    );
}
