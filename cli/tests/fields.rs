//! `bluebutton fields` on the real responses: every Medicare field is listed by variable, none
//! is unmapped; a bluebutton URL the views do not know is reported as UNMAPPED.
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/data not found beside the repository");
        None
    }
}

fn run(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut input = stdin;
    let mut argv = vec!["bluebutton"];
    argv.extend_from_slice(args);
    let code = bluebutton_cli::run(argv, &mut input, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn every_normalized_sample_has_no_unmapped_field() {
    let Some(dir) = shared() else { return };
    let mut files: Vec<String> = std::fs::read_dir(dir.join("samples/v1-normalized"))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 25);
    let args: Vec<&str> = std::iter::once("fields").chain(files.iter().map(String::as_str)).collect();
    let (code, out, err) = run(&args, b"");
    assert!(
        !out.contains("\tUNMAPPED\t"),
        "{}",
        out.lines().filter(|l| l.contains("UNMAPPED")).collect::<Vec<_>>().join("\n")
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() > 2000, "the samples carry thousands of fields");
    for line in out.lines() {
        assert_eq!(line.split('\t').count(), 6, "six columns: {line}");
    }
}

#[test]
fn fields_are_decoded_and_located() {
    let Some(dir) = shared() else { return };
    let file = dir.join("samples/v1-normalized/eobReadCarrier.json");
    let file = file.to_string_lossy();
    let (code, out, _) = run(&["fields", &file], b"");
    assert_eq!(code, 0);
    let line =
        out.lines().find(|l| l.split('\t').nth(3) == Some("carr_line_prvdr_type_cd")).expect("a care team field");
    let cols: Vec<&str> = line.split('\t').collect();
    assert_eq!(cols[1], "carrier-9991831999");
    assert!(cols[2].starts_with("ExplanationOfBenefit.careTeam[0].extension("), "{line}");
    let asgmntcd = out.lines().find(|l| l.split('\t').nth(3) == Some("asgmntcd")).unwrap();
    assert!(asgmntcd.ends_with("\tA\tAssigned claim"), "{asgmntcd}");
    let allowed = out.lines().find(|l| l.split('\t').nth(3) == Some("line_alowd_chrg_amt")).unwrap();
    assert!(allowed.contains("ExplanationOfBenefit.item[0].adjudication("), "{allowed}");
}

#[test]
fn an_unknown_bluebutton_field_is_unmapped() {
    let Some(dir) = shared() else { return };
    let text = std::fs::read_to_string(dir.join("samples/v1-normalized/eobReadPde.json")).unwrap();
    let unknown = r#""resourceType" : "ExplanationOfBenefit",
  "extension" : [ { "url" : "https://bluebutton.cms.gov/resources/variables/not_a_variable", "valueString" : "x" } ],"#;
    let mutated = text.replacen(r#""resourceType" : "ExplanationOfBenefit","#, unknown, 1);
    assert_ne!(mutated, text);
    let (code, out, _) = run(&["fields", "-"], mutated.as_bytes());
    assert_eq!(code, 1);
    let line = out.lines().find(|l| l.contains("\tUNMAPPED\t")).expect("an UNMAPPED line");
    assert_eq!(
        line,
        "-\tpde-89\tExplanationOfBenefit.extension[0].url\tUNMAPPED\thttps://bluebutton.cms.gov/resources/variables/not_a_variable\t"
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let (code, out, err) = run(&["fields", "-"], br#"{"resourceType":"Patient","birthDate":"1970-13"}"#);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.starts_with("ERROR -: birthDate: "), "{err}");
}
