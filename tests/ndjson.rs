//! NDJSON, as bulk exports deliver the same resources: every recorded Bundle, written one
//! resource per line, reads back as the Bundle's entries (plain, gzip, CRLF, blank lines, a few
//! bytes at a time, in parallel); a bad line is reported by its line number and JSON path and
//! the others are read; the kind of an input is told from its first bytes.
#[path = "support/gzip.rs"]
mod gzip;
mod samples;
#[path = "support/trickle.rs"]
mod trickle;

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bluebutton::json::{self, IntoOwned, ParseOptions, ToJson, Value};
use bluebutton::resources::BundleEntry;
use bluebutton::stream::{
    BundleReader, Entry, EntryError, InputKind, NdjsonReader, NdjsonStream, NdjsonWriter, Resources, StreamOptions,
};
use bluebutton::summary::{ResourceDigest, Totals};
use bluebutton::synth::{self, Layout, Options};
use bluebutton::Resource;
use gzip::gzip;
use proptest::prelude::*;
use trickle::Trickle;

/// What a reader yielded, comparably: each resource (owned) with its index, or each error's
/// text, index and line.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Resource(usize, Box<Resource<'static>>),
    Error { text: String, index: Option<usize>, line: Option<u64>, fatal: bool },
}

fn item(r: Result<Entry<'_>, EntryError>) -> Item {
    match r {
        Ok(e) => Item::Resource(e.index, Box::new(e.into_resource().expect("a resource").into_owned())),
        Err(e) => Item::Error { text: e.to_string(), index: e.index(), line: e.line(), fatal: e.is_fatal() },
    }
}

/// What a parallel reader yielded, comparably (indexes counted in order).
fn par_items(items: Vec<Result<BundleEntry<'static>, EntryError>>) -> Vec<Item> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, r)| match r {
            Ok(entry) => Item::Resource(i, Box::new(entry.resource.expect("a resource"))),
            Err(e) => Item::Error { text: e.to_string(), index: e.index(), line: e.line(), fatal: e.is_fatal() },
        })
        .collect()
}

fn owned(entry: BundleEntry<'_>) -> BundleEntry<'static> {
    entry.into_owned()
}

/// Every way of reading `ndjson` gives `expected`.
fn check_every_reader(name: &str, ndjson: &[u8], expected: &[Item]) {
    let from_slice: Vec<Item> = NdjsonReader::new(ndjson).map(item).collect();
    assert_eq!(from_slice, expected, "{name}: slice");
    let small = StreamOptions { buffer_size: 64, ..StreamOptions::default() };
    let mut stream = NdjsonStream::with_options(Trickle { data: ndjson, step: 7, n: 0 }, small);
    let mut streamed = Vec::new();
    while let Some(r) = stream.next_entry() {
        streamed.push(item(r));
    }
    assert_eq!(streamed, expected, "{name}: stream");
    for threads in [1, 2, 5] {
        let out = NdjsonReader::new(ndjson).par_map(threads, IntoOwned::into_owned);
        assert_eq!(par_items(out.items), expected, "{name}: slice, {threads} threads");
        let window = StreamOptions { buffer_size: 4096, ..StreamOptions::default() };
        let mut items = Vec::new();
        NdjsonStream::with_options(ndjson, window).par_for_each(threads, owned, |r| items.push(r));
        assert_eq!(par_items(items), expected, "{name}: stream, {threads} threads");
    }
    let detected: Vec<Item> = Resources::open(ndjson).unwrap().map(item).collect();
    assert_eq!(detected, expected, "{name}: detected");
    let compressed = gzip(ndjson);
    let resources = Resources::open(&compressed[..]).unwrap();
    assert!(resources.is_gzip(), "{name}");
    assert_eq!(resources.map(item).collect::<Vec<_>>(), expected, "{name}: gzip");
}

#[test]
fn every_recorded_bundle_reads_the_same_as_ndjson() {
    let mut bundles = 0;
    for (name, bytes) in samples::all_recorded() {
        let lines = samples::lines_of(&bytes);
        if lines.len() < 2 {
            continue;
        }
        bundles += 1;
        let expected: Vec<Item> = BundleReader::new(&bytes).unwrap().map(item).collect();
        assert!(expected.iter().all(|i| matches!(i, Item::Resource(..))), "{name}");
        let plain = lines.join("\n") + "\n";
        check_every_reader(&name, plain.as_bytes(), &expected);
        // Windows line ends, blank lines, no final line end: the same resources.
        let crlf = String::from("\r\n") + &lines.join("\r\n\r\n   \r\n");
        check_every_reader(&name, crlf.as_bytes(), &expected);
        // Sums over the Bundle and over its NDJSON agree.
        let totals = |r: Resources<'_>| {
            let mut totals = Totals::default();
            for entry in r {
                totals.add(&ResourceDigest::of(entry.unwrap().resource()));
            }
            format!("{totals:?}")
        };
        assert_eq!(totals(Resources::open(&bytes[..]).unwrap()), totals(Resources::open(plain.as_bytes()).unwrap()));
    }
    if samples::shared_data().is_some() {
        assert!(bundles >= 15, "only {bundles} recorded Bundles with two entries or more");
    }
}

#[test]
fn a_bad_line_is_reported_by_line_and_path_and_the_others_are_read() {
    let Some(bundle) = samples::normalized("eobByPatientIdAll.json") else { return };
    let mut lines = samples::lines_of(&bundle);
    assert!(lines.len() >= 4);
    // Line 2: an unknown property deep in a claim; line 4: not JSON; line 5: a blank line.
    lines[1] = lines[1].replacen("\"item\":[{", "\"item\":[{\"bogus\":true,", 1);
    assert!(lines[1].contains("bogus"), "the claim on line 2 has items");
    lines.insert(3, "{\"resourceType\": \"Patient\", \"id\": ".to_string());
    lines.insert(4, String::new());
    let ndjson = lines.join("\n");
    let items: Vec<Item> = NdjsonReader::new(ndjson.as_bytes()).map(item).collect();
    assert_eq!(items.len(), lines.len() - 1, "every non-blank line gives one item");
    let errors: Vec<(Option<usize>, Option<u64>, &str)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Error { text, index, line, fatal } => {
                assert!(!fatal);
                Some((*index, *line, text.as_str()))
            }
            Item::Resource(..) => None,
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1), (Some(1), Some(2)));
    assert!(errors[0].2.starts_with("line 2: item[0].bogus: unknown property `bogus`"), "{}", errors[0].2);
    assert_eq!((errors[1].0, errors[1].1), (Some(3), Some(4)));
    assert!(errors[1].2.starts_with("line 4: $: unexpected end of input"), "{}", errors[1].2);
    // The lines after the bad ones are read, with their own line numbers.
    let last = NdjsonReader::new(ndjson.as_bytes()).last().unwrap().unwrap();
    assert_eq!((last.index, last.line), (lines.len() - 2, Some(lines.len() as u64)));
    // The error's offset and column point into the input.
    let e = NdjsonReader::new(ndjson.as_bytes()).nth(1).unwrap().unwrap_err();
    let at = e.error().offset();
    assert_eq!(&ndjson.as_bytes()[at..at + 7], b"\"bogus\"");
    let line_start = ndjson[..at].rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(e.error().line_column(), (2, at - line_start + 1));
    check_every_reader("mutated", ndjson.as_bytes(), &items);
}

#[test]
fn a_bundle_line_begun_one_by_one_is_finished_by_par_map() {
    let Some(bundle) = samples::normalized("eobByPatientIdAll.json") else { return };
    let minified = json::from_slice::<Value>(&bundle).unwrap().to_json_string();
    let patient = r#"{"resourceType":"Patient","id":"after"}"#;
    let ndjson = format!("{minified}\n{patient}\n");
    let expected: Vec<Item> = NdjsonReader::new(ndjson.as_bytes()).map(item).collect();
    assert!(expected.len() > 3, "the Bundle line has several entries");
    for threads in [1, 2] {
        let mut reader = NdjsonReader::new(ndjson.as_bytes());
        // The Bundle's first entry; the others wait in the reader.
        let first = item(reader.next().unwrap());
        let rest = reader.par_map(threads, IntoOwned::into_owned).items;
        let mut got = vec![first];
        got.extend(par_items(rest).into_iter().enumerate().map(|(i, it)| match it {
            Item::Resource(_, r) => Item::Resource(i + 1, r),
            error => error,
        }));
        assert_eq!(got, expected, "{threads} threads");
    }
}

#[test]
fn a_line_longer_than_allowed_ends_the_stream_with_an_error() {
    let input = format!(
        "{{\"resourceType\":\"Patient\",\"id\":\"p1\"}}\n{{\"resourceType\":\"Patient\",\"id\":\"{}\"}}\n",
        "x".repeat(500)
    );
    let options = StreamOptions { buffer_size: 64, max_entry_len: 256, ..StreamOptions::default() };
    let items: Vec<Item> = NdjsonStream::with_options(input.as_bytes(), options).map(item).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[0], Item::Resource(0, _)));
    let Item::Error { text, line, fatal, .. } = &items[1] else { panic!("{items:?}") };
    assert_eq!((*line, *fatal), (Some(2), true));
    assert!(text.contains("longer than 256 bytes"), "{text}");
}

#[test]
fn the_kind_of_an_input_is_told_from_its_first_bytes() {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/demo-bundle.json")).unwrap();
    let bundle: bluebutton::resources::Bundle = json::from_slice(&demo).unwrap();
    let minified = bundle.to_json_string();
    let patient = samples::lines_of(&demo).remove(0);
    let pretty_patient = json::to_string_pretty(&json::from_str::<Resource>(&patient).unwrap());
    let cases: [(&str, Vec<u8>, InputKind, usize); 8] = [
        ("pretty Bundle", demo.clone(), InputKind::Bundle, 7),
        ("minified Bundle", minified.clone().into_bytes(), InputKind::Bundle, 7),
        ("minified Bundle and a line end", format!("{minified}\n").into_bytes(), InputKind::Bundle, 7),
        ("pretty resource", pretty_patient.into_bytes(), InputKind::Resource, 1),
        ("minified resource", patient.clone().into_bytes(), InputKind::Resource, 1),
        ("NDJSON", samples::lines_of(&demo).join("\n").into_bytes(), InputKind::Ndjson, 7),
        // Pages of search results, one per line: their entries.
        ("NDJSON of Bundles", format!("{minified}\n{patient}\n{minified}\n").into_bytes(), InputKind::Ndjson, 15),
        ("white space first", format!("\n\n  {patient}\n{patient}").into_bytes(), InputKind::Ndjson, 2),
    ];
    for (name, bytes, kind, count) in cases {
        for (how, input) in [("plain", bytes.clone()), ("gzip", gzip(&bytes))] {
            let resources = Resources::open(&input[..]).unwrap();
            assert_eq!(resources.kind(), kind, "{name}, {how}");
            let items: Vec<Item> = resources.map(item).collect();
            assert_eq!(items.len(), count, "{name}, {how}: {items:?}");
            assert!(items.iter().all(|i| matches!(i, Item::Resource(..))), "{name}, {how}: {items:?}");
        }
    }
    // A long first line: read until it ends (here, beyond the 64 KiB first look).
    let long =
        format!("{{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{{\"text\":\"{}\"}}]}}", "y".repeat(100_000));
    let two = format!("{long}\n{long}\n");
    let resources = Resources::open(Trickle { data: two.as_bytes(), step: 4093, n: 0 }).unwrap();
    assert_eq!(resources.kind(), InputKind::Ndjson);
    assert_eq!(resources.filter(Result::is_ok).count(), 2);
    // Not JSON at all: one error, naming what was expected.
    let mut resources = Resources::open(&b"hello"[..]).unwrap();
    let e = resources.next_entry().unwrap().unwrap_err();
    assert!(e.to_string().contains("expected"), "{e}");
    assert!(resources.next_entry().is_none());
}

/// A writer that fails after `left` bytes.
struct Failing {
    left: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left < buf.len() {
            return Err(io::Error::other("disk full"));
        }
        self.left -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_writer_writes_one_resource_per_line_and_reports_write_errors() {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/demo-bundle.json")).unwrap();
    let mut out = NdjsonWriter::new(Vec::new());
    for entry in BundleReader::new(&demo).unwrap() {
        out.write(entry.unwrap().resource().unwrap()).unwrap();
    }
    assert_eq!(out.written(), 7);
    let bytes = out.bytes();
    let written = String::from_utf8(out.into_inner()).unwrap();
    assert_eq!(bytes, written.len() as u64);
    // Exactly the compact JSON of each resource, through the generic tree too.
    assert_eq!(written, samples::lines_of(&demo).join("\n") + "\n");
    let mut failing = NdjsonWriter::new(Failing { left: 100 });
    let first = samples::lines_of(&demo).remove(0);
    let patient: Resource = json::from_str(&first).unwrap();
    assert_eq!(failing.write(&patient).unwrap_err().to_string(), "disk full");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Generated data written as NDJSON and as a Bundle reads back as the same resources,
    /// whatever the window, the read sizes and the threads.
    #[test]
    fn generated_ndjson_and_bundle_hold_the_same_resources(
        seed in 0u64..1000,
        window in 64usize..20_000,
        step in 1usize..5000,
        threads in 1usize..4,
    ) {
        let options = Options { seed, patients: 2, ..Options::default() };
        let mut ndjson = Vec::new();
        let stats = synth::write_ndjson(&mut ndjson, &options).unwrap();
        let mut bundle = Vec::new();
        synth::write_searchset(&mut bundle, &options, Layout::Compact).unwrap();
        let expected: Vec<Item> = BundleReader::new(&bundle).unwrap().map(item).collect();
        prop_assert_eq!(expected.len() as u64, stats.entries);
        let small = StreamOptions { buffer_size: window, parse: ParseOptions::strict(), ..StreamOptions::default() };
        let mut streamed = Vec::new();
        let mut stream = NdjsonStream::with_options(Trickle { data: &ndjson, step, n: 0 }, small);
        while let Some(r) = stream.next_entry() {
            streamed.push(item(r));
        }
        prop_assert_eq!(&streamed, &expected);
        let mut items = Vec::new();
        NdjsonStream::with_options(Trickle { data: &ndjson, step, n: 0 }, small)
            .par_for_each(threads, owned, |r| items.push(r));
        prop_assert_eq!(par_items(items), expected);
    }
}

/// A Bundle on a line of NDJSON that is longer than the window is read one entry at a time:
/// the parallel readers hand on every entry of it (a bad one too), then the lines after it, as
/// the stream gives them one by one. They used to hand on only its first entry, the others
/// left waiting for a later `next_entry` (found by the `stream` fuzz target).
#[test]
fn every_entry_of_a_long_bundle_line_is_handed_on_in_parallel() {
    let options = Options { seed: 3, patients: 2, ..Options::default() };
    let mut ndjson = Vec::new();
    synth::write_ndjson(&mut ndjson, &options).unwrap();
    let mut bundle = Vec::new();
    synth::write_searchset(&mut bundle, &options, Layout::Compact).unwrap();
    let bundle = String::from_utf8(bundle).unwrap();
    let eob = "{\"resourceType\":\"ExplanationOfBenefit\",";
    let bad = bundle.replacen(eob, &format!("{eob}\"bogus\":1,"), 1);
    assert_ne!(bad, bundle, "the Bundle holds a claim");
    let input =
        [&ndjson[..], bundle.trim_end().as_bytes(), b"\n", bad.trim_end().as_bytes(), b"\n", &ndjson[..]].concat();
    let one_by_one = |window: StreamOptions| {
        let mut stream = NdjsonStream::with_options(&input[..], window);
        let mut items = Vec::new();
        while let Some(r) = stream.next_entry() {
            items.push(item(r));
        }
        items
    };
    let expected = one_by_one(StreamOptions::default());
    assert!(expected.iter().any(|i| matches!(i, Item::Error { .. })), "the bad claim is an error");
    for window in [64, 4096, 64 << 10] {
        let window = StreamOptions { buffer_size: window, ..StreamOptions::default() };
        assert_eq!(one_by_one(window), expected, "{window:?}: one by one");
        for threads in [1, 2] {
            let mut stream = NdjsonStream::with_options(Trickle { data: &input, step: 4093, n: 0 }, window);
            let mut items = Vec::new();
            stream.par_for_each(threads, owned, |r| items.push(r));
            assert_eq!(par_items(items), expected, "{window:?}, {threads} threads");
            assert!(stream.next_entry().is_none(), "{window:?}, {threads} threads: nothing left");
            // As the commands read it (`summary`, `export`).
            let mut resources = Resources::with_options(Trickle { data: &input, step: 4093, n: 0 }, window).unwrap();
            let mut items = Vec::new();
            resources.par_for_each(threads, owned, |r| items.push(r));
            assert_eq!(par_items(items), expected, "{window:?}, {threads} threads: any input");
        }
    }
}

/// One line as `next_line` gives it: (number, offset, text).
type LineItem = (u64, u64, Vec<u8>);

/// The lines of `input` one at a time, the reference for `par_map_lines`.
fn lines_one_by_one(input: &[u8], options: StreamOptions) -> Vec<Result<LineItem, String>> {
    let mut stream = NdjsonStream::with_options(input, options);
    let mut lines = Vec::new();
    while let Some(line) = stream.next_line() {
        lines.push(line.map(|l| (l.number, l.offset, l.text.to_vec())).map_err(|e| e.to_string()));
    }
    lines
}

#[test]
fn a_line_longer_than_allowed_ends_the_mapped_lines_with_the_same_error() {
    let input = format!("{{\"a\":1}}\n\n{{\"b\":\"{}\"}}\n{{\"c\":3}}\n", "x".repeat(500));
    let options = StreamOptions { buffer_size: 64, max_entry_len: 256, ..StreamOptions::default() };
    let mut mapped = Vec::new();
    NdjsonStream::with_options(input.as_bytes(), options).par_map_lines(
        2,
        |l| (l.number, l.offset, l.text.to_vec()),
        |r| {
            mapped.push(r.map_err(|e| e.to_string()));
            ControlFlow::Continue(())
        },
    );
    let expected = lines_one_by_one(input.as_bytes(), options);
    assert_eq!(mapped, expected);
    assert!(matches!(&mapped[..], [Ok((1, 0, _)), Err(e)] if e.contains("longer than 256 bytes")), "{mapped:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Lines mapped in parallel are those `next_line` gives, numbered and placed the same, in
    /// order: blank lines, CRLF, a last line without its end, lines longer than the window,
    /// input read a few bytes at a time, any number of threads.
    #[test]
    fn lines_mapped_in_parallel_are_the_lines_read_one_by_one(
        lines in proptest::collection::vec(("[ a-z{}:\"]{0,300}", any::<bool>()), 0..60),
        last_end in any::<bool>(),
        window in 64usize..2_000,
        step in 1usize..700,
        threads in 1usize..5,
    ) {
        let mut input = Vec::new();
        for (i, (text, crlf)) in lines.iter().enumerate() {
            input.extend_from_slice(text.as_bytes());
            if i + 1 < lines.len() || last_end {
                input.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
        }
        let options = StreamOptions { buffer_size: window, ..StreamOptions::default() };
        let expected = lines_one_by_one(&input, options);
        let mut mapped = Vec::new();
        NdjsonStream::with_options(Trickle { data: &input, step, n: 0 }, options).par_map_lines(
            threads,
            |l| (l.number, l.offset, l.text.to_vec()),
            |r| {
            mapped.push(r.map_err(|e| e.to_string()));
            ControlFlow::Continue(())
        },
        );
        prop_assert_eq!(mapped, expected);
    }
}

#[test]
fn lines_mapped_on_several_threads_come_in_order() {
    // About 3 MB of lines of varied lengths (blank ones, CRLF ones), so that each window of
    // 512 KiB is cut into pieces that the threads share.
    let mut input = Vec::new();
    let mut x = 12345u64;
    for i in 0..40_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (x >> 33) % 150;
        if len % 17 != 0 {
            input.extend(vec![b'a' + (i % 26) as u8; len as usize]);
        }
        input.extend_from_slice(if len % 5 == 0 { b"\r\n" } else { b"\n" });
    }
    let options = StreamOptions { buffer_size: 512 << 10, ..StreamOptions::default() };
    let expected = lines_one_by_one(&input, options);
    for threads in 1..=4 {
        let mut mapped = Vec::new();
        NdjsonStream::with_options(&input[..], options).par_map_lines(
            threads,
            |l| (l.number, l.offset, l.text.to_vec()),
            |r| {
                mapped.push(r.map_err(|e| e.to_string()));
                ControlFlow::Continue(())
            },
        );
        assert_eq!(mapped.len(), expected.len(), "{threads} threads");
        assert!(mapped == expected, "{threads} threads: the lines differ");
    }
}

/// Takes `value` into `got`; at the first, waits (up to a deadline) until `mapped`, the
/// highest line (or record) mapped, goes past what it was then, the end of the first window:
/// `overlapped` says whether a line of a later window was mapped while `each` ran.
fn take_waiting(got: &mut Vec<u64>, overlapped: &mut bool, mapped: &AtomicU64, value: u64) -> ControlFlow<()> {
    got.push(value);
    if got.len() == 1 {
        let (seen, deadline) = (mapped.load(Ordering::SeqCst), Instant::now() + Duration::from_secs(30));
        while mapped.load(Ordering::SeqCst) <= seen && Instant::now() < deadline {
            std::thread::yield_now();
        }
        *overlapped = mapped.load(Ordering::SeqCst) > seen;
    }
    ControlFlow::Continue(())
}

/// On several threads, a window's results are handed on while the threads parse the next
/// window: an `each` that waits for a line after its window to be mapped sees it mapped (were
/// `each` run between windows, with the threads idle, it would wait in vain), for
/// `par_map_lines` and for `try_par_for_each`, whose results come in order all the same.
#[test]
fn each_runs_while_the_threads_parse_the_next_window() {
    // Windows of many lines, as the threads take them in pieces of 64 KiB at least.
    let lines = 60_000;
    let input: Vec<u8> =
        (1..=lines).flat_map(|i| format!("{{\"resourceType\":\"Patient\",\"id\":\"{i}\"}}\n").into_bytes()).collect();
    let options = StreamOptions { buffer_size: 512 << 10, ..StreamOptions::default() };
    assert!(input.len() > 4 * options.buffer_size);

    let mapped = AtomicU64::new(0);
    let (mut numbers, mut overlapped) = (Vec::new(), false);
    NdjsonStream::with_options(&input[..], options).par_map_lines(
        2,
        |line| {
            mapped.fetch_max(line.number, Ordering::SeqCst);
            line.number
        },
        |r| take_waiting(&mut numbers, &mut overlapped, &mapped, r.unwrap()),
    );
    assert!(overlapped, "par_map_lines: nothing was mapped while `each` ran");
    assert_eq!(numbers, (1..=lines).collect::<Vec<u64>>());

    let mapped = AtomicU64::new(0);
    let (mut ids, mut overlapped) = (Vec::new(), false);
    NdjsonStream::with_options(&input[..], options).try_par_for_each(
        2,
        |entry| {
            let id: u64 = match entry.resource {
                Some(Resource::Patient(p)) => p.id().unwrap().as_str().parse().unwrap(),
                other => panic!("{other:?}"),
            };
            mapped.fetch_max(id, Ordering::SeqCst);
            id
        },
        |r| take_waiting(&mut ids, &mut overlapped, &mapped, r.unwrap()),
    );
    assert!(overlapped, "try_par_for_each: nothing was parsed while `each` ran");
    assert_eq!(ids, (1..=lines).collect::<Vec<u64>>());
}

#[test]
fn mapping_lines_stops_when_told() {
    let input: Vec<u8> = (0..5000).flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes()).collect();
    let options = StreamOptions { buffer_size: 4096, ..StreamOptions::default() };
    let mut stream = NdjsonStream::with_options(&input[..], options);
    let mut seen = Vec::new();
    stream.par_map_lines(
        2,
        |l| l.number,
        |r| {
            seen.push(r.unwrap());
            if seen.len() == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    assert_eq!(seen, (1..=10).collect::<Vec<u64>>());
    // Reading stopped with the window the tenth line was in.
    assert!(stream.position() < 8192, "{}", stream.position());
}

/// `try_par_for_each` stops reading where `each` breaks, on one thread and on several, for a
/// Bundle and for NDJSON: what came before is what `par_for_each` hands on first, the stream
/// gives nothing after, and the rest of the input is never read.
#[test]
fn reading_stops_where_each_breaks() {
    let options = Options { seed: 5, patients: 30, ..Options::default() };
    let mut bundle = Vec::new();
    synth::write_searchset(&mut bundle, &options, Layout::Pretty).unwrap();
    let mut ndjson = Vec::new();
    synth::write_ndjson(&mut ndjson, &options).unwrap();
    let window = StreamOptions { buffer_size: 64 << 10, ..StreamOptions::default() };
    for (kind, input) in [("Bundle", &bundle), ("NDJSON", &ndjson)] {
        assert!(input.len() > 4 << 20, "{kind}: {} bytes", input.len());
        for threads in [1, 2] {
            let mut all = Vec::new();
            Resources::with_options(&input[..], window).unwrap().par_for_each(threads, owned, |r| all.push(r));
            let all = par_items(all);
            let mut resources = Resources::with_options(&input[..], window).unwrap();
            let mut taken = Vec::new();
            resources.try_par_for_each(threads, owned, |r| {
                taken.push(r);
                if taken.len() == 10 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert_eq!(par_items(taken), all[..10], "{kind}, {threads} threads");
            assert!(resources.next_entry().is_none(), "{kind}, {threads} threads: an entry after the break");
            let read = resources.bytes_read();
            assert!(read < input.len() as u64 / 4, "{kind}, {threads} threads: {read} of {} bytes read", input.len());
        }
    }
}
