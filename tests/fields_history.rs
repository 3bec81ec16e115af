//! The Medicare fields over the recorded server versions: every response of every version
//! (`samples/history-normalized/<yyyy-mm>`, and the current `samples/v1-normalized`) has no
//! bluebutton URL that no accessor reads, and each older response has the current response's
//! variables, less those that version does not send (listed here with the evidence), plus those
//! only that version sent (read through the older placements of
//! `coding-systems/errata/history.json`).
mod samples;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bluebutton::json::{self, Value};
use bluebutton::views::{self, LocatedField};
use bluebutton::Resource;

/// The recorded older versions, oldest first.
const VERSIONS: &[&str] = &["2020-10", "2021-08", "2023-04", "2024-09"];

/// Variables the current responses have and a version's responses do not: (versions, the
/// variables, what the version sends instead, searched for by the variable's name, URL and
/// current value). An `eobReadSnf:` before the reason limits the entry to the responses whose
/// name starts with it.
const NOT_SENT: &[(&str, &[&str], &str)] = &[
    (
        "2020-10",
        &["carr_clm_cntl_num"],
        "carrier and DME claims have no carr_clm_cntl_num extension and no identifier besides clm_id and claim-group",
    ),
    ("2020-10", &["clm_disp_cd"], "carrier and DME claims have no `disposition`"),
    ("2020-10", &["nch_wkly_proc_dt"], "no claim has an `information` entry for nch_wkly_proc_dt"),
    (
        "2020-10",
        &["fi_doc_clm_cntl_num", "fi_orig_clm_cntl_num"],
        "institutional claims have neither extension, and no identifier besides clm_id and claim-group",
    ),
    ("2020-10", &["clm_uncompd_care_pmt_amt"], "the inpatient claim has no such extension"),
    ("2020-10", &["bene_death_dt"], "Patient has no `deceasedDateTime`"),
    ("2020-10", &["efctv_bgn_dt"], "the mbi-hash identifier has no `period`"),
    ("2020-10", &["city_name", "drvd_line_adr"], "the address has no `city` and no `line`"),
    (
        "2020-10 2021-08",
        &["clm_poa_ind_sw2", "clm_poa_ind_sw3", "clm_poa_ind_sw4", "clm_poa_ind_sw5", "clm_e_poa_ind_sw1", "clm_e_poa_ind_sw2"],
        "every diagnosis's present-on-admission indicator is sent under the URL of clm_poa_ind_sw1 (eobReadInpatient \
         diagnosis[2..8]): the indicator of each diagnosis is there (`Diagnosis::present_on_admission`), \
         the number of its variable is not",
    ),
    (
        "2020-10 2021-08",
        &["rev_cntr_ndc_qty", "rev_cntr_ndc_qty_qlfr_cd"],
        "eobReadSnf: the SNF claim's line has no rev_cntr_ndc_qty extension (item[0]); the HHA and outpatient lines have it",
    ),
    (
        "2020-10 2021-08 2023-04 2024-09",
        &["ptc_pbp_id_11", "ptc_pbp_id_12", "ptc_plan_type_cd_11", "ptc_plan_type_cd_12", "ptdpbpid12", "sgmtid12"],
        "the recorded Part C Coverage stops at month 10 and the Part D Coverage at month 11 \
         (coverageSearchByPatientId)",
    ),
];

/// Variables a version's responses have and the current ones do not: (versions, responses
/// whose name starts with, variables).
const ONLY_OLDER: &[(&str, &str, &[&str])] = &[("2020-10", "patient", &["cnty_cd"])];

/// The variables `version` does not send in the response `name` (every listed one when `name`
/// is empty).
fn not_sent(version: &str, name: &str) -> BTreeSet<&'static str> {
    NOT_SENT
        .iter()
        .filter(|(versions, _, _)| versions.split(' ').any(|v| v == version))
        .filter(|(_, _, reason)| match reason.split_once(": ") {
            Some((prefix, _)) if !prefix.contains(' ') => name.is_empty() || name.starts_with(prefix),
            _ => true,
        })
        .flat_map(|(_, variables, _)| variables.iter().copied())
        .collect()
}

/// What `bluebutton fields` finds in one response: the fields, and the unmapped URLs.
struct Found {
    fields: Vec<LocatedField>,
    unmapped: Vec<String>,
}

fn resource_trees<'v, 'a>(tree: &'v Value<'a>) -> Vec<&'v Value<'a>> {
    let member = |v: &'v Value<'a>, name: &str| match v {
        Value::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    };
    match member(tree, "entry") {
        Some(Value::Array(entries)) => entries.iter().filter_map(|e| member(e, "resource")).collect(),
        _ => vec![tree],
    }
}

fn fields_in(path: &Path) -> Found {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let resource: Resource = json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tree: Value = json::from_slice(&bytes).unwrap();
    let resources: Vec<&Resource> = match &resource {
        Resource::Bundle(bundle) => bundle.entry.iter().filter_map(|e| e.resource.as_ref()).collect(),
        other => vec![other],
    };
    let trees = resource_trees(&tree);
    assert_eq!(resources.len(), trees.len(), "{}", path.display());
    let mut found = Found { fields: Vec::new(), unmapped: Vec::new() };
    for (resource, tree) in resources.into_iter().zip(trees) {
        let fields = views::fields_of(resource).unwrap_or_default();
        for u in views::unmapped(tree, &fields) {
            found.unmapped.push(format!("{} {}: {}", resource.resource_type(), u.path, u.url));
        }
        found.fields.extend(fields);
    }
    found
}

fn variables(found: &Found) -> BTreeSet<&'static str> {
    found.fields.iter().map(|f| f.field.info.variable).collect()
}

/// The responses of a version directory (not the CapabilityStatement), sorted.
fn responses(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && n != "metadata.json")
        .collect();
    names.sort();
    names
}

#[test]
fn every_recorded_version_has_the_current_fields_less_what_it_does_not_send() {
    let Some(data) = samples::shared_data() else { return };
    let current_dir = data.join("samples/v1-normalized");
    let mut current: BTreeMap<String, Found> = BTreeMap::new();
    let mut problems = Vec::new();
    for name in responses(&current_dir) {
        let found = fields_in(&current_dir.join(&name));
        problems.extend(found.unmapped.iter().map(|u| format!("current {name}: UNMAPPED {u}")));
        current.insert(name, found);
    }
    let mut summary = String::new();
    let mut read_elsewhere: BTreeSet<String> = BTreeSet::new();
    for version in VERSIONS {
        let dir = data.join("samples/history-normalized").join(version);
        let names = responses(&dir);
        assert!(names.len() >= 18, "{version}: {} responses", names.len());
        let mut all: BTreeSet<&str> = BTreeSet::new();
        let mut field_count = 0;
        let mut unused_absent: BTreeSet<&str> = not_sent(version, "");
        let mut unused_extra: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (versions, prefix, vars) in ONLY_OLDER {
            if versions.split(' ').any(|v| v == *version) {
                unused_extra.extend(vars.iter().map(|v| (*prefix, *v)));
            }
        }
        for name in &names {
            let found = fields_in(&dir.join(name));
            problems.extend(found.unmapped.iter().map(|u| format!("{version} {name}: UNMAPPED {u}")));
            let Some(now) = current.get(name) else {
                problems.push(format!("{version} {name}: no current response of that name"));
                continue;
            };
            let now = variables(now);
            let old = variables(&found);
            let absent = not_sent(version, name);
            let extra: BTreeSet<&str> = ONLY_OLDER
                .iter()
                .filter(|(versions, prefix, _)| versions.split(' ').any(|v| v == *version) && name.starts_with(prefix))
                .flat_map(|(_, _, vars)| vars.iter().copied())
                .collect();
            let expected: BTreeSet<&str> = now.difference(&absent).copied().chain(extra.iter().copied()).collect();
            if old != expected {
                let lost: Vec<&&str> = expected.difference(&old).collect();
                let gained: Vec<&&str> = old.difference(&expected).collect();
                problems.push(format!("{version} {name}: not found {lost:?}, unexpected {gained:?}"));
            }
            unused_absent.retain(|v| !(absent.contains(v) && now.contains(v)));
            unused_extra.retain(|(prefix, v)| !(name.starts_with(prefix) && old.contains(v)));
            for f in &found.fields {
                if f.field.location != f.field.info.location || !f.field.info.current {
                    read_elsewhere.insert(format!("{version} {name}: {} at {}", f.field.info.variable, f.location()));
                }
            }
            field_count += found.fields.len();
            all.extend(old);
        }
        // Every listed absence and addition is one some response of the version shows.
        problems.extend(
            unused_absent
                .iter()
                .map(|v| format!("{version}: {v} is listed as not sent but no current response has it")),
        );
        problems.extend(
            unused_extra.iter().map(|(p, v)| format!("{version}: {v} is listed as sent but no {p}* response has it")),
        );
        let now_all: BTreeSet<&str> = current.values().flat_map(variables).collect();
        let lost: Vec<&str> = now_all.difference(&all).copied().collect();
        let gained: Vec<&str> = all.difference(&now_all).copied().collect();
        summary.push_str(&format!(
            "{version}: {} responses, {field_count} fields, {} variables\n  not in any response: {}\n  only in this version: {}\n",
            names.len(),
            all.len(),
            if lost.is_empty() { "-".to_string() } else { lost.join(" ") },
            if gained.is_empty() { "-".to_string() } else { gained.join(" ") },
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let now_all: BTreeSet<&str> = current.values().flat_map(variables).collect();
    let fields: usize = current.values().map(|f| f.fields.len()).sum();
    summary.push_str(&format!("current: {} responses, {fields} fields, {} variables\n", current.len(), now_all.len()));
    summary.push_str("read at an older placement:\n");
    for line in &read_elsewhere {
        summary.push_str(&format!("  {line}\n"));
    }
    insta::assert_snapshot!(summary);
}

/// The county code only 2020-10 sent is read where it sent it, as the Patient's field.
#[test]
fn the_county_code_of_2020_10_is_read_at_the_address() {
    let Some(data) = samples::shared_data() else { return };
    let found = fields_in(&data.join("samples/history-normalized/2020-10/patientRead.json"));
    let county: Vec<&LocatedField> = found.fields.iter().filter(|f| f.field.info.variable == "cnty_cd").collect();
    assert_eq!(county.len(), 1);
    assert_eq!(county[0].field.value, "123");
    assert_eq!(county[0].location(), "Patient.address.district");
    assert!(!county[0].field.info.current);
    assert_eq!(county[0].field.info.older[0].versions, ["2020-10"]);
    // The current server's Patient has no district.
    let now = fields_in(&data.join("samples/v1-normalized/patientRead.json"));
    assert!(now.fields.iter().all(|f| f.field.info.variable != "cnty_cd"));
}

/// Servers before 2023 name every diagnosis's present-on-admission indicator `clm_poa_ind_sw1`;
/// the current one numbers them. The indicator of each diagnosis is the same in every version.
#[test]
fn each_diagnosis_has_its_present_on_admission_indicator_in_every_version() {
    use bluebutton::views::ClaimView;
    let Some(data) = samples::shared_data() else { return };
    let indicators = |dir: &str| -> Vec<Option<String>> {
        let bytes = std::fs::read(data.join(dir).join("eobReadInpatient.json")).unwrap();
        let Resource::ExplanationOfBenefit(eob) = json::from_slice(&bytes).unwrap() else {
            panic!("{dir}: not a claim")
        };
        let view = ClaimView::of(&eob).expect("an inpatient claim");
        view.diagnoses()
            .iter()
            .map(|d| d.present_on_admission.and_then(|c| c.code()).map(|c| c.as_str().to_string()))
            .collect()
    };
    let current = indicators("samples/v1-normalized");
    assert_eq!(current.iter().flatten().count(), 7, "{current:?}");
    for version in VERSIONS {
        assert_eq!(indicators(&format!("samples/history-normalized/{version}")), current, "{version}");
    }
}
