//! A JSON text that begins with a UTF-8 byte order mark (Windows tools write one when they save
//! a response; RFC 8259 lets a parser ignore it) reads as the same text without it, through
//! every reader: the whole parse, any input (Bundle, minified Bundle, NDJSON, single resource,
//! gzip), the streams a few bytes at a time, and validation. An error in it is named at the same
//! path, line and column. A byte order mark anywhere else is not JSON (but at the start of a
//! line of NDJSON, a JSON text of its own); one of UTF-16 or UTF-32 (what Windows PowerShell 5
//! writes with `>`) is named in the error.
#[path = "support/gzip.rs"]
mod gzip;
mod samples;
#[path = "support/trickle.rs"]
mod trickle;

use bluebutton::json::{self, ErrorKind, IntoOwned, ToJson, Value};
use bluebutton::stream::{BundleStream, Entry, EntryError, InputKind, NdjsonStream, Resources, StreamOptions};
use bluebutton::validate::{self, Target};
use bluebutton::Resource;
use gzip::gzip;
use trickle::Trickle;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn with_bom(bytes: &[u8]) -> Vec<u8> {
    [BOM, bytes].concat()
}

/// What a reader yielded, comparably: each resource (owned) with its index, or each error with
/// its index, NDJSON line, JSON path, and line and column in the input.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Resource(usize, Box<Resource<'static>>),
    Error { text: String, index: Option<usize>, line: Option<u64>, at: (usize, usize) },
}

fn item(r: Result<Entry<'_>, EntryError>) -> Item {
    match r {
        Ok(e) => Item::Resource(e.index, Box::new(e.into_resource().expect("a resource").into_owned())),
        Err(e) => Item::Error { text: e.to_string(), index: e.index(), line: e.line(), at: e.error().line_column() },
    }
}

/// The kind `Resources` tells `input` to be, and what it reads of it.
fn any_input(input: &[u8]) -> (InputKind, Vec<Item>) {
    let resources = Resources::open(input).unwrap();
    (resources.kind(), resources.map(item).collect())
}

/// The same, a few bytes at a time from a reader that cannot seek.
fn any_input_trickled(input: &[u8]) -> (InputKind, Vec<Item>) {
    let resources = Resources::open(Trickle { data: input, step: 7, n: 0 }).unwrap();
    (resources.kind(), resources.map(item).collect())
}

/// An error's message (with its JSON path), and its line and column.
type Located = (String, (usize, usize));

/// The whole parse of `input` as one resource: its compact JSON, or the error with its path,
/// line and column.
fn whole(input: &[u8]) -> Result<String, Located> {
    json::from_slice::<Resource>(input).map(|r| r.to_json_string()).map_err(|e| (e.to_string(), e.line_column()))
}

/// The validation report of `input`, read whole and as a stream (or the error that made it
/// unreadable, with its path, line and column: its byte offset counts the mark).
fn validated(input: &[u8]) -> [Result<String, Located>; 2] {
    let whole = validate::validate_json(input, Target::Served);
    let streamed = validate::validate_reader(Trickle { data: input, step: 4093, n: 0 }, Target::Served);
    [whole, streamed].map(|r| r.map(|report| format!("{report:?}")).map_err(|e| (e.to_string(), e.line_column())))
}

/// Every way of reading `plain` gives the same with a byte order mark before it.
fn reads_the_same(name: &str, plain: &[u8]) {
    let marked = with_bom(plain);
    assert_eq!(whole(&marked), whole(plain), "{name}: whole parse");
    let expected = any_input(plain);
    assert_eq!(any_input(&marked), expected, "{name}: any input");
    assert_eq!(any_input_trickled(&marked), expected, "{name}: any input, a few bytes at a time");
    assert_eq!(any_input(&gzip(&marked)), expected, "{name}: gzip");
    assert_eq!(validated(&marked), validated(plain), "{name}: validation");
}

#[test]
fn every_recorded_response_reads_the_same_after_a_byte_order_mark() {
    let mut files = 0;
    for (name, bytes) in samples::all_recorded() {
        files += 1;
        reads_the_same(&name, &bytes);
        let tree: Value = json::from_slice(&bytes).unwrap();
        reads_the_same(&format!("{name}, minified"), tree.to_json_string().as_bytes());
        let lines = samples::lines_of(&bytes);
        if lines.len() > 1 {
            reads_the_same(&format!("{name}, as NDJSON"), lines.join("\n").as_bytes());
            let marked = with_bom(lines.join("\n").as_bytes());
            let streamed: Vec<Item> = NdjsonStream::new(&marked[..]).map(item).collect();
            let plain: Vec<Item> = NdjsonStream::new(lines.join("\n").as_bytes()).map(item).collect();
            assert_eq!(streamed, plain, "{name}: NDJSON stream");
        }
        if matches!(any_input(&bytes).0, InputKind::Bundle) {
            let marked = with_bom(&bytes);
            let options = StreamOptions { buffer_size: 4096, ..StreamOptions::default() };
            let streamed: Vec<Item> = BundleStream::with_options(&marked[..], options).unwrap().map(item).collect();
            let plain: Vec<Item> = BundleStream::with_options(&bytes[..], options).unwrap().map(item).collect();
            assert_eq!(streamed, plain, "{name}: Bundle stream with a small window");
        }
    }
    if samples::shared_data().is_some() {
        assert!(files >= 100, "only {files} recorded responses");
    }
}

#[test]
fn errors_after_a_byte_order_mark_are_located_as_without_it() {
    let Some(bundle) = samples::normalized("eobByPatientIdAll.json") else { return };
    let text = String::from_utf8(bundle).unwrap();
    // A claim whose billable period is not an object, in the pretty Bundle, in its minified
    // form (the error on line 1, where the mark stands) and in NDJSON (line 3, then line 1).
    let bad = text.replacen("\"billablePeriod\" : {", "\"billablePeriod\" : true, \"x\" : {", 1);
    assert_ne!(bad, text, "the sample has a billable period written as expected");
    let tree: Value = json::from_slice(text.as_bytes()).unwrap();
    let minified = tree.to_json_string().replacen("\"billablePeriod\":{", "\"billablePeriod\":true,\"x\":{", 1);
    let mut lines = samples::lines_of(text.as_bytes());
    lines[2] = lines[2].replacen("\"billablePeriod\":{", "\"billablePeriod\":7,\"x\":{", 1);
    let ndjson = lines.join("\n");
    let first_bad =
        [lines[0].replacen("\"billablePeriod\":{", "\"billablePeriod\":7,\"x\":{", 1), lines[1].clone()].join("\n");
    for (name, plain) in
        [("pretty", bad.as_str()), ("minified", &minified), ("NDJSON", &ndjson), ("NDJSON, line 1", &first_bad)]
    {
        let plain = plain.as_bytes();
        let (_, items) = any_input(plain);
        let errors: Vec<&Item> = items.iter().filter(|i| matches!(i, Item::Error { .. })).collect();
        assert_eq!(errors.len(), 1, "{name}: one bad claim: {errors:?}");
        if let Item::Error { at, .. } = errors[0] {
            assert!(at.0 >= 1 && at.1 >= 1, "{name}: the error has a line and column: {at:?}");
        }
        reads_the_same(name, plain);
    }
    // The minified Bundle's error is on its only line: its column does not count the mark.
    let Err((message, at)) = whole(&with_bom(minified.as_bytes())) else { panic!("the claim is not valid") };
    assert!(message.contains("billablePeriod"), "{message}");
    assert_eq!(at.1, minified.find("true,\"x\"").unwrap() + 1, "{message}");
}

#[test]
fn a_byte_order_mark_anywhere_else_is_not_json() {
    let patient = br#"{"resourceType":"Patient","id":"p1"}"#;
    assert!(whole(&with_bom(patient)).is_ok());
    let cases: [(&str, Vec<u8>); 4] = [
        ("after white space", [b" ".as_slice(), BOM, patient].concat()),
        ("twice", [BOM, BOM, patient].concat()),
        (
            "between members",
            br#"{"resourceType":"Patient","#.iter().chain(BOM).chain(br#""id":"p1"}"#).copied().collect(),
        ),
        ("alone", BOM.to_vec()),
    ];
    for (name, input) in cases {
        assert!(whole(&input).is_err(), "{name}: parsed");
        assert!(validate::validate_json(&input, Target::Served).is_err(), "{name}: validated");
        let (_, items) = any_input(&input);
        assert!(matches!(items.as_slice(), [Item::Error { .. }]), "{name}: {items:?}");
    }
    // A line of NDJSON is a JSON text of its own: a mark before the second is read past as the
    // first's is.
    let ndjson = [BOM, patient, b"\n", BOM, patient].concat();
    let (kind, items) = any_input(&ndjson);
    assert_eq!(kind, InputKind::Ndjson);
    assert!(matches!(items.as_slice(), [Item::Resource(0, _), Item::Resource(1, _)]), "{items:?}");
}

#[test]
fn a_utf16_or_utf32_input_is_named_in_the_error() {
    let Some(patient) = samples::normalized("patientRead.json") else { return };
    let text = String::from_utf8(patient).unwrap();
    let utf16 = |big_endian: bool| -> Vec<u8> {
        let units = std::iter::once(0xFEFF).chain(text.encode_utf16());
        units.flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
    };
    let utf32: Vec<u8> =
        std::iter::once('\u{FEFF}').chain(text.chars()).flat_map(|c| u32::from(c).to_le_bytes()).collect();
    for (encoding, input) in [("UTF-16LE", utf16(false)), ("UTF-16BE", utf16(true)), ("UTF-32LE", utf32)] {
        let error = json::from_slice::<Resource>(&input).unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::NotUtf8 { encoding }, "{encoding}");
        assert!(error.to_string().contains(&format!("iconv -f {encoding} -t UTF-8")), "{error}");
        let error = validate::validate_json(&input, Target::Served).unwrap_err();
        assert_eq!(error.kind(), &ErrorKind::NotUtf8 { encoding }, "{encoding}: validation");
        for (how, input) in [("plain", input.clone()), ("gzip", gzip(&input))] {
            let (_, items) = any_input(&input);
            let [Item::Error { text, .. }] = items.as_slice() else { panic!("{encoding}, {how}: {items:?}") };
            assert!(text.contains(&format!("the input is {encoding}")), "{encoding}, {how}: {text}");
        }
    }
}
