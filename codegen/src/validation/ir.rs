//! The validation stage's IR: every definition's element tree, the value sets, the errata and
//! the served verdicts, with accessors and the listing of `bluebutton-codegen check
//! --validation`.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::errata::Erratum;
use super::served;
use super::tree::{Arena, Availability, MANY};
use super::value_sets::ValueSet;
use super::CORE;

/// One definition and the root of its tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    pub url: String,
    pub name: String,
    /// The type it defines or constrains (`ExplanationOfBenefit`, `Extension`, `string`).
    pub type_: String,
    /// `resource`, `complex-type`, `primitive-type`, `logical`.
    pub kind: String,
    /// Whether it comes from the IG (`profiles/bb2ig/`).
    pub ig: bool,
    pub base: Option<String>,
    pub root: usize,
}

/// A value set and what the served target reads it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSetEntry {
    pub value_set: ValueSet,
    /// The codebook variable whose served code system stands for the IG's (the
    /// `code-systems` erratum).
    pub served_variable: Option<String>,
}

/// Everything the validator's tables are made of.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub arena: Arena,
    /// Sorted by url.
    pub structures: Vec<Structure>,
    /// Sorted by url.
    pub value_sets: Vec<ValueSetEntry>,
    /// Value sets bound somewhere that no file here defines (external).
    pub unresolved_value_sets: BTreeSet<String>,
    pub errata: Vec<Erratum>,
    /// How many elements (or value sets) each erratum changed.
    pub errata_matches: Vec<usize>,
    /// Served CCW variables the field catalog places, with where it says so
    /// (`data dictionary #12`, or the served-data errata).
    pub known_fields: BTreeMap<String, String>,
    /// The served verdict of every IG restriction, and of every recorded departure from a
    /// definition ([`served`]).
    pub verdicts: Vec<served::Verdict>,
    /// The recorded server versions the verdicts read: `(version, files)`.
    pub recorded_sources: Vec<(String, usize)>,
}

impl Tables {
    /// The structure with this url.
    pub fn structure(&self, url: &str) -> Option<&Structure> {
        self.structures.binary_search_by(|s| s.url.as_str().cmp(url)).ok().map(|i| &self.structures[i])
    }

    /// The value set with this url.
    pub fn value_set(&self, url: &str) -> Option<&ValueSetEntry> {
        self.value_sets.binary_search_by(|v| v.value_set.url.as_str().cmp(url)).ok().map(|i| &self.value_sets[i])
    }

    /// Every node of a structure's tree (children and slices; content references not followed).
    pub fn nodes_of(&self, root: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut todo = vec![root];
        while let Some(n) = todo.pop() {
            out.push(n);
            let node = &self.arena.nodes[n];
            todo.extend(node.children.iter().rev().copied());
            todo.extend(node.slices.iter().rev().copied());
        }
        out
    }

    /// The root node of the definition a type (with an optional profile) refers to.
    pub fn type_root(&self, code: &str, profile: Option<&str>) -> Option<usize> {
        let url = profile.map(str::to_string).unwrap_or_else(|| format!("{CORE}{code}"));
        self.structure(&url).map(|s| s.root)
    }

    /// Counts for reports: structures, nodes reachable, value sets, codes.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let nodes: usize = self.structures.iter().map(|s| self.nodes_of(s.root).len()).sum();
        let codes = self.value_sets.iter().flat_map(|v| &v.value_set.includes).map(|i| i.codes.len()).sum();
        (self.structures.len(), nodes, self.value_sets.len(), codes)
    }
}

fn card(min: u32, max: u32) -> String {
    if max == MANY {
        format!("{min}..*")
    } else {
        format!("{min}..{max}")
    }
}

impl Tables {
    fn write_node(&self, f: &mut fmt::Formatter<'_>, n: usize, depth: usize) -> fmt::Result {
        let node = &self.arena.nodes[n];
        let indent = "  ".repeat(depth);
        let name = match (&node.slice_name, node.choice) {
            (Some(s), _) if node.types.iter().any(|t| t.code == "Extension") => format!("{}:{s}", node.name),
            (_, true) => format!("{}[x]", node.name),
            _ => node.name.clone(),
        };
        write!(f, "{indent}{name} {}", card(node.min, node.max))?;
        if node.array {
            f.write_str(" []")?;
        }
        let types: Vec<String> = node
            .types
            .iter()
            .map(|t| {
                let mut s = t.code.clone();
                if let Some(p) = &t.profile {
                    s.push_str(&format!("<{p}>"));
                }
                if !t.target_profiles.is_empty() {
                    s.push_str(&format!("({})", t.target_profiles.join("|")));
                }
                s
            })
            .collect();
        if !types.is_empty() {
            write!(f, " {}", types.join(" | "))?;
        }
        if let Some(x) = &node.fixed {
            write!(f, " fixed{}={}", x.type_suffix, x.json)?;
        }
        if let Some(x) = &node.pattern {
            write!(f, " pattern{}={}", x.type_suffix, x.json)?;
        }
        if let Some(b) = &node.binding {
            write!(f, " binding {} {}", b.strength, b.value_set)?;
        }
        if let Some(s) = &node.slicing {
            write!(
                f,
                " slicing {} {}{}",
                s.discriminators.join(","),
                s.rules,
                if s.ordered { " ordered" } else { "" }
            )?;
        }
        if !node.constraints.is_empty() {
            write!(f, " inv {}", node.constraints.join(","))?;
        }
        if let Some(u) = &node.url {
            write!(f, " url={u}")?;
        }
        if let Some(r) = node.content_ref {
            write!(f, " ref={}", self.arena.nodes[r].path)?;
        }
        match node.availability {
            Availability::Both => {}
            Availability::Published => f.write_str(" published-only")?,
            Availability::Served => f.write_str(" served-only")?,
        }
        let s = &node.served;
        if s.min.is_some() || s.max.is_some() {
            write!(f, " served:{}", card(s.min.unwrap_or(node.min), s.max.unwrap_or(node.max)))?;
        }
        if let Some(x) = &s.fixed {
            write!(f, " served-fixed={}", x.json)?;
        }
        if let Some(u) = &s.url {
            write!(f, " served-url={u}")?;
        }
        if let Some(v) = &s.value_set {
            write!(f, " served-binding={v}")?;
        }
        if let Some(d) = s.deviation {
            write!(f, " deviation={}", self.errata[d].rule)?;
        }
        if let Some(t) = &s.types {
            write!(f, " served-types={}", t.join("|"))?;
        }
        writeln!(f)?;
        for &c in &node.children {
            self.write_node(f, c, depth + 1)?;
        }
        for &c in &node.slices {
            self.write_node(f, c, depth + 1)?;
        }
        Ok(())
    }
}

/// A compact listing: every structure's tree, the value sets, the errata and what they changed.
impl fmt::Display for Tables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.structures {
            writeln!(f, "== {} ({} {}{})", s.url, s.type_, s.kind, if s.ig { ", IG" } else { "" })?;
            self.write_node(f, s.root, 1)?;
        }
        for v in &self.value_sets {
            write!(f, "value set {}", v.value_set.url)?;
            if let Some(var) = &v.served_variable {
                write!(f, " (served: variable {var})")?;
            }
            writeln!(f)?;
            for inc in &v.value_set.includes {
                if inc.expandable {
                    writeln!(f, "  {}: {}", inc.system, inc.codes.join(" "))?;
                } else {
                    writeln!(f, "  {}: not expandable here", inc.system)?;
                }
            }
        }
        for u in &self.unresolved_value_sets {
            writeln!(f, "value set {u}: not defined here")?;
        }
        for (e, n) in self.errata.iter().zip(&self.errata_matches) {
            writeln!(f, "erratum {} ({}): {n} changed", e.rule, e.change)?;
        }
        Ok(())
    }
}
