//! The validator on the real Blue Button responses in `../shared/data` (skipped, with a notice,
//! where it is absent):
//! - every normalized sample is valid under the served target, and its warnings and
//!   information are a reviewed snapshot;
//! - the published target's findings on the same files, summarized by rule and location
//!   pattern, are a reviewed snapshot of how the IG differs from what is served;
//! - the raw samples fail exactly at their `IGNORED_FIELD` placeholders.
mod samples;

use std::collections::BTreeMap;
use std::fmt::Write;

use bluebutton::json::{self, Value};
use bluebutton::validate::{validate_json, Finding, Report, Severity, Target};

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
/// no error under the served target; per version, the warnings and information are summarized
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

/// The value at a location (`Type.a[0].b`), in the document.
fn at<'v>(document: &'v Value<'v>, location: &str) -> Option<&'v Value<'v>> {
    let path = location.split_once('.').map_or("", |(_, p)| p);
    let mut here = document;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, indexes) = step.split_once('[').map_or((step, ""), |(n, i)| (n, i));
        here = member(here, name.split(':').next().unwrap_or(name))?;
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().ok()?;
            here = match here {
                Value::Array(items) => items.get(i)?,
                _ => return None,
            };
        }
    }
    Some(here)
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
