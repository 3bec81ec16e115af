//! The generator as one call: definitions → IR → Rust files in a directory.
use std::fs;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::claim_types::ClaimTypes;
use crate::codes::{self, CodeSystems};
use crate::definitions::Definitions;
use crate::errata::{self, UrlMap};
use crate::types::emit;
use crate::types::ir::Model;
use crate::validation::{self, Tables};
use crate::views;

/// Loads `<root>/profiles`, builds the IR and writes the generated Rust into `out_dir`.
/// Returns the definition files read (for build scripts' `rerun-if-changed`).
pub fn generate_model(root: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    generate_model_parts(root, out_dir, Parts::default())
}

/// What [`generate_model_parts`] writes besides the types, codes, views and errata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The validator's tables (`validation.rs`): what the model crate's `validate` feature
    /// compiles.
    pub validation: bool,
}

impl Default for Parts {
    fn default() -> Self {
        Parts { validation: true }
    }
}

/// [`generate_model`], leaving out the `parts` not wanted.
pub fn generate_model_parts(
    root: &Path,
    out_dir: &Path,
    parts: Parts,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut inputs = Definitions::input_files(root)?;
    inputs.extend(CodeSystems::input_files(root)?);
    inputs.extend(Catalog::input_files(root));
    inputs.extend(validation::input_files(root));
    inputs.extend(ClaimTypes::input_files(root));
    let defs = Definitions::load(root)?;
    let model = Model::build(&defs)?;
    fs::create_dir_all(out_dir)?;
    let mut files = emit::emit(&model);
    let systems = CodeSystems::load(root)?;
    files.insert("codes.rs".into(), codes::emit(&systems));
    let catalog = Catalog::load(root)?;
    let enum_of = |variable: &str| systems.variable(variable).and_then(|v| v.enum_name.clone());
    let claim_types = ClaimTypes::load(root, &defs, &catalog)?;
    files.insert("claim_types.rs".into(), claim_types.emit());
    let (views, problems) = views::emit(&model, &catalog, &enum_of, &claim_types);
    if !problems.is_empty() {
        return Err(
            format!("{} field(s) cannot be placed in the model:\n{}", problems.len(), problems.join("\n")).into()
        );
    }
    files.insert("views.rs".into(), views);
    let url_map = UrlMap::build(root, &defs, &catalog, &systems)?;
    if !url_map.unmapped.is_empty() {
        return Err(format!("IG extensions without a served URL: {}", url_map.unmapped.join(", ")).into());
    }
    files.insert("errata.rs".into(), errata::emit(&url_map));
    if parts.validation {
        let tables = validation_tables(root, &defs, &url_map, &catalog, &systems)?;
        files.insert("validation.rs".into(), validation::emit::emit(&tables));
    }
    for (name, text) in files {
        let path = out_dir.join(name);
        // Leave unchanged files alone so their timestamps do not force rebuilds.
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text)?;
        }
    }
    Ok(inputs)
}

/// The views IR of `root`'s definitions, as [`generate_model`] builds it, and the fields that
/// cannot be placed (for `bluebutton-codegen check --views` and tests).
pub fn load_views(root: &Path) -> Result<(views::ir::Views, Vec<String>), Box<dyn std::error::Error>> {
    let defs = Definitions::load(root)?;
    let model = Model::build(&defs)?;
    let systems = CodeSystems::load(root)?;
    let catalog = Catalog::load(root)?;
    let enum_of = |variable: &str| systems.variable(variable).and_then(|v| v.enum_name.clone());
    let claim_types = ClaimTypes::load(root, &defs, &catalog)?;
    Ok(views::resolve::resolve(&model, &catalog, &enum_of, &claim_types))
}

/// The validator's tables, as [`generate_model`] builds them (for `bluebutton-codegen check
/// --validation` and tests).
pub fn load_validation_tables(root: &Path) -> Result<Tables, Box<dyn std::error::Error>> {
    let defs = Definitions::load(root)?;
    let catalog = Catalog::load(root)?;
    let systems = CodeSystems::load(root)?;
    let url_map = UrlMap::build(root, &defs, &catalog, &systems)?;
    validation_tables(root, &defs, &url_map, &catalog, &systems)
}

/// The validator's tables (`validation.rs`), with the served URL map, the codebook variables
/// behind the IG's CodeSystems, and the catalog's fields.
fn validation_tables(
    root: &Path,
    defs: &Definitions,
    url_map: &UrlMap,
    catalog: &Catalog,
    systems: &CodeSystems,
) -> Result<Tables, Box<dyn std::error::Error>> {
    let served_url =
        |published: &str| url_map.mappings.iter().find(|m| m.published == published).map(|m| m.served.clone());
    let variable_of_system = |system: &str| {
        systems.variables.iter().find(|v| v.published_system.as_deref() == Some(system)).map(|v| v.id.clone())
    };
    let mut known_fields = std::collections::BTreeMap::new();
    // The fields the current server sends: one only older versions sent is not served now.
    for field in catalog.fields.iter().filter(|f| f.current) {
        let source = if field.source.starts_with("erratum") {
            "coding-systems/errata/variables.json".to_string()
        } else {
            field.source.clone()
        };
        known_fields.entry(field.variable.clone()).or_insert(source);
    }
    let blank_of = |variable: &str| {
        let var = systems.variables.iter().find(|v| v.id == variable)?;
        var.blank.as_ref().map(|b| format!("{}: `{}`", b.codebook, b.written))
    };
    let inputs = validation::Inputs {
        defs,
        served_url: &served_url,
        variable_of_system: &variable_of_system,
        known_fields,
        fields: &catalog.fields,
        claim_profiles: crate::claim_types::Table::load(root)?
            .claim_types
            .into_iter()
            .map(|ct| validation::ClaimProfile {
                profile: ct.profile,
                dictionary: ct.dictionary,
                eob_type: ct.eob_type,
            })
            .collect(),
        blank_of: &blank_of,
    };
    Ok(Tables::build(root, &inputs)?)
}
