//! Bindings: whether a code, Coding or CodeableConcept is in the bound value set (the answer
//! of [`terminology`](crate::validate::terminology)). Required bindings give errors,
//! extensible ones warnings. A value set or code system that cannot be checked here is an
//! information finding, listed once per report, never an error.
use super::Engine;
use crate::validate::finding::Severity;
use crate::validate::object::{as_object, get, get_str, objects, Members};
use crate::validate::tables::E;
use crate::validate::terminology::{membership, Membership};

fn describe(system: Option<&str>, code: &str) -> String {
    match system {
        Some(s) => format!("{s}|{code}"),
        None => code.to_string(),
    }
}

/// Reports a code that is not in the bound value set (at the current location).
fn report(engine: &mut Engine, e: &E, (strength, url): (&str, &str), found: String, systems: &[&str]) {
    let expected = if systems.is_empty() {
        format!("a code from {url}")
    } else {
        format!("a code from {url} (system {})", systems.join(" or "))
    };
    let message = format!("{found} is not in the value set {url} ({strength} binding)");
    if strength == "required" {
        engine.error_or_deviation(e, "binding-required", message, Some(expected), Some(found));
    } else {
        engine.push(Severity::Warning, "binding-extensible", message, Some(expected), Some(found));
    }
}

/// A code the codebook does not list: served reads the IG's codebook bindings as extensible
/// (the codebooks lag the data; the views keep such codes as `Coded::Unknown`).
fn not_in_codebook(engine: &mut Engine, url: &str, system: &str, code: &str) {
    engine.push(
        Severity::Warning,
        "binding-extensible",
        format!(
            "{system}|{code} is not among the codebook's codes for {url} (required in the IG; served reads codebook bindings as extensible, erratum served-code-systems)"
        ),
        Some(format!("a code of {system}")),
        Some(format!("{system}|{code}")),
    );
}

fn unknown(engine: &mut Engine, url: &str, why: String) {
    engine.note("code-system-unknown", url, || format!("codes bound to {url} cannot be checked: {why}"));
}

/// Checks a `code` (or string) value.
pub(crate) fn check_code(
    engine: &mut Engine,
    e: &E,
    binding: (&str, &str),
    system: Option<&str>,
    code: &str,
    _: Option<()>,
) {
    match membership(engine.target(), binding.1, system, code) {
        Membership::In => {}
        Membership::Out(systems) => report(engine, e, binding, describe(system, code), &systems),
        Membership::NotInCodebook(s) => not_in_codebook(engine, binding.1, s, code),
        Membership::Unknown(why) => unknown(engine, binding.1, why),
    }
}

/// Checks the value of an element of type `type_code` (Coding, CodeableConcept, or an
/// Extension whose value is coded) against its binding.
pub(crate) fn check_binding(engine: &mut Engine, e: &E, binding: (&str, &str), type_code: &str, members: &Members<'_>) {
    match type_code {
        "Coding" => coding(engine, e, binding, members),
        "CodeableConcept" => concept(engine, e, binding, members),
        // The IG binds extension slices: the binding is the extension's coded value's.
        "Extension" => {
            if let Some(m) = get(members, "valueCoding").and_then(as_object) {
                engine.at("valueCoding", |s| coding(s, e, binding, m));
            } else if let Some(m) = get(members, "valueCodeableConcept").and_then(as_object) {
                engine.at("valueCodeableConcept", |s| concept(s, e, binding, m));
            } else if let Some(code) = get_str(members, "valueCode") {
                engine.at("valueCode", |s| check_code(s, e, binding, None, code, None));
            }
        }
        _ => {}
    }
}

fn coding(engine: &mut Engine, e: &E, binding: (&str, &str), members: &Members<'_>) {
    let Some(code) = get_str(members, "code") else { return };
    let system = get_str(members, "system");
    match membership(engine.target(), binding.1, system, code) {
        Membership::In => {}
        Membership::Out(systems) => {
            engine.at("code", |s| report(s, e, binding, describe(system, code), &systems));
        }
        Membership::NotInCodebook(s) => engine.at("code", |x| not_in_codebook(x, binding.1, s, code)),
        Membership::Unknown(why) => unknown(engine, binding.1, why),
    }
}

fn concept(engine: &mut Engine, e: &E, binding: (&str, &str), members: &Members<'_>) {
    let codings = objects(members, "coding");
    // The codings not in the value set, described only when none is in it.
    let mut out: Vec<(usize, Option<&str>, &str, Vec<&'static str>)> = Vec::new();
    for (i, c) in codings.iter().enumerate() {
        let Some(code) = get_str(c, "code") else { continue };
        let system = get_str(c, "system");
        match membership(engine.target(), binding.1, system, code) {
            Membership::In => return,
            Membership::Out(systems) => out.push((i, system, code, systems)),
            Membership::NotInCodebook(s) => {
                engine.at("coding", |x| x.at_index(i, |x| x.at("code", |x| not_in_codebook(x, binding.1, s, code))));
                return;
            }
            Membership::Unknown(why) => {
                unknown(engine, binding.1, why);
                return;
            }
        }
    }
    if codings.is_empty() {
        if binding.0 == "required" && get(members, "text").is_some() {
            report(engine, e, binding, "no coding (text only)".into(), &[]);
        }
        return;
    }
    let misses: Vec<(usize, String, Vec<&'static str>)> =
        out.into_iter().map(|(i, system, code, systems)| (i, describe(system, code), systems)).collect();
    // Blame the codings in the value set's own systems; else the concept as a whole.
    let in_system: Vec<&(usize, String, Vec<&'static str>)> = misses
        .iter()
        .filter(|(i, _, systems)| get_str(codings[*i], "system").map_or(true, |s| systems.contains(&s)))
        .collect();
    match in_system.first() {
        Some((i, found, systems)) => {
            let (i, found, systems) = (*i, found.clone(), systems.clone());
            engine.at("coding", |s| s.at_index(i, |s| s.at("code", |s| report(s, e, binding, found, &systems))));
        }
        None => {
            let found: Vec<String> = misses.iter().map(|(_, f, _)| f.clone()).collect();
            let systems = misses.first().map(|(_, _, s)| s.clone()).unwrap_or_default();
            report(
                engine,
                e,
                binding,
                format!("no coding from the value set's systems ({})", found.join(", ")),
                &systems,
            );
        }
    }
}
