//! StructureDefinition snapshots → trees of element nodes.
//!
//! A snapshot lists its elements in document order, each with its full path; children follow
//! their parent, and slices follow the sliced element (same path, with a `sliceName`). The
//! tree keeps, per element, what the validator checks (cardinality, types, fixed and pattern
//! values, binding, slicing, constraints) and nothing else.
//!
//! Two STU3 spellings are normalized here:
//! - a choice element renamed for one type (`Extension.valueMoney`, `item.locationAddress`,
//!   recognisable by a `base.path` ending in `[x]`) becomes a *type slice* of the choice
//!   element `value[x]` / `location[x]`, which is created when the snapshot leaves it out;
//! - `contentReference` (`#ExplanationOfBenefit.item.adjudication`) points at the node whose
//!   children are used.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::definitions::{ElementDefinition, StructureDefinition};

/// "Any number": the `*` of `max`.
pub const MANY: u32 = u32::MAX;

/// Which targets an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Availability {
    /// In the published IG and in served data.
    Both,
    /// Only in the IG as published (a served erratum removed it).
    Published,
    /// Only in served data (a served erratum restored it).
    Served,
}

/// One type of an element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeRef {
    pub code: String,
    /// The profile the value must conform to (an extension definition, `SimpleQuantity`...).
    pub profile: Option<String>,
    /// For `Reference`: the resource profiles the reference may point at.
    pub target_profiles: Vec<String>,
}

/// A fixed or pattern value: the type suffix (`Uri`, `Coding`) and the JSON text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed {
    pub type_suffix: String,
    pub json: String,
}

/// A terminology binding that the validator checks (required or extensible).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binding {
    pub strength: String,
    pub value_set: String,
}

/// How an element is sliced.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slicing {
    /// `type:path` of each discriminator (`value:url`).
    pub discriminators: Vec<String>,
    /// `open`, `closed` or `openAtEnd`.
    pub rules: String,
    pub ordered: bool,
}

/// What the served target changes on an element (the errata); `None` = as published.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Served {
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// The fixed value served instead (an extension URL under the served naming).
    pub fixed: Option<Fixed>,
    /// The extension URL served for a slice by url.
    pub url: Option<String>,
    /// The value set bound instead.
    pub value_set: Option<String>,
    /// The erratum (index into the errata) whose violations served reports as warnings.
    pub deviation: Option<usize>,
    /// The types served instead (type codes).
    pub types: Option<Vec<String>>,
    /// The errata applied to this element (indexes), for listings.
    pub errata: Vec<usize>,
}

/// One element of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The snapshot's element id (`ExplanationOfBenefit.extension:carrier-prpayamt-extension`).
    pub id: String,
    /// The element path (`ExplanationOfBenefit.item.quantity`).
    pub path: String,
    /// The JSON property name (without `[x]` for a choice element; the full name for a type
    /// slice such as `valueMoney`).
    pub name: String,
    pub choice: bool,
    pub slice_name: Option<String>,
    pub min: u32,
    pub max: u32,
    /// Whether JSON writes the element as an array (its base definition repeats).
    pub array: bool,
    pub types: Vec<TypeRef>,
    pub children: Vec<usize>,
    /// Slices of this element (extension slices, or type slices of a choice).
    pub slices: Vec<usize>,
    pub slicing: Option<Slicing>,
    pub fixed: Option<Fixed>,
    pub pattern: Option<Fixed>,
    pub binding: Option<Binding>,
    /// Constraint keys (ele-1 left out: it is checked everywhere).
    pub constraints: Vec<String>,
    /// The node whose children stand for this element's (a `contentReference`).
    pub content_ref: Option<usize>,
    /// The extension URL a slice by url matches (its profile, or its fixed `url`).
    pub url: Option<String>,
    pub availability: Availability,
    pub served: Served,
    /// The base definition's cardinality (the snapshot's `base`), when it gives one.
    pub base: Option<(u32, u32)>,
}

impl Node {
    fn new(id: String, path: String, name: String) -> Node {
        Node {
            id,
            path,
            name,
            choice: false,
            slice_name: None,
            min: 0,
            max: MANY,
            array: false,
            types: Vec::new(),
            children: Vec::new(),
            slices: Vec::new(),
            slicing: None,
            fixed: None,
            pattern: None,
            binding: None,
            constraints: Vec::new(),
            content_ref: None,
            url: None,
            availability: Availability::Both,
            served: Served::default(),
            base: None,
        }
    }
}

/// A constraint (invariant) as the definitions state it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub key: String,
    pub severity: String,
    pub expression: String,
}

/// All nodes of all definitions, in one arena.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    pub nodes: Vec<Node>,
    /// Every constraint met, by key (the first definition wins; STU3 keys are global).
    pub constraints: BTreeMap<String, Constraint>,
}

/// Parses `"*"`/`"3"`.
pub fn parse_max(max: Option<&str>) -> u32 {
    match max {
        None | Some("*") => MANY,
        Some(n) => n.parse().unwrap_or(MANY),
    }
}

/// The base cardinality of a snapshot element (`base.min`, `base.max`).
fn base_card(e: &ElementDefinition) -> Option<(u32, u32)> {
    let Some(Value::Object(base)) = e.other.get("base") else { return None };
    let min = base.get("min").and_then(Value::as_u64).and_then(|m| u32::try_from(m).ok())?;
    Some((min, parse_max(base.get("max").and_then(Value::as_str))))
}

fn base_of(e: &ElementDefinition) -> (Option<String>, Option<String>) {
    let Some(Value::Object(base)) = e.other.get("base") else { return (None, None) };
    let path = base.get("path").and_then(Value::as_str).map(str::to_string);
    let max = base.get("max").and_then(Value::as_str).map(str::to_string);
    (path, max)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn parent_path(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(p, _)| p)
}

impl Arena {
    /// Adds the snapshot of `sd` and returns its root node.
    pub fn add_snapshot(&mut self, sd: &StructureDefinition) -> Result<usize, String> {
        let elements = sd.snapshot.as_ref().map(|s| s.element.as_slice()).unwrap_or_default();
        let Some(first) = elements.first() else { return Err(format!("{}: no snapshot", sd.url)) };
        let root = self.push(self.node_of(first, &first.path));
        // (path, node) of the open elements, innermost last.
        let mut stack: Vec<(String, usize)> = vec![(first.path.clone(), root)];
        // Content references, resolved once every node of the definition exists.
        let mut references: Vec<(usize, String)> = Vec::new();
        for e in &elements[1..] {
            let parent = parent_path(&e.path);
            let (base_path, _) = base_of(e);
            let renamed_choice = base_path.as_deref().is_some_and(|b| b.ends_with("[x]")) && !e.path.ends_with("[x]");
            if e.slice_name.is_some() && !renamed_choice {
                // A slice: of the latest unsliced sibling with the same path.
                while stack.len() > 1 && stack.last().is_some_and(|(p, _)| p != parent) {
                    stack.pop();
                }
                let (_, holder) =
                    stack.last().cloned().ok_or_else(|| format!("{}: {} has no parent", sd.url, e.path))?;
                let name = last_segment(&e.path);
                let sliced = self.nodes[holder]
                    .children
                    .iter()
                    .rev()
                    .copied()
                    .find(|&c| self.nodes[c].name == name.trim_end_matches("[x]"))
                    .ok_or_else(|| format!("{}: slice {} of nothing", sd.url, element_id(e)))?;
                let node = self.push(self.node_of(e, &e.path));
                self.nodes[sliced].slices.push(node);
                stack.push((e.path.clone(), node));
                continue;
            }
            while stack.len() > 1 && stack.last().is_some_and(|(p, _)| p != parent) {
                stack.pop();
            }
            let (top_path, holder) = stack.last().cloned().ok_or_else(|| format!("{}: no root", sd.url))?;
            if top_path != parent {
                return Err(format!("{}: {} is not inside {}", sd.url, e.path, top_path));
            }
            let node = self.push(self.node_of(e, &e.path));
            if renamed_choice {
                // `valueMoney` of `value[x]`: a type slice of the choice element.
                let choice_name =
                    last_segment(base_path.as_deref().unwrap_or_default()).trim_end_matches("[x]").to_string();
                let choice = match self.nodes[holder]
                    .children
                    .iter()
                    .copied()
                    .find(|&c| self.nodes[c].choice && self.nodes[c].name == choice_name)
                {
                    Some(c) => c,
                    None => {
                        let mut synth = self.nodes[node].clone();
                        // `...extension:fillNum.valueString:valueString` → `...extension:fillNum.value[x]`
                        let id_parent = synth.id.rsplit_once('.').map_or("", |(p, _)| p).to_string();
                        synth.id = format!("{id_parent}.{choice_name}[x]");
                        synth.path = format!("{parent}.{choice_name}[x]");
                        synth.name = choice_name.clone();
                        synth.choice = true;
                        synth.slice_name = None;
                        synth.children = Vec::new();
                        synth.fixed = None;
                        synth.pattern = None;
                        synth.types = Vec::new();
                        let c = self.push(synth);
                        self.nodes[holder].children.push(c);
                        c
                    }
                };
                let n = &mut self.nodes[node];
                n.name = last_segment(&e.path).to_string();
                n.choice = false;
                n.slice_name = Some(n.name.clone());
                let (min, max, types) = (n.min, n.max, n.types.clone());
                self.nodes[choice].slices.push(node);
                let c = &mut self.nodes[choice];
                // A choice restricted to its renamed types: the union of their types, required
                // when any renamed one is.
                for t in types {
                    if !c.types.contains(&t) {
                        c.types.push(t);
                    }
                }
                c.min = c.min.max(min);
                c.max = if c.slices.len() == 1 { max } else { c.max.max(max) };
            } else {
                self.nodes[holder].children.push(node);
            }
            if let Some(reference) = &e.content_reference {
                references.push((node, reference.trim_start_matches('#').to_string()));
            }
            stack.push((e.path.clone(), node));
        }
        for (node, target_path) in references {
            let target = self
                .find_path(root, &target_path)
                .ok_or_else(|| format!("{}: content reference to unknown {target_path}", sd.url))?;
            self.nodes[node].content_ref = Some(target);
        }
        for e in elements {
            if let Some(Value::Array(list)) = e.other.get("constraint") {
                for c in list {
                    let get = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                    let key = get("key");
                    self.constraints.entry(key.clone()).or_insert(Constraint {
                        key,
                        severity: get("severity"),
                        expression: get("expression"),
                    });
                }
            }
        }
        Ok(root)
    }

    /// The unsliced node at `path` below `root` (whose path is the path's first segment).
    pub fn find_path(&self, root: usize, path: &str) -> Option<usize> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        if self.nodes[root].path != first {
            return None;
        }
        let mut at = root;
        for seg in segments {
            let name = seg.trim_end_matches("[x]");
            at = self.nodes[at].children.iter().copied().find(|&c| self.nodes[c].name == name)?;
        }
        Some(at)
    }

    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node_of(&self, e: &ElementDefinition, path: &str) -> Node {
        let last = last_segment(path);
        let choice = last.ends_with("[x]");
        let mut node = Node::new(element_id(e), path.to_string(), last.trim_end_matches("[x]").to_string());
        node.choice = choice;
        node.slice_name = e.slice_name.clone();
        node.min = e.min.unwrap_or(0);
        node.max = parse_max(e.max.as_deref());
        node.base = base_card(e);
        let (_, base_max) = base_of(e);
        node.array = parse_max(base_max.as_deref().or(e.max.as_deref())) > 1;
        node.types = e
            .types
            .iter()
            .filter_map(|t| {
                Some(TypeRef {
                    code: t.code.clone()?,
                    profile: t.profile.clone(),
                    target_profiles: t.target_profile.iter().cloned().collect(),
                })
            })
            .collect();
        // STU3 repeats a type once per profile (`Reference(Patient)`, `Reference(Group)`):
        // one type with every target.
        let mut merged: Vec<TypeRef> = Vec::new();
        for t in node.types.drain(..) {
            match merged.iter_mut().find(|m| m.code == t.code && m.profile == t.profile) {
                Some(m) => m.target_profiles.extend(t.target_profiles),
                None => merged.push(t),
            }
        }
        node.types = merged;
        node.fixed = e.fixed().map(|(s, v)| Fixed { type_suffix: s.to_string(), json: v.to_string() });
        node.pattern = e.pattern().map(|(s, v)| Fixed { type_suffix: s.to_string(), json: v.to_string() });
        node.binding = e.binding.as_ref().and_then(|b| {
            let strength = b.strength.clone();
            let checked = strength == "required" || strength == "extensible";
            Some(Binding { strength, value_set: b.value_set()?.to_string() }).filter(|_| checked)
        });
        node.slicing = e.slicing.as_ref().map(|s| Slicing {
            discriminators: s.discriminator.iter().map(|d| format!("{}:{}", d.type_, d.path)).collect(),
            rules: s.rules.clone().unwrap_or_else(|| "open".into()),
            ordered: s.ordered,
        });
        if let Some(Value::Array(list)) = e.other.get("constraint") {
            node.constraints = list
                .iter()
                .filter_map(|c| c.get("key").and_then(Value::as_str))
                .filter(|k| *k != "ele-1")
                .map(str::to_string)
                .collect();
            node.constraints.sort();
            node.constraints.dedup();
        }
        node
    }
}

/// The element's id, or its path when the snapshot gives none.
fn element_id(e: &ElementDefinition) -> String {
    e.id.clone().unwrap_or_else(|| e.path.clone())
}
