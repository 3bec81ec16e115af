//! The parallel mode: the entries of a Bundle in memory (or of each window of a stream) parsed on
//! several threads.
//!
//! The entries at hand are cut into pieces at guessed entry starts ([`next_entry_candidate`]: a
//! `{` after `}` `,` whose first key only an entry has). Each thread parses whole pieces, entry
//! after entry, from the guessed start up to the next guess. A guess is confirmed when the piece
//! before it, parsed from a confirmed start, ends exactly there; a wrong guess (a Bundle nested in
//! an entry, say) is dropped and its stretch parsed again from where the previous piece really
//! ended. The result is the same as reading the entries one after the other.
//!
//! The threads besides the calling one are those of rayon's pool ([`with_helpers`]).
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::json::{ArrayCursor, Error, FromJson, JsonPath, Lexer, ParseOptions, PathSegment};
use crate::resources::{Bundle, BundleEntry};

use super::machine::{entry_path, skip_bad_entry, Machine, State, ENTRY_DEPTH};
use super::read::{read_after, thread_count, BundleStream, Through};
use super::scan::{last_entry_candidate, next_entry_candidate};
use super::slice::BundleReader;
use super::EntryError;

/// What [`BundleReader::par_map`] returns.
#[derive(Debug)]
pub struct ParallelOutput<'a, T> {
    /// The Bundle's members (everything but `entry`).
    pub header: Bundle<'a>,
    /// For each entry in order, what the function returned for it, or why it could not be
    /// read; errors in the Bundle's own members ([`EntryError::index`] `None`) are in here too,
    /// where they were met.
    pub items: Vec<Result<T, EntryError>>,
    /// With lenient parsing: the JSON paths of the unknown properties kept, in order.
    pub unknown: Vec<JsonPath>,
}

/// How a piece ended.
enum PieceEnd {
    /// At the start (`{`) of an entry at or after the limit.
    At(usize),
    /// After the entry array's `]`.
    ArrayEnd(usize),
    /// At an entry that is not JSON (the last item), or cut off by the end of the bytes at hand.
    Broken,
    /// Not JSON between entries, looking for the separator at `at`.
    Syntax { error: Error, at: usize },
}

enum Item<T> {
    Ok {
        value: T,
        start: usize,
        end: usize,
        unknown: Vec<usize>,
    },
    Bad {
        error: Error,
        start: usize,
        end: usize,
    },
    Broken {
        error: Error,
        skip: Option<Error>,
        start: usize,
    },
    /// Not JSON between entries.
    Syntax(Error),
}

struct Piece<T> {
    items: Vec<Item<T>>,
    end: PieceEnd,
}

/// `each` as a callback of the `try_par_for_each` methods that never stops the reading: what
/// their `par_for_each` twins hand the results to.
pub(crate) fn going_on<T>(mut each: impl FnMut(T)) -> impl FnMut(T) -> ControlFlow<()> {
    move |result| {
        each(result);
        ControlFlow::Continue(())
    }
}

/// `piece(i)` for each `i` below `pieces`, in order, made on up to `threads` threads that take
/// the next piece as each finishes one (on this thread alone for one thread or one piece), and
/// `meanwhile` on this thread, first, while the other threads start on the pieces; this thread
/// then makes pieces too.
pub(crate) fn in_pieces_while<T, F, M, R>(pieces: usize, threads: usize, piece: F, meanwhile: M) -> (Vec<T>, R)
where
    T: Send,
    F: Fn(usize) -> T + Sync,
    M: FnOnce() -> R,
{
    if threads <= 1 || pieces <= 1 {
        let done = meanwhile();
        return ((0..pieces).map(piece).collect(), done);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= pieces {
                return mine;
            }
            mine.push((i, piece(i)));
        }
    };
    let mut made: Vec<Option<T>> = (0..pieces).map(|_| None).collect();
    let (done, all) = with_helpers(threads.min(pieces) - 1, take, meanwhile);
    for (i, piece) in all.into_iter().flatten() {
        made[i] = Some(piece);
    }
    (made.into_iter().flatten().collect(), done)
}

/// `meanwhile`, then `work`, on this thread, and `work` on `helpers` other threads meanwhile:
/// what `meanwhile` returned and what each `work` made (in the order they finished).
///
/// The other threads are rayon's pool (one thread per core, or `RAYON_NUM_THREADS`), started
/// once and kept: a stream asks for helpers at every window, and a thread started for each
/// window cost its start, a stack and memory faulted in again, and the thread-local caches of
/// the work. `helpers` beyond the pool's threads wait for one (the work is shared out piece by
/// piece, so a helper that starts late finds less or nothing to do). Called on a thread of a
/// rayon pool (from a caller's own parallel work), the helpers are that pool's threads, and this
/// one takes other tasks of the pool while it waits for them.
pub(crate) fn with_helpers<T, R>(
    helpers: usize,
    work: impl Fn() -> T + Sync,
    meanwhile: impl FnOnce() -> R,
) -> (R, Vec<T>)
where
    T: Send,
{
    if helpers == 0 {
        let done = meanwhile();
        return (done, vec![work()]);
    }
    let made = std::sync::Mutex::new(Vec::with_capacity(helpers + 1));
    let keep = |t: T| made.lock().unwrap_or_else(|e| e.into_inner()).push(t);
    let done = rayon::in_place_scope(|scope| {
        for _ in 0..helpers {
            scope.spawn(|_| keep(work()));
        }
        let done = meanwhile();
        keep(work());
        done
    });
    (done, made.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// Parses entries from `start` (an entry's `{`, or a place before `,` when `after_element`)
/// until the next entry starts at or after `limit`.
fn run_piece<'b, T, F>(
    bytes: &'b [u8],
    options: ParseOptions,
    start: usize,
    after_element: bool,
    limit: usize,
    f: &F,
) -> Piece<T>
where
    F: Fn(BundleEntry<'b>) -> T,
{
    let mut lx = Lexer::new(bytes, options);
    lx.restore(start, ENTRY_DEPTH);
    let mut cursor = ArrayCursor::resume(start, after_element);
    let mut items = Vec::new();
    let end = loop {
        let before = lx.offset();
        match lx.next_element(&mut cursor) {
            Ok(true) => {}
            Ok(false) => break PieceEnd::ArrayEnd(lx.offset()),
            Err(error) => break PieceEnd::Syntax { error, at: before },
        }
        let at = lx.offset();
        if at >= limit {
            break PieceEnd::At(at);
        }
        let kept_before = lx.unknown_offsets.len();
        match BundleEntry::from_json(&mut lx) {
            Ok(entry) => {
                let unknown = lx.unknown_offsets.split_off(kept_before);
                items.push(Item::Ok { value: f(entry), start: at, end: lx.offset(), unknown });
            }
            Err(error) => match skip_bad_entry(&mut lx, at, &error) {
                Ok(end) => items.push(Item::Bad { error, start: at, end }),
                Err(skip) => {
                    items.push(Item::Broken { error, skip, start: at });
                    break PieceEnd::Broken;
                }
            },
        }
    };
    Piece { items, end }
}

/// Where parsing a stretch of entries left off.
enum RegionEnd {
    /// Go on reading entries one by one from `at` (an entry's `{`, or before a `,` when
    /// `after_element`).
    Resume { at: usize, after_element: bool },
    /// After the entry array's `]`.
    ArrayEnd(usize),
    /// Input that is not JSON: nothing more can be read.
    Stop,
}

/// The entries of `bytes` from `from`, parsed on `threads` threads: up to the entry that starts
/// at `stop` (a guess is fine) or, when `stop` is `None`, to the end of the array. When `eof` is
/// false the bytes may end inside an entry: an entry that does not parse completely is left for
/// reading one by one, which can fetch more input. `meanwhile` runs on this thread while the
/// others start on the pieces.
#[allow(clippy::too_many_arguments)]
fn parse_region<'b, T, F>(
    bytes: &'b [u8],
    options: ParseOptions,
    from: usize,
    after_element: bool,
    stop: Option<usize>,
    eof: bool,
    threads: usize,
    f: &F,
    meanwhile: impl FnOnce(),
) -> (Vec<Item<T>>, RegionEnd)
where
    T: Send,
    F: Fn(BundleEntry<'b>) -> T + Sync,
{
    let to = stop.unwrap_or(bytes.len());
    // Pieces: the first from `from`, the others from guessed entry starts.
    let pieces_wanted = if threads > 1 { threads * 4 } else { 1 };
    let size = ((to - from.min(to)) / pieces_wanted).max(256 << 10);
    let mut starts = vec![from];
    let mut c = from + size;
    while pieces_wanted > 1 && c < to {
        if let Some(s) = next_entry_candidate(bytes, c, (c + size).min(to)) {
            starts.push(s);
        }
        c += size;
    }
    let final_limit = stop.unwrap_or(usize::MAX);
    let limit = |i: usize| starts.get(i + 1).copied().unwrap_or(final_limit);
    let first_after = |i: usize| i == 0 && after_element;

    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= starts.len() {
                return done;
            }
            done.push((i, run_piece(bytes, options, starts[i], first_after(i), limit(i), f)));
        }
    };
    let mut pieces: Vec<Option<Piece<T>>> = (0..starts.len()).map(|_| None).collect();
    let ((), all) = with_helpers(threads.min(starts.len()) - 1, work, meanwhile);
    for (i, piece) in all.into_iter().flatten() {
        pieces[i] = Some(piece);
    }

    // Stitch the confirmed pieces together, parsing again after a wrong guess.
    let mut items = Vec::new();
    let mut end = PieceEnd::At(from);
    for (i, piece) in pieces.into_iter().enumerate() {
        let piece = piece.expect("every piece was parsed");
        let piece = match end {
            PieceEnd::At(_) if i == 0 => piece,
            PieceEnd::At(at) if at == starts[i] => piece,
            PieceEnd::At(at) => run_piece(bytes, options, at, false, limit(i), f),
            _ => break,
        };
        end = piece.end;
        items.extend(piece.items);
    }
    let end = match end {
        PieceEnd::At(at) => RegionEnd::Resume { at, after_element: false },
        PieceEnd::ArrayEnd(at) => RegionEnd::ArrayEnd(at),
        // With more input to come, what failed may only be cut off: leave it to reading one by
        // one, which knows how to tell.
        PieceEnd::Broken if !eof => match items.pop() {
            Some(Item::Broken { start, .. }) => RegionEnd::Resume { at: start, after_element: false },
            _ => unreachable!("a broken piece ends with its broken entry"),
        },
        PieceEnd::Syntax { at, .. } if !eof => RegionEnd::Resume { at, after_element: true },
        PieceEnd::Broken => RegionEnd::Stop,
        PieceEnd::Syntax { error, .. } => {
            items.push(Item::Syntax(error));
            RegionEnd::Stop
        }
    };
    (items, end)
}

/// Locates the items of a stretch (their offsets are into `bytes`, which start at absolute
/// `base`), numbers them from the machine's count, moves the machine to `end`, and hands them
/// over in order.
fn deliver<T>(
    machine: &mut Machine,
    bytes: &[u8],
    base: u64,
    items: Vec<Item<T>>,
    end: RegionEnd,
    mut each: impl FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    mut unknown: impl FnMut(JsonPath),
) -> ControlFlow<()> {
    let locate = |machine: &mut Machine, e: Error, path: JsonPath| {
        let offset = base + e.offset() as u64;
        let (line, column) = machine.lines.line_column(bytes, base, offset);
        machine.blame_break(e).with_location(offset as usize, path, line, column)
    };
    for item in items {
        let i = machine.entries;
        machine.entries += 1;
        match item {
            Item::Ok { value, start, end, unknown: offsets } => {
                for o in offsets {
                    unknown(entry_path(bytes, start, end, o, i));
                }
                each(Ok(value))?;
            }
            Item::Bad { error, start, end } => {
                let path = entry_path(bytes, start, end, error.offset(), i);
                each(Err(EntryError::entry(i, locate(machine, error, path))))?;
            }
            Item::Syntax(error) => {
                machine.entries -= 1;
                let path = JsonPath(vec![PathSegment::Key("entry".into())]);
                each(Err(EntryError::bundle(locate(machine, error, path)).fatal()))?;
            }
            Item::Broken { error, skip, start } => {
                let path = entry_path(bytes, start, bytes.len(), error.offset(), i);
                let error = EntryError::entry(i, locate(machine, error, path));
                match skip {
                    None => each(Err(error.fatal()))?,
                    Some(skip) => {
                        each(Err(error))?;
                        let skip = locate(machine, skip, JsonPath::default());
                        each(Err(EntryError::bundle(skip).fatal()))?;
                    }
                }
            }
        }
    }
    match end {
        RegionEnd::Resume { at, after_element } => {
            machine.pos = base + at as u64;
            if let State::Entries { array_start, .. } = machine.state {
                machine.state = State::Entries { array_start, after_element };
            }
        }
        RegionEnd::ArrayEnd(at) => machine.resume_after_entries(base + at as u64, machine.entries),
        RegionEnd::Stop => machine.stop(),
    }
    ControlFlow::Continue(())
}

/// Whether only white space and `]` stand at `at`: an empty entry array, which reading one by
/// one reports as the error it is.
fn at_empty_array(bytes: &[u8], at: usize, after_element: bool) -> bool {
    !after_element && bytes[at..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b']')
}

impl<'a> BundleReader<'a> {
    /// Parses the remaining entries on `threads` threads (`0`: one per core), calls `f` on each
    /// entry, and returns the results in entry order, with the complete header.
    ///
    /// `f` may also be called on entries of a stretch that is then parsed again (see the
    /// module's notes): keep it free of side effects and let the results carry what it finds.
    ///
    /// ```
    /// use bluebutton_model::stream::BundleReader;
    /// use bluebutton_model::Resource;
    /// let input = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json")).unwrap();
    /// let out = BundleReader::new(&input)?.par_map(0, |entry| {
    ///     matches!(entry.resource, Some(Resource::ExplanationOfBenefit(_)))
    /// });
    /// let claims = out.items.iter().filter(|r| matches!(r, Ok(true))).count();
    /// assert_eq!(claims, 2);
    /// # Ok::<(), bluebutton_model::stream::EntryError>(())
    /// ```
    pub fn par_map<T, F>(mut self, threads: usize, f: F) -> ParallelOutput<'a, T>
    where
        T: Send,
        F: Fn(BundleEntry<'a>) -> T + Sync,
    {
        let threads = thread_count(threads);
        let mut out = ParallelOutput { header: Bundle::default(), items: Vec::new(), unknown: Vec::new() };
        // Errors in the members before `entry`.
        while let Some(e) = self.take_queued() {
            out.items.push(Err(e));
        }
        if let State::Entries { after_element, .. } = self.machine.state {
            let input = self.input();
            let from = self.machine.pos as usize;
            if !at_empty_array(input, from, after_element) {
                let options = self.machine.options();
                let (items, end) = parse_region(input, options, from, after_element, None, true, threads, &f, || ());
                let ParallelOutput { items: results, unknown, .. } = &mut out;
                let push = going_on(|r| results.push(r));
                let _ = deliver(&mut self.machine, input, 0, items, end, push, |p| unknown.push(p));
            }
        }
        // The members after the entries (and any error there), one by one.
        while let Some(item) = self.next_entry() {
            match item {
                Ok(entry) => out.items.push(Ok(f(entry.entry))),
                Err(e) => out.items.push(Err(e)),
            }
        }
        out.header = self.into_header();
        out
    }
}

impl<R: std::io::Read> BundleStream<R> {
    /// Reads the remaining entries, parsing each window of input on `threads` threads (`0`: one
    /// per core): `map` turns each entry into a `T` (on any thread), and `each` gets the results
    /// in entry order (on this thread), with the errors where they were met. Memory stays bounded
    /// by the window ([`StreamOptions::buffer_size`](super::StreamOptions::buffer_size), which
    /// should hold many entries: a few MiB). On several threads this thread reads the next
    /// window while the others start on the entries of one (so a slow reader, such as gzip, is
    /// not waited for with the threads idle), which takes twice the window's memory. On one
    /// thread the entries are read one after the other ([`next_entry`](Self::next_entry)),
    /// each result handed to `each` as it is made.
    ///
    /// `map` may also be called on entries of a stretch that is then parsed again (see the
    /// module's notes): keep it free of side effects and let the results carry what it finds.
    /// With lenient parsing, the paths of unknown properties are not reported in this mode.
    ///
    /// ```
    /// use bluebutton_model::stream::BundleStream;
    /// use bluebutton_model::Resource;
    /// let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json"))?;
    /// let mut claims = 0;
    /// BundleStream::new(file)?.par_for_each(
    ///     0,
    ///     |entry| matches!(entry.resource, Some(Resource::ExplanationOfBenefit(_))),
    ///     |result| claims += usize::from(result.unwrap()),
    /// );
    /// assert_eq!(claims, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// window already parsed are dropped). For a consumer that can fail (a full disk), so that
    /// the rest of the input is not read for nothing.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use bluebutton_model::stream::BundleStream;
    /// let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json"))?;
    /// let mut stream = BundleStream::new(file)?;
    /// let mut seen = 0;
    /// stream.try_par_for_each(0, |_| (), |_| {
    ///     seen += 1;
    ///     ControlFlow::Break(())
    /// });
    /// assert_eq!(seen, 1);
    /// assert!(stream.next_entry().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_par_for_each<T, F, G>(&mut self, threads: usize, map: F, mut each: G)
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        if self.try_each(threads, map, &mut each).is_break() {
            self.queued.clear();
            self.machine.halt();
        }
    }

    /// What [`try_par_for_each`](Self::try_par_for_each) does, until `each` breaks.
    fn try_each<T, F, G>(&mut self, threads: usize, map: F, each: &mut G) -> ControlFlow<()>
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        let threads = thread_count(threads);
        if threads == 1 {
            // One entry after the other, each handed on as it is read: its result is used
            // while what it holds is still in the cache (a window's results together are far
            // more than a cache holds).
            while let Some(next) = self.next_entry() {
                each(next.map(|entry| map(entry.entry)))?;
            }
            return ControlFlow::Continue(());
        }
        // The end of the last window found to have no entry start to split at.
        let mut searched_to = None;
        loop {
            while let Some(e) = self.queued.pop_front() {
                each(Err(e))?;
            }
            if let State::Entries { after_element, .. } = self.machine.state {
                if let Err(e) = self.fill_for_parallel() {
                    each(Err(e))?;
                    continue;
                }
                let (base, eof) = (self.base, self.eof);
                let from = (self.machine.pos - base) as usize;
                let window_end = base + self.len as u64;
                let stop = match eof || searched_to == Some(window_end) {
                    true => None,
                    false => last_entry_candidate(&self.buf[..self.len], from + 1, self.len),
                };
                if stop.is_none() {
                    searched_to = Some(window_end);
                }
                if (eof || stop.is_some()) && !at_empty_array(&self.buf[..self.len], from, after_element) {
                    let options = self.machine.options();
                    // The next window, read on this thread while the others parse this one.
                    let mut next = self.next_window_at(stop);
                    let size = self.buf.len();
                    let bytes = &self.buf[..self.len];
                    let mut reader = Through { ahead: &mut self.ahead, reader: &mut self.reader };
                    let mut filled = None;
                    let read_ahead = || {
                        if let Some((stop, next)) = next.as_mut() {
                            filled = Some(read_after(&mut reader, &bytes[*stop..], next, size));
                        }
                    };
                    let (items, end) =
                        parse_region(bytes, options, from, after_element, stop, eof, threads, &map, read_ahead);
                    let machine = &mut self.machine;
                    let before = machine.pos;
                    let flow = deliver(machine, bytes, base, items, end, &mut *each, |_| {});
                    let moved = machine.pos != before || !matches!(machine.state, State::Entries { .. });
                    if let (Some((stop, next)), Some(filled)) = (next, filled) {
                        self.take_next_window(stop, next, filled);
                    }
                    flow?;
                    if moved {
                        continue;
                    }
                }
            }
            // One by one: the members, a window with no entry start to split at, a cut-off entry.
            match self.next_entry() {
                Some(Ok(entry)) => each(Ok(map(entry.entry)))?,
                Some(Err(e)) => each(Err(e))?,
                None => return ControlFlow::Continue(()),
            }
        }
    }
}
