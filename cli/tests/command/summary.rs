//! `bluebutton summary`: the built-in data, the real Blue Button responses in `../shared/data`
//! (skipped with a notice where absent), bad entries, gzip and standard input, large bundles.

use bluebutton::json::{self, Value};
use bluebutton::resources::Bundle;
use bluebutton::Resource;

use crate::support::{gzip, json_files, shared_data, Outcome, TempFile};

#[path = "../../../benches/support/input.rs"]
mod input;

/// Runs `bluebutton summary <args>` with `stdin`.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Outcome {
    crate::support::run_with_stdin(&[&["summary"], args].concat(), stdin)
}

/// Runs `bluebutton summary <args>`.
fn run(args: &[&str]) -> Outcome {
    run_with_stdin(args, b"")
}

/// `--format json` output, parsed.
fn json_of(out: &Outcome) -> Value<'_> {
    json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout))
}

/// The value at a `/`-separated path of object keys.
fn at<'v>(v: &'v Value<'v>, path: &str) -> &'v Value<'v> {
    path.split('/').fold(v, |v, key| match v {
        Value::Object(members) => &members.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key}")).1,
        _ => panic!("{key}: not an object"),
    })
}

fn text<'v>(v: &'v Value<'v>, path: &str) -> &'v str {
    match at(v, path) {
        Value::Number(n) | Value::String(n) => n,
        other => panic!("{path}: {other:?}"),
    }
}

#[test]
fn without_a_file_it_sums_up_the_built_in_data() {
    let out = run(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let kb = |file: &str| {
        let len = std::fs::metadata(input::repo_root().join("examples/data").join(file)).unwrap().len();
        format!("{:.1} kB", len as f64 / 1e3)
    };
    assert_eq!(
        lines[0],
        format!("demo-bundle.json (built-in): Bundle (searchset), 7 entries (total 7), {}", kb("demo-bundle.json"))
    );
    assert_eq!(
        lines[1],
        format!(
            "claims-bundle.json (built-in): Bundle (searchset), 13 entries (total 13), {}",
            kb("claims-bundle.json")
        )
    );
    assert_eq!(lines[2], "20 resources in 2 inputs: 8 Coverage, 10 ExplanationOfBenefit, 2 Patient");
    assert_eq!(
        lines[3],
        "10 claims (19 lines): carrier 2 (2 lines), dme 1 (2 lines), hha 1 (1 line), hospice 1 (3 lines), \
         inpatient 1 (2 lines), outpatient 1 (4 lines), pde 2 (2 lines), snf 1 (3 lines)"
    );
    assert!(
        out.stdout.contains("\ncarrier           2        2   1310.14        2  2020-02-16     2023-04-20\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\npde               2        2         -        0  2018-04-12     2020-09-27\n"));
    assert!(out.stdout.contains("\ntotal            10       19  10786.34        8  2018-04-12     2023-12-20\n"));
    assert_eq!(out.stderr, "");

    let out = run(&["--format", "json"]);
    assert_eq!(out.code, 0);
    let v = json_of(&out);
    assert_eq!(text(&v, "claims/claims"), "10");
    assert_eq!(text(&v, "claims/payment"), "10786.34");
    assert_eq!(text(&v, "by_claim_type/inpatient/payment"), "1882.98");
    assert_eq!(text(&v, "by_claim_type/inpatient/first_date"), "2020-09-02");
    assert_eq!(at(&v, "by_claim_type/pde/payment"), &Value::Null);
    assert_eq!(text(&v, "resources/Patient"), "2");
}

/// Every EOB of `resource` (itself, or the entries of a Bundle), for an independent count.
fn eobs<'r>(resource: &'r Resource<'r>) -> Vec<&'r bluebutton::resources::ExplanationOfBenefit<'r>> {
    match resource {
        Resource::ExplanationOfBenefit(e) => vec![e],
        Resource::Bundle(b) => b.entry.iter().filter_map(|e| e.resource.as_ref()).flat_map(eobs).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_real_responses_add_up() {
    let Some(data) = shared_data("the_real_responses_add_up") else { return };
    let dir = data.join("samples/v1-normalized");
    let files = json_files(&dir);
    // Counted another way: whole parses, and cents in integers.
    let (mut claims, mut lines, mut cents) = (0, 0, 0i64);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let resource: Resource = json::from_slice(&bytes).unwrap();
        for eob in eobs(&resource) {
            claims += 1;
            lines += eob.item.len();
            if let Some(v) = eob.payment.as_ref().and_then(|p| p.amount.as_ref()).and_then(|m| m.value()) {
                cents += (v.to_f64() * 100.0).round() as i64;
            }
        }
    }
    let args: Vec<&str> = ["--format", "json"].into_iter().chain(files.iter().map(String::as_str)).collect();
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    assert_eq!(text(&v, "claims/claims"), claims.to_string());
    assert_eq!(text(&v, "claims/lines"), lines.to_string());
    assert_eq!(text(&v, "claims/payment"), format!("{}.{:02}", cents / 100, cents % 100));
    assert_eq!(text(&v, "by_claim_type/carrier/first_date"), "1999-10-27");
    assert_eq!(text(&v, "by_claim_type/inpatient/last_date"), "2016-01-27");
    assert_eq!(text(&v, "resources/Patient"), "7");
}

#[test]
fn bad_entries_are_reported_and_the_rest_summed_up() {
    let input = br#"{"resourceType": "Bundle", "type": "searchset", "entry": [
      {"resource": {"resourceType": "ExplanationOfBenefit", "id": "carrier-1", "payment": {"amount": {"value": 10.25}},
                    "billablePeriod": {"start": "2020-01-01", "end": "2020-01-03"}, "item": [{"sequence": 1}, {"sequence": 2}]}},
      {"resource": {"resourceType": "ExplanationOfBenefit", "id": "carrier-2", "status": 7}},
      {"resource": {"resourceType": "ExplanationOfBenefit", "id": "pde-3", "item": [{"sequence": 1, "servicedDate": "2019-12"}]}}
    ]}"#;
    let file = TempFile::new("bad.json", input);
    let out = run(&[file.path()]);
    assert_eq!(out.code, 1);
    let errors: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].starts_with(&format!("ERROR {}: entry[1].resource.status: expected a string", file.path())),
        "{}",
        errors[0]
    );
    assert!(errors[0].ends_with("(line 4, column 90)"), "{}", errors[0]);
    assert!(out.stdout.contains("Bundle (searchset), 3 entries, 1 unreadable"), "{}", out.stdout);
    assert!(out.stdout.contains("2 claims (3 lines): carrier 1 (2 lines), pde 1 (1 line)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("\ntotal             2        3    10.25        1  2019-12        2020-01-03\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 entry could not be read and was left out"), "{}", out.stdout);

    let out = run(&["--format", "json", file.path()]);
    assert_eq!(out.code, 1);
    let v = json_of(&out);
    let Value::Array(errors) = at(&v, "errors") else { panic!() };
    assert_eq!(errors.len(), 1);
    assert_eq!(text(&errors[0], "path"), "entry[1].resource.status");
    assert_eq!(text(&errors[0], "index"), "1");
    assert_eq!(text(&errors[0], "failed"), "entry");
    assert_eq!(text(&errors[0], "line"), "4");
}

#[test]
fn single_resources_gzip_and_standard_input() {
    let demo = std::fs::read(input::repo_root().join("examples/data/demo-bundle.json")).unwrap();
    let bundle: Bundle = json::from_slice(&demo).unwrap();
    // The demo Bundle: a Patient, four Coverages, a carrier claim and a PDE.
    let Some(Resource::ExplanationOfBenefit(eob)) = &bundle.entry[5].resource else { panic!() };
    let single = json::ToJson::to_json_pretty(&**eob);
    let single = TempFile::new("eob.json.gz", &gzip(single.as_bytes()));
    let out = run_with_stdin(&["-", single.path()], &gzip(&demo));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let header = format!("-: Bundle (searchset), 7 entries (total 7), {:.1} kB\n", demo.len() as f64 / 1e3);
    assert!(out.stdout.starts_with(&header), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("{}: ExplanationOfBenefit, ", single.path())), "{}", out.stdout);
    assert!(out.stdout.contains("3 claims (3 lines): carrier 2 (2 lines), pde 1 (1 line)"), "{}", out.stdout);
    assert!(out.stdout.contains("\ncarrier           2        2   468.58        2"), "{}", out.stdout);

    // Standard input only once.
    let out = run(&["-", "-"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("only once"));
}

#[test]
fn unreadable_and_broken_inputs() {
    let out = run(&["/nonexistent/bundle.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("ERROR /nonexistent/bundle.json: cannot read: "), "{}", out.stderr);
    assert!(out.stdout.contains("0 resources in 0 inputs"), "{}", out.stdout);

    let cut = TempFile::new(
        "cut.json",
        br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}, {"res"#,
    );
    let out = run(&[cut.path()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("unexpected end of input"), "{}", out.stderr);
    assert!(out.stdout.contains("1 Patient"), "{}", out.stdout);

    let not_json = TempFile::new("not.json", b"hello");
    let out = run(&[not_json.path()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("invalid JSON") || out.stderr.contains("expected an object"), "{}", out.stderr);
}

#[test]
fn a_large_bundle_in_parallel_and_not_gives_the_same_summary() {
    // More than two 8 MiB windows.
    let bytes = input::Templates::load(input::Layout::Minified).bundle(18_000_000);
    let file = TempFile::new("large.json", &bytes);
    let one = run(&["--format", "json", "--threads", "1", file.path()]);
    let two = run(&["--format", "json", "--threads", "2", file.path()]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    let v = json_of(&one);
    let entries: u64 = text(&v, "entries").parse().unwrap();
    assert!(entries > 500, "{entries}");
    assert_eq!(text(&v, "resources/Patient"), "1");
    assert!(one.stdout.contains(&format!("\"bytes\": {}", bytes.len())), "{}", one.stdout);
}

#[test]
fn the_progress_bar_draws_on_stderr_when_asked() {
    let out = run(&["--progress", "always"]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("\r"), "{:?}", out.stderr);
    assert!(out.stderr.contains("%"), "{:?}", out.stderr);
    assert!(out.stderr.ends_with("\r\x1b[K"), "the bar is cleared: {:?}", out.stderr);
    let out = run(&["--progress", "never"]);
    assert_eq!(out.stderr, "");
}
