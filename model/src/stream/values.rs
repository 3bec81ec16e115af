//! [`ValueStream`]: the top-level members of a JSON document read from any [`Read`] as generic
//! JSON [`Value`]s, one at a time, and the elements of its `entry` array one at a time.
//!
//! This is how the validator reads a Bundle in bounded memory: it checks JSON as written, not
//! typed values, so it needs each entry as a [`Value`]. The stream holds a window of the input
//! that grows only to hold the largest member or entry. It parses exactly as
//! [`json::from_slice::<Value>`](crate::json::from_slice) does on the whole document, and its
//! errors are the same (kind, JSON path, offset, line and column): the first error of the
//! document ends the stream.
use std::io::{self, Read};

use crate::json::{
    path_at, ArrayCursor, Error, ErrorKind, JsonKind, JsonPath, Lexer, ObjectCursor, ParseOptions, PathSegment,
    ReadSpace, Value, Writer,
};

use super::lines::Lines;
use super::scan::{Scan, Scanned};

/// The member whose array is read one element at a time.
const ENTRY: &str = "entry";

/// How many bytes after an error its message may quote (`found \`...\``): an error closer
/// than this to the end of the window is looked at again with more input.
const QUOTED: usize = 16;

/// The initial window, in bytes.
const WINDOW: usize = 1 << 20;

/// One unit of the document, in input order.
#[derive(Debug)]
pub(crate) enum Unit<'w> {
    /// A member of the document, other than the `entry` array.
    Member { key: String, value: Value<'w> },
    /// The first `entry` member, an array: its elements follow, then [`Unit::EntriesEnd`].
    EntriesStart,
    /// One element of the `entry` array.
    Entry { index: usize, value: Value<'w> },
    /// The end of the `entry` array.
    EntriesEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the document's `{`.
    Start,
    /// In the document object, before a member or its `}`.
    Members { after_member: bool },
    /// In the entry array, before an element or its `]`.
    Entries { array_start: u64, after_element: bool },
    /// After the document's `}`: only white space may follow.
    Trailing,
    /// Nothing more to read.
    Done,
}

/// Where the unit being read starts: what an error in it needs for its JSON path, and what
/// the stream goes back to when the window ends inside the unit.
#[derive(Debug, Clone, Copy)]
struct UnitStart {
    pos: u64,
    state: State,
    entries: usize,
    seen_entry: bool,
}

/// A unit found in the window, before its value is parsed.
enum Found {
    Member { key: String, start: u64 },
    EntriesStart,
    Entry { index: usize, start: u64 },
    EntriesEnd,
}

/// What lexing the window up to the next value gave.
enum Look {
    /// A value starts at absolute `start`: the member `key`'s, or (`None`) an entry.
    Value {
        key: Option<String>,
        start: u64,
    },
    Step(Step),
}

/// What one look at the window gave.
enum Step {
    Found(Found),
    /// Moved on (past the `{`, or to the end of the object): look again.
    Continue,
    /// The window ends too early: read more and look again.
    More,
    /// Not JSON here (a window-relative error).
    Failed(Error),
    End,
}

/// What parsing a unit's value gave.
enum Parsed<'w> {
    Unit(Unit<'w>),
    /// The error that ends the stream, located in the whole input.
    Error(Error),
    /// The window ends inside the value (or too soon after an error in it): read more and
    /// parse it again.
    NeedMore,
}

/// The members (and entries) of a JSON document, read from a [`Read`] one at a time.
///
/// Until [`release`](ValueStream::release) is called the stream keeps every byte it has read,
/// so that [`into_input`](ValueStream::into_input) can give the whole input back; after that,
/// only the window from the unit being read on.
pub(crate) struct ValueStream<R> {
    reader: R,
    /// The window: `buf[..len]` holds the input from absolute offset `base` on.
    buf: Vec<u8>,
    len: usize,
    base: u64,
    eof: bool,
    /// Absolute offset where the next unit starts.
    pos: u64,
    state: State,
    /// Absolute offset of the document's `{`.
    object_start: u64,
    /// Whether a member named `entry` was met (only the first one is streamed).
    seen_entry: bool,
    /// The key of the last member read (for the JSON path of an error after it).
    last_key: Option<String>,
    /// Elements of the entry array read so far.
    entries: usize,
    /// Keep every byte read (nothing let go yet).
    keep: bool,
    unit: UnitStart,
    lines: Lines,
    options: ParseOptions,
    /// The size the window grows to as the input goes on ([`ValueStream::grow_window`]).
    grow_to: usize,
    /// Why the reader failed, once it did: what came before is read as the input's end, and
    /// the end of input that the unit cut off meets is reported as this failure.
    broken: Option<String>,
}

impl<'a> ValueStream<&'a [u8]> {
    /// A stream over a document in memory, whose window starts at the document's size (up to
    /// the usual window): a window is cleared when it is made, and a reader of many small
    /// documents (the lines of NDJSON) cleared 1 MiB for each (half the instructions of
    /// validating generated NDJSON).
    pub fn for_slice(input: &'a [u8]) -> Self {
        Self::with_window(input, input.len().saturating_add(1).min(WINDOW))
    }
}

impl<R: Read> ValueStream<R> {
    /// A stream over `reader`, parsing strictly (as `json::from_slice` does).
    pub fn new(reader: R) -> Self {
        Self::with_window(reader, WINDOW)
    }

    /// A stream whose window starts at `size` bytes (at least 1).
    pub fn with_window(reader: R, size: usize) -> Self {
        ValueStream {
            reader,
            buf: vec![0; size.max(1)],
            len: 0,
            base: 0,
            eof: false,
            pos: 0,
            state: State::Start,
            object_start: 0,
            seen_entry: false,
            last_key: None,
            entries: 0,
            keep: true,
            unit: UnitStart { pos: 0, state: State::Start, entries: 0, seen_entry: false },
            lines: Lines::default(),
            options: ParseOptions::strict(),
            grow_to: 0,
            broken: None,
        }
    }

    /// From now on, lets go of the input read before the unit being read: memory stays bounded
    /// by the largest unit.
    pub fn release(&mut self) {
        self.keep = false;
    }

    /// The whole input, from its first byte: what was read, and the rest of the reader. Only
    /// before [`release`](ValueStream::release). `Err` ([`ErrorKind::Io`], located where the
    /// input broke) when it cannot be read to its end.
    pub fn into_input(mut self) -> Result<Vec<u8>, Error> {
        debug_assert!(self.keep && self.base == 0, "the input was let go");
        let mut bytes = std::mem::take(&mut self.buf);
        bytes.truncate(self.len);
        if self.broken.is_none() {
            if let Err(e) = self.reader.read_to_end(&mut bytes) {
                self.broken = Some(e.to_string());
            }
        }
        match self.broken {
            Some(message) => {
                Err(Error::new(0, ErrorKind::Io(message)).with_location(bytes.len(), JsonPath::default(), 0, 0))
            }
            None => Ok(bytes),
        }
    }

    /// The next unit, `None` after the end of the document, or the error that ends it (not JSON
    /// from there on, or the input could not be read: [`ErrorKind::Io`]). Its value is read in
    /// `space` (kept by the caller, which can [recycle](ReadSpace::recycle) the value into it).
    pub fn next_unit(&mut self, space: &mut ReadSpace) -> Option<Result<Unit<'_>, Error>> {
        loop {
            self.unit =
                UnitStart { pos: self.pos, state: self.state, entries: self.entries, seen_entry: self.seen_entry };
            match self.step() {
                Step::Found(found) => {
                    // SAFETY: `window` is the window `self.buf[..self.len]`. The only value that
                    // borrows it beyond this iteration is the returned unit, whose lifetime is
                    // that of `&mut self`, so the buffer cannot change while it lives. The
                    // window does change (in `fill`) only on the `NeedMore` path, where nothing
                    // borrows it (the unit's value was dropped). This is the "conditional return
                    // of a borrow from a loop" that the borrow checker cannot yet prove (NLL
                    // problem case 3), as in `BundleStream::next_entry`.
                    let window: &[u8] = unsafe { std::slice::from_raw_parts(self.buf.as_ptr(), self.len) };
                    match self.parse(found, window, space) {
                        Parsed::Unit(unit) => return Some(Ok(unit)),
                        Parsed::Error(e) => return Some(Err(e)),
                        Parsed::NeedMore => {
                            // Back to the unit's start, and read on.
                            (self.state, self.entries, self.seen_entry) =
                                (self.unit.state, self.unit.entries, self.unit.seen_entry);
                            self.fill();
                        }
                    }
                }
                Step::Continue => {}
                Step::More => self.fill(),
                Step::Failed(e) => {
                    self.state = State::Done;
                    let e = self.blame_break(e);
                    let window = &self.buf[..self.len];
                    return Some(Err(locate(
                        e,
                        window,
                        self.base,
                        &mut self.lines,
                        self.unit,
                        self.last_key.as_deref(),
                    )));
                }
                Step::End => return None,
            }
        }
    }

    /// The elements of the `entry` array that the window holds whole, from the next one on,
    /// found by a scan and not parsed: for a reader that parses them elsewhere (on other
    /// threads) in [`window`](Self::window), with [`parse_whole_entry`], and then moves the
    /// stream past those it took ([`consume_entries`](Self::consume_entries)). When the window
    /// holds none whole it reads more first. None at all when the stream is not before an
    /// element of the array, or when the next one is not found whole (the array's end, what is
    /// not JSON, an element longer than the window): [`next_unit`](Self::next_unit) reads on
    /// from there, as it would have (and reports where the input broke, when it did).
    ///
    /// It stops after the element that reaches `bytes` past the first one's start, so that a
    /// reader can find the next ones ([`whole_entries_after`](Self::whole_entries_after)) while
    /// others parse these.
    pub fn whole_entries(&mut self, bytes: usize) -> Vec<WholeEntry> {
        let State::Entries { array_start, after_element } = self.state else { return Vec::new() };
        let from = self.rel(self.pos);
        let mut entries = self.scan_whole_entries(array_start, from, after_element, self.entries, bytes);
        if entries.is_empty() && !self.eof {
            self.fill();
            let from = self.rel(self.pos);
            entries = self.scan_whole_entries(array_start, from, after_element, self.entries, bytes);
        }
        entries
    }

    /// The elements that the window holds whole after `last` (one that
    /// [`whole_entries`](Self::whole_entries) found), without reading more: those
    /// `whole_entries` finds once the stream is past `last`.
    pub fn whole_entries_after(&self, last: WholeEntry, bytes: usize) -> Vec<WholeEntry> {
        let State::Entries { array_start, .. } = self.state else { return Vec::new() };
        self.scan_whole_entries(array_start, last.end, true, last.index + 1, bytes)
    }

    /// Lets the window grow to `size` bytes as the input goes on (it doubles at each read
    /// until then), for [`whole_entries`](Self::whole_entries) to find many: a short input
    /// does not pay for a large window.
    pub fn grow_window(&mut self, size: usize) {
        self.grow_to = self.grow_to.max(size);
    }

    /// The window (what [`whole_entries`](Self::whole_entries) finds is in it), and how the
    /// stream parses.
    pub fn window(&self) -> (&[u8], ParseOptions) {
        (&self.buf[..self.len], self.options)
    }

    /// The elements of the array found whole in the window from `from` (window-relative), the
    /// first of which is element `index`, up to the one that reaches `bytes` past `from`.
    fn scan_whole_entries(
        &self,
        array_start: u64,
        from: usize,
        mut after_element: bool,
        index: usize,
        bytes: usize,
    ) -> Vec<WholeEntry> {
        let window = &self.buf[..self.len];
        let mut lx = Lexer::new(window, self.options);
        lx.restore(from, 2);
        let mut entries = Vec::new();
        while lx.offset() - from < bytes {
            let mut cursor = ArrayCursor::resume(self.rel(array_start), after_element);
            if !matches!(lx.next_element(&mut cursor), Ok(true)) {
                break;
            }
            let start = lx.offset();
            // Not at the end of the input: an element ends with its bracket, inside the window.
            match Scan::value_at(self.abs(start)).run(window, self.base, false) {
                Scanned::Complete(end) if self.rel(end) < window.len() => {
                    let end = self.rel(end);
                    entries.push(WholeEntry { index: index + entries.len(), start, end });
                    lx.restore(end, 2);
                    after_element = true;
                }
                _ => break,
            }
        }
        entries
    }

    /// Moves the stream past the first `n` elements that [`whole_entries`](Self::whole_entries)
    /// found (`last` is the `n`th), once they were read elsewhere.
    pub fn consume_entries(&mut self, n: usize, last: WholeEntry) {
        if n == 0 {
            return;
        }
        self.pos = self.abs(last.end);
        self.entries += n;
        if let State::Entries { after_element, .. } = &mut self.state {
            *after_element = true;
        }
    }

    fn abs(&self, rel: usize) -> u64 {
        self.base + rel as u64
    }

    fn rel(&self, abs: u64) -> usize {
        (abs.max(self.base) - self.base) as usize
    }

    /// `Failed`, or `More` when the error may only be the window ending too early.
    fn failed(&self, e: Error) -> Step {
        if !self.eof && (matches!(e.kind(), ErrorKind::Eof { .. }) || e.offset() + QUOTED > self.len) {
            Step::More
        } else {
            Step::Failed(e)
        }
    }

    /// One look at the window from `pos`.
    fn step(&mut self) -> Step {
        let buf = std::mem::take(&mut self.buf);
        let look = self.look(&buf[..self.len]);
        self.buf = buf;
        let (key, start) = match look {
            Look::Step(step) => return step,
            Look::Value { key, start } => (key, start),
        };
        // The value is parsed next, which finds its end (or that the window ends first).
        match key {
            Some(key) => {
                self.seen_entry |= key == ENTRY;
                self.state = State::Members { after_member: true };
                Step::Found(Found::Member { key, start })
            }
            None => {
                let index = self.entries;
                self.entries += 1;
                if let State::Entries { after_element, .. } = &mut self.state {
                    *after_element = true;
                }
                Step::Found(Found::Entry { index, start })
            }
        }
    }

    /// Lexes the window (`self.buf` is set aside meanwhile) from `pos` up to the next value.
    fn look(&mut self, window: &[u8]) -> Look {
        let depth = match self.state {
            State::Start | State::Trailing => 0,
            State::Members { .. } => 1,
            State::Entries { .. } => 2,
            State::Done => return Look::Step(Step::End),
        };
        let mut lx = Lexer::new(window, self.options);
        lx.restore(self.rel(self.pos), depth);
        Look::Step(match self.state {
            State::Start => match lx.begin_object() {
                Ok(cursor) => {
                    self.object_start = self.abs(cursor.start);
                    self.pos = self.abs(lx.offset());
                    self.state = State::Members { after_member: false };
                    Step::Continue
                }
                Err(e) => self.failed(e),
            },
            State::Members { after_member } => return self.look_member(&mut lx, after_member),
            State::Entries { array_start, after_element } => {
                let mut cursor = ArrayCursor::resume(self.rel(array_start), after_element);
                match lx.next_element(&mut cursor) {
                    Ok(true) => return Look::Value { key: None, start: self.abs(lx.offset()) },
                    Ok(false) => {
                        self.pos = self.abs(lx.offset());
                        self.state = State::Members { after_member: true };
                        Step::Found(Found::EntriesEnd)
                    }
                    Err(e) => self.failed(e),
                }
            }
            State::Trailing => match lx.finish() {
                // The document came whole, and then the input broke: told, not taken for its end.
                Ok(()) if self.broken.is_some() => {
                    let message = self.broken.take().unwrap_or_default();
                    Step::Failed(Error::new(window.len(), ErrorKind::Io(message)))
                }
                Ok(()) if self.eof => {
                    self.state = State::Done;
                    Step::End
                }
                Ok(()) => {
                    // Only white space so far: let it go and read on.
                    self.pos = self.abs(self.len);
                    Step::More
                }
                Err(e) => self.failed(e),
            },
            State::Done => Step::End,
        })
    }

    /// Lexes the next member of the document object, or its end.
    fn look_member(&mut self, lx: &mut Lexer<'_>, after_member: bool) -> Look {
        let mut cursor = ObjectCursor::resume(self.rel(self.object_start), after_member);
        let key = match lx.next_key(&mut cursor) {
            Ok(Some(key)) => key.text.into_owned(),
            Ok(None) => {
                self.pos = self.abs(lx.offset());
                self.state = State::Trailing;
                return Look::Step(Step::Continue);
            }
            Err(e) => return Look::Step(self.failed(e)),
        };
        Look::Step(match lx.peek_kind() {
            Ok(JsonKind::Array) if key == ENTRY && !self.seen_entry => match lx.begin_array() {
                Ok(cursor) => {
                    self.seen_entry = true;
                    self.last_key = Some(key);
                    self.pos = self.abs(lx.offset());
                    self.state = State::Entries { array_start: self.abs(cursor.start), after_element: false };
                    Step::Found(Found::EntriesStart)
                }
                Err(e) => self.failed(e),
            },
            Ok(_) => return Look::Value { key: Some(key), start: self.abs(lx.offset()) },
            Err(e) => self.failed(e),
        })
    }

    /// Parses the value of a unit found in `window` (the window `self.buf[..self.len]`), which
    /// it moves the stream past; or finds that the window ends inside the value, or too close
    /// after an error in it for the error's message to quote what follows.
    fn parse<'w>(&mut self, found: Found, window: &'w [u8], space: &mut ReadSpace) -> Parsed<'w> {
        let (key, index, start, depth) = match found {
            Found::EntriesStart => return Parsed::Unit(Unit::EntriesStart),
            Found::EntriesEnd => return Parsed::Unit(Unit::EntriesEnd),
            Found::Entry { index, start } => (None, index, start, 2),
            Found::Member { key, start } => (Some(key), 0, start, 1),
        };
        let mut lx = Lexer::new(window, self.options);
        lx.restore((start - self.base) as usize, depth);
        match Value::read_in(&mut lx, space) {
            // A value that reaches the end of the window may go on after it (a number).
            Ok(_) if !self.eof && lx.offset() >= window.len() => Parsed::NeedMore,
            // ... and where the input broke, it may have.
            Ok(_) if self.broken.is_some() && lx.offset() >= window.len() => {
                self.state = State::Done;
                let message = self.broken.take().unwrap_or_default();
                let e = Error::new(window.len(), ErrorKind::Io(message));
                Parsed::Error(locate(e, window, self.base, &mut self.lines, self.unit, self.last_key.as_deref()))
            }
            Ok(value) => {
                self.pos = self.abs(lx.offset());
                Parsed::Unit(match key {
                    Some(key) => {
                        self.last_key = Some(key.clone());
                        Unit::Member { key, value }
                    }
                    None => Unit::Entry { index, value },
                })
            }
            // The error is located once the window holds the whole unit and what an error
            // message may quote after it: its JSON path may name a key that goes on past it.
            Err(_) if !self.eof && !self.holds_whole_value(start, window) => Parsed::NeedMore,
            Err(e) => {
                self.state = State::Done;
                let e = self.blame_break(e);
                Parsed::Error(locate(e, window, self.base, &mut self.lines, self.unit, self.last_key.as_deref()))
            }
        }
    }

    /// `e` as the input's break when the input broke and `e` is the end of input it caused.
    fn blame_break(&mut self, e: Error) -> Error {
        super::machine::blame_break(e, &mut self.broken)
    }

    /// Whether `window` holds the whole value that starts at absolute `start`, and the bytes
    /// an error in it may quote after it (a scan, made only for a value that has an error).
    fn holds_whole_value(&self, start: u64, window: &[u8]) -> bool {
        match Scan::value_at(start).run(window, self.base, false) {
            Scanned::Complete(end) => self.rel(end) + QUOTED <= window.len(),
            Scanned::Incomplete => false,
        }
    }

    /// Lets go of the input before `pos` (unless it is kept), and reads more after the window:
    /// at least one read, and until half of the free space is used. A window that is more
    /// than half full then (one unit fills it) doubles first. A reader that fails ends the
    /// input there ([`broken`](Self::broken)).
    fn fill(&mut self) {
        let keep_from = if self.keep { 0 } else { self.rel(self.pos).min(self.len) };
        self.lines.advance(&self.buf[..self.len], self.base, self.abs(keep_from));
        self.buf.copy_within(keep_from..self.len, 0);
        self.len -= keep_from;
        self.base += keep_from as u64;
        if self.len > self.buf.len() / 2 || self.buf.len() < self.grow_to {
            // The unit being read fills most of the window, or the window is to grow: make it
            // larger.
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let want = self.len + (self.buf.len() - self.len).div_ceil(2);
        while self.len < want {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.broken = Some(e.to_string());
                    break;
                }
            }
        }
    }
}

/// One element of the `entry` array in a window: its index in the array, and where it starts
/// and ends in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WholeEntry {
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

/// Parses an element that [`ValueStream::whole_entries`] found in `window`, as
/// [`ValueStream::next_unit`] would; `None` when that would not give the element, ending where
/// the scan found it does (not JSON: the stream, read on with `next_unit`, then says where and
/// why).
pub(crate) fn parse_whole_entry<'w>(
    window: &'w [u8],
    options: ParseOptions,
    entry: WholeEntry,
    space: &mut ReadSpace,
) -> Option<Value<'w>> {
    let mut lx = Lexer::new(window, options);
    lx.restore(entry.start, 2);
    match Value::read_in(&mut lx, space) {
        Ok(value) if lx.offset() == entry.end => Some(value),
        _ => None,
    }
}

/// Locates window-relative error `e` in the whole input: its absolute offset, line and column,
/// and the JSON path `json::from_slice` gives it. The path is rebuilt from the window from the
/// unit's start on, after a made-up prefix that puts the scanner where the unit starts (in the
/// object after the member `last_key`, or in the entry array).
fn locate(e: Error, window: &[u8], base: u64, lines: &mut Lines, unit: UnitStart, last_key: Option<&str>) -> Error {
    let offset = e.offset().min(window.len());
    let at = base + offset as u64;
    let from = ((unit.pos.max(base) - base) as usize).min(offset);
    let mut text: Vec<u8> = match unit.state {
        State::Members { after_member: false } => b"{".to_vec(),
        State::Members { after_member: true } => {
            let mut w = Writer::compact();
            w.string(last_key.unwrap_or_default());
            format!("{{{}:0", w.into_string()).into_bytes()
        }
        State::Entries { after_element: false, .. } => b"{\"entry\":[".to_vec(),
        State::Entries { after_element: true, .. } => b"{\"entry\":[0".to_vec(),
        State::Start | State::Trailing | State::Done => Vec::new(),
    };
    let path = if matches!(unit.state, State::Trailing | State::Done) {
        JsonPath::default()
    } else {
        let prefix = text.len();
        text.extend_from_slice(&window[from..]);
        let mut path = path_at(&text, prefix + offset - from);
        // The made-up prefix has one element before the unit; there were `entries`.
        if let (State::Entries { after_element: true, .. }, [PathSegment::Key(key), PathSegment::Index(i), ..]) =
            (unit.state, path.0.as_mut_slice())
        {
            if key == ENTRY {
                *i += unit.entries - 1;
            }
        }
        path
    };
    let (line, column) = lines.line_column(window, base, at);
    e.with_location(at as usize, path, line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives at most `chunk` bytes per read.
    struct Trickle<'a> {
        bytes: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The units of `input` as text (`key=value`, `[i]=value`), or the error as the whole
    /// parse reports it.
    fn units(input: &[u8], window: usize, chunk: usize) -> Result<Vec<String>, String> {
        let mut stream = ValueStream::with_window(Trickle { bytes: input, chunk }, window);
        stream.release();
        let mut out = Vec::new();
        // Each value read is recycled: the next are read into its vectors.
        let mut space = ReadSpace::default();
        while let Some(unit) = stream.next_unit(&mut space) {
            let text = |v: &Value<'_>| {
                let mut w = Writer::compact();
                v.write(&mut w);
                w.into_string()
            };
            match unit {
                Ok(Unit::Member { key, value }) => {
                    out.push(format!("{key}={}", text(&value)));
                    space.recycle(value);
                }
                Ok(Unit::EntriesStart) => out.push("entry[".into()),
                Ok(Unit::Entry { index, value }) => {
                    out.push(format!("[{index}]={}", text(&value)));
                    space.recycle(value);
                }
                Ok(Unit::EntriesEnd) => out.push("]".into()),
                Err(e) => return Err(format!("{e} at {} {:?}", e.offset(), e.line_column())),
            }
        }
        Ok(out)
    }

    fn whole(input: &[u8]) -> Result<(), String> {
        crate::json::from_slice::<Value>(input)
            .map(|_| ())
            .map_err(|e| format!("{e} at {} {:?}", e.offset(), e.line_column()))
    }

    const DOC: &str = "{\"resourceType\": \"Bundle\", \"type\" :\"searchset\",\n \"entry\": [\n  {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"p\\\"1\"}},\n  {\"fullUrl\": \"u\", \"x\": [1, 2.50, true, null]},\n  null\n ],\n \"total\": 3, \"entry\": 7\n}\n";

    #[test]
    fn members_and_entries_in_order_whatever_the_window() {
        let expected = vec![
            "resourceType=\"Bundle\"",
            "type=\"searchset\"",
            "entry[",
            "[0]={\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p\\\"1\"}}",
            "[1]={\"fullUrl\":\"u\",\"x\":[1,2.50,true,null]}",
            "[2]=null",
            "]",
            "total=3",
            "entry=7",
        ];
        for window in [1, 2, 7, 64, 4096] {
            for chunk in [1, 3, 1000] {
                assert_eq!(units(DOC.as_bytes(), window, chunk).unwrap(), expected, "window {window}, chunk {chunk}");
            }
        }
    }

    #[test]
    fn errors_are_those_of_the_whole_parse() {
        let mut inputs: Vec<Vec<u8>> = (0..DOC.len()).map(|cut| DOC.as_bytes()[..cut].to_vec()).collect();
        for (from, to) in [("\"type\" :", "\"type\" "), ("2.50", "2.5.0"), ("null\n", "nul\n"), ("}\n", "}}\n")] {
            inputs.push(DOC.replacen(from, to, 1).into_bytes());
        }
        inputs.push(format!("{DOC} x").into_bytes());
        inputs.push(DOC.replacen("},\n  {", "}\n  {", 1).into_bytes());
        for input in &inputs {
            let expected = whole(input);
            for window in [1, 5, 64, 4096] {
                let got = units(input, window, 3).map(|_| ());
                assert_eq!(got, expected, "window {window}: {}", String::from_utf8_lossy(input));
            }
        }
    }

    proptest::proptest! {
        /// The document with a byte changed, added or taken out anywhere after its `{` (the
        /// stream reads a document object, where the whole parse takes any value), read
        /// through any window and reads of any size: the same units, or the same error, as the
        /// whole parse (a value the window ends inside is parsed again with more input, and an
        /// error is located once the window holds the whole unit).
        #[test]
        fn any_edit_reads_as_the_whole_parse(
            at in 1usize..DOC.len(),
            edit in 0u8..3,
            byte in proptest::sample::select(b"{}[]\",:\\ \n0123456789.-etrunlfax".to_vec()),
            window in 1usize..48,
            chunk in 1usize..9,
        ) {
            let mut input = DOC.as_bytes().to_vec();
            match edit {
                0 => input[at] = byte,
                1 => input.insert(at, byte),
                _ => {
                    input.remove(at);
                }
            }
            let expected = whole(&input);
            let got = units(&input, window, chunk);
            proptest::prop_assert_eq!(got.as_ref().map(|_| ()).map_err(String::clone), expected);
        }
    }

    #[test]
    fn the_whole_input_comes_back_before_release() {
        let mut stream = ValueStream::with_window(Trickle { bytes: DOC.as_bytes(), chunk: 5 }, 8);
        let mut space = ReadSpace::default();
        assert!(matches!(stream.next_unit(&mut space), Some(Ok(Unit::Member { .. }))));
        assert!(matches!(stream.next_unit(&mut space), Some(Ok(Unit::Member { .. }))));
        assert_eq!(stream.into_input().unwrap(), DOC.as_bytes());
    }
}
