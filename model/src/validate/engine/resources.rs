//! Resources: the definition each is checked against (by the [`ProfileChoice`]), the start and
//! end of its walk (its scope of contained resources, `dom-3`, its invariants), and resources
//! nested in others (contained, `dom-1`, `dom-2`, `dom-4`; a Bundle's entries).
use super::{Engine, Scope};
use crate::claim_type::{ClaimType, EOB_TYPE_SYSTEM};
use crate::json::Value;
use crate::validate::finding::{Finding, Severity};
use crate::validate::object::{as_object, get, get_str, objects, Members};
use crate::validate::options::{KnownProfile, ProfileChoice};
use crate::validate::tables::{self, Structure, E};
use crate::validate::{terminology, version};

/// The profile the Blue Button server claims for each resource it serves.
pub(crate) const PATIENT_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim";
pub(crate) const COVERAGE_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-coverage";

/// How a nested resource is reached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reached {
    Root,
    Contained,
    Entry,
}

/// The first known profile of `resource_type` that the resource's `meta.profile` names.
fn declared_profile(members: &Members<'_>, resource_type: &str) -> Option<&'static Structure> {
    let meta = get(members, "meta").and_then(as_object)?;
    let Some(Value::Array(profiles)) = get(meta, "profile") else { return None };
    profiles.iter().find_map(|p| match p {
        Value::String(url) => {
            KnownProfile::new(url).ok().filter(|k| k.resource_type() == resource_type).map(|k| k.structure())
        }
        _ => None,
    })
}

/// The claim type of an EOB given as JSON (the rule of [`ClaimType::of`]: the coding in
/// [`EOB_TYPE_SYSTEM`], else the id prefix).
fn claim_type(members: &Members<'_>) -> Option<ClaimType> {
    let coded = get(members, "type").and_then(as_object).into_iter().flat_map(|t| objects(t, "coding")).find_map(|c| {
        (get_str(c, "system")? == EOB_TYPE_SYSTEM).then(|| ClaimType::from_code(get_str(c, "code")?)).flatten()
    });
    coded.or_else(|| ClaimType::from_id(get_str(members, "id")?))
}

impl Engine {
    /// The definition a resource is checked against, by the [`ProfileChoice`]: under `auto`
    /// the known profile its `meta.profile` names, else the Blue Button profile of a served
    /// resource (Patient, Coverage, each claim type's EOB), else (and for contained resources)
    /// the STU3 core definition; under `core` the core definition; under a profile, that
    /// profile for the resources of its type and the core definition for the others.
    pub(super) fn profile_for(
        &mut self,
        members: &Members<'_>,
        resource_type: &str,
        reached: Reached,
    ) -> Option<&'static Structure> {
        let core = tables::core(resource_type).filter(|s| s.kind == "resource");
        let chosen = match self.profile {
            ProfileChoice::Core => None,
            ProfileChoice::Profile(p) if reached != Reached::Contained && p.resource_type() == resource_type => {
                Some(p.structure())
            }
            ProfileChoice::Profile(p) => {
                if reached == Reached::Root && resource_type != "Bundle" && core.is_some() {
                    self.error(
                        "profile",
                        format!(
                            "the profile {} is for {} resources, not {resource_type}: checked against the STU3 core definition",
                            p.url(),
                            p.resource_type()
                        ),
                        Some(p.resource_type().to_string()),
                        Some(resource_type.to_string()),
                    );
                }
                None
            }
            ProfileChoice::Auto => match declared_profile(members, resource_type) {
                Some(declared) => Some(declared),
                None if reached == Reached::Contained => None,
                None => self.blue_button_profile(members, resource_type),
            },
        };
        chosen.or(core)
    }

    /// The Blue Button profile of a served resource type.
    fn blue_button_profile(&mut self, members: &Members<'_>, resource_type: &str) -> Option<&'static Structure> {
        let url = match resource_type {
            "Patient" => PATIENT_PROFILE.to_string(),
            "Coverage" => COVERAGE_PROFILE.to_string(),
            "ExplanationOfBenefit" => match claim_type(members) {
                Some(t) => t.profile().to_string(),
                None => {
                    self.push(
                        Severity::Warning,
                        "profile",
                        format!(
                            "no claim type (a `type` coding in {EOB_TYPE_SYSTEM}, or an id prefix such as `carrier-`): checked against the base STU3 ExplanationOfBenefit only"
                        ),
                        None,
                        None,
                    );
                    return None;
                }
            },
            _ => return None,
        };
        tables::structure(&url)
    }

    /// Walks a resource at the current location; returns the definition used.
    pub(super) fn resource(
        &mut self,
        members: &Members<'_>,
        resource_type: &str,
        reached: Reached,
    ) -> Option<&'static str> {
        let (def, root) = self.begin_resource(members, resource_type, reached)?;
        self.object(members, root, root.children(), true, Some(def));
        self.end_resource(members, root, reached);
        Some(def.url)
    }

    /// The start of a resource's walk: the definition it is checked against and its root element
    /// (`None`, with a finding, when there is none), and its scope opened.
    pub(super) fn begin_resource(
        &mut self,
        members: &Members<'_>,
        resource_type: &str,
        reached: Reached,
    ) -> Option<(&'static Structure, &'static E)> {
        if let Some(evidence) = version::r4_evidence(members, resource_type) {
            // Checked against STU3, an R4 resource would only give findings that all say this.
            self.error("fhir-version", evidence.message(), Some("FHIR STU3 (3.0.1)".into()), Some("FHIR R4".into()));
            return None;
        }
        let Some(def) = self.profile_for(members, resource_type, reached) else {
            if terminology::is_resource_type(resource_type) {
                self.note("not-evaluated", resource_type, || {
                    format!("no definition of the STU3 resource `{resource_type}` here: its content is not validated")
                });
            } else {
                self.at("resourceType", |s| {
                    s.error(
                        "type",
                        format!("`{resource_type}` is not an STU3 resource type"),
                        Some("an STU3 resource type".into()),
                        Some(resource_type.to_string()),
                    )
                });
            }
            return None;
        };
        let root = tables::root_of(def);
        if reached == Reached::Contained {
            self.in_contained += 1;
        } else {
            self.scopes.push(self.scope_of(members));
        }
        Some((def, root))
    }

    /// The end of a resource's walk, once its members are checked: its invariants, and its
    /// scope closed (`dom-3`: every contained resource is referenced).
    pub(super) fn end_resource(&mut self, members: &Members<'_>, root: &'static E, reached: Reached) {
        self.invariants(members, root, None);
        if reached == Reached::Contained {
            self.in_contained -= 1;
        } else if let Some(scope) = self.scopes.pop() {
            if root.constraints().any(|c| c.key == "dom-3") {
                for (id, _, location) in &scope.contained {
                    if !scope.referenced.iter().any(|r| r == id) {
                        self.effects += 1;
                        self.findings.push(Finding {
                            severity: Severity::Error,
                            rule: "dom-3",
                            location: location.clone(),
                            message: format!("contained resource `{id}` is not referenced from the resource (`#{id}`)"),
                            expected: Some(format!("a reference to #{id}")),
                            found: None,
                        });
                    }
                }
            }
        }
    }

    fn scope_of(&self, members: &Members<'_>) -> Scope {
        let mut scope = Scope::default();
        if let Some(Value::Array(items)) = get(members, "contained") {
            for (i, item) in items.iter().enumerate() {
                let Some(m) = as_object(item) else { continue };
                if let Some(id) = get_str(m, "id") {
                    let rt = get_str(m, "resourceType").unwrap_or_default().to_string();
                    scope.contained.push((id.to_string(), rt, format!("{}.contained[{i}]", self.path)));
                }
            }
        }
        scope
    }

    pub(super) fn nested_resource(&mut self, e: &'static E, members: &Members<'_>) {
        // A resource has a scope of its own, or adds to the containing one's.
        self.effects += 1;
        let Some(resource_type) = get_str(members, "resourceType") else {
            self.at("resourceType", |s| {
                s.error("cardinality-min", "a resource needs a `resourceType` string".into(), None, None)
            });
            return;
        };
        let reached = if e.name == "contained" { Reached::Contained } else { Reached::Entry };
        if reached == Reached::Contained && get(members, "contained").is_some() {
            self.at("contained", |s| {
                s.error("dom-2", "a contained resource cannot contain resources (dom-2)".into(), None, None)
            });
        }
        if reached == Reached::Contained {
            if get(members, "text").is_some() {
                self.at("text", |s| {
                    s.error("dom-1", "a contained resource has no narrative (dom-1)".into(), None, None)
                });
            }
            if let Some(meta) = get(members, "meta").and_then(as_object) {
                for key in ["versionId", "lastUpdated"] {
                    if get(meta, key).is_some() {
                        self.at("meta", |s| {
                            s.at(key, |s| {
                                s.error("dom-4", format!("a contained resource has no meta.{key} (dom-4)"), None, None)
                            })
                        });
                    }
                }
            }
        }
        self.resource(members, resource_type, reached);
    }
}
