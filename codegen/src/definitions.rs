//! Loading the facts-only definitions (`profiles/`) that the importer writes.
//!
//! These are StructureDefinitions with the prose removed; only the parts the IR needs are
//! deserialized here, everything else is ignored.
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::recorded::{Recorded, RECORDED_FILE};

/// A StructureDefinition (datatype, resource, profile or extension definition).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StructureDefinition {
    pub url: String,
    pub name: String,
    pub kind: String,
    #[serde(rename = "abstract", default)]
    pub is_abstract: bool,
    #[serde(rename = "type")]
    pub type_: String,
    pub base_definition: Option<String>,
    pub derivation: Option<String>,
    pub snapshot: Option<ElementList>,
    pub differential: Option<ElementList>,
}

/// The elements of a snapshot or differential.
#[derive(Debug, Clone, Deserialize)]
pub struct ElementList {
    pub element: Vec<ElementDefinition>,
}

/// One ElementDefinition, facts only.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementDefinition {
    pub id: Option<String>,
    pub path: String,
    pub slice_name: Option<String>,
    pub min: Option<u32>,
    pub max: Option<String>,
    #[serde(rename = "type", default)]
    pub types: Vec<TypeRef>,
    pub content_reference: Option<String>,
    pub binding: Option<Binding>,
    #[serde(default)]
    pub representation: Vec<String>,
    pub slicing: Option<Slicing>,
    #[serde(default)]
    pub is_modifier: bool,
    #[serde(default)]
    pub is_summary: bool,
    /// `fixed[x]`, `pattern[x]` and anything else not named above.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl ElementDefinition {
    /// The `fixed[x]` value, as (type suffix, JSON value).
    pub fn fixed(&self) -> Option<(&str, &Value)> {
        self.prefixed("fixed")
    }

    /// The `pattern[x]` value, as (type suffix, JSON value).
    pub fn pattern(&self) -> Option<(&str, &Value)> {
        self.prefixed("pattern")
    }

    fn prefixed(&self, prefix: &str) -> Option<(&str, &Value)> {
        self.other.iter().find_map(|(k, v)| {
            let suffix = k.strip_prefix(prefix)?;
            suffix.starts_with(|c: char| c.is_ascii_uppercase()).then_some((suffix, v))
        })
    }
}

/// A type of an element.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeRef {
    /// Absent on the `value` element of primitive types (their type is a JSON/XML schema type).
    pub code: Option<String>,
    pub profile: Option<String>,
    pub target_profile: Option<String>,
}

/// A terminology binding.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub strength: String,
    pub value_set_reference: Option<Reference>,
    pub value_set_uri: Option<String>,
}

impl Binding {
    /// The bound value set's URL, however it is given.
    pub fn value_set(&self) -> Option<&str> {
        self.value_set_uri.as_deref().or_else(|| self.value_set_reference.as_ref().and_then(|r| r.reference.as_deref()))
    }
}

/// A FHIR Reference (only `reference` is used).
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
}

/// Slicing of an element.
#[derive(Debug, Clone, Deserialize)]
pub struct Slicing {
    #[serde(default)]
    pub discriminator: Vec<Discriminator>,
    #[serde(default)]
    pub ordered: bool,
    pub rules: Option<String>,
}

/// A slicing discriminator.
#[derive(Debug, Clone, Deserialize)]
pub struct Discriminator {
    #[serde(rename = "type")]
    pub type_: String,
    pub path: String,
}

/// Every definition the generator reads, by canonical URL.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// Core datatypes and resources of the typed model (`profiles/fhir-stu3/{types,resources}/`).
    pub core: BTreeMap<String, StructureDefinition>,
    /// The other core resources, and the datatypes only they reach
    /// (`profiles/fhir-stu3/validation/`): read by the validator's tables, not by the model.
    pub validation: BTreeMap<String, StructureDefinition>,
    /// IG profiles and extension definitions (`profiles/bb2ig/`).
    pub ig: BTreeMap<String, StructureDefinition>,
    /// What the recorded server versions sent (`profiles/recorded/elements.json`; none in
    /// small test sets).
    pub recorded: Recorded,
}

/// Where the core definitions only the validator reads live, relative to the workspace root.
pub const VALIDATION_DIR: &str = "profiles/fhir-stu3/validation";

/// A definition file that could not be read.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

impl Definitions {
    /// Loads `<root>/profiles/fhir-stu3/**/*.json` (those under `fhir-stu3/validation/` into
    /// [`Definitions::validation`]) and `<root>/profiles/bb2ig/*.json` (any directory may be
    /// missing, e.g. in small test sets).
    pub fn load(root: &Path) -> Result<Self, LoadError> {
        let mut defs = Definitions::default();
        let validation_dir = root.join(VALIDATION_DIR);
        for file in json_files(&root.join("profiles/fhir-stu3"))? {
            let sd = read_sd(&file)?;
            let map = if file.starts_with(&validation_dir) { &mut defs.validation } else { &mut defs.core };
            map.insert(sd.url.clone(), sd);
        }
        for file in json_files(&root.join("profiles/bb2ig"))? {
            let sd = read_sd(&file)?;
            defs.ig.insert(sd.url.clone(), sd);
        }
        defs.recorded =
            Recorded::load(root).map_err(|message| LoadError { path: root.join(RECORDED_FILE), message })?;
        Ok(defs)
    }

    /// Every file path the definitions were read from (for `cargo:rerun-if-changed`).
    pub fn input_files(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
        let mut files = json_files(&root.join("profiles/fhir-stu3"))?;
        files.extend(json_files(&root.join("profiles/bb2ig"))?);
        files.push(root.join(RECORDED_FILE));
        Ok(files)
    }
}

fn read_sd(path: &Path) -> Result<StructureDefinition, LoadError> {
    let text = fs::read_to_string(path).map_err(|e| LoadError { path: path.into(), message: e.to_string() })?;
    serde_json::from_str(&text).map_err(|e| LoadError { path: path.into(), message: e.to_string() })
}

/// The `.json` files under `dir`, recursively, sorted (a missing directory has none).
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).map_err(|e| LoadError { path: d.clone(), message: e.to_string() })?;
        for entry in entries {
            let path = entry.map_err(|e| LoadError { path: d.clone(), message: e.to_string() })?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
