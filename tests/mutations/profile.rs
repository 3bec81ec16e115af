//! The cardinalities the *served* target applies to each object of a sample: the validator's own
//! tables (`bluebutton_codegen::generate::load_validation_tables`: the IG's profiles and the STU3
//! core, with the served errata applied), read here to find the elements that are required
//! (min ≥ 1) or prohibited (max 0) at a site, and those whose violation is a served deviation
//! (a warning, so not a mutant the validator must call an error).
use std::path::Path;

use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ToJson, Value};
use bluebutton::resources::ExplanationOfBenefit;
use bluebutton_codegen::validation::tree::Availability;
use bluebutton_codegen::validation::{Tables, CORE};

use super::schema::Seg;

/// What served says about one element of an object.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The JSON name (the stem for a choice element).
    pub name: String,
    pub choice: bool,
    pub min: u32,
    pub max: u32,
    /// A served deviation: violations are warnings.
    pub deviation: bool,
}

pub struct Profiles {
    tables: Tables,
}

const IG: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-";

impl Profiles {
    pub fn load(root: &Path) -> Profiles {
        let tables = bluebutton_codegen::generate::load_validation_tables(root)
            .unwrap_or_else(|e| panic!("building the validation tables: {e}"));
        Profiles { tables }
    }

    /// The definition the served target checks a resource against: the claim type's profile for
    /// an EOB, the IG's Patient and Coverage profiles, the core definition otherwise.
    pub fn root_for(&self, resource: &Value<'_>) -> Option<usize> {
        let rt = super::schema::resource_type(resource)?;
        let url = match rt {
            "ExplanationOfBenefit" => {
                let text = resource.to_json_string();
                let eob: ExplanationOfBenefit = json::from_slice(text.as_bytes()).ok()?;
                match ClaimType::of(&eob) {
                    Some(ct) => format!("{IG}{}-claim", ct.as_str()),
                    None => format!("{CORE}{rt}"),
                }
            }
            "Patient" => format!("{IG}patient-claim"),
            "Coverage" => format!("{IG}coverage"),
            _ => format!("{CORE}{rt}"),
        };
        self.tables.structure(&url).map(|s| s.root)
    }

    /// The children that stand for a node's: its own, its content reference's, or its type's.
    fn kids(&self, n: usize) -> Vec<usize> {
        let nodes = &self.tables.arena.nodes;
        let node = &nodes[n];
        if !node.children.is_empty() {
            return node.children.clone();
        }
        if let Some(r) = node.content_ref {
            return nodes[r].children.clone();
        }
        match node.types.as_slice() {
            [t] => self
                .tables
                .type_root(&t.code, t.profile.as_deref())
                .map(|r| nodes[r].children.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The node for member `key` of node `n`, holding `value` (an array item for arrays).
    fn child(&self, n: usize, key: &str, value: &Value<'_>) -> Option<usize> {
        let nodes = &self.tables.arena.nodes;
        let c = self.kids(n).into_iter().find(|&c| {
            let node = &nodes[c];
            node.slice_name.is_none()
                && (node.name == key
                    || node.choice
                        && key
                            .strip_prefix(node.name.as_str())
                            .is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_uppercase())))
        })?;
        // A type slice of a choice (`valueMoney`), or an extension slice by url.
        if nodes[c].choice {
            let typed = nodes[c].slices.iter().copied().find(|&s| nodes[s].name == key);
            return Some(typed.unwrap_or(c));
        }
        if let Value::Object(members) = value {
            let url = members.iter().find(|(k, _)| k == "url").and_then(|(_, v)| match v {
                Value::String(s) => Some(s.as_ref()),
                _ => None,
            });
            if let Some(url) = url {
                let slice = nodes[c].slices.iter().copied().find(|&s| {
                    let node = &nodes[s];
                    node.availability != Availability::Published
                        && node.served.url.as_deref().or(node.url.as_deref()) == Some(url)
                });
                if let Some(s) = slice {
                    return Some(s);
                }
            }
        }
        Some(c)
    }

    /// The node of the object at `path` of `doc`, whose resource starts at `resource_path` and is
    /// checked against `root`.
    pub fn node_at(&self, root: usize, doc: &super::kinds::Json, resource_path: &[Seg], path: &[Seg]) -> Option<usize> {
        let mut value = super::kinds::at(doc, resource_path);
        let mut node = root;
        let rest = &path[resource_path.len()..];
        let mut i = 0;
        while i < rest.len() {
            let Seg::Key(key) = &rest[i] else { return None };
            let mut v = match value {
                Value::Object(m) => &m.iter().find(|(k, _)| k == key)?.1,
                _ => return None,
            };
            if let Some(Seg::Index(j)) = rest.get(i + 1) {
                let Value::Array(items) = v else { return None };
                v = &items[*j];
                i += 1;
            }
            node = self.child(node, key, v)?;
            value = v;
            i += 1;
        }
        Some(node)
    }

    /// What served says about each element of the object at node `n` (slices left out).
    pub fn rules(&self, n: usize) -> Vec<Rule> {
        let nodes = &self.tables.arena.nodes;
        self.kids(n)
            .into_iter()
            .map(|c| &nodes[c])
            .filter(|c| c.slice_name.is_none() && c.availability != Availability::Published)
            .map(|c| Rule {
                name: c.name.clone(),
                choice: c.choice,
                min: c.served.min.unwrap_or(c.min),
                max: c.served.max.unwrap_or(c.max),
                deviation: c.served.deviation.is_some(),
            })
            .collect()
    }
}
