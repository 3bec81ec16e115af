//! What the recorded server versions sent: the element occurrence facts the importer writes
//! to `profiles/recorded/elements.json` (counts per resource kind and element path, never
//! values). Two stages read them as evidence: the validator's served target
//! (`validation::rules::served`) and the type layout (`types::layout`, which holds the members
//! the server rarely sends apart).
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// The recorded element facts, relative to the workspace root.
pub const RECORDED_FILE: &str = "profiles/recorded/elements.json";

/// The recorded facts of one element path.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedElement {
    pub path: String,
    pub parents: usize,
    pub present: usize,
    pub max: usize,
    #[serde(default)]
    pub max_at: Option<String>,
    #[serde(default)]
    pub absent_at: Option<String>,
    pub versions: Vec<String>,
    #[serde(default)]
    pub max_in: Vec<String>,
    #[serde(default)]
    pub absent_in: Vec<String>,
}

/// The kind of resource a set of facts is about: what decides the profile it is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedKind {
    pub resource: String,
    /// Reached as a contained resource (checked against its core definition).
    pub contained: bool,
    /// A claim's eob-type code (`CARRIER`).
    #[serde(default)]
    pub eob_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RecordedProfile {
    #[serde(flatten)]
    kind: RecordedKind,
    elements: Vec<RecordedElement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedSource {
    version: String,
    files: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedFile {
    sources: Vec<RecordedSource>,
    profiles: Vec<RecordedProfile>,
}

/// What the recorded server versions sent, by kind of resource.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// `(version, files)`, current first.
    pub sources: Vec<(String, usize)>,
    pub kinds: Vec<(RecordedKind, Vec<RecordedElement>)>,
}

impl Recorded {
    /// Whether there are facts (the file was there).
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Reads [`RECORDED_FILE`] under `root`; without one (the small test sets) there are no
    /// facts. The error does not name the file (the caller does).
    pub fn load(root: &Path) -> Result<Recorded, String> {
        let path = root.join(RECORDED_FILE);
        if !path.exists() {
            return Ok(Recorded::default());
        }
        let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let file: RecordedFile = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        Ok(Recorded {
            sources: file.sources.into_iter().map(|s| (s.version, s.files)).collect(),
            kinds: file.profiles.into_iter().map(|p| (p.kind, p.elements)).collect(),
        })
    }
}
