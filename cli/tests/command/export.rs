//! `bluebutton export`: the tables read back by a real SQL engine (DuckDB, through its Python
//! package) give the claim counts, line counts and exact payment sums per claim type that
//! `bluebutton summary` reports, and that a computation straight from the JSON gives; on the
//! real Blue Button responses and on generated data. Values that do not fit, unmapped
//! elements, and the schema document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{cut_gzip, json_files, path_str, run, run_with_stdin, shared_data, Outcome, TempFile};
use bluebutton::json::{self, Value};

/// A folder in the system temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        // The path of a reserved temp file, as a folder that does not exist yet.
        let file = TempFile::reserve(name);
        TempDir(PathBuf::from(file.path()))
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Per claim type: claims, lines, and the exact sum of the payments (`None` when no claim has
/// one), as text with cents.
type Stats = BTreeMap<String, (u64, u64, Option<String>)>;

/// Reads the tables with DuckDB, and the inputs with Python's `json` (numbers as `Decimal`),
/// and prints both as JSON.
const CHECK: &str = r#"
import gzip, json, sys
from decimal import Decimal

import duckdb

dataset, inputs = sys.argv[1], sys.argv[2:]
con = duckdb.connect()

def table(name):
    return f"read_parquet('{dataset}/{name}/*/*.parquet', hive_partitioning = true, union_by_name = true)"

engine = {}
for t, n, paid in con.sql(f"SELECT claim_type, count(*), sum(payment_amount)::VARCHAR FROM {table('claims')} GROUP BY 1").fetchall():
    engine[t] = [n, 0, paid]
for t, n in con.sql(f"SELECT claim_type, count(*) FROM {table('claim_lines')} GROUP BY 1").fetchall():
    engine.setdefault(t, [0, 0, None])[1] = n
# Every line belongs to a claim of its claim type.
orphans = con.sql(f"SELECT count(*) FROM {table('claim_lines')} l ANTI JOIN {table('claims')} c USING (claim_id, claim_type)").fetchone()[0]

TYPES = {"CARRIER": "carrier", "DME": "dme", "HHA": "hha", "HOSPICE": "hospice", "INPATIENT": "inpatient",
         "OUTPATIENT": "outpatient", "PDE": "pde", "SNF": "snf"}
def claim_type(eob):
    for coding in (eob.get("type") or {}).get("coding", []):
        if coding.get("system") == "https://bluebutton.cms.gov/resources/codesystem/eob-type" and coding.get("code") in TYPES:
            return TYPES[coding["code"]]
    prefix = eob.get("id", "").split("-")[0]
    return prefix if prefix in TYPES.values() and "-" in eob.get("id", "") else "unknown"

def resources(doc):
    if doc.get("resourceType") == "Bundle":
        for e in doc.get("entry", []):
            if "resource" in e:
                yield e["resource"]
    else:
        yield doc

direct, sums = {}, {}
for path in inputs:
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        docs = [json.loads(raw, parse_float=Decimal, parse_int=Decimal)]
    except json.JSONDecodeError:  # NDJSON: one resource per line
        docs = [json.loads(line, parse_float=Decimal, parse_int=Decimal) for line in raw.splitlines() if line.strip()]
    for r in (r for doc in docs for r in resources(doc)):
        if r.get("resourceType") != "ExplanationOfBenefit":
            continue
        t = claim_type(r)
        s = direct.setdefault(t, [0, 0, None])
        s[0] += 1
        s[1] += len(r.get("item", []))
        value = ((r.get("payment") or {}).get("amount") or {}).get("value")
        if value is not None:
            s[2] = (s[2] or Decimal(0)) + value
for s in direct.values():
    if s[2] is not None:
        exact = s[2].quantize(Decimal("0.01"))
        assert exact == s[2], f"{s[2]} has more than two decimals"
        s[2] = str(exact)
patients = con.sql(f"SELECT count(*) FROM read_parquet('{dataset}/patients/*.parquet')").fetchone()[0]
print(json.dumps({"engine": engine, "json": direct, "orphans": orphans, "patients": patients}))
"#;

/// Whether Python's `duckdb` package is there. Where it is not, the test is skipped with a
/// notice, except in CI (`CI=true`), where that is a failure.
fn duckdb(test: &str) -> bool {
    let found = Command::new("python3").args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{test}: Python's duckdb package is missing (`python3 -m pip install duckdb`); CI installs it"
        );
        eprintln!("{test}: skipped: Python's duckdb package is not installed (python3 -m pip install duckdb)");
    }
    found
}

/// What DuckDB reads from `dataset`, and what Python computes from `inputs`.
fn engine_and_json(dataset: &str, inputs: &[String]) -> (Stats, Stats, u64, u64) {
    let script = TempFile::new("check.py", CHECK.as_bytes());
    let out = Command::new("python3").arg(script.path()).arg(dataset).args(inputs).output().expect("python3 runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "the DuckDB check failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = json::from_str(&stdout).unwrap();
    let stats = |key: &str| -> Stats {
        let Value::Object(types) = member(&v, key) else { panic!("{key}: {stdout}") };
        types
            .iter()
            .map(|(t, s)| {
                let Value::Array(s) = s else { panic!("{stdout}") };
                let paid = match &s[2] {
                    Value::String(p) => Some(p.to_string()),
                    _ => None,
                };
                (t.to_string(), (number(&s[0]), number(&s[1]), paid))
            })
            .collect()
    };
    (stats("engine"), stats("json"), number(member(&v, "orphans")), number(member(&v, "patients")))
}

fn member<'v>(v: &'v Value<'v>, key: &str) -> &'v Value<'v> {
    let Value::Object(members) = v else { panic!("not an object") };
    &members.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key}")).1
}

fn number(v: &Value<'_>) -> u64 {
    match v {
        Value::Number(n) => n.parse().unwrap(),
        other => panic!("not a number: {other:?}"),
    }
}

/// What `bluebutton summary` reports for `inputs`, per claim type.
fn summary(inputs: &[String]) -> Stats {
    let args: Vec<&str> =
        ["summary", "--format", "json"].into_iter().chain(inputs.iter().map(String::as_str)).collect();
    let out = run(&args);
    let v: Value = json::from_str(&out.stdout).unwrap();
    let Value::Object(types) = member(&v, "by_claim_type") else { panic!("{}", out.stdout) };
    types
        .iter()
        .map(|(t, s)| {
            let paid = match member(s, "payment") {
                Value::String(p) | Value::Number(p) => Some(p.to_string()),
                _ => None,
            };
            (t.to_string(), (number(member(s, "claims")), number(member(s, "lines")), paid))
        })
        .collect()
}

/// Exports `inputs` (with `stdin`) and checks the tables against `summary` and the JSON.
fn check(test: &str, inputs: &[String], stdin: &[u8], files: &[String]) -> Outcome {
    let dir = TempDir::new(test);
    let args: Vec<&str> =
        ["export", "--to", dir.path(), "--threads", "2"].into_iter().chain(inputs.iter().map(String::as_str)).collect();
    let out = run_with_stdin(&args, stdin);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let (engine, direct, orphans, patients) = engine_and_json(dir.path(), files);
    let reported = summary(files);
    assert_eq!(engine, reported, "DuckDB and summary");
    assert_eq!(engine, direct, "DuckDB and the JSON");
    assert_eq!(orphans, 0, "every line belongs to a claim");
    assert!(patients > 0);
    out
}

/// The shared data, when it is there and so is Python's `duckdb` (else the test is skipped,
/// as [`shared_data`] and [`duckdb`] say).
fn data_and_duckdb(test: &str) -> Option<PathBuf> {
    shared_data(test).filter(|_| duckdb(test))
}

#[test]
fn the_real_responses_read_back_by_duckdb() {
    let Some(data) = data_and_duckdb("the_real_responses_read_back_by_duckdb") else { return };
    let mut files = json_files(&data.join("samples/v1-normalized"));
    for version in ["2020-10", "2021-08", "2023-04", "2024-09"] {
        files.extend(json_files(&data.join("samples/history-normalized").join(version)));
    }
    let out = check("real", &files, b"", &files);
    // Every claim type of the samples has its partition.
    for t in ["carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf"] {
        assert!(out.stdout.contains(&format!("claims/claim_type={t} ")), "{t}:\n{}", out.stdout);
    }
    assert!(out.stdout.contains("Not exported (no table for them): 5 CapabilityStatement"), "{}", out.stdout);
}

#[test]
fn generated_data_read_back_by_duckdb_from_gzip_ndjson_and_stdin() {
    if !duckdb("generated_data_read_back_by_duckdb_from_gzip_ndjson_and_stdin") {
        return;
    }
    let gz = TempFile::reserve("generated.json.gz");
    let plain = TempFile::reserve("generated.json");
    let ndjson = TempFile::reserve("generated.ndjson.gz");
    for (seed, format, file) in [("11", "bundle", &gz), ("12", "bundle", &plain), ("13", "ndjson", &ndjson)] {
        let out = run(&["generate", "--seed", seed, "--patients", "30", "--format", format, "--out", file.path()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let stdin = std::fs::read(plain.path()).unwrap();
    let inputs = [gz.path().to_string(), "-".to_string(), ndjson.path().to_string()];
    let files = [gz.path().to_string(), plain.path().to_string(), ndjson.path().to_string()];
    let out = check("generated", &inputs, &stdin, &files);
    assert!(out.stdout.contains("Exported to"), "{}", out.stdout);
    assert!(out.stdout.contains("90 Patient"), "{}", out.stdout);
}

#[test]
fn files_that_begin_with_a_byte_order_mark_export_as_without_it() {
    let Some(data) = data_and_duckdb("files_that_begin_with_a_byte_order_mark_export_as_without_it") else { return };
    // As a Windows tool saves a response: a pretty Bundle, a single resource, a minified Bundle
    // and NDJSON, each with the mark (the summary and the JSON check read them without it).
    let samples = data.join("samples/v1-normalized");
    let bundle = std::fs::read(samples.join("eobByPatientIdAll.json")).unwrap();
    let tree: Value = json::from_slice(&bundle).unwrap();
    let minified = json::ToJson::to_json_string(&tree);
    let ndjson = run(&["generate", "--seed", "5", "--patients", "3", "--format", "ndjson"]).stdout;
    let plain = [
        TempFile::new("bundle.json", &bundle),
        TempFile::new("patient.json", &std::fs::read(samples.join("patientRead.json")).unwrap()),
        TempFile::new("minified.json", minified.as_bytes()),
        TempFile::new("generated.ndjson", ndjson.as_bytes()),
    ];
    let marked: Vec<TempFile> = plain
        .iter()
        .map(|f| {
            let name = Path::new(f.path()).file_name().unwrap().to_string_lossy().into_owned();
            TempFile::new(
                &format!("bom-{name}"),
                &[b"\xEF\xBB\xBF".as_slice(), &std::fs::read(f.path()).unwrap()].concat(),
            )
        })
        .collect();
    let inputs: Vec<String> = marked.iter().map(|f| f.path().to_string()).collect();
    let files: Vec<String> = plain.iter().map(|f| f.path().to_string()).collect();
    let out = check("bom", &inputs, b"", &files);
    assert!(!out.stdout.contains("Left out"), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Exported to"), "{}", out.stdout);
}

/// A sample with its payment changed to `value` and an element no view knows.
fn mutated_carrier(data: &Path, value: &str) -> TempFile {
    let text = std::fs::read_to_string(data.join("samples/v1-normalized/eobReadCarrier.json")).unwrap();
    let original = "\"payment\" : {\n    \"amount\" : {\n      \"value\" : 199.99";
    assert!(text.contains(original), "the sample's payment is where the test expects it");
    let text = text.replacen(original, &original.replace("199.99", value), 1).replacen(
        "\"extension\" : [",
        "\"extension\" : [ {\"url\": \"https://bluebutton.cms.gov/resources/variables/no_such_variable\", \"valueString\": \"x\"},",
        1,
    );
    TempFile::new("carrier.json", text.as_bytes())
}

#[test]
fn a_value_that_does_not_fit_is_an_error_naming_input_resource_and_path() {
    let Some(data) = shared_data("a_value_that_does_not_fit_is_an_error_naming_input_resource_and_path") else {
        return;
    };
    let bad = mutated_carrier(&data, "199.995");
    let good = path_str(&data.join("samples/v1-normalized/eobReadDme.json"));
    let dir = TempDir::new("bad");
    let out = run(&["export", "--to", dir.path(), bad.path(), &good]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let expected = format!(
        "ERROR {}: ExplanationOfBenefit/carrier-9991831999: ExplanationOfBenefit.payment.amount.value: column \
         `payment_amount`: `199.995` has 3 digits after the point; the column holds 2\n",
        bad.path()
    );
    assert_eq!(out.stderr, expected);
    // The claim is left out whole; the other input is exported.
    assert!(out.stdout.contains("Left out: 1 entries or resources"), "{}", out.stdout);
    assert!(!out.stdout.contains("claim_type=carrier"), "{}", out.stdout);
    assert!(out.stdout.contains("claims/claim_type=dme"), "{}", out.stdout);
}

#[test]
fn unmapped_elements_are_counted_and_listed() {
    let Some(data) = shared_data("unmapped_elements_are_counted_and_listed") else { return };
    let sample = mutated_carrier(&data, "199.99");
    let dir = TempDir::new("unmapped");
    let out = run(&["export", "--to", dir.path(), sample.path()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Unmapped: 1 elements that no column holds (1 kinds):\n         1  https://bluebutton.cms.gov/resources/variables/no_such_variable\n"),
        "{}",
        out.stdout
    );
    let plain = path_str(&data.join("samples/v1-normalized/eobReadCarrier.json"));
    let dir = TempDir::new("mapped");
    let out = run(&["export", "--to", dir.path(), &plain]);
    assert!(out.stdout.contains("Unmapped: none"), "{}", out.stdout);
}

#[test]
fn the_folder_must_be_new_or_empty_and_inputs_named() {
    let file = TempFile::new("occupied", b"x");
    let parent = Path::new(file.path()).parent().unwrap();
    let out = run(&["export", "--to", &path_str(parent), "-"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("the export folder is not empty"), "{}", out.stderr);
    let out = run(&["export", "--to", "somewhere"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("INPUT"), "{}", out.stderr);
}

#[test]
fn the_schema_is_printed_by_both_commands() {
    let schema = run(&["schema"]);
    assert_eq!(schema.code, 0);
    assert_eq!(schema.stdout, bluebutton_export::Schema::new().markdown());
    let again = run(&["export", "--schema"]);
    assert_eq!((again.code, again.stdout), (0, schema.stdout));
    assert!(run(&["export", "--schema", "--to", "x"]).code == 2);
}

/// Reads two exports with DuckDB and prints the number of rows when each folder of one holds
/// the same rows as the same folder of the other (in any order); fails otherwise.
const SAME_TABLES: &str = r#"
import glob, os, sys

import duckdb

con = duckdb.connect()

def tables(dataset):
    folders = {}
    for path in sorted(glob.glob(f"{dataset}/**/*.parquet", recursive=True)):
        folders.setdefault(os.path.relpath(os.path.dirname(path), dataset), []).append(path)
    return {f: con.sql(f"SELECT * FROM read_parquet({paths!r}, union_by_name = true) ORDER BY ALL").fetchall()
            for f, paths in folders.items()}

a, b = tables(sys.argv[1]), tables(sys.argv[2])
assert a.keys() == b.keys(), (sorted(a.keys()), sorted(b.keys()))
for folder in a:
    assert a[folder] == b[folder], folder
print(sum(len(rows) for rows in a.values()))
"#;

#[test]
fn files_read_side_by_side_give_the_same_tables_errors_and_report() {
    let Some(data) = data_and_duckdb("files_read_side_by_side_give_the_same_tables_errors_and_report") else { return };
    // Many inputs, one with a value that does not fit and one missing: their errors are
    // reported in the order of the inputs whichever file is read first.
    let bad = mutated_carrier(&data, "199.995");
    let mut inputs = json_files(&data.join("samples/v1-normalized"));
    inputs.insert(3, bad.path().to_string());
    inputs.insert(5, path_str(&data.join("samples/no-such-file.json")));
    let run_on = |threads: &str| {
        let dir = TempDir::new(&format!("side-by-side-{threads}"));
        let args: Vec<&str> = ["export", "--to", dir.path(), "--threads", threads]
            .into_iter()
            .chain(inputs.iter().map(String::as_str))
            .collect();
        let out = run(&args);
        let report = out.stdout.replacen(dir.path(), "DIR", 1);
        (dir, out.code, report, out.stderr)
    };
    let (one, code, report, errors) = run_on("1");
    let (four, code_4, report_4, errors_4) = run_on("4");
    assert_eq!(code, 2, "a missing input is a usage error:\n{errors}");
    assert_eq!((code_4, &report_4, &errors_4), (code, &report, &errors));
    assert_eq!(errors.lines().count(), 2, "{errors}");
    assert!(errors.lines().next().unwrap().contains("carrier-9991831999"), "{errors}");
    assert!(errors.lines().nth(1).unwrap().contains("no-such-file.json"), "{errors}");
    assert!(report.contains("Left out: 1 entries or resources"), "{report}");
    let script = TempFile::new("same_tables.py", SAME_TABLES.as_bytes());
    let out =
        Command::new("python3").arg(script.path()).arg(one.path()).arg(four.path()).output().expect("python3 runs");
    assert!(out.status.success(), "the tables differ:\n{}", String::from_utf8_lossy(&out.stderr));
    let rows: u64 = String::from_utf8(out.stdout).unwrap().trim().parse().unwrap();
    assert!(rows > 100, "{rows} rows");
}

/// When writing fails, the export stops reading: an input gigabytes long is not parsed to its
/// end before the error is told. The failure is made real by a limit of four open files (the
/// three standard streams and the input), so that the first table file cannot be created; a
/// line that is not JSON at the end of the input would be reported if the reading went on.
#[test]
fn a_write_error_stops_the_reading() {
    if !cfg!(target_os = "linux") {
        return eprintln!("skipping a_write_error_stops_the_reading: it limits open files with sh's ulimit");
    }
    let input = TempFile::reserve("write-error.ndjson");
    let out = run(&["generate", "--seed", "3", "--patients", "40", "--format", "ndjson", "--out", input.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut text = std::fs::read(input.path()).unwrap();
    let lines = text.iter().filter(|b| **b == b'\n').count();
    text.extend_from_slice(b"{\"resourceType\": tru}\n");
    std::fs::write(input.path(), &text).unwrap();
    let dir = TempDir::new("write-error");
    let run_limited = |files: &str| {
        let output = Command::new("sh")
            .args(["-c", &format!("ulimit -n {files} && exec \"$0\" \"$@\"")])
            .arg(env!("CARGO_BIN_EXE_bluebutton"))
            .args(["export", "--threads", "1", "--to", dir.path(), input.path()])
            .output()
            .expect("run sh");
        let _ = std::fs::remove_dir_all(dir.path());
        (output.status.code(), String::from_utf8(output.stderr).unwrap())
    };
    let (code, stderr) = run_limited("4");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("error: cannot write the tables: ") && stderr.contains("part-0.parquet"), "{stderr}");
    assert!(!stderr.contains(&format!("line {}", lines + 1)), "the input was read on after the error:\n{stderr}");
    // With files to spare, the same input is read to its end and its last line reported.
    let (code, stderr) = run_limited("64");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("line {}: resourceType", lines + 1)), "{stderr}");
}

/// A bulk export whose download stopped (its gzip file cut off): the lines that came whole are
/// exported, the same tables as those lines alone give, and the break is an error at the line
/// it cut off, with exit status 2.
#[test]
fn a_truncated_gzip_file_exports_the_lines_that_came_whole() {
    let ndjson = run(&["generate", "--seed", "7", "--patients", "4", "--format", "ndjson"]).stdout;
    let (cut, whole_lines) = cut_gzip(&ndjson, |len| len / 2);
    let complete = whole_lines.len();
    assert!(complete >= 5 && complete < ndjson.lines().count(), "{complete} lines came whole");
    let file = TempFile::new("cut.ndjson.gz", &cut);
    let lines = TempFile::new("lines.ndjson", (whole_lines.join("\n") + "\n").as_bytes());
    // The report's table of rows, and what the export says it wrote.
    let tables = |out: &Outcome| out.stdout.lines().filter(|l| !l.contains(" to ")).collect::<Vec<_>>().join("\n");
    let (dir, expected_dir) = (TempDir::new("cut"), TempDir::new("lines"));
    let expected = run(&["export", "--to", expected_dir.path(), lines.path()]);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    let out = run(&["export", "--to", dir.path(), "--threads", "2", file.path()]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(tables(&out), tables(&expected));
    assert!(tables(&out).contains("claims/claim_type="), "{}", out.stdout);
    let error = format!("ERROR {}: line {}: $: I/O error: invalid gzip data", file.path(), complete + 1);
    assert!(out.stderr.contains(&error), "{}", out.stderr);
}
