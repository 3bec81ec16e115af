//! The profile views on the real responses: every claim is classified, and every Medicare field
//! in the data (each bluebutton extension, category, identifier and coding system) is reached by
//! a generated accessor at the place where it is.
mod samples;

use std::collections::BTreeSet;

use bluebutton::json;
use bluebutton::views::{self, ClaimView};
use bluebutton::Resource;

const BLUEBUTTON: &str = "https://bluebutton.cms.gov/resources/";

/// The resources of a sample: a Bundle's entries, or the resource itself.
fn resources_of(bytes: &[u8]) -> Vec<(serde_json::Value, Vec<u8>)> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let list = match doc["resourceType"].as_str() {
        Some("Bundle") => doc["entry"].as_array().map(|e| e.iter().map(|e| e["resource"].clone()).collect()),
        _ => Some(vec![doc]),
    };
    list.unwrap_or_default().into_iter().map(|r| (r.clone(), serde_json::to_vec(&r).unwrap())).collect()
}

/// A bluebutton URL found in the JSON, where it was: (url, level element and index).
type Occurrence = (String, Option<(String, usize)>);

/// Collects the bluebutton URLs of a resource (extension urls, coding and identifier systems,
/// codes that are variable URLs), with the level they belong to. Contained resources belong to
/// the claim (the server puts line observations there).
fn occurrences(
    value: &serde_json::Value,
    level: Option<(String, usize)>,
    depth: usize,
    out: &mut BTreeSet<Occurrence>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if let Some(s) = v.as_str() {
                    if matches!(key.as_str(), "url" | "system" | "code") && s.starts_with(BLUEBUTTON) {
                        out.insert((s.to_string(), level.clone()));
                    }
                }
                let is_level = depth == 0 && matches!(key.as_str(), "item" | "careTeam" | "diagnosis" | "procedure");
                match (is_level, v) {
                    (true, serde_json::Value::Array(entries)) => {
                        for (i, e) in entries.iter().enumerate() {
                            occurrences(e, Some((key.clone(), i)), depth + 1, out);
                        }
                    }
                    _ => occurrences(v, level.clone(), depth + 1, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| occurrences(v, level.clone(), depth, out)),
        _ => {}
    }
}

#[test]
fn every_claim_in_the_samples_has_a_view() {
    for (name, bytes) in samples::all_normalized() {
        for (_, resource_bytes) in resources_of(&bytes) {
            let resource: Resource = json::from_slice(&resource_bytes).unwrap();
            if let Resource::ExplanationOfBenefit(eob) = &resource {
                assert!(ClaimView::of(eob).is_some(), "{name}: {:?} has no claim type", eob.id());
            }
        }
    }
}

/// Every bluebutton URL in the samples is reached by an accessor at its own level: the
/// accessors' `FieldInfo.url` (or, for the coding system inside an extension, the extension's
/// variable) covers it.
#[test]
fn every_medicare_field_in_the_samples_is_reachable() {
    let mut unreached = Vec::new();
    let mut checked = 0;
    for (name, bytes) in samples::all_normalized() {
        for (json_value, resource_bytes) in resources_of(&bytes) {
            let resource: Resource = json::from_slice(&resource_bytes).unwrap();
            let Some(fields) = views::fields_of(&resource) else { continue };
            let mut found = BTreeSet::new();
            occurrences(&json_value, None, 0, &mut found);
            for (url, level) in found {
                checked += 1;
                let reached = fields
                    .iter()
                    .any(|f| f.level.map(|(e, i)| (e.to_string(), i)) == level && f.field.info.covers(&url));
                if !reached {
                    unreached.push(format!(
                        "{name} {:?}: {url} at {level:?}",
                        resource.id().map(|i| i.as_str().to_string())
                    ));
                }
            }
        }
    }
    if samples::shared_data().is_some() {
        assert!(checked > 1000, "the samples have well over a thousand bluebutton URLs, checked {checked}");
    }
    assert!(unreached.is_empty(), "{} not reached:\n{}", unreached.len(), unreached.join("\n"));
}

/// Renders `steps` the way `FieldInfo::location` writes them.
fn location_of(info: &views::FieldInfo) -> String {
    use views::PathFilter;
    let mut out = info.resource.to_string();
    if !info.level.is_empty() {
        out.push('.');
        out.push_str(info.level);
    }
    for step in info.steps {
        out.push('.');
        out.push_str(step.name);
        let filters: Vec<String> = step
            .filters
            .iter()
            .map(|f| match f {
                PathFilter::Url(u) => format!("url='{u}'"),
                PathFilter::System(s) => format!("system='{s}'"),
                PathFilter::Coded { element, code, system: Some(s), .. } => format!("{element}='{s}|{code}'"),
                PathFilter::Coded { element, code, system: None, .. } => format!("{element}='{code}'"),
                PathFilter::ResourceType(t) => format!("resourceType='{t}'"),
                PathFilter::HasExtension { url, code: Some(c) } => format!("extension('{url}')='{c}'"),
                PathFilter::HasExtension { url, code: None } => format!("extension('{url}')"),
            })
            .collect();
        if !filters.is_empty() {
            out.push_str(&format!("({})", filters.join(", ")));
        }
    }
    out
}

#[test]
fn each_view_lists_its_fields_with_their_paths_as_data() {
    use views::*;
    let all: [&[&FieldInfo]; 12] = [
        CarrierClaim::FIELDS,
        CarrierLine::FIELDS,
        DmeLine::FIELDS,
        HhaLine::FIELDS,
        HospiceLine::FIELDS,
        InpatientClaim::FIELDS,
        InpatientDiagnosis::FIELDS,
        InpatientProcedure::FIELDS,
        OutpatientLine::FIELDS,
        PdeClaim::FIELDS,
        BeneficiaryPatient::FIELDS,
        BeneficiaryCoverage::FIELDS,
    ];
    for fields in all {
        assert!(!fields.is_empty());
        for info in fields {
            assert_eq!(location_of(info), info.location, "{}", info.variable);
        }
    }
    // One variable at different places in different claim types gets one FieldInfo per place:
    // the institutional provider state is an address, the carrier one an extension.
    let state = |fields: &[&'static FieldInfo]| {
        fields.iter().find(|f| f.variable == "prvdr_state_cd").map(|f| f.location).unwrap()
    };
    assert_eq!(state(HhaLine::FIELDS), "ExplanationOfBenefit.item.locationAddress.state");
    assert_eq!(
        state(CarrierLine::FIELDS),
        "ExplanationOfBenefit.item.locationCodeableConcept.extension(url='https://bluebutton.cms.gov/resources/variables/prvdr_state_cd').valueCoding.code"
    );
    // Coverage fields say which parts they belong to.
    let a_trm = BeneficiaryCoverage::FIELDS.iter().find(|f| f.variable == "a_trm_cd").unwrap();
    assert_eq!(a_trm.applies_to, ["Part-A"]);
}
