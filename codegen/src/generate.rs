//! The generator as one call: definitions → IR → Rust files in a directory.
use std::fs;
use std::path::{Path, PathBuf};

use crate::codes::{self, CodeSystems};
use crate::definitions::Definitions;
use crate::emit;
use crate::ir::Model;

/// Loads `<root>/profiles`, builds the IR and writes the generated Rust into `out_dir`.
/// Returns the definition files read (for build scripts' `rerun-if-changed`).
pub fn generate_model(root: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let inputs = Definitions::input_files(root)?;
    let defs = Definitions::load(root)?;
    let model = Model::build(&defs)?;
    fs::create_dir_all(out_dir)?;
    let mut files = emit::emit(&model);
    files.insert("codes.rs".into(), codes::emit(&CodeSystems::load(root)?));
    for (name, text) in files {
        let path = out_dir.join(name);
        // Leave unchanged files alone so their timestamps do not force rebuilds.
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text)?;
        }
    }
    Ok(inputs)
}
