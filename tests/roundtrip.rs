//! Every real response parses strictly and round-trips losslessly.
mod samples;

use bluebutton::json::{self, ParseOptions};
use bluebutton::Resource;

#[test]
fn every_normalized_sample_round_trips() {
    let files = samples::all_normalized();
    if files.is_empty() {
        return;
    }
    assert_eq!(files.len(), 25, "the normalized samples are 25 files");
    for (name, bytes) in &files {
        let diff = json::round_trip_difference::<Resource>(bytes, ParseOptions::strict())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(diff, None, "{name}");
    }
}

#[test]
fn the_ig_example_round_trips() {
    let Some(dir) = samples::shared_data() else { return };
    let bytes = std::fs::read(dir.join("bb2ig/examples/ExplanationOfBenefit-pde-89.json")).unwrap();
    let diff = json::round_trip_difference::<Resource>(&bytes, ParseOptions::strict()).unwrap();
    assert_eq!(diff, None);
}

/// Decimals keep their text: `42.0` stays `42.0`, integers in decimal fields stay integers. Every
/// number of every sample, as written in the file, is written back with the same text (compared
/// as text, apart from the library's own JSON reading).
#[test]
fn decimal_text_is_kept() {
    let files = samples::all_normalized();
    if files.is_empty() {
        return;
    }
    let mut fractional = 0;
    for (name, bytes) in &files {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let resource: Resource = json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = json::to_string(&resource);
        let (before, after) = (number_literals(text), number_literals(&written));
        assert_eq!(before, after, "{name}: the numbers read and the numbers written");
        fractional += before.iter().filter(|n| n.contains('.')).count();
    }
    assert!(fractional > 0, "the samples have decimals with a fractional part");

    let bytes = samples::normalized("eobReadCarrier.json").unwrap();
    let resource: Resource = json::from_slice(&bytes).unwrap();
    let eob = resource.as_explanation_of_benefit().unwrap();
    let amount = eob.item[0].adjudication.iter().find_map(|a| a.amount.as_ref()?.value.as_ref()?.value());
    assert!(amount.is_some_and(|d| d.as_str().contains('.')), "{amount:?}");
}

/// The text of every number in the JSON document `text` (outside strings), sorted: member order
/// may change on writing, the numbers may not.
fn number_literals(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut out, mut i, mut in_string) = (Vec::new(), 0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
        } else if b == b'"' {
            in_string = true;
            i += 1;
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            out.push(&text[start..i]);
        } else {
            i += 1;
        }
    }
    out.sort_unstable();
    out
}
