//! Any STU3 resource against its core definition, and the profile choice (`auto`, `core`, a
//! known profile by URL).
//!
//! The resources are written as the FHIR STU3 specification's examples are (MedicationDispense,
//! Practitioner, Organization, Condition, Encounter, AllergyIntolerance): each is valid, and
//! each mutation (a missing 1..1 element, a code outside a required binding, a wrong JSON
//! type, an unknown element) gives its error at its location. The checks come from the
//! generated tables of the core definitions; nothing here is hand-written per resource.
mod samples;

use bluebutton::validate::{self, validate_json, KnownProfile, Options, ProfileChoice, Report, Target, UnknownProfile};
use serde_json::{json, Value};

const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";
const BB_PATIENT: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim";
const BB_COVERAGE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-coverage";

fn check(doc: &Value, profile: ProfileChoice) -> Report {
    let text = serde_json::to_vec(doc).unwrap();
    Options::new(Target::Served).profile(profile).validate_json(&text).unwrap()
}

fn core(doc: &Value) -> Report {
    check(doc, ProfileChoice::Core)
}

fn auto(doc: &Value) -> Report {
    check(doc, ProfileChoice::Auto)
}

fn known(url: &str) -> ProfileChoice {
    ProfileChoice::Profile(KnownProfile::new(url).unwrap())
}

fn medication_dispense() -> Value {
    json!({
        "resourceType": "MedicationDispense",
        "id": "meddisp0301",
        "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
            "code": "197361", "display": "Amlodipine 5 MG Oral Tablet"}]},
        "subject": {"reference": "Patient/pat1", "display": "Donald Duck"},
        "performer": [{"actor": {"reference": "Practitioner/f006"}}],
        "authorizingPrescription": [{"reference": "MedicationRequest/medrx0310"}],
        "type": {"coding": [{"system": "http://hl7.org/fhir/v3/ActCode", "code": "RFP",
            "display": "Refill - Part Fill"}]},
        "quantity": {"value": 60, "system": "http://unitsofmeasure.org", "code": "TAB"},
        "daysSupply": {"value": 30, "unit": "Day", "system": "http://unitsofmeasure.org", "code": "d"},
        "whenPrepared": "2015-06-26T07:13:00+05:00",
        "whenHandedOver": "2015-06-27T07:13:00+05:00",
        "dosageInstruction": [{
            "sequence": 1,
            "text": "one tablet daily for hypertension",
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral Route"}]},
            "doseQuantity": {"value": 1, "unit": "TAB", "system": "http://hl7.org/fhir/v3/orderableDrugForm", "code": "TAB"}
        }]
    })
}

fn practitioner() -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": "example",
        "identifier": [{"system": "http://www.acme.org/practitioners", "value": "23"}],
        "active": true,
        "name": [{"family": "Careful", "given": ["Adam"], "prefix": ["Dr"]}],
        "telecom": [{"system": "phone", "value": "(03) 5555 6473", "use": "work"}],
        "address": [{"use": "home", "line": ["534 Erewhon St"], "city": "PleasantVille", "state": "Vic", "postalCode": "3999"}],
        "gender": "male",
        "birthDate": "1961-04-04",
        "qualification": [{
            "identifier": [{"system": "http://example.org/UniversityIdentifier", "value": "12345"}],
            "code": {"coding": [{"system": "http://hl7.org/fhir/v2/0360/2.7", "code": "BS", "display": "Bachelor of Science"}],
                "text": "Bachelor of Science"},
            "period": {"start": "1995"},
            "issuer": {"display": "Example University"}
        }]
    })
}

fn organization() -> Value {
    json!({
        "resourceType": "Organization",
        "id": "hl7",
        "active": true,
        "name": "Health Level Seven International",
        "alias": ["HL7 International"],
        "telecom": [
            {"system": "phone", "value": "(+1) 734-677-7777"},
            {"system": "fax", "value": "(+1) 734-677-6622"},
            {"system": "email", "value": "hq@HL7.org"}
        ],
        "address": [{"line": ["3300 Washtenaw Avenue, Suite 227"], "city": "Ann Arbor", "state": "MI",
            "postalCode": "48104", "country": "USA"}],
        "endpoint": [{"reference": "Endpoint/example"}]
    })
}

fn condition() -> Value {
    json!({
        "resourceType": "Condition",
        "id": "example",
        "clinicalStatus": "active",
        "verificationStatus": "confirmed",
        "category": [{"coding": [
            {"system": "http://hl7.org/fhir/condition-category", "code": "encounter-diagnosis", "display": "Encounter Diagnosis"},
            {"system": "http://snomed.info/sct", "code": "439401001", "display": "Diagnosis"}
        ]}],
        "severity": {"coding": [{"system": "http://snomed.info/sct", "code": "24484000", "display": "Severe"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "39065001", "display": "Burn of ear"}], "text": "Burnt Ear"},
        "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "49521004",
            "display": "Left external ear structure"}], "text": "Left Ear"}],
        "subject": {"reference": "Patient/example"},
        "onsetDateTime": "2012-05-24"
    })
}

fn encounter() -> Value {
    json!({
        "resourceType": "Encounter",
        "id": "f201",
        "identifier": [{"use": "temp", "value": "Encounter_Roel_20130404"}],
        "status": "finished",
        "class": {"system": "http://hl7.org/fhir/v3/ActCode", "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "11429006", "display": "Consultation"}]}],
        "priority": {"coding": [{"system": "http://snomed.info/sct", "code": "17621005", "display": "Normal"}]},
        "subject": {"reference": "Patient/f201", "display": "Roel"},
        "participant": [{"individual": {"reference": "Practitioner/f201"}}],
        "period": {"start": "2013-04-04T11:00:00+01:00", "end": "2013-04-04T11:30:00+01:00"},
        "reason": [{"text": "The patient had fever peaks over the last couple of days. He is worried about these peaks."}],
        "serviceProvider": {"reference": "Organization/f201"}
    })
}

fn allergy_intolerance() -> Value {
    json!({
        "resourceType": "AllergyIntolerance",
        "id": "example",
        "identifier": [{"system": "http://acme.com/ids/patients/risks", "value": "49476534"}],
        "clinicalStatus": "active",
        "verificationStatus": "confirmed",
        "type": "allergy",
        "category": ["food"],
        "criticality": "high",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "227493005", "display": "Cashew nuts"}]},
        "patient": {"reference": "Patient/example"},
        "onsetDateTime": "2004",
        "assertedDate": "2014-10-09T14:58:00+11:00",
        "recorder": {"reference": "Practitioner/example"},
        "asserter": {"reference": "Patient/example"},
        "lastOccurrence": "2012-06",
        "note": [{"text": "The criticality is high because of the observed anaphylactic reaction when challenged with cashew extract."}],
        "reaction": [{
            "substance": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1160593",
                "display": "cashew nut allergenic extract Injectable Product"}]},
            "manifestation": [{"coding": [{"system": "http://snomed.info/sct", "code": "39579001", "display": "Anaphylactic reaction"}]}],
            "description": "Challenge Protocol. Severe reaction to subcutaneous cashew extract. Epinephrine administered",
            "onset": "2012-06-12",
            "severity": "severe",
            "exposureRoute": {"coding": [{"system": "http://snomed.info/sct", "code": "34206005", "display": "Subcutaneous route"}]}
        }]
    })
}

fn all_examples() -> Vec<Value> {
    vec![medication_dispense(), practitioner(), organization(), condition(), encounter(), allergy_intolerance()]
}

/// The value at a JSON pointer, to be changed.
fn at<'v>(doc: &'v mut Value, pointer: &str) -> &'v mut Value {
    doc.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer}"))
}

fn remove(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    at(&mut doc, parent).as_object_mut().unwrap().remove(key).unwrap_or_else(|| panic!("no {pointer}"));
    doc
}

fn set(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    at(&mut doc, parent).as_object_mut().unwrap().insert(key.to_string(), value);
    doc
}

/// The one error of `report`: its rule and location.
fn only_error(report: &Report) -> (&'static str, &str) {
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1, "expected one error:\n{report}");
    (errors[0].rule, errors[0].location.as_str())
}

#[test]
fn spec_examples_are_valid_against_their_core_definitions() {
    for doc in all_examples() {
        let resource_type = doc["resourceType"].as_str().unwrap();
        let expected = format!("{CORE}{resource_type}");
        for report in [core(&doc), auto(&doc)] {
            assert!(report.is_valid(), "{resource_type}:\n{report}");
            assert_eq!(report.profile, Some(expected.as_str()), "{resource_type}");
            // Nothing is left unchecked for want of a definition.
            assert!(!report.findings.iter().any(|f| f.message.contains("no definition")), "{report}");
        }
    }
}

#[test]
fn missing_required_elements() {
    for (doc, pointer, location) in [
        (medication_dispense(), "/medicationCodeableConcept", "MedicationDispense.medication[x]"),
        (practitioner(), "/qualification/0/code", "Practitioner.qualification[0].code"),
        (condition(), "/subject", "Condition.subject"),
        (encounter(), "/status", "Encounter.status"),
        (allergy_intolerance(), "/patient", "AllergyIntolerance.patient"),
        (allergy_intolerance(), "/reaction/0/manifestation", "AllergyIntolerance.reaction[0].manifestation"),
    ] {
        let report = core(&remove(doc, pointer));
        assert_eq!(only_error(&report), ("cardinality-min", location), "{report}");
    }
}

#[test]
fn codes_outside_required_bindings() {
    for (doc, pointer, code, location, value_set) in [
        (medication_dispense(), "/status", "done", "MedicationDispense.status", "medication-dispense-status"),
        (practitioner(), "/gender", "m", "Practitioner.gender", "administrative-gender"),
        (organization(), "/telecom/1/system", "beeper", "Organization.telecom[1].system", "contact-point-system"),
        (condition(), "/clinicalStatus", "gone", "Condition.clinicalStatus", "condition-clinical"),
        (encounter(), "/status", "ongoing", "Encounter.status", "encounter-status"),
        (
            allergy_intolerance(),
            "/criticality",
            "very-high",
            "AllergyIntolerance.criticality",
            "allergy-intolerance-criticality",
        ),
        (
            allergy_intolerance(),
            "/category/0",
            "nuts",
            "AllergyIntolerance.category[0]",
            "allergy-intolerance-category",
        ),
    ] {
        let doc = match pointer.rsplit_once('/') {
            Some((parent, index)) if index.parse::<usize>().is_ok() => {
                let mut doc = doc;
                at(&mut doc, parent)[index.parse::<usize>().unwrap()] = json!(code);
                doc
            }
            _ => set(doc, pointer, json!(code)),
        };
        let report = core(&doc);
        assert_eq!(only_error(&report), ("binding-required", location), "{report}");
        let f = report.errors().next().unwrap();
        assert!(f.message.contains(&format!("http://hl7.org/fhir/ValueSet/{value_set}")), "{f}");
        assert!(f.message.contains(code), "{f}");
    }
}

#[test]
fn wrong_json_types() {
    for (doc, pointer, value, location) in [
        (medication_dispense(), "/quantity/value", json!("60"), "MedicationDispense.quantity.value"),
        (practitioner(), "/active", json!("yes"), "Practitioner.active"),
        (organization(), "/name", json!(42), "Organization.name"),
        (condition(), "/code", json!("Burnt Ear"), "Condition.code"),
        (encounter(), "/period", json!("2013-04-04"), "Encounter.period"),
        (allergy_intolerance(), "/onsetDateTime", json!(2004), "AllergyIntolerance.onsetDateTime"),
        // A repeating element given as a single value.
        (organization(), "/alias", json!("HL7"), "Organization.alias"),
    ] {
        let report = core(&set(doc, pointer, value));
        assert_eq!(only_error(&report), ("type", location), "{report}");
    }
    // A choice written with a type it does not allow.
    let report = core(&set(remove(condition(), "/onsetDateTime"), "/onsetBoolean", json!(true)));
    assert_eq!(only_error(&report), ("type", "Condition.onsetBoolean"), "{report}");
}

#[test]
fn unknown_elements() {
    for (doc, pointer, location) in [
        (medication_dispense(), "/colour", "MedicationDispense.colour"),
        (practitioner(), "/qualification/0/grade", "Practitioner.qualification[0].grade"),
        (organization(), "/address/0/county", "Organization.address[0].county"),
        (condition(), "/code/colour", "Condition.code.colour"),
        (encounter(), "/participant/0/role", "Encounter.participant[0].role"),
        (allergy_intolerance(), "/reaction/0/certainty", "AllergyIntolerance.reaction[0].certainty"),
    ] {
        let report = core(&set(doc, pointer, json!("x")));
        assert_eq!(only_error(&report), ("unknown-element", location), "{report}");
    }
}

#[test]
fn datatypes_only_the_validator_has_are_checked() {
    // `Dosage` is a datatype of no resource of the typed model: its definition is the
    // validator's alone, and its elements are checked.
    let doc = set(medication_dispense(), "/dosageInstruction/0/sequence", json!("first"));
    assert_eq!(only_error(&core(&doc)), ("type", "MedicationDispense.dosageInstruction[0].sequence"));
    let doc = set(medication_dispense(), "/dosageInstruction/0/timing/repeat/periodUnit", json!("fortnight"));
    let report = core(&doc);
    assert_eq!(
        only_error(&report),
        ("binding-required", "MedicationDispense.dosageInstruction[0].timing.repeat.periodUnit")
    );
}

#[test]
fn core_invariants_are_evaluated_from_their_expressions() {
    // mdd-1: whenHandedOver.empty() or whenPrepared.empty() or whenHandedOver >= whenPrepared;
    // the date-times compare as instants (07:13+05:00 is 02:13Z).
    assert!(core(&medication_dispense()).is_valid());
    let early = set(medication_dispense(), "/whenHandedOver", json!("2015-06-26T02:00:00Z"));
    assert_eq!(only_error(&core(&early)), ("mdd-1", "MedicationDispense"));
    let same = set(medication_dispense(), "/whenHandedOver", json!("2015-06-26T02:13:00Z"));
    assert!(core(&same).is_valid(), "{}", core(&same));
    // Of different precision, and equal on what they share: unknown, not an error.
    let day = set(medication_dispense(), "/whenHandedOver", json!("2015-06-26"));
    assert!(core(&day).is_valid(), "{}", core(&day));
    let later_day = set(medication_dispense(), "/whenHandedOver", json!("2015-06-27"));
    assert!(core(&later_day).is_valid(), "{}", core(&later_day));
}

/// A ReferralRequest whose requester acts for an organization: rfr-1 resolves the agent.
fn referral(agent: &str) -> Value {
    json!({"resourceType": "ReferralRequest", "id": "r1", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/example"},
        "requester": {"agent": {"reference": agent}, "onBehalfOf": {"reference": "Organization/o1"}}})
}

#[test]
fn invariants_needing_outside_resources_are_listed_once_with_the_reason() {
    // rfr-1 resolves `requester.agent`: a reference outside the input cannot be resolved here.
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "https://example.org/fhir/ReferralRequest/a", "resource": referral("Practitioner/p1")},
        {"fullUrl": "https://example.org/fhir/ReferralRequest/b", "resource": referral("Practitioner/p2")}
    ]});
    let report = core(&bundle);
    assert!(report.is_valid(), "{report}");
    let notes: Vec<&str> =
        report.findings.iter().filter(|f| f.rule == "not-evaluated").map(|f| f.message.as_str()).collect();
    assert_eq!(notes.len(), 1, "{report}");
    assert!(notes[0].contains("invariant rfr-1 ") && notes[0].contains("outside the input"), "{report}");
    assert!(notes[0].contains("(2 occurrences; the first is shown)"), "{report}");
    // A contained agent resolves: a Device is allowed, an Organization is not.
    let mut local = referral("#d1");
    local["contained"] = json!([{"resourceType": "Device", "id": "d1"}]);
    assert!(core(&local).is_valid(), "{}", core(&local));
    local["contained"] = json!([{"resourceType": "Organization", "id": "d1", "name": "x"}]);
    assert_eq!(only_error(&core(&local)), ("rfr-1", "ReferralRequest.requester"));
}

#[test]
fn core_choice_does_not_judge_a_patient_by_the_blue_button_profile() {
    // Not a beneficiary: no Medicare identifier, no address.
    let patient = json!({"resourceType": "Patient", "id": "p1", "name": [{"family": "Chalmers", "given": ["Peter"]}], "gender": "male"});
    let under_auto = auto(&patient);
    assert_eq!(under_auto.profile, Some(BB_PATIENT));
    assert!(!under_auto.is_valid());
    let under_core = core(&patient);
    assert_eq!(under_core.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
    assert!(under_core.findings.is_empty(), "{under_core}");
    // Still STU3: a gender outside administrative-gender is an error.
    let report = core(&set(patient, "/gender", json!("M")));
    assert_eq!(only_error(&report), ("binding-required", "Patient.gender"));
}

#[test]
fn served_patient_sample_under_core() {
    let Some(bytes) = samples::normalized("patientRead.json") else { return };
    let options = Options::new(Target::Served).profile(ProfileChoice::Core);
    let report = options.validate_json(&bytes).unwrap();
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
    // No finding about the Blue Button profile: its slices, its extensions, its errata.
    for f in &report.findings {
        assert!(
            !matches!(f.rule, "extension-outside-ig" | "slice-cardinality" | "served-deviation" | "profile")
                && !f.message.contains("bluebutton"),
            "{f}"
        );
    }
    // Under auto the same file is checked against the Blue Button profile, as before.
    let auto = validate_json(&bytes, Target::Served).unwrap();
    assert_eq!(auto.profile, Some(BB_PATIENT));
}

#[test]
fn stu3_patient_example_is_valid_under_core() {
    let Some(dir) = samples::shared_data() else { return };
    let bytes = std::fs::read(dir.join("fhirpath/input/stu3-patient-example.json")).unwrap();
    let report = Options::new(Target::Served).profile(ProfileChoice::Core).validate_json(&bytes).unwrap();
    assert!(report.is_valid(), "{report}");
    assert_eq!(report.resource_type, "Patient");
    assert_eq!(report.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
}

#[test]
fn meta_profile_is_followed_under_auto_only() {
    let declared = |url: &str| {
        json!({"resourceType": "Patient", "id": "p1", "meta": {"profile": ["http://example.org/unknown", url]},
            "gender": "female"})
    };
    // A Patient that says it is a plain STU3 Patient is checked as one.
    let report = auto(&declared("http://hl7.org/fhir/StructureDefinition/Patient"));
    assert_eq!(report.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
    assert!(report.is_valid(), "{report}");
    // A profile of another resource type is not this resource's: the default applies.
    assert_eq!(auto(&declared(BB_COVERAGE)).profile, Some(BB_PATIENT));
    // `core` means core only.
    let observation = json!({"resourceType": "Observation", "meta": {"profile": [BB_PATIENT]},
        "status": "final", "code": {"text": "x"}});
    assert_eq!(auto(&observation).profile, Some("http://hl7.org/fhir/StructureDefinition/Observation"));
    let coverage =
        json!({"resourceType": "Coverage", "meta": {"profile": [format!("{CORE}Coverage")]}, "status": "active"});
    assert_eq!(auto(&coverage).profile, Some("http://hl7.org/fhir/StructureDefinition/Coverage"));
    assert_eq!(
        core(&set(coverage.clone(), "/meta/profile", json!([BB_COVERAGE]))).profile,
        Some("http://hl7.org/fhir/StructureDefinition/Coverage")
    );
    let report = auto(&set(coverage, "/meta/profile", json!([BB_COVERAGE])));
    assert_eq!(report.profile, Some(BB_COVERAGE));
    assert!(!report.is_valid(), "the Blue Button coverage profile wants more:\n{report}");
}

#[test]
fn a_profile_by_url() {
    let patient = json!({"resourceType": "Patient", "id": "p1", "gender": "female"});
    let coverage = json!({"resourceType": "Coverage", "id": "c1", "status": "active"});
    // The named profile for resources of its type.
    let report = check(&coverage, known(BB_COVERAGE));
    assert_eq!(report.profile, Some(BB_COVERAGE));
    assert!(!report.is_valid());
    let report = check(&coverage, known(&format!("{CORE}Coverage")));
    assert!(report.is_valid(), "{report}");
    // A resource of another type: an error, and its core definition.
    let report = check(&patient, known(BB_COVERAGE));
    assert_eq!(report.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
    assert_eq!(only_error(&report), ("profile", "Patient"));
    assert!(report.errors().next().unwrap().message.contains("is for Coverage resources"), "{report}");
}

#[test]
fn the_choice_applies_to_each_bundle_entry() {
    // Marital status: STU3 has it, the Blue Button Patient profile prohibits it.
    let patient =
        json!({"resourceType": "Patient", "id": "p1", "gender": "female", "maritalStatus": {"text": "married"}});
    let coverage = json!({"resourceType": "Coverage", "id": "c1", "status": "active"});
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "https://example.org/fhir/Patient/p1", "resource": patient},
        {"fullUrl": "https://example.org/fhir/Coverage/c1", "resource": coverage},
        {"fullUrl": "https://example.org/fhir/Condition/example", "resource": condition()}
    ]});
    let text = serde_json::to_vec(&bundle).unwrap();
    let entry_errors = |report: &Report, i: usize| {
        report.errors().filter(|f| f.location.starts_with(&format!("Bundle.entry[{i}]"))).count()
    };
    for (choice, patient_errors, coverage_errors) in [
        (ProfileChoice::Auto, true, true),
        (ProfileChoice::Core, false, false),
        (known(BB_COVERAGE), false, true),
        (known(BB_PATIENT), true, false),
    ] {
        let options = Options::new(Target::Served).profile(choice);
        let report = options.validate_json(&text).unwrap();
        assert_eq!(report.profile, Some("http://hl7.org/fhir/StructureDefinition/Bundle"));
        assert_eq!(entry_errors(&report, 0) > 0, patient_errors, "{choice}:\n{report}");
        assert_eq!(entry_errors(&report, 1) > 0, coverage_errors, "{choice}:\n{report}");
        assert_eq!(entry_errors(&report, 2), 0, "{choice}:\n{report}");
        // A Bundle read as a stream gives the same report.
        assert_eq!(options.validate_reader(&text[..]).unwrap(), report, "{choice}");
        // No `profile` error for the Bundle itself: the choice is about its entries.
        assert!(!report.findings.iter().any(|f| f.rule == "profile"), "{report}");
    }
}

#[test]
fn the_default_is_auto() {
    assert_eq!(Options::from(Target::Published), Options::new(Target::Published).profile(ProfileChoice::Auto));
    let text = serde_json::to_vec(&json!({"resourceType": "Patient", "id": "p1"})).unwrap();
    let report = validate_json(&text, Target::Served).unwrap();
    assert_eq!(report, Options::default().validate_json(&text).unwrap());
    assert_eq!(report.profile, Some(BB_PATIENT));
    let resource: bluebutton::Resource = bluebutton::json::from_slice(&text).unwrap();
    assert_eq!(validate::validate(&resource), report);
}

#[test]
fn profile_choices_parse() {
    assert_eq!("auto".parse::<ProfileChoice>(), Ok(ProfileChoice::Auto));
    assert_eq!("core".parse::<ProfileChoice>(), Ok(ProfileChoice::Core));
    let ProfileChoice::Profile(p) = BB_PATIENT.parse::<ProfileChoice>().unwrap() else { panic!("a profile") };
    assert_eq!((p.url(), p.resource_type(), p.is_ig()), (BB_PATIENT, "Patient", true));
    let p = KnownProfile::new("http://hl7.org/fhir/StructureDefinition/MedicationDispense").unwrap();
    assert!(!p.is_ig());
    // Every IG profile and every concrete core resource is known.
    let all = KnownProfile::all();
    assert_eq!(all.iter().filter(|p| p.is_ig()).count(), 10);
    assert_eq!(all.iter().filter(|p| !p.is_ig()).count(), 117);
    // Unknown: extension definitions, datatypes, abstract bases, anything else.
    for url in [
        "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-race-extension",
        "http://hl7.org/fhir/StructureDefinition/Coding",
        "http://hl7.org/fhir/StructureDefinition/DomainResource",
        "Patient",
    ] {
        let err: UnknownProfile = url.parse::<ProfileChoice>().unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&format!("unknown profile `{url}`")), "{text}");
        assert!(text.contains(BB_PATIENT) && text.contains(BB_COVERAGE), "{text}");
        assert!(text.contains("bluebutton-pde-claim"), "{text}");
    }
}
