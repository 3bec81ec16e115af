//! `bluebutton validate --profile auto|core|URL`: which definition each resource is checked
//! against, and the usage error for an unknown profile.

use crate::support::{run, shared_data, TempFile};

/// A Patient who is not a Medicare beneficiary (no Medicare identifier, no address).
const PATIENT: &[u8] = br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Chalmers"}],"gender":"male"}"#;
/// A Coverage that STU3 accepts and the Blue Button profile does not.
const COVERAGE: &[u8] = br#"{"resourceType":"Coverage","id":"c1","status":"active"}"#;
/// A MedicationDispense whose status is outside its required binding.
const DISPENSE: &[u8] =
    br#"{"resourceType":"MedicationDispense","status":"done","medicationCodeableConcept":{"text":"Amlodipine 5 MG"}}"#;

const BB_COVERAGE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-coverage";

#[test]
fn auto_is_the_default_and_core_checks_stu3_only() {
    let patient = TempFile::new("patient.json", PATIENT);
    let default = run(&["validate", patient.path()]);
    let auto = run(&["validate", "--profile", "auto", patient.path()]);
    assert_eq!(default.stdout, auto.stdout);
    assert_eq!(auto.code, 1, "{}", auto.stdout);
    assert!(auto
        .stdout
        .contains("INVALID Patient (http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim, served)"));

    let core = run(&["validate", "--profile", "core", patient.path()]);
    assert_eq!(core.code, 0, "{}{}", core.stdout, core.stderr);
    assert_eq!(
        core.stdout,
        format!(
            "{}: VALID Patient (http://hl7.org/fhir/StructureDefinition/Patient, served): 0 error(s), 0 warning(s), 0 information\n",
            patient.path()
        )
    );
}

#[test]
fn any_stu3_resource_is_checked_against_its_core_definition() {
    let dispense = TempFile::new("dispense.json", DISPENSE);
    for profile in ["auto", "core"] {
        let out = run(&["validate", "--profile", profile, dispense.path()]);
        assert_eq!(out.code, 1, "{}", out.stdout);
        let lines = out.lines();
        assert!(
            lines[0].contains("INVALID MedicationDispense (http://hl7.org/fhir/StructureDefinition/MedicationDispense, served): 1 error(s)"),
            "{}",
            out.stdout
        );
        assert!(
            lines.contains(
                &"  error [binding-required] MedicationDispense.status: done is not in the value set http://hl7.org/fhir/ValueSet/medication-dispense-status (required binding)"
            ),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn a_profile_by_url() {
    let (patient, coverage) = (TempFile::new("patient.json", PATIENT), TempFile::new("coverage.json", COVERAGE));
    let out = run(&["validate", "--profile", BB_COVERAGE, coverage.path(), patient.path()]);
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{}: INVALID Coverage ({BB_COVERAGE}, served)", coverage.path()))),
        "{}",
        out.stdout
    );
    // The Patient is not what the profile constrains: an error, and STU3 for the rest.
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "{}: INVALID Patient (http://hl7.org/fhir/StructureDefinition/Patient, served): 1 error(s)",
            patient.path()
        ))),
        "{}",
        out.stdout
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with(&format!("  error [profile] Patient: the profile {BB_COVERAGE} is for Coverage resources"))),
        "{}",
        out.stdout
    );

    let core_coverage =
        run(&["validate", "--profile", "http://hl7.org/fhir/StructureDefinition/Coverage", coverage.path()]);
    assert_eq!(core_coverage.code, 0, "{}", core_coverage.stdout);
}

#[test]
fn an_unknown_profile_is_a_usage_error_that_lists_the_known_ones() {
    let coverage = TempFile::new("coverage.json", COVERAGE);
    let out = run(&["validate", "--profile", "http://example.org/StructureDefinition/mine", coverage.path()]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("unknown profile `http://example.org/StructureDefinition/mine`"), "{}", out.stderr);
    for known in
        [BB_COVERAGE, "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim", "bluebutton-pde-claim"]
    {
        assert!(out.stderr.contains(known), "{known} not listed in\n{}", out.stderr);
    }
    assert!(out.stderr.contains("http://hl7.org/fhir/StructureDefinition/<resource type>"), "{}", out.stderr);
}

#[test]
fn json_output_names_the_core_definition() {
    let patient = TempFile::new("patient.json", PATIENT);
    let out = run(&["validate", "--profile", "core", "--format", "json", patient.path()]);
    assert_eq!(out.code, 0);
    assert_eq!(out.lines().len(), 1);
    assert!(out.stdout.contains(r#""severity":"information""#), "{}", out.stdout);
}

#[test]
fn the_served_patient_sample_under_core_has_no_blue_button_finding() {
    let Some(data) = shared_data("the_served_patient_sample_under_core_has_no_blue_button_finding") else { return };
    let file = data.join("samples/v1-normalized/patientRead.json");
    let file = file.to_str().unwrap();
    let out = run(&["validate", "--profile", "core", file]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        out.stdout,
        format!(
            "{file}: VALID Patient (http://hl7.org/fhir/StructureDefinition/Patient, served): 0 error(s), 0 warning(s), 0 information\n"
        )
    );
    // The default judges it by the Blue Button profile, and lists the extensions outside it.
    let auto = run(&["validate", file]);
    assert!(auto.stdout.contains("bluebutton-patient-claim"), "{}", auto.stdout);
    assert!(auto.stdout.contains("[extension-outside-ig]"), "{}", auto.stdout);
}

#[test]
fn the_help_describes_the_choice() {
    let out = run(&["validate", "--help"]);
    assert!(out.stdout.contains("--profile <auto|core|URL>"), "{}", out.stdout);
    assert!(out.stdout.contains("bluebutton validate --profile core"), "{}", out.stdout);
}
