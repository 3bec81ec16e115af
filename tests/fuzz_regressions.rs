//! Inputs the fuzzer (`fuzz/`, target `parse_validate`) found to crash, minimized, so that each
//! fix stays fixed.
use bluebutton::{validate_json, Target};

/// A finding may quote the input, and a string of the input may hold characters no FHIR string
/// may (a form feed here, in a code outside its value set). The OperationOutcome still has to be
/// valid FHIR: `to_operation_outcome` used to panic ("the validator writes valid
/// OperationOutcome JSON") on the raw form feed in `diagnostics`.
#[test]
fn operation_outcome_of_a_finding_quoting_a_control_character() {
    let input = br#"{"resourceType":"Patient","gender":"a\fb","name":[{"family":"x\u0001y"}]}"#;
    for target in [Target::Served, Target::Published] {
        let report = validate_json(input, target).unwrap();
        assert!(!report.is_valid());
        let outcome = report.to_operation_outcome();
        assert_eq!(outcome.issue.len(), report.findings.len());
    }
}

/// The same with the character in a property name: it lands in the location.
#[test]
fn operation_outcome_of_an_unknown_element_named_with_a_control_character() {
    let input = b"{\"resourceType\":\"Patient\",\"gen\\fder\":\"male\"}";
    let report = validate_json(input, Target::Served).unwrap();
    assert!(!report.is_valid());
    let outcome = report.to_operation_outcome();
    assert_eq!(outcome.issue.len(), report.findings.len());
}
