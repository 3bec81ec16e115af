//! Strict parsing: every error kind, with the exact JSON path it names, on real samples
//! (mutated) and on small documents; hostile input ends in an error, never a crash.
mod samples;

use bluebutton::json::{self, ErrorKind, ParseOptions};
use bluebutton::resources::{Bundle, Patient};
use bluebutton::Resource;
use samples::{normalized, raw_sample};

/// Parses `input` as any resource and returns "<path>: <message>" of the error.
fn error_of(input: &[u8]) -> (String, ErrorKind) {
    match json::from_slice::<Resource>(input) {
        Ok(r) => panic!("expected an error, parsed a {}", r.resource_type()),
        Err(e) => (e.path().to_string(), e.kind().clone()),
    }
}

/// Applies `mutate` to a normalized sample and returns the mutated JSON text.
fn mutated(name: &str, mutate: impl FnOnce(&mut serde_json::Value)) -> Option<Vec<u8>> {
    let bytes = normalized(name)?;
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    mutate(&mut doc);
    Some(serde_json::to_vec_pretty(&doc).unwrap())
}

#[test]
fn placeholders_in_raw_samples_are_rejected_with_their_path() {
    let Some(carrier) = raw_sample("eobReadCarrier.json") else { return };
    let (path, kind) = error_of(&carrier);
    assert_eq!(path, "meta.lastUpdated");
    assert!(matches!(kind, ErrorKind::InvalidPrimitive { fhir_type: "instant", .. }), "{kind:?}");

    let Some(bundle) = raw_sample("eobByPatientIdAll.json") else { return };
    let (path, kind) = error_of(&bundle);
    assert_eq!(path, "id");
    assert!(matches!(kind, ErrorKind::InvalidPrimitive { fhir_type: "id", .. }), "{kind:?}");
    let message = json::from_slice::<Resource>(&bundle).unwrap_err().to_string();
    assert!(message.contains("'_'"), "the message says which character is wrong: {message}");
}

#[test]
fn wrong_json_type_deep_in_a_bundle() {
    let Some(doc) = mutated("eobByPatientIdAll.json", |d| {
        d["entry"][3]["resource"]["item"][0]["quantity"]["value"] = "5".into();
    }) else {
        return;
    };
    let err = json::from_slice::<Bundle>(&doc).unwrap_err();
    assert_eq!(err.path().to_string(), "entry[3].resource.item[0].quantity.value");
    assert!(matches!(err.kind(), ErrorKind::WrongType { found: json::JsonKind::String, .. }), "{:?}", err.kind());
    assert_eq!(
        err.to_string(),
        "entry[3].resource.item[0].quantity.value: expected a number (FHIR decimal), found a string"
    );
}

#[test]
fn unknown_property_in_a_real_eob() {
    let Some(doc) = mutated("eobReadCarrier.json", |d| {
        d["item"][0]["adjudication"][1]["amountt"] = serde_json::json!({"value": 1});
    }) else {
        return;
    };
    let (path, kind) = error_of(&doc);
    assert_eq!(path, "item[0].adjudication[1].amountt");
    assert!(matches!(kind, ErrorKind::UnknownProperty { ref name, .. } if name == "amountt"), "{kind:?}");
}

#[test]
fn invalid_primitive_values() {
    let cases = [
        (r#"{"resourceType":"Patient","birthDate":"1970-13"}"#, "birthDate"),
        (r#"{"resourceType":"Patient","birthDate":"2019-02-29"}"#, "birthDate"),
        (r#"{"resourceType":"Patient","name":[{"given":["A",""]}]}"#, "name[0].given[1]"),
        (r#"{"resourceType":"Patient","meta":{"lastUpdated":"2020-01-01"}}"#, "meta.lastUpdated"),
        (r#"{"resourceType":"Patient","id":"has space"}"#, "id"),
        (r#"{"resourceType":"Patient","gender":" male"}"#, "gender"),
        (r#"{"resourceType":"Patient","multipleBirthInteger":2147483648}"#, "multipleBirthInteger"),
        (r#"{"resourceType":"Patient","multipleBirthInteger":1.0}"#, "multipleBirthInteger"),
        (r#"{"resourceType":"Patient","identifier":[{"system":""}]}"#, "identifier[0].system"),
        (r#"{"resourceType":"Coverage","order":0}"#, "order"),
        (r#"{"resourceType":"Observation","valueQuantity":{"value":1e400}}"#, "valueQuantity.value"),
        (r#"{"resourceType":"Observation","valueQuantity":{"value":01}}"#, "valueQuantity.value"),
        (r#"{"resourceType":"Observation","valueQuantity":{"value":"1"}}"#, "valueQuantity.value"),
    ];
    for (input, path) in cases {
        let (found, kind) = error_of(input.as_bytes());
        assert_eq!(found, path, "{input}: {kind:?}");
    }
    // `01` is not JSON at all; `1e400` is JSON but not a FHIR decimal.
    let (_, kind) = error_of(br#"{"resourceType":"Observation","valueQuantity":{"value":1e400}}"#);
    match kind {
        ErrorKind::InvalidPrimitive { fhir_type: "decimal", found, error } => {
            assert_eq!(found, "\"1e400\"");
            assert!(error.to_string().contains("exponent"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn structural_errors_name_their_path() {
    // The input, the path the error names, and what kind of error it is.
    type Case = (&'static str, &'static str, fn(&ErrorKind) -> bool);
    let cases: &[Case] = &[
        (r#"{"resourceType":"Patient","id":"a","id":"b"}"#, "id", |k| matches!(k, ErrorKind::DuplicateProperty { .. })),
        (r#"{"resourceType":"Patient","name":[]}"#, "name", |k| matches!(k, ErrorKind::EmptyArray)),
        (r#"{"resourceType":"Patient","name":null}"#, "name", |k| matches!(k, ErrorKind::WrongType { .. })),
        (r#"{"resourceType":"Patient","active":"true"}"#, "active", |k| matches!(k, ErrorKind::WrongType { .. })),
        (r#"{"resourceType":"Patient","name":{"family":"X"}}"#, "name", |k| matches!(k, ErrorKind::WrongType { .. })),
        (r#"{"id":"a"}"#, "$", |k| matches!(k, ErrorKind::MissingResourceType)),
        (r#"{"resourceType":"Unicorn"}"#, "resourceType", |k| matches!(k, ErrorKind::UnknownResourceType { .. })),
        (r#"{"resourceType":"Bundle","entry":[{"resource":{"id":"x"}}]}"#, "entry[0].resource", |k| {
            matches!(k, ErrorKind::MissingResourceType)
        }),
        (r#"{"resourceType":"Observation","valueString":"a","valueBoolean":true}"#, "valueBoolean", |k| {
            matches!(k, ErrorKind::MultipleChoices { .. })
        }),
        (r#"{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[{"id":"x"}]}]}"#, "name[0]._given", |k| {
            matches!(k, ErrorKind::ArrayLengthMismatch { values: 2, extensions: 1 })
        }),
        (r#"{"resourceType":"Patient","name":[{"given":["A",null]}]}"#, "name[0]", |k| {
            matches!(k, ErrorKind::NullInBoth)
        }),
        (r#"{"resourceType":"Patient","name":[{"given":["A"],"_given":[null]}]}"#, "name[0]._given", |k| {
            matches!(k, ErrorKind::AllNull)
        }),
        (r#"{"resourceType":"Patient","active":true"#, "$", |k| matches!(k, ErrorKind::Eof { .. })),
        (r#"{"resourceType":"Patient","active":tru}"#, "active", |k| matches!(k, ErrorKind::Syntax { .. })),
        (r#"{"resourceType":"Patient"} x"#, "$", |k| matches!(k, ErrorKind::Syntax { .. })),
        (r#"{"resourceType":"Patient","id":"a\qb"}"#, "id", |k| matches!(k, ErrorKind::InvalidEscape)),
        (r#"{"resourceType":"Patient","id":"a\ud800"}"#, "id", |k| matches!(k, ErrorKind::InvalidEscape)),
        ("{\"resourceType\":\"Patient\",\"id\":\"a\u{1}b\"}", "id", |k| matches!(k, ErrorKind::ControlCharacter)),
    ];
    for (input, path, check) in cases {
        let (found, kind) = error_of(input.as_bytes());
        assert_eq!(&found, path, "{input}: {kind:?}");
        assert!(check(&kind), "{input}: {kind:?}");
    }
    let err = json::from_slice::<Patient>(br#"{"resourceType":"Coverage"}"#).unwrap_err();
    assert_eq!(err.path().to_string(), "resourceType");
    assert!(matches!(err.kind(), ErrorKind::ResourceTypeMismatch { expected: "Patient", .. }));
    let err = json::from_slice::<Patient>(br#"{"id":"a"}"#).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::MissingResourceType));
}

#[test]
fn invalid_utf8_is_an_error_at_its_string() {
    let mut input = br#"{"resourceType":"Patient","name":[{"family":"X"}]}"#.to_vec();
    let at = input.iter().position(|&b| b == b'X').unwrap();
    input[at] = 0xff;
    let (path, kind) = error_of(&input);
    assert_eq!(path, "name[0].family");
    assert_eq!(kind, ErrorKind::InvalidUtf8);
}

#[test]
fn a_truncated_real_file_is_an_error_at_every_cut() {
    let Some(bytes) = normalized("eobReadCarrier.json") else { return };
    // Every cut point would be slow in debug builds; a few hundred spread over the file suffice.
    for cut in (0..bytes.len()).step_by(bytes.len() / 300 + 1) {
        let err = json::from_slice::<Resource>(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Eof { .. } | ErrorKind::InvalidPrimitive { .. } | ErrorKind::Syntax { .. }),
            "cut at {cut}: {err}"
        );
    }
}

/// Nesting 100,000 levels deep, in every place where the parser could recurse.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let nested_extensions =
        format!(r#"{{"resourceType":"Patient","extension":{}"#, r#"[{"url":"u","extension":"#.repeat(n));
    let unknown_arrays = format!(r#"{{"resourceType":"Patient","x":{}"#, "[".repeat(n));
    let before_resource_type = format!(r#"{{"x":{}"#, "[".repeat(n));
    for input in [&nested_extensions, &before_resource_type] {
        let err = json::from_slice::<Resource>(input.as_bytes()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::TooDeep { limit: 128 }), "{err}");
    }
    // Strict parsing rejects the unknown property before reading it; lenient parsing keeps
    // unknown values, and stops at the same limit.
    let err = json::from_slice::<Resource>(unknown_arrays.as_bytes()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::UnknownProperty { .. }), "{err}");
    for input in [&nested_extensions, &unknown_arrays, &before_resource_type] {
        let err = json::from_slice_lenient::<Resource>(input.as_bytes()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::TooDeep { limit: 128 }), "{err}");
    }
}

#[test]
fn a_100_mb_string_parses_borrowed() {
    let text = "a".repeat(100 * 1024 * 1024);
    let input = format!(r#"{{"resourceType":"Patient","name":[{{"text":"{text}"}}]}}"#);
    let patient: Patient = json::from_str(&input).unwrap();
    let parsed = patient.name[0].text().unwrap();
    assert_eq!(parsed.len(), text.len());
    assert!(parsed.is_borrowed());
}

#[test]
fn lenient_parsing_keeps_and_lists_unknown_properties() {
    let input = br#"{"resourceType":"Patient","name":[{"family":"X","nickname":{"a":[1.50,true,null]}}],"zz":"1"}"#;
    assert!(json::from_slice::<Resource>(input).is_err());
    let parsed = json::from_slice_lenient::<Resource>(input).unwrap();
    let paths: Vec<String> = parsed.unknown.iter().map(ToString::to_string).collect();
    assert_eq!(paths, ["name[0].nickname", "zz"]);
    // Nothing is lost: writing the value back gives the input.
    let diff = json::round_trip_difference::<Resource>(input, ParseOptions::lenient()).unwrap();
    assert_eq!(diff, None);
    let written = json::to_string(&parsed.value);
    assert!(written.contains(r#""nickname":{"a":[1.50,true,null]}"#), "{written}");
}

/// Strings without escapes come back borrowed from the input buffer; with escapes, owned;
/// `into_owned` detaches everything.
#[test]
fn zero_copy_on_a_real_sample() {
    let Some(bytes) = normalized("patientRead.json") else { return };
    let patient: Patient = json::from_slice(&bytes).unwrap();
    let id = patient.id.as_ref().and_then(|p| p.value()).unwrap();
    assert!(id.is_borrowed());
    let range = bytes.as_ptr_range();
    assert!(range.contains(&id.as_str().as_ptr()), "the id points into the input buffer");
    let family = patient.name[0].family.as_ref().and_then(|p| p.value()).unwrap();
    assert!(family.is_borrowed() && range.contains(&family.as_str().as_ptr()));

    let escaped: Patient = json::from_slice(br#"{"resourceType":"Patient","name":[{"family":"O\"Brien"}]}"#).unwrap();
    let family = escaped.name[0].family.as_ref().and_then(|p| p.value()).unwrap();
    assert_eq!(family.as_str(), "O\"Brien");
    assert!(!family.is_borrowed());

    let owned: Patient<'static> = bluebutton::json::IntoOwned::into_owned(patient.clone());
    drop(bytes);
    assert_eq!(owned.id.as_ref().and_then(|p| p.value()).unwrap().as_str(), "567834");
}

#[test]
fn from_reader_gives_an_owned_value() {
    let Some(bytes) = normalized("eobReadPde.json") else { return };
    let resource: Resource<'static> = json::from_reader(&bytes[..]).unwrap();
    assert_eq!(resource.resource_type(), "ExplanationOfBenefit");
    assert_eq!(json::to_string(&resource), json::to_string(&json::from_slice::<Resource>(&bytes).unwrap()));
}
