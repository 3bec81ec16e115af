//! The state machine both readers share: it walks the top-level Bundle object one unit (a
//! member or an entry) at a time over a window of the input, and says when the window ends
//! too early.
//!
//! Units are parsed optimistically: a parse that fails in a window that is not the end of the
//! input may have failed only because the unit is cut off, so the unit is then scanned
//! ([`Scan`]): if it ends inside the window the error is real, otherwise the reader fetches
//! more input and the unit is read again. A scan that runs out resumes where it stopped, so a
//! huge entry is scanned once, not once per read.
use crate::json::{
    path_at, rt, ArrayCursor, Error, ErrorKind, FromJson, JsonPath, Key, Lexer, ObjectCursor, ParseOptions, PathSegment,
};
use crate::resources::{Bundle, BundleEntry};

use super::lines::Lines;
use super::scan::{Scan, Scanned};
use super::{Entry, EntryError};

/// Nesting depth of an entry object: Bundle object, entry array.
pub(crate) const ENTRY_DEPTH: u32 = 2;

/// The bytes at hand.
#[derive(Clone, Copy)]
pub(crate) struct Window<'b> {
    pub bytes: &'b [u8],
    /// Absolute offset of `bytes[0]`.
    pub base: u64,
    /// Whether the input ends with these bytes.
    pub eof: bool,
}

impl Window<'_> {
    #[inline]
    fn rel(&self, abs: u64) -> usize {
        (abs - self.base) as usize
    }

    #[inline]
    fn abs(&self, rel: usize) -> u64 {
        self.base + rel as u64
    }

    fn end(&self) -> u64 {
        self.abs(self.bytes.len())
    }
}

/// What one step did. (`Entry`, the large variant, is also the common one: boxing it would cost
/// an allocation per entry.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum Event<'b> {
    /// Read a Bundle member into the header, or moved past the entry array.
    Member,
    /// Read an entry.
    Entry(Entry<'b>),
    /// A bad entry or member (reading goes on unless it is fatal).
    Error(EntryError),
    /// The window ends inside the next unit: keep the bytes from [`Machine::pos`] on, add more,
    /// and step again.
    NeedMore,
    /// The Bundle has been read, and only white space followed it.
    End,
}

/// Where the Bundle's members go.
pub(crate) trait HeaderSink<'b> {
    /// Reads the value of the Bundle member `key` (not `resourceType`, not `entry`). On error
    /// the header must be as it was.
    fn read_member(&mut self, lx: &mut Lexer<'b>, key: &Key<'b>) -> Result<(), Error>;
}

impl<'b> HeaderSink<'b> for Bundle<'b> {
    fn read_member(&mut self, lx: &mut Lexer<'b>, key: &Key<'b>) -> Result<(), Error> {
        let before = self.clone();
        let result = read_bundle_member(lx, key, self);
        if result.is_err() {
            *self = before;
        }
        result
    }
}

/// Reads one member of a Bundle (other than `resourceType` and `entry`) into `out`: the
/// generated reader of one member, which reading the whole Bundle uses too.
pub(crate) fn read_bundle_member<'b>(lx: &mut Lexer<'b>, key: &Key<'b>, out: &mut Bundle<'b>) -> Result<(), Error> {
    Bundle::read_member(out, lx, key.clone())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Before the Bundle's `{`.
    Start,
    /// In the Bundle object, before a member or its `}`.
    Members { after_member: bool },
    /// In the entry array, before an entry or its `]`.
    Entries { array_start: u64, after_element: bool },
    /// After the Bundle's `}`: only white space may follow.
    Trailing,
    /// Nothing more to read.
    Done,
}

/// After `error` in the entry at `start`: skips the entry and returns where it ends, or, when
/// it is not JSON, the error skipping found (`None` when it is `error` itself).
pub(crate) fn skip_bad_entry(lx: &mut Lexer<'_>, start: usize, error: &Error) -> Result<usize, Option<Error>> {
    lx.restore(start, ENTRY_DEPTH);
    match lx.skip_value() {
        Ok(()) => Ok(lx.offset()),
        Err(skip) => {
            let same = skip.offset() == error.offset() && skip.kind() == error.kind();
            Err((!same).then_some(skip))
        }
    }
}

/// The JSON path of window-relative `offset` inside the entry `bytes[start..end]`, from the
/// Bundle.
pub(crate) fn entry_path(bytes: &[u8], start: usize, end: usize, offset: usize, index: usize) -> JsonPath {
    let mut path = vec![PathSegment::Key("entry".into()), PathSegment::Index(index)];
    if offset >= start {
        path.extend(path_at(&bytes[start..end.max(start)], offset - start).0);
    }
    JsonPath(path)
}

/// The walker of one Bundle.
#[derive(Clone)]
pub(crate) struct Machine {
    options: ParseOptions,
    pub state: State,
    /// Absolute offset where the next unit starts.
    pub pos: u64,
    /// Absolute offset of the Bundle's `{`, and its line and column.
    object_start: u64,
    object_line_column: (usize, usize),
    /// Line and column of the entry array's `[`.
    array_line_column: (usize, usize),
    seen_resource_type: bool,
    seen_entry: bool,
    /// Entries in the entry array so far (good and bad).
    pub entries: usize,
    /// A scan of the entry at `pos` that ran out of input.
    scan: Option<Scan>,
    /// A fatal error to report after the entry error that came first.
    pending: Option<EntryError>,
    /// Why the input ended early: the reader's error, which stands for the end of input that
    /// the unit being read then meets ([`input_broke`](Self::input_broke)).
    broken: Option<String>,
    /// Whether the Bundle was read to its end (its `}`, then only white space), rather than
    /// ended by an error.
    reached_end: bool,
    pub lines: Lines,
}

impl Machine {
    pub fn new(options: ParseOptions) -> Self {
        Machine {
            options,
            state: State::Start,
            pos: 0,
            object_start: 0,
            object_line_column: (1, 1),
            array_line_column: (1, 1),
            seen_resource_type: false,
            seen_entry: false,
            entries: 0,
            scan: None,
            pending: None,
            broken: None,
            reached_end: false,
            lines: Lines::default(),
        }
    }

    /// The reader failed with `message` after the bytes at hand (a damaged gzip stream, a
    /// dropped connection): the reader treats them as the end of input, so that the units
    /// before the break are read, and the end met by the unit the break cut off is reported as
    /// `message` ([`blame_break`](Self::blame_break)), where it happened.
    pub fn input_broke(&mut self, message: String) {
        self.broken = Some(message);
    }

    /// `e` as the input's break when the input broke and `e` is the end of input it caused
    /// (told once).
    pub fn blame_break(&mut self, e: Error) -> Error {
        blame_break(e, &mut self.broken)
    }

    /// At the end of a Bundle read whole whose input then broke (its last bytes or a gzip
    /// checksum): the break, as a fatal error at the end of `win`, once. Nothing after a fatal
    /// error, which ends reading before the break.
    pub fn break_after_end(&mut self, win: &Window<'_>) -> Option<EntryError> {
        if !self.reached_end {
            return None;
        }
        let message = self.broken.take()?;
        let offset = win.end();
        let (line, column) = self.lines.line_column(win.bytes, win.base, offset);
        let e = Error::new(0, ErrorKind::Io(message)).with_location(offset as usize, JsonPath::default(), line, column);
        Some(EntryError::bundle(e).fatal())
    }

    pub fn options(&self) -> ParseOptions {
        self.options
    }

    /// Whether the entries (or the end) have been reached.
    pub fn at_entries_or_later(&self) -> bool {
        !matches!(self.state, State::Start | State::Members { .. })
    }

    fn lexer<'b>(&self, win: &Window<'b>, depth: u32) -> Lexer<'b> {
        let mut lx = Lexer::new(win.bytes, self.options);
        lx.restore(win.rel(self.pos), depth);
        lx
    }

    fn needs_more(win: &Window<'_>, e: &Error) -> bool {
        !win.eof && matches!(e.kind(), ErrorKind::Eof { .. })
    }

    /// Locates window-relative error `e` with `path`.
    fn locate(&mut self, win: &Window<'_>, e: Error, path: JsonPath) -> Error {
        let offset = win.abs(e.offset().min(win.bytes.len()));
        let (line, column) = self.lines.line_column(win.bytes, win.base, offset);
        self.blame_break(e).with_location(offset as usize, path, line, column)
    }

    /// A fatal error in the Bundle's structure: located at `entry` in the entry array, else at
    /// the Bundle.
    fn fatal(&mut self, win: &Window<'_>, e: Error) -> Event<'static> {
        let path = match self.state {
            State::Entries { .. } => JsonPath(vec![PathSegment::Key("entry".into())]),
            _ => JsonPath::default(),
        };
        self.state = State::Done;
        let e = self.locate(win, e, path);
        Event::Error(EntryError::bundle(e).fatal())
    }

    /// Steps to the next event.
    pub fn step<'b>(&mut self, win: &Window<'b>, header: &mut dyn HeaderSink<'b>) -> Event<'b> {
        if let Some(e) = self.pending.take() {
            self.state = State::Done;
            return Event::Error(e);
        }
        loop {
            match self.state {
                State::Done => return Event::End,
                State::Start => {
                    let mut lx = self.lexer(win, 0);
                    match lx.begin_object() {
                        Ok(cursor) => {
                            self.object_start = win.abs(cursor.start);
                            self.object_line_column = self.lines.line_column(win.bytes, win.base, self.object_start);
                            self.pos = win.abs(lx.offset());
                            self.state = State::Members { after_member: false };
                        }
                        Err(e) if Self::needs_more(win, &e) => return Event::NeedMore,
                        Err(e) => return self.fatal(win, e),
                    }
                }
                State::Members { after_member } => return self.member(win, header, after_member),
                State::Entries { array_start, after_element } => {
                    if let Some(event) = self.entry(win, array_start, after_element) {
                        return event;
                    }
                }
                State::Trailing => {
                    let mut lx = self.lexer(win, 0);
                    match lx.finish() {
                        Ok(()) if win.eof => {
                            self.state = State::Done;
                            self.reached_end = true;
                            return Event::End;
                        }
                        Ok(()) => {
                            self.pos = win.end();
                            return Event::NeedMore;
                        }
                        Err(e) => return self.fatal(win, e),
                    }
                }
            }
        }
    }

    fn member<'b>(&mut self, win: &Window<'b>, header: &mut dyn HeaderSink<'b>, after_member: bool) -> Event<'b> {
        let mut lx = self.lexer(win, 1);
        let mut cursor = ObjectCursor::resume(win.rel(self.object_start.max(win.base)), after_member);
        let key = match lx.next_key(&mut cursor) {
            Ok(Some(key)) => key,
            Ok(None) => {
                self.pos = win.abs(lx.offset());
                self.state = State::Trailing;
                if !self.seen_resource_type {
                    // Where the Bundle starts, which a stream may have let go of by now.
                    let (line, column) = self.object_line_column;
                    let e = Error::new(0, ErrorKind::MissingResourceType).with_location(
                        self.object_start as usize,
                        JsonPath::default(),
                        line,
                        column,
                    );
                    return Event::Error(EntryError::bundle(e));
                }
                return Event::Member;
            }
            Err(e) if Self::needs_more(win, &e) => return Event::NeedMore,
            Err(e) => return self.fatal(win, e),
        };
        let value_start = lx.offset();
        let result = match key.as_bytes() {
            b"resourceType" => {
                let mut seen = self.seen_resource_type;
                let r = rt::read_resource_type(&mut lx, &key, &mut seen, "Bundle");
                match &r {
                    Ok(()) => self.seen_resource_type = true,
                    Err(e) if matches!(e.kind(), ErrorKind::ResourceTypeMismatch { .. }) => {
                        // Not a Bundle at all: nothing else here makes sense.
                        let path = JsonPath(vec![PathSegment::Key("resourceType".into())]);
                        let e = self.locate(win, e.clone(), path);
                        self.state = State::Done;
                        return Event::Error(EntryError::bundle(e).fatal());
                    }
                    Err(_) => {}
                }
                r
            }
            b"entry" if !self.seen_entry => match lx.begin_array() {
                Ok(cursor) => {
                    self.array_line_column = self.lines.line_column(win.bytes, win.base, win.abs(cursor.start));
                    self.seen_entry = true;
                    self.entries = 0;
                    self.pos = win.abs(lx.offset());
                    self.state = State::Entries { array_start: win.abs(cursor.start), after_element: false };
                    return Event::Member;
                }
                Err(e) => Err(e),
            },
            b"entry" => Err(rt::duplicate(&key)),
            _ => header.read_member(&mut lx, &key),
        };
        match result {
            Ok(()) => {
                self.pos = win.abs(lx.offset());
                self.state = State::Members { after_member: true };
                Event::Member
            }
            Err(e) => self.member_failed(win, e, &key, value_start),
        }
    }

    /// A member could not be read: fetch more input, or report it and skip its value.
    fn member_failed<'b>(&mut self, win: &Window<'b>, e: Error, key: &Key<'_>, value_start: usize) -> Event<'b> {
        let value_abs = win.abs(value_start);
        if !win.eof {
            let mut scan = Scan::value_at(value_abs);
            if scan.run(win.bytes, win.base, false) == Scanned::Incomplete {
                return Event::NeedMore;
            }
        }
        let mut lx = Lexer::new(win.bytes, self.options);
        lx.restore(value_start, 1);
        let skipped = lx.skip_value();
        let value_end = lx.offset();
        let mut path = vec![PathSegment::Key(key.text.to_string())];
        if e.offset() >= value_start {
            path.extend(path_at(&win.bytes[value_start..value_end.max(value_start)], e.offset() - value_start).0);
        }
        let error_offset = e.offset();
        let error = EntryError::bundle(self.locate(win, e, JsonPath(path)));
        match skipped {
            Ok(()) => {
                self.pos = win.abs(value_end);
                self.state = State::Members { after_member: true };
                Event::Error(error)
            }
            Err(skip) => {
                self.state = State::Done;
                if skip.offset() != error_offset {
                    let skip = self.locate(win, skip, JsonPath::default());
                    self.pending = Some(EntryError::bundle(skip).fatal());
                    Event::Error(error)
                } else {
                    Event::Error(error.fatal())
                }
            }
        }
    }

    /// One step in the entry array; `None` when it only finished a scan.
    fn entry<'b>(&mut self, win: &Window<'b>, array_start: u64, after_element: bool) -> Option<Event<'b>> {
        let mut known_complete = false;
        if let Some(scan) = &mut self.scan {
            // The entry at `pos` was cut off last time: finish scanning it first.
            match scan.run(win.bytes, win.base, win.eof) {
                Scanned::Incomplete => return Some(Event::NeedMore),
                Scanned::Complete(_) => {
                    self.scan = None;
                    known_complete = true;
                }
            }
        }
        let mut lx = self.lexer(win, ENTRY_DEPTH);
        let mut cursor = ArrayCursor::resume(win.rel(array_start.max(win.base)), after_element);
        match lx.next_element(&mut cursor) {
            Ok(true) => {}
            Ok(false) => {
                self.pos = win.abs(lx.offset());
                self.state = State::Members { after_member: true };
                if self.entries == 0 {
                    let (line, column) = self.array_line_column;
                    let path = JsonPath(vec![PathSegment::Key("entry".into())]);
                    let e =
                        Error::new(0, ErrorKind::EmptyArray).with_location(array_start as usize, path, line, column);
                    return Some(Event::Error(EntryError::bundle(e)));
                }
                return Some(Event::Member);
            }
            Err(e) if Self::needs_more(win, &e) => return Some(Event::NeedMore),
            Err(e) => return Some(self.fatal(win, e)),
        }
        let start = lx.offset();
        let index = self.entries;
        match BundleEntry::from_json(&mut lx) {
            Ok(entry) => {
                let end = lx.offset();
                let unknown = if lx.unknown_offsets.is_empty() {
                    Vec::new()
                } else {
                    lx.unknown_offsets.iter().map(|&o| entry_path(win.bytes, start, end, o, index)).collect()
                };
                self.finish_entry(win, end);
                Some(Event::Entry(Entry {
                    index,
                    line: None,
                    offset: win.abs(start),
                    len: end - start,
                    entry,
                    unknown,
                }))
            }
            Err(error) => {
                if !win.eof && !known_complete {
                    let mut scan = Scan::value_at(win.abs(start));
                    if scan.run(win.bytes, win.base, false) == Scanned::Incomplete {
                        // Cut off: read the entry again, from its `{`, once there is more input.
                        self.scan = Some(scan);
                        self.pos = win.abs(start);
                        self.state = State::Entries { array_start, after_element: false };
                        return Some(Event::NeedMore);
                    }
                }
                Some(match skip_bad_entry(&mut lx, start, &error) {
                    Ok(end) => {
                        let path = entry_path(win.bytes, start, end, error.offset(), index);
                        let error = self.locate(win, error, path);
                        self.finish_entry(win, end);
                        Event::Error(EntryError::entry(index, error))
                    }
                    Err(skip) => {
                        let path = entry_path(win.bytes, start, win.bytes.len(), error.offset(), index);
                        let error = EntryError::entry(index, self.locate(win, error, path));
                        self.state = State::Done;
                        match skip {
                            Some(skip) => {
                                let skip = self.locate(win, skip, JsonPath::default());
                                self.pending = Some(EntryError::bundle(skip).fatal());
                                Event::Error(error)
                            }
                            None => Event::Error(error.fatal()),
                        }
                    }
                })
            }
        }
    }

    fn finish_entry(&mut self, win: &Window<'_>, end: usize) {
        self.pos = win.abs(end);
        self.entries += 1;
        if let State::Entries { after_element, .. } = &mut self.state {
            *after_element = true;
        }
    }

    /// Moves past the entry array that was read elsewhere (the parallel mode): `pos` is just
    /// after its `]`.
    pub fn resume_after_entries(&mut self, pos: u64, entries: usize) {
        self.pos = pos;
        self.entries = entries;
        self.state = State::Members { after_member: true };
    }

    /// Records an error found elsewhere (the parallel mode) as the end of reading.
    pub fn stop(&mut self) {
        self.state = State::Done;
    }

    /// Ends the reading where it is, at the reader's wish: nothing more is given, not even the
    /// error waiting to be told after a bad entry (the fatal one of the entries it could not
    /// skip).
    pub fn halt(&mut self) {
        self.pending = None;
        self.state = State::Done;
    }
}

/// `e` as the input's break (`broken`: the reader's message, told once) when the input broke
/// and `e` is the end of input that the break caused.
pub(super) fn blame_break(e: Error, broken: &mut Option<String>) -> Error {
    match (e.kind(), broken.take()) {
        (ErrorKind::Eof { .. }, Some(message)) => e.with_kind(ErrorKind::Io(message)),
        (_, message) => {
            *broken = message;
            e
        }
    }
}
