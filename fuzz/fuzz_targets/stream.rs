//! Arbitrary bytes through the streaming readers: a Bundle read from a slice, from a reader that
//! hands out a few bytes at a time through a small window, and in parallel; the same bytes as
//! NDJSON, from a slice, from a reader and in parallel; whatever the input is, stopped by the
//! callback; and the detection of what an input is, from any reader and from one that can go
//! back to its start.
//! Nothing may panic, and where the slice reader reads every entry without an error, the other
//! readers give the same entries. Broken off after some of its bytes (a reader that fails), the
//! input is read as the whole input up to the break, which is then the fatal, last item.
#![no_main]

use std::io::{self, Read};
use std::ops::ControlFlow;

use bluebutton::json::IntoOwned;
use bluebutton::resources::BundleEntry;
use bluebutton::stream::{
    sniff, sniff_seekable, BundleReader, BundleStream, Entry, EntryError, NdjsonReader, NdjsonStream, Resources,
    Sniffed, StreamOptions,
};
use libfuzzer_sys::fuzz_target;

#[path = "support/breaks.rs"]
mod breaks;
use breaks::{Breaks, BREAK};

/// Hands out at most `step` bytes a read.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.data.len()).min(self.step);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Read through a reader that breaks, `items` end with the break (fatal, the reader's error),
/// and the entries read whole before it are those the whole input gives first.
fn ends_at_the_break<T: PartialEq + std::fmt::Debug>(
    what: &str,
    items: &[Result<T, EntryError>],
    whole: &[Result<T, EntryError>],
) {
    let Some((last, before)) = items.split_last() else { panic!("{what}: nothing, not even the break") };
    assert!(
        !before.iter().any(|i| i.as_ref().is_err_and(EntryError::is_fatal)),
        "{what}: a fatal error before the last item"
    );
    match last {
        Err(e) if e.is_fatal() && e.to_string().contains(BREAK) => {}
        // Input that is not JSON (or not a Bundle) before the break ends reading as it does in
        // the whole input, at the same place (what the message quotes of the input after it
        // may stop at the break).
        Err(e) if e.is_fatal() => {
            let place = |e: &EntryError| (e.index(), e.line(), e.error().offset(), e.error().path().to_string());
            let ended = whole.get(before.len()).and_then(|w| w.as_ref().err());
            assert_eq!(ended.map(place), Some(place(e)), "{what}: a fatal error the whole input has not: {e}");
            assert_eq!(whole.len(), items.len(), "{what}: the whole input goes on after the fatal error");
        }
        Err(e) => panic!("{what}: the last item is not the break: {e}"),
        Ok(_) => panic!("{what}: the last item is an entry, not the break"),
    }
    assert!(before.len() <= whole.len(), "{what}: more items before the break than in the whole input");
    for (i, (b, w)) in before.iter().zip(whole).enumerate() {
        match (b, w) {
            (Ok(b), Ok(w)) => assert_eq!(b, w, "{what}: entry {i} read before the break differs"),
            (Ok(_), Err(e)) => panic!("{what}: entry {i} read before the break, an error in the whole input: {e}"),
            (Err(_), _) => {}
        }
    }
}

/// A small window, so that entries cross window ends and the window grows.
fn small_window() -> StreamOptions {
    StreamOptions { buffer_size: 64, max_entry_len: 1 << 20, ..StreamOptions::default() }
}

/// Where the slice reader read every entry without an error, the stream and the parallel
/// reader give the same entries.
fn agree(
    what: &str,
    slice: Vec<Result<Entry<'_>, EntryError>>,
    streamed: Vec<Result<Entry<'static>, EntryError>>,
    parallel: Vec<Result<BundleEntry<'static>, EntryError>>,
) {
    if !slice.iter().all(Result::is_ok) {
        return;
    }
    let slice: Vec<Entry<'static>> = slice.into_iter().map(|e| e.unwrap().into_owned()).collect();
    let streamed: Vec<_> =
        streamed.into_iter().map(|e| e.expect("the stream fails where the slice does not")).collect();
    assert_eq!(streamed, slice, "{what}: the stream reads other entries");
    let parallel: Vec<_> =
        parallel.into_iter().map(|e| e.expect("the parallel reader fails where the slice does not")).collect();
    let entries: Vec<_> = slice.into_iter().map(|e| e.entry).collect();
    assert_eq!(parallel, entries, "{what}: the parallel reader reads other entries");
}

/// The results of reading `data` as whatever it is on `threads` threads, stopped after `stop`
/// of them (errors as their text), and whether the stream gave another entry after; `None`
/// when it does not open.
fn walk(
    data: &[u8],
    step: usize,
    threads: usize,
    stop: usize,
) -> Option<(Vec<Result<BundleEntry<'static>, String>>, bool)> {
    let mut resources = Resources::with_options(Trickle { data, step }, small_window()).ok()?;
    let mut results = Vec::new();
    resources.try_par_for_each(
        threads,
        |entry| entry.into_owned(),
        |r| {
            results.push(r.map_err(|e| e.to_string()));
            if results.len() >= stop {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    let more = resources.next_entry().is_some();
    Some((results, more))
}

fuzz_target!(|data: &[u8]| {
    let step = usize::from(data.first().copied().unwrap_or(1) % 7) + 1;

    // A Bundle.
    let from_slice: Option<Vec<_>> = BundleReader::new(data).ok().map(|reader| reader.collect());
    let mut streamed = Vec::new();
    if let Ok(mut stream) = BundleStream::with_options(Trickle { data, step }, small_window()) {
        while let Some(entry) = stream.next_entry() {
            streamed.push(entry.map(Entry::into_owned));
        }
    }
    let parallel = BundleReader::new(data).ok().map(|reader| reader.par_map(2, |entry| entry.into_owned()));
    if let Some(entries) = from_slice {
        let parallel = parallel.expect("the parallel reader starts where the slice reader does");
        agree("Bundle", entries, streamed, parallel.items);
    }

    // NDJSON.
    let lines: Vec<_> = NdjsonReader::new(data).collect();
    let mut streamed = Vec::new();
    let mut stream = NdjsonStream::with_options(Trickle { data, step }, small_window());
    while let Some(entry) = stream.next_entry() {
        streamed.push(entry.map(Entry::into_owned));
    }
    let parallel = NdjsonReader::new(data).par_map(2, |entry| entry.into_owned());
    agree("NDJSON", lines, streamed, parallel.items);

    // Whatever the input is.
    if let Ok(mut resources) = Resources::open(Trickle { data, step }) {
        while let Some(entry) = resources.next_entry() {
            let _ = entry.map(|e| e.index);
        }
    }

    // Broken off after some of its bytes (the third and fourth say where): as a Bundle and as
    // NDJSON, what came whole before the break is what the whole input gives, then the break.
    let at = usize::from(u16::from_le_bytes([data.get(2).copied().unwrap_or(0), data.get(3).copied().unwrap_or(0)]));
    let at = at % (data.len() + 1);
    let whole: Vec<_> = match BundleStream::with_options(Trickle { data, step }, small_window()) {
        Ok(mut stream) => std::iter::from_fn(|| stream.next_entry().map(|r| r.map(Entry::into_owned))).collect(),
        Err(e) => vec![Err(e)],
    };
    let broken: Vec<_> = match BundleStream::with_options(Breaks { data, step, left: at }, small_window()) {
        Ok(mut stream) => std::iter::from_fn(|| stream.next_entry().map(|r| r.map(Entry::into_owned))).collect(),
        Err(e) => vec![Err(e)],
    };
    ends_at_the_break("Bundle", &broken, &whole);
    let mut stream = NdjsonStream::with_options(Trickle { data, step }, small_window());
    let whole: Vec<_> = std::iter::from_fn(|| stream.next_entry().map(|r| r.map(Entry::into_owned))).collect();
    let mut stream = NdjsonStream::with_options(Breaks { data, step, left: at }, small_window());
    let broken: Vec<_> = std::iter::from_fn(|| stream.next_entry().map(|r| r.map(Entry::into_owned))).collect();
    ends_at_the_break("NDJSON", &broken, &whole);
    let mut parallel = Vec::new();
    NdjsonStream::with_options(Breaks { data, step, left: at }, small_window()).par_for_each(
        2,
        |entry| entry.into_owned(),
        |r| parallel.push(r),
    );
    let whole_entries: Vec<_> = whole.into_iter().map(|r| r.map(|e| e.entry)).collect();
    ends_at_the_break("NDJSON in parallel", &parallel, &whole_entries);

    // Whatever the input is, read on one thread and on two until the callback stops the
    // reading: what came before the stop is what the whole reading gives first, and the
    // stream gives nothing after it.
    let stop_after = usize::from(data.get(1).copied().unwrap_or(0) % 5) + 1;
    for threads in [1, 2] {
        let Some((whole, _)) = walk(data, step, threads, usize::MAX) else { continue };
        let (stopped, more) = walk(data, step, threads, stop_after).expect("opens as it did");
        assert_eq!(stopped[..], whole[..whole.len().min(stop_after)], "{threads} threads: the results before the stop");
        assert!(!more, "{threads} threads: an entry after the stop");
    }

    // Its kind, told from a reader that can go back to its start: as from any reader, with
    // the same bytes handed on; on limits that reach the long-line rule and ones that do not.
    for max_line in [1 << 20, 64 << 20] {
        let told = |sniffed: io::Result<Sniffed<'_>>| {
            sniffed
                .map(|s| {
                    let mut bytes = Vec::new();
                    let mut reader = s.reader;
                    let read = reader.read_to_end(&mut bytes).map_err(|e| e.to_string());
                    (s.kind, s.gzip, read.map(|_| bytes))
                })
                .map_err(|e| e.to_string())
        };
        let expected = told(sniff(Trickle { data, step }, max_line));
        let seekable = told(sniff_seekable(io::Cursor::new(data), max_line));
        assert!(seekable == expected, "sniff_seekable tells another kind or other bytes than sniff");
    }
});
