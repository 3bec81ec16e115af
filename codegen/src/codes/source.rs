//! Reading the facts-only code-system files the importer writes under `coding-systems/`.
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `coding-systems/codebooks/codebook-<key>.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct CodebookFile {
    /// The file name without `codebook-` and `.json` (`ffs-claims`); not part of the JSON.
    #[serde(skip)]
    pub key: String,
    #[serde(default)]
    pub variables: Vec<CodebookVariable>,
}

/// One codebook variable, facts only.
#[derive(Debug, Clone, Deserialize)]
pub struct CodebookVariable {
    pub id: String,
    #[serde(default)]
    pub label: String,
    pub length: Option<String>,
    #[serde(rename = "type")]
    pub data_type: Option<String>,
    #[serde(rename = "valueGroups", default)]
    pub value_groups: Vec<Vec<CodebookValue>>,
}

/// One `<value code="…">display</value>`, code exactly as written.
#[derive(Debug, Clone, Deserialize)]
pub struct CodebookValue {
    pub code: String,
    #[serde(default)]
    pub display: String,
}

/// `coding-systems/bb2ig/CodeSystem-<id>.json`, facts only.
#[derive(Debug, Clone, Deserialize)]
pub struct IgCodeSystem {
    pub id: String,
    pub url: String,
    pub name: Option<String>,
    #[serde(default)]
    pub concept: Vec<IgConcept>,
}

/// One concept of an IG CodeSystem.
#[derive(Debug, Clone, Deserialize)]
pub struct IgConcept {
    pub code: String,
    pub display: Option<String>,
}

/// Everything read from one `coding-systems/` directory.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub codebooks: Vec<CodebookFile>,
    pub ig: Vec<IgCodeSystem>,
}

/// The files read from `<root>/coding-systems`, sorted: `codebooks/codebook-*.json` and
/// `bb2ig/CodeSystem-*.json` (a missing directory has none).
pub fn input_files(root: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let dir = root.join("coding-systems");
    let mut files = matching(&dir.join("codebooks"), "codebook-")?;
    files.extend(matching(&dir.join("bb2ig"), "CodeSystem-")?);
    Ok(files)
}

/// Reads every input file.
pub fn read(root: &Path) -> Result<Sources, Box<dyn std::error::Error>> {
    let mut sources = Sources::default();
    for path in input_files(root)? {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(key) = name.strip_prefix("codebook-").and_then(|n| n.strip_suffix(".json")) {
            let mut book: CodebookFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            book.key = key.to_string();
            sources.codebooks.push(book);
        } else {
            let system: IgCodeSystem = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            sources.ig.push(system);
        }
    }
    Ok(sources)
}

fn matching(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("{}: {e}", dir.display()).into()),
    };
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with(prefix) && name.ends_with(".json") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
