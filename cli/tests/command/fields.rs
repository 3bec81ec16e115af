//! `bluebutton fields` on the real responses: every Medicare field is listed by variable, none
//! is unmapped; a bluebutton URL the views do not know is reported as UNMAPPED.

use crate::support::{json_files, run_with_stdin, shared_data, Outcome};

#[test]
fn every_normalized_sample_has_no_unmapped_field() {
    let Some(dir) = shared_data("every_normalized_sample_has_no_unmapped_field") else { return };
    let files = json_files(&dir.join("samples/v1-normalized"));
    assert_eq!(files.len(), 25);
    let args: Vec<&str> = std::iter::once("fields").chain(files.iter().map(String::as_str)).collect();
    let Outcome { code, stdout: out, stderr: err } = run_with_stdin(&args, b"");
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
fn every_recorded_older_response_has_no_unmapped_field() {
    let Some(dir) = shared_data("every_recorded_older_response_has_no_unmapped_field") else { return };
    for version in ["2020-10", "2021-08", "2023-04", "2024-09"] {
        let mut files: Vec<String> = std::fs::read_dir(dir.join("samples/history-normalized").join(version))
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .filter(|p| !p.ends_with("metadata.json"))
            .collect();
        files.sort();
        assert!(files.len() >= 18, "{version}: {} responses", files.len());
        let args: Vec<&str> = std::iter::once("fields").chain(files.iter().map(String::as_str)).collect();
        let Outcome { code, stdout: out, stderr: err } = run_with_stdin(&args, b"");
        let unmapped: Vec<&str> = out.lines().filter(|l| l.contains("\tUNMAPPED\t")).collect();
        assert!(unmapped.is_empty(), "{version}:\n{}", unmapped.join("\n"));
        assert_eq!(code, 0, "{version}: {err}");
        assert!(out.lines().count() > 2000, "{version}: the responses carry thousands of fields");
    }
    // The county code only 2020-10 sent is listed where it sent it.
    let patient = dir.join("samples/history-normalized/2020-10/patientRead.json");
    let Outcome { stdout: out, .. } = run_with_stdin(&["fields", &patient.to_string_lossy()], b"");
    let county = out.lines().find(|l| l.split('\t').nth(3) == Some("cnty_cd")).expect("the county code");
    assert!(county.ends_with("\t567834\tPatient.address.district\tcnty_cd\t123\t"), "{county}");
}

#[test]
fn fields_are_decoded_and_located() {
    let Some(dir) = shared_data("fields_are_decoded_and_located") else { return };
    let file = dir.join("samples/v1-normalized/eobReadCarrier.json");
    let file = file.to_string_lossy();
    let Outcome { code, stdout: out, .. } = run_with_stdin(&["fields", &file], b"");
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
    let Some(dir) = shared_data("an_unknown_bluebutton_field_is_unmapped") else { return };
    let text = std::fs::read_to_string(dir.join("samples/v1-normalized/eobReadPde.json")).unwrap();
    let unknown = r#""resourceType" : "ExplanationOfBenefit",
  "extension" : [ { "url" : "https://bluebutton.cms.gov/resources/variables/not_a_variable", "valueString" : "x" } ],"#;
    let mutated = text.replacen(r#""resourceType" : "ExplanationOfBenefit","#, unknown, 1);
    assert_ne!(mutated, text);
    let Outcome { code, stdout: out, .. } = run_with_stdin(&["fields", "-"], mutated.as_bytes());
    assert_eq!(code, 1);
    let line = out.lines().find(|l| l.contains("\tUNMAPPED\t")).expect("an UNMAPPED line");
    assert_eq!(
        line,
        "-\tpde-89\tExplanationOfBenefit.extension[0].url\tUNMAPPED\thttps://bluebutton.cms.gov/resources/variables/not_a_variable\t"
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let Outcome { code, stdout: out, stderr: err } =
        run_with_stdin(&["fields", "-"], br#"{"resourceType":"Patient","birthDate":"1970-13"}"#);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.starts_with("ERROR -: birthDate: "), "{err}");
}

#[test]
fn json_lines_hold_the_same_fields_as_the_columns() {
    let demo = std::fs::read(crate::support::repo_root().join("examples/data/claims-bundle.json")).unwrap();
    let text = run_with_stdin(&["fields", "-"], &demo);
    let json = run_with_stdin(&["fields", "--format", "json", "-"], &demo);
    // Every bluebutton URL of the (generated) example data is read by an accessor.
    assert_eq!((text.code, json.code), (0, 0), "{}{}", text.stderr, json.stderr);
    assert!(json.stdout.contains(r#""variable":"line_nch_pmt_amt","#), "{}", json.stdout);
    let text_lines: Vec<&str> = text.stdout.lines().collect();
    let json_lines: Vec<&str> = json.stdout.lines().collect();
    assert_eq!(text_lines.len(), json_lines.len());
    assert!(text_lines.len() > 100, "the claims carry many fields");
    let string = |v: &bluebutton::json::Value<'_>| match v {
        bluebutton::json::Value::String(s) => s.replace(['\t', '\n', '\r'], " "),
        bluebutton::json::Value::Null => String::new(),
        other => panic!("not a string: {other:?}"),
    };
    for (text_line, json_line) in text_lines.iter().zip(&json_lines) {
        let value: bluebutton::json::Value<'_> = bluebutton::json::from_str(json_line).unwrap();
        let bluebutton::json::Value::Object(members) = value else { panic!("{json_line}") };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["file", "id", "location", "variable", "value", "display"]);
        let columns: Vec<String> = members.iter().map(|(_, v)| string(v)).collect();
        assert_eq!(columns.join("\t"), *text_line);
    }
    // A field without a display has `null`, not an empty string.
    assert!(json.stdout.contains(r#""display":null}"#), "{}", &json.stdout[..500]);
}
