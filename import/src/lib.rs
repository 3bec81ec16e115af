//! `bluebutton-import`: official definitions in, facts-only forms out.
//!
//! The first stage of the generator, in a crate of its own so that the model's build (which
//! runs `bluebutton-codegen` on the committed forms) never compiles it: only this crate reads
//! XML. `bluebutton-codegen import` runs it.
//!
//! Reads `../shared/data` (the Blue Button IG, FHIR STU3 core, the CCW codebooks and the BFD
//! data dictionary) and writes the project's own, prose-free forms:
//!
//! | output | from |
//! | --- | --- |
//! | `profiles/fhir-stu3/{types,resources}/<id>.json` | core StructureDefinitions of the typed model ([`core_selection`]: the model set) |
//! | `profiles/fhir-stu3/validation/{types,resources}/<id>.json` | every other core resource, and the datatypes it reaches, for the validator only (the validation set) |
//! | `profiles/bb2ig/<file stem>.json` | the IG's 10 profiles and 131 extension definitions |
//! | `coding-systems/bb2ig/{CodeSystem,ValueSet}-*.json` | the IG's code systems and value sets |
//! | `coding-systems/fhir-stu3/{CodeSystem,ValueSet}-*.json`, `unresolved.json` | core terminology behind `required` bindings (of both sets) |
//! | `coding-systems/codebooks/<file stem>.json` | the codebook XML ([`codebook`]) |
//! | `coding-systems/data-dictionary/v1.json` | the data dictionary ([`data_dictionary`]) |
//! | `profiles/recorded/elements.json` | element counts of the recorded server responses ([`recorded`]) |
//!
//! Output is deterministic ([`canonical_json`]): re-running gives byte-identical files, and
//! `import/tests/import_fresh.rs` fails when the committed forms are stale. Nothing is
//! corrected here; the errata layer is separate.
//!
//! ```no_run
//! use std::path::Path;
//! let summary = bluebutton_import::run(Path::new("../shared/data"), Path::new("."))?;
//! println!("{summary}");
//! # Ok::<(), bluebutton_import::ImportError>(())
//! ```

pub mod canonical_json;
pub mod codebook;
pub mod core_selection;
pub mod data_dictionary;
mod error;
pub mod recorded;
mod source;
pub mod structure_definition;
pub mod terminology;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::ImportError;

use canonical_json::to_canonical_string;
use core_selection::CoreKind;
use source::{file_stem, list_files, read_json, read_text};

/// The directories the importer owns, relative to the workspace root: every file in them is
/// written by the importer, and files it no longer writes are removed.
pub const OWNED_DIRS: &[&str] = &[
    "profiles/fhir-stu3",
    "profiles/bb2ig",
    "profiles/recorded",
    "coding-systems/fhir-stu3",
    "coding-systems/bb2ig",
    "coding-systems/codebooks",
    "coding-systems/data-dictionary",
];

/// Keys of official definitions that are prose and must never reach the committed forms.
pub const PROSE_KEYS: &[&str] = &[
    "definition",
    "comment",
    "requirements",
    "description",
    "short",
    "alias",
    "mapping",
    "text",
    "human",
    "purpose",
    "copyright",
    "meaningWhenMissing",
    "example",
    "publisher",
    "contact",
    "note",
];

const PROFILES_README: &str = "\
# profiles/

Facts-only StructureDefinitions, generated from `../shared/data` by

    cargo run -p bluebutton-codegen -- import

Do not edit the generated files by hand: re-run the import (a test fails when they are stale).

- `fhir-stu3/types/`, `fhir-stu3/resources/`: the FHIR STU3 core datatypes and resources the
  typed model is generated from (the served resources, the resources the samples contain, and
  every datatype their elements reach).
- `fhir-stu3/validation/types/`, `fhir-stu3/validation/resources/`: every other STU3 core
  resource and the datatypes only they reach. Only the validator reads them (any STU3
  resource is checked against its core definition); no Rust types are generated from them.
- `bb2ig/`: the Blue Button 2.0 IG's profiles and extension definitions, as published.
- `recorded/elements.json`: what the recorded server versions send (`samples/v1-normalized`
  and `samples/history-normalized/*`): per profile and element path, how often the element was
  present in its parent and the most values it had, with where; counts only, no values. The
  validator's served target reads it as evidence (`codegen/src/validation/served.rs`).

Kept: ids, urls, names, paths, cardinalities, types, bindings, fixed and pattern values,
slicing, constraints (key, severity, expression). Left out: definitions, comments,
requirements, descriptions and other prose.
";

const CODING_SYSTEMS_README: &str = "\
# coding-systems/

Facts-only code systems and variable maps, generated from `../shared/data` by

    cargo run -p bluebutton-codegen -- import

Do not edit the generated files by hand: re-run the import (a test fails when they are stale).

- `bb2ig/`: the IG's CodeSystems and ValueSets.
- `fhir-stu3/`: the core ValueSets behind required bindings of the imported core definitions
  (both sets) and of the IG, and the CodeSystems they include; `unresolved.json` lists what the core package does not
  define (external code systems and value sets).
- `codebooks/`: the CCW codebooks, one file per codebook: variables, labels and coded values
  (codes exactly as written; display whitespace collapsed).
- `data-dictionary/v1.json`: the BFD data dictionary: per CCW variable, where it lives in the
  STU3 resources.

Codes and display strings are kept; definitions, comments and descriptions are left out.
";

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Number of generated files per output directory (relative, `/`-separated).
    pub files_by_dir: BTreeMap<String, usize>,
    /// Total size of the generated files in bytes.
    pub total_bytes: usize,
    /// Core datatypes imported (StructureDefinition ids).
    pub core_types: Vec<String>,
    /// Core resources imported.
    pub core_resources: Vec<String>,
    /// Bound value sets or included code systems the core package does not define.
    pub unresolved: Vec<String>,
    /// Files written because they were new or changed (only set by [`run`]).
    pub written: usize,
    /// Stale files removed from the owned directories (only set by [`run`]).
    pub removed: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.files_by_dir.values().sum();
        write!(
            f,
            "imported {total} files ({:.1} MiB; {} written, {} removed):",
            self.total_bytes as f64 / (1024.0 * 1024.0),
            self.written,
            self.removed
        )?;
        for (i, (dir, count)) in self.files_by_dir.iter().enumerate() {
            write!(f, "{} {dir} {count}", if i == 0 { "" } else { "," })?;
        }
        if self.unresolved.is_empty() {
            Ok(())
        } else {
            write!(f, "; unresolved: {}", self.unresolved.join(", "))
        }
    }
}

/// The generated files in memory, and what was chosen.
struct Import {
    files: BTreeMap<PathBuf, String>,
    summary: ImportSummary,
}

/// The default location of the official data: `../shared/data` beside the workspace root.
pub fn default_shared_dir(workspace_root: &Path) -> PathBuf {
    workspace_root.join("..").join("shared").join("data")
}

/// Runs the import without writing: relative output path → file contents.
pub fn import_to_memory(shared: &Path) -> Result<BTreeMap<PathBuf, String>, ImportError> {
    Ok(import(shared)?.files)
}

/// Runs the import and writes the forms under `out` (the workspace root). Unchanged files
/// are left alone; files in [`OWNED_DIRS`] that the import no longer produces are removed.
pub fn run(shared: &Path, out: &Path) -> Result<ImportSummary, ImportError> {
    let Import { files, mut summary } = import(shared)?;
    for (relative, contents) in &files {
        let target = out.join(relative);
        if fs::read(&target).is_ok_and(|existing| existing == contents.as_bytes()) {
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| ImportError::io(parent, e))?;
        }
        fs::write(&target, contents).map_err(|e| ImportError::io(&target, e))?;
        summary.written += 1;
    }
    for dir in OWNED_DIRS {
        for existing in committed_files(out, Path::new(dir))? {
            if !files.contains_key(&existing) {
                let target = out.join(&existing);
                fs::remove_file(&target).map_err(|e| ImportError::io(&target, e))?;
                summary.removed += 1;
            }
        }
    }
    Ok(summary)
}

/// Files under `root/dir` (recursively), as paths relative to `root`, sorted. A missing
/// directory has no files.
pub fn committed_files(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(relative) = stack.pop() {
        let full = root.join(&relative);
        let entries = match fs::read_dir(&full) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ImportError::io(&full, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| ImportError::io(&full, e))?;
            let child = relative.join(entry.file_name());
            let file_type = entry.file_type().map_err(|e| ImportError::io(&entry.path(), e))?;
            if file_type.is_dir() {
                stack.push(child);
            } else {
                found.push(child);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The first prose key (see [`PROSE_KEYS`]) or prose tag found in a generated file, if any.
pub fn find_prose(contents: &str) -> Option<String> {
    for tag in ["<description>", "<comment>"] {
        if contents.contains(tag) {
            return Some(tag.to_owned());
        }
    }
    let value: Value = serde_json::from_str(contents).ok()?;
    find_prose_key(&value).map(|key| format!("\"{key}\""))
}

fn find_prose_key(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, child)| {
            if PROSE_KEYS.contains(&key.as_str()) {
                Some(key.as_str())
            } else {
                find_prose_key(child)
            }
        }),
        Value::Array(items) => items.iter().find_map(find_prose_key),
        _ => None,
    }
}

fn import(shared: &Path) -> Result<Import, ImportError> {
    if !shared.is_dir() {
        return Err(ImportError::invalid(
            shared,
            "official data directory not found (expected ../shared/data beside the workspace)",
        ));
    }
    let mut files: BTreeMap<PathBuf, Value> = BTreeMap::new();
    let mut summary = ImportSummary::default();

    // FHIR STU3 core definitions.
    let fhir_dir = shared.join("fhir-stu3");
    let core = core_selection::select(&fhir_dir, &shared.join("samples").join("v1-normalized"))?;
    let mut bound: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for definition in &core {
        for (value_set, element) in structure_definition::required_bindings(&definition.facts) {
            bound.entry(value_set).or_default().insert(element);
        }
        let sub = match definition.kind {
            CoreKind::Type => {
                summary.core_types.push(definition.id.clone());
                "types"
            }
            CoreKind::Resource => {
                summary.core_resources.push(definition.id.clone());
                "resources"
            }
        };
        files.insert(
            Path::new(definition.set.dir()).join(sub).join(format!("{}.json", definition.id)),
            definition.facts.clone(),
        );
    }

    // The IG: profiles and extension definitions, code systems and value sets.
    let ig_dir = shared.join("bb2ig");
    for file in list_files(&ig_dir, "StructureDefinition-", ".json")? {
        let facts = structure_definition::facts(&read_json(&file)?, &file)?;
        let id = facts.get("id").and_then(Value::as_str).unwrap_or("?");
        for (value_set, element) in structure_definition::required_bindings(&facts) {
            bound.entry(value_set).or_default().insert(format!("{id}:{element}"));
        }
        files.insert(Path::new("profiles/bb2ig").join(format!("{}.json", file_stem(&file)?)), facts);
    }
    let mut ig_value_sets = BTreeSet::new();
    for (stem, facts) in terminology::import_directory(&ig_dir)? {
        if facts.get("resourceType").and_then(Value::as_str) == Some("ValueSet") {
            if let Some(url) = facts.get("url").and_then(Value::as_str) {
                ig_value_sets.insert(url.to_owned());
            }
        }
        files.insert(Path::new("coding-systems/bb2ig").join(format!("{stem}.json")), facts);
    }

    // Core terminology behind required bindings.
    let core_terminology = terminology::resolve_required(&bound, &ig_value_sets, &fhir_dir.join("terminology"))?;
    for (stem, facts) in core_terminology.files {
        files.insert(Path::new("coding-systems/fhir-stu3").join(format!("{stem}.json")), facts);
    }
    for entry in &core_terminology.unresolved {
        let value_set = entry.get("valueSet").and_then(Value::as_str).unwrap_or("?");
        summary.unresolved.push(match entry.get("codeSystem").and_then(Value::as_str) {
            Some(system) => format!("{value_set} (code system {system})"),
            None => value_set.to_owned(),
        });
    }
    files.insert(PathBuf::from("coding-systems/fhir-stu3/unresolved.json"), Value::Array(core_terminology.unresolved));

    // Codebooks.
    for file in list_files(&shared.join("codebooks"), "", ".xml")? {
        let xml = read_text(&file)?;
        let book = codebook::parse(&xml).map_err(|message| ImportError::invalid(&file, message))?;
        files.insert(
            Path::new("coding-systems/codebooks").join(format!("{}.json", file_stem(&file)?)),
            codebook::to_json(&book),
        );
    }

    // Data dictionary.
    let (dictionary, _) = data_dictionary::import_directory(&shared.join("data-dictionary").join("v1"))?;
    files.insert(PathBuf::from("coding-systems/data-dictionary/v1.json"), dictionary);

    // What the recorded server versions send (element counts, no values).
    files.insert(PathBuf::from(recorded::FILE), recorded::facts(&shared.join("samples"))?);

    let mut rendered = BTreeMap::new();
    for (relative, value) in files {
        let contents = to_canonical_string(&value);
        if let Some(prose) = find_prose(&contents) {
            return Err(ImportError::invalid(
                &relative,
                format!("generated form would contain prose ({prose}); the importer must drop it"),
            ));
        }
        let dir = relative.parent().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
        *summary.files_by_dir.entry(dir).or_default() += 1;
        summary.total_bytes += contents.len();
        rendered.insert(relative, contents);
    }
    rendered.insert(PathBuf::from("profiles/README.md"), PROFILES_README.to_owned());
    rendered.insert(PathBuf::from("coding-systems/README.md"), CODING_SYSTEMS_README.to_owned());
    Ok(Import { files: rendered, summary })
}
