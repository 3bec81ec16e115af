//! Arbitrary bytes through the whole read path: strict and lenient parsing as any `Resource`,
//! the writer (anything that parses must write out text that parses back to an equal value), and
//! the validator on the bytes (whole, and streamed from a reader, on one thread and on three)
//! and on the parsed value (the typed resource, and the JSON tree the bytes make); and the
//! streamed validator on a reader that breaks off, whose findings must be those the whole input
//! gives first; and a validator kept from one input to the next (what it learned from the
//! inputs before must not change the report of this one), on the bytes whole and as a document
//! in memory. Nothing may panic.
#![no_main]

use std::cell::RefCell;
use std::io::Read;

use bluebutton::json::{self, IntoOwned, ToJson};
use bluebutton::validate::{validate_reader, Finding, Outline, Unfinished};
use bluebutton::{validate, validate_json, Resource, Target};
use libfuzzer_sys::fuzz_target;

#[path = "support/breaks.rs"]
mod breaks;
use breaks::{Breaks, BREAK};

/// The findings `validate_reader_with` hands out, amended, without the count of a note's
/// occurrences (which a break cuts short), and how it ended.
fn handed_out(reader: impl Read, options: validate::Options) -> (Vec<String>, Result<Outline, Unfinished>) {
    let mut findings: Vec<Finding> = Vec::new();
    let result = options.validate_reader_with(reader, |f, _| findings.push(f));
    let outline = match &result {
        Ok(outline) => Some(outline),
        Err(unfinished) => unfinished.before.as_ref(),
    };
    if let Some(outline) = outline {
        outline.amend(&mut findings);
    }
    let text = |f: &Finding| {
        let t = f.to_string();
        match t.rfind(" occurrences; the first is shown)") {
            Some(end) => t[..t[..end].rfind(" (").unwrap_or(end)].to_string(),
            None => t,
        }
    };
    (findings.iter().map(text).collect(), result)
}

thread_local! {
    /// A validator per target, kept from one input to the next, as `bluebutton validate` keeps
    /// one for the lines of NDJSON.
    static KEPT: RefCell<[validate::Validator; 2]> = RefCell::new([
        validate::Options::new(Target::Served).validator(),
        validate::Options::new(Target::Published).validator(),
    ]);
}

fuzz_target!(|data: &[u8]| {
    // Strict: parse, write, parse again; the owned copy writes the same text.
    if let Ok(resource) = json::from_slice::<Resource>(data) {
        let written = resource.to_json_string();
        let again: Resource = json::from_slice(written.as_bytes())
            .unwrap_or_else(|e| panic!("written text does not parse: {e}\n{written}"));
        assert_eq!(again, resource, "re-parse differs\n{written}");
        let pretty = resource.to_json_pretty();
        let again: Resource =
            json::from_slice(pretty.as_bytes()).unwrap_or_else(|e| panic!("pretty text does not parse: {e}\n{pretty}"));
        assert_eq!(again, resource, "re-parse of the pretty text differs\n{pretty}");
        assert_eq!(resource.clone().into_owned().to_json_string(), written);
        let _ = validate(&resource).to_string();
    }

    // Lenient: unknown properties are kept and written back.
    if let Ok(lenient) = json::from_slice_lenient::<Resource>(data) {
        let written = lenient.value.to_json_string();
        let again = json::from_slice_lenient::<Resource>(written.as_bytes())
            .unwrap_or_else(|e| panic!("written lenient text does not parse: {e}\n{written}"));
        assert_eq!(again.value, lenient.value, "lenient re-parse differs\n{written}");
        // Unknown properties are written at the end of their object, so the list (in document
        // order) may come back in another order: compare it as a set.
        let sorted = |paths: &[json::JsonPath]| {
            let mut v: Vec<String> = paths.iter().map(ToString::to_string).collect();
            v.sort();
            v
        };
        assert_eq!(
            sorted(&again.unknown),
            sorted(&lenient.unknown),
            "lenient re-parse lists other unknown properties\n{written}"
        );
        let _ = validate(&lenient.value);
    }

    // The validator on the bytes, both targets; its report renders.
    for target in [Target::Served, Target::Published] {
        let alone = validate_json(data, target);
        if let Ok(report) = &alone {
            let _ = report.to_string();
            let _ = report.to_operation_outcome();
            // The same tree given as a value: the strings get every check of their format,
            // rather than those for JSON text, and the findings must be the same.
            let value: json::Value = json::from_slice(data).expect("validate_json parsed it");
            assert_eq!(&validate::validate_value(&value, target), report, "validate_value differs");
        }
        // A validator that validated the inputs before: the same report, or the same error;
        // and as a document in memory, what the stream of the same bytes hands out.
        KEPT.with_borrow_mut(|kept| {
            let validator = &mut kept[usize::from(target == Target::Published)];
            match (validator.validate_json(data), &alone) {
                (Ok(a), Ok(b)) => assert_eq!(&a, b, "a kept validator's report differs"),
                (Err(a), Err(b)) => assert_eq!((a.to_string(), a.offset()), (b.to_string(), b.offset())),
                (kept, _) => panic!("a kept validator: {kept:?}; alone: {alone:?}"),
            }
            let mut sliced = Vec::new();
            let from_slice = validator.validate_slice_with(data, |f, p| sliced.push((f, p)));
            let mut read = Vec::new();
            let from_reader = validate::Options::new(target).validate_reader_with(data, |f, p| read.push((f, p)));
            assert_eq!(from_slice, from_reader, "a document in memory ends otherwise than its reader");
            assert_eq!(sliced, read, "a document in memory hands out other findings than its reader");
        });
        let streamed = validate_reader(data, target);
        if let Ok(report) = &streamed {
            let _ = report.to_string();
        }
        // With the entries walked on threads: the same report, or the same error.
        let threaded = validate::Options::new(target).threads(3).validate_reader(data);
        match (&streamed, &threaded) {
            (Ok(one), Ok(three)) => assert_eq!(one, three, "the report differs on 3 threads"),
            (Err(one), Err(three)) => assert_eq!(
                (one.to_string(), one.offset()),
                (three.to_string(), three.offset()),
                "the error differs on 3 threads"
            ),
            _ => panic!("on 3 threads: {threaded:?}; on one: {streamed:?}"),
        }
    }

    // Broken off after some of its bytes (the third and fourth say where): the findings handed
    // out are those the whole input gives first, and the last word is the break where it
    // happened, or the input's own error where that comes first.
    let at = usize::from(u16::from_le_bytes([data.get(2).copied().unwrap_or(0), data.get(3).copied().unwrap_or(0)]));
    let at = at % (data.len() + 1);
    let options = validate::Options::new(Target::Served);
    let (whole, whole_end) = handed_out(data, options);
    for threads in [1, 3] {
        let (broken, end) = handed_out(Breaks { data, step: 977, left: at }, options.threads(threads));
        let Err(unfinished) = end else { panic!("{threads} thread(s): the break is not told: {end:?}") };
        let e = &unfinished.error;
        match (e.kind(), &whole_end) {
            (json::ErrorKind::Io(m), _) if m == BREAK => {
                assert_eq!(e.offset(), at, "{threads} thread(s): where the input broke: {e}")
            }
            (_, Err(own)) => {
                assert_eq!(e.offset(), own.error.offset(), "{threads} thread(s): not the input's own error: {e}")
            }
            (_, Ok(_)) => panic!("{threads} thread(s): an error in whole input: {e}"),
        }
        assert_eq!(
            unfinished.before.as_ref().map_or(0, Outline::findings),
            broken.len(),
            "{threads} thread(s): the outline counts what was handed out"
        );
        assert!(broken.len() <= whole.len(), "{threads} thread(s): more findings than the whole input's");
        assert_eq!(broken[..], whole[..broken.len()], "{threads} thread(s): the findings before the break");
    }
});
