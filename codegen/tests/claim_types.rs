//! The claim-type table (`coding-systems/errata/claim-types.json`): what it generates on the
//! mini fixtures, what a claim type added to it changes, the checks it must pass, and, on the
//! workspace's table, each claim type's levels and cost variables (reviewed in a snapshot).
use std::path::{Path, PathBuf};

use bluebutton_codegen::catalog::{Catalog, DictionaryEntry};
use bluebutton_codegen::claim_types::{ClaimTypes, Table};
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::ir::Model;
use bluebutton_codegen::views;

fn mini() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The mini fixture's definitions, table and catalog (its few root-level Big fields).
fn mini_inputs() -> (Definitions, Table, Catalog) {
    let root = mini();
    (Definitions::load(&root).unwrap(), Table::load(&root).unwrap(), Catalog::load(&root).unwrap())
}

/// `claim_types.rs` and `views.rs` as generated from `defs` and `table`.
fn generate(defs: &Definitions, table: Table, catalog: &Catalog) -> (String, String) {
    let claim_types = ClaimTypes::build(table, defs, catalog).unwrap();
    let model = Model::build(defs).unwrap();
    let (views, problems) = views::emit(&model, catalog, &|_| None, &claim_types);
    assert!(problems.is_empty(), "{problems:?}");
    (claim_types.emit(), views)
}

/// The generated text from `start` to the end of its block (`\n}\n`).
fn block<'t>(text: &'t str, start: &str) -> &'t str {
    let at = text.find(start).unwrap_or_else(|| panic!("no `{start}` in\n{text}"));
    let end = text[at..].find("\n}\n").map_or(text.len(), |e| at + e + 3);
    &text[at..end]
}

#[test]
fn mini_claim_types() {
    let (defs, table, catalog) = mini_inputs();
    let (claim_types, views) = generate(&defs, table, &catalog);
    insta::assert_snapshot!("mini_claim_types_rs", claim_types);
    // The dispatch, up to the end of `CLAIM_FIELDS` (the field statics follow).
    let start = views.find("/// What amount a cost variable carries").expect("the claim dispatch");
    let table = start + views[start..].find("pub static CLAIM_FIELDS").expect("the field lists");
    let end = table + views[table..].find("\n];\n").expect("the end of the field lists") + 4;
    insta::assert_snapshot!("mini_claim_dispatch", &views[start..end]);
}

/// Adding a claim type is a profile (a definition) and a row of the table: the enum, its
/// facts, the views and the dispatch follow.
#[test]
fn a_claim_type_added_to_the_table_flows_into_the_enum_and_the_dispatch() {
    let (mut defs, mut table, catalog) = mini_inputs();
    let (before_types, before_views) = generate(&defs, table.clone(), &catalog);
    assert!(!before_types.contains("Small"));

    let mut small = defs.ig["http://example.org/StructureDefinition/big-widget"].clone();
    small.url = "http://example.org/StructureDefinition/small-widget".into();
    defs.ig.insert(small.url.clone(), small);
    let mut row = table.claim_types[0].clone();
    row.variant = "Small".into();
    row.id_prefix = "small".into();
    row.eob_type = "SMALL".into();
    row.dictionary = "Small".into();
    row.profile = "http://example.org/StructureDefinition/small-widget".into();
    table.claim_types.push(row);
    let (types, views) = generate(&defs, table, &catalog);

    let enum_block = block(&types, "pub enum ClaimType");
    assert!(enum_block.contains("    Big,\n") && enum_block.contains("    Small,\n"), "{enum_block}");
    assert!(types.contains("pub const ALL: [ClaimType; 2] = [ClaimType::Big, ClaimType::Small];"), "{types}");
    assert!(types.contains("claim_type: ClaimType::Small,"), "{types}");
    assert!(types.contains("id_prefix: \"small\","), "{types}");
    assert!(types.contains("code: \"SMALL\","), "{types}");
    assert!(types.contains("profile: \"http://example.org/StructureDefinition/small-widget\","), "{types}");

    assert!(!before_views.contains("SmallClaim"));
    assert!(views.contains("pub struct SmallClaim<'a>(pub &'a Widget<'a>);"), "the view");
    assert!(views.contains("Small(SmallClaim<'a>),"), "a ClaimView variant");
    assert!(
        views.contains("crate::claim_type::ClaimType::Small => ClaimView::Small(SmallClaim(resource)),"),
        "ClaimView::of_type"
    );
    assert!(views.contains("ClaimView::Small(_) => crate::claim_type::ClaimType::Small,"), "ClaimView::claim_type");
    assert!(views.contains("ClaimView::Small(c) => c.all_fields(),"), "ClaimView::all_fields");
    assert!(views.contains("ClaimView::Small(_) => None,"), "ClaimView::cost (no cost variables)");
    assert!(views.contains("pub static CLAIM_FIELDS: [crate::views::ClaimFields; 2]"), "the blueprint table");
    assert!(views.contains("claim_type: crate::claim_type::ClaimType::Small,"), "its blueprint");
}

fn problems(defs: &Definitions, table: Table, catalog: &Catalog) -> String {
    ClaimTypes::build(table, defs, catalog).unwrap_err().join("\n")
}

#[test]
fn the_table_is_checked() {
    let (defs, table, catalog) = mini_inputs();

    let mut twice = table.clone();
    let mut row = twice.claim_types[0].clone();
    row.variant = "Other".into();
    row.id_prefix = "other".into();
    twice.claim_types.push(row);
    let found = problems(&defs, twice, &catalog);
    assert!(found.contains("Other: eobType `BIG` is also Big's"), "{found}");
    assert!(
        found.contains("Other: profile `http://example.org/StructureDefinition/big-widget` is also Big's"),
        "{found}"
    );

    let mut unknown = table.clone();
    unknown.claim_types[0].profile = "http://example.org/StructureDefinition/no-such-widget".into();
    unknown.claim_types[0].id_prefix = "Big-1".into();
    let found = problems(&defs, unknown, &catalog);
    assert!(
        found.contains("Big: profile http://example.org/StructureDefinition/no-such-widget is not an IG definition"),
        "{found}"
    );
    assert!(found.contains("idPrefix `Big-1` is not lower-case letters and digits"), "{found}");

    let mut other_resource = table.clone();
    other_resource.resource = "ExplanationOfBenefit".into();
    let found = problems(&defs, other_resource, &catalog);
    assert!(found.contains("constrains Widget, not ExplanationOfBenefit"), "{found}");
}

/// A catalog of two Big amounts at the line level.
fn amounts() -> Catalog {
    let entry = |id: u32, variable: &str| {
        serde_json::json!({
            "id": id,
            "name": variable,
            "appliesTo": ["Big"],
            "ccwMapping": [variable.to_uppercase()],
            "fhirMapping": [{
                "resource": "Widget",
                "element": "item[N].adjudication[N].amount.value",
                "discriminator": [
                    format!("item[N].adjudication[N].category.coding[N].code = 'https://bluebutton.cms.gov/resources/variables/{variable}'")
                ]
            }]
        })
    };
    let dictionary: Vec<DictionaryEntry> =
        serde_json::from_value(serde_json::json!([entry(1, "big_chrg_amt"), entry(2, "big_othr_amt")])).unwrap();
    Catalog::build(&dictionary, &[], &[])
}

fn cost(variable: &str, role: &str) -> bluebutton_codegen::claim_types::CostDef {
    serde_json::from_value(
        serde_json::json!({"level": "item", "variable": variable, "role": role, "evidence": "a test"}),
    )
    .unwrap()
}

#[test]
fn cost_variables_are_checked() {
    let (defs, table, _) = mini_inputs();
    let catalog = amounts();

    let mut ok = table.clone();
    ok.costs = vec![cost("big_chrg_amt", "submitted")];
    let built = ClaimTypes::build(ok, &defs, &catalog).unwrap();
    assert_eq!(built.claim_types[0].costs.len(), 1);
    assert!(built.to_string().contains("  cost item Submitted = big_chrg_amt\n"), "{built}");

    let mut wrong = table.clone();
    wrong.costs = vec![
        cost("big_chrg_amt", "submitted"),
        cost("big_othr_amt", "submitted"),
        cost("big_no_such_amt", "submitted"),
        cost("big_chrg_amt", "paidTwice"),
    ];
    let found = problems(&defs, wrong, &catalog);
    assert!(found.contains("Big: big_othr_amt and big_chrg_amt both play `submitted` at the Line level"), "{found}");
    assert!(found.contains("big_no_such_amt: no claim type has this variable at the Line level"), "{found}");
    assert!(found.contains("big_chrg_amt: role `paidTwice` is not one of the costRoles (submitted)"), "{found}");
}

/// The workspace's claim types: facts, levels (derived from the catalog) and which variable
/// plays which cost role at which level.
#[test]
fn workspace_claim_types() {
    let root = workspace();
    let defs = Definitions::load(&root).unwrap();
    let catalog = Catalog::load(&root).unwrap();
    let claim_types = ClaimTypes::load(&root, &defs, &catalog).unwrap();
    insta::assert_snapshot!(claim_types.to_string());
}
