//! An input that breaks off (a download cut short, a damaged or truncated gzip file, a dropped
//! connection) is read up to the break: every resource that came whole before it is handed on,
//! as reading the same input whole hands it on, and the break is then one fatal error, of kind
//! [`ErrorKind::Io`] with the reader's message, located where the input broke: the NDJSON line
//! it cut off, or the byte offset (with the JSON path there) in a Bundle. Nothing follows it.
//! Every reader: the Bundle and NDJSON streams one by one and in parallel, the lines of NDJSON
//! for validation, and `Resources` on any input, gzip included.
#[path = "support/breaks.rs"]
mod breaks;
#[path = "support/gzip.rs"]
mod gzip;
mod samples;

use std::io::Read;
use std::ops::ControlFlow;

use bluebutton::json::{ErrorKind, ToJson};
use bluebutton::resources::BundleEntry;
use bluebutton::stream::{BundleStream, Entry, EntryError, InputKind, NdjsonStream, Resources, StreamOptions};
use bluebutton::synth::{self, Layout, Options};
use breaks::{breaks_after, BreaksAfter, RESET};
use gzip::gzip;

/// What a reader handed on, comparably.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    /// A resource, as compact JSON, with its index and NDJSON line (`None`, `None` where the
    /// reader hands on only the entry).
    Resource { index: Option<usize>, line: Option<u64>, json: String },
    /// An error: its text, index, NDJSON line, byte offset, and whether it ended reading.
    Error { text: String, index: Option<usize>, line: Option<u64>, offset: usize, fatal: bool },
}

fn item(r: Result<Entry<'_>, EntryError>) -> Item {
    match r {
        Ok(e) => Item::Resource { index: Some(e.index), line: e.line, json: json_of(&e.entry) },
        Err(e) => error_item(&e),
    }
}

fn json_of(entry: &BundleEntry<'_>) -> String {
    entry.resource.as_ref().map(|r| r.to_json_string()).unwrap_or_default()
}

/// What a parallel reader hands on for an entry: the entry alone.
fn entry_item(entry: BundleEntry<'_>) -> Item {
    Item::Resource { index: None, line: None, json: json_of(&entry) }
}

/// `items` without the resources' positions, to compare with a parallel reader's.
fn without_positions(items: &[Item]) -> Vec<Item> {
    let strip = |i: &Item| match i {
        Item::Resource { json, .. } => Item::Resource { index: None, line: None, json: json.clone() },
        e => e.clone(),
    };
    items.iter().map(strip).collect()
}

fn error_item(e: &EntryError) -> Item {
    Item::Error {
        text: e.to_string(),
        index: e.index(),
        line: e.line(),
        offset: e.error().offset(),
        fatal: e.is_fatal(),
    }
}

/// What `items` must be for an input broken at byte `at`: `whole` (what reading the whole input
/// gives, each resource with the byte just after it) up to the resources that end by `at`, then
/// one fatal error. Returns the error for its location to be checked.
fn check_broken(name: &str, items: &[Item], whole: &[(Item, usize)], at: usize) -> Item {
    let before: Vec<Item> = whole.iter().take_while(|(_, end)| *end <= at).map(|(i, _)| i.clone()).collect();
    let (last, read) = items.split_last().unwrap_or_else(|| panic!("{name}: nothing read"));
    assert!(
        !read.iter().any(|i| matches!(i, Item::Error { fatal: true, .. })),
        "{name}: a fatal error before the last item"
    );
    let positions = read.iter().all(|i| !matches!(i, Item::Resource { index: None, .. }));
    if positions {
        assert_eq!(read, before, "{name}: what came before the break");
    } else {
        assert_eq!(read, without_positions(&before), "{name}: what came before the break");
    }
    match last {
        Item::Error { text, fatal: true, .. } if text.contains(RESET) && text.contains("I/O error") => last.clone(),
        other => panic!("{name}: the last item is not the break: {other:?}"),
    }
}

/// Generated beneficiaries as NDJSON, a compact Bundle and a pretty Bundle.
fn generated() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let options = Options { seed: 11, patients: 3, ..Options::default() };
    let (mut ndjson, mut compact, mut pretty) = (Vec::new(), Vec::new(), Vec::new());
    synth::write_ndjson(&mut ndjson, &options).unwrap();
    synth::write_searchset(&mut compact, &options, Layout::Compact).unwrap();
    synth::write_searchset(&mut pretty, &options, Layout::Pretty).unwrap();
    (ndjson, compact, pretty)
}

/// Where to break an input whose units end at `ends`: inside the first bytes, at a unit's
/// start, in its middle and just after it, for a few units, and at the very end.
fn break_points(ends: &[usize], len: usize) -> Vec<usize> {
    let mut at = vec![1, 40];
    for i in [0, 1, ends.len() / 2, ends.len() - 1] {
        let start = if i == 0 { 0 } else { ends[i - 1] };
        at.extend([start, (start + ends[i]) / 2, ends[i], ends[i] + 1]);
    }
    at.push(len);
    at.retain(|&a| a > 0 && a <= len);
    at.sort_unstable();
    at.dedup();
    at
}

/// The Bundle and NDJSON streams, read the same way.
trait Stream {
    /// The next item, read one by one.
    fn next_item(&mut self) -> Option<Item>;
    /// The remaining items, read on `threads` threads.
    fn par_items(&mut self, threads: usize, items: &mut Vec<Item>);
}

/// The same [`Stream`] for both: they have the same methods, in no trait of their own.
macro_rules! stream {
    ($stream:ident) => {
        impl<R: Read> Stream for $stream<R> {
            fn next_item(&mut self) -> Option<Item> {
                self.next_entry().map(item)
            }

            fn par_items(&mut self, threads: usize, items: &mut Vec<Item>) {
                self.try_par_for_each(threads, entry_item, |r| {
                    items.push(r.unwrap_or_else(|e| error_item(&e)));
                    ControlFlow::Continue(())
                });
            }
        }
    };
}

stream!(NdjsonStream);
stream!(BundleStream);

/// What the stream `open` makes reads of `input` broken at `at` through a window of `window`
/// bytes: one by one, or on `threads` threads (the stream then gives nothing more).
fn read_broken<'i, S: Stream>(
    open: impl FnOnce(BreaksAfter<'i>, StreamOptions) -> Result<S, EntryError>,
    input: &'i [u8],
    at: usize,
    window: usize,
    threads: Option<usize>,
) -> Vec<Item> {
    let options = StreamOptions { buffer_size: window, ..StreamOptions::default() };
    let mut stream = match open(breaks_after(input, at), options) {
        Ok(stream) => stream,
        Err(e) => return vec![error_item(&e)],
    };
    let mut items = Vec::new();
    match threads {
        None => items.extend(std::iter::from_fn(|| stream.next_item())),
        Some(threads) => {
            stream.par_items(threads, &mut items);
            assert!(stream.next_item().is_none(), "an entry after the break");
        }
    }
    items
}

fn open_ndjson(reader: BreaksAfter<'_>, options: StreamOptions) -> Result<NdjsonStream<BreaksAfter<'_>>, EntryError> {
    Ok(NdjsonStream::with_options(reader, options))
}

fn open_bundle(reader: BreaksAfter<'_>, options: StreamOptions) -> Result<BundleStream<BreaksAfter<'_>>, EntryError> {
    BundleStream::with_options(reader, options)
}

/// What `Resources` reads of `input` broken at `at`, and the kind it tells (`None` when the
/// break leaves too little to open the input: its one item is then the error).
fn any_input(input: &[u8], at: usize) -> (Option<InputKind>, Vec<Item>) {
    match Resources::open(breaks_after(input, at)) {
        Ok(resources) => (Some(resources.kind()), resources.map(item).collect()),
        Err(e) => (None, vec![error_item(&e)]),
    }
}

/// Each line of generated NDJSON, with the byte just after its line end.
fn ndjson_whole(input: &[u8]) -> Vec<(Item, usize)> {
    let mut stream = NdjsonStream::new(input);
    let mut whole = Vec::new();
    while let Some(r) = stream.next_entry() {
        let e = r.unwrap();
        let end = e.offset as usize + e.len + 1;
        whole.push((item(Ok(e)), end));
    }
    whole
}

/// NDJSON broken anywhere: the lines before the break, then the break at the line it cut off
/// (the line after the last when it fell at a line end), at that line's start.
#[test]
fn ndjson_is_read_up_to_the_break_which_names_its_line() {
    let (ndjson, _, _) = generated();
    let whole = ndjson_whole(&ndjson);
    let ends: Vec<usize> = whole.iter().map(|(_, end)| *end).collect();
    for at in break_points(&ends, ndjson.len()) {
        let complete = ends.iter().take_while(|&&end| end <= at).count();
        let line_start = if complete == 0 { 0 } else { ends[complete - 1] };
        let expected_line = complete as u64 + 1;
        let mut ways = Vec::new();
        for (window, threads) in [(64, None), (1 << 16, None), (4096, Some(1)), (4096, Some(2)), (1 << 16, Some(2))] {
            ways.push((
                format!("window {window}, threads {threads:?}"),
                read_broken(open_ndjson, &ndjson, at, window, threads),
            ));
        }
        let (kind, items) = any_input(&ndjson, at);
        if at > ends[0] {
            assert_eq!(kind, Some(InputKind::Ndjson), "broken at {at}");
            ways.push(("any input".into(), items));
        } else {
            // Inside the first line: too little to tell NDJSON from one resource.
            check_broken(&format!("NDJSON broken at {at}, any input"), &items, &whole, at);
        }
        for (way, items) in ways {
            let name = format!("NDJSON broken at byte {at} of {}, {way}", ndjson.len());
            match check_broken(&name, &items, &whole, at) {
                Item::Error { line, offset, index: None, .. } => {
                    assert_eq!(line, Some(expected_line), "{name}: the line the break cut off");
                    assert_eq!(offset, line_start, "{name}: where that line starts");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}

/// The lines of NDJSON that validation reads: those before the break, then the break.
#[test]
fn ndjson_lines_for_validation_end_at_the_break() {
    let (ndjson, _, _) = generated();
    let ends: Vec<usize> = ndjson_whole(&ndjson).iter().map(|(_, end)| *end).collect();
    for at in break_points(&ends, ndjson.len()) {
        let complete = ends.iter().take_while(|&&end| end <= at).count();
        for threads in [1, 2] {
            let options = StreamOptions { buffer_size: 4096, ..StreamOptions::default() };
            let mut stream = NdjsonStream::with_options(breaks_after(&ndjson, at), options);
            let mut lines = Vec::new();
            let mut errors = Vec::new();
            stream.par_map_lines(
                threads,
                |line| line.number,
                |r| {
                    match r {
                        Ok(number) => lines.push(number),
                        Err(e) => errors.push(e),
                    }
                    ControlFlow::Continue(())
                },
            );
            let name = format!("broken at {at}, {threads} thread(s)");
            assert_eq!(lines, (1..=complete as u64).collect::<Vec<_>>(), "{name}: the lines before the break");
            assert_eq!(errors.len(), 1, "{name}: one error");
            assert!(errors[0].is_fatal() && errors[0].to_string().contains(RESET), "{name}: {}", errors[0]);
            assert_eq!(errors[0].line(), Some(complete as u64 + 1), "{name}");
        }
    }
}

/// Each entry of a Bundle read whole, with the byte just after it.
fn bundle_whole(input: &[u8]) -> Vec<(Item, usize)> {
    let mut stream = BundleStream::new(input).unwrap();
    let mut whole = Vec::new();
    while let Some(r) = stream.next_entry() {
        let e = r.unwrap();
        let end = e.offset as usize + e.len;
        whole.push((item(Ok(e)), end));
    }
    whole
}

/// A Bundle broken anywhere (in its first members, between entries, inside one, after its last
/// byte): the entries that ended before the break, then the break, at the byte where the input
/// broke; inside an entry, that entry's index.
fn bundle_is_read_up_to_the_break(name: &str, bundle: &[u8]) {
    let whole = bundle_whole(bundle);
    let ends: Vec<usize> = whole.iter().map(|(_, end)| *end).collect();
    let starts: Vec<usize> = bundle_starts(bundle);
    for at in break_points(&ends, bundle.len()) {
        let mut ways = Vec::new();
        for (window, threads) in [(64, None), (1 << 16, None), (4096, Some(1)), (4096, Some(2)), (1 << 16, Some(2))] {
            ways.push((
                format!("window {window}, threads {threads:?}"),
                read_broken(open_bundle, bundle, at, window, threads),
            ));
        }
        ways.push(("any input".into(), any_input(bundle, at).1));
        for (way, items) in ways {
            let context = format!("{name} broken at byte {at} of {}, {way}", bundle.len());
            match check_broken(&context, &items, &whole, at) {
                Item::Error { offset, index, .. } => {
                    assert_eq!(offset, at, "{context}: where the input broke");
                    let inside = starts.iter().zip(&ends).position(|(&s, &e)| s < at && at < e);
                    if let Some(i) = inside {
                        assert_eq!(index, Some(i), "{context}: the entry the break cut off");
                    }
                }
                other => panic!("{context}: {other:?}"),
            }
        }
    }
}

/// Where each entry of `bundle` starts.
fn bundle_starts(bundle: &[u8]) -> Vec<usize> {
    let mut stream = BundleStream::new(bundle).unwrap();
    let mut starts = Vec::new();
    while let Some(r) = stream.next_entry() {
        starts.push(r.unwrap().offset as usize);
    }
    starts
}

#[test]
fn a_compact_bundle_is_read_up_to_the_break() {
    bundle_is_read_up_to_the_break("compact Bundle", &generated().1);
}

#[test]
fn a_pretty_bundle_is_read_up_to_the_break() {
    bundle_is_read_up_to_the_break("pretty Bundle", &generated().2);
}

/// `bundle` with its resources in Bundles of four, as its entries: the inner entries look like
/// outer ones to the parallel reader's guesses, so a window's parse can end before or after
/// where the next window was read from.
fn nested_bundle(bundle: &[u8]) -> Vec<u8> {
    let outer: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    let resources: Vec<&serde_json::Value> =
        outer["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).collect();
    let entries: Vec<serde_json::Value> = resources
        .chunks(4)
        .map(|group| {
            let inner: Vec<serde_json::Value> = group.iter().map(|r| serde_json::json!({ "resource": r })).collect();
            serde_json::json!({ "resource": { "resourceType": "Bundle", "type": "collection", "entry": inner } })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
        .unwrap()
}

/// A reader that fails once where [`breaks_after`] breaks, then reads as ended (as some
/// decoders do): the error is met once, so it must not be lost on the way.
struct FailsOnce<'a>(BreaksAfter<'a>, bool);

impl Read for FailsOnce<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1 {
            return Ok(0);
        }
        let read = self.0.read(buf);
        self.1 = read.is_err();
        read
    }
}

/// The parallel reader takes the next window, read while it parsed one, only where the parse
/// ended at its start; elsewhere what it read waits for the next fill, the reader's error
/// included. Broken anywhere, on a Bundle whose guessed entry starts are often wrong, and on
/// one with an entry that is not JSON (which ends the parse short), it reads what reading one
/// by one reads, up to the break or the entry's error, whichever comes first.
#[test]
fn what_was_read_ahead_is_read_on_where_the_window_did_not_end_as_guessed() {
    let compact = generated().1;
    let nested = nested_bundle(&compact);
    let starts = bundle_starts(&compact);
    let at = starts[starts.len() / 2];
    let bad = br#"{"resource": {"resourceType": "Patient", "id": "p2" "gender": "female"}},"#;
    let with_bad = [&compact[..at], &bad[..], &compact[at..]].concat();
    for (name, input, around) in [("nested", &nested, nested.len() / 2), ("not JSON", &with_bad, at)] {
        // Windows of a few entries, for the threads to parse some.
        for window in [1 << 16, 100_000] {
            for cut in (around.saturating_sub(window)..(around + 2 * window).min(input.len())).step_by(3067) {
                let context = format!("{name}, window {window}, broken at {cut}");
                let open = |reader, options| BundleStream::with_options(FailsOnce(reader, false), options);
                let one_by_one = read_broken(open, input, cut, window, None);
                let threads = read_broken(open, input, cut, window, Some(2));
                assert_eq!(threads, without_positions(&one_by_one), "{context}");
                assert!(matches!(one_by_one.last(), Some(Item::Error { fatal: true, .. })), "{context}");
            }
        }
    }
}

/// The server's claims, minified, gzip-compressed and cut off (a download that stopped): the
/// entries decompressed whole are read, then gzip's error ends reading, inside an entry.
#[test]
fn a_truncated_gzip_download_of_the_servers_claims_keeps_what_came_whole() {
    let Some(pretty) = samples::normalized("eobByPatientIdAll.json") else { return };
    let value: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
    let minified = serde_json::to_vec(&value).unwrap();
    let whole: Vec<Item> = Resources::open(&minified[..]).unwrap().map(item).collect();
    assert!(whole.len() >= 8 && whole.iter().all(|i| matches!(i, Item::Resource { .. })));
    let compressed = gzip(&minified);
    for cut in [compressed.len() / 3, compressed.len() / 2, compressed.len() - 9] {
        let name = format!("gzip cut to {cut} of {} bytes", compressed.len());
        let resources = Resources::open(&compressed[..cut]).unwrap();
        assert_eq!(resources.kind(), InputKind::Bundle, "{name}");
        let items: Vec<Item> = resources.map(item).collect();
        let (last, read) = items.split_last().unwrap();
        if cut >= compressed.len() / 2 {
            assert!(!read.is_empty(), "{name}: entries came whole before the break");
        }
        assert_eq!(read, &whole[..read.len()], "{name}: the entries before the break");
        match last {
            Item::Error { text, fatal: true, .. } if text.contains("I/O error") => {}
            other => panic!("{name}: the last item is not the break: {other:?}"),
        }
        if cut < compressed.len() - 9 {
            assert!(read.len() < whole.len(), "{name}: an entry is cut off");
        } else {
            // Only gzip's checksum and length are missing: every entry came whole.
            assert_eq!(read, &whole[..], "{name}");
        }
    }
}

/// A break before the first byte leaves nothing to read: the input cannot be opened, nor a
/// Bundle stream made; the NDJSON stream's one item is the break, at line 1.
#[test]
fn a_break_before_anything_came_is_an_error_opening_the_input() {
    let (ndjson, compact, _) = generated();
    for input in [&ndjson, &compact] {
        let e = Resources::open(breaks_after(input, 0)).err().expect("nothing to read");
        assert!(e.is_fatal() && matches!(e.error().kind(), ErrorKind::Io(m) if m == RESET), "{e}");
    }
    let e = BundleStream::new(breaks_after(&compact, 0)).err().expect("nothing to read");
    assert!(matches!(e.error().kind(), ErrorKind::Io(m) if m == RESET), "{e}");
    assert_eq!(e.error().offset(), 0);
    match &read_broken(open_ndjson, &ndjson, 0, 64, None)[..] {
        [Item::Error { text, line: Some(1), offset: 0, fatal: true, .. }] if text.contains(RESET) => {}
        other => panic!("{other:?}"),
    }
}

/// Input that is not JSON before the break ends reading there, in the whole input as in the
/// broken one: the break, read in the same window, is not told after it.
#[test]
fn nothing_follows_a_fatal_error_before_the_break() {
    let not_json =
        br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}, x {"resource":{}}]} "#;
    let not_a_bundle = br#"{"resourceType":"Patient","id":"p","active":true,"gender":"male"} "#;
    for input in [&not_json[..], &not_a_bundle[..]] {
        let whole = read_broken(open_bundle, input, usize::MAX, 64, None);
        assert!(matches!(whole.last(), Some(Item::Error { fatal: true, .. })), "{whole:?}");
        for at in [input.len() - 3, input.len()] {
            for (window, threads) in [(64, None), (1 << 16, None), (4096, Some(1)), (4096, Some(2))] {
                let items = read_broken(open_bundle, input, at, window, threads);
                assert_eq!(
                    without_positions(&items),
                    without_positions(&whole),
                    "broken at {at}, {threads:?} thread(s)"
                );
            }
        }
    }
}
