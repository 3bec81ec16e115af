//! NDJSON: one resource per line, as the bulk APIs (`$export`) deliver them.
//!
//! [`NdjsonReader`] reads lines held in memory (entries borrow from them), [`NdjsonStream`] reads
//! them from any [`Read`] in a window of bounded size, and [`NdjsonWriter`] writes resources one
//! per line. Each line is parsed as a [`Resource`] and handed out as an [`Entry`] (its resource
//! in [`Entry::entry`], its line number in [`Entry::line`]), so code written for the entries of
//! a Bundle reads NDJSON unchanged.
//!
//! Lines end with `\n` or `\r\n`; blank lines are skipped (they count for line numbers). A line
//! that is not a resource is an [`EntryError`] naming its line, the JSON path inside the
//! resource and what was expected (`line 3: item[0].quantity.value: expected a number…`), and
//! reading goes on with the next line: a bad line never stops the others. Only an I/O error or
//! a line longer than [`StreamOptions::max_entry_len`] ends a stream.
//!
//! ```
//! use bluebutton_model::stream::{NdjsonReader, NdjsonWriter};
//! use bluebutton_model::Resource;
//!
//! let input = b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\r\n\n{\"resourceType\":\"Patient\",\"bogus\":1}\n{\"resourceType\":\"Coverage\",\"id\":\"c1\"}";
//! let mut reader = NdjsonReader::new(input);
//! let first = reader.next().unwrap()?;
//! assert_eq!((first.index, first.line), (0, Some(1)));
//! let second = reader.next().unwrap().unwrap_err();
//! assert_eq!((second.index(), second.line()), (Some(1), Some(3)));
//! assert_eq!(second.to_string(), "line 3: bogus: unknown property `bogus` (not an element of Patient)");
//! let third = reader.next().unwrap()?; // reading went on
//! assert!(matches!(third.resource(), Some(Resource::Coverage(_))));
//! assert!(reader.next().is_none());
//!
//! // Written back, one resource per line.
//! let mut out = NdjsonWriter::new(Vec::new());
//! out.write(first.resource().unwrap())?;
//! out.write(third.resource().unwrap())?;
//! assert_eq!(out.into_inner(), b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Coverage\",\"id\":\"c1\"}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;

use memchr::{memchr, memrchr};

use crate::json::{path_at, rt, Error, ErrorKind, FromJson, IntoOwned, JsonPath, Lexer, ParseOptions, ToJson, Writer};
use crate::resources::{Bundle, BundleEntry};
use crate::Resource;

use super::parallel::{going_on, in_pieces_while};
use super::read::{read_after, read_until, thread_count, Filled, StreamOptions};
use super::slice::BundleReader;
use super::{Entry, EntryError, ParallelOutput};

/// Whether a line holds only white space (a blank line, skipped).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// A line without its `\r` (of a `\r\n` line end).
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A resource found on a line: a resource alone, or an entry of the Bundle on the line.
struct Found<'b> {
    entry: BundleEntry<'b>,
    /// With lenient parsing, the paths of the unknown properties kept (from the line's value).
    unknown: Vec<JsonPath>,
    /// Where it starts in the line, and its length.
    start: usize,
    len: usize,
}

/// Parses one line (without its line end) and hands `sink` what it holds: its resource, or, when
/// it is a Bundle, each of its entries (or the error that made one unreadable, reading on);
/// errors are located within the line.
fn each_in_line<'b>(line: &'b [u8], options: ParseOptions, mut sink: impl FnMut(Result<Found<'b>, Error>)) {
    let mut lx = Lexer::new(line, options);
    if rt::peek_resource_type(&mut lx).is_ok_and(|(name, _)| name == "Bundle") {
        match BundleReader::with_options(line, options) {
            Ok(reader) => {
                for item in reader {
                    sink(match item {
                        Ok(e) => Ok(Found { entry: e.entry, unknown: e.unknown, start: e.offset as usize, len: e.len }),
                        Err(e) => Err(e.into_error()),
                    });
                }
            }
            Err(e) => sink(Err(e.into_error())),
        }
        return;
    }
    let parsed = Resource::from_json(&mut lx).and_then(|r| lx.finish().map(|()| r)).map_err(|e| e.locate(line));
    sink(parsed.map(|resource| Found {
        entry: BundleEntry { resource: Some(resource), ..BundleEntry::default() },
        unknown: lx.unknown_offsets.iter().map(|&o| path_at(line, o)).collect(),
        start: 0,
        len: line.len(),
    }));
}

/// A line's error, moved from the line to the input: line `number`, which starts at absolute
/// offset `at`.
fn place(error: Error, at: u64, number: u64) -> Error {
    let (_, column) = error.line_column();
    let offset = at as usize + error.offset();
    let path = error.path().clone();
    error.with_location(offset, path, number as usize, column)
}

/// Where the next line is: the line number and record index it will have.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    /// The number (1-based) of the next line.
    line: u64,
    /// The index of the next record (non-blank line).
    records: usize,
}

impl Counts {
    fn start() -> Self {
        Counts { line: 1, records: 0 }
    }

    /// Parses the line `bytes[start..end]` (without its `\n`), which starts at absolute offset
    /// `base + start`, handing `sink` each resource (or error) it holds; nothing when it is
    /// blank.
    fn record<'b>(
        &mut self,
        bytes: &'b [u8],
        base: u64,
        start: usize,
        end: usize,
        options: ParseOptions,
        mut sink: impl FnMut(Result<Entry<'b>, EntryError>),
    ) {
        let number = self.line;
        self.line += 1;
        let line = without_cr(&bytes[start..end]);
        if is_blank(line) {
            return;
        }
        let at = base + start as u64;
        each_in_line(line, options, |found| {
            let index = self.records;
            self.records += 1;
            sink(match found {
                Ok(f) => Ok(Entry {
                    index,
                    line: Some(number),
                    offset: at + f.start as u64,
                    len: f.len,
                    entry: f.entry,
                    unknown: f.unknown,
                }),
                Err(e) => Err(EntryError::record(index, number, place(e, at, number))),
            });
        });
    }
}

/// Reads NDJSON held in memory, one line at a time; the entries borrow from the input.
///
/// ```
/// use bluebutton_model::stream::NdjsonReader;
/// let input = b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n";
/// let ids: Vec<String> =
///     NdjsonReader::new(input).map(|e| e.unwrap().resource().unwrap().id().unwrap().to_string()).collect();
/// assert_eq!(ids, ["p1", "p2"]);
/// ```
#[derive(Debug, Clone)]
pub struct NdjsonReader<'a> {
    input: &'a [u8],
    pos: usize,
    counts: Counts,
    options: ParseOptions,
    /// What the last line held that is not handed out yet (the entries of a Bundle line).
    pending: VecDeque<Result<Entry<'a>, EntryError>>,
}

impl<'a> NdjsonReader<'a> {
    /// Reads `input` strictly.
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_options(input, ParseOptions::strict())
    }

    /// Reads `input` with `options` (lenient parsing keeps unknown properties and lists them in
    /// each [`Entry::unknown`], as paths inside the resource).
    pub fn with_options(input: &'a [u8], options: ParseOptions) -> Self {
        NdjsonReader { input, pos: 0, counts: Counts::start(), options, pending: VecDeque::new() }
    }

    /// How far reading has come, in bytes.
    pub fn position(&self) -> u64 {
        self.pos as u64
    }

    /// The next resource, or the error that made its line unreadable; `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'a>, EntryError>> {
        while self.pending.is_empty() && self.pos < self.input.len() {
            let start = self.pos;
            let end = memchr(b'\n', &self.input[start..]).map_or(self.input.len(), |i| start + i);
            self.pos = (end + 1).min(self.input.len());
            let pending = &mut self.pending;
            self.counts.record(self.input, 0, start, end, self.options, |item| pending.push_back(item));
        }
        self.pending.pop_front()
    }

    /// Parses the remaining lines on `threads` threads (`0`: one per core), calls `f` on each
    /// resource (as a Bundle entry), and returns the results in line order. The header of the
    /// output is empty: NDJSON has none.
    ///
    /// ```
    /// use bluebutton_model::stream::NdjsonReader;
    /// let input = b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\nnot json\n{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n";
    /// let out = NdjsonReader::new(input).par_map(2, |entry| entry.resource.is_some());
    /// assert!(matches!(out.items[..], [Ok(true), Err(_), Ok(true)]));
    /// assert_eq!(out.items[1].as_ref().unwrap_err().line(), Some(2));
    /// ```
    pub fn par_map<T, F>(mut self, threads: usize, f: F) -> ParallelOutput<'a, T>
    where
        T: Send,
        F: Fn(BundleEntry<'a>) -> T + Sync,
    {
        let mut out = ParallelOutput { header: Bundle::default(), items: Vec::new(), unknown: Vec::new() };
        for item in self.pending.drain(..) {
            out.items.push(item.map(|entry| f(entry.entry)));
        }
        let rest = &self.input[self.pos..];
        let items = &mut out.items;
        let lines = par_lines(
            Stretch { bytes: rest, base: self.pos as u64, counts: self.counts },
            self.options,
            thread_count(threads),
            &f,
            &mut going_on(|item| items.push(item)),
            || (),
        );
        self.counts = lines.counts;
        self.pos = self.input.len();
        out.unknown = lines.unknown;
        out
    }
}

impl<'a> Iterator for NdjsonReader<'a> {
    type Item = Result<Entry<'a>, EntryError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry()
    }
}

/// What [`par_lines`] found besides the items it handed on.
struct Lines {
    unknown: Vec<JsonPath>,
    /// The counts after the lines.
    counts: Counts,
    /// `Break` when the callback stopped the reading (the counts then stop short).
    flow: ControlFlow<()>,
}

/// The stretch of lines parsed at a time on one thread before their results are handed on:
/// small, so that a result is used while what it holds is still in the cache (a window is
/// megabytes of input, and its results together far more than a cache holds).
const SEQUENTIAL_CHUNK: usize = 64 << 10;

/// One line's outcome on a worker thread, before its numbers are known.
enum Local<T> {
    Ok {
        value: T,
        unknown: Vec<JsonPath>,
    },
    /// The error located within the line; the line's place in the chunk.
    Bad {
        error: Error,
        at: u64,
        line_in_chunk: u64,
    },
}

/// A worker's chunk of lines.
struct Chunk<T> {
    items: Vec<(Local<T>, usize)>,
    /// Lines in the chunk (blank ones too), and records.
    lines: u64,
    records: usize,
}

/// Whole lines (the last may lack its `\n`), which start at absolute offset `base` with
/// `counts`.
struct Stretch<'b> {
    bytes: &'b [u8],
    base: u64,
    counts: Counts,
}

/// Parses the lines of `stretch` on `threads` threads, in chunks cut at line ends, and hands
/// `each` the results in line order: on one thread, chunk after chunk as each is parsed; on
/// several, once all are. `meanwhile` runs on this thread first (on several threads, while
/// the others start on the chunks).
fn par_lines<'b, T, F>(
    stretch: Stretch<'b>,
    options: ParseOptions,
    threads: usize,
    f: &F,
    each: &mut dyn FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    meanwhile: impl FnOnce(),
) -> Lines
where
    T: Send,
    F: Fn(BundleEntry<'b>) -> T + Sync,
{
    if threads <= 1 {
        meanwhile();
        let Stretch { bytes, base, counts } = stretch;
        let mut out = Lines { unknown: Vec::new(), counts, flow: ControlFlow::Continue(()) };
        let cuts = chunk_bounds(bytes, SEQUENTIAL_CHUNK);
        out.flow = cuts
            .windows(2)
            .try_for_each(|bounds| hand_on(parse_chunk(bytes, base, bounds[0], bounds[1], options, f), &mut out, each));
        out
    } else {
        parse_lines(stretch, options, threads, f, meanwhile).hand_on(each)
    }
}

/// The results of a stretch of lines parsed on several threads, to be handed on in order.
struct ParsedLines<T> {
    chunks: Vec<Chunk<T>>,
    /// The counts before the stretch.
    counts: Counts,
}

impl<T> ParsedLines<T> {
    /// The counts after the stretch.
    fn counts_after(&self) -> Counts {
        let mut counts = self.counts;
        for chunk in &self.chunks {
            counts.line += chunk.lines;
            counts.records += chunk.records;
        }
        counts
    }

    /// Hands `each` the results in line order, until it breaks.
    fn hand_on(self, each: &mut dyn FnMut(Result<T, EntryError>) -> ControlFlow<()>) -> Lines {
        let mut out = Lines { unknown: Vec::new(), counts: self.counts, flow: ControlFlow::Continue(()) };
        out.flow = self.chunks.into_iter().try_for_each(|chunk| hand_on(chunk, &mut out, each));
        out
    }
}

/// Parses the lines of `stretch` on `threads` threads, in chunks cut at line ends.
/// `meanwhile` runs on this thread while the others start on the chunks.
fn parse_lines<'b, T, F>(
    Stretch { bytes, base, counts }: Stretch<'b>,
    options: ParseOptions,
    threads: usize,
    f: &F,
    meanwhile: impl FnOnce(),
) -> ParsedLines<T>
where
    T: Send,
    F: Fn(BundleEntry<'b>) -> T + Sync,
{
    let cuts = chunk_bounds(bytes, (bytes.len() / (threads * 4)).max(PARALLEL_CHUNK));
    let (chunks, ()) = in_pieces_while(
        cuts.len() - 1,
        threads,
        |i| parse_chunk(bytes, base, cuts[i], cuts[i + 1], options, f),
        meanwhile,
    );
    ParsedLines { chunks, counts }
}

/// Hands `each` the results of `chunk` (whose lines follow `out.counts`), and counts its
/// lines into `out` when all were handed on.
fn hand_on<T>(
    chunk: Chunk<T>,
    out: &mut Lines,
    each: &mut dyn FnMut(Result<T, EntryError>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    for (local, record_in_chunk) in chunk.items {
        match local {
            Local::Ok { value, unknown } => {
                out.unknown.extend(unknown);
                each(Ok(value))?;
            }
            Local::Bad { error, at, line_in_chunk } => {
                let number = out.counts.line + line_in_chunk;
                let index = out.counts.records + record_in_chunk;
                each(Err(EntryError::record(index, number, place(error, at, number))))?;
            }
        }
    }
    out.counts.line += chunk.lines;
    out.counts.records += chunk.records;
    ControlFlow::Continue(())
}

/// The smallest stretch of lines a thread takes at a time.
const PARALLEL_CHUNK: usize = 64 << 10;

/// Offsets that cut `bytes` into stretches of whole lines of about `step` bytes: `0`, the
/// starts of lines, and `bytes.len()`.
fn chunk_bounds(bytes: &[u8], step: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let step = step.max(1);
    let mut at = 0;
    while at + step < bytes.len() {
        match memchr(b'\n', &bytes[at + step..]) {
            Some(i) if at + step + i + 1 < bytes.len() => {
                at = at + step + i + 1;
                cuts.push(at);
            }
            _ => break,
        }
    }
    cuts.push(bytes.len());
    cuts
}

fn parse_chunk<'b, T, F>(bytes: &'b [u8], base: u64, from: usize, to: usize, options: ParseOptions, f: &F) -> Chunk<T>
where
    F: Fn(BundleEntry<'b>) -> T,
{
    let mut chunk = Chunk { items: Vec::new(), lines: 0, records: 0 };
    let mut pos = from;
    while pos < to {
        let end = memchr(b'\n', &bytes[pos..to]).map_or(to, |i| pos + i);
        let line = without_cr(&bytes[pos..end]);
        if !is_blank(line) {
            each_in_line(line, options, |found| {
                let local = match found {
                    Ok(found) => Local::Ok { value: f(found.entry), unknown: found.unknown },
                    Err(error) => Local::Bad { error, at: base + pos as u64, line_in_chunk: chunk.lines },
                };
                chunk.items.push((local, chunk.records));
                chunk.records += 1;
            });
        }
        chunk.lines += 1;
        pos = end + 1;
    }
    chunk
}

/// One line of NDJSON, as it is: see [`NdjsonStream::next_line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// Its number (1-based; blank lines count).
    pub number: u64,
    /// The byte offset where it starts, in the whole (decompressed) input.
    pub offset: u64,
    /// Its text, without the line end.
    pub text: &'a [u8],
}

/// Reads NDJSON from a [`Read`] (a file, a gzip decoder, an HTTP body), one line at a time,
/// holding only a window of the input: memory stays bounded by the longest line.
///
/// [`next_entry`](NdjsonStream::next_entry) lends each entry from the window; as an
/// [`Iterator`], the stream yields owned entries.
///
/// ```
/// use bluebutton_model::stream::NdjsonStream;
/// let input: &[u8] = b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n\n{\"resourceType\":\"Coverage\",\"id\":\"c1\"}\n";
/// let mut stream = NdjsonStream::new(input);
/// let mut lines = Vec::new();
/// while let Some(entry) = stream.next_entry() {
///     lines.push(entry?.line.unwrap());
/// }
/// assert_eq!(lines, [1, 3]);
/// # Ok::<(), bluebutton_model::stream::EntryError>(())
/// ```
pub struct NdjsonStream<R> {
    reader: R,
    /// The window: `buf[start..len]` is the input not yet read, from absolute offset
    /// `base + start` on.
    buf: Vec<u8>,
    start: usize,
    len: usize,
    base: u64,
    eof: bool,
    /// The reader's error that ended the input early: the lines before it are read, and the
    /// line it cut off is this error.
    broken: Option<String>,
    /// Reading ended with a fatal error.
    stopped: bool,
    counts: Counts,
    options: StreamOptions,
    peak_window: usize,
    /// The entries of a Bundle line not handed out yet.
    pending: VecDeque<Result<Entry<'static>, EntryError>>,
    /// The memory of the next window, read on several threads while the lines of the window
    /// are parsed (empty until then).
    spare: Vec<u8>,
}

impl<R: Read> NdjsonStream<R> {
    /// Reads NDJSON from `reader`, strictly.
    pub fn new(reader: R) -> Self {
        Self::with_options(reader, StreamOptions::default())
    }

    /// Reads NDJSON from `reader` with `options` (the window is
    /// [`buffer_size`](StreamOptions::buffer_size) bytes and grows to hold a longer line, up to
    /// [`max_entry_len`](StreamOptions::max_entry_len)).
    pub fn with_options(reader: R, options: StreamOptions) -> Self {
        let size = options.buffer_size.max(64);
        NdjsonStream {
            reader,
            buf: vec![0; size],
            start: 0,
            len: 0,
            base: 0,
            eof: false,
            broken: None,
            stopped: false,
            counts: Counts::start(),
            options,
            peak_window: size,
            pending: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// How far reading has come: the offset, in the (decompressed) input, just after the last
    /// line read.
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// How many bytes have been read from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.base + self.len as u64
    }

    /// The largest the input window has been, in bytes.
    pub fn peak_window(&self) -> usize {
        self.peak_window
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The next resource, lent from the window, or the error that made its line unreadable;
    /// `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'_>, EntryError>> {
        if let Some(item) = self.pending.pop_front() {
            return Some(item);
        }
        let (start, end, counts) = loop {
            match self.next_line_bounds() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some((start, end))) => {
                    let counts = self.counts;
                    // Blank lines only move the counts on.
                    if !is_blank(without_cr(&self.buf[start..end])) {
                        break (start, end, counts);
                    }
                    self.counts.line += 1;
                }
            }
        };
        let mut at = counts;
        let mut first = None;
        let pending = &mut self.pending;
        at.record(&self.buf[..self.len], self.base, start, end, self.options.parse, |item| match first {
            None => first = Some(item),
            // A Bundle line: its other entries wait, owned, for the next calls.
            Some(_) => pending.push_back(item.map(IntoOwned::into_owned)),
        });
        self.counts = at;
        first
    }

    /// The next non-blank line as it is (without its line end), lent from the window, for
    /// reading the resources some other way than typed (as generic JSON, say); `None` at the
    /// end. Line numbers move on as [`next_entry`](Self::next_entry) moves them.
    ///
    /// ```
    /// use bluebutton_model::stream::NdjsonStream;
    /// let mut stream = NdjsonStream::new(&b"{\"a\":1}\r\n\n{\"b\":2}"[..]);
    /// let first = stream.next_line().unwrap()?;
    /// assert_eq!((first.number, first.text), (1, &b"{\"a\":1}"[..]));
    /// let second = stream.next_line().unwrap()?;
    /// assert_eq!((second.number, second.offset), (3, 10));
    /// assert!(stream.next_line().is_none());
    /// # Ok::<(), bluebutton_model::stream::EntryError>(())
    /// ```
    pub fn next_line(&mut self) -> Option<Result<Line<'_>, EntryError>> {
        let (start, end, number) = loop {
            match self.next_line_bounds() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some((start, end))) => {
                    let number = self.counts.line;
                    self.counts.line += 1;
                    if !is_blank(without_cr(&self.buf[start..end])) {
                        break (start, end, number);
                    }
                }
            }
        };
        let offset = self.base + start as u64;
        Some(Ok(Line { number, offset, text: without_cr(&self.buf[start..end]) }))
    }

    /// Finds the next line in the window (reading more as needed) and moves past it: its bounds
    /// in the window, without the `\n`.
    fn next_line_bounds(&mut self) -> Result<Option<(usize, usize)>, EntryError> {
        if self.stopped {
            return Ok(None);
        }
        let mut searched = self.start;
        loop {
            if let Some(i) = memchr(b'\n', &self.buf[searched..self.len]) {
                let (start, end) = (self.start, searched + i);
                self.start = end + 1;
                return Ok(Some((start, end)));
            }
            if self.eof {
                if let Some(message) = self.broken.take() {
                    // The line the break cut off (or the one after the last line read) is the
                    // break, not a line.
                    return Err(self.fatal(message));
                }
                if self.start == self.len {
                    return Ok(None);
                }
                let start = self.start;
                self.start = self.len;
                return Ok(Some((start, self.len)));
            }
            searched = self.len - self.start;
            self.fill(false)?;
        }
    }

    /// Keeps the unread input, moves it to the front of the window and reads more after it
    /// (growing the window when one line fills it): at least once, and until the window is half
    /// full, or `full`.
    fn fill(&mut self, full: bool) -> Result<(), EntryError> {
        self.buf.copy_within(self.start..self.len, 0);
        self.len -= self.start;
        self.base += self.start as u64;
        self.start = 0;
        if self.len == self.buf.len() {
            if self.len >= self.options.max_entry_len {
                return Err(self.fatal(format!(
                    "line {} is longer than {} bytes (StreamOptions::max_entry_len)",
                    self.counts.line, self.options.max_entry_len
                )));
            }
            let size = (self.buf.len() * 2).min(self.options.max_entry_len.max(self.buf.len() + 1));
            self.buf.resize(size, 0);
            self.peak_window = self.peak_window.max(size);
        }
        let want = if full { self.buf.len() } else { self.len + (self.buf.len() - self.len).div_ceil(2) };
        let filled = read_until(&mut self.reader, &mut self.buf, self.len, want);
        self.took(filled);
        Ok(())
    }

    /// Notes what [`read_until`] read into the window: a break is told by
    /// [`next_line_bounds`](Self::next_line_bounds).
    fn took(&mut self, filled: Filled) {
        if let Some(message) = filled.note(&mut self.len, &mut self.eof) {
            self.broken = Some(message);
        }
    }

    /// Whether [`next_window`](Self::next_window) reads, with the unread input from `from` on:
    /// unless the input has ended or most of the window is still to be read.
    fn fills(&self, from: usize) -> bool {
        !self.eof && self.len - from < self.buf.len() / 4 * 3
    }

    /// Whether the window after the one whose whole lines end at `end` is read while they are
    /// parsed: on several threads, when [`next_window`](Self::next_window) would read it.
    fn reads_ahead(&self, end: usize, threads: usize) -> bool {
        threads > 1 && self.fills(end)
    }

    /// Hands `work` the window's whole lines up to `end` (and their absolute offset), and
    /// moves past them. `work` runs what it is given meanwhile on this thread, once: on several
    /// threads, that reads the next window ([`reads_ahead`](Self::reads_ahead)) into a second
    /// buffer, which then becomes the window.
    fn lines_up_to<O>(
        &mut self,
        end: usize,
        threads: usize,
        work: impl FnOnce(&[u8], u64, &mut dyn FnMut()) -> O,
    ) -> O {
        let base = self.base + self.start as u64;
        let mut next = self.reads_ahead(end, threads).then(|| std::mem::take(&mut self.spare));
        let size = self.buf.len();
        let (bytes, rest) = self.buf[self.start..self.len].split_at(end - self.start);
        let (reader, mut filled) = (&mut self.reader, None);
        let out = work(bytes, base, &mut || filled = next.as_mut().map(|next| read_after(reader, rest, next, size)));
        self.start = end;
        if let (Some(next), Some(filled)) = (next, filled) {
            self.take_window(next, filled);
        }
        out
    }

    /// Moves on to the window read ahead (`next`, which holds the rest of the window from
    /// `self.start` on, then what `filled` says was read), as [`fill`](Self::fill) would
    /// have made it.
    fn take_window(&mut self, next: Vec<u8>, filled: Filled) {
        self.spare = std::mem::replace(&mut self.buf, next);
        self.base += self.start as u64;
        self.start = 0;
        self.took(filled);
    }

    /// Stops reading with an error at the current line.
    fn fatal(&mut self, message: String) -> EntryError {
        self.stopped = true;
        let at = NdjsonStream::position(self) as usize;
        let error =
            Error::new(0, ErrorKind::Io(message)).with_location(at, JsonPath::default(), self.counts.line as usize, 1);
        EntryError::at_line(self.counts.line, error).fatal()
    }

    /// Reads the remaining lines, parsing each window of input on `threads` threads (`0`: one
    /// per core): `map` turns each resource (as a Bundle entry) into a `T` (on any thread), and
    /// `each` gets the results in line order (on this thread). Memory stays bounded by the
    /// window, which should hold many lines (a few MiB). On several threads this thread reads
    /// the next window while the others start on the lines of one (so a slow reader, such as
    /// gzip, is not waited for with the threads idle), which takes twice the window's memory,
    /// and hands the results of a window to `each` while the others parse the next one (so
    /// that `each` does not run with the threads idle: the results of a window are held until
    /// the next is parsed); on one thread the results of every 64 KiB of lines are handed on
    /// before the next are parsed. With lenient parsing, the paths of unknown properties are
    /// not reported in this mode.
    pub fn par_for_each<T, F, G>(&mut self, threads: usize, map: F, each: G)
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>),
    {
        self.try_par_for_each(threads, map, going_on(each))
    }

    /// [`par_for_each`](Self::par_for_each), where `each` says whether to go on:
    /// `ControlFlow::Break` stops reading (the stream then gives nothing more; results of the
    /// lines already parsed are dropped: on several threads, those of up to the window after
    /// the one `each` broke in). For a consumer that can fail (a full disk), so that the rest
    /// of the input is not read for nothing.
    pub fn try_par_for_each<T, F, G>(&mut self, threads: usize, map: F, mut each: G)
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        if self.try_each(threads, map, &mut each).is_break() {
            self.pending.clear();
            self.stopped = true;
        }
    }

    /// What [`try_par_for_each`](Self::try_par_for_each) does, until `each` breaks. On
    /// several threads, the results of a window are handed on while the threads parse the next
    /// one (and this thread reads the one after): `each` runs beside the parsing rather than
    /// between windows, with the threads idle.
    fn try_each<T, F, G>(&mut self, threads: usize, map: F, each: &mut G) -> ControlFlow<()>
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        let threads = thread_count(threads);
        // The results of the last window parsed on several threads, not handed on yet.
        let mut waiting: Option<ParsedLines<T>> = None;
        let hand_on_waiting = |waiting: &mut Option<ParsedLines<T>>, each: &mut G| match waiting.take() {
            Some(parsed) => parsed.hand_on(each).flow,
            None => ControlFlow::Continue(()),
        };
        loop {
            // The other entries of a Bundle line read one by one (below, after what was
            // waiting was handed on, or before this call).
            for item in std::mem::take(&mut self.pending) {
                each(item.map(|entry| map(entry.entry)))?;
            }
            if self.stopped {
                return ControlFlow::Continue(());
            }
            match self.next_window() {
                Err(e) => {
                    hand_on_waiting(&mut waiting, each)?;
                    return each(Err(e));
                }
                Ok(Window::Ended) => return hand_on_waiting(&mut waiting, each),
                Ok(Window::Lines { end }) if threads > 1 => {
                    let (counts, parse) = (self.counts, self.options.parse);
                    let mut handed = ControlFlow::Continue(());
                    let parsed = self.lines_up_to(end, threads, |bytes, base, read_ahead| {
                        parse_lines(Stretch { bytes, base, counts }, parse, threads, &map, || {
                            read_ahead();
                            handed = hand_on_waiting(&mut waiting, each);
                        })
                    });
                    handed?;
                    // The stream has read the lines: what it counts goes on from them.
                    self.counts = parsed.counts_after();
                    waiting = Some(parsed);
                }
                Ok(Window::Lines { end }) => {
                    let (counts, parse) = (self.counts, self.options.parse);
                    let lines = self.lines_up_to(end, threads, |bytes, base, meanwhile| {
                        par_lines(Stretch { bytes, base, counts }, parse, threads, &map, each, meanwhile)
                    });
                    self.counts = lines.counts;
                    lines.flow?;
                }
                // One by one, which grows the window.
                Ok(Window::LongLine) => {
                    hand_on_waiting(&mut waiting, each)?;
                    match self.next_entry() {
                        Some(Ok(entry)) => each(Ok(map(entry.entry)))?,
                        Some(Err(e)) => each(Err(e))?,
                        None => return ControlFlow::Continue(()),
                    }
                }
            }
        }
    }

    /// Fills the window unless most of it is still to be read, and tells what it holds next for
    /// a parallel reader.
    fn next_window(&mut self) -> Result<Window, EntryError> {
        if self.fills(self.start) {
            self.fill(true)?;
        }
        let whole = if self.eof && self.broken.is_none() {
            Some(self.len)
        } else {
            memrchr(b'\n', &self.buf[self.start..self.len]).map(|i| self.start + i + 1)
        };
        Ok(match whole {
            Some(end) if end > self.start => Window::Lines { end },
            Some(_) => Window::Ended,
            None => Window::LongLine,
        })
    }

    /// Reads the remaining lines, handing each one that is not blank to `map` on `threads`
    /// threads (`0`: one per core), as [`next_line`](NdjsonStream::next_line) would give it;
    /// `each` gets what `map` returned, or the error that ended reading, in line order (on this
    /// thread), and says whether to go on (`ControlFlow::Break` stops reading: what was mapped
    /// of the lines after is dropped). For work on each line's text that costs more than
    /// parsing it (validating it, say).
    ///
    /// Each window of input is cut at line ends into pieces that the threads take in turn, so
    /// memory stays bounded by the window ([`StreamOptions::buffer_size`], which should hold
    /// many lines) and what `map` returns for its lines. On several threads, the next window
    /// is read meanwhile, in a second window's memory, and what `map` returned for the lines
    /// of one window goes to `each` while the threads map the next (up to a window's mapped
    /// lines more than `each` takes are mapped). A line longer than the window is mapped on
    /// this thread, the window grown to hold it.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use bluebutton_model::stream::NdjsonStream;
    /// let input: &[u8] = b"{\"a\":1}\n\n{\"bb\":2}\r\n{\"ccc\":3}";
    /// let mut lengths = Vec::new();
    /// NdjsonStream::new(input).par_map_lines(2, |line| (line.number, line.text.len()), |r| {
    ///     lengths.push(r.unwrap());
    ///     ControlFlow::Continue(())
    /// });
    /// assert_eq!(lengths, [(1, 7), (3, 8), (4, 9)]);
    /// ```
    pub fn par_map_lines<T, F, G>(&mut self, threads: usize, map: F, mut each: G)
    where
        T: Send,
        F: for<'b> Fn(Line<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        let threads = thread_count(threads);
        // The values of the last window mapped on several threads, not handed on yet: handed
        // on while the threads map the next window.
        let mut waiting: Option<Vec<T>> = None;
        let hand_on_values = |values: Option<Vec<T>>, each: &mut G| match values {
            Some(values) => values.into_iter().try_for_each(|value| each(Ok(value))),
            None => ControlFlow::Continue(()),
        };
        while !self.stopped {
            let went_on = match self.next_window() {
                Err(e) => match hand_on_values(waiting.take(), &mut each) {
                    ControlFlow::Continue(()) => each(Err(e)),
                    ControlFlow::Break(()) => ControlFlow::Break(()),
                },
                Ok(Window::Ended) => break,
                Ok(Window::Lines { end }) => {
                    let first = self.counts.line;
                    let mut handed = ControlFlow::Continue(());
                    let lines = self.lines_up_to(end, threads, |bytes, base, read_ahead| {
                        map_lines(bytes, base, first, threads, &map, || {
                            read_ahead();
                            handed = hand_on_values(waiting.take(), &mut each);
                        })
                    });
                    self.counts.line += lines.count;
                    match handed {
                        ControlFlow::Continue(()) if threads > 1 => {
                            waiting = Some(lines.values);
                            ControlFlow::Continue(())
                        }
                        ControlFlow::Continue(()) => hand_on_values(Some(lines.values), &mut each),
                        ControlFlow::Break(()) => ControlFlow::Break(()),
                    }
                }
                // On this thread, which grows the window.
                Ok(Window::LongLine) => match hand_on_values(waiting.take(), &mut each) {
                    ControlFlow::Continue(()) => match self.next_line() {
                        Some(Ok(line)) => each(Ok(map(line))),
                        Some(Err(e)) => each(Err(e)),
                        None => return,
                    },
                    ControlFlow::Break(()) => ControlFlow::Break(()),
                },
            };
            if went_on.is_break() {
                return;
            }
        }
        // At the end of the input (what waits is all that is left to hand on).
        let _ = hand_on_values(waiting.take(), &mut each);
    }
}

/// What the window of an [`NdjsonStream`] holds next for a parallel reader.
enum Window {
    /// Whole lines, up to `end` in the window.
    Lines { end: usize },
    /// Nothing: the input has been read.
    Ended,
    /// The start of a line longer than the window.
    LongLine,
}

/// What [`map_lines`] made of a stretch of whole lines.
struct MappedLines<T> {
    /// For each line that is not blank, in order.
    values: Vec<T>,
    /// Lines in the stretch, blank ones too.
    count: u64,
}

/// `map` of each line of `bytes` (whole lines, the last may lack its `\n`) that is not blank,
/// on `threads` threads: `bytes` start at absolute offset `base`, with line number `first`.
/// `meanwhile` runs on this thread first, as in [`par_lines`].
fn map_lines<T, F>(
    bytes: &[u8],
    base: u64,
    first: u64,
    threads: usize,
    map: &F,
    meanwhile: impl FnOnce(),
) -> MappedLines<T>
where
    T: Send,
    F: for<'b> Fn(Line<'b>) -> T + Sync,
{
    let cuts = chunk_bounds(bytes, threads.max(1) * 4);
    // The number of each piece's first line, so that a thread can number the lines it maps.
    let mut numbers = Vec::with_capacity(cuts.len());
    let mut number = first;
    for w in cuts.windows(2) {
        numbers.push(number);
        number += memchr::memchr_iter(b'\n', &bytes[w[0]..w[1]]).count() as u64;
    }
    // The last line of the stretch has no `\n` only at the end of the input; it counts too.
    let count = number - first + u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
    let piece = |i: usize| {
        let (mut pos, to, mut number) = (cuts[i], cuts[i + 1], numbers[i]);
        let mut values = Vec::new();
        while pos < to {
            let end = memchr(b'\n', &bytes[pos..to]).map_or(to, |k| pos + k);
            let text = without_cr(&bytes[pos..end]);
            if !is_blank(text) {
                values.push(map(Line { number, offset: base + pos as u64, text }));
            }
            number += 1;
            pos = end + 1;
        }
        values
    };
    let values = in_pieces_while(cuts.len() - 1, threads, piece, meanwhile).0.into_iter().flatten().collect();
    MappedLines { values, count }
}

impl<R: Read> Iterator for NdjsonStream<R> {
    type Item = Result<Entry<'static>, EntryError>;

    /// The next resource, owned (its strings copied out of the window).
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().map(|r| r.map(IntoOwned::into_owned))
    }
}

/// Writes resources as NDJSON: each as compact JSON on one line, ended by `\n`.
///
/// Wrap a file in a [`BufWriter`](std::io::BufWriter) (or a gzip encoder): each resource is one
/// `write_all`.
#[derive(Debug)]
pub struct NdjsonWriter<W> {
    out: W,
    written: usize,
    bytes: u64,
}

impl<W: Write> NdjsonWriter<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        NdjsonWriter { out, written: 0, bytes: 0 }
    }

    /// Writes `value` (a [`Resource`], or any typed resource) as one line.
    pub fn write<T: ToJson + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let mut line = Writer::compact();
        value.write_json(&mut line);
        let mut line = line.into_bytes();
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.written += 1;
        self.bytes += line.len() as u64;
        Ok(())
    }

    /// The number of lines written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// The number of bytes written (line ends included).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The output, flushed.
    pub fn into_inner(mut self) -> W {
        // Flushing an in-memory or buffered writer here cannot report its error; call `flush`
        // first to see it.
        let _ = self.out.flush();
        self.out
    }
}

/// Writes `resources` to `out` as NDJSON and returns how many were written.
///
/// ```
/// use bluebutton_model::{json, stream::write_ndjson, Resource};
/// let patient: Resource = json::from_str(r#"{"resourceType": "Patient", "id": "p1"}"#)?;
/// let mut out = Vec::new();
/// assert_eq!(write_ndjson(&mut out, [&patient, &patient])?, 2);
/// assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_ndjson<'r, W, T, I>(out: W, resources: I) -> io::Result<usize>
where
    W: Write,
    T: ToJson + ?Sized + 'r,
    I: IntoIterator<Item = &'r T>,
{
    let mut writer = NdjsonWriter::new(out);
    for resource in resources {
        writer.write(resource)?;
    }
    writer.flush()?;
    Ok(writer.written())
}
