//! The served target's derived rules on real responses changed the way another server version
//! could send them: what a rule derives is served (no error), what no evidence supports stays
//! an error, and a departure from base STU3 stays a warning. Skipped, with a notice, where
//! `../shared` is absent.
mod samples;

use bluebutton::json::{self, ToJson, Value};
use bluebutton::validate::{validate_json, Report, Severity, Target};

fn parse(bytes: &[u8]) -> Value<'static> {
    json::from_slice::<Value<'_>>(bytes).unwrap().into_owned()
}

fn member_mut<'v>(v: &'v mut Value<'static>, key: &str) -> &'v mut Value<'static> {
    let Value::Object(members) = v else { panic!("not an object: {key}") };
    &mut members.iter_mut().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key}")).1
}

fn item_mut<'v>(v: &'v mut Value<'static>, i: usize) -> &'v mut Value<'static> {
    let Value::Array(items) = v else { panic!("not an array") };
    &mut items[i]
}

fn report(doc: &Value<'_>, target: Target) -> Report {
    validate_json(doc.to_json_string().as_bytes(), target).unwrap()
}

fn errors_at(r: &Report, location: &str) -> Vec<String> {
    r.errors().filter(|f| f.location.starts_with(location)).map(ToString::to_string).collect()
}

/// A diagnosis whose code is both the principal and an admitting diagnosis carries both
/// types: served by `variables-share-entry` on an SNF claim (principal, admitting and external
/// cause diagnoses), while the IG's `max 1` still holds on a carrier claim (one type only).
#[test]
fn a_diagnosis_with_two_types() {
    let (Some(snf), Some(carrier)) =
        (samples::normalized("eobReadSnf.json"), samples::normalized("eobReadCarrier.json"))
    else {
        return;
    };
    for (bytes, served_ok) in [(snf, true), (carrier, false)] {
        let mut doc = parse(&bytes);
        let Value::Array(diagnoses) = member_mut(&mut doc, "diagnosis") else { panic!("diagnosis is an array") };
        let typed = diagnoses
            .iter()
            .position(|d| matches!(d, Value::Object(m) if m.iter().any(|(k, _)| k == "type")))
            .expect("a diagnosis with a type");
        let Value::Array(list) = member_mut(&mut diagnoses[typed], "type") else { panic!("type is an array") };
        list.push(list[0].clone());
        let at = format!("ExplanationOfBenefit.diagnosis[{typed}].type");
        let served = report(&doc, Target::Served);
        let published = report(&doc, Target::Published);
        assert!(!errors_at(&published, &at).is_empty(), "{published}");
        assert_eq!(errors_at(&served, &at).is_empty(), served_ok, "{served}");
    }
}

/// A claim without its billing period (the claim dates are CCW variables, which may be blank):
/// served by `variable-may-be-blank`, an error under the published IG.
#[test]
fn a_blank_variable_leaves_its_element_out() {
    let Some(bytes) = samples::normalized("eobReadOutpatient.json") else { return };
    let mut doc = parse(&bytes);
    let Value::Object(members) = &mut doc else { unreachable!() };
    members.retain(|(k, _)| k != "billablePeriod");
    assert!(report(&doc, Target::Served).is_valid(), "{}", report(&doc, Target::Served));
    assert!(!report(&doc, Target::Published).is_valid());
}

/// A diagnosis without `sequence` contradicts base STU3 (1..1): a served-deviation warning,
/// with the recorded evidence, never silence.
#[test]
fn a_diagnosis_without_sequence_is_a_warning() {
    let Some(bytes) = samples::normalized("eobReadInpatient.json") else { return };
    let mut doc = parse(&bytes);
    let diagnosis = item_mut(member_mut(&mut doc, "diagnosis"), 1);
    let Value::Object(members) = diagnosis else { unreachable!() };
    members.retain(|(k, _)| k != "sequence");
    let r = report(&doc, Target::Served);
    assert!(r.is_valid(), "{r}");
    let warning = r
        .findings
        .iter()
        .find(|f| f.location == "ExplanationOfBenefit.diagnosis[1].sequence")
        .unwrap_or_else(|| panic!("no finding at the sequence:\n{r}"));
    assert_eq!((warning.severity, warning.rule), (Severity::Warning, "served-deviation"));
    assert!(warning.message.contains("recorded-deviation"), "{warning}");
}

/// Coverage.contract, prohibited by the IG, is sent by two recorded server versions: served.
/// Its placeholders' departures from base STU3 are warnings; any other error in it stays one.
#[test]
fn coverage_contract_is_served() {
    let Some(bytes) = samples::normalized("coverageRead.json") else { return };
    let mut doc = parse(&bytes);
    let contract = parse(br#"[{"reference": "Contract/h1234"}]"#);
    let Value::Object(members) = &mut doc else { unreachable!() };
    members.push(("contract".into(), contract));
    assert!(report(&doc, Target::Served).is_valid(), "{}", report(&doc, Target::Served));
    assert!(!report(&doc, Target::Published).is_valid());
    // An unknown element inside a contract is still an error.
    let item = item_mut(member_mut(&mut doc, "contract"), 0);
    let Value::Object(members) = item else { unreachable!() };
    members.push(("notAnElement".into(), Value::String("x".into())));
    let r = report(&doc, Target::Served);
    assert!(!errors_at(&r, "Coverage.contract[0].notAnElement").is_empty(), "{r}");
}
