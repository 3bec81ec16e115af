//! Facts-only StructureDefinitions: identity, kind, base, and per element the path,
//! cardinality, types, binding, fixed and pattern values, slicing and constraints.
//!
//! Prose (`definition`, `comment`, `requirements`, `short`, `alias`, `mapping`, `example`,
//! `meaningWhenMissing`, `orderMeaning`, binding and slicing descriptions, constraint `human`
//! text, the narrative, publisher and contact) is left out. Nothing is corrected: the published
//! definition is kept as it is apart from the prose.

use std::path::Path;

use serde_json::{Map, Value};

use super::source::{array_member, as_object, expect_resource_type, filter_extensions, pick, pick_value};
use super::ImportError;

const EXT_BASE: &str = "http://hl7.org/fhir/StructureDefinition/";

/// `StructureDefinition` members kept at the top level (besides `snapshot` and `differential`).
const DEFINITION_KEYS: &[&str] = &[
    "resourceType",
    "id",
    "url",
    "name",
    "version",
    "fhirVersion",
    "kind",
    "abstract",
    "type",
    "baseDefinition",
    "derivation",
    "contextType",
    "context",
    "status",
];

/// Element members copied as they are.
const ELEMENT_KEYS: &[&str] = &[
    "id",
    "path",
    "sliceName",
    "min",
    "max",
    "contentReference",
    "maxLength",
    "condition",
    "isModifier",
    "isSummary",
    "mustSupport",
    "representation",
];

/// Element members that are choices (`fixedUri`, `patternCodeableConcept`, ...), copied whole:
/// their values are data, not prose.
const ELEMENT_CHOICE_PREFIXES: &[&str] = &["fixed", "pattern", "defaultValue", "minValue", "maxValue"];

const TYPE_KEYS: &[&str] = &["code", "profile", "targetProfile", "aggregation", "versioning"];
const CONSTRAINT_KEYS: &[&str] = &["key", "severity", "expression", "xpath", "source"];
const BASE_KEYS: &[&str] = &["path", "min", "max"];
const DISCRIMINATOR_KEYS: &[&str] = &["type", "path"];
const VALUE_SET_REFERENCE_KEYS: &[&str] = &["reference", "display"];

fn ext(name: &str) -> String {
    format!("{EXT_BASE}{name}")
}

/// Turns a published StructureDefinition into its facts-only form.
pub fn facts(definition: &Value, path: &Path) -> Result<Value, ImportError> {
    let object = as_object(definition, path)?;
    expect_resource_type(object, "StructureDefinition", path)?;
    let mut out = pick(object, DEFINITION_KEYS);
    for part in ["snapshot", "differential"] {
        let Some(section) = object.get(part) else {
            continue;
        };
        let section =
            section.as_object().ok_or_else(|| ImportError::invalid(path, format!("`{part}` must be an object")))?;
        let elements = array_member(section, "element", part, path)?;
        let mut kept = Vec::with_capacity(elements.len());
        for (i, element) in elements.iter().enumerate() {
            kept.push(element_facts(element, &format!("{part}.element[{i}]"), path)?);
        }
        let mut section_out = Map::new();
        section_out.insert("element".to_owned(), Value::Array(kept));
        out.insert(part.to_owned(), Value::Object(section_out));
    }
    Ok(Value::Object(out))
}

fn element_facts(element: &Value, at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = element.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    let at = match object.get("id").and_then(Value::as_str) {
        Some(id) => format!("{at} ({id})"),
        None => at.to_owned(),
    };
    let mut out = pick(object, ELEMENT_KEYS);
    for (key, value) in object {
        if is_choice_of(key, ELEMENT_CHOICE_PREFIXES) {
            out.insert(key.clone(), value.clone());
        }
    }
    if let Some(base) = object.get("base") {
        out.insert("base".to_owned(), pick_value(base, BASE_KEYS, &format!("{at}.base"), path)?);
    }
    if let Some(types) = object.get("type") {
        let types =
            types.as_array().ok_or_else(|| ImportError::invalid(path, format!("{at}: `type` must be an array")))?;
        let mut kept = Vec::with_capacity(types.len());
        for (i, t) in types.iter().enumerate() {
            kept.push(type_facts(t, &format!("{at}.type[{i}]"), path)?);
        }
        out.insert("type".to_owned(), Value::Array(kept));
    }
    if let Some(binding) = object.get("binding") {
        out.insert("binding".to_owned(), binding_facts(binding, &format!("{at}.binding"), path)?);
    }
    if let Some(slicing) = object.get("slicing") {
        out.insert("slicing".to_owned(), slicing_facts(slicing, &format!("{at}.slicing"), path)?);
    }
    if let Some(constraints) = object.get("constraint") {
        let constraints = constraints
            .as_array()
            .ok_or_else(|| ImportError::invalid(path, format!("{at}: `constraint` must be an array")))?;
        let mut kept = Vec::with_capacity(constraints.len());
        for (i, c) in constraints.iter().enumerate() {
            kept.push(pick_value(c, CONSTRAINT_KEYS, &format!("{at}.constraint[{i}]"), path)?);
        }
        out.insert("constraint".to_owned(), Value::Array(kept));
    }
    if let Some(extensions) = object.get("extension") {
        let urls = [ext("structuredefinition-explicit-type-name"), ext("structuredefinition-regex")];
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        if let Some(kept) = filter_extensions(extensions, &urls, &at, path)? {
            out.insert("extension".to_owned(), kept);
        }
    }
    Ok(Value::Object(out))
}

/// `fixedUri` is a choice of `fixed`; `fixed` alone or `fixedness` are not.
fn is_choice_of(key: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        key.strip_prefix(prefix).and_then(|rest| rest.chars().next()).is_some_and(|c| c.is_ascii_uppercase())
    })
}

fn type_facts(t: &Value, at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = t.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    let mut out = pick(object, TYPE_KEYS);
    // The primitive types' `.value` elements carry their JSON and XML types on `_code`, and
    // their lexical pattern as a `structuredefinition-regex` extension.
    let kept_urls =
        [ext("structuredefinition-regex"), ext("structuredefinition-json-type"), ext("structuredefinition-xml-type")];
    let kept_urls: Vec<&str> = kept_urls.iter().map(String::as_str).collect();
    if let Some(extensions) = object.get("extension") {
        if let Some(kept) = filter_extensions(extensions, &kept_urls, at, path)? {
            out.insert("extension".to_owned(), kept);
        }
    }
    if let Some(code_ext) = object.get("_code") {
        let code_ext = code_ext
            .as_object()
            .ok_or_else(|| ImportError::invalid(path, format!("{at}: `_code` must be an object")))?;
        if let Some(extensions) = code_ext.get("extension") {
            if let Some(kept) = filter_extensions(extensions, &kept_urls, &format!("{at}._code"), path)? {
                let mut code_out = Map::new();
                code_out.insert("extension".to_owned(), kept);
                out.insert("_code".to_owned(), Value::Object(code_out));
            }
        }
    }
    Ok(Value::Object(out))
}

fn binding_facts(binding: &Value, at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = binding.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    let mut out = pick(object, &["strength", "valueSetUri"]);
    if let Some(reference) = object.get("valueSetReference") {
        out.insert(
            "valueSetReference".to_owned(),
            pick_value(reference, VALUE_SET_REFERENCE_KEYS, &format!("{at}.valueSetReference"), path)?,
        );
    }
    if let Some(extensions) = object.get("extension") {
        let name = ext("elementdefinition-bindingName");
        if let Some(kept) = filter_extensions(extensions, &[name.as_str()], at, path)? {
            out.insert("extension".to_owned(), kept);
        }
    }
    Ok(Value::Object(out))
}

fn slicing_facts(slicing: &Value, at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = slicing.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    let mut out = pick(object, &["ordered", "rules"]);
    if let Some(discriminators) = object.get("discriminator") {
        let discriminators = discriminators
            .as_array()
            .ok_or_else(|| ImportError::invalid(path, format!("{at}: `discriminator` must be an array")))?;
        let mut kept = Vec::with_capacity(discriminators.len());
        for (i, d) in discriminators.iter().enumerate() {
            kept.push(pick_value(d, DISCRIMINATOR_KEYS, &format!("{at}.discriminator[{i}]"), path)?);
        }
        out.insert("discriminator".to_owned(), Value::Array(kept));
    }
    Ok(Value::Object(out))
}

/// The type codes and profile URLs an imported definition's snapshot refers to: what the
/// selection of core datatypes follows.
pub fn referenced_types(definition: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let elements = definition.pointer("/snapshot/element").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    for element in elements {
        let types = element.get("type").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        for t in types {
            if let Some(code) = t.get("code").and_then(Value::as_str) {
                found.push(format!("{EXT_BASE}{code}"));
            }
            if let Some(profile) = t.get("profile").and_then(Value::as_str) {
                found.push(profile.to_owned());
            }
        }
    }
    found
}

/// Every required binding in a facts-only definition: (value set reference, element id).
pub fn required_bindings(definition: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for part in ["/snapshot/element", "/differential/element"] {
        let elements = definition.pointer(part).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        for element in elements {
            let Some(binding) = element.get("binding") else {
                continue;
            };
            if binding.get("strength").and_then(Value::as_str) != Some("required") {
                continue;
            }
            let reference = binding
                .pointer("/valueSetReference/reference")
                .or_else(|| binding.get("valueSetUri"))
                .and_then(Value::as_str);
            let id = element.get("id").or_else(|| element.get("path")).and_then(Value::as_str).unwrap_or("?");
            if let Some(reference) = reference {
                found.push((reference.to_owned(), id.to_owned()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_prose_keeps_facts() {
        let sd = json!({
            "resourceType": "StructureDefinition", "id": "x", "url": "u", "description": "prose",
            "text": {"div": "<div/>"}, "mapping": [],
            "snapshot": {"element": [{
                "id": "X.a", "path": "X.a", "short": "s", "definition": "d", "comment": "c",
                "requirements": "r", "alias": ["a"], "min": 0, "max": "1",
                "fixedUri": "http://x", "patternCoding": {"code": "c"},
                "type": [{"code": "string", "_code": {"extension": [
                    {"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-rdf-type", "valueString": "r"}]}}],
                "binding": {"strength": "required", "description": "d",
                    "valueSetReference": {"reference": "vs"},
                    "extension": [
                        {"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-bindingName", "valueString": "N"},
                        {"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-isCommonBinding", "valueBoolean": true}]},
                "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open", "description": "d"},
                "constraint": [{"key": "k", "severity": "error", "human": "h", "expression": "e", "requirements": "r"}],
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-translatable", "valueBoolean": true}]
            }]}
        });
        let out = facts(&sd, Path::new("t.json")).unwrap();
        assert_eq!(
            out,
            json!({
                "resourceType": "StructureDefinition", "id": "x", "url": "u",
                "snapshot": {"element": [{
                    "id": "X.a", "path": "X.a", "min": 0, "max": "1",
                    "fixedUri": "http://x", "patternCoding": {"code": "c"},
                    "type": [{"code": "string"}],
                    "binding": {"strength": "required", "valueSetReference": {"reference": "vs"},
                        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-bindingName", "valueString": "N"}]},
                    "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"},
                    "constraint": [{"key": "k", "severity": "error", "expression": "e"}]
                }]}
            })
        );
    }

    #[test]
    fn names_the_bad_element() {
        let sd = json!({"resourceType": "StructureDefinition",
            "snapshot": {"element": [{"id": "X.a", "type": "string"}]}});
        let err = facts(&sd, Path::new("t.json")).unwrap_err().to_string();
        assert!(err.contains("t.json") && err.contains("X.a") && err.contains("`type`"), "{err}");
    }
}
