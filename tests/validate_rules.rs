//! Each validation rule on a small document: the finding's rule, severity and location.
//! Self-contained (no `../shared` needed).
use bluebutton::json;
use bluebutton::resources::OperationOutcome;
use bluebutton::validate::{self, validate_json, Finding, Report, Severity, Target};
use bluebutton::Resource;

fn served(doc: &str) -> Report {
    validate_json(doc.as_bytes(), Target::Served).unwrap_or_else(|e| panic!("not JSON: {e}\n{doc}"))
}

fn published(doc: &str) -> Report {
    validate_json(doc.as_bytes(), Target::Published).unwrap()
}

/// The finding of `rule` at `location`, or a panic showing the report.
fn finding<'r>(report: &'r Report, rule: &str, location: &str) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.location == location)
        .unwrap_or_else(|| panic!("no [{rule}] at {location} in:\n{report}"))
}

fn error<'r>(report: &'r Report, rule: &str, location: &str) -> &'r Finding {
    let f = finding(report, rule, location);
    assert_eq!(f.severity, Severity::Error, "{f}");
    f
}

fn assert_clean(report: &Report) {
    assert!(report.is_valid(), "expected no error:\n{report}");
}

/// A minimal Observation (checked against its STU3 definition).
fn observation(extra: &str) -> String {
    format!(r#"{{"resourceType":"Observation","status":"final","code":{{"text":"x"}}{extra}}}"#)
}

/// A Patient that the served Blue Button profile accepts, with `extra` members.
fn patient(extra: &str) -> String {
    format!(
        r#"{{"resourceType":"Patient","id":"p1","identifier":[{{"system":"https://bluebutton.cms.gov/resources/variables/bene_id","value":"1"}}],"name":[{{"use":"usual","family":"Doe","given":["Jane"]}}],"gender":"female","address":[{{"state":"15","postalCode":"12345"}}]{extra}}}"#
    )
}

const RACE: &str = "https://bluebutton.cms.gov/resources/variables/race";

#[test]
fn baselines_are_valid() {
    assert_clean(&served(&observation("")));
    let p = served(&patient(""));
    assert_clean(&p);
    assert_eq!(p.profile, Some("http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim"));
    assert!(p.findings.is_empty(), "{p}");
}

#[test]
fn cardinality_min_is_at_the_missing_element() {
    let r = served(r#"{"resourceType":"Observation","code":{"text":"x"}}"#);
    let f = error(&r, "cardinality-min", "Observation.status");
    assert_eq!((f.expected.as_deref(), f.found.as_deref()), (Some("at least 1"), Some("0")));
    // A required choice is named with [x].
    let r = served(&patient("").replace(r#""use":"usual","#, ""));
    error(&r, "cardinality-min", "Patient.name[0].use");
}

#[test]
fn cardinality_max_on_a_profiled_repeat() {
    // The patient profile allows one name (STU3 allows many).
    let two = patient("").replace(r#""name":[{"#, r#""name":[{"family":"A","use":"usual","given":["B"]},{"#);
    error(&served(&two), "cardinality-max", "Patient.name");
}

#[test]
fn prohibited_elements() {
    let r = served(&patient(r#","telecom":[{"system":"phone","value":"1"}]"#));
    error(&r, "prohibited", "Patient.telecom");
}

#[test]
fn json_types() {
    error(&served(&observation(r#","issued":20200101"#)), "type", "Observation.issued");
    // A single value where an array belongs, and an array where a single value belongs.
    error(&served(&observation(r#","category":{"text":"x"}"#)), "type", "Observation.category");
    let r = served(r#"{"resourceType":"Observation","status":["final","final"],"code":{"text":"x"}}"#);
    error(&r, "type", "Observation.status");
    // A decimal given as a string.
    error(&served(&observation(r#","valueQuantity":{"value":"1.5"}"#)), "type", "Observation.valueQuantity.value");
    // A choice with a type it does not allow, and a choice given twice.
    error(&served(&observation(r#","valueUri":"x""#)), "type", "Observation.valueUri");
    let twice = observation(r#","valueString":"x","valueBoolean":true"#);
    error(&served(&twice), "cardinality-max", "Observation.valueBoolean");
    // An empty object where a resource belongs.
    let empty = r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{}}]}"#;
    error(&served(empty), "json-empty", "Bundle.entry[0].resource");
}

#[test]
fn unknown_elements() {
    let r = served(&observation(r#","colour":"red""#));
    let f = error(&r, "unknown-element", "Observation.colour");
    assert!(f.message.contains("colour"), "{f}");
    // meta is an Observation element but the patient profile's snapshot drops it: an error
    // as published, restored by an erratum when served.
    let with_meta = patient(r#","meta":{"lastUpdated":"2020-01-01T00:00:00Z"}"#);
    let r = published(&with_meta);
    let f = error(&r, "unknown-element", "Patient.meta");
    assert!(f.message.contains("snapshot leaves it out"), "{f}");
    assert_clean(&served(&with_meta));
}

#[test]
fn primitive_formats() {
    let r = served(&observation(r#","issued":"2020-13-01T00:00:00Z""#));
    let f = error(&r, "primitive", "Observation.issued");
    assert_eq!(f.found.as_deref(), Some("\"2020-13-01T00:00:00Z\""));
    error(&served(&observation(r#","id":"IGNORED_FIELD""#)), "primitive", "Observation.id");
    error(&served(&observation(r#","comment":"""#)), "primitive", "Observation.comment");
    error(&served(&patient("").replace(r#""use":"usual""#, r#""use":"usual ""#)), "primitive", "Patient.name[0].use");
    error(&served(&patient(r#","birthDate":"1970-02-30""#)), "primitive", "Patient.birthDate");
    let r = served(r#"{"resourceType":"Bundle","type":"searchset","total":-1}"#);
    error(&r, "primitive", "Bundle.total");
}

/// Strings read without escapes are checked as the typed parser checks JSON text (which
/// cannot hold a control character raw); escaped ones, and the strings of a `Value` built in
/// code, which may borrow any text, get every check of their format.
#[test]
fn primitive_formats_of_escaped_and_built_strings() {
    // A code with repeated whitespace, and a string with a form feed, written as escapes.
    let code = served(&patient("").replace(r#""use":"usual""#, r#""use":"us\t\tual""#));
    error(&code, "primitive", "Patient.name[0].use");
    error(&served(&observation(r#","comment":"a\fb""#)), "primitive", "Observation.comment");
    assert_clean(&served(&observation(r#","comment":"a\tb""#)));
    // The same texts borrowed as they are by a `Value` built in code.
    let built = |doc: &str, key: &str, text: &'static str| {
        let mut value: json::Value<'_> = json::from_str(doc).unwrap();
        assert!(set_strings(&mut value, key, text), "{key} in {doc}");
        validate::validate_value(&value, Target::Served)
    };
    error(&built(&patient(""), "use", "us\t\tual"), "primitive", "Patient.name[0].use");
    error(&built(&observation(r#","comment":"x""#), "comment", "a\u{c}b"), "primitive", "Observation.comment");
    assert_clean(&built(&observation(r#","comment":"x""#), "comment", "a\tb"));
}

/// Sets every string member named `key` to borrow `text`; whether there was one.
fn set_strings<'a>(value: &mut json::Value<'a>, key: &str, text: &'a str) -> bool {
    let mut found = false;
    match value {
        json::Value::Object(members) => {
            for (k, v) in members {
                if k == key && matches!(v, json::Value::String(_)) {
                    *v = json::Value::String(std::borrow::Cow::Borrowed(text));
                    found = true;
                } else {
                    found |= set_strings(v, key, text);
                }
            }
        }
        json::Value::Array(items) => {
            for item in items {
                found |= set_strings(item, key, text);
            }
        }
        _ => {}
    }
    found
}

#[test]
fn fixed_values() {
    // The IG's race extension fixes its url to `StructureDefinition/PatientRace` instead of its
    // canonical URL: published, an extension using the canonical URL breaks the fixed value.
    let ig = "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-race-extension";
    let ext = format!(
        r#","extension":[{{"url":"{ig}","valueCoding":{{"system":"http://hl7.org/fhir/CodeSystem/race","code":"1"}}}}]"#
    );
    let r = published(&patient(&ext));
    let f = error(&r, "fixed", "Patient.extension[0].url");
    assert_eq!(f.expected.as_deref(), Some("\"StructureDefinition/PatientRace\""));
}

#[test]
fn required_bindings() {
    let r = served(r#"{"resourceType":"Observation","status":"done","code":{"text":"x"}}"#);
    let f = error(&r, "binding-required", "Observation.status");
    assert_eq!(f.found.as_deref(), Some("done"));
    // Published, the IG binds gender to its own code system; served, to STU3's.
    let r = published(&patient(""));
    error(&r, "binding-required", "Patient.gender");
    error(&served(&patient("").replace("female", "f")), "binding-required", "Patient.gender");
    // A Coding is blamed at its code.
    let coded = observation(r#","valueQuantity":{"value":1,"comparator":"~"}"#);
    error(&served(&coded), "binding-required", "Observation.valueQuantity.comparator");
}

#[test]
fn codebook_bindings_are_extensible_when_served() {
    let ext = format!(r#","extension":[{{"url":"{RACE}","valueCoding":{{"system":"{RACE}","code":"Z"}}}}]"#);
    let r = served(&patient(&ext));
    assert_clean(&r);
    let f = finding(&r, "binding-extensible", "Patient.extension[0].valueCoding.code");
    assert_eq!(f.severity, Severity::Warning);
    let ok = format!(r#","extension":[{{"url":"{RACE}","valueCoding":{{"system":"{RACE}","code":"1"}}}}]"#);
    assert!(served(&patient(&ok)).findings.is_empty());
}

#[test]
fn unknown_code_systems_are_information() {
    let r = served(&observation(r#","valueAttachment":{"contentType":"text/plain"}"#));
    assert_clean(&r);
    let f = finding(&r, "code-system-unknown", "Observation.valueAttachment.contentType");
    assert_eq!(f.severity, Severity::Information);
}

#[test]
fn slice_cardinality() {
    let one = format!(r#"{{"url":"{RACE}","valueCoding":{{"system":"{RACE}","code":"1"}}}}"#);
    let r = served(&patient(&format!(r#","extension":[{one},{one}]"#)));
    error(&r, "slice-cardinality", "Patient.extension");
    // A required slice that is missing is located as `<element>:<slice>`.
    let eob = r#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1","status":"active"}"#;
    let r = published(eob);
    error(&r, "slice-cardinality", "ExplanationOfBenefit.extension:carrier-prpayamt-extension");
    assert!(!served(eob).findings.iter().any(|f| f.rule == "slice-cardinality"));
}

#[test]
fn extensions_outside_the_ig() {
    let ext = r#","extension":[{"url":"https://bluebutton.cms.gov/resources/variables/dual_01","valueCoding":{"code":"AA"}}]"#;
    let r = served(&patient(ext));
    assert_clean(&r);
    let f = finding(&r, "extension-outside-ig", "Patient.extension[0]");
    assert_eq!(f.severity, Severity::Information);
    assert!(f.message.contains("dual_01"), "{f}");
}

#[test]
fn references() {
    let r = served(&observation(r##","subject":{"reference":"#nowhere"}"##));
    error(&r, "ref-1", "Observation.subject.reference");
    let r = served(&observation(r##","subject":{"reference":"#"}"##));
    error(&r, "reference-local", "Observation.subject.reference");
    error(
        &served(&observation(r#","subject":{"reference":"IGNORED_FIELD"}"#)),
        "reference-shape",
        "Observation.subject.reference",
    );
    error(
        &served(&observation(r#","subject":{"reference":"Nothing/1"}"#)),
        "reference-shape",
        "Observation.subject.reference",
    );
    error(
        &served(&observation(r#","subject":{"reference":"Patient/a b"}"#)),
        "reference-shape",
        "Observation.subject.reference",
    );
    error(
        &served(&observation(r#","subject":{"reference":"Coverage/1"}"#)),
        "reference-target",
        "Observation.subject.reference",
    );
    assert_clean(&served(&observation(r#","subject":{"reference":"Patient/1/_history/2"}"#)));
    assert_clean(&served(&observation(r#","subject":{"reference":"https://example.org/fhir/Patient/1"}"#)));
    // A local reference to a contained resource resolves, and the contained one is referenced.
    let contained = r##","contained":[{"resourceType":"Patient","id":"p"}],"subject":{"reference":"#p"}"##;
    assert_clean(&served(&observation(contained)));
}

#[test]
fn contained_resources() {
    let unreferenced = r#","contained":[{"resourceType":"Patient","id":"p"}]"#;
    error(&served(&observation(unreferenced)), "dom-3", "Observation.contained[0]");
    let nested = r##","contained":[{"resourceType":"Patient","id":"p","contained":[{"resourceType":"Patient","id":"q"}]}],"subject":{"reference":"#p"}"##;
    error(&served(&observation(nested)), "dom-2", "Observation.contained[0].contained");
    let dated = r##","contained":[{"resourceType":"Patient","id":"p","meta":{"lastUpdated":"2020-01-01T00:00:00Z"}}],"subject":{"reference":"#p"}"##;
    error(&served(&observation(dated)), "dom-4", "Observation.contained[0].meta.lastUpdated");
    // A contained resource is checked against its STU3 definition.
    let bad = r##","contained":[{"resourceType":"Patient","id":"p","gender":"f"}],"subject":{"reference":"#p"}"##;
    error(&served(&observation(bad)), "binding-required", "Observation.contained[0].gender");
}

#[test]
fn element_invariants() {
    let only_id = observation(r#","code":{"id":"c"}"#).replace(r#""code":{"text":"x"},"#, "");
    error(&served(&only_id), "ele-1", "Observation.code");
    error(&served(&patient(r#","_birthDate":{"id":"b"}"#)), "ele-1", "Patient._birthDate");
    let both = r#","extension":[{"url":"http://example.org/x","valueString":"a","extension":[{"url":"y","valueString":"b"}]}]"#;
    error(&served(&observation(both)), "ext-1", "Observation.extension[0]");
    let neither = r#","extension":[{"url":"http://example.org/x"}]"#;
    error(&served(&observation(neither)), "ext-1", "Observation.extension[0]");
    let no_url = r#","extension":[{"valueString":"a"}]"#;
    error(&served(&observation(no_url)), "cardinality-min", "Observation.extension[0].url");
    let backwards = r#","effectivePeriod":{"start":"2020-02-01","end":"2020-01-01"}"#;
    error(&served(&observation(backwards)), "per-1", "Observation.effectivePeriod");
    let unsystematic = r#","valueQuantity":{"value":1,"code":"mg"}"#;
    error(&served(&observation(unsystematic)), "qty-3", "Observation.valueQuantity");
    let bundle = r#"{"resourceType":"Bundle","type":"collection","total":1}"#;
    error(&served(bundle), "bdl-1", "Bundle");
    // Evaluated from the definitions' expressions: a value needs a code (a path operand of
    // `or` reads as whether it exists), in the system the type names.
    let age = |q: &str| observation(&format!(r#","extension":[{{"url":"http://example.org/age","valueAge":{q}}}]"#));
    let at = "Observation.extension[0].valueAge";
    error(&served(&age(r#"{"value":4,"system":"http://unitsofmeasure.org"}"#)), "age-1", at);
    assert_clean(&served(&age(r#"{"value":4,"system":"http://unitsofmeasure.org","code":"a"}"#)));
    error(&served(&age(r#"{"value":-4,"system":"http://unitsofmeasure.org","code":"a"}"#)), "age-1", at);
    // Timing: a duration needs a durationUnit; the decimals compare exactly.
    let timing = |r: &str| {
        observation(&format!(r#","extension":[{{"url":"http://example.org/t","valueTiming":{{"repeat":{r}}}}}]"#))
    };
    let at = "Observation.extension[0].valueTiming.repeat";
    error(&served(&timing(r#"{"duration":1.5}"#)), "tim-1", at);
    error(&served(&timing(r#"{"duration":-0.000000000000000000001,"durationUnit":"h"}"#)), "tim-4", at);
    assert_clean(&served(&timing(r#"{"duration":0.000,"durationUnit":"h"}"#)));
}

#[test]
fn json_rules() {
    error(&served(&observation(r#","issued":null"#)), "json-null", "Observation.issued");
    error(&served(&observation(r#","category":[]"#)), "json-empty", "Observation.category");
    error(&served(&observation(r#","valueQuantity":{}"#)), "json-empty", "Observation.valueQuantity");
    error(&served(&patient(r#","_birthDate":{}"#)), "json-empty", "Patient._birthDate");
    error(&served(&patient(r#","_birthDate":null"#)), "json-null", "Patient._birthDate");
    // An empty object is still checked: what it lacks is reported where it belongs.
    let r =
        served(&patient("").replace(r#""name":[{"use":"usual","family":"Doe","given":["Jane"]}]"#, r#""name":[{}]"#));
    error(&r, "json-empty", "Patient.name[0]");
    error(&r, "cardinality-min", "Patient.name[0].use");
    assert!(!r.findings.iter().any(|f| f.rule == "ele-1"), "{r}");
    let nested = patient("").replace(r#""given":["Jane"]"#, r#""given":["Jane"],"_given":[[]]"#);
    error(&served(&nested), "json-empty", "Patient.name[0]._given[0]");
    let duplicate = r#"{"resourceType":"Observation","status":"final","status":"final","code":{"text":"x"}}"#;
    error(&served(duplicate), "json", "Observation.status");
    // Nulls stand for values that only have extensions, and must align with the `_` array.
    let ext = r#"{"extension":[{"url":"http://example.org/x","valueString":"y"}]}"#;
    let aligned =
        patient("").replace(r#""given":["Jane"]"#, &format!(r#""given":["Jane",null],"_given":[null,{ext}]"#));
    assert_clean(&served(&aligned));
    let bare = patient("").replace(r#""given":["Jane"]"#, r#""given":["Jane",null]"#);
    error(&served(&bare), "json-null", "Patient.name[0].given[1]");
    let both = aligned
        .replace(r#""_given":[null,"#, r#""_given":[null,null,"#)
        .replace(r#""given":["Jane",null]"#, r#""given":["Jane",null,null]"#);
    error(&served(&both), "json-null", "Patient.name[0]._given[1]");
    // Not a resource at all is a report, not an Err; not JSON is an Err.
    error(&served("[1]"), "json", "");
    error(&served("{}"), "cardinality-min", "resourceType");
    error(&served(r#"{"resourceType":"Widget"}"#), "type", "Widget.resourceType");
    assert!(validate_json(b"{", Target::Served).is_err());
}

#[test]
fn invariants_not_evaluated_are_listed_once() {
    // rfr-1: (agent.resolve() is Device) or (agent.resolve() is Practitioner) or
    // onBehalfOf.exists().not(). Without onBehalfOf it holds, whatever the agent is.
    let referral = r#"{"resourceType":"ReferralRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"requester":{"agent":{"reference":"Practitioner/1"}}}"#;
    let r = served(referral);
    assert!(r.findings.is_empty(), "{r}");
    // With it, the answer needs the agent, which is outside the input.
    let referral = referral.replace(r#""requester":{"#, r#""requester":{"onBehalfOf":{"reference":"Organization/1"},"#);
    let r = served(&referral);
    assert_clean(&r);
    let f = finding(&r, "not-evaluated", "ReferralRequest.requester");
    assert!(f.message.contains("rfr-1") && f.message.contains("`Practitioner/1`"), "{f}");
    assert_eq!(r.findings.iter().filter(|f| f.rule == "not-evaluated").count(), 1);
}

#[test]
fn served_deviations_are_warnings() {
    let referral = r#"{"resourceType":"ReferralRequest","status":"active","subject":{"reference":"Patient/1"}}"#;
    let r = served(referral);
    let f = finding(&r, "served-deviation", "ReferralRequest.intent");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("referral-without-intent"), "{f}");
    error(&published(referral), "cardinality-min", "ReferralRequest.intent");
}

#[test]
fn profiles_by_resource_and_claim_type() {
    let r = served(r#"{"resourceType":"ExplanationOfBenefit","id":"pde-1"}"#);
    assert_eq!(r.profile, Some("http://hl7.org/fhir/StructureDefinition/bluebutton-pde-claim"));
    let r = served(r#"{"resourceType":"ExplanationOfBenefit","id":"x"}"#);
    assert_eq!(r.profile, Some("http://hl7.org/fhir/StructureDefinition/ExplanationOfBenefit"));
    assert_eq!(finding(&r, "profile", "ExplanationOfBenefit").severity, Severity::Warning);
    // Each entry of a Bundle is checked against its own profile, at its own location.
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[{{"resource":{}}},{{"resource":{}}}]}}"#,
        patient(""),
        observation("").replace(r#""status":"final","#, "")
    );
    let r = served(&bundle);
    error(&r, "cardinality-min", "Bundle.entry[1].resource.status");
    assert_eq!(r.errors().count(), 1, "{r}");
}

#[test]
fn all_findings_are_collected() {
    let doc = r##"{"resourceType":"Observation","issued":"x","code":{},"colour":1,"subject":{"reference":"#no"}}"##;
    let r = served(doc);
    for (rule, at) in [
        ("cardinality-min", "Observation.status"),
        ("primitive", "Observation.issued"),
        ("json-empty", "Observation.code"),
        ("unknown-element", "Observation.colour"),
        ("ref-1", "Observation.subject.reference"),
    ] {
        error(&r, rule, at);
    }
}

#[test]
fn typed_resources_and_assertions() {
    let text = patient("");
    let resource: Resource<'_> = json::from_str(&text).unwrap();
    assert_clean(&validate::validate(&resource));
    validate::assert_valid(text.as_bytes());
    let r = validate::validate_with(&resource, Target::Published);
    assert!(!r.is_valid());
}

#[test]
#[should_panic(expected = "error [cardinality-min] Observation.status")]
fn assert_valid_shows_the_report() {
    validate::assert_valid(br#"{"resourceType":"Observation","code":{"text":"x"}}"#);
}

#[test]
fn reports_read_and_convert() {
    let r = served(r#"{"resourceType":"Observation","code":{"text":"x"},"colour":1}"#);
    let text = r.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let summary = "INVALID Observation (http://hl7.org/fhir/StructureDefinition/Observation, served): 2 error(s), 0 warning(s), 0 information";
    assert_eq!(lines[0], summary, "{text}");
    assert!(lines.iter().any(|l| l.starts_with("error [cardinality-min] Observation.status: ")), "{text}");
    assert_eq!(lines.len(), 1 + r.findings.len());
    let outcome: OperationOutcome<'static> = r.to_operation_outcome();
    let written = json::to_string(&outcome);
    assert!(written.contains(r#""severity":"error","code":"required""#), "{written}");
    assert!(written.contains(r#""code":"unknown-element""#), "{written}");
    assert!(written.contains(r#""expression":["Observation.colour"]"#), "{written}");
    let clean = served(&observation("")).to_operation_outcome();
    assert!(json::to_string(&clean).contains(r#""code":"informational""#));
}

/// An Observation whose extension nests `depth` extensions; the innermost has neither a value
/// nor extensions (ext-1).
fn nested_extensions(depth: usize) -> String {
    let open = r#"{"url":"http://example.org/x","extension":["#;
    let nested = format!("{}{}{}", open.repeat(depth), r#"{"url":"http://example.org/x"}"#, "]}".repeat(depth));
    observation(&format!(r#","extension":[{nested}]"#))
}

#[test]
fn deep_nesting_is_walked_without_overflow() {
    // 100,000 nested extensions: past the parser's depth limit (128 levels), an error, never a
    // stack overflow, from every reader.
    let hostile = nested_extensions(100_000);
    let limit = |e: json::Error| matches!(e.kind(), json::ErrorKind::TooDeep { .. });
    assert!(validate_json(hostile.as_bytes(), Target::Served).is_err_and(limit));
    assert!(validate::validate_reader(hostile.as_bytes(), Target::Served).is_err_and(limit));
    assert!(json::from_str::<Resource<'_>>(&hostile).is_err_and(limit));
    let too_deep = "[".repeat(200) + &"]".repeat(200);
    assert!(validate_json(too_deep.as_bytes(), Target::Served).is_err());

    // The deepest nesting the parser accepts is walked to the bottom.
    let deepest =
        (0..200).take_while(|&d| validate_json(nested_extensions(d).as_bytes(), Target::Served).is_ok()).last();
    let depth = deepest.expect("some nesting parses");
    assert!(depth > 50, "{depth}");
    let r = served(&nested_extensions(depth));
    let location = format!("Observation{}", ".extension[0]".repeat(depth + 1));
    let f = error(&r, "ext-1", &location);
    assert_eq!(r.errors().count(), 1, "{r}");

    // Text shortens the location: leading segments, how many are left out, the last one.
    let text = f.to_string();
    let (head, rest) = text.strip_prefix("error [ext-1] ").unwrap().split_once('…').unwrap();
    let (count, tail) = rest.split_once('…').unwrap();
    let kept = head.split('.').count();
    assert!(head.starts_with("Observation.extension[0].extension[0]"), "{text}");
    assert_eq!(count, format!("({} more)", depth + 2 - kept - 1), "{text}");
    assert!(tail.starts_with("extension[0]: an extension has either"), "{text}");
    assert!(text.chars().count() < validate::LOCATION_TEXT_LIMIT + f.message.chars().count() + 20, "{text}");
    assert!(r.to_string().lines().any(|l| l == text), "{r}");
    // JSON keeps it whole.
    assert!(f.to_issue_json().contains(&format!(r#""expression":["{location}"]"#)));
    let outcome = json::to_string(&r.to_operation_outcome());
    assert!(outcome.contains(&format!(r#""location":["{location}"]"#)), "{outcome}");
    assert!(!outcome.contains('…'));
}

#[test]
fn report_text_lists_errors_first() {
    // Found in this order: an extension outside the IG (information), a code outside a
    // codebook (warning), a bad date (error).
    let outside = r#"{"url":"https://bluebutton.cms.gov/resources/variables/dual_01","valueCoding":{"code":"AA"}}"#;
    let race = format!(r#"{{"url":"{RACE}","valueCoding":{{"system":"{RACE}","code":"Z"}}}}"#);
    let r = served(&patient(&format!(r#","extension":[{outside},{race}],"birthDate":"1970-13""#)));
    let found: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    assert_eq!(found, [Severity::Information, Severity::Warning, Severity::Error]);
    let text = r.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("INVALID Patient ("), "{text}");
    assert!(lines[0].ends_with(", served): 1 error(s), 1 warning(s), 1 information"), "{text}");
    assert!(lines[1].starts_with("error [primitive] Patient.birthDate: "), "{text}");
    assert!(lines[2].starts_with("warning [binding-extensible] Patient.extension[1].valueCoding.code: "), "{text}");
    assert!(lines[3].starts_with("information [extension-outside-ig] Patient.extension[0]: "), "{text}");
    assert_eq!(lines.len(), 4);
    // The OperationOutcome keeps the order found.
    let outcome = json::to_string(&r.to_operation_outcome());
    let at = |needle: &str| outcome.find(needle).unwrap_or_else(|| panic!("{needle} in {outcome}"));
    assert!(at(r#""severity":"information""#) < at(r#""severity":"warning""#));
    assert!(at(r#""severity":"warning""#) < at(r#""severity":"error""#));
}

/// A Blue Button v2 (FHIR R4) carrier claim in the shape of the CARIN BB professional
/// non-clinician profile, reduced to one line and one of each part.
const R4_CARRIER: &str = r#"{
  "resourceType": "ExplanationOfBenefit",
  "id": "carrier-10525061996",
  "meta": {
    "lastUpdated": "2021-05-17T15:33:30.551-04:00",
    "profile": ["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician"]
  },
  "identifier": [{
    "type": {"coding": [{"system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType", "code": "uc"}]},
    "system": "https://bluebutton.cms.gov/resources/variables/clm_id",
    "value": "-10525061996"
  }],
  "status": "active",
  "type": {"coding": [
    {"system": "https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd", "code": "71"},
    {"system": "https://bluebutton.cms.gov/resources/codesystem/eob-type", "code": "CARRIER"},
    {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}
  ]},
  "use": "claim",
  "patient": {"reference": "Patient/-10000000000066"},
  "billablePeriod": {"start": "1999-10-27", "end": "1999-10-27"},
  "created": "2021-05-17T15:33:30-04:00",
  "insurer": {"identifier": {"value": "CMS"}},
  "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "9999999999"}},
  "outcome": "complete",
  "careTeam": [{
    "sequence": 1,
    "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "8888888888"}},
    "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "code": "primary"}]}
  }],
  "supportingInfo": [{
    "sequence": 1,
    "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "code": "info"}]},
    "code": {"coding": [{"system": "https://bluebutton.cms.gov/resources/variables/nch_near_line_rec_ident_cd", "code": "O"}]}
  }],
  "diagnosis": [{
    "sequence": 1,
    "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "A02"}]},
    "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/ex-diagnosistype", "code": "principal"}]}]
  }],
  "insurance": [{"focal": true, "coverage": {"reference": "Coverage/part-b--10000000000066"}}],
  "item": [{
    "sequence": 1,
    "careTeamSequence": [1],
    "productOrService": {"coding": [{"system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs", "code": "92999"}]},
    "servicedPeriod": {"start": "1999-10-27", "end": "1999-10-27"},
    "adjudication": [{
      "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "submitted"}]},
      "amount": {"value": 75.0, "currency": "USD"}
    }]
  }],
  "total": [{
    "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "submitted"}]},
    "amount": {"value": 75.0, "currency": "USD"}
  }],
  "payment": {"amount": {"value": 75.0, "currency": "USD"}}
}"#;

#[test]
fn r4_resources_get_one_finding() {
    let profile = "C4BB-ExplanationOfBenefit-Professional-NonClinician";
    for target in [Target::Served, Target::Published] {
        let r = validate_json(R4_CARRIER.as_bytes(), target).unwrap();
        assert_eq!(r.findings.len(), 1, "{r}");
        let f = error(&r, "fhir-version", "ExplanationOfBenefit");
        assert!(f.message.contains("FHIR R4 resource (Blue Button v2), not STU3"), "{f}");
        assert!(f.message.contains("`use`, `supportingInfo`, `total` exist only in R4"), "{f}");
        assert!(f.message.contains(profile), "{f}");
        assert_eq!(r.profile, None);
    }
    // Without its profile, its R4-only elements tell it.
    let unprofiled =
        R4_CARRIER.replace(&format!(r#""http://hl7.org/fhir/us/carin-bb/StructureDefinition/{profile}""#), "");
    let r = served(&unprofiled.replace(r#""profile": [],"#, ""));
    let f = error(&r, "fhir-version", "ExplanationOfBenefit");
    assert!(!f.message.contains("meta.profile"), "{f}");
    assert_eq!(r.findings.len(), 1, "{r}");
    // In a Bundle: at the entry, the other entries checked as ever, the same when streamed.
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[{{"resource":{R4_CARRIER}}},{{"resource":{}}}]}}"#,
        patient(r#","birthDate":"1970-13""#)
    );
    let r = served(&bundle);
    error(&r, "fhir-version", "Bundle.entry[0].resource");
    error(&r, "primitive", "Bundle.entry[1].resource.birthDate");
    assert_eq!(r.findings.len(), 2, "{r}");
    assert_eq!(validate::validate_reader(bundle.as_bytes(), Target::Served).unwrap(), r);
    // A Coverage and a Patient of Blue Button v2, told by their profiles.
    let coverage = r#"{"resourceType":"Coverage","id":"part-a--10000000000066","meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Coverage"]},"status":"active","beneficiary":{"reference":"Patient/-10000000000066"},"payor":[{"identifier":{"value":"CMS"}}],"class":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/coverage-class","code":"plan"}]},"value":"Part A"}]}"#;
    let r = served(coverage);
    assert!(error(&r, "fhir-version", "Coverage").message.contains("`class` exists only in R4"), "{r}");
    assert_eq!(r.findings.len(), 1, "{r}");
    let v2_patient =
        patient(r#","meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient"]}"#);
    assert_eq!(served(&v2_patient).findings.len(), 1);
    error(&served(&v2_patient), "fhir-version", "Patient");
    // Profiles of other guides are no evidence.
    let other = patient(r#","meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]}"#);
    assert!(!served(&other).findings.iter().any(|f| f.rule == "fhir-version"), "{}", served(&other));
}
