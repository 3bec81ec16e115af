//! Definitions → the validation tables: every snapshot into the arena, slice URLs, the base
//! resource's constraints back on the IG's roots, the value sets, then the served rules
//! ([`super::rules`]) and the pruning of subtrees that repeat their type's definition.
use std::collections::BTreeSet;
use std::path::Path;

use super::errata;
use super::ir::{Structure, Tables, ValueSetEntry};
use super::value_sets;
use super::Inputs;
use crate::definitions::StructureDefinition;
use crate::recorded::RECORDED_FILE;

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
        // The served target rests on the recorded facts: with the IG, they must be there.
        if inputs.defs.recorded.is_empty() && root.join("profiles/bb2ig").is_dir() {
            return Err(format!("{}: missing (run `bluebutton-codegen import`)", root.join(RECORDED_FILE).display()));
        }
        tables.recorded_sources = inputs.defs.recorded.sources.clone();
        tables.verdicts = tables.derive_served(inputs, &inputs.defs.recorded);
        tables.prune();
        Ok(tables)
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
