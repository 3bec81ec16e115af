//! Terminology: whether a code is in a value set, and whether a name is an STU3 resource type.
//!
//! A value set or code system that is not available here (external, see
//! `coding-systems/fhir-stu3/unresolved.json`) cannot be checked: the answer says so. Under the
//! served target, a value set of one of the IG's CodeSystems is read as the codebook variable's
//! served code system (`https://bluebutton.cms.gov/resources/variables/<var>`) with the
//! codebook's codes ([`crate::codes`]). The walk turns the answers into findings (the binding
//! checks in `engine`).
use std::sync::OnceLock;

use super::finding::Target;
use super::tables::{self, ValueSetDef};
use crate::coded::VariableInfo;

const RESOURCE_TYPES: &str = "http://hl7.org/fhir/ValueSet/resource-types";

/// Whether `name` is an STU3 resource type.
pub(crate) fn is_resource_type(name: &str) -> bool {
    match resolve(RESOURCE_TYPES).map(|r| r.vs) {
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

/// A value set, and the codebook variable the served target reads it as.
struct Resolved {
    vs: &'static ValueSetDef,
    /// `None` when the value set is read as it is; `Some(Err(id))` when its variable `id` is
    /// not in the codebooks.
    served: Option<Result<&'static VariableInfo, &'static str>>,
}

/// The value set with this URL, and its served variable: one hash lookup, for every code the
/// walk checks (two searches of sorted tables, by URL and by variable, were 5.7% of the `perf`
/// samples of validating the server's claims).
fn resolve(url: &str) -> Option<&'static Resolved> {
    static BY_URL: OnceLock<rustc_hash::FxHashMap<&'static str, Resolved>> = OnceLock::new();
    let all = BY_URL.get_or_init(|| {
        let served = |vs: &ValueSetDef| {
            let id = vs.served_variable;
            (!id.is_empty()).then(|| crate::codes::variable(id).ok_or(id))
        };
        tables::VALUE_SETS.iter().map(|vs| (vs.url, Resolved { vs, served: served(vs) })).collect()
    });
    all.get(url)
}

pub(crate) fn membership(target: Target, url: &str, system: Option<&str>, code: &str) -> Membership {
    let Some(&Resolved { vs, served }) = resolve(url) else {
        return Membership::Unknown(format!("the value set {url} is not available here (external)"));
    };
    if let (Target::Served, Some(variable)) = (target, served) {
        let variable = match variable {
            Ok(variable) => variable,
            Err(id) => return Membership::Unknown(format!("no codebook variable `{id}`")),
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
