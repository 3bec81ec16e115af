//! `bluebutton validate`: text and JSON output, targets, exit statuses, stdin and gzip. The
//! tests on the real samples in `../shared/data` print a notice and skip where it is absent.

use bluebutton::json::ToJson;
use bluebutton::resources::OperationOutcome;
use bluebutton::validate::{validate_json, Severity, Target};

use crate::support::{gzip, json_files, run, run_with_stdin, shared_data, TempFile};

const VALID: &[u8] = br#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#;
const INVALID: &[u8] = br#"{"resourceType":"Observation","code":{"text":"x"},"colour":1}"#;

#[test]
fn text_output_and_exit_statuses() {
    let (valid, invalid) = (TempFile::new("valid.json", VALID), TempFile::new("invalid.json", INVALID));
    let out = run(&["validate", valid.path()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with(&format!("{}: VALID Observation (", valid.path())), "{}", out.stdout);

    let out = run(&["validate", valid.path(), invalid.path()]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with(&format!("{}: INVALID Observation", invalid.path()))), "{}", out.stdout);
    assert!(
        lines.contains(
            &"  error [unknown-element] Observation.colour: unknown element `colour` (not an element of Observation)"
        ),
        "{}",
        out.stdout
    );
    assert!(lines.iter().any(|l| l.starts_with("  error [cardinality-min] Observation.status: ")), "{}", out.stdout);

    // Unreadable or not JSON: 2, even when another file has errors.
    let not_json = TempFile::new("not-json.json", b"{");
    let out = run(&["validate", invalid.path(), not_json.path(), "/nonexistent/file.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not JSON"), "{}", out.stderr);
    assert!(out.stderr.contains("cannot read"), "{}", out.stderr);
}

#[test]
fn json_output_is_one_operation_outcome_per_line() {
    let (valid, invalid) = (TempFile::new("valid.json", VALID), TempFile::new("invalid.json", INVALID));
    let out = run(&["validate", "--format", "json", valid.path(), invalid.path(), "/nonexistent/file.json"]);
    assert_eq!(out.code, 2);
    let outcomes: Vec<OperationOutcome<'_>> =
        out.stdout.lines().map(|l| bluebutton::json::from_str(l).unwrap()).collect();
    assert_eq!(outcomes.len(), 3, "{}", out.stdout);
    let code = |p: &Option<bluebutton::json::Primitive<'_, bluebutton::primitives::Code<'_>>>| {
        p.as_ref().and_then(|p| p.value()).map(|c| c.as_str().to_string()).unwrap_or_default()
    };
    assert_eq!(code(&outcomes[0].issue[0].code), "informational");
    let missing = outcomes[1]
        .issue
        .iter()
        .find(|i| i.expression.first().and_then(|e| e.value()).is_some_and(|e| e.as_str() == "Observation.status"))
        .expect("an issue at Observation.status");
    assert_eq!((code(&missing.severity), code(&missing.code)), ("error".into(), "required".into()));
    let rule = missing.details.as_ref().and_then(|d| d.coding.first()).and_then(|c| c.code()).unwrap();
    assert_eq!(rule.as_str(), "cardinality-min");
    assert_eq!(code(&outcomes[2].issue[0].severity), "fatal");
}

#[test]
fn stdin_gzip_and_the_published_target() {
    let eob = br#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1","status":"active"}"#;
    let gz = gzip(eob);
    let served = run_with_stdin(&["validate", "-"], &gz);
    let published = run_with_stdin(&["validate", "--published", "-"], &gz);
    assert_eq!((served.code, published.code), (1, 1));
    assert!(served.stdout.contains("bluebutton-carrier-claim, served)"), "{}", served.stdout);
    assert!(published.stdout.contains("bluebutton-carrier-claim, published)"), "{}", published.stdout);
    let slice = "error [slice-cardinality] ExplanationOfBenefit.extension:carrier-prpayamt-extension";
    assert!(published.stdout.contains(slice), "{}", published.stdout);
    assert!(!served.stdout.contains(slice), "{}", served.stdout);
}

#[test]
fn every_normalized_sample_is_valid_when_served() {
    let Some(data) = shared_data("every_normalized_sample_is_valid_when_served") else { return };
    let dir = data.join("samples/v1-normalized");
    let files = json_files(&dir);
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout.lines().filter(|l| l.contains(": VALID ")).count(), files.len());
    let raw = data.join("samples/v1/eobReadCarrier.json");
    let out = run(&["validate", raw.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("error [primitive] ExplanationOfBenefit.meta.lastUpdated: invalid instant \"IGNORED_FIELD\""),
        "{}",
        out.stdout
    );
}

/// The text output for one input, written from the library's report: its summary line, then
/// its findings, errors first.
fn expected_text(name: &str, report: &bluebutton::validate::Report) -> String {
    let text = report.to_string();
    let mut expected = format!("{name}: {}\n", text.lines().next().unwrap());
    for severity in [Severity::Error, Severity::Warning, Severity::Information] {
        for finding in report.findings.iter().filter(|f| f.severity == severity) {
            expected.push_str(&format!("  {finding}\n"));
        }
    }
    expected
}

#[test]
fn a_large_bundle_is_streamed_with_the_same_findings() {
    // 20 beneficiaries: about 9 MB, with thousands of findings (extensions outside the IG), more
    // than are kept in memory, and notes whose counts are known only at the end; more than one
    // window of entries walked on threads.
    let bundle = run(&["generate", "--seed", "5", "--patients", "20"]).stdout.into_bytes();
    // Two referrals whose requester acts for an organization through an agent outside the
    // input: rfr-1 cannot be evaluated, a note listed once with its count.
    let referral = r#"{"resource":{"resourceType":"ReferralRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"requester":{"agent":{"reference":"Practitioner/1"},"onBehalfOf":{"reference":"Organization/1"}}}}"#;
    let end = bundle.iter().rposition(|b| *b == b']').expect("the entries end");
    let bundle = [&bundle[..end], format!(",{referral},{referral}").as_bytes(), &bundle[end..]].concat();
    for target in [Target::Served, Target::Published] {
        let report = validate_json(&bundle, target).unwrap();
        assert!(report.findings.len() > 5000, "{}", report.findings.len());
        if target == Target::Served {
            assert!(report.findings.iter().any(|f| f.message.ends_with("occurrences; the first is shown)")));
        }
        let flag: &[&str] = if target == Target::Published { &["--published"] } else { &[] };
        // On one thread, and with the entries walked on several (the default: one per core).
        for threads in [&["--threads", "1"][..], &["--threads", "3"], &[]] {
            let text = run_with_stdin(&[&["validate"], flag, threads, &["-"]].concat(), &gzip(&bundle));
            assert_eq!(text.code, i32::from(!report.is_valid()), "{}", text.stderr);
            assert!(
                text.stdout == expected_text("-", &report),
                "{target} {threads:?}: the text output differs from the report"
            );
        }
        let json = run_with_stdin(&[&["validate", "--format", "json"], flag, &["-"]].concat(), &bundle);
        assert!(
            json.stdout == format!("{}\n", report.to_operation_outcome().to_json_string()),
            "{target}: the JSON output differs from the report"
        );
    }
}

#[test]
fn standard_input_named_twice_is_read_once() {
    let out = run_with_stdin(&["validate", "-", "-"], VALID);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert_eq!(lines[0], lines[1]);
    assert!(lines[0].starts_with("-: VALID Observation"), "{}", out.stdout);
}

#[test]
fn text_lists_errors_first_and_shortens_long_locations() {
    // An extension outside the IG (information), then one nesting extensions as deep as the
    // parser allows, down to one without a value (ext-1, an error found after the information).
    let depth = 61;
    let open = r#"{"url":"http://example.org/x","extension":["#;
    let nested = format!("{}{}{}", open.repeat(depth), r#"{"url":"http://example.org/x"}"#, "]}".repeat(depth));
    let doc = format!(
        r#"{{"resourceType":"Observation","status":"final","code":{{"text":"x"}},"extension":[{{"url":"http://example.org/y","valueString":"a"}},{nested}]}}"#
    );
    let report = validate_json(doc.as_bytes(), Target::Served).unwrap();
    assert_eq!(report.findings[0].severity, Severity::Information);
    let location = format!("Observation.extension[1]{}", ".extension[0]".repeat(depth));
    assert_eq!(report.errors().map(|f| f.location.as_str()).collect::<Vec<_>>(), [location.as_str()]);

    let file = TempFile::new("nested.json", doc.as_bytes());
    let out = run(&["validate", file.path()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].ends_with(": 1 error(s), 0 warning(s), 63 information"), "{}", out.stdout);
    let short = format!("  error [ext-1] Observation.extension[1].extension[0].extension[0].extension[0].extension[0].extension[0]…({} more)…extension[0]: ", depth + 2 - 7 - 1);
    assert!(lines[1].starts_with(&short), "{}", out.stdout);
    assert!(lines[2..].iter().all(|l| l.starts_with("  information [")), "{}", out.stdout);
    assert!(!out.stdout.contains(&location));
    // JSON keeps the whole location.
    let out = run(&["validate", "--format", "json", file.path()]);
    assert!(out.stdout.contains(&format!(r#""expression":["{location}"]"#)), "{}", out.stdout);
    assert!(!out.stdout.contains('…'));

    // 100,000 nested extensions: not JSON for this parser (too deep), never a crash.
    let hostile = format!("{}{}{}", open.repeat(100_000), r#"{"url":"x"}"#, "]}".repeat(100_000));
    let out = run_with_stdin(
        &["validate", "-"],
        format!(r#"{{"resourceType":"Observation","extension":[{hostile}]}}"#).as_bytes(),
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not JSON") && out.stderr.contains("nesting deeper than 128 levels"), "{}", out.stderr);
}

/// `--severity` leaves the less severe findings out of the text and of the OperationOutcomes,
/// and nothing else: the summary lines, the other findings in their order and the exit status
/// are those of the whole report. An OperationOutcome left without issues gets one that says
/// how many were left out.
#[test]
fn severity_leaves_the_less_severe_findings_out_of_both_outputs() {
    let Some(data) = shared_data("severity_leaves_the_less_severe_findings_out_of_both_outputs") else { return };
    // The server's claims (warnings and information), and an Observation with an error and an
    // extension outside the IG (information).
    let sample = data.join("samples/v1-normalized/eobByPatientIdAll.json").to_str().unwrap().to_string();
    let observation = br#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[{"url":"http://example.org/y","valueString":"a"}],"colour":1}"#;
    let invalid = TempFile::new("severity.json", observation);
    let files = [sample.as_str(), invalid.path()];
    let with = |extra: &[&str]| run(&[&["validate"], extra, &files[..]].concat());
    let (text, json) = (with(&[]), with(&["--format", "json"]));
    assert_eq!((text.code, json.code), (1, 1), "{}{}", text.stdout, text.stderr);
    let issues = |line: &str| -> Vec<(String, String)> {
        let outcome: OperationOutcome<'_> = bluebutton::json::from_str(line).unwrap();
        outcome.issue.iter().map(|i| (i.severity().unwrap().as_str().to_string(), i.to_json_string())).collect()
    };
    for (severity, kept) in [("information", 3), ("warning", 2), ("error", 1)] {
        let shown = |s: &str| ["error", "warning", "information"][..kept].contains(&s);
        let out = with(&["--severity", severity]);
        assert_eq!(out.code, 1, "{severity}: {}", out.stderr);
        let expected: Vec<&str> = text
            .stdout
            .lines()
            .filter(|l| !l.starts_with("  ") || shown(l.trim_start().split(' ').next().unwrap()))
            .collect();
        assert_eq!(out.lines(), expected, "--severity {severity}");
        let out = with(&["--format", "json", "--severity", severity]);
        assert_eq!(out.code, 1, "{severity}: {}", out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{}", out.stdout);
        for (line, whole) in lines.iter().zip(json.stdout.lines()) {
            let whole = issues(whole);
            let expected: Vec<_> = whole.iter().filter(|(s, _)| shown(s)).cloned().collect();
            let found = issues(line);
            if expected.is_empty() {
                let message = format!("{} finding(s) less severe than {severity} left out (--severity)", whole.len());
                assert_eq!(found.len(), 1, "{line}");
                assert!(found[0].0 == "information" && found[0].1.contains(&message), "{line}");
            } else {
                assert_eq!(found, expected, "--severity {severity}");
            }
        }
    }
    // Left out of the sample: its 13 warnings and 21 information.
    let out = with(&["--format", "json", "--severity", "error"]);
    assert!(out.stdout.contains("34 finding(s) less severe than error left out"), "{}", out.stdout);
}
