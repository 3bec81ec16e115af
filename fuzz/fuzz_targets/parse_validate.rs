//! Arbitrary bytes through the whole read path: strict and lenient parsing as any `Resource`,
//! the writer (anything that parses must write out text that parses back to an equal value), and
//! the validator on the bytes (whole, and streamed from a reader, on one thread and on three)
//! and on the parsed value (the typed resource, and the JSON tree the bytes make).
//! Nothing may panic.
#![no_main]

use bluebutton::json::{self, IntoOwned, ToJson};
use bluebutton::validate::validate_reader;
use bluebutton::{validate, validate_json, Resource, Target};
use libfuzzer_sys::fuzz_target;

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
        if let Ok(report) = validate_json(data, target) {
            let _ = report.to_string();
            let _ = report.to_operation_outcome();
            // The same tree given as a value: the strings get every check of their format,
            // rather than those for JSON text, and the findings must be the same.
            let value: json::Value = json::from_slice(data).expect("validate_json parsed it");
            assert_eq!(validate::validate_value(&value, target), report, "validate_value differs");
        }
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
});
