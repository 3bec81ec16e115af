//! Terminology: whether a code is in a value set, and whether a name is an STU3 resource type.
//!
//! A value set or code system that is not available here (external, see
//! `coding-systems/fhir-stu3/unresolved.json`) cannot be checked: the answer says so. Under the
//! served target, a value set of one of the IG's CodeSystems is read as the codebook variable's
//! served code system (`https://bluebutton.cms.gov/resources/variables/<var>`) with the
//! codebook's codes ([`crate::codes`]). The walk turns the answers into findings (the binding
//! checks in `engine`).
use super::finding::Target;
use super::tables;

const RESOURCE_TYPES: &str = "http://hl7.org/fhir/ValueSet/resource-types";

/// Whether `name` is an STU3 resource type.
pub(crate) fn is_resource_type(name: &str) -> bool {
    match tables::value_set(RESOURCE_TYPES) {
        Some(vs) => vs.includes().iter().any(|i| i.codes.binary_search(&name).is_ok()),
        None => tables::core(name).is_some_and(|s| s.kind == "resource"),
    }
}

/// Whether a code is in a value set.
pub(crate) enum Membership {
    In,
    /// Not in it; the systems the value set draws from.
    Out(Vec<&'static str>),
    /// Not among the codebook's codes (served reading of an IG value set).
    NotInCodebook(&'static str),
    /// Cannot be checked here (why).
    Unknown(String),
}

pub(crate) fn membership(target: Target, url: &str, system: Option<&str>, code: &str) -> Membership {
    let Some(vs) = tables::value_set(url) else {
        return Membership::Unknown(format!("the value set {url} is not available here (external)"));
    };
    if target == Target::Served && !vs.served_variable.is_empty() {
        let Some(variable) = crate::codes::variable(vs.served_variable) else {
            return Membership::Unknown(format!("no codebook variable `{}`", vs.served_variable));
        };
        if system.is_some_and(|s| s != variable.system) {
            return Membership::Out(vec![variable.system]);
        }
        if !variable.is_coded() {
            return Membership::Unknown(format!("the codebook lists no codes for `{}`", variable.id));
        }
        return if variable.display(code).is_some() {
            Membership::In
        } else {
            Membership::NotInCodebook(variable.system)
        };
    }
    let mut unknown = None;
    for inc in vs.includes() {
        if system.is_some_and(|s| s != inc.system) {
            continue;
        }
        if !inc.expandable {
            unknown = Some(format!("the code system {} of {url} is not available here (external)", inc.system));
            continue;
        }
        if inc.codes.binary_search(&code).is_ok() {
            return Membership::In;
        }
    }
    match unknown {
        Some(why) => Membership::Unknown(why),
        // The systems listed only for a code that is out (most codes checked are in).
        None => Membership::Out(vs.includes().iter().map(|inc| inc.system).collect()),
    }
}
