//! [`BundleStream`]: the entries of a Bundle read from any [`Read`], in bounded memory.
use std::collections::VecDeque;
use std::io::{self, Read};

use crate::json::{Error, ErrorKind, IntoOwned, JsonPath, Key, Lexer, ParseOptions};
use crate::resources::Bundle;

use super::machine::{read_bundle_member, Event, HeaderSink, Machine, State, Window};
use super::{Entry, EntryError};

/// Options for a [`BundleStream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// How values are parsed (strict by default).
    pub parse: ParseOptions,
    /// The size of the input window, in bytes (1 MiB by default; at least 64). It grows to hold
    /// an entry larger than this, up to `max_entry_len`.
    pub buffer_size: usize,
    /// The largest entry (or Bundle member) accepted, in bytes (256 MiB by default): past it the
    /// stream stops with an error rather than hold more.
    pub max_entry_len: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { parse: ParseOptions::strict(), buffer_size: 1 << 20, max_entry_len: 256 << 20 }
    }
}

impl StreamOptions {
    /// Options with this kind of parsing.
    pub fn with_parse(parse: ParseOptions) -> Self {
        StreamOptions { parse, ..Self::default() }
    }

    /// These options with the window for reading on `threads` threads (`0`: one per core, as
    /// the `par_*` methods count them): 1 MiB for each thread, at most 16 MiB. The memory of a
    /// window (two with read-ahead) is faulted in page by page when it is first read into, and
    /// a smaller window is more likely still in the caches when it is parsed; a larger one makes
    /// the threads meet less often. (On 2 cores, a one-thread `bluebutton summary` of 42.5 MB of
    /// NDJSON took 12% less CPU time with 1 MiB than with 8 MiB, and a two-thread export of
    /// 265 MB 7% less time with 2 MiB.)
    ///
    /// ```
    /// use bluebutton_model::stream::StreamOptions;
    /// assert_eq!(StreamOptions::default().for_threads(1).buffer_size, 1 << 20);
    /// assert_eq!(StreamOptions::default().for_threads(4).buffer_size, 4 << 20);
    /// assert_eq!(StreamOptions::default().for_threads(64).buffer_size, 16 << 20);
    /// ```
    pub fn for_threads(self, threads: usize) -> Self {
        let threads = thread_count(threads);
        StreamOptions { buffer_size: threads.saturating_mul(WINDOW_PER_THREAD).min(MAX_PARALLEL_WINDOW), ..self }
    }
}

/// The number of threads `threads` stands for (`0`: one per core).
pub(crate) fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// The window of input for each thread of a parallel read ([`StreamOptions::for_threads`]).
const WINDOW_PER_THREAD: usize = 1 << 20;

/// The largest window [`StreamOptions::for_threads`] gives, whatever the number of threads.
const MAX_PARALLEL_WINDOW: usize = 16 << 20;

/// Reads the entries of a Bundle from a [`Read`] (a file, a gzip decoder, an HTTP body), one
/// at a time, holding only a window of the input: memory stays bounded by the largest entry.
///
/// [`next_entry`](BundleStream::next_entry) lends each entry from the window, without copying
/// its strings; as an [`Iterator`], the stream yields owned entries (`Entry<'static>`) instead.
/// The Bundle's members are in [`header`](BundleStream::header): those written before `entry`
/// once the stream is made, the others once the entries have been read (a stream cannot look
/// ahead without holding the whole bundle).
///
/// ```
/// use bluebutton_model::stream::BundleStream;
/// use bluebutton_model::Resource;
///
/// let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json"))?;
/// let mut stream = BundleStream::new(file)?;
/// assert_eq!(stream.header().type_().unwrap().as_str(), "searchset");
/// let mut claims = 0;
/// while let Some(entry) = stream.next_entry() {
///     if let Some(Resource::ExplanationOfBenefit(_)) = entry?.resource() {
///         claims += 1;
///     }
/// }
/// assert_eq!(claims, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BundleStream<R> {
    pub(super) reader: R,
    /// The window: `buf[..len]` holds the input from absolute offset `base` on.
    pub(super) buf: Vec<u8>,
    pub(super) len: usize,
    pub(super) base: u64,
    pub(super) eof: bool,
    pub(super) machine: Machine,
    header: Bundle<'static>,
    options: StreamOptions,
    /// Errors in the members before `entry`, found by `new`, not yet yielded.
    pub(super) queued: VecDeque<EntryError>,
    /// The largest the window has been, in bytes.
    peak_window: usize,
    /// Input read ahead that the window has not taken yet.
    pub(super) ahead: Ahead,
    /// The memory of the next window, read on several threads while the threads parse one.
    spare: Vec<u8>,
}

/// Input read from the reader that the window has not taken yet: what was read ahead for a
/// next window that did not start where it was expected to. The window takes it before it
/// reads the reader again, so what the stream reads, and where a read fails, is as if it had
/// been read when the window needed it.
#[derive(Default)]
pub(super) struct Ahead {
    /// `bytes[at..]` are not in the window yet.
    bytes: Vec<u8>,
    at: usize,
    /// How the reading ended after them: at the end of the input (`Ok`), or with the reader's
    /// error, which the window meets once it has taken the bytes before it.
    ended: Option<io::Result<()>>,
}

impl Ahead {
    /// What `reader.read(out)` gives, the bytes held here first.
    fn read_into<R: Read>(&mut self, reader: &mut R, out: &mut [u8]) -> io::Result<usize> {
        if self.at < self.bytes.len() {
            let n = out.len().min(self.bytes.len() - self.at);
            out[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        match self.ended.take() {
            None => reader.read(out),
            Some(Ok(())) => {
                self.ended = Some(Ok(()));
                Ok(0)
            }
            Some(Err(e)) => Err(e),
        }
    }

    /// Gives `bytes`, then `ended`, back: they come before what is held.
    fn put_back(&mut self, bytes: &[u8], ended: Option<io::Result<()>>) {
        let rest = self.bytes.split_off(self.at);
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
        self.bytes.extend_from_slice(&rest);
        self.at = 0;
        if ended.is_some() {
            self.ended = ended;
        }
    }
}

/// What [`read_until`] read.
pub(super) struct Filled {
    /// Where the bytes read end in the buffer.
    pub len: usize,
    /// How the input ended, if it did: at its end (`Ok`), or with the reader's error.
    pub ended: Option<io::Result<()>>,
}

impl Filled {
    /// Notes what was read in a window's length and end, and gives the reader's error, where
    /// it failed: what came before the failure is read on, and the streams report the break
    /// where it cut the input.
    pub fn note(self, len: &mut usize, eof: &mut bool) -> Option<String> {
        *len = self.len;
        let ended = self.ended?;
        *eof = true;
        ended.err().map(|e| e.to_string())
    }
}

/// Reads from `reader` into `buf` after its first `len` bytes: at least once, and until the
/// bytes reach `want`, the input ends, or the reader fails (what came before the failure is
/// kept: the streams read on up to the break, and report it where it cut the input).
pub(super) fn read_until(reader: &mut impl Read, buf: &mut [u8], mut len: usize, want: usize) -> Filled {
    let mut reads = 0;
    while len < want || reads == 0 {
        match reader.read(&mut buf[len..]) {
            Ok(0) => return Filled { len, ended: Some(Ok(())) },
            Ok(n) => {
                len += n;
                reads += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Filled { len, ended: Some(Err(e)) },
        }
    }
    Filled { len, ended: None }
}

/// A next window of `size` bytes read into `next`: `rest` (the end of the window, from where
/// the next one is expected to start) first, then input until it is full (see [`read_until`]).
///
/// `next` is the memory of an earlier window (the stream's spare), or none yet: it is made or
/// resized here, by the thread that reads ahead while the others parse, rather than before
/// they start. A new one is allocated zeroed (fresh pages from the system, not written twice);
/// its pages are touched first by the read.
pub(super) fn read_after(reader: &mut impl Read, rest: &[u8], next: &mut Vec<u8>, size: usize) -> Filled {
    if next.capacity() < size {
        *next = vec![0; size];
    } else {
        next.resize(size, 0);
    }
    next[..rest.len()].copy_from_slice(rest);
    read_until(reader, next, rest.len(), size)
}

/// The stream's reader, with what [`Ahead`] holds read first.
pub(super) struct Through<'a, R> {
    pub ahead: &'a mut Ahead,
    pub reader: &'a mut R,
}

impl<R: Read> Read for Through<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.ahead.read_into(self.reader, out)
    }
}

/// Reads Bundle members into an owned header.
struct OwnedHeader<'h>(&'h mut Bundle<'static>);

impl<'b> HeaderSink<'b> for OwnedHeader<'_> {
    fn read_member(&mut self, lx: &mut Lexer<'b>, key: &Key<'b>) -> Result<(), Error> {
        // `Bundle<'static>` is a `Bundle<'b>`: read into it, then own what was borrowed.
        let before = self.0.clone();
        let mut header: Bundle<'b> = std::mem::take(self.0);
        let result = read_bundle_member(lx, key, &mut header);
        *self.0 = if result.is_ok() { header.into_owned() } else { before };
        result
    }
}

impl<R: Read> BundleStream<R> {
    /// Starts reading a Bundle from `reader`, strictly, and reads its members up to `entry`.
    /// Fails when the input cannot be read or is not a Bundle at all; errors in its members
    /// are yielded first (a fatal error after them too, as the last item).
    pub fn new(reader: R) -> Result<Self, EntryError> {
        Self::with_options(reader, StreamOptions::default())
    }

    /// Starts reading a Bundle from `reader` with `options`.
    pub fn with_options(reader: R, options: StreamOptions) -> Result<Self, EntryError> {
        let size = options.buffer_size.max(64);
        let mut stream = BundleStream {
            reader,
            buf: vec![0; size],
            len: 0,
            base: 0,
            eof: false,
            machine: Machine::new(options.parse),
            header: Bundle::default(),
            options,
            queued: VecDeque::new(),
            peak_window: size,
            ahead: Ahead::default(),
            spare: Vec::new(),
        };
        while !stream.machine.at_entries_or_later() {
            match stream.step_owned() {
                Step::Progress => {}
                Step::Error(e) if e.is_fatal() && stream.queued.is_empty() => return Err(e),
                // After errors in members: those first, then this one, which ends reading.
                Step::Error(e) if e.is_fatal() => {
                    stream.queued.push_back(e);
                    break;
                }
                Step::Error(e) => stream.queued.push_back(e),
                Step::Stop => break,
            }
        }
        Ok(stream)
    }

    /// Steps the machine where the step cannot yield an entry (before the entries).
    fn step_owned(&mut self) -> Step {
        let win = Window { bytes: &self.buf[..self.len], base: self.base, eof: self.eof };
        match self.machine.step(&win, &mut OwnedHeader(&mut self.header)) {
            Event::Member => Step::Progress,
            Event::Entry(_) => Step::Stop,
            Event::Error(e) => Step::Error(e),
            Event::End => Step::Stop,
            Event::NeedMore => match self.fill() {
                Ok(()) => Step::Progress,
                Err(e) => Step::Error(e),
            },
        }
    }

    /// The Bundle's members read so far (everything but `entry`).
    pub fn header(&self) -> &Bundle<'static> {
        &self.header
    }

    /// Turns this stream into its header (the members read so far).
    pub fn into_header(self) -> Bundle<'static> {
        self.header
    }

    /// How far reading has come: the offset, in the (decompressed) input, just after the last
    /// entry or member read.
    pub fn position(&self) -> u64 {
        self.machine.pos
    }

    /// How many bytes have been read from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.base + self.len as u64
    }

    /// The largest the input window has been, in bytes: the memory the stream held for input.
    pub fn peak_window(&self) -> usize {
        self.peak_window
    }

    /// The reader, for instance to ask a counting reader how much it has read (after a
    /// parallel read, that may be up to a window more than [`bytes_read`](Self::bytes_read):
    /// what was read ahead of the window).
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The next entry, lent from the window (its strings are not copied), or the error that
    /// made it unreadable; `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'_>, EntryError>> {
        if let Some(e) = self.queued.pop_front() {
            return Some(Err(e));
        }
        loop {
            if self.should_fill_early() {
                if let Err(e) = self.fill() {
                    return Some(Err(e));
                }
            }
            // SAFETY: `bytes` is the window `self.buf[..self.len]`. The only value that
            // borrows it beyond this iteration is the returned entry, whose lifetime is that of
            // `&mut self`, so the buffer cannot change while it lives. The window does change
            // (in `fill`) only on the `NeedMore` path, where nothing borrows it: the machine
            // keeps offsets, never references, and the header sink owns what it reads. This is
            // the "conditional return of a borrow from a loop" that the borrow checker cannot
            // yet prove (NLL problem case 3).
            let bytes: &[u8] = unsafe { std::slice::from_raw_parts(self.buf.as_ptr(), self.len) };
            let win = Window { bytes, base: self.base, eof: self.eof };
            match self.machine.step(&win, &mut OwnedHeader(&mut self.header)) {
                Event::Member => {}
                Event::Entry(entry) => return Some(Ok(entry)),
                Event::Error(e) => return Some(Err(e)),
                Event::End => return self.machine.break_after_end(&win).map(Err),
                Event::NeedMore => {
                    if let Err(e) = self.fill() {
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    /// Reads to the end and returns the complete header, with the errors met on the way
    /// (entries are parsed and dropped).
    pub fn finish(mut self) -> (Bundle<'static>, Vec<EntryError>) {
        let mut errors = Vec::new();
        while let Some(item) = self.next_entry() {
            if let Err(e) = item {
                errors.push(e);
            }
        }
        (self.header, errors)
    }

    /// Whether the window is nearly used up, so that reading more now saves parsing an entry
    /// that is cut off.
    fn should_fill_early(&self) -> bool {
        let left = self.len - (self.machine.pos - self.base) as usize;
        !self.eof && left < (self.buf.len() / 8).min(64 << 10)
    }

    /// For the parallel mode: unless most of the window is still to be read, keeps the input
    /// from the machine's position on and fills the window.
    pub(super) fn fill_for_parallel(&mut self) -> Result<(), EntryError> {
        if !self.fills_for_parallel((self.machine.pos - self.base) as usize) {
            return Ok(());
        }
        self.fill_to(self.buf.len())
    }

    /// Whether [`fill_for_parallel`](Self::fill_for_parallel) reads, with the window kept from
    /// `keep_from` on: unless the input has ended or most of the window is still to be read.
    fn fills_for_parallel(&self, keep_from: usize) -> bool {
        !self.eof && self.len - keep_from < self.buf.len() / 4 * 3
    }

    /// Where the next window would start if the parse of the window ends at `stop` (as it
    /// does unless a guessed entry start was wrong or an entry is cut off), when
    /// [`fill_for_parallel`](Self::fill_for_parallel) would then read it: its memory, to read
    /// it into meanwhile ([`read_after`]).
    pub(super) fn next_window_at(&mut self, stop: Option<usize>) -> Option<(usize, Vec<u8>)> {
        let stop = stop.filter(|&s| self.fills_for_parallel(s))?;
        Some((stop, std::mem::take(&mut self.spare)))
    }

    /// Takes the next window read ahead from `stop` on (`next`, which `filled` says how far
    /// was read), as [`fill_for_parallel`](Self::fill_for_parallel) would have read it, when
    /// the machine stopped there; otherwise what was read after the window waits in
    /// [`Ahead`] for the next fill.
    pub(super) fn take_next_window(&mut self, stop: usize, next: Vec<u8>, filled: Filled) {
        let at_stop = self.machine.pos == self.base + stop as u64;
        if !(at_stop && matches!(self.machine.state, State::Entries { .. })) {
            self.ahead.put_back(&next[self.len - stop..filled.len], filled.ended);
            self.spare = next;
            return;
        }
        // The bytes let go are counted for line numbers first (as `fill_to` does).
        self.machine.lines.advance(&self.buf[..self.len], self.base, self.machine.pos);
        self.spare = std::mem::replace(&mut self.buf, next);
        self.base += stop as u64;
        self.took(filled);
    }

    /// Notes what [`read_until`] read into the window: a break is told where the unit it cut
    /// off ends.
    fn took(&mut self, filled: Filled) {
        if let Some(message) = filled.note(&mut self.len, &mut self.eof) {
            self.machine.input_broke(message);
        }
    }

    /// Keeps the input from the machine's position on, and reads more after it: at least one
    /// read, and until the window is at least half full.
    fn fill(&mut self) -> Result<(), EntryError> {
        self.fill_to(0)
    }

    /// [`fill`](Self::fill), reading until the window holds at least `at_least` bytes (or half of
    /// it, whichever is more).
    fn fill_to(&mut self, at_least: usize) -> Result<(), EntryError> {
        let keep_from = (self.machine.pos - self.base) as usize;
        // The bytes let go are counted for line numbers first.
        let window = &self.buf[..self.len];
        self.machine.lines.advance(window, self.base, self.machine.pos);
        self.buf.copy_within(keep_from..self.len, 0);
        self.len -= keep_from;
        self.base += keep_from as u64;
        if self.len == self.buf.len() {
            // One unit fills the window: make it larger.
            if self.len >= self.options.max_entry_len {
                return Err(self.too_large());
            }
            let size = (self.buf.len() * 2).min(self.options.max_entry_len.max(self.buf.len() + 1));
            self.buf.resize(size, 0);
            self.peak_window = self.peak_window.max(size);
        }
        let want = (self.len + (self.buf.len() - self.len).div_ceil(2)).max(at_least.min(self.buf.len()));
        let mut reader = Through { ahead: &mut self.ahead, reader: &mut self.reader };
        let filled = read_until(&mut reader, &mut self.buf, self.len, want);
        self.took(filled);
        Ok(())
    }

    fn too_large(&mut self) -> EntryError {
        self.machine.stop();
        let message = format!(
            "an entry or member is larger than {} bytes (StreamOptions::max_entry_len)",
            self.options.max_entry_len
        );
        let error = Error::new(0, ErrorKind::Io(message));
        EntryError::bundle(error.with_location(self.machine.pos as usize, JsonPath::default(), 0, 0)).fatal()
    }
}

enum Step {
    Progress,
    Error(EntryError),
    Stop,
}

impl<R: Read> Iterator for BundleStream<R> {
    type Item = Result<Entry<'static>, EntryError>;

    /// The next entry, owned (its strings copied out of the window).
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().map(|r| r.map(IntoOwned::into_owned))
    }
}
