//! FHIR R4 resources told apart from STU3 ones, by evidence.
//!
//! The Blue Button v2 API serves FHIR R4 (the CARIN Blue Button profiles); checked against
//! STU3, one of its resources would give dozens of findings (unknown elements, types that
//! changed) that all say the same thing. A resource is taken for R4 when its `meta.profile`
//! names a profile of an R4-only implementation guide, or when it has at least two elements
//! that only R4 defines: one alone may be a stray or misspelt element of an STU3 resource, and
//! is then reported as what it is (`unknown-element`).
use super::object::{as_object, get, Members};
use super::tables;
use crate::json::Value;

/// The top-level elements that the FHIR R4 (4.0.1) definition of a resource has and the STU3
/// (3.0.1) definition does not, from the two specifications' resource contents
/// (<https://hl7.org/fhir/R4/explanationofbenefit.html>, <https://hl7.org/fhir/R4/coverage.html>,
/// against the STU3 definitions in the core package). Patient is absent: its R4 elements all
/// exist in STU3, so only a profile tells an R4 Patient. Bundle is absent too (R4 adds only
/// `timestamp`, and a Bundle is checked as it is read).
const R4_ONLY: &[(&str, &[&str])] = &[
    (
        "ExplanationOfBenefit",
        &[
            "use",
            "priority",
            "fundsReserveRequested",
            "fundsReserve",
            "preAuthRef",
            "preAuthRefPeriod",
            "supportingInfo",
            "adjudication",
            "total",
            "formCode",
            "benefitPeriod",
        ],
    ),
    ("Coverage", &["class", "costToBeneficiary", "subrogation"]),
];

/// Canonical URL prefixes of implementation guides published for FHIR R4 only: the CARIN
/// Consumer Directed Payer Data Exchange (CARIN Blue Button, FHIR 4.0.1), whose profiles the
/// Blue Button v2 resources claim.
const R4_PROFILES: &[&str] = &["http://hl7.org/fhir/us/carin-bb/"];

/// Why a resource is taken for R4.
pub(crate) struct R4Evidence {
    /// Its R4-only elements, in document order.
    pub elements: Vec<String>,
    /// The R4 profiles its `meta.profile` names.
    pub profiles: Vec<String>,
}

impl R4Evidence {
    /// The finding's message.
    pub fn message(&self) -> String {
        let mut because = Vec::new();
        if !self.elements.is_empty() {
            let names: Vec<String> = self.elements.iter().map(|e| format!("`{e}`")).collect();
            let verb = if names.len() == 1 { "exists" } else { "exist" };
            because.push(format!("the element(s) {} {verb} only in R4", names.join(", ")));
        }
        if !self.profiles.is_empty() {
            because.push(format!("meta.profile names the R4 profile(s) {}", self.profiles.join(", ")));
        }
        format!(
            "this is a FHIR R4 resource (Blue Button v2), not STU3: {}; it is not checked against STU3 (the v1 API serves STU3)",
            because.join(", and ")
        )
    }
}

/// The evidence that a `resource_type` resource is R4, when there is enough.
pub(crate) fn r4_evidence(members: &Members<'_>, resource_type: &str) -> Option<R4Evidence> {
    let profiles: Vec<String> = get(members, "meta")
        .and_then(as_object)
        .and_then(|meta| match get(meta, "profile") {
            Some(Value::Array(items)) => Some(items.as_slice()),
            _ => None,
        })
        .into_iter()
        .flatten()
        .filter_map(|p| match p {
            Value::String(url) if R4_PROFILES.iter().any(|prefix| url.starts_with(prefix)) => Some(url.to_string()),
            _ => None,
        })
        .collect();
    let stu3 = tables::core(resource_type).map(tables::root_of);
    let mut elements: Vec<String> = R4_ONLY
        .iter()
        .filter(|(t, _)| *t == resource_type)
        .flat_map(|(_, names)| names.iter())
        .filter(|name| members.iter().any(|(k, _)| k == **name || k.strip_prefix('_') == Some(**name)))
        // Only what STU3 really lacks is evidence.
        .filter(|name| !stu3.is_some_and(|root| root.children().iter().any(|c| c.name == **name)))
        .map(|name| name.to_string())
        .collect();
    elements.sort_by_key(|name| members.iter().position(|(k, _)| k == name || k.strip_prefix('_') == Some(name)));
    (!profiles.is_empty() || elements.len() >= 2).then_some(R4Evidence { elements, profiles })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r4_only_elements_are_unknown_to_stu3() {
        for (resource_type, names) in R4_ONLY {
            let root = tables::root_of(tables::core(resource_type).expect("an STU3 resource"));
            for name in *names {
                assert!(
                    !root.children().iter().any(|c| c.name == *name),
                    "{resource_type}.{name} is an STU3 element: no evidence of R4"
                );
            }
        }
    }

    #[test]
    fn one_element_is_not_enough() {
        let evidence = |text: &str, resource_type: &str| {
            let Ok(Value::Object(members)) = crate::json::from_str::<Value<'_>>(text) else { panic!("{text}") };
            r4_evidence(&members, resource_type).map(|e| (e.message(), e.elements))
        };
        assert!(evidence(r#"{"use":"claim"}"#, "ExplanationOfBenefit").is_none());
        let (_, elements) = evidence(r#"{"total":[],"id":"x","_use":{}}"#, "ExplanationOfBenefit").unwrap();
        assert_eq!(elements, ["total", "use"]);
        assert!(evidence(r#"{"use":"claim","total":[]}"#, "Patient").is_none());
        let profiled = r#"{"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"]}}"#;
        let (message, elements) = evidence(profiled, "Patient").unwrap();
        assert!(elements.is_empty() && message.contains("C4BB-Patient"), "{message}");
    }
}
