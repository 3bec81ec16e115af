//! The view stage on the mini fixtures (`tests/fixtures/mini`): the IR listing and the Rust
//! emitted from it, reviewed in snapshots, the return-type rules, the problems reported for
//! fields that cannot be placed, and on the workspace the `coding` rule.
//!
//! The fixture's data dictionary places seven Big fields on the Widget resource, one per way
//! of ending a path: a code with a code enum, a Coding's code, a Quantity's value, a string
//! read at a current and an older place, an Identifier's value, a repeating boolean and the
//! id of a contained resource.
use std::path::{Path, PathBuf};

use bluebutton_codegen::catalog::Catalog;
use bluebutton_codegen::claim_types::ClaimTypes;
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::ir::Model;
use bluebutton_codegen::views::ir::{Access, Accessor, ReturnRule, Returns, Views};
use bluebutton_codegen::views::{emit, resolve};

fn mini() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

/// The fixture has no codebooks: the size code gets the code enum the code stage gives a
/// variable with coded values.
fn enum_of(variable: &str) -> Option<String> {
    (variable == "big_size_cd").then(|| "BigSizeCd".to_string())
}

/// The views of `catalog` on the mini definitions and claim-type table.
fn views_of(catalog: &Catalog) -> (Views, Vec<String>) {
    let root = mini();
    let defs = Definitions::load(&root).unwrap();
    let model = Model::build(&defs).unwrap();
    let claim_types = ClaimTypes::load(&root, &defs, catalog).unwrap();
    resolve::resolve(&model, catalog, &enum_of, &claim_types)
}

fn mini_views() -> Views {
    let (views, problems) = views_of(&Catalog::load(&mini()).unwrap());
    assert!(problems.is_empty(), "{problems:?}");
    views
}

fn big_accessor<'v>(views: &'v Views, name: &str) -> &'v Accessor {
    let big = views.views.iter().find(|v| v.prefix == "Big").expect("the Big view");
    big.levels[0].accessors.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no accessor {name}\n{views}"))
}

#[test]
fn ir() {
    insta::assert_snapshot!(mini_views().to_string());
}

#[test]
fn emitted_views() {
    insta::assert_snapshot!(emit::emit(&mini_views()).unwrap());
}

/// Each leaf returns by its rule: the decoded code, the Coding, the Quantity or Identifier
/// holding the value, else what the path ends at.
#[test]
fn return_types_follow_the_rules() {
    let views = mini_views();
    let returns = |name: &str| {
        let a = big_accessor(&views, name);
        (a.returns.label(), a.places[0].rule, a.repeats)
    };
    let one = |label: &str, rule| (label.to_string(), rule, false);
    assert_eq!(returns("big_size_cd"), one("Coded<'a, BigSizeCd>", ReturnRule::CodeEnum));
    assert_eq!(returns("big_type_cd"), one("&'a Coding<'a>", ReturnRule::CodingOfCode));
    assert_eq!(returns("big_amt"), one("&'a Quantity<'a>", ReturnRule::OwnerOfValue));
    assert_eq!(returns("big_ownr_num"), one("&'a Identifier<'a>", ReturnRule::OwnerOfValue));
    assert_eq!(returns("big_note"), one("&'a FhirString<'a>", ReturnRule::Leaf));
    assert_eq!(returns("big_prnt_id"), one("&'a Id<'a>", ReturnRule::Leaf));
    // Unfiltered extensions of the flag extension: one value per entry, a primitive without
    // a lifetime.
    assert_eq!(returns("big_flag_sw"), ("&'a bool".to_string(), ReturnRule::Leaf, true));

    // The Coding and the Quantity are read up to the step before the leaf.
    let amount = &big_accessor(&views, "big_amt").places[0];
    assert_eq!((amount.read, amount.path.len()), (1, 2));
    assert!(matches!(&amount.path[0].access, Access::Choice { variant, .. } if variant == "Quantity"));
    let parent = &big_accessor(&views, "big_prnt_id").places[0];
    assert!(matches!(&parent.path[0].access, Access::Resource { as_fn, .. } if as_fn == "as_widget"));

    // The note is read at its current place, then at the older one.
    let note = big_accessor(&views, "big_note");
    let locations: Vec<&str> = note.places.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        locations,
        [
            "Widget.extension(url='https://bluebutton.cms.gov/resources/variables/big_note').valueString",
            "Widget.extension(url='https://bluebutton.cms.gov/resources/variables/big_nt').valueString",
        ]
    );
    assert!(note.placed_doc.is_some());
    let info = views.infos.iter().find(|i| i.name == note.info).expect("the note's static");
    assert_eq!(info.older[0].versions, ["2019-01"]);
}

/// The emitted Rust follows the IR: the code enum's type, the placed twin, the iterator.
#[test]
fn the_emitter_writes_what_the_ir_says() {
    let mut views = mini_views();
    let text = emit::emit(&views).unwrap();
    assert!(text.contains("pub fn big_size_cd(&self) -> Option<crate::Coded<'a, crate::codes::BigSizeCd>>"), "{text}");
    assert!(text.contains("pub fn big_note_placed(&self) -> Option<(&'static str, &'a FhirString<'a>)>"), "{text}");
    assert!(text.contains("pub fn big_flag_sw(&self) -> impl Iterator<Item = &'a bool> + 'a"), "{text}");

    // A return type changed in the IR is what the accessor returns.
    let big = views.views.iter_mut().find(|v| v.prefix == "Big").unwrap();
    let amount = big.levels[0].accessors.iter_mut().find(|a| a.name == "big_amt").unwrap();
    amount.returns = Returns::Struct { name: "Money".into() };
    let text = emit::emit(&views).unwrap();
    assert!(text.contains("pub fn big_amt(&self) -> Option<&'a Money<'a>>"), "{text}");
}

/// Fields that cannot be placed are problems naming the view, the variable and why; the
/// other fields still get their accessors.
#[test]
fn fields_that_cannot_be_placed_are_problems() {
    let mut catalog = Catalog::load(&mini()).unwrap();
    let note = catalog.fields.iter().find(|f| f.variable == "big_note").unwrap().clone();

    let mut missing = note.clone();
    missing.variable = "big_gone".into();
    missing.steps[1].name = "valueGone".into();
    catalog.fields.push(missing);

    let mut other_type = note.clone();
    other_type.variable = "big_moved".into();
    other_type.older[0].steps[1].name = "valueBoolean".into();
    catalog.fields.push(other_type);

    let (views, problems) = views_of(&catalog);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.contains(&"BigClaim: big_gone (Widget.extension(url='https://bluebutton.cms.gov/resources/variables/big_note').valueGone): Extension has no element `valueGone`".to_string()),
        "{problems:?}"
    );
    let moved = problems.iter().find(|p| p.contains("big_moved")).unwrap();
    assert!(moved.contains(".valueBoolean gives &'a bool, the current one &'a FhirString<'a>"), "{moved}");
    big_accessor(&views, "big_note");
}

/// On the workspace, a CodeableConcept's `coding` is one value unless a system selects one
/// of several: every accessor whose only repeating step is an unfiltered `coding` is single.
#[test]
fn the_coding_of_a_concept_is_one_value() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (views, problems) = bluebutton_codegen::generate::load_views(&root).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let accessors = views.views.iter().flat_map(|v| &v.levels).flat_map(|l| &l.accessors);
    let mut through_coding = 0;
    for a in accessors {
        let path = &a.places[0].path;
        let repeating: Vec<&str> =
            path.iter().filter(|s| s.many && s.filters.is_empty()).map(|s| s.name.as_str()).collect();
        if repeating == ["coding"] {
            through_coding += 1;
            assert!(!a.repeats, "{} repeats", a.name);
        }
    }
    assert!(through_coding > 10, "only {through_coding} accessors read an unfiltered coding");
}
