//! Value sets, expanded from the facts-only CodeSystems and ValueSets under
//! `coding-systems/fhir-stu3/` and `coding-systems/bb2ig/`.
//!
//! Expansion covers what these ValueSets use: whole code systems (`include.system`), listed
//! concepts (`include.concept`), `is-a` filters over a hierarchy, and excluded concepts. A
//! system that is not available here (`unresolved.json`: external code systems) is kept as
//! *unexpandable*: codes in it cannot be checked, which the validator reports as information.
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One system's part of a value set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub system: String,
    /// Sorted, unique; empty when `expandable` is false.
    pub codes: Vec<String>,
    /// False when the code system is not available here.
    pub expandable: bool,
}

/// An expanded value set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSet {
    pub url: String,
    pub includes: Vec<Include>,
}

#[derive(Debug, Deserialize)]
struct CodeSystemFile {
    url: String,
    #[serde(default)]
    concept: Vec<ConceptFile>,
}

#[derive(Debug, Deserialize)]
struct ConceptFile {
    code: String,
    #[serde(default)]
    concept: Vec<ConceptFile>,
}

#[derive(Debug, Deserialize)]
struct ValueSetFile {
    url: String,
    #[serde(default)]
    compose: Option<Compose>,
}

#[derive(Debug, Deserialize)]
struct Compose {
    #[serde(default)]
    include: Vec<ComposeItem>,
    #[serde(default)]
    exclude: Vec<ComposeItem>,
}

#[derive(Debug, Deserialize)]
struct ComposeItem {
    system: Option<String>,
    #[serde(default)]
    concept: Vec<ConceptRef>,
    #[serde(default)]
    filter: Vec<Filter>,
    #[serde(rename = "valueSet", default)]
    value_set: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ConceptRef {
    code: String,
}

#[derive(Debug, Deserialize)]
struct Filter {
    property: String,
    op: String,
    value: String,
}

/// A code system's concepts: each code with its descendants.
#[derive(Debug, Default)]
struct Hierarchy {
    /// Every code, in order.
    codes: Vec<String>,
    /// code → its direct children.
    children: BTreeMap<String, Vec<String>>,
}

impl Hierarchy {
    fn add(&mut self, concepts: &[ConceptFile]) {
        for c in concepts {
            self.codes.push(c.code.clone());
            self.children.entry(c.code.clone()).or_default().extend(c.concept.iter().map(|k| k.code.clone()));
            self.add(&c.concept);
        }
    }

    /// `code` and everything below it.
    fn is_a(&self, code: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo = vec![code.to_string()];
        while let Some(c) = todo.pop() {
            if let Some(kids) = self.children.get(&c) {
                todo.extend(kids.iter().cloned());
            }
            out.insert(c);
        }
        out
    }
}

/// The ValueSet and CodeSystem files under `<root>/coding-systems/{fhir-stu3,bb2ig}`.
pub fn input_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["coding-systems/fhir-stu3", "coding-systems/bb2ig"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if (name.starts_with("ValueSet-") || name.starts_with("CodeSystem-")) && name.ends_with(".json") {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// Loads and expands every ValueSet under `<root>/coding-systems`; sorted by url.
pub fn load(root: &Path) -> Result<Vec<ValueSet>, String> {
    let mut systems: BTreeMap<String, Hierarchy> = BTreeMap::new();
    let mut sets: Vec<ValueSetFile> = Vec::new();
    for path in input_files(root) {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("CodeSystem-") {
            let cs: CodeSystemFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            systems.entry(cs.url).or_default().add(&cs.concept);
        } else {
            sets.push(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    let mut out = Vec::new();
    for vs in &sets {
        out.push(expand(vs, &systems, &sets, 0)?);
    }
    out.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(out)
}

fn expand(
    vs: &ValueSetFile,
    systems: &BTreeMap<String, Hierarchy>,
    sets: &[ValueSetFile],
    depth: usize,
) -> Result<ValueSet, String> {
    if depth > 8 {
        return Err(format!("{}: value sets include each other", vs.url));
    }
    let mut by_system: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let Some(compose) = &vs.compose else { return Ok(ValueSet { url: vs.url.clone(), includes: Vec::new() }) };
    for item in &compose.include {
        for included in &item.value_set {
            let other = sets
                .iter()
                .find(|s| &s.url == included)
                .ok_or_else(|| format!("{}: includes unknown {included}", vs.url))?;
            for inc in expand(other, systems, sets, depth + 1)?.includes {
                let slot = by_system.entry(inc.system).or_insert((BTreeSet::new(), true));
                slot.0.extend(inc.codes);
                slot.1 &= inc.expandable;
            }
        }
        let Some(system) = &item.system else { continue };
        let hierarchy = systems.get(system);
        let slot = by_system.entry(system.clone()).or_insert((BTreeSet::new(), true));
        if !item.concept.is_empty() {
            slot.0.extend(item.concept.iter().map(|c| c.code.clone()));
        } else if !item.filter.is_empty() {
            let h = hierarchy.ok_or_else(|| format!("{}: filter on unavailable {system}", vs.url))?;
            let mut selected: Option<BTreeSet<String>> = None;
            for f in &item.filter {
                if f.property != "concept" || f.op != "is-a" {
                    return Err(format!("{}: unsupported filter {} {} {}", vs.url, f.property, f.op, f.value));
                }
                let these = h.is_a(&f.value);
                selected = Some(match selected {
                    Some(s) => s.intersection(&these).cloned().collect(),
                    None => these,
                });
            }
            slot.0.extend(selected.unwrap_or_default());
        } else {
            match hierarchy {
                Some(h) => slot.0.extend(h.codes.iter().cloned()),
                None => slot.1 = false,
            }
        }
    }
    for item in &compose.exclude {
        let Some(system) = &item.system else { continue };
        if let Some(slot) = by_system.get_mut(system) {
            for c in &item.concept {
                slot.0.remove(&c.code);
            }
        }
    }
    let includes = by_system
        .into_iter()
        .map(|(system, (codes, expandable))| Include {
            system,
            codes: if expandable { codes.into_iter().collect() } else { Vec::new() },
            expandable,
        })
        .collect();
    Ok(ValueSet { url: vs.url.clone(), includes })
}
