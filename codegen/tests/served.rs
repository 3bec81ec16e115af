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
