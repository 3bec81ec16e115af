//! The generated CMS code systems (`codes`) on real data: known codes decode with their
//! codebook displays, unknown ones stay exactly as received, every coding of the real responses
//! whose variable has an enum decodes (the codes the codebooks really lack are listed below,
//! each with its reason), and the enums agree with the IG's CodeSystems except for the
//! documented disagreements.
mod samples;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bluebutton::codes::{self, CodeEnum, Coded, VARIABLES};
use serde_json::Value;

const VARIABLES_URL: &str = "https://bluebutton.cms.gov/resources/variables/";

#[test]
fn race_and_friends() {
    let white: Coded<codes::Race> = Coded::from_code("1");
    assert_eq!(white.known(), Some(codes::Race::White));
    assert_eq!((white.code(), white.display()), ("1", Some("White")));
    assert_eq!(codes::Race::SYSTEM, "https://bluebutton.cms.gov/resources/variables/race");
    assert_eq!(codes::Race::VARIABLE, "race");
    assert_eq!(codes::Race::PUBLISHED_SYSTEM, Some("http://hl7.org/fhir/CodeSystem/race"));
    assert_eq!(codes::Race::White.code(), "1");
    assert_eq!(codes::Race::from_code("6"), Some(codes::Race::NorthAmericanNative));
    assert_eq!(codes::display("race", "1"), Some("White"));
    assert_eq!(codes::display("race", "01"), None, "codes match exactly");

    // Odd codes of the codebooks (see coding-systems/CODES.md).
    assert_eq!(codes::display("rdsind02", "*").map(|d| &d[..22]), Some("Enrolled in Medicare A"));
    assert_eq!(codes::display("carr_clm_pmt_dnl_cd", "!").map(|d| &d[..16]), Some("MSP cost avoided"));
    assert_eq!(codes::display("clm_rlt_cond_cd", "85"), Some("Reserved for state assignment."), "range 81-99");
    assert_eq!(codes::display("adjstmt_dltn_cd", "Blank"), None, "an absent value is no code");
    assert_eq!(codes::AdjstmtDltnCd::BLANK_DISPLAY, Some("Original PDE"));
    assert_eq!(codes::blank_display("icd_dgns_vrsn_cd1"), Some("ICD-9"));
    assert_eq!(
        codes::display("clm_mdcr_non_pmt_rsn_cd", "E"),
        Some("MSP cost avoided - IRS/SSA/HCFA Data Match (eff. 7/00)")
    );
    assert_eq!(codes::Crec::OldAgeAndSurvivorsInsurance.display(), "Old age and survivor\u{2019}s insurance (OASI)");

    // Unknown codes stay, exactly.
    let input = String::from(" 1");
    let odd: Coded<codes::Race> = Coded::from_code(&input);
    assert_eq!((odd.code(), odd.display(), odd.known()), (" 1", None, None));
    assert_eq!(odd.into_owned(), Coded::Unknown(" 1".into()));

    // Every variable has a label and a system, coded or not.
    assert_eq!(codes::label("clm_id"), Some("Claim ID"));
    assert_eq!(codes::system("clm_id"), Some("https://bluebutton.cms.gov/resources/variables/clm_id"));
    assert!(!codes::variable("clm_id").unwrap().is_coded());
    assert!(codes::variable("CLM_ID").is_none(), "ids are lower-case");
}

#[test]
fn variables_table() {
    assert!(VARIABLES.len() >= 746, "{}", VARIABLES.len());
    assert!(VARIABLES.windows(2).all(|w| w[0].id < w[1].id), "sorted by id, unique");
    for v in VARIABLES {
        assert_eq!(v.system, format!("{VARIABLES_URL}{}", v.id));
        assert!(!v.label.is_empty(), "{}", v.id);
        assert_eq!(v.enum_name.is_some(), v.is_coded(), "{}", v.id);
        let distinct: BTreeSet<_> = v.values.iter().map(|(code, _)| code).collect();
        assert_eq!(distinct.len(), v.values.len(), "{}: duplicate codes", v.id);
        assert!(v.values.iter().all(|(code, _)| !code.is_empty() && !code.eq_ignore_ascii_case("blank")), "{}", v.id);
    }
    let coded = VARIABLES.iter().filter(|v| v.is_coded()).count();
    let variants: usize = VARIABLES.iter().map(|v| v.values.len()).sum();
    assert!(coded > 350 && variants > 7000, "{coded} enums, {variants} variants");
    // The typed and the dynamic tables are the same data.
    assert_eq!(codes::variable("race").unwrap().values, codes::Race::VALUES);
    for (i, race) in codes::Race::all().iter().enumerate() {
        assert_eq!(race.index(), i);
        assert_eq!(codes::Race::from_code(race.code()), Some(*race));
    }
}

/// Codes the real responses carry that the codebooks do not list: (variable, or a prefix ending
/// in `*`; code; why). Each must still occur, so the list cannot go stale.
const NOT_IN_CODEBOOK: &[(&str, &str, &str)] = &[
    ("betos_cd", "D9Z", "BETOS code newer than the 2017 codebook's list"),
    ("dmerc_line_prcng_state_cd", "AL", "the server sends USPS abbreviations; the codebook lists SSA state numbers (01 = Alabama)"),
    ("prvdr_state_cd", "IL", "USPS abbreviation; the codebook lists SSA state numbers"),
    ("prvdr_state_cd", "MO", "USPS abbreviation; the codebook lists SSA state numbers"),
    ("esrd_ind", "N", "the codebook lists Y and 0 for 'no ESRD'; the server sends N"),
    ("ptnt_dschrg_stus_cd", "1", "not zero-padded; the codebook lists 01"),
    ("rev_cntr", "1", "not zero-padded; the codebook lists 0001"),
    ("rev_cntr", "22", "not zero-padded; the codebook lists 0022"),
    ("rev_cntr", "651", "not zero-padded; the codebook lists 0651"),
    ("rev_cntr", "6767", "not a revenue center code in the codebook (test data)"),
    ("rev_cntr_1st_ansi_cd", "CO120", "group code and reason code in one (CO + 120); the codebook lists them apart"),
    ("rev_cntr_2nd_ansi_cd", "CR121", "group code and reason code in one (CR + 121); the codebook lists them apart"),
    ("rev_cntr_ddctbl_coinsrnc_cd", "A", "not in the codebook's list (0-4, M, N, X)"),
    ("ptc_plan_type_cd_*", "00", "the codebook lists three-digit plan types (001...); 00 is not among them"),
    ("ptdcntrct*", "S4607", "a Part D contract id: the codebook describes only its first letter (S = stand-alone PDP) and the special values N, 0, *"),
];

fn exception(variable: &str, code: &str) -> Option<usize> {
    NOT_IN_CODEBOOK.iter().position(|(v, c, _)| {
        *c == code && (v.strip_suffix('*').map_or(*v == variable, |prefix| variable.starts_with(prefix)))
    })
}

fn codings<'v>(value: &'v Value, out: &mut Vec<(&'v str, &'v str)>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(system)), Some(Value::String(code))) = (map.get("system"), map.get("code")) {
                if let Some(variable) = system.strip_prefix(VARIABLES_URL) {
                    out.push((variable, code));
                }
            }
            map.values().for_each(|v| codings(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| codings(v, out)),
        _ => {}
    }
}

#[test]
fn every_coding_of_the_real_responses_decodes() {
    let files = samples::all_normalized();
    if files.is_empty() {
        return;
    }
    let mut checked = 0;
    let mut unexpected = BTreeSet::new();
    let mut used = BTreeSet::new();
    let mut unknown_variables = BTreeMap::<String, usize>::new();
    for (name, bytes) in &files {
        let json: Value = serde_json::from_slice(bytes).unwrap();
        let mut found = Vec::new();
        codings(&json, &mut found);
        for (variable, code) in found {
            let Some(info) = codes::variable(variable) else {
                *unknown_variables.entry(variable.to_string()).or_default() += 1;
                continue;
            };
            if !info.is_coded() {
                continue;
            }
            checked += 1;
            match (info.display(code), exception(variable, code)) {
                (Some(_), None) => {}
                (None, Some(i)) => {
                    used.insert(i);
                }
                (Some(display), Some(_)) => {
                    unexpected.insert(format!("{name}: {variable} {code:?} = {display:?} is listed as missing"));
                }
                (None, None) => {
                    unexpected.insert(format!("{name}: {variable} {code:?} is not in the codebook"));
                }
            }
        }
    }
    assert!(checked > 500, "{checked} codings checked");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    let stale: Vec<_> = (0..NOT_IN_CODEBOOK.len()).filter(|i| !used.contains(i)).map(|i| NOT_IN_CODEBOOK[i]).collect();
    assert!(stale.is_empty(), "exceptions that no longer occur: {stale:?}");
    assert!(
        unknown_variables.is_empty(),
        "coding systems under {VARIABLES_URL} that are no codebook variable: {unknown_variables:?}"
    );

    // The unknown ones decode to `Unknown` with the text exactly as received.
    assert_eq!(Coded::<codes::PtntDschrgStusCd>::from_code("1"), Coded::Unknown("1".into()));
    assert_eq!(Coded::<codes::RevCntr>::from_code("0001").display(), Some("Total charge"));
    assert_eq!(Coded::<codes::RevCntr>::from_code("6767").code(), "6767");
    assert!(!Coded::<codes::Ptdcntrct01>::from_code("S4607").is_known());
}

/// Displays where the IG's CodeSystem and the codebook differ; the codebook wins (the server
/// sends the codebook system). Same list as `codegen/tests/snapshots/codes_snapshots__real_ig_disagreements.snap`.
const IG_DISPLAY_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "carr_line_prvdr_type_cd",
        "0-7",
        "the IG copies the pre-version-H DME list; the codebook lists the current one first",
    ),
    ("crec", "0", "apostrophe: ' in the IG, \u{2019} in the codebook"),
    ("orec", "0", "apostrophe: ' in the IG, \u{2019} in the codebook"),
    ("esrd_ind", "0", "typo in the IG: 'ESRDm'"),
];

/// Codes the codebooks list and the IG's CodeSystem lacks.
const ONLY_IN_CODEBOOKS: &[(&str, &str)] = &[
    (
        "carr_clm_pmt_dnl_cd",
        "the IG lists only the 12 one-byte symbol codes (! @ # ...), not 0-9, A-Y and the two-byte codes",
    ),
    ("gndr_cd", "0 (Unknown) comes from the claims codebook; the IG copies the PDE codebook"),
];

#[test]
fn enums_agree_with_the_ig_code_systems() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("coding-systems/bb2ig");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("CodeSystem-"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 53);
    let mut display_differs = BTreeSet::new();
    let mut only_in_codebooks = BTreeSet::new();
    for file in files {
        let cs: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let variable = cs["id"].as_str().unwrap().replace('-', "_");
        let info = codes::variable(&variable).unwrap_or_else(|| panic!("{variable}"));
        assert_eq!(info.published_system, cs["url"].as_str());
        let concepts = cs["concept"].as_array().unwrap();
        let mut by_code: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for c in concepts {
            by_code.entry(c["code"].as_str().unwrap()).or_default().push(c["display"].as_str().unwrap_or(""));
        }
        for (code, displays) in &by_code {
            if ["Blank", "BLANK", "Space", "Spaces", "Null", "Null/missing", "Null/Missing", "Null/blank"]
                .contains(code)
            {
                assert!(displays.contains(&info.blank_display.unwrap()), "{variable}: Blank = {displays:?}");
                assert!(info.display(code).is_none());
                continue;
            }
            let display = info.display(code).unwrap_or_else(|| panic!("{variable}: IG code {code:?} has no variant"));
            if !displays.contains(&display) {
                display_differs.insert((variable.clone(), code.to_string()));
            }
        }
        if info.values.iter().any(|(code, _)| !by_code.contains_key(code)) && !info.codebooks.is_empty() {
            only_in_codebooks.insert(variable.clone());
        }
    }
    let mut documented = BTreeSet::new();
    for (variable, codes, _) in IG_DISPLAY_DIFFERS {
        let (from, to) = codes.split_once('-').unwrap_or((codes, codes));
        for n in from.parse::<u32>().unwrap()..=to.parse().unwrap() {
            documented.insert((variable.to_string(), n.to_string()));
        }
    }
    assert_eq!(display_differs, documented);
    assert_eq!(only_in_codebooks, ONLY_IN_CODEBOOKS.iter().map(|(v, _)| v.to_string()).collect());
}

/// A long code system is searched by its sorted index (`BY_CODE`): every code decodes to its
/// own variant, texts one byte off do not, and the index is every position once, in code order.
/// A short one has no index and is searched in order.
#[test]
fn long_code_systems_decode_by_their_sorted_index() {
    fn check<E: CodeEnum>() -> usize {
        let by_code = E::BY_CODE;
        let mut positions: Vec<usize> = by_code.iter().map(|&i| usize::from(i)).collect();
        assert!(positions.windows(2).all(|w| E::VALUES[w[0]].0 < E::VALUES[w[1]].0), "{}: in code order", E::VARIABLE);
        positions.sort_unstable();
        if !by_code.is_empty() {
            assert_eq!(positions, (0..E::VALUES.len()).collect::<Vec<_>>(), "{}: every position once", E::VARIABLE);
        }
        for (variant, (code, _)) in E::all().iter().zip(E::VALUES) {
            assert_eq!(E::from_code(code), Some(*variant), "{}: {code}", E::VARIABLE);
            for odd in [format!("{code} "), format!("0{code}"), code[..code.len() - 1].to_string()] {
                let expected = E::VALUES.iter().position(|(c, _)| *c == odd).map(|i| E::all()[i]);
                assert_eq!(E::from_code(&odd), expected, "{}: {odd:?}", E::VARIABLE);
            }
        }
        assert_eq!(E::from_code(""), None);
        by_code.len()
    }
    assert_eq!(check::<codes::RevCntrApcHippsCd>(), 1179);
    assert_eq!(check::<codes::RevCntr>(), 554);
    assert_eq!(check::<codes::CrntBic>(), 209);
    assert_eq!(check::<codes::RevCntr1stAnsiCd>(), 180);
    assert_eq!(check::<codes::ClmRltCondCd>(), 168);
    assert_eq!(check::<codes::ClmValCd>(), 134);
    assert_eq!(check::<codes::Race>(), 0, "a short list has no index");
    // The index orders by bytes, as `str` does, whatever order the codebook lists the codes in.
    assert!(codes::CrntBic::VALUES.windows(2).any(|w| w[0].0 > w[1].0), "listed out of byte order");
}
