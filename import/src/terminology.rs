//! Facts-only CodeSystems and ValueSets, and the choice of the FHIR core ones the project
//! needs: the value sets behind `required` bindings, and the code systems they draw on whole
//! or through a filter (a value set that lists its codes needs no code system).
//!
//! Kept: identity (`id`, `url`, `name`, `version`, `status`), `content`, `valueSet`,
//! `caseSensitive`, `hierarchyMeaning`, concepts (`code`, `display`, nested `concept`), the
//! compose rules (`system`, `version`, `concept` code and display, `filter`, `valueSet`) and
//! expansions (`system`, `code`, `display`, nested `contains`). Left out: narrative,
//! descriptions, concept definitions and designations, publisher, contact, copyright.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::source::{
    array_member, as_object, expect_resource_type, file_stem, list_files, pick, read_json, read_json_as,
};
use super::ImportError;

const CODE_SYSTEM_KEYS: &[&str] = &[
    "resourceType",
    "id",
    "url",
    "name",
    "version",
    "status",
    "content",
    "valueSet",
    "caseSensitive",
    "hierarchyMeaning",
];
const VALUE_SET_KEYS: &[&str] = &["resourceType", "id", "url", "name", "version", "status"];
const CONCEPT_KEYS: &[&str] = &["code", "display"];
const COMPOSE_RULE_KEYS: &[&str] = &["system", "version", "valueSet"];
const FILTER_KEYS: &[&str] = &["property", "op", "value"];
const CONTAINS_KEYS: &[&str] = &["system", "code", "display"];

/// The facts of a CodeSystem.
pub fn code_system_facts(code_system: &Value, path: &Path) -> Result<Value, ImportError> {
    let object = as_object(code_system, path)?;
    expect_resource_type(object, "CodeSystem", path)?;
    let mut out = pick(object, CODE_SYSTEM_KEYS);
    if object.contains_key("concept") {
        out.insert("concept".to_owned(), concepts(object, "concept", "concept", path)?);
    }
    Ok(Value::Object(out))
}

/// `concept` lists, nested to any depth (`code`, `display`, `concept`).
fn concepts(parent: &Map<String, Value>, key: &str, at: &str, path: &Path) -> Result<Value, ImportError> {
    let items = array_member(parent, key, at, path)?;
    let mut kept = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let object = item.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
        let mut out = pick(object, CONCEPT_KEYS);
        if object.contains_key("concept") {
            out.insert("concept".to_owned(), concepts(object, "concept", &format!("{at}.concept"), path)?);
        }
        kept.push(Value::Object(out));
    }
    Ok(Value::Array(kept))
}

/// The facts of a ValueSet.
pub fn value_set_facts(value_set: &Value, path: &Path) -> Result<Value, ImportError> {
    let object = as_object(value_set, path)?;
    expect_resource_type(object, "ValueSet", path)?;
    let mut out = pick(object, VALUE_SET_KEYS);
    if let Some(compose) = object.get("compose") {
        let compose = compose.as_object().ok_or_else(|| ImportError::invalid(path, "`compose` must be an object"))?;
        let mut compose_out = Map::new();
        for key in ["include", "exclude"] {
            if !compose.contains_key(key) {
                continue;
            }
            let rules = array_member(compose, key, "compose", path)?;
            let mut kept = Vec::with_capacity(rules.len());
            for (i, rule) in rules.iter().enumerate() {
                kept.push(compose_rule(rule, &format!("compose.{key}[{i}]"), path)?);
            }
            compose_out.insert(key.to_owned(), Value::Array(kept));
        }
        out.insert("compose".to_owned(), Value::Object(compose_out));
    }
    if let Some(expansion) = object.get("expansion") {
        let expansion =
            expansion.as_object().ok_or_else(|| ImportError::invalid(path, "`expansion` must be an object"))?;
        let mut expansion_out = Map::new();
        if expansion.contains_key("contains") {
            expansion_out.insert("contains".to_owned(), contains(expansion, "expansion.contains", path)?);
        }
        out.insert("expansion".to_owned(), Value::Object(expansion_out));
    }
    Ok(Value::Object(out))
}

fn compose_rule(rule: &Value, at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = rule.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    let mut out = pick(object, COMPOSE_RULE_KEYS);
    for (member, keys) in [("concept", CONCEPT_KEYS), ("filter", FILTER_KEYS)] {
        if object.contains_key(member) {
            let items = array_member(object, member, at, path)?;
            let mut kept = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item = item
                    .as_object()
                    .ok_or_else(|| ImportError::invalid(path, format!("{at}.{member}[{i}]: expected an object")))?;
                kept.push(Value::Object(pick(item, keys)));
            }
            out.insert(member.to_owned(), Value::Array(kept));
        }
    }
    Ok(Value::Object(out))
}

fn contains(parent: &Map<String, Value>, at: &str, path: &Path) -> Result<Value, ImportError> {
    let items = array_member(parent, "contains", at, path)?;
    let mut kept = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let object = item.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
        let mut out = pick(object, CONTAINS_KEYS);
        if object.contains_key("contains") {
            out.insert("contains".to_owned(), contains(object, &at, path)?);
        }
        kept.push(Value::Object(out));
    }
    Ok(Value::Array(kept))
}

/// Facts of every `CodeSystem-*.json` and `ValueSet-*.json` directly in `dir`, by file stem.
pub fn import_directory(dir: &Path) -> Result<BTreeMap<String, Value>, ImportError> {
    let mut out = BTreeMap::new();
    for file in list_files(dir, "CodeSystem-", ".json")? {
        out.insert(file_stem(&file)?, code_system_facts(&read_json(&file)?, &file)?);
    }
    for file in list_files(dir, "ValueSet-", ".json")? {
        out.insert(file_stem(&file)?, value_set_facts(&read_json(&file)?, &file)?);
    }
    Ok(out)
}

/// Just enough of a terminology resource to index it.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    url: Option<String>,
}

/// The `url` of a ValueSet reference without a `|version` suffix.
fn canonical(reference: &str) -> &str {
    reference.split('|').next().unwrap_or(reference)
}

/// The core value sets and code systems behind required bindings.
#[derive(Debug, Default)]
pub struct CoreTerminology {
    /// Facts by output file stem (`ValueSet-address-use`, `CodeSystem-address-use`).
    pub files: BTreeMap<String, Value>,
    /// What could not be resolved, sorted: `{valueSet, codeSystem?, reason, elements?}`.
    pub unresolved: Vec<Value>,
}

/// Resolves the required bindings (`reference -> element ids`) against the core terminology
/// in `dir`. References in `defined_elsewhere` (the IG's own value sets) are skipped.
pub fn resolve_required(
    bindings: &BTreeMap<String, BTreeSet<String>>,
    defined_elsewhere: &BTreeSet<String>,
    dir: &Path,
) -> Result<CoreTerminology, ImportError> {
    let mut value_sets: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut code_systems: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in list_files(dir, "", ".json")? {
        let head: Head = read_json_as(&file)?;
        let index = match head.resource_type.as_deref() {
            Some("ValueSet") => &mut value_sets,
            Some("CodeSystem") => &mut code_systems,
            _ => continue,
        };
        let Some(url) = head.url else {
            return Err(ImportError::invalid(&file, "terminology resource without a url"));
        };
        if let Some(other) = index.get(&url) {
            return Err(ImportError::invalid(&file, format!("url {url} is also defined by {}", other.display())));
        }
        index.insert(url, file);
    }

    let mut result = CoreTerminology::default();
    // Keyed by (value set, code system) so that each gap is reported once, in order.
    let mut unresolved: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut queue: Vec<String> = Vec::new();
    for (reference, elements) in bindings {
        let url = canonical(reference);
        if defined_elsewhere.contains(url) {
            continue;
        }
        if value_sets.contains_key(url) {
            queue.push(url.to_owned());
        } else {
            let entry = unresolved_entry(
                reference,
                None,
                "no ValueSet with this url in fhir-stu3/terminology (external)",
                Some(elements),
            );
            unresolved.insert((reference.clone(), String::new()), entry);
        }
    }
    queue.sort();
    queue.reverse();

    let mut seen = BTreeSet::new();
    while let Some(url) = queue.pop() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let Some(file) = value_sets.get(&url) else {
            continue;
        };
        let facts = value_set_facts(&read_json(file)?, file)?;
        for rule in compose_rules(&facts) {
            if let Some(system) = rule.get("system").and_then(Value::as_str) {
                // A rule that lists its codes needs nothing of the code system to be expanded
                // (`instance-availability` lists 4 codes of the 250 kB DICOM code system).
                let lists_codes = rule.get("concept").is_some() && rule.get("filter").is_none();
                if let Some(cs_file) = code_systems.get(system) {
                    if let Entry::Vacant(slot) = result.files.entry(file_stem(cs_file)?) {
                        if !lists_codes {
                            slot.insert(code_system_facts(&read_json(cs_file)?, cs_file)?);
                        }
                    }
                } else {
                    let reason = if rule.get("concept").is_some() {
                        "code system not defined in fhir-stu3/terminology (external); \
                         the ValueSet lists the codes it takes from it"
                    } else {
                        "code system not defined in fhir-stu3/terminology (external)"
                    };
                    let entry = unresolved_entry(&url, Some(system), reason, None);
                    unresolved.insert((url.clone(), system.to_owned()), entry);
                }
            }
            for reference in included_value_sets(rule) {
                let target = canonical(reference);
                if value_sets.contains_key(target) {
                    queue.push(target.to_owned());
                } else {
                    let reason = format!("included by {url}; no ValueSet with this url in fhir-stu3/terminology");
                    let entry = unresolved_entry(reference, None, &reason, None);
                    unresolved.insert((reference.to_owned(), String::new()), entry);
                }
            }
        }
        result.files.insert(file_stem(file)?, facts);
    }
    result.unresolved = unresolved.into_values().collect();
    Ok(result)
}

/// The include and exclude rules of a facts-only ValueSet.
fn compose_rules(value_set: &Value) -> impl Iterator<Item = &Value> {
    ["/compose/include", "/compose/exclude"]
        .into_iter()
        .filter_map(|pointer| value_set.pointer(pointer).and_then(Value::as_array))
        .flatten()
}

/// `compose.include[].valueSet`: an array of urls in STU3.
fn included_value_sets(rule: &Value) -> Vec<&str> {
    match rule.get("valueSet") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(url)) => vec![url.as_str()],
        _ => Vec::new(),
    }
}

/// One entry of `unresolved.json`.
fn unresolved_entry(
    value_set: &str,
    code_system: Option<&str>,
    reason: &str,
    elements: Option<&BTreeSet<String>>,
) -> Value {
    let mut entry = Map::new();
    entry.insert("valueSet".to_owned(), Value::String(value_set.to_owned()));
    if let Some(system) = code_system {
        entry.insert("codeSystem".to_owned(), Value::String(system.to_owned()));
    }
    entry.insert("reason".to_owned(), Value::String(reason.to_owned()));
    if let Some(elements) = elements {
        entry.insert("elements".to_owned(), Value::Array(elements.iter().cloned().map(Value::String).collect()));
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn code_system_keeps_codes_and_nesting_only() {
        let cs = json!({"resourceType": "CodeSystem", "id": "x", "url": "u", "description": "d",
            "publisher": "p", "concept": [{"code": "a", "display": "A", "definition": "prose",
                "designation": [], "concept": [{"code": "b", "definition": "prose"}]}]});
        let out = code_system_facts(&cs, Path::new("cs.json")).unwrap();
        assert_eq!(
            out,
            json!({"resourceType": "CodeSystem", "id": "x", "url": "u",
                "concept": [{"code": "a", "display": "A", "concept": [{"code": "b"}]}]})
        );
    }

    #[test]
    fn value_set_keeps_compose_rules() {
        let vs = json!({"resourceType": "ValueSet", "id": "v", "text": {"div": "x"},
            "compose": {"include": [{"system": "s", "concept": [{"code": "a", "display": "A",
                "extension": [{"url": "x", "valueString": "def"}]}],
                "filter": [{"property": "concept", "op": "is-a", "value": "_X"}]}]}});
        let out = value_set_facts(&vs, Path::new("vs.json")).unwrap();
        assert_eq!(
            out,
            json!({"resourceType": "ValueSet", "id": "v",
                "compose": {"include": [{"system": "s", "concept": [{"code": "a", "display": "A"}],
                    "filter": [{"property": "concept", "op": "is-a", "value": "_X"}]}]}})
        );
    }

    #[test]
    fn wrong_resource_type_names_the_file() {
        let err = value_set_facts(&json!({"resourceType": "CodeSystem"}), Path::new("f.json")).unwrap_err().to_string();
        assert!(err.starts_with("f.json: expected resourceType \"ValueSet\""), "{err}");
    }
}
