//! `bluebutton generate`: deterministic, valid under `validate`, every claim type for `summary`,
//! `--types`, `--out`, and usage errors.

use std::io::Read;

use crate::support::{run, run_with_stdin, TempFile};

#[test]
fn generated_data_validates_and_sums_up_with_every_claim_type() {
    let out = run(&["generate", "--seed", "1", "--patients", "20"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = out.stdout.into_bytes();

    let validated = run_with_stdin(&["validate", "-"], &bundle);
    assert_eq!(validated.code, 0, "{}", &validated.stdout[..validated.stdout.len().min(2000)]);
    assert!(validated.stdout.starts_with("-: VALID Bundle"), "{}", &validated.stdout[..200]);
    assert!(validated.stdout.contains(": 0 error(s)"));

    let summary = run_with_stdin(&["summary", "--format", "json", "-"], &bundle);
    assert_eq!(summary.code, 0, "{}", summary.stderr);
    for ty in ["carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf"] {
        assert!(summary.stdout.contains(&format!("\"{ty}\": {{")), "{ty} missing: {}", summary.stdout);
    }
    // 20 beneficiaries: a Patient, four Coverages and eight claims each.
    assert!(summary.stdout.contains("\"entries\": 260"), "{}", summary.stdout);
}

#[test]
fn the_same_options_write_the_same_bytes_to_stdout_and_to_a_file() {
    let args = ["generate", "--seed", "9", "--patients", "2", "--claims-per-patient", "3", "--compact"];
    let first = run(&args);
    assert_eq!(first.code, 0);
    assert_eq!(run(&args).stdout, first.stdout);
    assert!(!first.stdout.contains('\n'), "compact output has no line breaks");

    let file = TempFile::reserve("generated.json");
    let written = run(&[&args[..], &["--out", file.path(), "--stats"]].concat());
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout, "");
    assert_eq!(std::fs::read_to_string(file.path()).unwrap(), first.stdout);
    assert_eq!(written.stderr, format!("2 patients, 16 entries, {} bytes\n", first.stdout.len()));
}

#[test]
fn types_choose_the_claim_types() {
    let out = run(&["generate", "--patients", "3", "--types", "PDE,carrier", "--format-check-none"]);
    assert_eq!(out.code, 2, "an unknown option is a usage error");

    let out = run(&["generate", "--patients", "3", "--types", "PDE,carrier"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\"code\": \"PDE\""));
    assert!(out.stdout.contains("\"code\": \"CARRIER\""));
    for other in ["DME", "HHA", "HOSPICE", "INPATIENT", "OUTPATIENT", "SNF"] {
        assert!(!out.stdout.contains(&format!("\"code\": \"{other}\"")), "{other}");
    }

    // A repeated type counts once.
    let repeated = run(&["generate", "--patients", "3", "--types", "PDE,carrier,pde"]);
    assert_eq!(repeated.stdout, out.stdout);

    let out = run(&["generate", "--types", "carrier,ambulance"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown claim type `ambulance`"), "{}", out.stderr);
}

#[test]
fn an_unwritable_output_is_an_io_error() {
    let out = run(&["generate", "--patients", "1", "--out", "/nonexistent-dir/out.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: /nonexistent-dir/out.json: "), "{}", out.stderr);
}

#[test]
fn an_output_named_gz_is_gzip_compressed() {
    let args = ["generate", "--seed", "3", "--patients", "2", "--compact"];
    let plain = run(&args);
    let file = TempFile::reserve("generated.json.gz");
    let written = run(&[&args[..], &["--out", file.path()]].concat());
    assert_eq!(written.code, 0, "{}", written.stderr);
    let compressed = std::fs::read(file.path()).unwrap();
    assert!(compressed.starts_with(&[0x1f, 0x8b]), "gzip magic bytes");
    let mut decompressed = String::new();
    flate2::read::GzDecoder::new(compressed.as_slice()).read_to_string(&mut decompressed).unwrap();
    assert_eq!(decompressed, plain.stdout);
    // What `generate` writes compressed, the other commands read.
    let summary = run(&["summary", file.path()]);
    assert_eq!(summary.code, 0, "{}", summary.stderr);
    assert!(summary.stdout.contains("26 entries (total 26)"), "{}", summary.stdout);
    let validated = run(&["validate", file.path()]);
    assert_eq!(validated.code, 0, "{}", validated.stdout);
}
