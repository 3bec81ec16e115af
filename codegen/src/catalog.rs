//! The catalog of Medicare fields: where each CCW variable lives in the STU3 resources.
//!
//! Built from the data dictionary's facts (`coding-systems/data-dictionary/v1.json`: variable,
//! label, claim types, element, discriminator) plus the served-data errata
//! (`coding-systems/errata/variables.json`), which fix the dictionary's mistakes and add the
//! fields the server sends that the dictionary does not place. A [`Field`] is a variable and a
//! path of [`Step`]s from a resource (or from one of its repeating elements, the [`Level`]) to
//! the value, where a step may carry the [`Filter`] that selects one entry of a repeating
//! element by a URL or code (never by position). The view emitter turns fields into accessors.
//!
//! Older server versions put some fields elsewhere (or sent fields the current one does not):
//! `coding-systems/errata/history.json` lists those [`Placement`]s, each with the recorded
//! versions and the evidence. A field's accessor reads its current place first, then each older
//! one.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// The served URL prefix of CCW variables.
pub const VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";

/// Everything the server serves under its own namespace.
pub const BLUEBUTTON: &str = "https://bluebutton.cms.gov/resources/";

/// The code systems of the category codings whose codes are variable URLs. The dictionary
/// names them for most fields and leaves them out for some; they are the same for all.
const CATEGORY_SYSTEMS: &[(&str, &str, &str)] = &[
    ("adjudication", "category", "https://bluebutton.cms.gov/resources/codesystem/adjudication"),
    ("information", "category", "https://bluebutton.cms.gov/resources/codesystem/information"),
    ("financial", "type", "https://bluebutton.cms.gov/resources/codesystem/benefit-balance"),
];

/// One data-dictionary entry (facts only, as imported).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DictionaryEntry {
    pub id: u32,
    pub name: String,
    #[serde(default)]
    pub applies_to: Vec<String>,
    #[serde(default)]
    pub ccw_mapping: Vec<String>,
    #[serde(default)]
    pub fhir_mapping: Vec<Mapping>,
}

/// Where the dictionary (or an erratum) places a variable, in the dictionary's notation:
/// `item[N].extension[N].valueCoding.code` with `item[N].extension[N].url = '<url>'`.
#[derive(Debug, Clone, Deserialize)]
pub struct Mapping {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub element: String,
    #[serde(default)]
    pub discriminator: Vec<String>,
    /// What the server writes with the value (`eob.item[N].adjudication[N].amount.code = 'USD'`,
    /// a category's display): the dictionary's `additional` lines.
    #[serde(default)]
    pub additional: Vec<String>,
}

/// A correction of, or addition to, the dictionary, with its evidence.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erratum {
    /// The variable (served id, lower case).
    pub variable: String,
    /// What is wrong or missing and how we know: a codebook variable, a dictionary entry, the
    /// IG, or a sibling variable the dictionary places the same way.
    pub evidence: String,
    /// The dictionary entries (by id) whose mappings this one replaces.
    #[serde(default)]
    pub replaces: Vec<u32>,
    /// The mapping that replaces theirs (or adds one); `None` drops them.
    pub mapping: Option<Mapping>,
    /// The accessor name, when the variable has another field at the same level.
    pub accessor: Option<String>,
    /// Claim types, when the dictionary has none or the wrong ones.
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// The label, when the dictionary has none.
    pub label: Option<String>,
}

/// Where older server versions placed variables (`coding-systems/errata/history.json`): one
/// entry per behaviour, for one variable or for a class of variables that moved the same way.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlderPlacement {
    /// The variables (served ids) placed this way; a `<variable>` in the mapping stands for
    /// each.
    pub variables: Vec<String>,
    /// The recorded server versions (`2020-10`) that send the variables at this place.
    pub versions: Vec<String>,
    /// Where in those versions' responses, and why it is the same variable.
    pub evidence: String,
    /// The place, in the dictionary's notation.
    pub mapping: Mapping,
    /// The label, for a variable the current server does not send (no field to take it from).
    pub label: Option<String>,
    /// Claim types, for a variable the current server does not send.
    #[serde(default)]
    pub applies_to: Vec<String>,
}

/// One more place of a field: where older server versions sent it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Placement {
    /// Steps from the field's level to the value, as [`Field::steps`].
    pub steps: Vec<Step>,
    /// The recorded server versions that send the field here.
    pub versions: Vec<String>,
    /// How we know.
    pub evidence: String,
}

/// The repeating element a field belongs to; `Root` is the resource itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Root,
    /// `ExplanationOfBenefit.item`: a claim line.
    Line,
    CareTeam,
    Diagnosis,
    Procedure,
}

impl Level {
    fn of(step: &str) -> Option<Level> {
        Some(match step {
            "item" => Level::Line,
            "careTeam" => Level::CareTeam,
            "diagnosis" => Level::Diagnosis,
            "procedure" => Level::Procedure,
            _ => return None,
        })
    }

    /// The FHIR element of the level (`item`), empty for the root.
    pub fn element(self) -> &'static str {
        match self {
            Level::Root => "",
            Level::Line => "item",
            Level::CareTeam => "careTeam",
            Level::Diagnosis => "diagnosis",
            Level::Procedure => "procedure",
        }
    }
}

/// How one entry of a repeating element is chosen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filter {
    /// An extension with this `url`.
    Url(String),
    /// A Coding or Identifier with this `system`.
    System(String),
    /// An entry whose CodeableConcept `element` (`category`, `type`, `role`) has a coding with
    /// this code (and, when given, this system).
    Coded { element: String, code: String, system: Option<String> },
    /// A contained resource of this type.
    ResourceType(String),
    /// An entry carrying an extension with this `url` (and, when given, this `valueCoding` code),
    /// such as the identifier currency (`current`, `historic`) of Patient identifiers.
    HasExtension { url: String, code: Option<String> },
}

/// One step of a path: an element name, and the filters choosing among its entries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Step {
    pub name: String,
    pub filters: Vec<Filter>,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Url(u) => write!(f, "url='{u}'"),
            Filter::System(s) => write!(f, "system='{s}'"),
            Filter::Coded { element, code, system: Some(s) } => write!(f, "{element}='{s}|{code}'"),
            Filter::Coded { element, code, system: None } => write!(f, "{element}='{code}'"),
            Filter::ResourceType(t) => write!(f, "resourceType='{t}'"),
            Filter::HasExtension { url, code: Some(c) } => write!(f, "extension('{url}')='{c}'"),
            Filter::HasExtension { url, code: None } => write!(f, "extension('{url}')"),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.filters.is_empty() {
            let filters: Vec<String> = self.filters.iter().map(ToString::to_string).collect();
            write!(f, "({})", filters.join(", "))?;
        }
        Ok(())
    }
}

/// One Medicare field: a variable at a place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Field {
    pub resource: String,
    pub level: Level,
    /// Steps from the level to the value.
    pub steps: Vec<Step>,
    /// The served variable id (`carr_line_prvdr_type_cd`).
    pub variable: String,
    pub label: String,
    /// Claim types (`Carrier`, `PDE`...) or Coverage parts (`Part-A`...); empty for Patient.
    pub claim_types: BTreeSet<String>,
    /// The dictionary entry (`data dictionary #12`) or erratum the field comes from.
    pub source: String,
    /// The accessor name when it is not the variable's.
    pub accessor: Option<String>,
    /// Whether the current server sends the field at [`steps`](Self::steps). `false` for a
    /// field only older versions sent: its `steps` are then those of `older[0]`.
    pub current: bool,
    /// Where older server versions sent the field, newest first; the accessor reads `steps`,
    /// then each of these.
    pub older: Vec<Placement>,
    /// Elements the server writes with the value, by the dictionary (`additional`): paths
    /// from the resource without indexes (`item.adjudication.amount.code`).
    pub written: Vec<String>,
}

impl Field {
    /// The FHIR location, FHIRPath-like: `ExplanationOfBenefit.item.extension(url='…').valueCoding`.
    pub fn location(&self) -> String {
        self.location_of(&self.steps)
    }

    /// The location of `steps` from the field's level (one of its [`Placement`]s).
    pub fn location_of(&self, steps: &[Step]) -> String {
        let mut loc = self.resource.clone();
        if self.level != Level::Root {
            loc.push('.');
            loc.push_str(self.level.element());
        }
        for step in steps {
            loc.push('.');
            loc.push_str(&step.to_string());
        }
        loc
    }

    /// The steps of every place of the field: the current one, then the older ones that
    /// differ from it.
    pub fn placements(&self) -> Vec<&[Step]> {
        let mut out: Vec<&[Step]> = vec![&self.steps];
        for p in &self.older {
            if !out.contains(&p.steps.as_slice()) {
                out.push(&p.steps);
            }
        }
        out
    }

    /// Every bluebutton URL the field is found by (extension urls, systems, category codes and
    /// their systems), and the variable's own URL, which is the system of its coded values.
    pub fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        let placements = self.placements();
        for filter in placements.iter().flat_map(|p| p.iter()).flat_map(|s| &s.filters) {
            match filter {
                Filter::Url(u) | Filter::System(u) => urls.push(u.clone()),
                Filter::Coded { code, system, .. } => {
                    urls.extend([Some(code.clone()), system.clone()].into_iter().flatten())
                }
                Filter::HasExtension { url, .. } => urls.push(url.clone()),
                Filter::ResourceType(_) => {}
            }
        }
        urls.push(format!("{VARIABLES}{}", self.variable));
        urls.retain(|u| u.starts_with(BLUEBUTTON));
        urls.sort();
        urls.dedup();
        urls
    }

    /// The bluebutton URL that identifies the field in the data, if one does.
    pub fn url(&self) -> Option<&str> {
        self.steps.iter().rev().flat_map(|s| &s.filters).find_map(|f| match f {
            Filter::Url(u) | Filter::System(u) if u.starts_with("https://bluebutton.cms.gov/") => Some(u.as_str()),
            Filter::Coded { code, .. } if code.starts_with("https://bluebutton.cms.gov/") => Some(code.as_str()),
            _ => None,
        })
    }
}

/// Every field, and what could not be placed (with why), for review.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub fields: Vec<Field>,
    /// Dictionary entries or errata left out: (source, variable, reason).
    pub skipped: Vec<(String, String, String)>,
}

/// A failure to read the catalog's inputs.
#[derive(Debug)]
pub struct CatalogError(pub String);

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CatalogError {}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, CatalogError> {
    let text = fs::read_to_string(path).map_err(|e| CatalogError(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| CatalogError(format!("{}: {e}", path.display())))
}

impl Catalog {
    /// Loads `<root>/coding-systems/data-dictionary/v1.json`,
    /// `<root>/coding-systems/errata/variables.json` and `<root>/coding-systems/errata/history.json`
    /// (any may be absent in test sets).
    pub fn load(root: &Path) -> Result<Catalog, CatalogError> {
        // A definition set without the data dictionary (the generator's test fixtures) has no
        // fields; with it, each errata file must be there: a missing one would silently drop
        // its corrections.
        let dd_path = root.join("coding-systems/data-dictionary/v1.json");
        let required = dd_path.exists();
        let read_or_empty = |relative: &str| -> Result<Option<std::path::PathBuf>, CatalogError> {
            let path = root.join(relative);
            match (path.exists(), required) {
                (true, _) => Ok(Some(path)),
                (false, true) => Err(CatalogError(format!("{}: missing", path.display()))),
                (false, false) => Ok(None),
            }
        };
        let dictionary: Vec<DictionaryEntry> = if required { read_json(&dd_path)? } else { Vec::new() };
        let errata: Vec<Erratum> =
            read_or_empty("coding-systems/errata/variables.json")?.map_or(Ok(Vec::new()), |p| read_json(&p))?;
        let history: Vec<OlderPlacement> =
            read_or_empty("coding-systems/errata/history.json")?.map_or(Ok(Vec::new()), |p| read_json(&p))?;
        // Every entry an erratum replaces exists: a stale id would leave the dictionary's wrong
        // mapping in place.
        let ids: BTreeSet<u32> = dictionary.iter().map(|e| e.id).collect();
        let unknown: Vec<String> = errata
            .iter()
            .flat_map(|e| {
                e.replaces.iter().filter(|id| !ids.contains(id)).map(move |id| format!("#{id} ({})", e.variable))
            })
            .collect();
        if !unknown.is_empty() {
            return Err(CatalogError(format!(
                "coding-systems/errata/variables.json replaces data-dictionary entries that do not exist: {}",
                unknown.join(", ")
            )));
        }
        Ok(Catalog::build(&dictionary, &errata, &history))
    }

    /// The files [`Catalog::load`] reads (for build scripts' `rerun-if-changed`).
    pub fn input_files(root: &Path) -> Vec<std::path::PathBuf> {
        [
            "coding-systems/data-dictionary/v1.json",
            "coding-systems/errata/variables.json",
            "coding-systems/errata/url-exceptions.json",
            "coding-systems/errata/history.json",
        ]
        .iter()
        .map(|f| root.join(f))
        .collect()
    }

    /// Places every dictionary mapping; an erratum for a variable replaces the dictionary's
    /// mappings of that variable; the older placements are added to the fields of their
    /// variables (at the same resource and level), or are fields of their own when the current
    /// server does not send the variable.
    pub fn build(dictionary: &[DictionaryEntry], errata: &[Erratum], history: &[OlderPlacement]) -> Catalog {
        let mut catalog = Catalog::default();
        let replaced: BTreeSet<u32> = errata.iter().flat_map(|e| e.replaces.iter().copied()).collect();
        // Label and claim types, by variable and by dictionary entry, for the errata.
        let mut known: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
        let mut by_entry: BTreeMap<u32, (String, BTreeSet<String>)> = BTreeMap::new();
        for entry in dictionary {
            for mapping in &entry.fhir_mapping {
                let source = format!("data dictionary #{}", entry.id);
                let Some(variable) = variable_of(entry, mapping) else {
                    catalog.skipped.push((source, entry.name.clone(), "no variable id".into()));
                    continue;
                };
                let claim_types: BTreeSet<String> =
                    entry.applies_to.iter().filter(|s| !s.is_empty()).cloned().collect();
                known.insert(variable.clone(), (entry.name.clone(), claim_types.clone()));
                by_entry.insert(entry.id, (entry.name.clone(), claim_types.clone()));
                if replaced.contains(&entry.id) {
                    continue;
                }
                catalog.add(mapping, &variable, &entry.name, &claim_types, &source, None);
            }
        }
        for erratum in errata {
            let Some(mapping) = &erratum.mapping else { continue };
            let (label, claim_types) = erratum
                .replaces
                .iter()
                .find_map(|id| by_entry.get(id))
                .or_else(|| known.get(&erratum.variable))
                .cloned()
                .unwrap_or_default();
            let label = erratum.label.clone().unwrap_or(label);
            let claim_types =
                if erratum.applies_to.is_empty() { claim_types } else { erratum.applies_to.iter().cloned().collect() };
            let source = format!("erratum: {}", erratum.evidence);
            catalog.add(mapping, &erratum.variable, &label, &claim_types, &source, erratum.accessor.clone());
        }
        catalog.fields.sort();
        // The same variable at the same place from two entries (per claim type): one field
        // for all their claim types.
        catalog.fields.dedup_by(|later, kept| {
            let same = later.resource == kept.resource
                && later.level == kept.level
                && later.steps == kept.steps
                && later.variable == kept.variable;
            if same {
                kept.claim_types.extend(later.claim_types.iter().cloned());
            }
            same
        });
        for older in history {
            catalog.add_older(older);
        }
        catalog.fields.sort();
        catalog
    }

    /// Adds one [`OlderPlacement`] to each of its variables.
    fn add_older(&mut self, older: &OlderPlacement) {
        let source = format!("history: {}", older.evidence);
        for variable in &older.variables {
            let with = |text: &str| text.replace("<variable>", variable);
            let mapping = Mapping {
                resource: older.mapping.resource.clone(),
                element: with(&older.mapping.element),
                discriminator: older.mapping.discriminator.iter().map(|d| with(d)).collect(),
                additional: Vec::new(),
            };
            if mapping.resource.is_empty() || mapping.element.contains(';') || mapping.element.trim().is_empty() {
                self.skipped.push((source.clone(), variable.clone(), "an older placement needs one element".into()));
                continue;
            }
            let (level, steps) = place(&mapping.element, &conditions(&mapping.discriminator), variable);
            let placement = Placement { steps, versions: older.versions.clone(), evidence: older.evidence.clone() };
            let of_variable: Vec<usize> = (0..self.fields.len())
                .filter(|&i| self.fields[i].variable == *variable && self.fields[i].resource == mapping.resource)
                .collect();
            if of_variable.is_empty() {
                let Some(label) = &older.label else {
                    self.skipped.push((
                        source.clone(),
                        variable.clone(),
                        "a variable not sent now needs a label".into(),
                    ));
                    continue;
                };
                self.fields.push(Field {
                    resource: mapping.resource.clone(),
                    level,
                    steps: placement.steps.clone(),
                    variable: variable.clone(),
                    label: label.clone(),
                    claim_types: older.applies_to.iter().cloned().collect(),
                    source: format!(
                        "not sent by the current server, only by older ones ({})",
                        older.versions.join(", ")
                    ),
                    accessor: None,
                    current: false,
                    written: Vec::new(),
                    older: vec![placement],
                });
                continue;
            }
            let at_level: Vec<usize> = of_variable.into_iter().filter(|&i| self.fields[i].level == level).collect();
            if at_level.is_empty() {
                let reason = format!("an older placement at another level ({level:?}) than the field's");
                self.skipped.push((source.clone(), variable.clone(), reason));
                continue;
            }
            for i in at_level {
                self.fields[i].older.push(placement.clone());
            }
        }
    }

    fn add(
        &mut self,
        mapping: &Mapping,
        variable: &str,
        label: &str,
        claim_types: &BTreeSet<String>,
        source: &str,
        accessor: Option<String>,
    ) {
        if mapping.resource.is_empty() || mapping.element.trim().is_empty() {
            self.skipped.push((source.into(), variable.into(), "the dictionary gives no element".into()));
            return;
        }
        let conditions = conditions(&mapping.discriminator);
        // `a; b` lists several places where the server puts the value. A `…LinkId` place is
        // a line's link to the care team or diagnosis entry holding the value, not the value.
        for element in mapping.element.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            if element.ends_with("LinkId") {
                self.skipped.push((source.into(), variable.into(), format!("`{element}` links to the value")));
                continue;
            }
            self.place_one(mapping, element, &conditions, variable, label, claim_types, source, accessor.clone());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn place_one(
        &mut self,
        mapping: &Mapping,
        element: &str,
        conditions: &[(Vec<String>, String)],
        variable: &str,
        label: &str,
        claim_types: &BTreeSet<String>,
        source: &str,
        accessor: Option<String>,
    ) {
        let (level, steps) = place(element, conditions, variable);
        self.fields.push(Field {
            resource: mapping.resource.clone(),
            level,
            steps,
            variable: variable.into(),
            label: label.into(),
            claim_types: claim_types.clone(),
            source: source.into(),
            accessor,
            current: true,
            older: Vec::new(),
            written: written_elements(&mapping.additional),
        });
    }
}

/// The element paths of the dictionary's `additional` lines (`eob.item[N].amount.code = 'USD'`
/// → `item.amount.code`); lines that are prose or conditions are left out.
fn written_elements(additional: &[String]) -> Vec<String> {
    let mut out: Vec<String> = additional
        .iter()
        .filter_map(|line| {
            let lhs = line.split('=').next()?.trim();
            let path = ["eob.", "coverage.", "patient."].iter().find_map(|p| lhs.strip_prefix(p))?;
            let mut clean = String::with_capacity(path.len());
            let mut in_index = false;
            for c in path.chars() {
                match c {
                    '[' => in_index = true,
                    ']' => in_index = false,
                    _ if in_index => {}
                    _ => clean.push(c),
                }
            }
            clean.chars().all(|c| c.is_ascii_alphanumeric() || c == '.').then_some(clean)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The served variable id: from the discriminator's variable URL, else the CCW name.
fn variable_of(entry: &DictionaryEntry, mapping: &Mapping) -> Option<String> {
    let from_url = mapping.discriminator.iter().find_map(|d| {
        let start = d.find(VARIABLES)? + VARIABLES.len();
        let id: String = d[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (!id.is_empty()).then_some(id)
    });
    from_url.or_else(|| entry.ccw_mapping.first().filter(|s| !s.is_empty()).map(|s| s.to_lowercase())).or_else(|| {
        // Fields that are not CCW variables (the claim group identifier) are named by the
        // last segment of their bluebutton URL, as the server names them.
        mapping.discriminator.iter().find_map(|d| {
            let start = d.find(BLUEBUTTON)?;
            let url: String = d[start..].chars().take_while(|c| *c != '\'' && !c.is_whitespace()).collect();
            url.rsplit('/').next().map(str::to_string)
        })
    })
}

/// The steps of a dictionary path (`item[N].adjudication[N].amount.value` → item, adjudication,
/// amount, value). The dictionary writes `valuecoding` once; FHIR JSON is case-sensitive.
fn path_steps(path: &str) -> Vec<String> {
    path.split('.')
        .map(|s| s.split('[').next().unwrap_or(s).trim())
        .filter(|s| !s.is_empty())
        .map(|s| if s == "valuecoding" { "valueCoding".to_string() } else { s.to_string() })
        .collect()
}

/// `lhs = 'value'` conditions in the discriminators (several may share one string).
fn conditions(discriminator: &[String]) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for d in discriminator {
        let mut rest = d.as_str();
        while let Some(q) = rest.find('\'') {
            let lhs = rest[..q].trim_end().trim_end_matches([':', '=']).trim_end_matches('=').trim();
            let after = &rest[q + 1..];
            let Some(end) = after.find('\'') else { break };
            let value = after[..end].trim().to_string();
            // The left side is the last path-like token before the `=`.
            let lhs = lhs.rsplit(' ').next().unwrap_or(lhs);
            let steps = path_steps(lhs);
            if !steps.is_empty() {
                out.push((steps, value));
            }
            rest = &after[end + 1..];
        }
    }
    out
}

/// Splits an element path into its level and steps, attaching each condition as a filter to
/// the step it selects on.
fn place(element: &str, conditions: &[(Vec<String>, String)], variable: &str) -> (Level, Vec<Step>) {
    let names = path_steps(element);
    let mut steps: Vec<Step> = names.iter().map(|n| Step { name: n.clone(), filters: Vec::new() }).collect();
    // Conditions that create a filter (`url`, `code`) before those that refine one (`system`).
    let mut ordered: Vec<&(Vec<String>, String)> = conditions.iter().collect();
    ordered.sort_by_key(|(lhs, _)| match lhs.last().map(String::as_str) {
        Some("url") => 0,
        Some("code") => 1,
        _ => 2,
    });
    for (lhs, value) in ordered {
        // The step the condition is about: the longest shared prefix of the two paths.
        let shared = lhs.iter().zip(&names).take_while(|(a, b)| a == b).count();
        if shared == 0 || shared > steps.len() {
            continue;
        }
        let rel: Vec<&str> = lhs[shared..].iter().map(String::as_str).collect();
        let filters = &mut steps[shared - 1].filters;
        let value = value.clone();
        match rel.as_slice() {
            ["url"] => filters.push(Filter::Url(value)),
            ["system"] => filters.push(Filter::System(value)),
            ["resourceType"] => filters.push(Filter::ResourceType(value)),
            [element, "coding", "code"] => match filters.iter_mut().find_map(|f| match f {
                Filter::Coded { element: e, code, .. } if e == element => Some(code),
                _ => None,
            }) {
                Some(code) => *code = value,
                None => filters.push(Filter::Coded { element: (*element).to_string(), code: value, system: None }),
            },
            // A category system alone names the code system of the categories; it selects
            // nothing by itself, so it is kept only next to a code.
            [element, "coding", "system"] => {
                if let Some(system) = filters.iter_mut().find_map(|f| match f {
                    Filter::Coded { element: e, system, .. } if e == element => Some(system),
                    _ => None,
                }) {
                    *system = Some(value);
                }
            }
            ["extension", "url"] => filters.push(Filter::HasExtension { url: value, code: None }),
            ["extension", "valueCoding", "code"] => {
                if let Some(code) = filters.iter_mut().find_map(|f| match f {
                    Filter::HasExtension { code, .. } => Some(code),
                    _ => None,
                }) {
                    *code = Some(value);
                }
            }
            _ => {}
        }
    }
    // Every `information` entry the server sends has the variable's URL as its category code
    // (the dictionary's `additional` facts say so where its discriminator names only the code
    // system, e.g. #113): select by it too, so the entry is found by what identifies it.
    if let Some(info) = steps.iter_mut().find(|s| s.name == "information") {
        if !info.filters.iter().any(|f| matches!(f, Filter::Coded { element, .. } if element == "category")) {
            info.filters.push(Filter::Coded {
                element: "category".into(),
                code: format!("{VARIABLES}{variable}"),
                system: None,
            });
        }
    }
    for step in &mut steps {
        for filter in &mut step.filters {
            if let Filter::Coded { element, system: system @ None, .. } = filter {
                if let Some((_, _, s)) = CATEGORY_SYSTEMS.iter().find(|(n, e, _)| *n == step.name && e == element) {
                    *system = Some(s.to_string());
                }
            }
        }
    }
    match steps.first() {
        Some(first) if first.filters.is_empty() => match Level::of(&first.name) {
            Some(level) => (level, steps[1..].to_vec()),
            None => (Level::Root, steps),
        },
        _ => (Level::Root, steps),
    }
}

impl fmt::Display for Catalog {
    /// One line per field and per skipped entry, for snapshots and review.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for field in &self.fields {
            let types: Vec<&str> = field.claim_types.iter().map(String::as_str).collect();
            writeln!(
                f,
                "{} {:?} {} [{}] ({})",
                field.variable,
                field.level,
                field.location(),
                types.join(","),
                field.source
            )?;
            for older in &field.older {
                writeln!(
                    f,
                    "  older: {} [{}] ({})",
                    field.location_of(&older.steps),
                    older.versions.join(","),
                    older.evidence
                )?;
            }
        }
        for (source, variable, reason) in &self.skipped {
            writeln!(f, "skipped {variable} ({source}): {reason}")?;
        }
        Ok(())
    }
}
