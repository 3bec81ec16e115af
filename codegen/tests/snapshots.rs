//! Snapshots of the IR and of the emitted Rust for a small, hand-written definition set
//! (`tests/fixtures/mini`): a datatype with a binding, Extension with a choice, the
//! Identifier ↔ Reference cycle, a constraint alias, and a resource with backbone elements,
//! a content reference, a repeating primitive, contained resources and a `max = 0` element.
use std::path::Path;

use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::emit::emit;
use bluebutton_codegen::types::ir::Model;

fn mini() -> Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    Model::build(&Definitions::load(&root).unwrap()).unwrap()
}

#[test]
fn ir() {
    insta::assert_snapshot!(mini().to_string());
}

#[test]
fn emitted_code() {
    for (name, text) in emit(&mini()) {
        insta::assert_snapshot!(name.replace(".rs", ""), text);
    }
}

#[test]
fn cycles_are_broken_by_boxing() {
    let text = mini().to_string();
    assert!(text.contains("assigner assigner 0..1 Box<Reference>"), "{text}");
    // The other side is boxed too, for its size (`Model::box_large_optionals`), not for the cycle.
    assert!(text.contains("identifier identifier 0..1 Box<Identifier>\n"), "{text}");
}
