//! Every invariant of the definitions the validator knows, and how it is checked: each
//! expression parses (an expression the FHIRPath engine does not support is listed here by key,
//! never skipped in silence), and the snapshot is the reviewed list of keys with their check.
use std::fmt::Write;

use bluebutton::validate::{invariants, InvariantCheck};

#[test]
fn every_invariant_expression_parses() {
    let all = invariants();
    assert!(all.len() > 150, "the STU3 core alone has more than 150 invariant keys; found {}", all.len());
    let mut out = String::new();
    let mut unsupported = Vec::new();
    for i in &all {
        let how = match &i.check {
            InvariantCheck::Expression => "expression".to_string(),
            InvariantCheck::Walk => "the walk".to_string(),
            InvariantCheck::Unsupported(e) => {
                unsupported.push(i.key);
                format!("UNSUPPORTED {e}")
            }
        };
        let _ = writeln!(out, "{} ({}): {how}", i.key, i.severity);
    }
    let _ = writeln!(out, "\nunsupported: {unsupported:?}");
    insta::assert_snapshot!(out);
}
