//! Snapshots of the validation tables built from a tiny hand-written definition set
//! (`tests/fixtures/validation`): a resource with a required binding, a backbone element with
//! a content reference and an invariant; a profile with an extension slice, a renamed choice
//! with a pattern, a subtree that only repeats its type (pruned) and a dropped element; an
//! extension definition with the IG's snapshot defects; value sets with an is-a filter, an
//! exclusion and an external code system; and one served erratum of each kind.
use std::collections::BTreeMap;
use std::path::Path;

use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::validation::{emit, Inputs, Tables};

fn tables() -> Tables {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validation");
    let defs = Definitions::load(&root).unwrap();
    let served_url = |url: &str| {
        url.strip_prefix("http://example.org/StructureDefinition/")
            .map(|n| format!("https://example.org/variables/{n}"))
    };
    let no_variables = |_: &str| None;
    let known_fields = BTreeMap::from([("size".to_string(), "a test catalog".to_string())]);
    let inputs = Inputs {
        defs: &defs,
        served_url: &served_url,
        variable_of_system: &no_variables,
        known_fields,
        fields: &[],
        claim_profiles: Vec::new(),
        blank_of: &|_| None,
    };
    Tables::build(&root, &inputs).unwrap()
}

#[test]
fn listing() {
    let t = tables();
    let text = t.to_string();
    // The profile's `kind` says what Coding says: its children are pruned.
    assert!(text.contains("    kind 0..1 Coding served:0..0\n    value[x]"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn emitted_rust() {
    insta::assert_snapshot!(emit::emit(&tables()));
}

#[test]
fn errata_that_select_nothing_are_errors() {
    let dir = std::env::temp_dir().join(format!("bluebutton-validation-errata-{}", std::process::id()));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validation");
    for sub in ["profiles/fhir-stu3/types", "profiles/fhir-stu3/resources", "profiles/bb2ig", "profiles/errata"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(fixture.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        dir.join("profiles/errata/validation.json"),
        r#"[{"rule":"stale","change":"min","value":0,"profiles":["http://nowhere/*"],"elements":["**"],"evidence":"none"}]"#,
    )
    .unwrap();
    let defs = Definitions::load(&dir).unwrap();
    let none = |_: &str| None;
    let inputs = Inputs {
        defs: &defs,
        served_url: &none,
        variable_of_system: &none,
        known_fields: BTreeMap::new(),
        fields: &[],
        claim_profiles: Vec::new(),
        blank_of: &none,
    };
    let err = Tables::build(&dir, &inputs).unwrap_err();
    assert!(err.contains("`stale` selects nothing"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The project's own definitions: every profile and extension definition of the IG, every
/// STU3 core resource and the datatypes they reach, and every erratum applied (a stale one
/// fails the build).
#[test]
fn project_tables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let t = bluebutton_codegen::generate::load_validation_tables(&root).unwrap();
    let (structures, elements, value_sets, _) = t.counts();
    assert_eq!(t.structures.iter().filter(|s| s.ig).count(), 141, "10 profiles and 131 extension definitions");
    let core_resources = t.structures.iter().filter(|s| !s.ig && s.kind == "resource").count();
    assert_eq!(core_resources, 119, "every STU3 core resource");
    assert!(structures > 300 && value_sets > 250, "{structures} definitions, {value_sets} value sets");
    // Pruning keeps the tables small: about a third of the snapshots' elements.
    assert!(elements < 12_000, "{elements} elements");
    // Required bindings of the core resources are checkable: their value sets are here.
    for url in [
        "http://hl7.org/fhir/ValueSet/medication-dispense-status",
        "http://hl7.org/fhir/ValueSet/allergy-intolerance-type",
    ] {
        let vs = t.value_set(url).unwrap_or_else(|| panic!("{url} is missing"));
        assert!(vs.value_set.includes.iter().all(|i| i.expandable && !i.codes.is_empty()), "{url}");
    }
    assert!(t.errata_matches.iter().all(|&n| n > 0));
    // Every IG extension slice has a served URL.
    for s in t.structures.iter().filter(|s| s.ig) {
        for n in t.nodes_of(s.root) {
            let node = &t.arena.nodes[n];
            if node.url.is_some() {
                assert!(node.served.url.is_some(), "{}: {} has no served url", s.url, node.id);
            }
        }
    }
}

/// The typed model is generated from the model set only: the served resources and those the
/// samples contain. The other core resources are the validator's alone.
#[test]
fn model_set_stays_small() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let defs = Definitions::load(&root).unwrap();
    let resources = |map: &BTreeMap<String, bluebutton_codegen::definitions::StructureDefinition>| -> Vec<String> {
        map.values().filter(|sd| sd.kind == "resource").map(|sd| sd.type_.clone()).collect()
    };
    assert_eq!(
        resources(&defs.core),
        [
            "Bundle",
            "CapabilityStatement",
            "Coverage",
            "DomainResource",
            "ExplanationOfBenefit",
            "Observation",
            "OperationOutcome",
            "Patient",
            "ReferralRequest",
            "Resource"
        ]
    );
    let validation = resources(&defs.validation);
    assert_eq!(validation.len(), 109, "{validation:?}");
    assert!(validation.iter().any(|r| r == "MedicationDispense"));
    let model = bluebutton_codegen::types::ir::Model::build(&defs).unwrap();
    assert_eq!(model.resources.len(), 8, "{:?}", model.resources);
}

/// The derived rules on the fixture: a variable the dictionary places at a required element
/// (`Widget.id`) may be blank; a slice recorded twice repeats; a required base element recorded
/// absent, and a value recorded twice where the base allows one, are deviations (warnings).
#[test]
fn derived_verdicts() {
    use bluebutton_codegen::catalog::{Field, Level, Step};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validation");
    let defs = Definitions::load(&root).unwrap();
    let served_url = |url: &str| {
        url.strip_prefix("http://example.org/StructureDefinition/")
            .map(|n| format!("https://example.org/variables/{n}"))
    };
    let field = Field {
        resource: "Widget".into(),
        level: Level::Root,
        steps: vec![Step { name: "id".into(), filters: Vec::new() }],
        variable: "widget_id".into(),
        label: "Widget identifier".into(),
        claim_types: Default::default(),
        source: "a test dictionary #1".into(),
        accessor: None,
        current: true,
        older: Vec::new(),
        written: Vec::new(),
    };
    let blank = |v: &str| (v == "widget_id").then(|| "a test codebook: `~`".to_string());
    let inputs = Inputs {
        defs: &defs,
        served_url: &served_url,
        variable_of_system: &|_| None,
        known_fields: BTreeMap::new(),
        fields: std::slice::from_ref(&field),
        claim_profiles: Vec::new(),
        blank_of: &blank,
    };
    let t = Tables::build(&root, &inputs).unwrap();
    let verdict = |element: &str| {
        t.verdicts
            .iter()
            .find(|v| v.structure.ends_with("big-widget") && v.element == element)
            .unwrap_or_else(|| panic!("no verdict on {element}:\n{}", t.errata_listing()))
    };
    let id = verdict("Widget.id");
    assert_eq!((id.rule.as_str(), id.served.as_str()), ("variable-may-be-blank", "0..1"));
    assert!(id.evidence.contains("widget_id") && id.evidence.contains("`~`"), "{id}");
    let size = verdict("Widget.extension:size");
    assert_eq!(size.rule, "extension-slices-optional", "the hand-written erratum decides the min first");
    let repeats = t.verdicts.iter().find(|v| v.element == "Widget.extension:size" && v.restriction.starts_with("max"));
    let repeats = repeats.unwrap_or_else(|| panic!("{}", t.errata_listing()));
    assert_eq!((repeats.rule.as_str(), repeats.served.as_str()), ("recorded-repeats", "0..*"));
    assert!(repeats.evidence.contains("current/widgets.json entry[0].resource.extension"), "{repeats}");
    let label = t.verdicts.iter().find(|v| v.element.ends_with("part.label")).expect("a verdict on part.label");
    assert_eq!((label.rule.as_str(), label.served.as_str()), ("recorded-deviation", "warning"));
    let value = verdict("Widget.value[x]:valueCoding");
    assert_eq!((value.rule.as_str(), value.served.as_str()), ("recorded-deviation", "warning"), "{value}");
    insta::assert_snapshot!(t.errata_listing());
}
