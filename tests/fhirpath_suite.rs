//! The HL7 FHIRPath test suite (`../shared/data/fhirpath/tests-fhir-r4.xml`, with its input
//! resources as JSON in `../shared/data/fhirpath/input/`) run by `bluebutton::fhirpath`.
//!
//! Every case runs, except those this STU3 engine does not claim: functions of FHIRPath 2.1 or
//! later (after the STU3 definitions), and the transcendental functions, whose results are not
//! exact decimals (decimals here are never floating point). The snapshot records, per group,
//! how many cases pass and fail, the name of every failing case with what it gave, and every
//! skipped case with its reason: a case that passed and regresses changes the snapshot.
#[path = "support/shared_data.rs"]
mod shared_data;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use bluebutton::fhirpath::{display, type_of, Expression, Item};
use bluebutton::json::{self, Value};
use quick_xml::events::Event;

/// One case of the suite.
#[derive(Debug, Default, Clone)]
struct Case {
    group: String,
    name: String,
    input: String,
    expression: String,
    /// `syntax`, `semantic`, `execution` when the expression must be refused.
    invalid: Option<String>,
    mode: Option<String>,
    version: Option<String>,
    predicate: bool,
    outputs: Vec<(String, String)>,
}

fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("the suite is readable");
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut cases = Vec::new();
    let mut group = String::new();
    let mut case = Case::default();
    let mut in_text: Option<&'static str> = None;
    let mut output_type = String::new();
    let mut buffer = String::new();
    loop {
        let event = reader.read_event().expect("the suite is well-formed XML");
        let attrs = |e: &quick_xml::events::BytesStart<'_>| -> BTreeMap<String, String> {
            e.attributes()
                .map(|a| {
                    let a = a.expect("attributes are well-formed");
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    (key, a.unescape_value().expect("attribute text").into_owned())
                })
                .collect()
        };
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"group" => {
                group = attrs(&e).remove("name").unwrap_or_default();
            }
            Event::Start(e) if e.name().as_ref() == b"test" => {
                let mut a = attrs(&e);
                case = Case {
                    group: group.clone(),
                    name: a.remove("name").unwrap_or_default(),
                    input: a.remove("inputfile").unwrap_or_default(),
                    mode: a.remove("mode"),
                    version: a.remove("version"),
                    predicate: a.remove("predicate").as_deref() == Some("true"),
                    ..Case::default()
                };
            }
            Event::Start(e) if e.name().as_ref() == b"expression" => {
                let mut a = attrs(&e);
                case.invalid = a.remove("invalid");
                if let Some(mode) = a.remove("mode") {
                    case.mode = Some(mode);
                }
                in_text = Some("expression");
                buffer.clear();
            }
            Event::Start(e) if e.name().as_ref() == b"output" => {
                output_type = attrs(&e).remove("type").unwrap_or_default();
                in_text = Some("output");
                buffer.clear();
            }
            Event::Empty(e) if e.name().as_ref() == b"output" => {
                case.outputs.push((attrs(&e).remove("type").unwrap_or_default(), String::new()));
            }
            Event::Text(t) if in_text.is_some() => buffer.push_str(&t.unescape().expect("text")),
            Event::CData(t) if in_text.is_some() => buffer.push_str(&String::from_utf8_lossy(&t)),
            Event::End(e) if e.name().as_ref() == b"expression" => {
                case.expression = buffer.clone();
                in_text = None;
            }
            Event::End(e) if e.name().as_ref() == b"output" => {
                case.outputs.push((output_type.clone(), buffer.clone()));
                in_text = None;
            }
            Event::End(e) if e.name().as_ref() == b"test" => cases.push(case.clone()),
            Event::Eof => break,
            _ => {}
        }
    }
    cases
}

/// Why a case is not run, if it is not.
fn skip_reason(case: &Case) -> Option<&'static str> {
    const LATER_GROUPS: [&str; 8] = [
        "testEncodeDecode",
        "testEscapeUnescape",
        "testSort",
        "testConformsTo",
        "LowBoundary",
        "HighBoundary",
        "Comparable",
        "Precision",
    ];
    const TRANSCENDENTAL: [&str; 5] = ["testSqrt", "testExp", "testLn", "testLog", "testPower"];
    if case.version.as_deref() == Some("2.1.0") || LATER_GROUPS.contains(&case.group.as_str()) {
        return Some("FHIRPath 2.1 or later: after the STU3 definitions");
    }
    if TRANSCENDENTAL.contains(&case.group.as_str()) {
        return Some("transcendental function: no exact decimal result (decimals here are never floating point)");
    }
    None
}

/// The text an item is compared with an expected `<output>` by: `@` dates, quantities as
/// `value 'unit'`, booleans and numbers as written.
fn actual_text(item: &Item<'_>) -> String {
    match item {
        Item::Date(_) | Item::DateTime(_) | Item::Time(_) => {
            let t = display(item);
            if matches!(item, Item::Time(_)) {
                format!("@T{t}")
            } else {
                format!("@{t}")
            }
        }
        _ => display(item),
    }
}

fn same_output(item: &Item<'_>, (ty, expected): &(String, String)) -> bool {
    let actual = actual_text(item);
    if actual == *expected {
        return true;
    }
    let number = |s: &str| bluebutton::primitives::ExactDecimal::parse(s.trim());
    match ty.as_str() {
        "decimal" | "integer" => match (number(&actual), number(expected)) {
            (Some(a), Some(b)) => a.numeric_cmp(b) == std::cmp::Ordering::Equal,
            _ => false,
        },
        "date" | "dateTime" | "time" => {
            // A node's date compares by its text (`@` and a trailing `T` are literal syntax).
            let e = expected.trim_start_matches('@').trim_end_matches('T');
            display(item) == e.trim_start_matches('T')
        }
        "Quantity" => match (item, expected.split_once(' ')) {
            (Item::Quantity(v, u), Some((n, unit))) => {
                number(n).is_some_and(|n| n.numeric_cmp(*v) == std::cmp::Ordering::Equal)
                    && unit.trim_matches('\'') == u.as_str()
            }
            _ => false,
        },
        _ => false,
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run(case: &Case, inputs: &BTreeMap<String, Value<'static>>) -> Outcome {
    let parsed = Expression::parse(&case.expression);
    let expression = match (parsed, &case.invalid) {
        (Err(_), Some(_)) => return Outcome::Pass,
        (Err(e), None) => return Outcome::Fail(format!("parse error {e}")),
        (Ok(e), _) => e,
    };
    let input = inputs.get(&case.input).or_else(|| inputs.get("patient-example.xml")).expect("an input");
    let result = match (expression.evaluate(input), &case.invalid) {
        (Err(_), Some(_)) => return Outcome::Pass,
        (Err(e), None) => return Outcome::Fail(format!("error {e}")),
        (Ok(r), Some(kind)) => return Outcome::Fail(format!("expected a {kind} error, got {} items", r.len())),
        (Ok(r), None) => r,
    };
    let result = if case.predicate { vec![Item::Boolean(!result.is_empty())] } else { result };
    let matches =
        result.len() == case.outputs.len() && result.iter().zip(&case.outputs).all(|(i, o)| same_output(i, o));
    if matches {
        Outcome::Pass
    } else {
        let got: Vec<String> = result.iter().map(|i| format!("{} {}", type_of(i), actual_text(i))).collect();
        let want: Vec<String> = case.outputs.iter().map(|(t, v)| format!("{t} {v}")).collect();
        Outcome::Fail(format!("got [{}], expected [{}]", got.join(", "), want.join(", ")))
    }
}

fn load_inputs(dir: &Path) -> BTreeMap<String, Value<'static>> {
    let mut inputs = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the input folder") {
        let path = entry.expect("an entry").path();
        let bytes = std::fs::read(&path).expect("an input file");
        let value: Value<'_> =
            json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a file name");
        // The cases name their inputs as the XML examples.
        inputs.insert(format!("{stem}.xml"), value.clone().into_owned());
        inputs.insert(format!("{stem}.json"), value.into_owned());
    }
    inputs
}

#[test]
fn hl7_fhirpath_suite() {
    let Some(dir) = shared_data::found(PathBuf::from("../shared/data/fhirpath"), "hl7_fhirpath_suite") else {
        return;
    };
    let cases = read_cases(&dir.join("tests-fhir-r4.xml"));
    // 937 `<test` elements, two of them inside an XML comment.
    assert_eq!(cases.len(), 935, "the suite has 935 cases");
    let inputs = load_inputs(&dir.join("input"));
    let mut groups: Vec<(String, [usize; 3])> = Vec::new();
    let mut failures = String::new();
    let mut skipped = String::new();
    for case in &cases {
        if groups.last().map(|g| &g.0) != Some(&case.group) {
            groups.push((case.group.clone(), [0; 3]));
        }
        let counts = &mut groups.last_mut().expect("a group").1;
        if let Some(reason) = skip_reason(case) {
            counts[2] += 1;
            let _ = writeln!(skipped, "{} / {}: {reason}", case.group, case.name);
            continue;
        }
        match std::panic::catch_unwind(|| run(case, &inputs)) {
            Ok(Outcome::Pass) => counts[0] += 1,
            Ok(Outcome::Fail(why)) => {
                counts[1] += 1;
                let _ = writeln!(failures, "{} / {}: `{}` {why}", case.group, case.name, case.expression.trim());
            }
            Err(_) => panic!("{} / {} panicked: `{}`", case.group, case.name, case.expression),
        }
    }
    let total = groups.iter().fold([0; 3], |t, (_, c)| [t[0] + c[0], t[1] + c[1], t[2] + c[2]]);
    let mut out =
        format!("total: {} pass, {} fail, {} skipped\n\ngroup: pass fail skipped\n", total[0], total[1], total[2]);
    for (g, c) in &groups {
        let _ = writeln!(out, "{g}: {} {} {}", c[0], c[1], c[2]);
    }
    let _ = write!(out, "\nfailing:\n{failures}\nskipped:\n{skipped}");
    insta::assert_snapshot!(out);
}
