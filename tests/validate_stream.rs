//! `validate::validate_reader`, which checks a Bundle as it is read, entry by entry, gives
//! exactly the report `validate_json` gives on the whole document (the same findings in the
//! same order, or the same error): on the example data, the real responses in `../shared/data`
//! (skipped where absent), generated data, Bundles of unusual shapes, random mutations and
//! truncations; on one thread and with the entries walked on several (`Options::threads`).
//! `validate_reader_with`, which hands the findings out as they are made, gives them too.
#[path = "support/breaks.rs"]
mod breaks;
mod samples;

use std::borrow::Cow;
use std::io::Read;

use bluebutton::json::{self, ToJson, Value, Writer};
use bluebutton::synth::{self, Layout, Options};
use bluebutton::validate::{
    validate_json, validate_reader_with, Finding, Options as ValidateOptions, Outline, Report, Target, Unfinished,
};
use breaks::breaks_after;

/// A reader that gives at most `chunk` bytes per read, like a pipe.
struct Trickle<'a> {
    bytes: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fn describe(result: &Result<Report, json::Error>) -> String {
    match result {
        Ok(report) => format!(
            "{} {:?} {} findings:\n{}",
            report.resource_type,
            report.profile,
            report.findings.len(),
            report.findings.iter().take(40).map(ToString::to_string).collect::<Vec<_>>().join("\n")
        ),
        Err(e) => format!("error {e} at {} {:?}", e.offset(), e.line_column()),
    }
}

/// Both ways agree on `doc`, under both targets, and the streamed one on any number of
/// threads.
fn assert_same(doc: &[u8], what: &str) {
    for (target, threads) in [(Target::Served, 1), (Target::Published, 1), (Target::Served, 2), (Target::Served, 3)] {
        let whole = validate_json(doc, target);
        let options = ValidateOptions::new(target).threads(threads);
        let streamed = options.validate_reader(Trickle { bytes: doc, chunk: 1000 });
        let same = match (&whole, &streamed) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => {
                (a.to_string(), a.offset(), a.line_column()) == (b.to_string(), b.offset(), b.line_column())
            }
            _ => false,
        };
        if !same {
            let first_difference = match (&whole, &streamed) {
                (Ok(a), Ok(b)) => a
                    .findings
                    .iter()
                    .zip(&b.findings)
                    .find(|(x, y)| x != y)
                    .map(|(x, y)| format!("first difference:\n  whole:    {x}\n  streamed: {y}\n"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            panic!(
                "{what} ({target}, {threads} threads): {first_difference}whole: {}\nstreamed: {}\ndocument: {}",
                describe(&whole),
                describe(&streamed),
                String::from_utf8_lossy(&doc[..doc.len().min(3000)])
            );
        }
    }
}

fn generated(seed: u64, patients: u64, layout: Layout) -> Vec<u8> {
    let mut out = Vec::new();
    let options = Options { seed, patients, claims_per_patient: 8, ..Options::default() };
    synth::write_searchset(&mut out, &options, layout).unwrap();
    out
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data").join(name)).unwrap()
}

fn to_json(value: &Value<'_>) -> Vec<u8> {
    let mut w = Writer::pretty(1);
    value.write(&mut w);
    w.into_string().into_bytes()
}

fn members<'v>(value: &'v mut Value<'static>) -> &'v mut Vec<(Cow<'static, str>, Value<'static>)> {
    match value {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

/// A Bundle of `resources` (JSON texts), with `extra` members (JSON text, after `total`).
fn bundle(resources: &[&[u8]], extra: &str) -> Vec<u8> {
    let entries: Vec<String> =
        resources.iter().map(|r| format!(r#"{{"resource": {}}}"#, String::from_utf8_lossy(r))).collect();
    format!(
        r#"{{"resourceType": "Bundle", "type": "searchset", "total": {}{extra}, "entry": [{}]}}"#,
        resources.len(),
        entries.join(", ")
    )
    .into_bytes()
}

#[test]
fn the_example_data_and_generated_bundles() {
    for name in ["demo-bundle.json", "claims-bundle.json"] {
        assert_same(&example(name), name);
    }
    assert_same(&generated(1, 3, Layout::Pretty), "generated, pretty");
    // More than one window of input (1 MiB), so that entries straddle the windows.
    assert_same(&generated(7, 6, Layout::Compact), "generated, compact");
}

#[test]
fn the_real_responses_alone_and_in_a_bundle() {
    let all = samples::all_normalized();
    for (name, bytes) in &all {
        assert_same(bytes, name);
    }
    let resources: Vec<&[u8]> = all.iter().map(|(_, b)| b.as_slice()).collect();
    if !resources.is_empty() {
        assert_same(&bundle(&resources, ""), "every sample in one Bundle");
    }
    for name in ["eobReadCarrier.json", "eobByPatientIdAll.json", "patientRead.json"] {
        if let Some(raw) = samples::raw_sample(name) {
            assert_same(&raw, name);
            assert_same(&bundle(&[&raw, &raw], ""), &format!("{name} twice in a Bundle"));
        }
    }
}

const PATIENT: &str = r#"{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-13"}"#;
const COVERAGE: &str = r##"{"resourceType": "Coverage", "id": "part-a-1", "status": "active",
    "contained": [{"resourceType": "Organization", "id": "o"}], "payor": [{"reference": "#o"}],
    "meta": {"versionId": "2"}}"##;

#[test]
fn bundles_of_unusual_shapes() {
    let patient = PATIENT.as_bytes();
    let coverage = COVERAGE.as_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no entries", br#"{"resourceType": "Bundle", "type": "searchset", "total": 0}"#.to_vec()),
        ("empty entry array", br#"{"resourceType": "Bundle", "type": "searchset", "entry": []}"#.to_vec()),
        ("entry is an object", br#"{"resourceType": "Bundle", "type": "searchset", "entry": {"resource": {"resourceType": "Patient"}}}"#.to_vec()),
        ("entry is null", br#"{"resourceType": "Bundle", "entry": null, "type": "x"}"#.to_vec()),
        ("entry twice", br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}], "type": "searchset", "entry": [null]}"#.to_vec()),
        ("entry null then array", br#"{"resourceType": "Bundle", "entry": null, "entry": [{"fullUrl": "x"}]}"#.to_vec()),
        ("null and scalar entries", br#"{"resourceType": "Bundle", "type": "searchset", "entry": [null, 3, "x", [], {}, {"id": "e"}]}"#.to_vec()),
        ("members after the entries", br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "a"}}], "type": "collection", "total": 1, "bogus": true, "meta": {"versionId": 3}}"#.to_vec()),
        ("entries before resourceType", br#"{"type": "searchset", "entry": [{"resource": {"resourceType": "Patient"}}], "resourceType": "Bundle"}"#.to_vec()),
        ("no resourceType", br#"{"type": "searchset", "entry": [{"resource": {"resourceType": "Patient"}}]}"#.to_vec()),
        ("resourceType twice", br#"{"resourceType": "Bundle", "resourceType": "Patient", "entry": [{"resource": {"resourceType": "Patient"}}]}"#.to_vec()),
        ("resourceType not a string", br#"{"resourceType": 7, "entry": [{"resource": {"resourceType": "Patient"}}]}"#.to_vec()),
        ("not an object", br#"[{"resourceType": "Bundle"}]"#.to_vec()),
        ("a string", br#""Bundle""#.to_vec()),
        ("not a Bundle", PATIENT.as_bytes().to_vec()),
        ("_type and type around the entries", br#"{"resourceType": "Bundle", "_total": {"id": "t"}, "entry": [{"resource": {"resourceType": "Patient"}}], "total": 1}"#.to_vec()),
        ("fullUrl repeated (bdl-7)", br#"{"resourceType": "Bundle", "type": "searchset", "entry": [{"fullUrl": "u", "resource": {"resourceType": "Patient", "meta": {"versionId": "1"}}}, {"fullUrl": "u", "resource": {"resourceType": "Patient", "meta": {"versionId": "1"}}}, {"fullUrl": "u/_history/2", "resource": {"resourceType": "Patient"}}]}"#.to_vec()),
        ("search, request, response (bdl-2..5)", br#"{"resourceType": "Bundle", "type": "collection", "total": 2, "entry": [{"search": {"mode": "match"}, "request": {"method": "GET", "url": "x"}, "response": {"status": "200"}}, {}]}"#.to_vec()),
        ("a document without identifier (bdl-9)", br#"{"resourceType": "Bundle", "type": "document", "entry": [{"resource": {"resourceType": "Patient"}}]}"#.to_vec()),
        ("contained at the Bundle level", br##"{"resourceType": "Bundle", "contained": [{"resourceType": "Patient", "id": "x"}], "signature": [{"whoReference": {"reference": "#x"}}], "entry": [{"resource": {"resourceType": "Patient"}}]}"##.to_vec()),
        ("keys with escapes", br#"{"resourceType": "Bundle", "t\u0079pe": "searchset", "entry": [{"res\"ource": 1}], "\u00e9": 2}"#.to_vec()),
        ("duplicate keys in an entry", br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "a", "id": "b"}}]}"#.to_vec()),
        ("resources of every kind", bundle(&[patient, coverage, &example("demo-bundle.json")], r#", "link": [{"relation": "next", "url": "u"}]"#)),
        ("trailing white space", b"{\"resourceType\": \"Bundle\", \"entry\": [{}]}\n\n  \t".to_vec()),
        ("trailing garbage", br#"{"resourceType": "Bundle", "entry": [{}]} {}"#.to_vec()),
        ("empty input", Vec::new()),
        ("deep nesting", format!(r#"{{"resourceType": "Bundle", "entry": [{}{}]}}"#, "[".repeat(126), "]".repeat(126)).into_bytes()),
        ("too deep", format!(r#"{{"resourceType": "Bundle", "entry": [{}{}]}}"#, "[".repeat(127), "]".repeat(127)).into_bytes()),
    ];
    for (what, doc) in &cases {
        assert_same(doc, what);
    }
}

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The paths (indexes into objects and arrays) of every object and array under `value`.
fn containers(value: &Value<'_>, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    match value {
        Value::Object(m) => {
            out.push(path.clone());
            for (i, (_, v)) in m.iter().enumerate() {
                path.push(i);
                containers(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            out.push(path.clone());
            for (i, v) in items.iter().enumerate() {
                path.push(i);
                containers(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(value: &'v mut Value<'static>, path: &[usize]) -> &'v mut Value<'static> {
    path.iter().fold(value, |v, &i| match v {
        Value::Object(m) => &mut m[i].1,
        Value::Array(items) => &mut items[i],
        _ => unreachable!(),
    })
}

/// `doc` with one random change: a member or element removed, duplicated, or replaced by a
/// value of another kind.
fn mutate(doc: &Value<'static>, rng: &mut Rng) -> Vec<u8> {
    let mut doc = doc.clone();
    let mut all = Vec::new();
    containers(&doc, &mut Vec::new(), &mut all);
    let path = &all[rng.below(all.len())];
    let replacements = [
        Value::Null,
        Value::Number("1.50".into()),
        Value::String("x".into()),
        Value::Array(Vec::new()),
        Value::Object(Vec::new()),
    ];
    match at_mut(&mut doc, path) {
        Value::Object(m) if !m.is_empty() => {
            let i = rng.below(m.len());
            match rng.below(3) {
                0 => {
                    m.remove(i);
                }
                1 => {
                    let member = m[i].clone();
                    m.insert(rng.below(m.len() + 1), member);
                }
                _ => m[i].1 = replacements[rng.below(replacements.len())].clone(),
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match rng.below(3) {
                0 => {
                    items.remove(i);
                }
                1 => items.push(items[i].clone()),
                _ => items[i] = replacements[rng.below(replacements.len())].clone(),
            }
        }
        other => *other = replacements[rng.below(replacements.len())].clone(),
    }
    to_json(&doc)
}

#[test]
fn random_mutations() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let bases = [example("demo-bundle.json"), bundle(&[PATIENT.as_bytes(), COVERAGE.as_bytes()], "")];
    for base in &bases {
        let doc: Value<'_> = json::from_slice(base).unwrap();
        let doc = doc.into_owned();
        for i in 0..60 {
            assert_same(&mutate(&doc, &mut rng), &format!("mutation {i}"));
        }
        // The Bundle's own members moved around the entries.
        let mut moved = doc.clone();
        let m = members(&mut moved);
        let entry = m.iter().position(|(k, _)| k == "entry").unwrap();
        let member = m.remove(entry);
        m.insert(1, member);
        assert_same(&to_json(&moved), "entries right after resourceType");
        let m = members(&mut moved);
        m.rotate_left(2);
        assert_same(&to_json(&moved), "members after the entries");
    }
}

#[test]
fn truncated_and_broken_input_is_the_same_error() {
    let doc = bundle(&[PATIENT.as_bytes(), COVERAGE.as_bytes()], "");
    for cut in 0..doc.len() {
        assert_same(&doc[..cut], &format!("cut at {cut}"));
    }
    for at in (0..doc.len()).step_by(3) {
        for byte in [b'}', b'"', b',', b'x'] {
            let mut broken = doc.clone();
            broken[at] = byte;
            assert_same(&broken, &format!("{:?} at {at}", byte as char));
        }
    }
}

#[test]
fn findings_handed_out_as_made_are_the_report() {
    let mut docs = vec![example("claims-bundle.json"), generated(3, 2, Layout::Pretty)];
    docs.extend(samples::all_normalized().into_iter().map(|(_, b)| b));
    let mut amended_seen = false;
    for doc in &docs {
        for target in [Target::Served, Target::Published] {
            let report = validate_json(doc, target).unwrap();
            let mut findings: Vec<Finding> = Vec::new();
            let mut provisional = Vec::new();
            let outline = validate_reader_with(&doc[..], target, |finding, p| {
                if p {
                    provisional.push(findings.len());
                }
                findings.push(finding);
            })
            .unwrap();
            assert_eq!(outline.findings(), report.findings.len());
            assert_eq!(outline.errors, report.errors().count());
            assert_eq!(outline.warnings, report.warnings().count());
            assert_eq!(outline.is_valid(), report.is_valid());
            assert_eq!(
                (outline.resource_type.as_str(), outline.profile),
                (report.resource_type.as_str(), report.profile)
            );
            for (i, finding) in &outline.amended {
                assert!(provisional.contains(i), "amended, but not handed out as provisional: {finding}");
                assert!(finding.message.ends_with("occurrences; the first is shown)"), "{finding}");
                findings[*i] = finding.clone();
                amended_seen = true;
            }
            assert_eq!(findings, report.findings);
            // The OperationOutcome written an issue at a time is the report's.
            if !findings.is_empty() {
                let issues: Vec<String> = findings.iter().map(Finding::to_issue_json).collect();
                let written = format!(r#"{{"resourceType":"OperationOutcome","issue":[{}]}}"#, issues.join(","));
                assert_eq!(written, report.to_operation_outcome().to_json_string());
            }
        }
    }
    assert!(amended_seen, "some note is amended once its count is known");
}

/// A document in memory (`validate_slice_with`) hands out what its reader does: the same
/// findings in the same order, the same ones provisional, the same outline or error; for
/// documents smaller and larger than the stream's first window, whole or cut off.
#[test]
fn a_document_in_memory_is_handed_out_as_its_reader_hands_it_out() {
    let large = generated(5, 12, Layout::Compact);
    assert!(large.len() > 2 << 20, "{} bytes", large.len());
    let mut docs = vec![example("claims-bundle.json"), generated(3, 2, Layout::Pretty), large.clone()];
    docs.push(large[..large.len() * 2 / 3].to_vec());
    docs.extend(samples::all_normalized().into_iter().map(|(_, b)| b));
    for doc in &docs {
        for (target, threads) in [(Target::Served, 1), (Target::Published, 1), (Target::Served, 2)] {
            let options = ValidateOptions::new(target).threads(threads);
            let mut read = Vec::new();
            let from_reader = options.validate_reader_with(&doc[..], |finding, p| read.push((finding, p)));
            let mut sliced = Vec::new();
            let from_slice = options.validate_slice_with(doc, |finding, p| sliced.push((finding, p)));
            assert_eq!(from_slice, from_reader, "{target}, {threads} threads, {} bytes", doc.len());
            assert_eq!(sliced, read, "{target}, {threads} threads, {} bytes", doc.len());
        }
    }
}

/// One [`Validator`] over many documents gives each the report, and hands out the findings,
/// that the document gets alone, whatever came before it: the recorded responses (normalized and
/// raw), generated NDJSON lines and mutations of them, in order, then in reverse, under both
/// targets.
#[test]
fn a_validator_gives_each_document_what_it_gets_alone() {
    let mut docs: Vec<Vec<u8>> =
        samples::all_recorded().into_iter().chain(samples::all_recorded_raw()).map(|(_, doc)| doc).collect();
    let mut ndjson = Vec::new();
    synth::write_ndjson(&mut ndjson, &Options { seed: 9, patients: 6, ..Options::default() }).unwrap();
    let lines: Vec<Vec<u8>> = ndjson.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
    assert!(lines.len() > 30, "{} lines", lines.len());
    let mut rng = Rng(0x0dd_5eed_c0de);
    for line in lines.iter().take(30) {
        let doc = json::from_slice::<Value>(line).unwrap().into_owned();
        docs.push(mutate(&doc, &mut rng));
    }
    docs.extend(lines);
    docs.push(b"{\"resourceType\":\"Patient\",\"id\":tru}".to_vec());
    for target in [Target::Served, Target::Published] {
        let options = ValidateOptions::new(target);
        let mut validator = options.validator();
        for doc in docs.iter().chain(docs.iter().rev()) {
            let (kept, alone) = (validator.validate_json(doc), options.validate_json(doc));
            assert_eq!(describe(&kept), describe(&alone), "{target}: {}", String::from_utf8_lossy(doc));
            assert_eq!(kept.ok(), alone.ok());
            let mut handed = (Vec::new(), Vec::new());
            let kept = validator.validate_slice_with(doc, |finding, p| handed.0.push((finding, p)));
            let alone = options.validate_slice_with(doc, |finding, p| handed.1.push((finding, p)));
            assert_eq!(kept, alone, "{target}");
            assert_eq!(handed.0, handed.1, "{target}");
        }
    }
}

/// What [`validate_reader_with`] handed out for `input`, the provisional findings amended: the
/// findings, and the outline, or the error with the outline of those before it.
fn handed_out(input: impl Read, options: ValidateOptions) -> (Vec<Finding>, Result<Outline, Unfinished>) {
    let mut findings = Vec::new();
    let result = options.validate_reader_with(input, |finding, _| findings.push(finding));
    let outline = match &result {
        Ok(outline) => Some(outline),
        Err(unfinished) => unfinished.before.as_ref(),
    };
    if let Some(outline) = outline {
        outline.amend(&mut findings);
    }
    (findings, result)
}

/// A Bundle that cannot be read to its end (its input breaks off inside an entry, or its JSON
/// stops there) ends with the error and the outline of what was handed out before: the
/// findings of the same Bundle with only the entries read whole, up to where those of the
/// Bundle as a whole begin (which are not checked), the notes counted over those entries. On
/// one thread and with the entries walked on several.
#[test]
fn a_bundle_cut_off_gives_the_findings_of_the_entries_before_the_break() {
    let mut docs = vec![("generated".to_string(), generated(5, 3, Layout::Compact))];
    if let Some(claims) = samples::normalized("eobByPatientIdAll.json") {
        docs.push(("the server's claims".into(), claims));
    }
    let mut notes_amended = 0;
    for (name, doc) in &docs {
        let mut value = json::from_slice::<Value>(doc).unwrap().into_owned();
        let entries = match members(&mut value).iter().find(|(k, _)| k == "entry") {
            Some((_, Value::Array(entries))) => entries.clone(),
            _ => panic!("{name}: no entries"),
        };
        let n = entries.len();
        // Where each entry is in the document.
        let places: Vec<(usize, usize)> = bluebutton::stream::BundleStream::new(&doc[..])
            .unwrap()
            .map(|e| e.map(|e| (e.offset as usize, e.len)).unwrap())
            .collect();
        assert_eq!(places.len(), n, "{name}");
        for k in [1, 2, n / 2, n - 1] {
            // The same Bundle with only the first `k` entries.
            let mut prefix = value.clone();
            if let Some((_, Value::Array(kept))) = members(&mut prefix).iter_mut().find(|(k, _)| k == "entry") {
                kept.truncate(k);
            }
            let (expected, outline) = handed_out(&to_json(&prefix)[..], ValidateOptions::new(Target::Served));
            outline.unwrap();
            let (start, len) = places[k];
            let cut = start + len / 2;
            for threads in [1, 2] {
                let options = ValidateOptions::new(Target::Served).threads(threads);
                let context = format!("{name}, {k} of {n} entries whole, {threads} thread(s)");
                let broken = handed_out(breaks_after(doc, cut), options);
                let truncated = handed_out(&doc[..cut], options);
                for ((findings, result), how) in [(broken, "broken off"), (truncated, "truncated")] {
                    let context = format!("{context}, {how}");
                    let unfinished = result.expect_err(&context);
                    match (how, unfinished.error.kind()) {
                        ("broken off", json::ErrorKind::Io(_)) | ("truncated", json::ErrorKind::Eof { .. }) => {}
                        (_, other) => panic!("{context}: {other:?}"),
                    }
                    let before = unfinished.before.expect(&context);
                    assert_eq!(before.resource_type, "Bundle", "{context}");
                    assert_eq!(before.findings(), findings.len(), "{context}");
                    let errors = findings.iter().filter(|f| f.severity == bluebutton::validate::Severity::Error);
                    assert_eq!(before.errors, errors.count(), "{context}");
                    assert!(findings.len() <= expected.len(), "{context}");
                    assert_eq!(findings[..], expected[..findings.len()], "{context}");
                    let of_the_whole = &expected[findings.len()..];
                    assert!(
                        of_the_whole.iter().all(|f| !f.location.starts_with("Bundle.entry[")),
                        "{context}: an entry's finding is missing: {:?}",
                        of_the_whole.iter().map(ToString::to_string).collect::<Vec<_>>()
                    );
                    notes_amended += before.amended.len();
                }
            }
        }
    }
    assert!(notes_amended > 0, "some note's count is amended up to the break");
}
