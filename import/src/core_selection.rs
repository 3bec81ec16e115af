//! Which FHIR STU3 core StructureDefinitions the project needs, in two sets.
//!
//! **Model set** (`profiles/fhir-stu3/{types,resources}/`): what the typed model is generated
//! from. Resources: the ones the Blue Button server sends ([`SERVED_RESOURCES`]) and every
//! resource type that the recorded samples carry as `contained`. Datatypes: every definition
//! under `fhir-stu3/types/` reached from those resources' snapshot element types
//! (`type[].code`, and `type[].profile` where it names a core type, such as `SimpleQuantity`),
//! transitively, and through `baseDefinition`; plus `Element`, `BackboneElement` and all
//! primitive types ([`ALWAYS_TYPES`]). Reaching `Extension` reaches every type allowed in
//! `Extension.value[x]`.
//!
//! **Validation set** (`profiles/fhir-stu3/validation/{types,resources}/`): every other core
//! resource of `fhir-stu3/resources/` (all 119 STU3 resources together with the model set) and
//! the datatypes they reach by the same rules that the model set does not already have
//! (`Dosage`, `ElementDefinition`, `TriggerDefinition`...). Only the validator's tables read
//! them: the typed model (and its compile time) does not grow with them, while any STU3
//! resource is checked against its core definition. They keep their snapshot only: the
//! differential repeats part of it and nothing here reads it.
//!
//! Profiles of types that nothing refers to (`elementdefinition-de`) stay out of both.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::source::{list_files, read_json, read_json_as};
use super::structure_definition::{self, referenced_types};
use super::ImportError;

/// Resources the server sends, and their bases.
pub const SERVED_RESOURCES: &[&str] = &[
    "Resource",
    "DomainResource",
    "Patient",
    "Coverage",
    "ExplanationOfBenefit",
    "Bundle",
    "OperationOutcome",
    "CapabilityStatement",
];

/// Datatypes every model needs whether or not a resource names them.
pub const ALWAYS_TYPES: &[&str] = &[
    "Element",
    "BackboneElement",
    "boolean",
    "integer",
    "string",
    "decimal",
    "uri",
    "base64Binary",
    "instant",
    "date",
    "dateTime",
    "time",
    "code",
    "oid",
    "id",
    "markdown",
    "unsignedInt",
    "positiveInt",
    "uuid",
    "xhtml",
];

const CORE_BASE: &str = "http://hl7.org/fhir/StructureDefinition/";

/// Where a core definition lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CoreKind {
    /// `fhir-stu3/types/`
    Type,
    /// `fhir-stu3/resources/`
    Resource,
}

/// Who reads a core definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CoreSet {
    /// The typed model and the validator (`profiles/fhir-stu3/{types,resources}/`).
    Model,
    /// Only the validator (`profiles/fhir-stu3/validation/{types,resources}/`).
    Validation,
}

impl CoreSet {
    /// The directory of this set's definitions, relative to the workspace root.
    pub fn dir(self) -> &'static str {
        match self {
            CoreSet::Model => "profiles/fhir-stu3",
            CoreSet::Validation => "profiles/fhir-stu3/validation",
        }
    }
}

/// One selected core definition, already reduced to its facts.
#[derive(Debug)]
pub struct SelectedDefinition {
    /// The StructureDefinition `id` (`Patient`, `string`, `SimpleQuantity`).
    pub id: String,
    /// Type or resource.
    pub kind: CoreKind,
    /// The model set or the validation set.
    pub set: CoreSet,
    /// The facts-only form.
    pub facts: Value,
}

/// Just enough of a StructureDefinition to index it.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    url: Option<String>,
}

/// Resource types found as `contained` anywhere in the sample responses.
pub fn contained_resource_types(samples_dir: &Path) -> Result<BTreeSet<String>, ImportError> {
    let mut found = BTreeSet::new();
    for file in list_files(samples_dir, "", ".json")? {
        let value = read_json(&file)?;
        collect_contained(&value, &mut found, &file)?;
    }
    Ok(found)
}

fn collect_contained(value: &Value, found: &mut BTreeSet<String>, file: &Path) -> Result<(), ImportError> {
    match value {
        Value::Object(map) => {
            if let Some(contained) = map.get("contained") {
                let items = contained
                    .as_array()
                    .ok_or_else(|| ImportError::invalid(file, "`contained` must be an array of resources"))?;
                for item in items {
                    let resource_type = item
                        .get("resourceType")
                        .and_then(Value::as_str)
                        .ok_or_else(|| ImportError::invalid(file, "a contained resource has no resourceType"))?;
                    found.insert(resource_type.to_owned());
                }
            }
            for child in map.values() {
                collect_contained(child, found, file)?;
            }
        }
        Value::Array(items) => {
            for child in items {
                collect_contained(child, found, file)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Selects and reduces the core definitions (see the module documentation): the model set,
/// then the validation set.
pub fn select(fhir_dir: &Path, samples_dir: &Path) -> Result<Vec<SelectedDefinition>, ImportError> {
    let mut index: BTreeMap<String, (PathBuf, CoreKind)> = BTreeMap::new();
    for (dir, kind) in [(fhir_dir.join("types"), CoreKind::Type), (fhir_dir.join("resources"), CoreKind::Resource)] {
        for file in list_files(&dir, "StructureDefinition-", ".json")? {
            let head: Head = read_json_as(&file)?;
            if head.resource_type.as_deref() != Some("StructureDefinition") {
                return Err(ImportError::invalid(&file, "expected resourceType \"StructureDefinition\""));
            }
            let url = head.url.ok_or_else(|| ImportError::invalid(&file, "StructureDefinition without a url"))?;
            if let Some((other, _)) = index.get(&url) {
                return Err(ImportError::invalid(&file, format!("url {url} is also defined by {}", other.display())));
            }
            index.insert(url, (file, kind));
        }
    }

    let contained = contained_resource_types(samples_dir)?;
    // (url, who asked for it) so that a missing definition can be explained.
    let mut model_roots: Vec<(String, String)> = Vec::new();
    for name in SERVED_RESOURCES {
        model_roots.push((format!("{CORE_BASE}{name}"), "served resources".to_owned()));
    }
    for name in &contained {
        model_roots.push((format!("{CORE_BASE}{name}"), format!("contained in {}", samples_dir.display())));
    }
    for name in ALWAYS_TYPES {
        model_roots.push((format!("{CORE_BASE}{name}"), "always-imported types".to_owned()));
    }
    let validation_roots: Vec<(String, String)> = index
        .iter()
        .filter(|(_, (_, kind))| *kind == CoreKind::Resource)
        .map(|(url, _)| (url.clone(), "every core resource (validation)".to_owned()))
        .collect();

    let mut selected: BTreeMap<String, SelectedDefinition> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (set, roots) in [(CoreSet::Model, model_roots), (CoreSet::Validation, validation_roots)] {
        let mut queue = roots;
        queue.reverse();
        close_over(fhir_dir, &index, set, queue, &mut seen, &mut selected)?;
    }
    Ok(selected.into_values().collect())
}

/// Adds to `selected`, in `set`, the definitions in `queue` and everything they reach that is
/// not `seen` yet.
fn close_over(
    fhir_dir: &Path,
    index: &BTreeMap<String, (PathBuf, CoreKind)>,
    set: CoreSet,
    mut queue: Vec<(String, String)>,
    seen: &mut BTreeSet<String>,
    selected: &mut BTreeMap<String, SelectedDefinition>,
) -> Result<(), ImportError> {
    while let Some((url, wanted_by)) = queue.pop() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let Some((file, kind)) = index.get(&url) else {
            return Err(ImportError::invalid(
                fhir_dir,
                format!("no StructureDefinition with url {url} (needed by {wanted_by})"),
            ));
        };
        let source = read_json(file)?;
        let mut facts = structure_definition::facts(&source, file)?;
        if set == CoreSet::Validation {
            // The snapshot says everything the validator reads; the differential only repeats
            // part of it (a third of the size).
            if let Some(object) = facts.as_object_mut() {
                object.remove("differential");
            }
        }
        let id = facts
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ImportError::invalid(file, "StructureDefinition without an id"))?
            .to_owned();
        let wanted_here = format!("{}", file.display());
        if let Some(base) = facts.get("baseDefinition").and_then(Value::as_str) {
            queue.push((base.to_owned(), wanted_here.clone()));
        }
        for reference in referenced_types(&facts) {
            // A profile may name an extension or a profile outside the core types; only core
            // types and resources are followed. A type code must always resolve.
            if index.contains_key(&reference) {
                queue.push((reference, wanted_here.clone()));
            } else if !is_profile_only(&facts, &reference) {
                return Err(ImportError::invalid(
                    file,
                    format!("element type {reference} has no core StructureDefinition"),
                ));
            }
        }
        let definition = SelectedDefinition { id: id.clone(), kind: *kind, set, facts };
        if let Some(previous) = selected.insert(id, definition) {
            return Err(ImportError::invalid(file, format!("two selected definitions share the id {}", previous.id)));
        }
    }
    Ok(())
}

/// Whether `reference` occurs only as a `type[].profile` (not as a `type[].code`) in `facts`.
fn is_profile_only(facts: &Value, reference: &str) -> bool {
    let code = reference.strip_prefix(CORE_BASE);
    let elements = facts.pointer("/snapshot/element").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    !elements.iter().any(|element| {
        element
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| code.is_some() && t.get("code").and_then(Value::as_str) == code))
    })
}
