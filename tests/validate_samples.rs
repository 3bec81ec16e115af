//! The validator on the real Blue Button responses in `../shared/data` (skipped, with a notice,
//! where it is absent; a failure under `CI=true`):
//! - every normalized sample is valid under the served target, and its warnings and
//!   information are a reviewed snapshot;
//! - the published target's findings on the same files, summarized by rule and location
//!   pattern, are a reviewed snapshot of how the IG differs from what is served;
//! - the raw samples fail exactly at their `IGNORED_FIELD` placeholders.
mod samples;

use std::collections::BTreeMap;
use std::fmt::Write;

use bluebutton::json::{self, Value};
use bluebutton::validate::{self, validate_json, validate_reader, Finding, Report, Severity, Target};

/// `Bundle.entry[3].resource.item[0].quantity` → `ExplanationOfBenefit.item.quantity`: the
/// entry's resource type for the Bundle prefix, indexes dropped.
fn pattern(location: &str, document: &Value<'_>) -> String {
    let mut rest = location.to_string();
    if let Some(after) = location.strip_prefix("Bundle.entry[") {
        if let Some((index, tail)) = after.split_once("].resource") {
            let entry_type = index.parse::<usize>().ok().and_then(|i| entry_resource_type(document, i));
            if let Some(t) = entry_type {
                rest = format!("{t}{tail}");
            }
        }
    }
    let mut out = String::with_capacity(rest.len());
    let mut in_index = false;
    for c in rest.chars() {
        match c {
            '[' if !in_index => in_index = true,
            ']' if in_index => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

fn member<'v>(v: &'v Value<'_>, key: &str) -> Option<&'v Value<'v>> {
    match v {
        Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn entry_resource_type(document: &Value<'_>, i: usize) -> Option<String> {
    let Some(Value::Array(entries)) = member(document, "entry") else { return None };
    match member(member(entries.get(i)?, "resource")?, "resourceType")? {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn report(bytes: &[u8], target: Target) -> Report {
    validate_json(bytes, target).expect("the samples are JSON")
}

fn short_profile(report: &Report) -> &str {
    report.profile.map_or("none", |p| p.rsplit('/').next().unwrap_or(p))
}

fn count(report: &Report, severity: Severity) -> usize {
    report.findings.iter().filter(|f| f.severity == severity).count()
}

#[test]
fn normalized_samples_are_valid_when_served() {
    let all = samples::all_normalized();
    if all.is_empty() {
        return;
    }
    let mut snapshot = String::new();
    let mut failures = Vec::new();
    for (name, bytes) in &all {
        let document: Value<'_> = json::from_slice(bytes).unwrap();
        let r = report(bytes, Target::Served);
        if !r.is_valid() {
            failures.push(format!("{name}:\n{r}"));
        }
        let _ = writeln!(
            snapshot,
            "== {name} ({}, {}): {} errors, {} warnings, {} information",
            r.resource_type,
            short_profile(&r),
            count(&r, Severity::Error),
            count(&r, Severity::Warning),
            count(&r, Severity::Information)
        );
        // Warnings in full; information counted by rule and location pattern.
        for f in r.warnings() {
            let _ = writeln!(snapshot, "{f}");
        }
        let mut information: BTreeMap<(&str, String), usize> = BTreeMap::new();
        for f in r.findings.iter().filter(|f| f.severity == Severity::Information) {
            *information.entry((f.rule, pattern(&f.location, &document))).or_default() += 1;
        }
        for ((rule, at), n) in information {
            let _ = writeln!(snapshot, "information [{rule}] {at} ×{n}");
        }
    }
    assert!(failures.is_empty(), "samples with errors under the served target:\n{}", failures.join("\n"));
    insta::assert_snapshot!("served", snapshot);
}

/// Every response of every recorded server version (the current one and four older ones) has
/// no error under the served target, pretty-printed as recorded and minified; per version, the warnings and information are summarized
/// by rule and location pattern in a reviewed snapshot.
#[test]
fn every_recorded_version_is_valid_when_served() {
    let all = samples::all_recorded();
    if all.is_empty() {
        return;
    }
    assert_eq!(all.len(), 25 + 19 + 21 + 24 + 24, "the recorded responses of five server versions");
    let mut failures = Vec::new();
    let mut by_version: BTreeMap<&str, BTreeMap<(Severity, &str, String), usize>> = BTreeMap::new();
    let mut files: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, bytes) in &all {
        let version = name.split('/').next().unwrap_or_default();
        let document: Value<'_> = json::from_slice(bytes).unwrap();
        let r = report(bytes, Target::Served);
        if !r.is_valid() {
            failures.push(format!("{name}:\n{r}"));
        }
        // The API serves compact JSON: the same response minified gets the same report.
        let minified = json::ToJson::to_json_string(&document);
        assert!(minified.len() < bytes.len(), "{name}: the written form is compact");
        assert_eq!(report(minified.as_bytes(), Target::Served), r, "{name}, minified");
        *files.entry(version).or_default() += 1;
        let summary = by_version.entry(version).or_default();
        for f in r.findings.iter().filter(|f| f.severity != Severity::Error) {
            *summary.entry((f.severity, f.rule, pattern(&f.location, &document))).or_default() += 1;
        }
    }
    assert!(failures.is_empty(), "recorded responses with errors under the served target:\n{}", failures.join("\n"));
    let mut snapshot = String::new();
    for (version, summary) in &by_version {
        let _ = writeln!(snapshot, "== {version}: {} files, 0 errors", files[version]);
        for ((severity, rule, at), n) in summary {
            let _ = writeln!(snapshot, "{severity} [{rule}] {at} ×{n}");
        }
    }
    insta::assert_snapshot!("served_every_version", snapshot);
}

#[test]
fn published_findings_summary() {
    let all = samples::all_normalized();
    if all.is_empty() {
        return;
    }
    let mut by_rule: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
    let mut by_pattern: BTreeMap<(Severity, &str, String), usize> = BTreeMap::new();
    let mut per_file = String::new();
    for (name, bytes) in &all {
        let document: Value<'_> = json::from_slice(bytes).unwrap();
        let r = report(bytes, Target::Published);
        let _ = writeln!(
            per_file,
            "{name} ({}): {} errors, {} warnings, {} information",
            short_profile(&r),
            count(&r, Severity::Error),
            count(&r, Severity::Warning),
            count(&r, Severity::Information)
        );
        for Finding { severity, rule, location, .. } in &r.findings {
            *by_rule.entry((*severity, rule)).or_default() += 1;
            *by_pattern.entry((*severity, rule, pattern(location, &document))).or_default() += 1;
        }
    }
    let mut snapshot = String::from("# Published target on the normalized samples\n\n## By file\n");
    snapshot.push_str(&per_file);
    snapshot.push_str("\n## By rule\n");
    for ((severity, rule), n) in &by_rule {
        let _ = writeln!(snapshot, "{severity} [{rule}] ×{n}");
    }
    snapshot.push_str("\n## By rule and location (most frequent first)\n");
    let mut patterns: Vec<_> = by_pattern.into_iter().collect();
    patterns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for ((severity, rule, at), n) in patterns {
        let _ = writeln!(snapshot, "{severity} [{rule}] {at} ×{n}");
    }
    insta::assert_snapshot!("published", snapshot);
}

/// The steps of a location (`Type.a[0].b`) after its resource type: keys (a slice name after
/// `:` dropped) and indexes.
fn steps(location: &str) -> Vec<Result<&str, usize>> {
    let path = location.split_once('.').map_or("", |(_, p)| p);
    let mut steps = Vec::new();
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, indexes) = step.split_once('[').map_or((step, ""), |(n, i)| (n, i));
        steps.push(Ok(name.split(':').next().unwrap_or(name)));
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            steps.push(Err(index.trim_end_matches(']').parse().expect("an index")));
        }
    }
    steps
}

/// The value at a location (`Type.a[0].b`), in the document.
fn at<'v>(document: &'v Value<'v>, location: &str) -> Option<&'v Value<'v>> {
    let mut here = document;
    for step in steps(location) {
        here = match (step, here) {
            (Ok(key), _) => member(here, key)?,
            (Err(i), Value::Array(items)) => items.get(i)?,
            _ => return None,
        };
    }
    Some(here)
}

/// The document with `value` at `location` (a member added when absent).
fn with(document: &[u8], location: &str, value: Value<'static>) -> Vec<u8> {
    let mut root: Value<'static> = json::from_slice::<Value<'_>>(document).unwrap().into_owned();
    let steps = steps(location);
    let (last, parents) = steps.split_last().expect("a location below the resource");
    let mut here = &mut root;
    for step in parents {
        here = match (step, here) {
            (Ok(key), Value::Object(members)) => &mut members.iter_mut().find(|(k, _)| k == key).expect(key).1,
            (Err(i), Value::Array(items)) => &mut items[*i],
            _ => panic!("no {location}"),
        };
    }
    match (last, here) {
        (Ok(key), Value::Object(members)) => match members.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => members.push((key.to_string().into(), value)),
        },
        (Err(i), Value::Array(items)) => items[*i] = value,
        _ => panic!("no {location}"),
    }
    json::to_string(&root).into_bytes()
}

fn is_placeholder(v: &Value<'_>) -> bool {
    match v {
        Value::String(s) => s.contains("IGNORED_FIELD"),
        // A contained resource whose id is the placeholder (dom-3: nothing can refer to it).
        Value::Object(_) => member(v, "id").is_some_and(is_placeholder),
        _ => false,
    }
}

#[test]
fn raw_samples_fail_at_their_placeholders() {
    let Some(data) = samples::shared_data() else { return };
    let mut checked = 0;
    for (name, _) in samples::all_normalized() {
        let Some(bytes) = samples::raw_sample(&name) else { continue };
        let raw = String::from_utf8(bytes.clone()).unwrap();
        let document: Value<'_> = json::from_slice(&bytes).unwrap();
        let r = report(&bytes, Target::Served);
        for f in r.errors() {
            let value = at(&document, &f.location);
            assert!(value.is_some_and(is_placeholder), "{name}: an error away from the placeholders: {f}");
        }
        // Every instant and id placeholder is an error at its own location.
        let placeholders = raw.matches("\"IGNORED_FIELD\"").count();
        if placeholders > 0 {
            assert!(!r.is_valid(), "{name} has {placeholders} placeholders and no error");
            let primitive = r.errors().filter(|f| f.rule == "primitive").count();
            assert!(primitive > 0, "{name}: no primitive error at a placeholder:\n{r}");
            for f in r.errors().filter(|f| f.location.ends_with("lastUpdated") || f.location.ends_with(".id")) {
                assert_eq!(f.rule, "primitive", "{name}: {f}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 25, "every raw sample in {}", data.display());
}

#[test]
fn nulls_and_empty_values_are_errors_at_their_path() {
    if samples::shared_data().is_none() {
        return;
    }
    let cases = [
        ("eobReadCarrier.json", "ExplanationOfBenefit.status", "null", "json-null"),
        ("eobReadCarrier.json", "ExplanationOfBenefit.careTeam[0].role", "{}", "json-empty"),
        ("eobReadCarrier.json", "ExplanationOfBenefit.diagnosis[0].type", "[]", "json-empty"),
        ("eobReadCarrier.json", "ExplanationOfBenefit.item[0].extension[0].valueCoding.display", "null", "json-null"),
        ("eobReadCarrier.json", "ExplanationOfBenefit.diagnosis[0].type[0]", "null", "json-null"),
        ("patientRead.json", "Patient.name[0].given[1]", "null", "json-null"),
        ("patientRead.json", "Patient._birthDate", "{}", "json-empty"),
        ("eobByPatientIdAll.json", "Bundle.entry[6].resource.insurance.coverage", "{}", "json-empty"),
        ("eobByPatientIdAll.json", "Bundle.entry[3].resource.item[0].adjudication", "[]", "json-empty"),
    ];
    for (name, location, value, rule) in cases {
        let sample = samples::normalized(name).unwrap();
        assert!(report(&sample, Target::Served).is_valid(), "{name}");
        let mutated = with(&sample, location, json::from_str::<Value<'_>>(value).unwrap().into_owned());
        let r = report(&mutated, Target::Served);
        let f = r.errors().find(|f| f.rule == rule).unwrap_or_else(|| panic!("{name} {location}: no [{rule}]:\n{r}"));
        assert_eq!(f.location, location, "{name}: {f}");
        // Nothing else but what a required element lacks: itself, or (an empty object) its
        // required children.
        for other in r.errors() {
            let inside = other.location == location || other.location.starts_with(&format!("{location}."));
            assert!(other == f || other.rule == "cardinality-min" && inside, "{name}: {other}");
        }
        assert_eq!(validate_reader(&mutated[..], Target::Served).unwrap(), r, "{name} {location}, streamed");
        let outcome = json::to_string(&r.to_operation_outcome());
        assert!(outcome.contains(&format!(r#""code":"{rule}""#)) && outcome.contains(location), "{outcome}");
    }
}

#[test]
fn null_stays_legal_as_a_placeholder_of_primitive_arrays() {
    let Some(sample) = samples::normalized("patientRead.json") else { return };
    let extension = r#"{"extension":[{"url":"http://example.org/initial","valueString":"A."}]}"#;
    let aligned = json::from_str::<Value<'_>>(&format!("[null,{extension}]")).unwrap().into_owned();
    let mutated = with(&with(&sample, "Patient.name[0].given[1]", Value::Null), "Patient.name[0]._given", aligned);
    let r = report(&mutated, Target::Served);
    assert!(r.is_valid(), "{r}");
    assert!(r.findings.iter().any(|f| f.location == "Patient.name[0]._given[1].extension[0]"), "{r}");
}

#[test]
fn one_unknown_element_does_not_make_an_r4_resource() {
    let Some(sample) = samples::normalized("eobReadCarrier.json") else { return };
    // A stray element, or one element that only R4 has: reported as what it is.
    for (key, value) in [("colour", "red"), ("use", "claim")] {
        let location = format!("ExplanationOfBenefit.{key}");
        let mutated = with(&sample, &location, Value::String(value.to_string().into()));
        let r = report(&mutated, Target::Served);
        let errors: Vec<&Finding> = r.errors().collect();
        assert_eq!(errors.len(), 1, "{r}");
        assert_eq!((errors[0].rule, errors[0].location.as_str()), ("unknown-element", location.as_str()));
        assert!(!r.findings.iter().any(|f| f.rule == "fhir-version"), "{r}");
    }
    // Two R4-only elements, or a CARIN BB profile: R4, whatever else the resource has.
    let total = r#"[{"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},"amount":{"value":1.0,"currency":"USD"}}]"#;
    let total = json::from_str::<Value<'_>>(total).unwrap().into_owned();
    let mutated = with(
        &with(&sample, "ExplanationOfBenefit.use", Value::String("claim".into())),
        "ExplanationOfBenefit.total",
        total,
    );
    let r = report(&mutated, Target::Served);
    assert_eq!(r.findings.len(), 1, "{r}");
    assert!(r.findings[0].rule == "fhir-version" && r.findings[0].message.contains("`use`, `total`"), "{r}");
}

/// Runs `f`, which must panic; returns the panic's message and the line it is located at.
fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> (String, u32) {
    thread_local! {
        static LOCATION: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        // The line of this thread's panics; the others' go to the hook as before.
        std::panic::set_hook(Box::new(move |info| match info.location() {
            Some(location) if LOCATION.with(|l| l.get()) == Some(0) => LOCATION.with(|l| l.set(Some(location.line()))),
            _ => previous(info),
        }));
    });
    LOCATION.with(|l| l.set(Some(0)));
    let payload = std::panic::catch_unwind(f).expect_err("a panic");
    let line = LOCATION.with(|l| l.take()).unwrap();
    let message =
        payload.downcast_ref::<String>().cloned().or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
    (message.unwrap(), line)
}

#[test]
fn assert_valid_names_the_input_at_the_callers_line() {
    let Some(sample) = samples::normalized("eobReadCarrier.json") else { return };
    validate::assert_valid_named("eobReadCarrier.json", &sample);
    let mutated = with(&sample, "ExplanationOfBenefit.status", Value::String("done".into()));
    let ((message, line), here) = (panic_of(|| validate::assert_valid_named("eobReadCarrier.json", &mutated)), line!());
    assert_eq!(line, here);
    let expected = "eobReadCarrier.json is not valid (ExplanationOfBenefit, 1 error(s), served target):\nerror [binding-required] ExplanationOfBenefit.status: ";
    assert!(message.starts_with(expected), "{message}");
    assert!(message.contains("\n\nfull report:\nINVALID ExplanationOfBenefit ("), "{message}");
    let ((message, line), here) = (panic_of(|| validate::assert_valid(&mutated)), line!());
    assert_eq!(line, here);
    assert!(message.starts_with("ExplanationOfBenefit is not valid (1 error(s), served target):\n"), "{message}");
    let ((message, line), here) =
        (panic_of(|| validate::assert_valid_named("eobReadCarrier.json", &sample[1..])), line!());
    assert_eq!(line, here);
    assert!(message.starts_with("eobReadCarrier.json is not JSON: "), "{message}");
}
