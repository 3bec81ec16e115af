//! The streaming Bundle readers: the same entries as parsing the whole Bundle, from a slice, from
//! readers that hand out a few bytes at a time, and in parallel; bad entries reported by index and
//! JSON path while reading carries on; Bundle members wherever they are.
mod samples;
#[path = "support/trickle.rs"]
mod trickle;

#[path = "../benches/support/input.rs"]
mod input;

use std::io::{self, Read};

use bluebutton::json::{self, IntoOwned, ParseOptions};
use bluebutton::resources::{Bundle, BundleEntry};
use bluebutton::stream::{BundleLinks, BundleReader, BundleStream, Entry, EntryError, StreamOptions};
use bluebutton::Resource;
use trickle::Trickle;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/demo-bundle.json");
const CLAIMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/claims-bundle.json");

/// What a reader yielded, in a comparable form: each entry (owned) or each error's text, index,
/// fatality and location.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Entry(usize, u64, Box<BundleEntry<'static>>),
    Error { text: String, index: Option<usize>, fatal: bool, offset: usize, line_column: (usize, usize) },
}

fn item(r: Result<Entry<'_>, EntryError>) -> Item {
    match r {
        Ok(e) => Item::Entry(e.index, e.offset, Box::new(json::IntoOwned::into_owned(e.entry))),
        Err(e) => Item::Error {
            text: e.to_string(),
            index: e.index(),
            fatal: e.is_fatal(),
            offset: e.error().offset(),
            line_column: e.error().line_column(),
        },
    }
}

fn from_slice(input: &[u8], options: ParseOptions) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    let reader = BundleReader::with_options(input, options).map_err(|e| item(Err(e)))?;
    let mut reader = reader;
    let items: Vec<Item> = reader.by_ref().map(item).collect();
    Ok((json::IntoOwned::into_owned(reader.into_header()), items))
}

fn from_reader(r: impl Read, options: StreamOptions) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    let mut stream = BundleStream::with_options(r, options).map_err(|e| item(Err(e)))?;
    let mut items = Vec::new();
    while let Some(r) = stream.next_entry() {
        items.push(item(r));
    }
    Ok((stream.into_header(), items))
}

fn in_parallel(input: &[u8], options: ParseOptions, threads: usize) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    let reader = BundleReader::with_options(input, options).map_err(|e| item(Err(e)))?;
    let out = reader.par_map(threads, json::IntoOwned::into_owned);
    let mut index = 0;
    let items = out
        .items
        .into_iter()
        .map(|r| match r {
            Ok(entry) => {
                // The parallel mode does not give offsets; take the sequential ones for comparing.
                let i = index;
                index += 1;
                Item::Entry(i, 0, Box::new(entry))
            }
            Err(e) => {
                if e.index().is_some() {
                    index += 1;
                }
                item(Err(e))
            }
        })
        .collect();
    Ok((json::IntoOwned::into_owned(out.header), items))
}

fn stream_in_parallel(
    r: impl Read,
    options: StreamOptions,
    threads: usize,
) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    let mut stream = BundleStream::with_options(r, options).map_err(|e| item(Err(e)))?;
    let mut items = Vec::new();
    let mut index = 0;
    stream.par_for_each(
        threads,
        |entry| json::IntoOwned::into_owned(entry),
        |r| {
            items.push(match r {
                Ok(entry) => {
                    index += 1;
                    Item::Entry(index - 1, 0, Box::new(entry))
                }
                Err(e) => {
                    index += usize::from(e.index().is_some());
                    item(Err(e))
                }
            })
        },
    );
    Ok((stream.into_header(), items))
}

fn without_offsets(items: &[Item]) -> Vec<Item> {
    items
        .iter()
        .map(|i| match i {
            Item::Entry(n, _, e) => Item::Entry(*n, 0, e.clone()),
            Item::Error { text, index, fatal, offset, line_column } => Item::Error {
                text: text.clone(),
                index: *index,
                fatal: *fatal,
                offset: *offset,
                line_column: *line_column,
            },
        })
        .collect()
}

/// Every way of reading `input` gives the same header and items; returns them.
fn read_all_ways(input: &[u8], options: ParseOptions) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    read_ways(input, options, &[1, 3, 64, 4096], &[64, 1 << 20])
}

/// Reads `input` from a slice, then from readers handing out at most each of `steps` bytes at a
/// time into windows of each of `windows` bytes, then in parallel; all must agree.
fn read_ways(
    input: &[u8],
    options: ParseOptions,
    steps: &[usize],
    windows: &[usize],
) -> Result<(Bundle<'static>, Vec<Item>), Item> {
    let reference = from_slice(input, options);
    for &step in steps {
        for &buffer_size in windows {
            let stream_options = StreamOptions { parse: options, buffer_size, ..StreamOptions::default() };
            let got = from_reader(Trickle { data: input, step, n: 0 }, stream_options);
            assert_eq!(got, reference, "read {step} bytes at a time into a {buffer_size}-byte window");
        }
    }
    let expected = reference.clone().map(|(h, items)| (h, without_offsets(&items)));
    for threads in [1, 2, 3] {
        let got = in_parallel(input, options, threads);
        assert!(got == expected, "{threads} threads: {got:?}\nexpected {expected:?}");
    }
    if !options.lenient {
        for &step in steps {
            for &buffer_size in windows {
                let stream_options = StreamOptions { parse: options, buffer_size, ..StreamOptions::default() };
                let got = stream_in_parallel(Trickle { data: input, step, n: 0 }, stream_options, 2);
                assert!(
                    got == expected,
                    "in parallel, {step} bytes at a time into {buffer_size}: {got:?}\nexpected {expected:?}"
                );
            }
        }
    }
    reference
}

fn entries_of(items: &[Item]) -> Vec<&BundleEntry<'static>> {
    items.iter().filter_map(|i| if let Item::Entry(_, _, e) = i { Some(&**e) } else { None }).collect()
}

fn errors_of(items: &[Item]) -> Vec<&str> {
    items.iter().filter_map(|i| if let Item::Error { text, .. } = i { Some(text.as_str()) } else { None }).collect()
}

#[test]
fn the_demo_bundles_stream_as_they_parse() {
    for path in [DEMO, CLAIMS] {
        let input = std::fs::read(path).unwrap();
        let whole: Bundle = json::from_slice(&input).unwrap();
        let (header, items) = read_all_ways(&input, ParseOptions::strict()).unwrap();
        assert_eq!(entries_of(&items), whole.entry.iter().collect::<Vec<_>>());
        assert_eq!(header, Bundle { entry: Vec::new(), ..whole.clone() });
        // Offsets point at each entry's `{`.
        for i in &items {
            let Item::Entry(_, offset, _) = i else { panic!("no errors expected") };
            assert_eq!(input[*offset as usize], b'{');
        }
    }
}

#[test]
fn every_real_bundle_streams_as_it_parses() {
    let mut bundles = 0;
    for (name, input) in samples::all_normalized() {
        let whole: Resource = json::from_slice(&input).unwrap();
        let Resource::Bundle(whole) = whole else {
            // Not a Bundle: the reader says so, naming `resourceType`.
            let e = BundleReader::new(&input).err().unwrap_or_else(|| panic!("{name}: read as a Bundle"));
            assert!(e.is_fatal());
            assert_eq!(e.path().to_string(), "resourceType", "{name}");
            continue;
        };
        bundles += 1;
        let (header, items) = read_all_ways(&input, ParseOptions::strict()).unwrap();
        assert_eq!(entries_of(&items), whole.entry.iter().collect::<Vec<_>>(), "{name}");
        assert_eq!(header, Bundle { entry: Vec::new(), ..(*whole).clone() }.into_owned_bundle(), "{name}");
    }
    if bundles > 0 {
        assert!(bundles >= 5, "only {bundles} bundles among the samples");
    }
}

trait IntoOwnedBundle {
    fn into_owned_bundle(self) -> Bundle<'static>;
}

impl IntoOwnedBundle for Bundle<'_> {
    fn into_owned_bundle(self) -> Bundle<'static> {
        json::IntoOwned::into_owned(self)
    }
}

/// A bundle of three entries, the middle one as given.
fn three(middle: &str) -> String {
    format!(
        r#"{{"resourceType": "Bundle", "type": "searchset",
  "entry": [
    {{"resource": {{"resourceType": "ExplanationOfBenefit", "id": "carrier-1"}}}},
    {middle},
    {{"resource": {{"resourceType": "Patient", "id": "p1"}}}}
  ]
}}"#
    )
}

#[test]
fn a_bad_entry_is_named_and_reading_carries_on() {
    let cases = [
        (
            r#"{"resource": {"resourceType": "ExplanationOfBenefit", "id": "pde-1", "bogus": [1, {"a": "}"}]}}"#,
            "entry[1].resource.bogus: unknown property `bogus` (not an element of ExplanationOfBenefit)",
        ),
        (
            r#"{"resource": {"resourceType": "ExplanationOfBenefit", "item": [{"sequence": 1, "servicedDate": "2023-02-30"}]}}"#,
            "entry[1].resource.item[0].servicedDate: invalid date \"2023-02-30\"",
        ),
        (
            r#"{"resource": {"resourceType": "ExplanationOfBenefit", "payment": {"amount": {"value": "12.00"}}}}"#,
            "entry[1].resource.payment.amount.value: expected a number (FHIR decimal), found a string",
        ),
        (r#"{"resource": {"id": "x"}}"#, "entry[1].resource: expected a `resourceType` property, found none"),
        (
            r#"{"resource": {"resourceType": "Claim"}}"#,
            "entry[1].resource.resourceType: unsupported resourceType `Claim`",
        ),
        (r#"{"fullUrl": "", "resource": {"resourceType": "Patient"}}"#, "entry[1].fullUrl: invalid uri"),
    ];
    for (middle, expected) in cases {
        let input = three(middle);
        let (_, items) = read_all_ways(input.as_bytes(), ParseOptions::strict()).unwrap();
        assert_eq!(items.len(), 3, "{middle}");
        assert!(matches!(&items[0], Item::Entry(0, ..)));
        let Item::Error { text, index, fatal, line_column, offset } = &items[1] else { panic!("{middle}: no error") };
        assert!(text.starts_with(expected), "{text}\nexpected {expected}");
        assert_eq!((*index, *fatal), (Some(1), false));
        assert!(matches!(&items[2], Item::Entry(2, ..)), "{middle}");
        // The same location as parsing the whole Bundle reports.
        let whole = json::from_slice::<Bundle>(input.as_bytes()).unwrap_err();
        assert_eq!(whole.to_string(), *text);
        assert_eq!((whole.offset(), whole.line_column()), (*offset, *line_column));
    }
}

#[test]
fn input_that_is_not_json_ends_the_stream() {
    // An entry that is not JSON: its error, then nothing (where would the next entry start?).
    let input = three(r#"{"resource": {"resourceType": "Patient", "id": "p2" "gender": "female"}}"#);
    let (_, items) = read_all_ways(input.as_bytes(), ParseOptions::strict()).unwrap();
    assert_eq!(items.len(), 2);
    let Item::Error { text, index, fatal, .. } = &items[1] else { panic!() };
    assert!(text.starts_with("entry[1].resource.id: invalid JSON: expected ',' or '}'"), "{text}");
    assert_eq!((*index, *fatal), (Some(1), true));
    assert_eq!(json::from_slice::<Bundle>(input.as_bytes()).unwrap_err().to_string(), *text);

    // A bad entry followed by broken JSON: the entry's error, then the fatal one.
    let input = three(r#"{"resource": {"resourceType": "Patient", "bogus": 1, "id": "p2" "gender": "female"}}"#);
    let (_, items) = read_all_ways(input.as_bytes(), ParseOptions::strict()).unwrap();
    assert_eq!(errors_of(&items).len(), 2);
    assert!(matches!(&items[1], Item::Error { index: Some(1), fatal: false, .. }));
    assert!(matches!(&items[2], Item::Error { index: None, fatal: true, .. }));

    // Broken between entries.
    let input = three(r#"{"resource": {"resourceType": "Patient"}} {"#);
    let (_, items) = read_all_ways(input.as_bytes(), ParseOptions::strict()).unwrap();
    let Item::Error { text, fatal: true, .. } = items.last().unwrap() else { panic!() };
    assert!(text.contains("expected ',' or ']'"), "{text}");

    // Cut off.
    let input = three(r#"{"resource": {"resourceType": "Patient"}}"#);
    let cut = &input.as_bytes()[..input.len() - 20];
    let (_, items) = read_all_ways(cut, ParseOptions::strict()).unwrap();
    let Item::Error { text, fatal: true, .. } = items.last().unwrap() else { panic!() };
    assert!(text.contains("unexpected end of input"), "{text}");

    // Something after the Bundle.
    let input = format!("{} x", three(r#"{"resource": {"resourceType": "Patient"}}"#));
    let (_, items) = read_all_ways(input.as_bytes(), ParseOptions::strict()).unwrap();
    assert_eq!(entries_of(&items).len(), 3);
    let Item::Error { text, fatal: true, .. } = items.last().unwrap() else { panic!() };
    assert!(text.contains("expected the end of the input"), "{text}");
}

#[test]
fn what_is_not_a_bundle_is_refused_up_front() {
    for (input, expected) in [
        (
            &br#"{"resourceType": "Patient", "id": "p1"}"#[..],
            "resourceType: expected resourceType `Bundle`, found `Patient`",
        ),
        (b"[1, 2]", "$: expected an object, found an array"),
        (b"", "$: unexpected end of input"),
        (b"  {", "$: unexpected end of input"),
    ] {
        let e = BundleReader::new(input).err().expect("refused");
        assert!(e.is_fatal() && e.to_string().starts_with(expected), "{e}");
        let e = BundleStream::new(Trickle { data: input, step: 2, n: 0 }).err().expect("refused");
        assert!(e.is_fatal() && e.to_string().starts_with(expected), "{e}");
    }
}

#[test]
fn bundle_members_are_found_wherever_they_are() {
    let input = br#"{"entry": [
        {"resource": {"resourceType": "Patient", "id": "p1"}},
        {"resource": {"resourceType": "Patient", "id": "p2", "name": [{"text": "]}, \"total\": 9"}]}}
      ],
      "total": 2, "type": "searchset", "resourceType": "Bundle",
      "link": [{"relation": "next", "url": "https://example.org/?page=2"},
               {"relation": "previous", "url": "https://example.org/?page=0"}]}"#;
    let (header, items) = read_all_ways(input, ParseOptions::strict()).unwrap();
    assert_eq!(entries_of(&items).len(), 2);
    assert_eq!(header.total().map(|t| t.get()), Some(2));
    assert_eq!(header.next_link().unwrap().as_str(), "https://example.org/?page=2");
    assert_eq!(header.previous_link().unwrap().as_str(), "https://example.org/?page=0");
    assert!(header.self_link().is_none());

    // From a slice, they can be had before the entries.
    let mut reader = BundleReader::new(input).unwrap();
    assert!(reader.header().total().is_none());
    assert_eq!(reader.read_header_ahead().total().map(|t| t.get()), Some(2));
    assert_eq!(reader.read_header_ahead().type_().unwrap().as_str(), "searchset");
    let rest: Vec<Item> = reader.by_ref().map(item).collect();
    assert_eq!(rest, items, "reading ahead changes nothing");
    assert_eq!(reader.header(), &header);

    // Errors in members after the entries come after the entries, once.
    let input = br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}], "total": -1, "type": "searchset"}"#;
    let mut reader = BundleReader::new(input).unwrap();
    assert_eq!(reader.read_header_ahead().type_().unwrap().as_str(), "searchset");
    let items: Vec<Item> = reader.map(item).collect();
    assert_eq!(items.len(), 2);
    assert_eq!(errors_of(&items).len(), 1);
    assert!(errors_of(&items)[0].starts_with("total: invalid unsignedInt \"-1\""), "{}", errors_of(&items)[0]);
}

#[test]
fn bundle_level_problems_are_reported_like_the_whole_parse() {
    for input in [
        &br#"{"resourceType": "Bundle", "type": "searchset", "entry": []}"#[..],
        b"{\"resourceType\": \"Bundle\",\n \"entry\": [                                                                                    \n ]}",
        br#"{"type": "searchset", "entry": [{"resource": {"resourceType": "Patient"}}]}"#,
        br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}], "entry": []}"#,
        br#"{"resourceType": "Bundle", "link": [{"relation": 1}], "entry": [{"resource": {"resourceType": "Patient"}}]}"#,
        br#"{"resourceType": "Bundle", "unknown": {"a": [1]}, "entry": [{"resource": {"resourceType": "Patient"}}]}"#,
    ] {
        let whole = json::from_slice::<Bundle>(input).unwrap_err();
        let (_, items) = read_all_ways(input, ParseOptions::strict()).unwrap();
        let Some(Item::Error { text, index: None, fatal: false, offset, line_column }) =
            items.iter().find(|i| matches!(i, Item::Error { .. }))
        else {
            panic!("{}: no error", String::from_utf8_lossy(input))
        };
        assert_eq!((text.as_str(), *offset, *line_column), (whole.to_string().as_str(), whole.offset(), whole.line_column()));
    }
}

#[test]
fn lenient_reading_lists_unknown_properties() {
    let input = three(
        r#"{"resource": {"resourceType": "ExplanationOfBenefit", "id": "pde-1", "bogus": 1, "item": [{"sequence": 1, "x": {}}]}}"#,
    );
    let whole = json::from_slice_lenient::<Bundle>(input.as_bytes()).unwrap();
    let mut reader = BundleReader::with_options(input.as_bytes(), ParseOptions::lenient()).unwrap();
    let unknown: Vec<String> = reader.by_ref().flat_map(|e| e.unwrap().unknown).map(|p| p.to_string()).collect();
    assert_eq!(unknown, whole.unknown.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    assert_eq!(unknown, ["entry[1].resource.bogus", "entry[1].resource.item[0].x"]);
    let out = BundleReader::with_options(input.as_bytes(), ParseOptions::lenient()).unwrap().par_map(2, |_| ());
    assert_eq!(out.unknown.iter().map(|p| p.to_string()).collect::<Vec<_>>(), unknown);
    read_all_ways(input.as_bytes(), ParseOptions::lenient()).unwrap();
}

#[test]
fn entries_borrow_from_a_slice_and_from_the_window() {
    let input = std::fs::read(DEMO).unwrap();
    let mut reader = BundleReader::new(&input).unwrap();
    let entry = reader.next().unwrap().unwrap();
    let Some(Resource::Patient(patient)) = entry.resource() else { panic!() };
    assert!(patient.id().unwrap().is_borrowed());
    let mut stream = BundleStream::new(input.as_slice()).unwrap();
    let entry = stream.next_entry().unwrap().unwrap();
    let Some(Resource::Patient(patient)) = entry.resource() else { panic!() };
    assert!(patient.id().unwrap().is_borrowed());
    // As an iterator, a stream yields owned entries.
    let owned: Vec<Entry<'static>> = BundleStream::new(input.as_slice()).unwrap().map(Result::unwrap).collect();
    // The demo Bundle: a Patient, four Coverages and two claims.
    assert_eq!(owned.len(), 7);
}

#[test]
fn a_large_entry_grows_the_window_up_to_the_limit() {
    let templates = input::Templates::load(input::Layout::Pretty);
    let input = templates.bundle(200_000);
    let small = StreamOptions { buffer_size: 1024, ..StreamOptions::default() };
    let mut stream = BundleStream::with_options(input.as_slice(), small).unwrap();
    let mut largest = 0;
    while let Some(entry) = stream.next_entry() {
        largest = largest.max(entry.unwrap().len);
    }
    assert!(
        stream.peak_window() >= largest && stream.peak_window() <= 4 * largest.max(1024),
        "{}",
        stream.peak_window()
    );

    let limited = StreamOptions { buffer_size: 1024, max_entry_len: 2048, ..StreamOptions::default() };
    let items = from_reader(input.as_slice(), limited).unwrap().1;
    let Item::Error { text, fatal: true, .. } = items.last().unwrap() else { panic!() };
    assert!(text.contains("larger than 2048 bytes"), "{text}");
}

#[test]
fn an_io_error_ends_the_stream() {
    struct Failing<'a>(&'a [u8]);
    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let k = buf.len().min(self.0.len()).min(100);
            buf[..k].copy_from_slice(&self.0[..k]);
            self.0 = &self.0[k..];
            Ok(k)
        }
    }
    let input = std::fs::read(DEMO).unwrap();
    let items =
        from_reader(Failing(&input[..input.len() / 2]), StreamOptions { buffer_size: 256, ..Default::default() })
            .unwrap()
            .1;
    let Item::Error { text, fatal: true, .. } = items.last().unwrap() else { panic!() };
    assert!(text.contains("I/O error: disk on fire"), "{text}");
    assert!(!entries_of(&items).is_empty());
}

#[test]
fn the_parallel_mode_reads_large_bundles_as_one_thread_does() {
    // About 2.5 MB: several pieces per thread. Traps for the guessed piece starts: an entry whose
    // string holds what looks like the next entry, and a Bundle nested in an entry.
    let templates = input::Templates::load(input::Layout::Minified);
    let text = String::from_utf8(templates.bundle(2_500_000)).unwrap();
    let trap = r#"{"resource":{"resourceType":"Patient","id":"trap","name":[{"text":"}, {\"resource\": {\"resourceType\": \"Patient\"}}"}]}}"#;
    let nested = r#"{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient","id":"inner"}}]}}"#;
    let bad = r#"{"resource":{"resourceType":"Patient","id":"bad","gender":3}}"#;
    let mut pieces: Vec<String> = Vec::new();
    // Sprinkle them every 50,000 bytes, just after an entry ends.
    let mut last = 0;
    for (i, _) in text.match_indices("},{\"resource\"") {
        if i - last > 50_000 {
            pieces.push(text[last..=i].to_string());
            pieces.push(format!(",{trap},{nested},{bad}"));
            last = i + 1;
        }
    }
    pieces.push(text[last..].to_string());
    let input = pieces.concat();
    let (_, items) = read_ways(input.as_bytes(), ParseOptions::strict(), &[1 << 16], &[1 << 16, 2 << 20]).unwrap();
    let errors = errors_of(&items);
    assert!(errors.len() > 20, "{} errors", errors.len());
    assert!(errors.iter().all(|e| e.contains(".resource.gender: expected a string")), "{errors:?}");
}

#[test]
fn a_parallel_stream_keeps_its_threads_from_window_to_window() {
    // About 20 windows of 512 KiB, each parsed in two pieces on 2 threads: the same helper
    // threads for all of them (rayon's pool, one per core), where a thread started for each
    // window made about 20.
    let input = input::Templates::load(input::Layout::Minified).bundle(10_000_000);
    let windows = input.len() / (512 << 10);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let seen = std::sync::Mutex::new(std::collections::HashSet::new());
    let options = StreamOptions { buffer_size: 512 << 10, ..StreamOptions::default() };
    let mut stream = BundleStream::with_options(&input[..], options).unwrap();
    let mut entries = 0;
    stream.par_for_each(
        2,
        |_| {
            seen.lock().unwrap().insert(std::thread::current().id());
        },
        |r| {
            r.unwrap();
            entries += 1;
        },
    );
    let threads = seen.into_inner().unwrap().len();
    assert!(entries > 200, "{entries} entries");
    // The helpers did parse (on one core, the calling thread may have finished every piece first).
    assert!(cores < 2 || threads >= 2, "the entries were parsed on {threads} thread(s)");
    assert!(threads <= 1 + cores, "{threads} threads for {windows} windows on {cores} cores");
}

#[test]
fn a_panic_in_a_parallel_map_reaches_the_caller() {
    // Entries parsed on a helper thread panic (about 20 windows of two pieces each, on 2
    // threads): the panic comes out of `par_for_each` on the calling thread, with its message.
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return; // on one core the calling thread may parse every piece itself
    }
    let input = input::Templates::load(input::Layout::Minified).bundle(10_000_000);
    let options = StreamOptions { buffer_size: 512 << 10, ..StreamOptions::default() };
    let mut stream = BundleStream::with_options(&input[..], options).unwrap();
    let caller = std::thread::current().id();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let map = |_: BundleEntry<'_>| assert_eq!(std::thread::current().id(), caller, "boom in map");
        stream.par_for_each(2, map, |_| {});
    }));
    let payload = caught.expect_err("a helper's panic");
    let message = payload.downcast_ref::<String>().map(String::as_str).unwrap_or_default();
    assert!(message.contains("boom in map"), "{message:?}");
}

#[test]
fn the_recorded_bench_input_repeats_the_servers_claims_with_distinct_ids() {
    if samples::shared_data().is_none() {
        return;
    }
    for layout in [input::Layout::Minified, input::Layout::Pretty] {
        let templates = input::Templates::recorded(layout).unwrap();
        let bundle = templates.bundle(400_000);
        assert!((400_000..500_000).contains(&bundle.len()), "{}", bundle.len());
        let mut ids = std::collections::HashSet::new();
        let mut claim_types = std::collections::BTreeSet::new();
        let mut copied = 0;
        for entry in BundleReader::new(&bundle).unwrap() {
            let entry = entry.unwrap();
            let resource = entry.resource().unwrap();
            let id = resource.id().unwrap().as_str().to_string();
            copied += usize::from(id.ends_with("-2"));
            assert!(ids.insert((resource.resource_type(), id.clone())), "{id} twice");
            if let Resource::ExplanationOfBenefit(eob) = resource {
                claim_types.insert(bluebutton::claim_type::ClaimType::of(eob).unwrap());
            }
        }
        assert_eq!(claim_types.len(), 8, "{claim_types:?}");
        assert!(copied > 0, "the second copy has suffixed ids");
        let report = bluebutton::validate_json(&bundle, bluebutton::Target::Served).unwrap();
        assert_eq!(report.errors().count(), 0, "{report}");
    }
}

/// A stop asked for at a bad entry that cannot be skipped ends the reading there: the fatal
/// error waiting to be told after it is not told. (Found by the fuzzer.)
#[test]
fn a_stop_at_an_entry_that_cannot_be_skipped_tells_nothing_more() {
    let input = br#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","birthDate":"1970-13", 2}}]}"#;
    for threads in [1, 2] {
        let mut all = Vec::new();
        BundleStream::new(&input[..]).unwrap().par_for_each(
            threads,
            |_| (),
            |r| all.push(r.map_err(|e| e.to_string())),
        );
        assert_eq!(all.len(), 2, "the bad entry, then the Bundle's fatal error: {all:?}");
        let mut stream = BundleStream::new(&input[..]).unwrap();
        let mut taken = Vec::new();
        stream.try_par_for_each(
            threads,
            |_| (),
            |r| {
                taken.push(r.map_err(|e| e.to_string()));
                std::ops::ControlFlow::Break(())
            },
        );
        assert_eq!(taken[..], all[..1], "{threads} threads");
        assert!(stream.next_entry().is_none(), "{threads} threads: the fatal error told after the stop");
    }
}

/// Errors in the Bundle's members that come before a fatal error (input that is not JSON
/// further on, still before the entries) are told first, then the fatal error, by every reader:
/// making the reader used to fail with the fatal error alone, the others dropped (found by the
/// `stream` fuzz target).
#[test]
fn errors_in_members_before_a_fatal_error_are_told_first() {
    let input = br#"{"resourceType":"Bundle","bogus":1,"meta":{"oops":2},"type" "searchset","entry":[]}"#;
    // Each error's text up to what it quotes of the input (as much as the reader's window
    // holds), its offset and whether it is fatal.
    let texts = |items: Vec<Result<Entry<'_>, EntryError>>| -> Vec<(String, usize, bool)> {
        let said = |e: &EntryError| e.to_string().split(", found").next().unwrap_or_default().to_string();
        items
            .into_iter()
            .map(|r| r.map_or_else(|e| (said(&e), e.error().offset(), e.is_fatal()), |_| Default::default()))
            .collect()
    };
    let slice = texts(BundleReader::new(input).expect("errors come as items").collect());
    assert_eq!(slice.len(), 3, "{slice:?}");
    assert!(slice[0].0.starts_with("bogus: unknown property") && !slice[0].2, "{slice:?}");
    assert!(slice[1].0.starts_with("meta.oops: unknown property") && !slice[1].2, "{slice:?}");
    assert!(slice[2].0.contains("invalid JSON") && slice[2].2, "{slice:?}");
    let options = StreamOptions { buffer_size: 64, ..StreamOptions::default() };
    let mut stream = BundleStream::with_options(Trickle { data: input, step: 5, n: 0 }, options).unwrap();
    let streamed = texts(std::iter::from_fn(|| stream.next_entry().map(|r| r.map(|e| e.into_owned()))).collect());
    assert_eq!(streamed, slice);
    let any = bluebutton::stream::Resources::open(&input[..]).unwrap();
    assert_eq!(texts(any.collect()), slice);
}
