//! Property: every valid FHIR JSON instance of a model type, generated at random from the IR,
//! parses into the typed model and is written back without loss.
//!
//! For each generated instance (see `support/instances.rs`):
//! 1. it parses as its type (`Resource` for resources; the concrete type for datatypes);
//! 2. the typed value written out equals the instance as FHIR JSON (`Value::first_difference`);
//! 3. the written text parses to an equal typed value, and the value made owned writes the same
//!    text;
//! 4. the pretty-printed text parses to an equal value;
//!
//! plus, on the way: the rendered text parses as a generic `Value` equal to the instance (checks
//! the generator's own renderer), `round_trip_difference` finds nothing, and a lenient parse
//! finds no unknown properties.
//!
//! The IR is read from `instances::definitions_root()`, where the model's build script reads
//! the definitions from.
#[path = "support/instances.rs"]
mod instances;

use std::fmt;

use bluebutton::json::{self, FromJson, IntoOwned, ParseOptions, ToJson, Value};
use bluebutton::resources::Resource;
use bluebutton::types;
use bluebutton_codegen::types::ir::{Model, StructKind};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, TestCaseError};

use instances::{render, Instances, Json, Limits, Style};

/// A generated instance: its type, the JSON tree, and the text it was rendered to.
#[derive(Clone)]
struct Case {
    ty: String,
    value: Json,
    style: Style,
    text: String,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({:?}), {} bytes:", self.ty, self.style, self.text.len())?;
        writeln!(f, "{}", self.text)?;
        if self.style != Style(0) {
            writeln!(f, "(compact: {})", self.value.to_json_string())?;
        }
        Ok(())
    }
}

fn cases(ty: impl Into<String>, values: BoxedStrategy<Json>) -> impl Strategy<Value = Case> {
    let ty = ty.into();
    (values, Style::strategy()).prop_map(move |(value, style)| Case {
        ty: ty.clone(),
        text: render(&value, style),
        value,
        style,
    })
}

/// A model type, named without its lifetime, so one generic function can parse it from texts
/// of different lifetimes.
trait Family {
    type Of<'a>: FromJson<'a> + ToJson + PartialEq + Clone + fmt::Debug + IntoOwned<Owned = Self::Of<'static>>;
}

fn fail(case: &Case, what: impl fmt::Display) -> TestCaseError {
    TestCaseError::fail(format!("{what}\n--- generated {case:?}"))
}

/// The properties, for one instance parsed as `F`.
fn round_trip<F: Family>(case: &Case) -> Result<(), TestCaseError> {
    let input = case.text.as_bytes();

    // 0. The rendered text is the generated tree (checks the renderer, and the lexer's strings).
    let generic: Value<'_> = json::from_slice(input).map_err(|e| fail(case, format_args!("not JSON: {e}")))?;
    if generic != case.value {
        let why = case.value.first_difference(&generic).map(|d| format!("{}: {}", d.path, d.message));
        return Err(fail(case, format_args!("the text does not read back as generated ({why:?})")));
    }

    // 1. Typed parse. (A first parse gives the texts to compare; everything is then parsed again
    // with one lifetime, so the borrowed values can be compared directly.)
    let (written, pretty) = {
        let first: F::Of<'_> =
            json::from_slice(input).map_err(|e| fail(case, format_args!("typed parse failed: {e}")))?;
        (first.to_json_string(), first.to_json_pretty())
    };
    let typed: F::Of<'_> = json::from_slice(input).map_err(|e| fail(case, format_args!("typed parse failed: {e}")))?;

    // 2. Lossless: what is written is what was read.
    let after: Value<'_> = json::from_slice(written.as_bytes())
        .map_err(|e| fail(case, format_args!("the written text is not JSON: {e}\nwritten: {written}")))?;
    if let Some(d) = case.value.first_difference(&after) {
        return Err(fail(case, format_args!("round trip lost data at {}: {}\nwritten: {written}", d.path, d.message)));
    }
    match json::round_trip_difference::<F::Of<'_>>(input, ParseOptions::strict()) {
        Ok(None) => {}
        other => return Err(fail(case, format_args!("round_trip_difference: {other:?}"))),
    }

    // 3. The written text parses to the same value; the owned value writes the same text.
    let again: F::Of<'_> = json::from_slice(written.as_bytes())
        .map_err(|e| fail(case, format_args!("the written text does not parse: {e}\nwritten: {written}")))?;
    if again != typed {
        return Err(fail(case, format_args!("re-parsed value differs\nwritten: {written}")));
    }
    let owned = typed.clone().into_owned();
    let owned_text = owned.to_json_string();
    if owned_text != written {
        return Err(fail(
            case,
            format_args!("into_owned changed the output\nborrowed: {written}\nowned:    {owned_text}"),
        ));
    }
    if owned != again.clone().into_owned() {
        return Err(fail(case, "the owned values of the first and second parse differ"));
    }

    // 4. Pretty output parses back to the same value.
    let from_pretty: F::Of<'_> = json::from_slice(pretty.as_bytes())
        .map_err(|e| fail(case, format_args!("the pretty text does not parse: {e}\npretty:\n{pretty}")))?;
    if from_pretty != typed {
        return Err(fail(case, format_args!("pretty text parses to a different value\npretty:\n{pretty}")));
    }

    // Lenient parsing of a valid instance: the same value, nothing unknown.
    let lenient = json::from_slice_lenient::<F::Of<'_>>(input)
        .map_err(|e| fail(case, format_args!("lenient parse failed: {e}")))?;
    if !lenient.unknown.is_empty() || lenient.value != typed {
        return Err(fail(case, format_args!("lenient parse differs (unknown: {:?})", lenient.unknown)));
    }
    Ok(())
}

struct AnyResource;
impl Family for AnyResource {
    type Of<'a> = Resource<'a>;
}

macro_rules! families {
    ($module:ident, $path:path, [$($name:ident),* $(,)?]) => {
        #[allow(non_camel_case_types, dead_code)]
        mod $module {
            use $path as m;
            $(pub struct $name; impl super::Family for $name { type Of<'a> = m::$name<'a>; })*
        }
    };
}

/// Every datatype of the model, by name: the list, and dispatch from a name to
/// `round_trip::<types::X>`. `every_datatype_is_covered` checks it against the IR.
macro_rules! datatypes {
    ($($name:ident),* $(,)?) => {
        families!(datatype, bluebutton::types, [$($name),*]);

        const DATATYPES: &[&str] = &[$(stringify!($name)),*];

        fn round_trip_datatype(case: &Case) -> Result<(), TestCaseError> {
            // A compile-time check that each name is a type (and not, say, a module).
            $(let _: Option<types::$name<'static>> = None;)*
            match case.ty.as_str() {
                $(stringify!($name) => round_trip::<datatype::$name>(case),)*
                other => panic!("{other} is not in the datatypes! list"),
            }
        }
    };
}

datatypes![
    Address,
    Age,
    Annotation,
    Attachment,
    CodeableConcept,
    Coding,
    ContactDetail,
    ContactPoint,
    Count,
    Distance,
    Duration,
    Extension,
    HumanName,
    Identifier,
    Meta,
    Money,
    Narrative,
    Period,
    Quantity,
    Range,
    Ratio,
    Reference,
    SampledData,
    Signature,
    Timing,
    UsageContext,
];

families!(resource, bluebutton::resources, [ExplanationOfBenefit, Bundle, Patient, Coverage]);

fn model() -> &'static Model {
    static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    MODEL.get_or_init(instances::load_model)
}

fn ir_datatypes() -> Vec<&'static str> {
    model().structs.iter().filter(|s| s.kind == StructKind::Datatype).map(|s| s.name.as_str()).collect()
}

fn assert_datatypes_covered() {
    let missing: Vec<_> = ir_datatypes().into_iter().filter(|d| !DATATYPES.contains(d)).collect();
    assert!(
        missing.is_empty(),
        "datatypes in the IR that the datatypes! list in {} lacks (add them): {missing:?}",
        file!()
    );
    let extra: Vec<_> = DATATYPES.iter().filter(|d| !ir_datatypes().contains(d)).collect();
    assert!(extra.is_empty(), "names in the datatypes! list that are not IR datatypes: {extra:?}");
}

#[test]
fn every_datatype_is_covered() {
    assert_datatypes_covered();
}

/// Struct levels below a datatype generated on its own.
const DATATYPE_DEPTH: u32 = 4;
/// Struct levels below a resource (EOB needs 5 to reach `item.detail.subDetail.adjudication.amount`).
const RESOURCE_DEPTH: u32 = 6;

/// `cases` cases, or `PROPTEST_CASES` when set (for longer runs).
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases),
        // Keep the tree clean: no regression files are written next to this test.
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    }
}

fn datatype_cases() -> impl Strategy<Value = Case> {
    assert_datatypes_covered();
    let gen = Instances::new(model(), Limits::default());
    let options: Vec<_> = DATATYPES.iter().map(|&name| cases(name, gen.strategy(name, DATATYPE_DEPTH))).collect();
    Union::new(options)
}

fn resource_cases(name: &'static str) -> impl Strategy<Value = Case> {
    let gen = Instances::new(model(), Limits::default());
    cases(name, gen.strategy(name, RESOURCE_DEPTH))
}

/// A Bundle whose entries hold ExplanationOfBenefit resources.
fn bundle_cases() -> impl Strategy<Value = Case> {
    let eob = Instances::new(model(), Limits::default()).strategy("ExplanationOfBenefit", RESOURCE_DEPTH - 1);
    let gen = Instances::new(model(), Limits::default())
        .with_override("Bundle.entry.resource", eob)
        .always("Bundle.entry")
        .always("Bundle.entry.resource");
    cases("Bundle", gen.strategy("Bundle", 3))
}

/// Checks a resource case as `Resource` and as its own type.
fn round_trip_resource<F: Family>(case: &Case) -> Result<(), TestCaseError> {
    round_trip::<AnyResource>(case)?;
    round_trip::<F>(case)
}

proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn datatypes_round_trip(case in datatype_cases()) {
        round_trip_datatype(&case)?;
    }
}

proptest! {
    #![proptest_config(config(64))]
    #[test]
    fn explanation_of_benefit_round_trips(case in resource_cases("ExplanationOfBenefit")) {
        round_trip_resource::<resource::ExplanationOfBenefit>(&case)?;
    }

    #[test]
    fn bundle_of_eobs_round_trips(case in bundle_cases()) {
        round_trip_resource::<resource::Bundle>(&case)?;
    }

    #[test]
    fn patient_round_trips(case in resource_cases("Patient")) {
        round_trip_resource::<resource::Patient>(&case)?;
    }

    #[test]
    fn coverage_round_trips(case in resource_cases("Coverage")) {
        round_trip_resource::<resource::Coverage>(&case)?;
    }
}

/// The generator's sizes, for tuning: `cargo test --test proptest_roundtrip -- --ignored --nocapture sizes`.
#[test]
#[ignore]
fn sizes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let report = |name: &str, st: BoxedStrategy<Case>, runner: &mut TestRunner| {
        let start = std::time::Instant::now();
        let sizes: Vec<usize> = (0..64).map(|_| st.new_tree(runner).unwrap().current().text.len()).collect();
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        let max = sizes.iter().max().unwrap();
        println!("{name}: mean {mean} bytes, max {max} bytes, 64 in {:?}", start.elapsed());
    };
    report("datatypes", datatype_cases().boxed(), &mut runner);
    for r in ["ExplanationOfBenefit", "Patient", "Coverage"] {
        report(r, resource_cases(r).boxed(), &mut runner);
    }
    report("Bundle", bundle_cases().boxed(), &mut runner);
}

/// Repeating primitives with a side of nothing but `null`s (`"given": ["a"], "_given": [null]`):
/// such a side carries nothing and could not be written back as it was, so the parser rejects
/// it; every other case still round-trips.
#[test]
fn all_null_primitive_sides_are_rejected() {
    let limits = Limits { all_null_sides: true, ..Limits::default() };
    let gen = Instances::new(model(), limits);
    let options: Vec<_> = DATATYPES.iter().map(|&name| cases(name, gen.strategy(name, DATATYPE_DEPTH))).collect();
    proptest::test_runner::TestRunner::new(config(256))
        .run(&Union::new(options), |case| match round_trip_datatype(&case) {
            Err(e) if e.to_string().contains("found only null") => Ok(()),
            other => other,
        })
        .unwrap();
}
