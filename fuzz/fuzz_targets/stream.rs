//! Arbitrary bytes through the streaming readers: a Bundle read from a slice, from a reader that
//! hands out a few bytes at a time through a small window, and in parallel; the same bytes as
//! NDJSON, from a slice, from a reader and in parallel; whatever the input is, stopped by the
//! callback; and the detection of what an input is, from any reader and from one that can go
//! back to its start.
//! Nothing may panic, and where the slice reader reads every entry without an error, the other
//! readers give the same entries.
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
