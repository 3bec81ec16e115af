//! The served target, derived by rule.
//!
//! The IG (2018) restricts the STU3 base definitions: raised `min`, narrowed `max` (`0` for a
//! prohibited element), slice cardinalities, fixed values, required bindings. Whether the server
//! keeps to each restriction follows from the evidence of *why* it sends what it sends, so the
//! served target is derived here, restriction by restriction, instead of being learned from one
//! snapshot of its output:
//!
//! | rule | restriction | evidence | served |
//! | --- | --- | --- | --- |
//! | [`Rule::BlankVariable`] | raised `min` | the element holds CCW variables (data dictionary); the codebooks define blank values and no dictionary field is mandatory, so only a variable's presence would satisfy the `min` | the base `min` |
//! | [`Rule::PlacedVariable`] | `max = 0` | the dictionary places a variable at or below the element | the base `max` |
//! | [`Rule::DictionaryWrites`] | `max = 0` | the dictionary has the server write the element with a variable's value (its `additional` lines: a category's `display`, a Money's `code` `USD`, a facility's name) | the base `max` |
//! | [`Rule::SharedEntry`] | narrowed `max` | two or more variables land on one entry of a repeating element, told apart by codes in this element (`diagnosis.type`: principal, admitting, external cause...); when they hold the same code the server writes one entry with each of their codes | the base `max` |
//! | [`Rule::RecordedAbsent`] | raised `min` | a recorded server version sent the parent without the element | the base `min` |
//! | [`Rule::RecordedRepeats`] | narrowed `max` | a recorded server version sent more values | the base `max` |
//! | [`Rule::RecordedDeviation`] | base STU3 itself | a recorded server version departs from the base definition (a required element absent, more values than it allows) | a `served-deviation` warning |
//!
//! A restriction that a hand-written erratum (`profiles/errata/validation.json`) already
//! decides keeps that verdict; the others hold. The recorded versions are every response in
//! `profiles/recorded/elements.json` (the current server and four older ones, written by the
//! importer). Every verdict keeps its evidence: the dictionary entries and variables, or the
//! recorded file and location; `bluebutton-codegen check --errata` lists them all.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use crate::recorded::{Recorded, RecordedElement, RecordedKind, RECORDED_FILE};

use super::errata::{Change, Erratum};
use crate::catalog::{Field, Filter, Level};
use crate::validation::tree::MANY;
use crate::validation::{ClaimProfile, Inputs, Structure, Tables};

/// The derived rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    BlankVariable,
    PlacedVariable,
    DictionaryWrites,
    SharedEntry,
    RecordedAbsent,
    RecordedRepeats,
    RecordedDeviation,
}

impl Rule {
    /// The rule id shown in findings and listings.
    pub fn id(self) -> &'static str {
        match self {
            Rule::BlankVariable => "variable-may-be-blank",
            Rule::PlacedVariable => "variable-placed",
            Rule::DictionaryWrites => "dictionary-writes",
            Rule::SharedEntry => "variables-share-entry",
            Rule::RecordedAbsent => "recorded-absent",
            Rule::RecordedRepeats => "recorded-repeats",
            Rule::RecordedDeviation => "recorded-deviation",
        }
    }
}

/// One restriction of the IG and its served verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub structure: String,
    /// The element id.
    pub element: String,
    /// What the IG says, against the base (`min 1 (base 0)`, `max 0 (base *)`, `slice max 1`).
    pub restriction: String,
    /// The deciding rule: a derived rule's id, a hand-written erratum's id, or `holds`.
    pub rule: String,
    /// The served cardinality (`0..*`), `warning` for a deviation, or `as published`.
    pub served: String,
    pub evidence: String,
}

/// Whether a catalog field applies to the IG resource profile `s`: a claim field to the
/// profiles of its claim types.
fn applies(field: &Field, s: &Structure, claim_profiles: &[ClaimProfile]) -> bool {
    if field.resource != s.type_ {
        return false;
    }
    match s.type_.as_str() {
        "ExplanationOfBenefit" => {
            claim_profiles.iter().any(|c| c.profile == s.url && field.claim_types.contains(&c.dictionary))
        }
        _ => true,
    }
}

/// A field's steps from its resource: its level's element, then its own steps with their
/// filters.
fn field_steps(field: &Field) -> Vec<(&str, &[Filter])> {
    let level = (field.level != Level::Root).then(|| (field.level.element(), &[][..]));
    level.into_iter().chain(field.steps.iter().map(|s| (s.name.as_str(), s.filters.as_slice()))).collect()
}

/// Where the catalog's variables sit in the trees: per node, the variables whose value lies at
/// or below it, and the variables an entry is told apart by (the node holding the codes).
#[derive(Debug, Default)]
struct Placements {
    /// node → (variable, source) whose value path passes through it.
    values: BTreeMap<usize, BTreeSet<(String, String)>>,
    /// node (a discriminating element such as `diagnosis.type`) → the codes it tells apart, each
    /// with its variables and the element their values go to.
    codes: BTreeMap<usize, BTreeMap<String, BTreeSet<(String, String)>>>,
    /// node → (variable, source) with which the dictionary has the server write the element (a
    /// category's display, a Money's `code`).
    written: BTreeMap<usize, BTreeSet<(String, String)>>,
}

impl Tables {
    /// A child of `n` by JSON name (`valueCoding` finds the choice `value[x]`'s type slice, or
    /// the choice itself with the type the name gives), looking through content references
    /// and type definitions (`ty`: the type chosen for `n`, when it is a choice).
    fn child_named(&self, n: usize, ty: Option<&str>, name: &str) -> Option<(usize, Option<String>)> {
        let kids = self.kid_nodes(n, ty);
        if let Some(&c) = kids.iter().find(|&&c| !self.arena.nodes[c].choice && self.arena.nodes[c].name == name) {
            return Some((c, None));
        }
        let (choice, suffix) = kids.iter().find_map(|&c| {
            let node = &self.arena.nodes[c];
            let suffix = name.strip_prefix(node.name.as_str()).filter(|t| t.starts_with(char::is_uppercase));
            suffix.filter(|_| node.choice).map(|t| (c, t))
        })?;
        let slice = self.arena.nodes[choice].slices.iter().copied().find(|&s| self.arena.nodes[s].name == name);
        let code = self.arena.nodes[choice]
            .types
            .iter()
            .map(|t| t.code.clone())
            .find(|code| code.eq_ignore_ascii_case(suffix));
        Some(slice.map_or((choice, code), |s| (s, None)))
    }

    /// The children of `n`: listed, or those of its content reference or of its type (`ty`
    /// for a choice).
    fn kid_nodes(&self, n: usize, ty: Option<&str>) -> Vec<usize> {
        let node = &self.arena.nodes[n];
        if !node.children.is_empty() {
            return node.children.clone();
        }
        if let Some(r) = node.content_ref {
            return self.arena.nodes[r].children.clone();
        }
        let root = match (ty, node.types.as_slice()) {
            (Some(code), _) => self.type_root(code, None),
            (None, [t]) => self.type_root(&t.code, t.profile.as_deref()),
            _ => None,
        };
        root.map(|r| self.arena.nodes[r].children.clone()).unwrap_or_default()
    }

    /// The slice of extension element `n` for `url` (published or served), else `n`.
    fn extension_slice(&self, n: usize, url: &str) -> usize {
        let node = &self.arena.nodes[n];
        node.slices
            .iter()
            .copied()
            .find(|&s| {
                let slice = &self.arena.nodes[s];
                slice.url.as_deref() == Some(url) || slice.served.url.as_deref() == Some(url)
            })
            .unwrap_or(n)
    }

    /// The nodes a recorded path (`ExplanationOfBenefit.extension('<url>').valueMoney.value`)
    /// passes through, from `root`; `None` when an element is unknown here.
    fn resolve_recorded(&self, root: usize, path: &str) -> Option<Vec<usize>> {
        let mut rest = path.split_once('.').map(|(_, r)| r).unwrap_or_default();
        let mut at = root;
        let mut ty: Option<String> = None;
        let mut chain = Vec::new();
        while !rest.is_empty() {
            // A url in quotes may hold dots: take it whole.
            let (segment, tail) = match rest.find("('") {
                Some(open) if !rest[..open].contains('.') => {
                    let close = rest[open..].find("')")? + open + 2;
                    (&rest[..close], rest[close..].strip_prefix('.').unwrap_or_default())
                }
                _ => rest.split_once('.').unwrap_or((rest, "")),
            };
            rest = tail;
            let (name, url) = match segment.split_once("('") {
                Some((name, url)) => (name, Some(url.trim_end_matches("')"))),
                None => (segment, None),
            };
            (at, ty) = self.child_named(at, ty.as_deref(), name)?;
            if let Some(url) = url {
                at = self.extension_slice(at, url);
            }
            chain.push(at);
        }
        Some(chain)
    }

    /// Walks `steps` (element names, each with the filters that pick its entry) from the root
    /// of `s`: the nodes passed, the coded discriminators met on the way (node, code), and
    /// whether every step resolved.
    fn walk<'f>(
        &self,
        s: &Structure,
        steps: impl IntoIterator<Item = (&'f str, &'f [Filter])>,
    ) -> (Vec<usize>, Vec<(usize, String)>, bool) {
        let mut at = s.root;
        let mut ty: Option<String> = None;
        let mut chain = Vec::new();
        let mut coded = Vec::new();
        for (name, filters) in steps {
            let Some(next) = self.child_named(at, ty.as_deref(), name) else { return (chain, coded, false) };
            (at, ty) = next;
            for filter in filters {
                match filter {
                    Filter::Url(url) => at = self.extension_slice(at, url),
                    Filter::Coded { element, code, .. } => {
                        if let Some((d, _)) = self.child_named(at, None, element) {
                            coded.push((d, code.clone()));
                        }
                    }
                    _ => {}
                }
            }
            chain.push(at);
        }
        (chain, coded, true)
    }

    /// The nodes of a catalog field in structure `s`: the value path (as far as it resolves
    /// here), and the coded discriminators met on the way (node, code).
    fn resolve_field(&self, s: &Structure, field: &Field) -> (Vec<usize>, Vec<(usize, String)>) {
        let (chain, coded, _) = self.walk(s, field_steps(field));
        (chain, coded)
    }

    /// The nodes of an element the dictionary has the server write with `field`'s value
    /// (`item.adjudication.amount.code`): the field's own steps (with their filters) as far as
    /// the names agree, then the element's; nothing when it does not resolve.
    fn resolve_written(&self, s: &Structure, field: &Field, path: &str) -> Vec<usize> {
        let own = field_steps(field);
        let agree = own.iter().zip(path.split('.')).take_while(|((own, _), name)| own == name).count();
        let steps = own.into_iter().take(agree).chain(path.split('.').skip(agree).map(|name| (name, &[][..])));
        match self.walk(s, steps) {
            (chain, _, true) => chain,
            _ => Vec::new(),
        }
    }

    fn placements(&self, fields: &[Field], claim_profiles: &[ClaimProfile]) -> Placements {
        let mut out = Placements::default();
        for s in self.structures.iter().filter(|s| s.ig && s.kind == "resource") {
            for field in fields.iter().filter(|f| applies(f, s, claim_profiles)) {
                let (chain, coded) = self.resolve_field(s, field);
                let who = (field.variable.clone(), field.source.clone());
                for &n in &chain {
                    out.values.entry(n).or_default().insert(who.clone());
                }
                for (n, code) in coded {
                    out.codes.entry(n).or_default().entry(code).or_default().insert(who.clone());
                }
                for path in &field.written {
                    for n in self.resolve_written(s, field, path) {
                        out.written.entry(n).or_default().insert(who.clone());
                    }
                }
            }
        }
        out
    }

    /// Recorded facts per node (every path that resolves to it, in any profile).
    fn recorded_by_node<'r>(
        &self,
        recorded: &'r Recorded,
        claim_profiles: &[ClaimProfile],
    ) -> BTreeMap<usize, Vec<&'r RecordedElement>> {
        let mut out: BTreeMap<usize, Vec<&RecordedElement>> = BTreeMap::new();
        for (kind, elements) in &recorded.kinds {
            let Some(s) = self.profile_of(kind, claim_profiles) else { continue };
            for e in elements {
                if let Some(&n) = self.resolve_recorded(s.root, &e.path).and_then(|c| c.last().copied()).as_ref() {
                    out.entry(n).or_default().push(e);
                }
            }
        }
        out
    }

    /// The profile a recorded kind of resource is checked against, as the validator chooses it:
    /// a claim's by its eob-type code (the claim-type table), a Patient's or Coverage's the IG's
    /// one profile of that resource, anything else (and any contained resource) the core
    /// definition.
    fn profile_of(&self, kind: &RecordedKind, claim_profiles: &[ClaimProfile]) -> Option<&Structure> {
        let core = || self.structure(&format!("{}{}", super::super::CORE, kind.resource));
        if kind.contained {
            return core();
        }
        let profile = match &kind.eob_type {
            Some(code) => claim_profiles.iter().find(|c| c.eob_type == *code).and_then(|c| self.structure(&c.profile)),
            None => self.structures.iter().find(|s| {
                s.ig && s.kind == "resource"
                    && s.type_ == kind.resource
                    && !claim_profiles.iter().any(|c| c.profile == s.url)
            }),
        };
        profile.or_else(core)
    }

    /// Derives the served verdict of every IG restriction and applies the derived ones (as
    /// errata rows with their evidence, appended to `self.errata`); returns every verdict.
    pub(crate) fn derive_served(&mut self, inputs: &Inputs<'_>, recorded: &Recorded) -> Vec<Verdict> {
        let blank_of = inputs.blank_of;
        let placements = self.placements(inputs.fields, &inputs.claim_profiles);
        let by_node = self.recorded_by_node(recorded, &inputs.claim_profiles);
        let mut verdicts = Vec::new();
        let mut seen = BTreeSet::new();
        let structures = self.structures.clone();
        for s in &structures {
            for n in self.nodes_of(s.root) {
                if !seen.insert(n) {
                    continue;
                }
                let facts = by_node.get(&n).map(Vec::as_slice).unwrap_or_default();
                for verdict in self.judge(s, n, &placements, facts, blank_of) {
                    verdicts.push(verdict);
                }
            }
        }
        verdicts
    }

    /// The verdicts on node `n` of structure `s`: its min and max restrictions (IG structures),
    /// and what the recorded versions say against its definition (any structure).
    fn judge(
        &mut self,
        s: &Structure,
        n: usize,
        placements: &Placements,
        facts: &[&RecordedElement],
        blank_of: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<Verdict> {
        let node = self.arena.nodes[n].clone();
        // A core definition is the base itself; an IG element's base is its snapshot's `base`.
        let (base_min, base_max) = if s.ig { node.base.unwrap_or((0, MANY)) } else { (node.min, node.max) };
        let published_min = node.served.min.unwrap_or(node.min);
        let published_max = node.served.max.unwrap_or(node.max);
        let absent = facts.iter().find(|f| f.present < f.parents);
        let most = facts.iter().max_by_key(|f| f.max).filter(|f| f.max as u32 > published_max);
        let vars = placements.values.get(&n);
        // The hand-written erratum that decided a cardinality (`min`, `max`) or made a deviation.
        let hand = |t: &Tables, change: &str| {
            let by = |c: &str| node.served.errata.iter().map(|&i| &t.errata[i]).find(|e| e.change.name() == c);
            by(change).or_else(|| by("deviation")).or_else(|| by("restore")).map(|e| e.rule.clone())
        };
        // A deviation at the element itself decides its cardinality; one inside its values does not.
        let deviation = node.served.deviation.is_some_and(|d| self.errata[d].change == Change::Deviation);
        let mut out = Vec::new();
        let restricted_min = s.ig && node.min > base_min;
        let restricted_max = s.ig && node.max < base_max;

        // min: an IG restriction, or a recorded absence of an element the definition requires.
        // The dictionary's reasons come first; the recorded versions confirm them or stand alone.
        if restricted_min || (published_min > 0 && absent.is_some()) {
            let restriction = format!("min {} (base {})", node.min, base_min);
            let (rule, change, evidence) = if node.served.min.is_some() || deviation {
                (hand(self, "min").unwrap_or_default(), None, String::new())
            } else if let (Some(f), true) = (absent, base_min > 0) {
                (Rule::RecordedDeviation.id().to_string(), Some(Derived::Deviation), recorded_absent(f))
            } else if let Some(v) = vars.filter(|_| restricted_min) {
                // The codebook's own blank value, where one of the variables has it.
                let blank = v.iter().find_map(|(var, _)| blank_of(var).map(|b| format!("{var}: {b}")));
                let why = match blank {
                    Some(b) => format!(
                        "holds {}; blank is a value of the codebook ({b}), and no dictionary field is mandatory",
                        variables(v)
                    ),
                    None => format!(
                        "holds {}; no dictionary field is mandatory and the codebooks define blank values",
                        variables(v)
                    ),
                };
                (
                    Rule::BlankVariable.id().to_string(),
                    Some(Derived::Min(base_min)),
                    confirmed(why, absent.map(|f| recorded_absent(f))),
                )
            } else if let Some(f) = absent {
                (Rule::RecordedAbsent.id().to_string(), Some(Derived::Min(0)), recorded_absent(f))
            } else {
                ("holds".to_string(), None, String::new())
            };
            out.push(self.decide(s, n, restriction, rule, change, evidence));
        }
        // max: an IG restriction, or more values recorded than the definition allows.
        if restricted_max || most.is_some() {
            let restriction = format!("max {} (base {})", card(node.max), card(base_max));
            let shared = placements.codes.get(&n).filter(|codes| codes.len() > 1);
            let seen = most.map(|f| recorded_max(f));
            let (rule, change, evidence) = if node.served.max.is_some() || deviation {
                (hand(self, "max").unwrap_or_default(), None, String::new())
            } else if let Some(f) = most.filter(|f| f.max as u32 > base_max) {
                (Rule::RecordedDeviation.id().to_string(), Some(Derived::Deviation), recorded_max(f))
            } else if let (0, Some(v)) = (node.max, vars) {
                let why = format!("the dictionary places {} here", variables(v));
                (Rule::PlacedVariable.id().to_string(), Some(Derived::Max(base_max)), confirmed(why, seen))
            } else if let (0, Some(v)) = (node.max, placements.written.get(&n)) {
                let why = format!("the dictionary has the server write it with {}", variables(v));
                (Rule::DictionaryWrites.id().to_string(), Some(Derived::Max(base_max)), confirmed(why, seen))
            } else if let Some(codes) = shared {
                let told: Vec<String> = codes.iter().map(|(code, v)| format!("`{code}`: {}", variables(v))).collect();
                let why = format!(
                    "one entry holds each variable told apart here, and equal values share an entry: {}",
                    told.join("; ")
                );
                (Rule::SharedEntry.id().to_string(), Some(Derived::Max(base_max)), confirmed(why, seen))
            } else if let Some(f) = most {
                (Rule::RecordedRepeats.id().to_string(), Some(Derived::Max(base_max)), recorded_max(f))
            } else {
                ("holds".to_string(), None, String::new())
            };
            out.push(self.decide(s, n, restriction, rule, change, evidence));
        }
        out
    }

    /// Records a verdict, applying its change (a new errata row with the evidence).
    fn decide(
        &mut self,
        s: &Structure,
        n: usize,
        restriction: String,
        rule: String,
        change: Option<Derived>,
        evidence: String,
    ) -> Verdict {
        let node_id = self.arena.nodes[n].id.clone();
        let served = match change {
            None if rule == "holds" => "as published".to_string(),
            None => {
                let node = &self.arena.nodes[n];
                card_range(node.served.min.unwrap_or(node.min), node.served.max.unwrap_or(node.max))
            }
            Some(change) => {
                self.errata.push(Erratum {
                    rule: rule.clone(),
                    change: match change {
                        Derived::Min(m) => Change::Min(m),
                        Derived::Max(m) => Change::Max(m),
                        Derived::Deviation => Change::Deviation,
                    },
                    profiles: vec![s.url.clone()],
                    elements: vec![node_id.clone()],
                    evidence: evidence.clone(),
                });
                self.errata_matches.push(1);
                let i = self.errata.len() - 1;
                let node = &mut self.arena.nodes[n];
                node.served.errata.push(i);
                match change {
                    Derived::Min(m) => node.served.min = Some(m),
                    Derived::Max(m) => node.served.max = Some(m),
                    Derived::Deviation => node.served.deviation = Some(i),
                }
                if change == Derived::Deviation {
                    "warning".to_string()
                } else {
                    card_range(node.served.min.unwrap_or(node.min), node.served.max.unwrap_or(node.max))
                }
            }
        };
        Verdict { structure: s.url.clone(), element: node_id, restriction, rule, served, evidence }
    }
}

/// What a derived verdict changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Derived {
    Min(u32),
    Max(u32),
    Deviation,
}

fn card(n: u32) -> String {
    if n == MANY {
        "*".into()
    } else {
        n.to_string()
    }
}

fn card_range(min: u32, max: u32) -> String {
    format!("{min}..{}", card(max))
}

/// `data dictionary #2, #121 (admtg_dgns_cd, fst_dgns_e_cd)`, at most a few named.
fn variables(v: &BTreeSet<(String, String)>) -> String {
    const NAMED: usize = 4;
    let names: BTreeSet<&str> = v.iter().map(|(var, _)| var.as_str()).collect();
    let sources: BTreeSet<&str> = v.iter().map(|(_, src)| src.as_str()).collect();
    let shown: Vec<&str> = names.iter().take(NAMED).copied().collect();
    let more = names.len().saturating_sub(NAMED);
    let mut text = format!("variable{} {}", if names.len() == 1 { "" } else { "s" }, shown.join(", "));
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    // `data dictionary #2`, `data dictionary #3` → `data dictionary #2, #3`.
    let mut src: Vec<String> = Vec::new();
    for (i, source) in sources.iter().take(NAMED).enumerate() {
        let short = source.strip_prefix("data dictionary ").filter(|_| i > 0);
        src.push(short.unwrap_or(source).to_string());
    }
    text.push_str(&format!(" ({}{})", src.join(", "), if sources.len() > NAMED { ", ..." } else { "" }));
    text
}

/// A reason, with what the recorded versions show of it when they show it.
fn confirmed(why: String, recorded: Option<String>) -> String {
    match recorded {
        Some(r) => format!("{why}; {r}"),
        None => why,
    }
}

fn recorded_absent(f: &RecordedElement) -> String {
    format!(
        "recorded without it in {} of {} parents (versions {}; first: {})",
        f.parents - f.present,
        f.parents,
        f.absent_in.join(", "),
        f.absent_at.as_deref().unwrap_or("?")
    )
}

fn recorded_max(f: &RecordedElement) -> String {
    match &f.max_at {
        Some(at) => format!("recorded with {} values (versions {}; {at})", f.max, f.max_in.join(", ")),
        None => format!("recorded in {} of {} parents (versions {})", f.present, f.parents, f.versions.join(", ")),
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} → {} [{}]", self.structure, self.element, self.restriction, self.served, self.rule)?;
        if !self.evidence.is_empty() {
            write!(f, " {}", self.evidence)?;
        }
        Ok(())
    }
}

impl Tables {
    /// The audit listing of `bluebutton-codegen check --errata`: the recorded versions read,
    /// every restriction with its served verdict and evidence (grouped by definition), and the
    /// count of verdicts per rule.
    pub fn errata_listing(&self) -> String {
        let mut out = String::new();
        let sources: Vec<String> = self.recorded_sources.iter().map(|(v, n)| format!("{v} ({n} files)")).collect();
        out.push_str(&format!("recorded server versions: {}\n", sources.join(", ")));
        let mut current = "";
        let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for v in &self.verdicts {
            if v.structure != current {
                current = &v.structure;
                out.push_str(&format!("== {current}\n"));
            }
            out.push_str(&format!("  {}: {} → {} [{}]", v.element, v.restriction, v.served, v.rule));
            if !v.evidence.is_empty() {
                out.push_str(&format!(" {}", v.evidence));
            }
            out.push('\n');
            *per_rule.entry(v.rule.as_str()).or_default() += 1;
        }
        out.push_str(&format!("{} restrictions and recorded departures:", self.verdicts.len()));
        for (rule, n) in per_rule {
            out.push_str(&format!(" {rule} {n},"));
        }
        out.pop();
        out.push('\n');
        out
    }
}
