//! Reviewed snapshots of what the generator derives from the project's definitions about the
//! served data: the field catalog (every CCW variable and where it lives, with what was left
//! out and why) and the IG → served extension URL map.
use std::path::Path;

use bluebutton_codegen::catalog::Catalog;
use bluebutton_codegen::codes::CodeSystems;
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::errata::UrlMap;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn field_catalog() {
    let catalog = Catalog::load(root()).unwrap();
    // Only entries with nothing to place are left out: no element, no variable, or a line's
    // link to the entry that holds the value.
    for (source, variable, reason) in &catalog.skipped {
        assert!(
            reason.contains("gives no element")
                || reason.contains("no variable id")
                || reason.contains("links to the value"),
            "{variable} ({source}) was left out: {reason}"
        );
    }
    assert!(catalog.fields.len() > 550, "{} fields", catalog.fields.len());
    insta::assert_snapshot!(catalog.to_string());
}

#[test]
fn extension_url_map() {
    let defs = Definitions::load(root()).unwrap();
    let catalog = Catalog::load(root()).unwrap();
    let systems = CodeSystems::load(root()).unwrap();
    let map = UrlMap::build(root(), &defs, &catalog, &systems).unwrap();
    assert_eq!(map.mappings.len(), 131, "every IG extension definition is mapped");
    assert!(map.unmapped.is_empty(), "{:?}", map.unmapped);
    insta::assert_snapshot!(map.to_string());
}

/// Every restriction the IG puts on the STU3 base, with its served verdict, the rule and the
/// evidence (`bluebutton-codegen check --errata`), for review. The derived rules must decide
/// the cases the recorded versions are known to need.
#[test]
fn served_verdicts() {
    let tables = bluebutton_codegen::generate::load_validation_tables(root()).unwrap();
    let verdict = |structure: &str, element: &str| {
        tables
            .verdicts
            .iter()
            .find(|v| v.structure.ends_with(structure) && v.element == element)
            .unwrap_or_else(|| panic!("no verdict on {structure} {element}"))
    };
    // Several diagnosis variables told apart by their type share an entry when equal.
    assert_eq!(verdict("bluebutton-snf-claim", "ExplanationOfBenefit.diagnosis.type").rule, "variables-share-entry");
    // Carrier claims place one diagnosis type only: the IG's max 1 holds.
    assert_eq!(verdict("bluebutton-carrier-claim", "ExplanationOfBenefit.diagnosis.type").rule, "holds");
    // The 2020-10 and 2021-08 servers sent Coverage.contract, which the IG prohibits.
    assert_eq!(verdict("bluebutton-coverage", "Coverage.contract").rule, "recorded-repeats");
    // A diagnosis without a sequence contradicts base STU3 itself: a warning.
    let sequence = verdict("bluebutton-inpatient-claim", "ExplanationOfBenefit.diagnosis.sequence");
    assert_eq!((sequence.rule.as_str(), sequence.served.as_str()), ("recorded-deviation", "warning"));
    // Each derived verdict names its evidence.
    for v in tables.verdicts.iter().filter(|v| v.rule != "holds") {
        assert!(!v.evidence.is_empty() || !v.rule.starts_with("recorded"), "{v}");
    }
    insta::assert_snapshot!(tables.errata_listing());
}

/// The dictionary's own reasons decide what it explains, for every claim type it names, with
/// what the recorded versions show as confirmation.
#[test]
fn dictionary_verdicts() {
    let tables = bluebutton_codegen::generate::load_validation_tables(root()).unwrap();
    let on =
        |element: &str, rule: &str| tables.verdicts.iter().filter(|v| v.element == element && v.rule == rule).count();
    // `eob.payment.amount.code = 'USD'` (dictionary #63) on every claim type but PDE.
    assert_eq!(on("ExplanationOfBenefit.payment.amount.code", "dictionary-writes"), 7);
    // NCH_WKLY_PROC_DT (#307) is served as information on carrier and DME claims too.
    assert_eq!(on("ExplanationOfBenefit.information", "variable-placed"), 2);
    // The Part A and B coverage start date (#464) is served as Coverage.period.
    assert_eq!(on("Coverage.period", "variable-placed"), 1);
}
