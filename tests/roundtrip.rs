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

/// Decimals keep their text: `42.0` stays `42.0`, integers in decimal fields stay integers.
#[test]
fn decimal_text_is_kept() {
    let Some(bytes) = samples::normalized("eobReadCarrier.json") else { return };
    let text = std::str::from_utf8(&bytes).unwrap();
    let resource: Resource = json::from_slice(&bytes).unwrap();
    let written = json::to_string(&resource);
    for token in ["\"value\" : 0.0", "\"value\" : 1.0"] {
        if text.contains(token) {
            assert!(written.contains(&token.replace(" : ", ":")), "{token} kept");
        }
    }
    let eob = resource.as_explanation_of_benefit().unwrap();
    let amount = eob.item[0].adjudication.iter().find_map(|a| a.amount.as_ref()?.value.as_ref()?.value());
    assert!(amount.is_some_and(|d| d.as_str().contains('.')), "{amount:?}");
}
