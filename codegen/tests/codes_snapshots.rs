//! Code systems: snapshots of the IR listing and of the emitted `codes.rs` for a small,
//! hand-written set (`tests/fixtures/codes`) that exercises every rule of `codes` (absent-value
//! markers, symbols, ranges, continuation fragments, duplicate codes, a variable in several
//! codebooks with an encoding defect, a value list that is not one, IG agreements and
//! disagreements, IG-only systems, every naming case); then the counts and the IG
//! disagreements of the project's real `coding-systems/`.
use std::path::Path;

use bluebutton_codegen::codes::ir::{Disagreement, Origin, SkipReason};
use bluebutton_codegen::codes::{emit, naming, CodeSystems};

fn fixture() -> CodeSystems {
    CodeSystems::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codes")).unwrap()
}

fn real() -> CodeSystems {
    CodeSystems::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap()
}

#[test]
fn ir() {
    insta::assert_snapshot!(fixture().to_string());
}

#[test]
fn emitted_code() {
    let text = emit(&fixture());
    syn::parse_file(&text).expect("codes.rs parses");
    insta::assert_snapshot!(text);
}

#[test]
fn fixture_rules() {
    let systems = fixture();
    let var = |id: &str| systems.variable(id).unwrap_or_else(|| panic!("{id}"));
    let codes = |id: &str| var(id).values.iter().map(|v| v.code.as_str()).collect::<Vec<_>>();

    // Ranges expand, zero-padded; a listed code beats the range.
    assert_eq!(codes("line_place_of_srvc_cd"), ["01", "02", "08", "09", "10"]);
    let nine = &var("line_place_of_srvc_cd").values[3];
    assert_eq!(
        (nine.display.as_str(), &nine.origin),
        ("Prison/correctional facility", &Origin::Listed { codebook: "ffs-claims".into() })
    );
    assert_eq!(codes("step"), ["1", "2", "3"]);
    // Absent-value markers are no variants; the first codebook's display is the blank display.
    assert_eq!(codes("gndr_cd"), ["0", "1", "2"]);
    assert_eq!(var("gndr_cd").blank.as_ref().unwrap().display, "Unknown");
    assert_eq!(var("clm_hha_lupa_ind_cd").blank.as_ref().unwrap().written, "Blank");
    // Continuation fragments are joined back; duplicates keep the first display.
    let prcr = var("clm_prcr_rtrn_cd");
    assert_eq!(codes("clm_prcr_rtrn_cd"), ["00", "46", "47"]);
    assert_eq!(
        prcr.values[1].display,
        "Line item denial/reject flag not = to 0 and (APC not 0033 or 0034)) or line item action flag not = to 1"
    );
    assert_eq!(prcr.values[0].also.len(), 1);
    assert!(prcr.skipped.iter().any(|s| s.reason == SkipReason::Continuation { previous: "46".into() }));
    // Union of codebooks; U+FFFD loses to clean text; labels likewise.
    assert_eq!(codes("crec"), ["0", "1", "2", "3"]);
    assert_eq!(var("crec").values[0].display, "Old age and survivor\u{2019}s insurance (OASI)");
    assert_eq!(var("rdsind01").label, "Retiree Drug Subsidy - January");
    assert_eq!(codes("rdsind01"), ["Y", "10", "*"]);
    // Not a value list; not coded.
    assert!(var("prvdr_num").enum_name.is_none() && var("clm_id").enum_name.is_none());
    // IG-only code added; IG-only systems named from codes.
    assert_eq!(codes("asgmntcd"), ["A", "N", "U"]);
    assert_eq!(var("adjudication_categories").values[0].name, "PartDCovered");
}

#[test]
fn real_counts() {
    insta::assert_snapshot!(real().summary().to_string());
}

/// Every difference between an IG CodeSystem and the codebooks (the codebook wins; see the
/// rules in `codes`).
#[test]
fn real_ig_disagreements() {
    let mut out = String::new();
    for var in real().variables.iter().filter(|v| !v.ig_disagreements.is_empty()) {
        out.push_str(&format!("{} ({})\n", var.id, var.published_system.as_deref().unwrap_or("")));
        for d in &var.ig_disagreements {
            let line = match d {
                Disagreement::OnlyInIg { code, display } => format!("only in the IG: {code:?} {display:?}"),
                Disagreement::OnlyInCodebooks { codes } => format!("only in the codebooks: {}", codes.join(" ")),
                Disagreement::Display { code, ig, codebook } => {
                    format!("display of {code:?}:\n    IG       {ig:?}\n    codebook {codebook:?}")
                }
                Disagreement::ListedTwiceInIg { code, displays } => {
                    format!("{code:?} listed {} times by the IG: {displays:?}", displays.len())
                }
                Disagreement::BlankAsCode { written, ig, codebook } => {
                    format!("IG code {written:?} {ig:?} = absent value; codebook blank display {codebook:?}")
                }
            };
            out.push_str(&format!("  {line}\n"));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn real_names_are_unique_and_every_variable_is_listed() {
    let systems = real();
    assert!(systems.variables.len() >= 746, "{}", systems.variables.len());
    for var in systems.coded() {
        let mut names: Vec<_> = var.values.iter().map(|v| v.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), var.values.len(), "{}", var.id);
        // Only the two documented forms occur (the last-resort `X<n>` suffix never does).
        let ig_only = var.codebooks.is_empty();
        for v in &var.values {
            let base = naming::base_name(if ig_only { &v.code } else { &v.display });
            let base = if base.is_empty() { "Code".to_string() } else { base };
            let suffixed = format!("{base}{}", naming::code_suffix(&v.code));
            assert!(v.name == base || v.name == suffixed, "{}: {} for {:?}", var.id, v.name, v.code);
        }
    }
}
