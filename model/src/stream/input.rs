//! [`Resources`]: any input of resources, whatever its kind: a Bundle, a single resource or
//! NDJSON, gzip-compressed or not, found out from its first bytes.
use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::ops::ControlFlow;

use flate2::bufread::MultiGzDecoder;

use crate::json::{bom_len, rt, Error, ErrorKind, IntoOwned, JsonPath, Lexer, ParseOptions};
use crate::resources::{Bundle, BundleEntry};
use crate::Resource;

use super::ndjson::NdjsonStream;
use super::parallel::going_on;
use super::read::{BundleStream, StreamOptions};
use super::scan::{Scan, Scanned};
use super::{Entry, EntryError};

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How much of the input is looked at first to tell its kind (more when its first line is longer).
const PREFIX: usize = 64 << 10;

/// A first line at least this long (16 MiB) that is a Bundle is taken for one whole minified
/// Bundle, read as a stream, without looking further for a second line: a line of NDJSON holds
/// one resource, or one page of search results, far smaller.
const LONG_LINE: usize = 16 << 20;

/// Whether `bytes` start like gzip data.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// `bytes`, decompressed when they are gzip data (several gzip members in a row are read as one
/// stream, as `gzip -d` does), else as they are.
///
/// ```
/// use bluebutton_model::stream::decompress;
/// assert_eq!(&*decompress(b"{}")?, b"{}");
/// let error = decompress(&[0x1f, 0x8b, 0, 0]).unwrap_err();
/// assert!(error.to_string().starts_with("invalid gzip data"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn decompress(bytes: &[u8]) -> io::Result<Cow<'_, [u8]>> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    Gunzip(MultiGzDecoder::new(bytes)).read_to_end(&mut out)?;
    Ok(Cow::Owned(out))
}

/// A reader of `raw` that decompresses as it reads when `raw` starts like gzip data, and whether
/// it does.
pub fn decompressing<'r>(mut raw: impl Read + 'r) -> io::Result<(Box<dyn Read + 'r>, bool)> {
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    if let Err(e) = (&mut raw).take(GZIP_MAGIC.len() as u64).read_to_end(&mut head) {
        if head.is_empty() {
            return Err(e);
        }
        // A byte, then the input broke: too little for gzip; the byte is read, then the break.
        return Ok((Box::new(io::Cursor::new(head).chain(Broken::from(e))), false));
    }
    let gzip = is_gzip(&head);
    let whole = io::Cursor::new(head).chain(raw);
    Ok(if gzip {
        (Box::new(Gunzip(MultiGzDecoder::new(BufReader::with_capacity(64 << 10, whole)))), true)
    } else {
        (Box::new(whole), false)
    })
}

/// A gzip decoder whose errors about the data say that it is not valid gzip.
struct Gunzip<R>(MultiGzDecoder<R>);

impl<R: io::BufRead> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
                io::Error::new(e.kind(), format!("invalid gzip data: {e}"))
            }
            _ => e,
        })
    }
}

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A Bundle: its entries are the resources (read as a stream).
    Bundle,
    /// One resource other than a Bundle (read whole).
    Resource,
    /// NDJSON: one resource per line.
    Ndjson,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Bundle => "Bundle",
            InputKind::Resource => "resource",
            InputKind::Ndjson => "NDJSON",
        })
    }
}

impl InputKind {
    /// The kind of the (decompressed) input that `prefix` starts; `eof` says that the prefix is
    /// the whole input. `None` when the prefix is too short to tell (its first line goes on).
    ///
    /// NDJSON is an input whose first value ends on its first line and is followed by more (a
    /// line that is a Bundle stands for its entries). Any other input is one value: a Bundle when
    /// its `resourceType` says so (or when it cannot be seen in the prefix: the Bundle reader
    /// then says what the input is), else a resource. A Bundle on a first line of 16 MiB or more
    /// is taken for the whole input (a minified Bundle, read as a stream). A UTF-8 byte order
    /// mark before the first value is passed over (the readers pass over it too).
    ///
    /// ```
    /// use bluebutton_model::stream::InputKind;
    /// let ndjson = b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Coverage\"}\n";
    /// assert_eq!(InputKind::detect(ndjson, true), Some(InputKind::Ndjson));
    /// assert_eq!(InputKind::detect(b"{\"resourceType\":\"Patient\"}\n", true), Some(InputKind::Resource));
    /// assert_eq!(InputKind::detect(b"{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [", false), Some(InputKind::Bundle));
    /// assert_eq!(InputKind::detect(b"{\"resourceType\":\"Patient\",\"name\":[", false), None);
    /// assert_eq!(InputKind::detect(b"\xEF\xBB\xBF{\"resourceType\":\"Patient\"}", true), Some(InputKind::Resource));
    /// ```
    pub fn detect(prefix: &[u8], eof: bool) -> Option<InputKind> {
        let Some(start) = first_byte(prefix) else {
            return eof.then_some(InputKind::Resource);
        };
        if prefix[start] != b'{' {
            // Not a JSON object: reading it as a resource says so.
            return Some(InputKind::Resource);
        }
        let one_value = || match peek_resource_type(&prefix[start..]).as_deref() {
            Some("Bundle") | None => InputKind::Bundle,
            Some(_) => InputKind::Resource,
        };
        let Some(newline) = memchr::memchr(b'\n', &prefix[start..]).map(|i| start + i) else {
            return match eof {
                // One line and nothing after it: one value, without looking for its end (a
                // minified Bundle can be the whole input).
                true => Some(one_value()),
                // A first line longer than a page of results: a minified Bundle is read as a
                // stream; anything else must be seen to its end.
                false
                    if prefix.len() >= LONG_LINE
                        && peek_resource_type(&prefix[start..]).as_deref() == Some("Bundle") =>
                {
                    Some(InputKind::Bundle)
                }
                false => None,
            };
        };
        let rest_is_blank = |from: usize| prefix[from..].iter().all(u8::is_ascii_whitespace);
        if eof && rest_is_blank(newline) {
            // One line, then only white space: one value, again without scanning it.
            return Some(one_value());
        }
        // Only the first line is scanned: does the value end on it?
        match Scan::value_at(start as u64).run(&prefix[..newline], 0, false) {
            Scanned::Complete(end) if !rest_is_blank(end as usize) => Some(InputKind::Ndjson),
            // One line so far: another may follow.
            Scanned::Complete(_) if !eof => None,
            // A value over several lines is one document.
            _ => Some(one_value()),
        }
    }
}

/// Where the JSON text in `prefix` starts: its first byte that is not white space (nor the
/// byte order mark it may begin with).
fn first_byte(prefix: &[u8]) -> Option<usize> {
    let bom = bom_len(prefix);
    prefix[bom..].iter().position(|b| !b.is_ascii_whitespace()).map(|i| bom + i)
}

/// The `resourceType` of the JSON object `prefix` starts, if it is in there.
fn peek_resource_type(prefix: &[u8]) -> Option<String> {
    let mut lx = Lexer::new(prefix, ParseOptions::lenient());
    rt::peek_resource_type(&mut lx).ok().map(|(name, _)| name.into_owned())
}

/// An input whose kind is known: see [`sniff`].
pub struct Sniffed<'r> {
    /// What it holds.
    pub kind: InputKind,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Its (decompressed) bytes, from the first: what was read to tell the kind comes first.
    pub reader: Box<dyn Read + 'r>,
}

/// [`sniff`] for an input that can be read again from its start (a file): the same kind, told
/// without keeping a long first line in memory. A minified Bundle is one line of megabytes, which
/// `sniff` holds until it sees where the line ends (or 16 MiB of it); here that line is only
/// scanned for a line break (and what follows a line break for anything but white space), and
/// the input read again from its start. Any other input, and gzip data, is told as `sniff`
/// tells it (from its start again), and so is a reader that cannot tell where it stands (a pipe
/// opened as a file).
///
/// ```
/// use std::io::{Cursor, Read};
/// use bluebutton_model::stream::{sniff_seekable, InputKind};
/// let bundle = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{}{{}}]}}\n", "{},".repeat(40_000));
/// let mut sniffed = sniff_seekable(Cursor::new(bundle.clone()), 1 << 30)?;
/// assert_eq!(sniffed.kind, InputKind::Bundle);
/// let mut all = String::new();
/// sniffed.reader.read_to_string(&mut all)?;
/// assert_eq!(all, bundle);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sniff_seekable<'r, R: Read + Seek + 'r>(mut reader: R, max_line: usize) -> io::Result<Sniffed<'r>> {
    // A file that cannot seek (a pipe named by its path, `<(zcat …)`) is read as a stream.
    let Ok(start) = reader.stream_position() else { return sniff(reader, max_line) };
    let mut prefix = Vec::with_capacity(PREFIX);
    (&mut reader).take(PREFIX as u64).read_to_end(&mut prefix)?;
    // `sniff` decides nothing on such a prefix until the line ends, the input ends (a Bundle
    // either way) or 16 MiB are read (a Bundle): only a line break on the way needs more.
    let open_bundle_line = prefix.len() == PREFIX && max_line >= LONG_LINE && !is_gzip(&prefix) && {
        let first = first_byte(&prefix).unwrap_or(prefix.len());
        memchr::memchr(b'\n', &prefix[first..]).is_none()
            && peek_resource_type(&prefix[first..]).as_deref() == Some("Bundle")
    };
    let bundle = open_bundle_line
        // The prefix's memory, no longer needed, holds the scan's pieces.
        && match first_line(&mut reader, &mut prefix, (LONG_LINE - PREFIX) as u64)? {
            FirstLine::Unbroken => true,
            // One line, then only white space: one value, as `sniff` tells it when the whole
            // input is shorter than `max_line` (at `max_line` bytes without its end, NDJSON).
            FirstLine::Last { read } => (PREFIX as u64).saturating_add(read) < max_line as u64,
            FirstLine::Followed => false,
        };
    reader.seek(SeekFrom::Start(start))?;
    if bundle {
        return Ok(Sniffed { kind: InputKind::Bundle, gzip: false, reader: Box::new(reader) });
    }
    sniff(reader, max_line)
}

/// What [`first_line`] found after the start of a first line.
enum FirstLine {
    /// No line break within the limit (or before the end of the input).
    Unbroken,
    /// A line break, then only white space to the end of the input: `read` bytes in all.
    Last { read: u64 },
    /// A line break, then something other than white space (or more white space than is
    /// looked at).
    Followed,
}

/// Reads `reader` in pieces of `piece`'s length (none kept) for the end of the line it is on,
/// within `limit` bytes, and what follows that line: only white space to the end of the input
/// (up to 64 KiB of it), or more.
fn first_line(reader: &mut impl Read, piece: &mut [u8], limit: u64) -> io::Result<FirstLine> {
    let mut read = 0u64;
    // Once the line has ended: how much white space followed it so far.
    let mut blank_after: Option<u64> = None;
    loop {
        let want = match blank_after {
            None if read >= limit => return Ok(FirstLine::Unbroken),
            None => piece.len().min(usize::try_from(limit - read).unwrap_or(usize::MAX)),
            Some(blank) if blank > PREFIX as u64 => return Ok(FirstLine::Followed),
            Some(_) => piece.len(),
        };
        let n = match reader.read(&mut piece[..want]) {
            Ok(0) => return Ok(if blank_after.is_some() { FirstLine::Last { read } } else { FirstLine::Unbroken }),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        read += n as u64;
        let after = match blank_after {
            Some(_) => &piece[..n],
            None => match memchr::memchr(b'\n', &piece[..n]) {
                Some(at) => &piece[at + 1..n],
                None => continue,
            },
        };
        if !after.iter().all(u8::is_ascii_whitespace) {
            return Ok(FirstLine::Followed);
        }
        *blank_after.get_or_insert(0) += after.len() as u64;
    }
}

/// Tells what `reader` holds (decompressing it when it is gzip data), reading only as much as
/// that takes: 64 KiB, or the first line when it is longer (up to `max_line` bytes: a longer
/// first line that is not a Bundle is taken for NDJSON, whose reader then says it is too long).
/// When the reader fails after some bytes (the input broke off), the kind is told from them, and
/// the reader handed on fails after them as the input did; it is an error only when nothing
/// came.
///
/// ```
/// use std::io::Read;
/// use bluebutton_model::stream::{sniff, InputKind};
/// let mut sniffed = sniff(&b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}"[..], 1 << 20)?;
/// assert_eq!(sniffed.kind, InputKind::Ndjson);
/// let mut all = String::new();
/// sniffed.reader.read_to_string(&mut all)?;
/// assert!(all.starts_with("{\"resourceType\""));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sniff<'r>(reader: impl Read + 'r, max_line: usize) -> io::Result<Sniffed<'r>> {
    let (mut reader, gzip) = decompressing(reader)?;
    let mut prefix = Vec::new();
    let mut eof = false;
    let kind = loop {
        let want = (prefix.len() * 2).max(PREFIX);
        let before = prefix.len();
        if let Err(e) = (&mut reader).take((want - before) as u64).read_to_end(&mut prefix) {
            if prefix.is_empty() {
                return Err(e);
            }
            // The input broke after these bytes: a first line that holds a whole value and
            // ends is NDJSON (read up to the break); the stream says where it broke.
            let kind = match InputKind::detect(&prefix, false) {
                Some(kind) => kind,
                None if memchr::memchr(b'\n', &prefix).is_some() => InputKind::Ndjson,
                None => InputKind::detect(&prefix, true).unwrap_or(InputKind::Resource),
            };
            return Ok(Sniffed { kind, gzip, reader: Box::new(io::Cursor::new(prefix).chain(Broken::from(e))) });
        }
        eof |= prefix.len() < want;
        match InputKind::detect(&prefix, eof) {
            Some(kind) => break kind,
            None if prefix.len() >= max_line => break InputKind::Ndjson,
            None => {}
        }
    };
    let rest: Box<dyn Read + 'r> = if eof { Box::new(io::empty()) } else { reader };
    Ok(Sniffed { kind, gzip, reader: Box::new(io::Cursor::new(prefix).chain(rest)) })
}

/// What an input that broke gives after its last bytes: the error it broke with, each time.
struct Broken {
    kind: io::ErrorKind,
    message: String,
}

impl From<io::Error> for Broken {
    fn from(e: io::Error) -> Self {
        Broken { kind: e.kind(), message: e.to_string() }
    }
}

impl Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(self.kind, self.message.clone()))
    }
}

/// The resources of any input, one at a time, in bounded memory: the entries of a Bundle, the
/// lines of NDJSON, or a single resource, gzip-compressed or not. The kind is told from the
/// first bytes ([`InputKind::detect`]).
///
/// Every resource comes as an [`Entry`] (with its index, and its line in NDJSON), every
/// unreadable one as an [`EntryError`] naming where it was, and reading goes on after it.
///
/// ```
/// use bluebutton_model::stream::{InputKind, Resources};
/// use bluebutton_model::Resource;
///
/// // A bulk export: NDJSON, gzip-compressed or not; a Bundle or a single resource reads the same.
/// let ndjson: &[u8] = b"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Coverage\",\"id\":\"c1\"}\n";
/// let mut resources = Resources::open(ndjson)?;
/// assert_eq!(resources.kind(), InputKind::Ndjson);
/// let mut ids = Vec::new();
/// while let Some(entry) = resources.next_entry() {
///     ids.push(entry?.resource().and_then(Resource::id).unwrap().to_string());
/// }
/// assert_eq!(ids, ["p1", "c1"]);
///
/// let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json"))?;
/// let resources = Resources::open(file)?;
/// assert_eq!(resources.kind(), InputKind::Bundle);
/// assert_eq!(resources.count(), 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Resources<'r> {
    kind: InputKind,
    gzip: bool,
    inner: Inner<'r>,
}

// One per input: the size of the Bundle reader does not matter.
#[allow(clippy::large_enum_variant)]
enum Inner<'r> {
    Bundle(BundleStream<Box<dyn Read + 'r>>),
    Ndjson(NdjsonStream<Box<dyn Read + 'r>>),
    /// The whole text of a single resource, and whether it has been handed out.
    Single {
        text: Vec<u8>,
        options: ParseOptions,
        done: bool,
    },
}

impl<'r> Resources<'r> {
    /// Reads `reader` strictly.
    pub fn open(reader: impl Read + 'r) -> Result<Self, EntryError> {
        Self::with_options(reader, StreamOptions::default())
    }

    /// Reads `reader` with `options`. Fails only when the input cannot be read, or is a Bundle
    /// whose structure is broken from the start (not an object, not a Bundle after all).
    pub fn with_options(reader: impl Read + 'r, options: StreamOptions) -> Result<Self, EntryError> {
        Self::from_sniffed(sniff(reader, options.max_entry_len).map_err(io_error)?, options)
    }

    /// [`with_options`](Self::with_options) for an input that can be read again from its start
    /// (a file): a minified Bundle's first line is not held to tell its kind
    /// ([`sniff_seekable`]).
    pub fn with_options_seekable(reader: impl Read + Seek + 'r, options: StreamOptions) -> Result<Self, EntryError> {
        Self::from_sniffed(sniff_seekable(reader, options.max_entry_len).map_err(io_error)?, options)
    }

    /// Reads an input whose kind is known with `options`.
    fn from_sniffed(sniffed: Sniffed<'r>, options: StreamOptions) -> Result<Self, EntryError> {
        let Sniffed { kind, gzip, reader } = sniffed;
        let inner = match kind {
            InputKind::Bundle => Inner::Bundle(BundleStream::with_options(reader, options)?),
            InputKind::Ndjson => Inner::Ndjson(NdjsonStream::with_options(reader, options)),
            InputKind::Resource => {
                let mut text = Vec::new();
                let mut reader = reader;
                // A read error is located after the bytes that came.
                reader.read_to_end(&mut text).map_err(|e| io_error_at(e, text.len()))?;
                Inner::Single { text, options: options.parse, done: false }
            }
        };
        Ok(Resources { kind, gzip, inner })
    }

    /// The NDJSON stream, when the input is NDJSON: its lines can be read raw
    /// ([`NdjsonStream::next_line`]).
    pub fn as_ndjson(&mut self) -> Option<&mut NdjsonStream<Box<dyn Read + 'r>>> {
        match &mut self.inner {
            Inner::Ndjson(stream) => Some(stream),
            _ => None,
        }
    }

    /// What the input holds.
    pub fn kind(&self) -> InputKind {
        self.kind
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The Bundle's members read so far (everything but `entry`), when the input is a Bundle.
    pub fn header(&self) -> Option<&Bundle<'static>> {
        match &self.inner {
            Inner::Bundle(stream) => Some(stream.header()),
            _ => None,
        }
    }

    /// How many (decompressed) bytes have been read so far.
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Bundle(stream) => stream.bytes_read(),
            Inner::Ndjson(stream) => stream.bytes_read(),
            Inner::Single { text, .. } => text.len() as u64,
        }
    }

    /// The `resourceType` of a single resource (read whole), as written; `None` for the other
    /// kinds.
    pub fn single_resource_type(&self) -> Option<String> {
        match &self.inner {
            Inner::Single { text, .. } => peek_resource_type(text),
            _ => None,
        }
    }

    /// The next resource, lent from the input's window (or text), or the error that made it
    /// unreadable; `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'_>, EntryError>> {
        match &mut self.inner {
            Inner::Bundle(stream) => stream.next_entry(),
            Inner::Ndjson(stream) => stream.next_entry(),
            Inner::Single { text, options, done } => {
                if std::mem::replace(done, true) {
                    return None;
                }
                Some(single(text, *options))
            }
        }
    }

    /// Reads the remaining resources on `threads` threads (`0`: one per core), as
    /// [`BundleStream::par_for_each`] does: `map` turns each (as a Bundle entry) into a `T` on
    /// any thread, and `each` gets the results in input order on this thread.
    pub fn par_for_each<T, F, G>(&mut self, threads: usize, map: F, each: G)
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>),
    {
        self.try_par_for_each(threads, map, going_on(each))
    }

    /// [`par_for_each`](Self::par_for_each), where `each` says whether to go on:
    /// `ControlFlow::Break` stops reading, and nothing more is given (as
    /// [`BundleStream::try_par_for_each`] does). For a consumer that can fail (a full disk),
    /// so that the rest of the input is not read for nothing.
    pub fn try_par_for_each<T, F, G>(&mut self, threads: usize, map: F, mut each: G)
    where
        T: Send,
        F: for<'b> Fn(BundleEntry<'b>) -> T + Sync,
        G: FnMut(Result<T, EntryError>) -> ControlFlow<()>,
    {
        match &mut self.inner {
            Inner::Bundle(stream) => stream.try_par_for_each(threads, map, each),
            Inner::Ndjson(stream) => stream.try_par_for_each(threads, map, each),
            Inner::Single { text, options, done } => {
                if !std::mem::replace(done, true) {
                    let _ = each(single(text, *options).map(|entry| map(entry.entry)));
                }
            }
        }
    }
}

/// The single resource `text`, as entry 0.
fn single(text: &[u8], options: ParseOptions) -> Result<Entry<'_>, EntryError> {
    let mut lx = Lexer::new(text, options);
    let parsed = <Resource as crate::json::FromJson>::from_json(&mut lx).and_then(|r| lx.finish().map(|()| r));
    match parsed {
        Ok(resource) => {
            let unknown = lx.unknown_offsets.iter().map(|&o| crate::json::path_at(text, o)).collect();
            let entry = BundleEntry { resource: Some(resource), ..BundleEntry::default() };
            Ok(Entry { index: 0, line: None, offset: 0, len: text.len(), entry, unknown })
        }
        Err(e) => Err(EntryError::entry(0, e.locate(text))),
    }
}

fn io_error(e: io::Error) -> EntryError {
    io_error_at(e, 0)
}

/// The reader's error `e`, after `offset` bytes of the input.
fn io_error_at(e: io::Error, offset: usize) -> EntryError {
    let error = Error::new(0, ErrorKind::Io(e.to_string())).with_location(offset, JsonPath::default(), 0, 0);
    EntryError::bundle(error).fatal()
}

impl Iterator for Resources<'_> {
    type Item = Result<Entry<'static>, EntryError>;

    /// The next resource, owned.
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().map(|r| r.map(IntoOwned::into_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::InputKind::{self, Bundle, Ndjson, Resource};
    use super::{sniff, sniff_seekable};
    use std::io::{Cursor, Read, Seek, SeekFrom, Write};

    /// The kind, the gzip flag and every byte `sniffed` hands out.
    fn told(sniffed: std::io::Result<super::Sniffed<'_>>) -> (InputKind, bool, Vec<u8>) {
        let sniffed = sniffed.unwrap();
        let mut bytes = Vec::new();
        let mut reader = sniffed.reader;
        reader.read_to_end(&mut bytes).unwrap();
        (sniffed.kind, sniffed.gzip, bytes)
    }

    #[test]
    fn a_seekable_input_is_told_as_sniff_tells_it() {
        let bundle = |entries: usize| {
            format!("{{\"resourceType\":\"Bundle\",\"entry\":[{}{{}}]}}", r#"{"resource":{}},"#.repeat(entries))
        };
        let (short, long) = (bundle(10), bundle(20_000));
        let huge = bundle(1_100_000); // over 16 MiB on one line
        let patient = format!("{{\"resourceType\":\"Patient\",\"text\":\"{}\"}}", "x".repeat(200_000));
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(long.as_bytes()).unwrap();
        let inputs: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("short Bundle", short.clone().into_bytes()),
            ("long Bundle", long.clone().into_bytes()),
            ("long Bundle, then a line break", format!("{long}\n").into_bytes()),
            ("long Bundle, then lines of white space", format!("{long}\r\n \n\t\n").into_bytes()),
            ("long Bundle, then white space, then more", format!("{long}\n \n{short}").into_bytes()),
            ("long Bundle, then 70 KB of white space", format!("{long}\n{}", " ".repeat(70_000)).into_bytes()),
            (
                "long Bundle, then 70 KB of white space, then more",
                format!("{long}\n{}]", " ".repeat(70_000)).into_bytes(),
            ),
            // A line break just before 16 MiB, then white space to just after it.
            ("a Bundle of almost 16 MiB, then white space", {
                let mut bytes = bundle(1_048_000).into_bytes();
                bytes.resize((16 << 20) - 100, b' ');
                bytes.push(b'\n');
                bytes.resize((16 << 20) + 100, b' ');
                bytes
            }),
            ("white space, then a long Bundle", format!(" \n\t\n{long}").into_bytes()),
            ("NDJSON of long Bundles", format!("{long}\n{long}\n").into_bytes()),
            ("NDJSON of a short and a long Bundle", format!("{short}\n{long}\n").into_bytes()),
            ("a long Bundle, then anything on a second line", format!("{long}\n]").into_bytes()),
            ("a Bundle over 16 MiB, then a second line", format!("{huge}\n{short}").into_bytes()),
            ("a long Patient", patient.clone().into_bytes()),
            ("NDJSON of long Patients", format!("{patient}\n{patient}").into_bytes()),
            ("gzip of a long Bundle", gzip.finish().unwrap()),
            ("pretty Bundle", "{\n  \"resourceType\": \"Bundle\"\n}\n".into()),
            ("not JSON", b"\x00\x01garbage".to_vec()),
        ];
        for (what, bytes) in &inputs {
            for max_line in [1 << 20, 16 << 20, 256 << 20] {
                let expected = told(sniff(&bytes[..], max_line));
                let seekable = told(sniff_seekable(Cursor::new(&bytes[..]), max_line));
                assert_eq!((seekable.0, seekable.1), (expected.0, expected.1), "{what}, max_line {max_line}");
                assert!(seekable.2 == expected.2, "{what}, max_line {max_line}: other bytes");
            }
            // Told from where the reader stands, not from the start of what it reads.
            let mut shifted = b"ignored".to_vec();
            shifted.extend_from_slice(bytes);
            let mut cursor = Cursor::new(&shifted[..]);
            cursor.seek(SeekFrom::Start(7)).unwrap();
            let expected = told(sniff(&bytes[..], 256 << 20));
            let seekable = told(sniff_seekable(cursor, 256 << 20));
            assert_eq!((seekable.0, seekable.1), (expected.0, expected.1), "{what}, shifted");
            assert!(seekable.2 == expected.2, "{what}, shifted: other bytes");
            // A reader that cannot seek (a pipe opened as a file) is read as a stream.
            let unseekable = told(sniff_seekable(NoSeek(&bytes[..]), 256 << 20));
            assert_eq!((unseekable.0, unseekable.1), (expected.0, expected.1), "{what}, unseekable");
            assert!(unseekable.2 == expected.2, "{what}, unseekable: other bytes");
        }
    }

    #[test]
    fn a_bundle_that_ends_its_line_is_scanned_once_and_handed_on_unread() {
        let bundle = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{}{{}}]}}", "{\"resource\":{}},".repeat(20_000));
        for tail in ["", "\n", "\r\n\n  "] {
            let input = format!("{bundle}{tail}");
            let mut counted = Counted { inner: Cursor::new(input.as_bytes()), read: 0 };
            let sniffed = sniff_seekable(&mut counted, 256 << 20).unwrap();
            assert_eq!(sniffed.kind, Bundle, "{tail:?}");
            drop(sniffed);
            // The scan for the line's end read the input once; nothing was kept to hand on.
            assert_eq!(counted.read, input.len(), "{tail:?}");
        }
    }

    /// A reader that counts the bytes read from it.
    struct Counted<R> {
        inner: R,
        read: usize,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n;
            Ok(n)
        }
    }

    impl<R: Seek> Seek for Counted<R> {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(to)
        }
    }

    /// A reader whose every seek fails, as a pipe's does.
    struct NoSeek<R>(R);

    impl<R: Read> Read for NoSeek<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl<R> Seek for NoSeek<R> {
        fn seek(&mut self, _: SeekFrom) -> std::io::Result<u64> {
            Err(std::io::Error::other("Illegal seek"))
        }
    }

    #[test]
    fn one_line_and_white_space_is_one_value_whatever_its_length() {
        let bundle =
            format!("{{\"resourceType\":\"Bundle\",\"entry\":[{}]}}", r#"{"resource":{}},"#.repeat(5000) + "{}");
        for tail in ["", "\n", "\r\n", "\n\n  \n"] {
            let input = format!("{bundle}{tail}");
            assert_eq!(InputKind::detect(input.as_bytes(), true), Some(Bundle), "{tail:?}");
            let patient = format!("{{\"resourceType\":\"Patient\",\"id\":\"p\"}}{tail}");
            assert_eq!(InputKind::detect(patient.as_bytes(), true), Some(Resource), "{tail:?}");
        }
        // Cut off before the end of its only line: more is needed.
        assert_eq!(InputKind::detect(&bundle.as_bytes()[..1000], false), None);
    }

    #[test]
    fn only_the_first_line_tells_ndjson() {
        let two = b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Coverage\"}";
        assert_eq!(InputKind::detect(two, true), Some(Ndjson));
        // The second line is not there yet, or is still being read.
        assert_eq!(InputKind::detect(&two[..27], false), None);
        assert_eq!(InputKind::detect(&two[..30], false), Some(Ndjson));
        // A first line that does not end the value: one document over several lines.
        let pretty = b"{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p\"\n}\n";
        assert_eq!(InputKind::detect(pretty, true), Some(Resource));
        assert_eq!(InputKind::detect(&pretty[..31], false), Some(Resource));
        // A string holding what looks like the end of the value.
        let tricky = b"{\"resourceType\":\"Patient\",\"id\":\"}\"}\n{\"resourceType\":\"Patient\"}\n";
        assert_eq!(InputKind::detect(tricky, true), Some(Ndjson));
    }
}
