//! `bluebutton query` on the real responses: counts and exact sums equal the same numbers
//! computed here by walking the JSON by hand (scaled integers, no FHIRPath); `--each`, NDJSON,
//! gzip and standard input give the same answers; the exit status tells a bad expression (2,
//! with its position) from an input that is not FHIR (1).

use std::path::{Path, PathBuf};

use crate::support::{gzip, path_str, run, run_with_stdin, shared_data, TempFile};
use bluebutton::json::{self, ToJson, Value};

fn member<'v>(v: &'v Value<'v>, key: &str) -> Option<&'v Value<'v>> {
    match v {
        Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The values at `path` below `v`, arrays flattened at every step.
fn at<'v>(v: &'v Value<'v>, path: &[&str]) -> Vec<&'v Value<'v>> {
    let Some((first, rest)) = path.split_first() else { return vec![v] };
    let found = match member(v, first) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    found.into_iter().flat_map(|f| at(f, rest)).collect()
}

/// A decimal text in millionths (the samples have at most two digits after the point).
fn millionths(text: &str) -> i128 {
    let (negative, digits) = text.strip_prefix('-').map_or((false, text), |d| (true, d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(frac.len() <= 6, "{text}");
    let value: i128 = format!("{int}{frac:0<6}").parse().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

fn bundles(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        ["eobByPatientIdAll.json", "eobByPatientIdPaged.json", "eobByPatientIdAllWithSamhsa.json"]
            .iter()
            .map(|f| dir.join("samples/v1-normalized").join(f))
            .collect();
    for version in ["2020-10", "2021-08", "2023-04", "2024-09"] {
        let p = dir.join("samples/history-normalized").join(version).join("eobByPatientIdAll.json");
        if p.exists() {
            out.push(p);
        }
    }
    out
}

#[test]
fn counts_and_exact_sums_equal_a_walk_of_the_json() {
    let Some(dir) = shared_data("counts_and_exact_sums_equal_a_walk_of_the_json") else { return };
    for path in bundles(&dir) {
        let file = path_str(&path);
        let bytes = std::fs::read(&path).unwrap();
        let tree: Value = json::from_slice(&bytes).unwrap();
        // Entries that are ExplanationOfBenefits.
        let eobs = at(&tree, &["entry", "resource"])
            .into_iter()
            .filter(|r| matches!(member(r, "resourceType"), Some(Value::String(t)) if t == "ExplanationOfBenefit"))
            .count();
        let out = run(&["query", "--format", "text", "entry.resource.ofType(ExplanationOfBenefit).count()", &file]);
        assert_eq!((out.code, out.stdout.trim()), (0, eobs.to_string().as_str()), "{file}: {}", out.stderr);
        // The exact sum of every adjudication amount of every item.
        let amounts = at(&tree, &["entry", "resource", "item", "adjudication", "amount", "value"]);
        assert!(!amounts.is_empty(), "{file}");
        let expected: i128 = amounts
            .iter()
            .map(|v| match v {
                Value::Number(n) => millionths(n),
                other => panic!("{file}: amount {other:?}"),
            })
            .sum();
        let expression = "entry.resource.item.adjudication.amount.value.aggregate($total + $this, 0)";
        let out = run(&["query", "--format", "text", expression, &file]);
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
        assert_eq!(millionths(out.stdout.trim()), expected, "{file}: {}", out.stdout);
        // The same through `--each`: one line per entry, each the entry's own sum.
        let each = run(&[
            "query",
            "--each",
            "--format",
            "json",
            "ExplanationOfBenefit.item.adjudication.amount.value.aggregate($total + $this, 0)",
            &file,
        ]);
        let entries = at(&tree, &["entry", "resource"]);
        assert_eq!(each.lines().len(), entries.len(), "{file}");
        let mut total = 0;
        for (line, entry) in each.lines().iter().zip(&entries) {
            let own: i128 = at(entry, &["item", "adjudication", "amount", "value"])
                .iter()
                .map(|v| if let Value::Number(n) = v { millionths(n) } else { 0 })
                .sum();
            let got = line.trim_start_matches('[').trim_end_matches(']');
            let got = if got.is_empty() { 0 } else { millionths(got) };
            assert_eq!(got, own, "{file}: {line}");
            total += got;
        }
        assert_eq!(total, expected, "{file}");
    }
}

#[test]
fn json_output_is_the_input_elements_text() {
    let Some(dir) = shared_data("json_output_is_the_input_elements_text") else { return };
    let path = dir.join("samples/v1-normalized/patientRead.json");
    let bytes = std::fs::read(&path).unwrap();
    let tree: Value = json::from_slice(&bytes).unwrap();
    let names: Vec<String> = at(&tree, &["name"]).iter().map(|n| n.to_json_string()).collect();
    let out = run(&["query", "Patient.name", &path_str(&path)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("[{}]\n", names.join(",")));
    // A choice element is found by its name without the type.
    let file = dir.join("samples/v1-normalized/eobReadCarrier.json");
    let bytes = std::fs::read(&file).unwrap();
    let tree: Value = json::from_slice(&bytes).unwrap();
    let quantities: Vec<String> =
        at(&tree, &["item", "quantity", "value"]).iter().map(|v| v.to_json_string()).collect();
    let out = run(&["query", "item.quantity.value", &path_str(&file)]);
    assert_eq!(out.stdout.trim(), format!("[{}]", quantities.join(",")));
    let extension_values = at(&tree, &["extension"]).len();
    let out = run(&["query", "--format", "text", "extension.value.count()", &path_str(&file)]);
    assert_eq!(out.stdout.trim(), extension_values.to_string(), "every extension has one value[x]");
}

#[test]
fn ndjson_gzip_and_stdin_give_what_the_bundle_gives() {
    let Some(dir) = shared_data("ndjson_gzip_and_stdin_give_what_the_bundle_gives") else { return };
    let path = dir.join("samples/v1-normalized/eobByPatientIdAll.json");
    let bytes = std::fs::read(&path).unwrap();
    let tree: Value = json::from_slice(&bytes).unwrap();
    let ndjson: String = at(&tree, &["entry", "resource"]).iter().map(|r| r.to_json_string() + "\n").collect();
    let expression = "ExplanationOfBenefit.payment.amount.value | Patient.id";
    let each = run(&["query", "--each", expression, &path_str(&path)]);
    assert_eq!(each.code, 0, "{}", each.stderr);
    let lines = TempFile::new("entries.ndjson", ndjson.as_bytes());
    let out = run(&["query", expression, lines.path()]);
    assert_eq!((out.code, &out.stdout), (0, &each.stdout), "{}", out.stderr);
    let zipped = TempFile::new("entries.ndjson.gz", &gzip(ndjson.as_bytes()));
    assert_eq!(run(&["query", expression, zipped.path()]).stdout, each.stdout);
    assert_eq!(run_with_stdin(&["query", expression], ndjson.as_bytes()).stdout, each.stdout);
    assert_eq!(
        run_with_stdin(&["query", expression, "-"], &gzip(&bytes)).stdout.lines().count(),
        1,
        "a Bundle is one resource"
    );
}

#[test]
fn exit_status_tells_a_bad_expression_from_an_input_that_is_not_fhir() {
    let patient = br#"{"resourceType":"Patient","id":"p1","birthDate":"1970-01","name":[{"given":["A","B"]}]}"#;
    let ok = run_with_stdin(&["query", "--format", "text", "name.given.count() = 2 and birthDate < @1970-02"], patient);
    assert_eq!((ok.code, ok.stdout.as_str()), (0, "true\n"), "{}", ok.stderr);
    let bad = run_with_stdin(&["query", "name.given.where(", "-"], patient);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("at offset 17") && bad.stderr.contains("                   ^"), "{}", bad.stderr);
    // Not FHIR: an array, an object without resourceType, not JSON at all.
    for input in [&b"[1,2]"[..], br#"{"id":"x"}"#, b"{not json"] {
        let out = run_with_stdin(&["query", "id"], input);
        assert_eq!(out.code, 1, "{}", String::from_utf8_lossy(input));
        assert!(out.stderr.contains("ERROR -"), "{}", out.stderr);
    }
    // An evaluation error names the resource and the position.
    let out = run_with_stdin(&["query", "name.given.substring(0, 1) = 'A'"], patient);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("on -") && out.stderr.contains("offset"), "{}", out.stderr);
    let missing = run(&["query", "id", "no-such-file.json"]);
    assert_eq!(missing.code, 2);
}
