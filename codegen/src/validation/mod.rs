//! Validation tables: the definitions (profiles, extension definitions, STU3 core) and value
//! sets as compact static data for the validator in `model/src/validate/`.
//!
//! Every StructureDefinition snapshot becomes a tree of [`tree::Node`]s (element name,
//! cardinality, types with profiles and target profiles, fixed and pattern values as JSON text,
//! checked bindings, slicing, constraint keys); value sets are expanded from the code systems
//! ([`value_sets`]); the served errata ([`errata`]) are applied as element rules. Subtrees that
//! only repeat what their type's own definition says are pruned (the validator falls back to the
//! type's definition where an element lists no children), which keeps the tables small without
//! changing what they mean. [`emit::emit`] writes the result as Rust statics.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub mod emit;
pub mod errata;
pub mod served;
pub mod tree;
pub mod value_sets;

use crate::definitions::{Definitions, StructureDefinition};
use errata::{Change, Erratum};
use tree::{Arena, Availability, Fixed, Node, MANY};
use value_sets::ValueSet;

/// The core definitions' URL prefix: a type code `T` is defined at `<prefix>T`.
pub const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";

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
    /// Each claim profile's URL and the claim type the catalog names its fields by (`Carrier`),
    /// from the claim-type table.
    pub claim_profiles: Vec<(String, String)>,
    /// The blank value a variable's codebook defines (`codebook-ffs-claims: \`Blank\``), if any.
    pub blank_of: &'a dyn Fn(&str) -> Option<String>,
}

/// The files the tables are built from, beyond the definitions (for `rerun-if-changed`).
pub fn input_files(root: &Path) -> Vec<PathBuf> {
    let mut files = value_sets::input_files(root);
    files.push(root.join(errata::FILE));
    files.push(root.join(served::RECORDED_FILE));
    files
}

impl Tables {
    /// Builds the tables from the definitions under `root` (`profiles/`, `coding-systems/`, the
    /// errata).
    pub fn build(root: &Path, inputs: &Inputs<'_>) -> Result<Tables, String> {
        let mut tables = Tables { known_fields: inputs.known_fields.clone(), ..Tables::default() };
        let core = inputs.defs.core.values().chain(inputs.defs.validation.values());
        let all = core.map(|sd| (sd, false)).chain(inputs.defs.ig.values().map(|sd| (sd, true)));
        for (sd, ig) in all {
            if sd.snapshot.is_none() {
                continue;
            }
            let root = tables.arena.add_snapshot(sd)?;
            tables.structures.push(structure(sd, ig, root));
        }
        tables.structures.sort_by(|a, b| a.url.cmp(&b.url));
        tables.set_slice_urls();
        tables.inherit_resource_constraints();
        tables.drop_default_slicing();
        tables.value_sets = value_sets::load(root)?
            .into_iter()
            .map(|value_set| ValueSetEntry { value_set, served_variable: None })
            .collect();
        tables.unresolved_value_sets =
            tables.bound_value_sets().into_iter().filter(|u| tables.value_set(u).is_none()).collect();
        tables.errata = errata::load(root)?;
        tables.apply_errata(inputs)?;
        let recorded = served::Recorded::load(root)?;
        tables.recorded_sources = recorded.sources.clone();
        tables.verdicts = tables.derive_served(inputs, &recorded);
        tables.prune();
        Ok(tables)
    }

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

    fn bound_value_sets(&self) -> BTreeSet<String> {
        self.arena.nodes.iter().filter_map(|n| n.binding.as_ref().map(|b| b.value_set.clone())).collect()
    }

    /// A profile cannot lift its base's invariants: the IG's claim and patient snapshots leave
    /// the base resource's (`dom-1`...`dom-4`) off their root, so they are added back.
    fn inherit_resource_constraints(&mut self) {
        for s in self.structures.clone() {
            let Some(base) = s.base.as_deref().and_then(|b| self.structure(b)) else { continue };
            if !s.ig || s.kind != "resource" {
                continue;
            }
            let inherited = self.arena.nodes[base.root].constraints.clone();
            let root = &mut self.arena.nodes[s.root];
            for k in inherited {
                if !root.constraints.contains(&k) {
                    root.constraints.push(k);
                }
            }
            root.constraints.sort();
        }
    }

    /// Extensions are always sliced by url, openly: saying so without naming a slice changes
    /// nothing, so it is dropped (which lets such elements share their type's definition).
    fn drop_default_slicing(&mut self) {
        for node in &mut self.arena.nodes {
            let default = node
                .slicing
                .as_ref()
                .is_some_and(|s| s.discriminators == ["value:url"] && s.rules == "open" && !s.ordered);
            if default && node.slices.is_empty() {
                node.slicing = None;
            }
        }
    }

    /// Slices of extensions match on `url`: the slice's extension definition, or its fixed url.
    fn set_slice_urls(&mut self) {
        for n in 0..self.arena.nodes.len() {
            let node = &self.arena.nodes[n];
            if node.slice_name.is_none() || !node.types.iter().any(|t| t.code == "Extension") {
                continue;
            }
            let fixed = node
                .children
                .iter()
                .map(|&c| &self.arena.nodes[c])
                .find(|c| c.name == "url")
                .and_then(|c| c.fixed.as_ref().and_then(|f| serde_json::from_str::<String>(&f.json).ok()));
            let url = fixed.or_else(|| node.types.iter().find_map(|t| t.profile.clone()));
            self.arena.nodes[n].url = url;
        }
    }

    fn apply_errata(&mut self, inputs: &Inputs<'_>) -> Result<(), String> {
        self.errata_matches = vec![0; self.errata.len()];
        for i in 0..self.errata.len() {
            let e = self.errata[i].clone();
            let selected: Vec<Structure> =
                self.structures.iter().filter(|s| e.selects_profile(&s.url)).cloned().collect();
            let mut matched = 0;
            match &e.change {
                Change::Restore => {
                    for s in &selected {
                        matched += self.restore(s, &e, i)?;
                    }
                }
                Change::CodeSystems => {
                    for v in &mut self.value_sets {
                        let systems: Vec<Option<String>> =
                            v.value_set.includes.iter().map(|inc| (inputs.variable_of_system)(&inc.system)).collect();
                        if let [Some(variable)] = systems.as_slice() {
                            v.served_variable = Some(variable.clone());
                            matched += 1;
                        }
                    }
                }
                _ => {
                    for s in &selected {
                        for n in self.nodes_of(s.root) {
                            if !e.selects_element(&self.arena.nodes[n].id) {
                                continue;
                            }
                            if self.change(n, s, &e, i, inputs)? {
                                matched += 1;
                                self.arena.nodes[n].served.errata.push(i);
                            }
                        }
                    }
                }
            }
            if matched == 0 {
                return Err(format!("{}: erratum `{}` selects nothing", errata::FILE, e.rule));
            }
            self.errata_matches[i] = matched;
        }
        Ok(())
    }

    /// Applies one element erratum; whether it changed anything.
    fn change(&mut self, n: usize, s: &Structure, e: &Erratum, i: usize, inputs: &Inputs<'_>) -> Result<bool, String> {
        let node = &mut self.arena.nodes[n];
        match &e.change {
            &Change::Min(min) => {
                if min == node.served.min.unwrap_or(node.min) {
                    return Ok(false);
                }
                node.served.min = Some(min);
            }
            &Change::Max(max) => {
                if max == node.served.max.unwrap_or(node.max) {
                    return Ok(false);
                }
                node.served.max = Some(max);
            }
            Change::Deviation | Change::ContentDeviation(_) => node.served.deviation = Some(i),
            Change::Binding(vs) => node.served.value_set = Some(vs.clone()),
            Change::Types(codes) => {
                let current: Vec<&str> = node.types.iter().map(|t| t.code.as_str()).collect();
                if current == codes.iter().map(String::as_str).collect::<Vec<_>>() {
                    return Ok(false);
                }
                node.served.types = Some(codes.clone());
            }
            Change::ExtensionUrls => {
                let mut changed = false;
                // An extension definition's own url is its canonical URL, whatever it fixes
                // (`bluebutton-patient-race-extension` fixes `StructureDefinition/PatientRace`).
                if s.type_ == "Extension" && s.ig && node.id == "Extension.url" {
                    if let Some(served) = (inputs.served_url)(&s.url) {
                        node.served.fixed = Some(Fixed {
                            type_suffix: "Uri".into(),
                            json: serde_json::Value::from(served).to_string(),
                        });
                        return Ok(true);
                    }
                }
                if let Some(served) = node.url.as_deref().and_then(|u| (inputs.served_url)(u)) {
                    node.served.url = Some(served);
                    changed = true;
                }
                let fixed_url =
                    node.fixed.as_ref().filter(|f| f.type_suffix == "Uri").and_then(|f| {
                        serde_json::from_str::<String>(&f.json).ok().and_then(|u| (inputs.served_url)(&u))
                    });
                if let Some(served) = fixed_url {
                    node.served.fixed =
                        Some(Fixed { type_suffix: "Uri".into(), json: serde_json::Value::from(served).to_string() });
                    changed = true;
                }
                return Ok(changed);
            }
            Change::Restore | Change::CodeSystems => {
                return Err(format!("{}: `{}` changes no element", e.rule, e.change))
            }
        }
        Ok(true)
    }

    /// Restores the base elements `e.elements` that profile `s` drops; how many.
    fn restore(&mut self, s: &Structure, e: &Erratum, i: usize) -> Result<usize, String> {
        let base_url = s.base.clone().ok_or_else(|| format!("{}: {} has no base", e.rule, s.url))?;
        let base = self.structure(&base_url).ok_or_else(|| format!("{}: no base {base_url}", e.rule))?.root;
        let mut restored = 0;
        for id in &e.elements {
            let from = self.arena.find_path(base, id).ok_or_else(|| format!("{}: {base_url} has no {id}", e.rule))?;
            let parent_path = id.rsplit_once('.').map(|(p, _)| p).unwrap_or_default();
            let parent = self
                .arena
                .find_path(s.root, parent_path)
                .ok_or_else(|| format!("{}: {} has no {parent_path}", e.rule, s.url))?;
            let name = self.arena.nodes[from].name.clone();
            if self.arena.nodes[parent].children.iter().any(|&c| self.arena.nodes[c].name == name) {
                return Err(format!("{}: {} does not drop {id}", e.rule, s.url));
            }
            let mut copy: Node = self.arena.nodes[from].clone();
            copy.children.clear();
            copy.slices.clear();
            copy.content_ref = if self.arena.nodes[from].children.is_empty() { None } else { Some(from) };
            copy.availability = Availability::Served;
            copy.served.errata.push(i);
            self.arena.nodes.push(copy);
            let node = self.arena.nodes.len() - 1;
            self.arena.nodes[parent].children.push(node);
            restored += 1;
        }
        Ok(restored)
    }

    /// The root node of the definition a type (with an optional profile) refers to.
    pub fn type_root(&self, code: &str, profile: Option<&str>) -> Option<usize> {
        let url = profile.map(str::to_string).unwrap_or_else(|| format!("{CORE}{code}"));
        self.structure(&url).map(|s| s.root)
    }

    /// Drops children that say no more than the element's type definition does.
    fn prune(&mut self) {
        // The constraints of a type's root apply wherever the type is used (the validator adds
        // them); an element repeating them says nothing more.
        for n in 0..self.arena.nodes.len() {
            let node = &self.arena.nodes[n];
            let [t] = node.types.as_slice() else { continue };
            let Some(root) = self.type_root(&t.code, t.profile.as_deref()) else { continue };
            if root == n {
                continue;
            }
            let inherited = self.arena.nodes[root].constraints.clone();
            self.arena.nodes[n].constraints.retain(|k| !inherited.contains(k));
        }
        let roots: Vec<usize> = self.structures.iter().map(|s| s.root).collect();
        for root in roots {
            self.prune_below(root);
        }
    }

    fn prune_below(&mut self, n: usize) {
        let kids: Vec<usize> = self.arena.nodes[n].children.clone();
        for &k in &kids {
            let node = &self.arena.nodes[k];
            if !node.children.is_empty() && node.types.len() == 1 && node.content_ref.is_none() {
                let t = &node.types[0];
                if let Some(type_root) = self.type_root(&t.code, t.profile.as_deref()) {
                    let listed = Kids::Listed(node.children.clone());
                    if type_root != k
                        && self.same_kids(&listed, &Kids::Listed(self.arena.nodes[type_root].children.clone()), 0)
                    {
                        self.arena.nodes[k].children.clear();
                        continue;
                    }
                }
            }
            self.prune_below(k);
        }
        for s in self.arena.nodes[n].slices.clone() {
            self.prune_below(s);
        }
    }

    fn kids(&self, n: usize) -> Kids {
        let node = &self.arena.nodes[n];
        if !node.children.is_empty() {
            return Kids::Listed(node.children.clone());
        }
        if let Some(r) = node.content_ref {
            return Kids::Listed(self.arena.nodes[r].children.clone());
        }
        match node.types.as_slice() {
            [t] => Kids::Type(t.code.clone(), t.profile.clone()),
            _ => Kids::None,
        }
    }

    fn expand(&self, kids: &Kids) -> Option<Vec<usize>> {
        match kids {
            Kids::Listed(l) => Some(l.clone()),
            Kids::Type(code, profile) => {
                let root = self.type_root(code, profile.as_deref())?;
                Some(self.arena.nodes[root].children.clone())
            }
            Kids::None => Some(Vec::new()),
        }
    }

    fn same_kids(&self, a: &Kids, b: &Kids, depth: usize) -> bool {
        if a == b {
            return true;
        }
        if depth > 24 {
            return false;
        }
        if let (Kids::Type(..), Kids::Type(..)) = (a, b) {
            return false;
        }
        let (Some(x), Some(y)) = (self.expand(a), self.expand(b)) else { return false };
        x.len() == y.len() && x.iter().zip(&y).all(|(&p, &q)| self.same_node(p, q, depth + 1))
    }

    fn same_node(&self, p: usize, q: usize, depth: usize) -> bool {
        let (a, b) = (&self.arena.nodes[p], &self.arena.nodes[q]);
        let same = a.name == b.name
            && a.choice == b.choice
            && a.slice_name == b.slice_name
            && a.min == b.min
            && a.max == b.max
            && a.array == b.array
            && a.types == b.types
            && a.fixed == b.fixed
            && a.pattern == b.pattern
            && a.binding == b.binding
            && a.slicing == b.slicing
            && a.constraints == b.constraints
            && a.url == b.url
            && a.availability == b.availability
            && a.served == b.served
            && a.slices.len() == b.slices.len();
        same && a.slices.iter().zip(&b.slices).all(|(&x, &y)| self.same_node(x, y, depth + 1))
            && self.same_kids(&self.kids(p), &self.kids(q), depth)
    }

    /// Counts for reports: structures, nodes reachable, value sets, codes.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let nodes: usize = self.structures.iter().map(|s| self.nodes_of(s.root).len()).sum();
        let codes = self.value_sets.iter().flat_map(|v| &v.value_set.includes).map(|i| i.codes.len()).sum();
        (self.structures.len(), nodes, self.value_sets.len(), codes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kids {
    Listed(Vec<usize>),
    Type(String, Option<String>),
    None,
}

fn structure(sd: &StructureDefinition, ig: bool, root: usize) -> Structure {
    Structure {
        url: sd.url.clone(),
        name: sd.name.clone(),
        type_: sd.type_.clone(),
        kind: sd.kind.clone(),
        ig,
        base: sd.base_definition.clone(),
        root,
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
