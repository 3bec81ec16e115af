//! What the recorded server versions send: element occurrence facts from the real responses.
//!
//! Every response the Blue Button backend's tests recorded (`samples/v1-normalized/`, the
//! current server, and `samples/history-normalized/<yyyy-mm>/`, four older ones) is walked
//! member by member. For each kind of resource (its type; whether it is contained; for a claim,
//! its eob-type code: what decides the profile the validator checks it against) and each
//! element path below it, the facts kept are counts, never values:
//!
//! - `parents`: how many instances of the parent element were seen, `present`: in how many of
//!   them the element was, `max`: the most values it had in one;
//! - `maxAt`: where it had that many (when more than one), `absentAt`: where a parent lacked
//!   it (`<version>/<file> <json path>`, the first in file order), with the versions that did
//!   so (`maxIn`, `absentIn`), and the `versions` that sent it at all.
//!
//! Paths are element paths (`ExplanationOfBenefit.diagnosis.type`); an extension is named by
//! its url (`ExplanationOfBenefit.extension('https://…/asgmntcd').valueCoding`), as slices by
//! url are; a choice keeps its JSON name (`valueCoding`). Primitive extensions (`_given`) are
//! not walked. The validation stage reads these facts as the evidence that a recorded server
//! version sends something, mapping each kind to its profile (`codegen/src/validation/rules/served.rs`).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::source::{list_files, read_json};
use super::ImportError;

/// The output file, relative to the workspace root.
pub const FILE: &str = "profiles/recorded/elements.json";

/// The directory of the current server's responses, and its version label.
const CURRENT: (&str, &str) = ("v1-normalized", "current");

/// The code system of the claim type coding every served claim carries.
const EOB_TYPE_SYSTEM: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";

/// One element path of one profile, over every recorded response.
#[derive(Debug, Default)]
struct Stat {
    parents: usize,
    present: usize,
    max: usize,
    max_at: Option<String>,
    absent_at: Option<String>,
    versions: BTreeSet<String>,
    /// The versions in which a parent lacked it.
    absent_in: BTreeSet<String>,
    /// The versions in which it had `max` values (when more than one).
    max_in: BTreeSet<String>,
}

/// One parent instance: where it is (`<version>/<file> <json path>`), its version, and its
/// children with their number of values.
type Instance = (String, String, BTreeMap<String, usize>);

/// Counts per (resource kind, element path).
#[derive(Debug, Default)]
struct Recorder {
    stats: BTreeMap<(String, String), Stat>,
    /// Parent instances seen per (resource kind, parent path): the children each had, with counts,
    /// and where it was.
    instances: BTreeMap<(String, String), Vec<Instance>>,
}

/// The recorded versions under `samples`: `(label, directory)`, current first.
fn versions(samples: &Path) -> Result<Vec<(String, std::path::PathBuf)>, ImportError> {
    let mut out = vec![(CURRENT.1.to_string(), samples.join(CURRENT.0))];
    let history = samples.join("history-normalized");
    let mut older: Vec<_> = std::fs::read_dir(&history)
        .map_err(|e| ImportError::io(&history, e))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    older.sort();
    out.extend(older);
    Ok(out)
}

/// The facts form (`profiles/recorded/elements.json`) from `<shared>/samples`.
pub fn facts(samples: &Path) -> Result<Value, ImportError> {
    let mut recorder = Recorder::default();
    let mut sources = Vec::new();
    for (label, dir) in versions(samples)? {
        let files = list_files(&dir, "", ".json")?;
        sources.push(json!({"version": label, "files": files.len()}));
        for file in files {
            let doc = read_json(&file)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let at = format!("{label}/{name}");
            recorder.resource(&doc, &at, "", &label, false);
        }
    }
    Ok(recorder.finish(sources))
}

/// What decides the profile a resource is checked against, as a key: its type, whether it is
/// contained, and for a claim its eob-type code (`ExplanationOfBenefit@CARRIER`,
/// `ReferralRequest#contained`). The validation stage maps it to a profile with the IG and the
/// claim-type table; nothing here names a profile.
fn kind_of(resource: &Map<String, Value>, contained: bool) -> Option<String> {
    let resource_type = resource.get("resourceType")?.as_str()?;
    Some(match (contained, eob_type(resource)) {
        (true, _) => format!("{resource_type}#contained"),
        (false, Some(code)) => format!("{resource_type}@{code}"),
        (false, None) => resource_type.to_string(),
    })
}

/// The `type` coding of a claim in the eob-type system.
fn eob_type(resource: &Map<String, Value>) -> Option<String> {
    let codings = resource.get("type")?.get("coding")?.as_array()?;
    codings
        .iter()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(EOB_TYPE_SYSTEM))
        .and_then(|c| c.get("code")?.as_str())
        .map(str::to_string)
}

/// The members of a recorded kind: `resource`, `contained`, and the `eobType` when there is one.
fn kind_members(kind: &str) -> Value {
    match (kind.split_once('#'), kind.split_once('@')) {
        (Some((resource, _)), _) => json!({"resource": resource, "contained": true}),
        (None, Some((resource, code))) => json!({"resource": resource, "contained": false, "eobType": code}),
        (None, None) => json!({"resource": kind, "contained": false}),
    }
}

impl Recorder {
    /// Walks a resource at JSON path `at` (`<version>/<file> <path>`).
    fn resource(&mut self, value: &Value, file: &str, json_path: &str, version: &str, contained: bool) {
        let Some(object) = value.as_object() else { return };
        let Some(profile) = kind_of(object, contained) else { return };
        let root = object.get("resourceType").and_then(Value::as_str).unwrap_or_default().to_string();
        self.object(object, &profile, &root, file, json_path, version);
    }

    fn object(
        &mut self,
        object: &Map<String, Value>,
        profile: &str,
        path: &str,
        file: &str,
        json_path: &str,
        version: &str,
    ) {
        let mut children: BTreeMap<String, usize> = BTreeMap::new();
        for (key, value) in object {
            if key == "resourceType" || key.starts_with('_') {
                continue;
            }
            let member_path = join(json_path, key);
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            *children.entry(key.clone()).or_default() += items.len();
            let extension = key == "extension" || key == "modifierExtension";
            let nested_resources = matches!(key.as_str(), "contained" | "resource");
            for (i, item) in items.iter().enumerate() {
                let item_path = if value.is_array() { format!("{member_path}[{i}]") } else { member_path.clone() };
                if nested_resources {
                    // A contained resource (core definition) or a Bundle entry's resource
                    // (its own profile).
                    self.resource(item, file, &item_path, version, key == "contained");
                    continue;
                }
                let Some(child) = item.as_object() else { continue };
                let child_name = match (extension, child.get("url").and_then(Value::as_str)) {
                    (true, Some(url)) => {
                        let name = format!("{key}('{url}')");
                        *children.entry(name.clone()).or_default() += 1;
                        name
                    }
                    _ => key.clone(),
                };
                self.object(child, profile, &format!("{path}.{child_name}"), file, &item_path, version);
            }
        }
        for name in children.keys() {
            self.stats
                .entry((profile.to_string(), format!("{path}.{name}")))
                .or_default()
                .versions
                .insert(version.into());
        }
        self.instances.entry((profile.to_string(), path.to_string())).or_default().push((
            format!("{file} {json_path}"),
            version.to_string(),
            children,
        ));
    }

    /// The facts: per resource kind and element path, the counts over every parent instance.
    fn finish(mut self, sources: Vec<Value>) -> Value {
        for ((profile, parent), instances) in &self.instances {
            let prefix = format!("{parent}.");
            let names: BTreeSet<&String> = instances.iter().flat_map(|(_, _, c)| c.keys()).collect();
            for name in names {
                let stat = self.stats.entry((profile.clone(), format!("{prefix}{name}"))).or_default();
                for (at, version, children) in instances {
                    stat.parents += 1;
                    match children.get(name) {
                        Some(&n) => {
                            stat.present += 1;
                            if n > stat.max {
                                stat.max = n;
                                stat.max_in.clear();
                                // The JSON member: `extension` for `extension('<url>')`.
                                let key = name.split_once("('").map_or(name.as_str(), |(k, _)| k);
                                stat.max_at = (n > 1).then(|| join_member(at, key));
                            }
                            if n == stat.max && n > 1 {
                                stat.max_in.insert(version.clone());
                            }
                        }
                        None => {
                            stat.absent_in.insert(version.clone());
                            if stat.absent_at.is_none() {
                                stat.absent_at = Some(at.trim_end().to_string());
                            }
                        }
                    }
                }
            }
        }
        let mut by_profile: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for ((profile, path), stat) in &self.stats {
            let mut entry = json!({
                "path": path,
                "parents": stat.parents,
                "present": stat.present,
                "max": stat.max,
                "versions": stat.versions,
            });
            if let Some(at) = &stat.max_at {
                entry["maxAt"] = json!(at);
                entry["maxIn"] = json!(stat.max_in);
            }
            if let Some(at) = &stat.absent_at {
                entry["absentAt"] = json!(at);
                entry["absentIn"] = json!(stat.absent_in);
            }
            by_profile.entry(profile).or_default().push(entry);
        }
        let profiles: Vec<Value> = by_profile
            .into_iter()
            .map(|(kind, elements)| {
                let mut entry = kind_members(kind);
                entry["elements"] = json!(elements);
                entry
            })
            .collect();
        json!({"sources": sources, "profiles": profiles})
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `<file> <json path>` and a member: `<file> <json path>.<key>` (`<file> <key>` at the root).
fn join_member(at: &str, key: &str) -> String {
    if at.ends_with(' ') {
        format!("{at}{key}")
    } else {
        format!("{at}.{key}")
    }
}
