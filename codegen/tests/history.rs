//! Older placements (`coding-systems/errata/history.json`): the catalog adds them to the fields
//! of their variables, and the accessor reads them after the current place.
use std::path::Path;

use bluebutton_codegen::catalog::{Catalog, DictionaryEntry, Filter, OlderPlacement};
use bluebutton_codegen::claim_types::{ClaimTypes, Table};
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::ir::Model;
use bluebutton_codegen::views;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

const CNTL: &str = "https://bluebutton.cms.gov/resources/variables/carr_clm_cntl_num";

/// The dictionary's carrier claim control number: an extension with a valueIdentifier.
fn dictionary() -> Vec<DictionaryEntry> {
    serde_json::from_value(serde_json::json!([{
        "id": 1,
        "name": "Carrier Claim Control Number",
        "appliesTo": ["Carrier"],
        "ccwMapping": ["CARR_CLM_CNTL_NUM"],
        "fhirMapping": [{
            "resource": "ExplanationOfBenefit",
            "element": "extension[N].valueIdentifier.value",
            "discriminator": [format!("extension[N].url = '{CNTL}'")]
        }]
    }]))
    .unwrap()
}

/// One entry for a class of variables: each as an identifier whose system is its URL.
fn as_identifiers(variables: &[&str]) -> OlderPlacement {
    serde_json::from_value(serde_json::json!({
        "variables": variables,
        "versions": ["2019-01"],
        "evidence": "a test",
        "mapping": {
            "resource": "ExplanationOfBenefit",
            "element": "identifier[N].value",
            "discriminator": ["identifier[N].system = 'https://bluebutton.cms.gov/resources/variables/<variable>'"]
        }
    }))
    .unwrap()
}

#[test]
fn an_older_placement_joins_the_field_of_its_variable() {
    let catalog = Catalog::build(&dictionary(), &[], &[as_identifiers(&["carr_clm_cntl_num", "no_such_variable"])]);
    assert_eq!(catalog.fields.len(), 1, "{catalog}");
    let field = &catalog.fields[0];
    assert!(field.current);
    assert_eq!(field.older.len(), 1);
    assert_eq!(field.older[0].versions, ["2019-01"]);
    assert_eq!(
        field.location_of(&field.older[0].steps),
        format!("ExplanationOfBenefit.identifier(system='{CNTL}').value")
    );
    assert_eq!(field.older[0].steps[0].filters, [Filter::System(CNTL.into())]);
    assert_eq!(field.placements().len(), 2);
    // A variable with no current field and no label cannot be a field: said, not dropped.
    assert_eq!(catalog.skipped.len(), 1, "{catalog}");
    assert_eq!(catalog.skipped[0].1, "no_such_variable");
    assert!(catalog.skipped[0].2.contains("needs a label"), "{:?}", catalog.skipped);
}

#[test]
fn an_older_placement_at_another_level_is_left_out() {
    let mut on_lines = as_identifiers(&["carr_clm_cntl_num"]);
    on_lines.mapping.element = "item[N].extension[N].valueIdentifier.value".into();
    on_lines.mapping.discriminator = vec![format!("item[N].extension[N].url = '{CNTL}'")];
    let catalog = Catalog::build(&dictionary(), &[], &[on_lines]);
    assert!(catalog.fields[0].older.is_empty());
    assert!(catalog.skipped[0].2.contains("another level"), "{:?}", catalog.skipped);
}

#[test]
fn a_variable_only_older_servers_sent_is_a_field_not_sent_now() {
    let mut county = as_identifiers(&["cnty_cd"]);
    county.label = Some("County".into());
    let catalog = Catalog::build(&dictionary(), &[], &[county]);
    let field = catalog.fields.iter().find(|f| f.variable == "cnty_cd").unwrap();
    assert!(!field.current);
    assert_eq!(field.steps, field.older[0].steps);
    assert_eq!(field.placements().len(), 1);
}

fn model() -> Model {
    Model::build(&Definitions::load(root()).unwrap()).unwrap()
}

/// The claim types of the workspace's table, without its cost variables (which the one-field
/// catalogs here do not have).
fn claim_types(catalog: &Catalog) -> ClaimTypes {
    let mut table = Table::load(root()).unwrap();
    table.costs.clear();
    ClaimTypes::build(table, &Definitions::load(root()).unwrap(), catalog).unwrap()
}

#[test]
fn the_accessor_reads_the_current_place_first_then_the_older_ones() {
    let model = model();
    let catalog = Catalog::build(&dictionary(), &[], &[as_identifiers(&["carr_clm_cntl_num"])]);
    let (code, problems) = views::emit(&model, &catalog, &|_| None, &claim_types(&catalog));
    assert!(problems.is_empty(), "{problems:?}");
    let placed = code.find("pub fn carr_clm_cntl_num_placed(").expect("a placed twin");
    let body = &code[placed..placed + code[placed..].find("\n    }\n").unwrap()];
    let current = body.find("x.extension.iter()").expect("the current place");
    let older = body.find("x.identifier.iter()").expect("the older place");
    assert!(current < older, "{body}");
    assert!(code.contains("current: true,"));
    assert!(code.contains("versions: &[\"2019-01\"]"), "the FieldInfo lists the older placement");
}

#[test]
fn an_older_placement_of_another_type_is_a_problem() {
    let model = model();
    let mut as_money = as_identifiers(&["carr_clm_cntl_num"]);
    as_money.mapping.element = "extension[N].valueMoney.value".into();
    as_money.mapping.discriminator = vec![format!("extension[N].url = '{CNTL}'")];
    let catalog = Catalog::build(&dictionary(), &[], &[as_money]);
    let (_, problems) = views::emit(&model, &catalog, &|_| None, &claim_types(&catalog));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("gives &'a Money"), "{problems:?}");
}
