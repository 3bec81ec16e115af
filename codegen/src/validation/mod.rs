//! The validation stage: the definitions (profiles, extension definitions, STU3 core) and
//! value sets → the validator's tables in `model/src/validate/`, in the generator's shape:
//!
//! - [`tree`] and [`resolve`]: every StructureDefinition snapshot becomes a tree of
//!   [`tree::Node`]s (element name, cardinality, types with profiles and target profiles, fixed
//!   and pattern values as JSON text, checked bindings, slicing, constraint keys); value sets
//!   are expanded from the code systems ([`value_sets`]); subtrees that only repeat what their
//!   type's own definition says are pruned (the validator falls back to the type's definition
//!   where an element lists no children), which keeps the tables small without changing what
//!   they mean;
//! - [`rules`]: the served target, the hand-written errata ([`rules::errata`]) and the rules
//!   derived from the dictionary, the codebooks and the recorded server versions
//!   ([`rules::served`]);
//! - [`ir`]: the result ([`Tables`]), printed by `bluebutton-codegen check --validation` and
//!   snapshot-tested on the fixtures (`codegen/tests/validation_tables.rs`);
//! - [`emit`]: the tables as Rust statics.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod emit;
pub mod ir;
pub mod resolve;
pub mod rules;
pub mod tree;
pub mod value_sets;

pub use ir::{Structure, Tables, ValueSetEntry};
pub use rules::{errata, served};

use crate::definitions::Definitions;

/// A claim type's profile, as the served rules need it (from the claim-type table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimProfile {
    /// The IG profile URL.
    pub profile: String,
    /// The claim type the data dictionary and the catalog name its fields by (`Carrier`).
    pub dictionary: String,
    /// The code of its eob-type coding (`CARRIER`).
    pub eob_type: String,
}

/// The core definitions' URL prefix: a type code `T` is defined at `<prefix>T`.
pub const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";

/// What the build needs from the rest of the generator.
pub struct Inputs<'a> {
    pub defs: &'a Definitions,
    /// The served URL of an IG extension URL (the URL map).
    pub served_url: &'a dyn Fn(&str) -> Option<String>,
    /// The codebook variable of an IG CodeSystem URL.
    pub variable_of_system: &'a dyn Fn(&str) -> Option<String>,
    /// Served variable → where the catalog places it.
    pub known_fields: BTreeMap<String, String>,
    /// The catalog's fields (where the dictionary and its errata place each variable).
    pub fields: &'a [crate::catalog::Field],
    /// The claim profiles, from the claim-type table.
    pub claim_profiles: Vec<ClaimProfile>,
    /// The blank value a variable's codebook defines (`codebook-ffs-claims: \`Blank\``), if any.
    pub blank_of: &'a dyn Fn(&str) -> Option<String>,
}

/// The files the tables are built from, beyond the definitions and the recorded facts (for
/// `rerun-if-changed`).
pub fn input_files(root: &Path) -> Vec<PathBuf> {
    let mut files = value_sets::input_files(root);
    files.push(root.join(errata::FILE));
    files
}
