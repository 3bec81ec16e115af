//! `bluebutton validate`: text and JSON output, targets, exit statuses, stdin and gzip. The
//! tests on the real samples in `../shared/data` print a notice and skip where it is absent.
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bluebutton::resources::OperationOutcome;
use flate2::write::GzEncoder;
use flate2::Compression;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data");

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Outcome {
    let mut stdin = stdin;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let argv = std::iter::once("bluebutton").chain(args.iter().copied());
    let code = bluebutton_cli::run(argv, &mut stdin, &mut stdout, &mut stderr);
    Outcome { code, stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
}

fn run(args: &[&str]) -> Outcome {
    run_with_stdin(args, b"")
}

/// A file in the system temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("bluebutton-cli-validate-{}-{n}.json", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const VALID: &[u8] = br#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#;
const INVALID: &[u8] = br#"{"resourceType":"Observation","code":{"text":"x"},"colour":1}"#;

#[test]
fn text_output_and_exit_statuses() {
    let (valid, invalid) = (TempFile::new(VALID), TempFile::new(INVALID));
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
    let not_json = TempFile::new(b"{");
    let out = run(&["validate", invalid.path(), not_json.path(), "/nonexistent/file.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not JSON"), "{}", out.stderr);
    assert!(out.stderr.contains("cannot read"), "{}", out.stderr);
}

#[test]
fn json_output_is_one_operation_outcome_per_line() {
    let (valid, invalid) = (TempFile::new(VALID), TempFile::new(INVALID));
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
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(eob).unwrap();
    let gz = enc.finish().unwrap();
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
    let dir = PathBuf::from(DATA).join("samples/v1-normalized");
    if !dir.is_dir() {
        eprintln!("notice: every_normalized_sample_is_valid_when_served skipped: {} is absent", dir.display());
        return;
    }
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_owned())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout.lines().filter(|l| l.contains(": VALID ")).count(), files.len());
    let raw = PathBuf::from(DATA).join("samples/v1/eobReadCarrier.json");
    let out = run(&["validate", raw.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("error [primitive] ExplanationOfBenefit.meta.lastUpdated: invalid instant \"IGNORED_FIELD\""),
        "{}",
        out.stdout
    );
}
