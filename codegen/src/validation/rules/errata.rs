//! The served-data errata of the validator (`profiles/errata/validation.json`): rules about
//! elements, each with its evidence, that turn the IG as published into what is served.
//!
//! Each entry selects elements by definition URL and element id (globs: `*` matches within one
//! path segment, `**` across segments) and
//! says what changes under the *served* target:
//! - `min` / `max`: the cardinality served (a snapshot defect corrected);
//! - `restore`: base elements the profile's snapshot drops, taken back from the base
//!   definition (the listed element ids are the base's);
//! - `deviation`: where the server departs from base STU3; a violation of the element's
//!   cardinality or binding is reported as a warning (rule `served-deviation`), not an error;
//! - `content-deviation`: the server departs from base STU3 inside the element's values (a
//!   placeholder that breaks `ele-1` or a reference's format): an error of one of the listed
//!   `rules` at or below the element is reported as a `served-deviation` warning;
//! - `binding`: the value set served instead of the published one;
//! - `types`: the types served instead (`value`: a list of type codes);
//! - `extension-urls`: slices by url and fixed `Extension.url` values use the served URL of
//!   the IG extension (the URL map of `coding-systems/errata/url-exceptions.json` and the
//!   naming rule, see `crate::errata`);
//! - `code-systems`: value sets of the IG's CodeSystems are served as the codebook variable's
//!   code system, with the codebook's codes (see `crate::codes`).
//!
//! An entry that selects nothing is an error: errata must not go stale silently.
use std::fmt;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::validation::ir::{Structure, Tables};
use crate::validation::tree::{Availability, Fixed, Node};
use crate::validation::Inputs;

/// One erratum: which elements, what changes, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Written")]
pub struct Erratum {
    /// A stable id (`extension-id-optional`), shown in findings and listings.
    pub rule: String,
    pub change: Change,
    /// Definition URLs (globs) the rule applies to.
    pub profiles: Vec<String>,
    /// Element ids (globs) the rule applies to.
    pub elements: Vec<String>,
    /// Why: a codebook variable, a data-dictionary entry, an IG inconsistency, or the server's
    /// own output in the recorded responses.
    pub evidence: String,
}

/// What an erratum changes under the served target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The cardinality served.
    Min(u32),
    Max(u32),
    /// Base elements the profile's snapshot drops, taken back (`elements`: the base's ids).
    Restore,
    /// The server departs from base STU3 at the element: its violations are warnings.
    Deviation,
    /// The server departs from base STU3 inside the element's values: errors of these rules
    /// at or below it are warnings.
    ContentDeviation(Vec<String>),
    /// The value set served instead.
    Binding(String),
    /// The type codes served instead.
    Types(Vec<String>),
    /// Slices by url and fixed `Extension.url` values use the served URL.
    ExtensionUrls,
    /// IG CodeSystem value sets are read as the codebook variable's served code system.
    CodeSystems,
}

impl Change {
    /// The name written in the errata file (`content-deviation`).
    pub fn name(&self) -> &'static str {
        match self {
            Change::Min(_) => "min",
            Change::Max(_) => "max",
            Change::Restore => "restore",
            Change::Deviation => "deviation",
            Change::ContentDeviation(_) => "content-deviation",
            Change::Binding(_) => "binding",
            Change::Types(_) => "types",
            Change::ExtensionUrls => "extension-urls",
            Change::CodeSystems => "code-systems",
        }
    }

    /// Whether the change makes violations at the element warnings.
    pub fn is_deviation(&self) -> bool {
        matches!(self, Change::Deviation | Change::ContentDeviation(_))
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An erratum as the file writes it; [`Erratum`] checks that each change has exactly the
/// members it needs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    rule: String,
    change: String,
    #[serde(default)]
    profiles: Vec<String>,
    #[serde(default)]
    elements: Vec<String>,
    /// The cardinality (`min`, `max`; `"*"` for many) or the type codes (`types`).
    value: Option<serde_json::Value>,
    /// The finding rules of a `content-deviation`.
    rules: Option<Vec<String>>,
    /// The value set of a `binding`.
    #[serde(rename = "valueSet")]
    value_set: Option<String>,
    evidence: String,
}

impl TryFrom<Written> for Erratum {
    type Error = String;

    fn try_from(w: Written) -> Result<Erratum, String> {
        let rule = w.rule.clone();
        let err = |what: &str| format!("erratum `{rule}`: {what}");
        let none = |present: bool, member: &str| {
            if present {
                Err(err(&format!("`{member}` is not used by `{}`", w.change)))
            } else {
                Ok(())
            }
        };
        let change = match w.change.as_str() {
            "min" | "max" => {
                none(w.rules.is_some(), "rules")?;
                none(w.value_set.is_some(), "valueSet")?;
                let n = match &w.value {
                    Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                    Some(serde_json::Value::String(s)) if s == "*" && w.change == "max" => {
                        Some(crate::validation::tree::MANY)
                    }
                    _ => None,
                }
                .ok_or_else(|| err("`value` must be a cardinality (a number, or \"*\" for max)"))?;
                if w.change == "min" {
                    Change::Min(n)
                } else {
                    Change::Max(n)
                }
            }
            "types" => {
                none(w.rules.is_some(), "rules")?;
                none(w.value_set.is_some(), "valueSet")?;
                let codes = w
                    .value
                    .as_ref()
                    .and_then(|v| v.as_array())
                    .and_then(|list| list.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
                    .filter(|codes| !codes.is_empty())
                    .ok_or_else(|| err("`value` must list type codes"))?;
                Change::Types(codes)
            }
            "binding" => {
                none(w.value.is_some(), "value")?;
                none(w.rules.is_some(), "rules")?;
                Change::Binding(w.value_set.clone().ok_or_else(|| err("`binding` needs a `valueSet`"))?)
            }
            "content-deviation" => {
                none(w.value.is_some(), "value")?;
                none(w.value_set.is_some(), "valueSet")?;
                let rules =
                    w.rules.clone().filter(|r| !r.is_empty()).ok_or_else(|| err("`rules` lists the finding rules"))?;
                Change::ContentDeviation(rules)
            }
            other => {
                let change = match other {
                    "restore" => Change::Restore,
                    "deviation" => Change::Deviation,
                    "extension-urls" => Change::ExtensionUrls,
                    "code-systems" => Change::CodeSystems,
                    _ => return Err(err(&format!("unknown change `{other}`"))),
                };
                none(w.value.is_some(), "value")?;
                none(w.rules.is_some(), "rules")?;
                none(w.value_set.is_some(), "valueSet")?;
                change
            }
        };
        if w.evidence.trim().is_empty() {
            return Err(err("no evidence"));
        }
        let selects = !w.profiles.is_empty() && !w.elements.is_empty();
        if selects == matches!(change, Change::CodeSystems) {
            return Err(err("`profiles` and `elements` select what it changes (all but `code-systems`)"));
        }
        Ok(Erratum { rule: w.rule, change, profiles: w.profiles, elements: w.elements, evidence: w.evidence })
    }
}

/// The file, relative to the workspace root.
pub const FILE: &str = "profiles/errata/validation.json";

/// Reads the errata. A definition set without the IG (the test fixtures of the core alone)
/// may have none; with the IG, a missing file is an error: the served target would silently
/// be the published one.
pub fn load(root: &Path) -> Result<Vec<Erratum>, String> {
    let path = root.join(FILE);
    if !path.exists() {
        if root.join("profiles/bb2ig").is_dir() {
            return Err(format!("{}: missing: the served target needs its errata", path.display()));
        }
        return Ok(Vec::new());
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Glob matching: `**` matches any text, `*` any text without a `.` (one path segment, a
/// slice name), everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    // Cheap necessary conditions first: the text starts with the first literal part and ends
    // with the last one (most element ids fail here).
    let first = pattern.split('*').next().unwrap_or_default();
    let last = pattern.rsplit('*').next().unwrap_or_default();
    if !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    matches(pattern, text)
}

fn matches(pattern: &str, text: &str) -> bool {
    if let Some(rest) = pattern.strip_prefix("**") {
        return (0..=text.len()).filter(|&i| text.is_char_boundary(i)).any(|i| matches(rest, &text[i..]));
    }
    if let Some(rest) = pattern.strip_prefix('*') {
        let stop = text.find('.').unwrap_or(text.len());
        return (0..=stop).filter(|&i| text.is_char_boundary(i)).any(|i| matches(rest, &text[i..]));
    }
    match (pattern.chars().next(), text.chars().next()) {
        (None, None) => true,
        (Some(p), Some(t)) if p == t => matches(&pattern[p.len_utf8()..], &text[t.len_utf8()..]),
        _ => false,
    }
}

impl Erratum {
    /// Whether the rule applies to the definition `url`.
    pub fn selects_profile(&self, url: &str) -> bool {
        self.profiles.iter().any(|p| glob(p, url))
    }

    /// Whether the rule applies to the element `id`.
    pub fn selects_element(&self, id: &str) -> bool {
        self.elements.iter().any(|p| glob(p, id))
    }
}

impl Tables {
    pub(crate) fn apply_errata(&mut self, inputs: &Inputs<'_>) -> Result<(), String> {
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
                return Err(format!("{}: erratum `{}` selects nothing", FILE, e.rule));
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
}

#[cfg(test)]
mod tests {
    use super::{glob, Change, Erratum};

    fn parse(json: &str) -> Result<Erratum, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    const AT: &str = r#""profiles": ["http://x/p"], "elements": ["P.a"], "evidence": "why""#;

    #[test]
    fn each_change_is_typed() {
        let e = parse(&format!(r#"{{"rule": "r", "change": "max", "value": "*", {AT}}}"#)).unwrap();
        assert_eq!(e.change, Change::Max(crate::validation::tree::MANY));
        let e = parse(&format!(r#"{{"rule": "r", "change": "min", "value": 0, {AT}}}"#)).unwrap();
        assert_eq!(e.change, Change::Min(0));
        let e = parse(&format!(r#"{{"rule": "r", "change": "types", "value": ["Coding"], {AT}}}"#)).unwrap();
        assert_eq!(e.change, Change::Types(vec!["Coding".into()]));
        let e = parse(&format!(r#"{{"rule": "r", "change": "content-deviation", "rules": ["ele-1"], {AT}}}"#)).unwrap();
        assert_eq!(e.change, Change::ContentDeviation(vec!["ele-1".into()]));
        let e = parse(r#"{"rule": "r", "change": "code-systems", "evidence": "why"}"#).unwrap();
        assert_eq!(e.change, Change::CodeSystems);
    }

    #[test]
    fn a_malformed_erratum_is_an_error_naming_it() {
        for (json, expected) in [
            (format!(r#"{{"rule": "r", "change": "mni", "value": 0, {AT}}}"#), "unknown change `mni`"),
            (format!(r#"{{"rule": "r", "change": "min", "value": "*", {AT}}}"#), "must be a cardinality"),
            (format!(r#"{{"rule": "r", "change": "max", {AT}}}"#), "must be a cardinality"),
            (format!(r#"{{"rule": "r", "change": "binding", {AT}}}"#), "needs a `valueSet`"),
            (format!(r#"{{"rule": "r", "change": "deviation", "value": 1, {AT}}}"#), "`value` is not used"),
            (format!(r#"{{"rule": "r", "change": "content-deviation", {AT}}}"#), "`rules` lists"),
            (format!(r#"{{"rule": "r", "change": "min", "value": 0, "valu": 1, {AT}}}"#), "unknown field `valu`"),
            (r#"{"rule": "r", "change": "min", "value": 0, "evidence": "why"}"#.to_string(), "select what it changes"),
            (
                r#"{"rule": "r", "change": "restore", "profiles": ["p"], "elements": ["e"], "evidence": " "}"#
                    .to_string(),
                "no evidence",
            ),
        ] {
            let error = parse(&json).unwrap_err();
            assert!(error.contains(expected), "{json}: {error}");
            assert!(error.contains("unknown field") || error.contains("erratum `r`"), "{error}");
        }
    }

    #[test]
    fn a_missing_errata_file_is_an_error_where_the_ig_is() {
        let dir = std::env::temp_dir().join(format!("bluebutton-errata-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("profiles/bb2ig")).unwrap();
        let error = super::load(&dir).unwrap_err();
        assert!(error.contains("missing"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abc"));
        assert!(glob("a*c", "ac"));
        assert!(!glob("a*c", "ab"));
        assert!(!glob("a*c", "a.c"));
        assert!(glob("a**c", "a.b.c"));
        assert!(glob("**.extension:*", "ExplanationOfBenefit.item.extension:x-y"));
        assert!(!glob("**.extension:*", "ExplanationOfBenefit.item.extension:x.url"));
        assert!(!glob("**.extension:*", "ExplanationOfBenefit.item.extension"));
        assert!(glob("**.extension:*.id", "ExplanationOfBenefit.extension:x.id"));
        assert!(glob("x", "x"));
        assert!(glob("http://a/bluebutton-*-claim", "http://a/bluebutton-pde-claim"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXcYb"));
    }
}
