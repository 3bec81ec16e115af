//! The `serde` feature: the model's types inside a user's own `#[derive(Serialize,
//! Deserialize)]` structs, through serde_json, with the FHIR JSON of the model's own reader and
//! writer (exact decimal text, strict reading, errors with the JSON path).
mod samples;

use bluebutton::codes::{CodeEnum, Coded, Race};
use bluebutton::json::{self, ParseOptions, ToJson, Value};
use bluebutton::primitives::{Date, Decimal, Integer, PositiveInt};
use bluebutton::resources::{ExplanationOfBenefit, Patient, Resource};
use bluebutton::types::Money;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A user's own type holding typed resources.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Saved {
    label: String,
    eob: ExplanationOfBenefit<'static>,
    resource: Resource<'static>,
    amounts: Vec<Decimal<'static>>,
}

/// Reads from a string that is dropped right after: the result owns its data.
fn from_temporary<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    let temporary = text.to_owned();
    serde_json::from_str(&temporary)
}

fn carrier() -> Option<ExplanationOfBenefit<'static>> {
    let bytes = samples::normalized("eobReadCarrier.json")?;
    Some(json::from_reader(bytes.as_slice()).unwrap())
}

#[test]
fn a_derived_struct_holding_resources_round_trips() {
    let Some(eob) = carrier() else { return };
    let patient = samples::normalized("patientRead.json").unwrap();
    let resource: Resource<'static> = json::from_reader(patient.as_slice()).unwrap();
    let saved = Saved {
        label: "carrier \"9991831999\"".into(),
        eob,
        resource,
        amounts: vec![Decimal::new("1.50").unwrap(), Decimal::new("-0.00").unwrap(), Decimal::new("7").unwrap()],
    };
    let text = serde_json::to_string(&saved).unwrap();
    // The resources are written exactly as the model's compact writer writes them.
    let expected = format!(
        r#"{{"label":"carrier \"9991831999\"","eob":{},"resource":{},"amounts":[1.50,-0.00,7]}}"#,
        saved.eob.to_json_string(),
        saved.resource.to_json_string()
    );
    assert_eq!(text, expected);
    let back: Saved = from_temporary(&text).unwrap();
    assert_eq!(back, saved);
    let read: Saved = serde_json::from_reader(text.as_bytes()).unwrap();
    assert_eq!(read, saved);

    // Pretty output is serde_json's indentation of the same document: the model's pretty writer.
    let pretty = serde_json::to_string_pretty(&saved.eob).unwrap();
    assert_eq!(pretty, saved.eob.to_json_pretty());
    assert_eq!(from_temporary::<ExplanationOfBenefit>(&pretty).unwrap(), saved.eob);
}

/// Every recorded response (v1 and each history version, normalized) read through serde_json
/// equals the model's own reading, and is written back byte for byte as the model's compact
/// writer writes it, inside a derived struct too.
#[test]
fn every_recorded_sample_round_trips_through_serde_json() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Named {
        name: String,
        resource: Resource<'static>,
    }
    let files = samples::all_recorded();
    if files.is_empty() {
        return;
    }
    assert!(files.len() > 25, "the normalized samples of v1 and the history: {}", files.len());
    let mut eobs = 0;
    for (name, bytes) in &files {
        let own: Resource = json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let compact = own.to_json_string();
        let read: Resource<'static> = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read, own, "{name}");
        let written = serde_json::to_string(&read).unwrap();
        assert_eq!(written, compact, "{name}");
        // What was written is the input, as FHIR JSON (member order aside).
        let before: Value = json::from_slice(bytes).unwrap();
        let after: Value = json::from_str(&written).unwrap();
        assert_eq!(before.first_difference(&after), None, "{name}");

        let named = Named { name: name.clone(), resource: read };
        let text = serde_json::to_string(&named).unwrap();
        assert_eq!(text, format!(r#"{{"name":"{name}","resource":{compact}}}"#));
        assert_eq!(from_temporary::<Named>(&text).unwrap(), named, "{name}");

        if let Resource::ExplanationOfBenefit(eob) = &named.resource {
            let back: ExplanationOfBenefit<'static> = from_temporary(&compact).unwrap();
            assert_eq!(&back, &**eob, "{name}");
            eobs += 1;
        }
    }
    assert!(eobs >= 8, "the samples have an EOB of each claim type: {eobs}");
}

/// The responses as recorded, with the server tests' placeholders: serde_json reads those the
/// model reads, and refuses the others with the model's own error (path and reason).
#[test]
fn recorded_samples_with_placeholders_fail_as_the_model_fails() {
    let files = samples::all_recorded_raw();
    if files.is_empty() {
        return;
    }
    let mut refused = 0;
    for (name, bytes) in &files {
        let serde_read = serde_json::from_slice::<Resource<'static>>(bytes);
        match json::from_slice::<Resource>(bytes) {
            Ok(own) => {
                let read = serde_read.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(serde_json::to_string(&read).unwrap(), own.to_json_string(), "{name}");
            }
            Err(own) => {
                let message = serde_read.expect_err(name).to_string();
                assert!(message.starts_with(&own.to_string()), "{name}: {message}\n  model: {own}");
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "some recorded samples hold placeholders");
}

#[test]
fn decimal_text_is_kept() {
    let amount = Decimal::new("1.50").unwrap();
    assert_eq!(serde_json::to_string(&amount).unwrap(), "1.50");
    let back: Decimal = serde_json::from_str("1.50").unwrap();
    assert_eq!(back.as_str(), "1.50");

    let money: Money<'static> = from_temporary(r#"{"value":1.50,"code":"USD"}"#).unwrap();
    assert_eq!(money.value().unwrap().as_str(), "1.50");
    assert_eq!(serde_json::to_string(&money).unwrap(), r#"{"value":1.50,"code":"USD"}"#);

    // Texts a double would change, and ones it keeps.
    for text in ["0.10", "-0", "-0.0", "100.000", "12345678901234567890.123456789", "130.32", "0"] {
        let d: Decimal = serde_json::from_str(text).unwrap();
        assert_eq!(d.as_str(), text);
        assert_eq!(serde_json::to_string(&d).unwrap(), text);
    }
    let zero: Integer = serde_json::from_str("-0").unwrap();
    assert_eq!(serde_json::to_string(&zero).unwrap(), "-0");
}

#[test]
fn reading_is_strict_and_errors_name_the_path() {
    let Some(eob) = carrier() else { return };
    let compact = eob.to_json_string();
    let first_item = compact.find(r#""item":[{"#).expect("the carrier claim has items") + r#""item":[{"#.len();

    // An unknown property inside the first item, inside a derived struct.
    let mut bad = compact.clone();
    bad.insert_str(first_item, r#""bogus":1,"#);
    let text = format!(r#"{{"label":"x","eob":{bad},"resource":{compact},"amounts":[]}}"#);
    let message = from_temporary::<Saved>(&text).unwrap_err().to_string();
    assert!(message.starts_with("item[0].bogus: unknown property `bogus`"), "{message}");

    // An invalid primitive, with its path.
    let at = first_item + compact[first_item..].find(r#""sequence":"#).unwrap() + r#""sequence":"#.len();
    let digits = compact[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let bad = format!("{}0{}", &compact[..at], &compact[at + digits..]);
    let message = from_temporary::<ExplanationOfBenefit>(&bad).unwrap_err().to_string();
    assert!(message.starts_with(r#"item[0].sequence: invalid positiveInt "0""#), "{message}");

    // A duplicate property, which serde_json itself would let pass.
    let bad = compact.replacen(r#""status":"active""#, r#""status":"active","status":"active""#, 1);
    assert!(bad.len() > compact.len(), "the claim has a status");
    let message = from_temporary::<ExplanationOfBenefit>(&bad).unwrap_err().to_string();
    assert!(message.contains("duplicate property `status`"), "{message}");

    // Another resource type where an EOB is expected.
    let message = from_temporary::<ExplanationOfBenefit>(r#"{"resourceType":"Patient"}"#).unwrap_err().to_string();
    assert!(message.contains("expected resourceType `ExplanationOfBenefit`, found `Patient`"), "{message}");

    // A decimal written as a string.
    let message = from_temporary::<Decimal>(r#""1.50""#).unwrap_err().to_string();
    assert!(message.contains("expected a number (FHIR decimal), found a string"), "{message}");

    // Primitives and codes.
    let message = from_temporary::<Date>(r#""2020-02-30""#).unwrap_err().to_string();
    assert!(message.starts_with(r#"invalid date "2020-02-30""#), "{message}");
    let message = from_temporary::<PositiveInt>("1.0").unwrap_err().to_string();
    assert!(message.contains(r#"invalid positiveInt "1.0""#), "{message}");
    let message = from_temporary::<Race>(r#""42""#).unwrap_err().to_string();
    assert!(message.starts_with(&format!(r#"unknown code "42" of {} (`{}`)"#, Race::LABEL, Race::SYSTEM)), "{message}");
}

#[test]
fn codes_are_their_code_text() {
    let white = Race::from_code("1").unwrap();
    assert_eq!(serde_json::to_string(&white).unwrap(), r#""1""#);
    assert_eq!(from_temporary::<Race>(r#""1""#).unwrap(), white);
    let coded: Vec<Coded<'static, Race>> = from_temporary(r#"["1","01"]"#).unwrap();
    assert_eq!(coded, [Coded::Known(white), Coded::from_string("01".into())]);
    assert_eq!(serde_json::to_string(&coded).unwrap(), r#"["1","01"]"#);
}

/// `serde_json::Value` holds numbers as doubles (without serde_json's `arbitrary_precision`):
/// through it `1.50` comes back as `1.5`; everything else is kept.
#[test]
fn through_serde_json_value() {
    let Some(bytes) = samples::normalized("patientRead.json") else { return };
    let patient: Patient<'static> = serde_json::from_slice(&bytes).unwrap();
    let value = serde_json::to_value(&patient).unwrap();
    assert_eq!(value["resourceType"], "Patient");
    let back: Patient<'static> = serde_json::from_value(value).unwrap();
    assert_eq!(back, patient);

    let money: Money = serde_json::from_value(serde_json::json!({"value": 1.50, "code": "USD"})).unwrap();
    assert_eq!(money.value().unwrap().as_str(), "1.5");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Synthetic claims of every type: serde_json writes the model's text and reads it back.
    #[test]
    fn synthetic_claims_round_trip(eob in bluebutton::synth::strategy::claim()) {
        let text = serde_json::to_string(&eob).unwrap();
        prop_assert_eq!(&text, &eob.to_json_string());
        let back: ExplanationOfBenefit<'static> = from_temporary(&text).unwrap();
        prop_assert_eq!(&back, &eob);
        let own: ExplanationOfBenefit = json::from_slice_with(text.as_bytes(), ParseOptions::strict()).unwrap();
        prop_assert_eq!(&own, &eob);
    }
}

/// The owned forms are `DeserializeOwned` (checked when this file compiles).
const _: fn() = || {
    fn owned<T: DeserializeOwned + Serialize>() {}
    owned::<Resource<'static>>();
    owned::<ExplanationOfBenefit<'static>>();
    owned::<bluebutton::resources::ExplanationOfBenefitItem<'static>>();
    owned::<bluebutton::types::CodeableConcept<'static>>();
    owned::<Date<'static>>();
    owned::<Value<'static>>();
    owned::<Race>();
};
