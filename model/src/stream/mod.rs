//! Streaming a `Bundle`: its entries one at a time, typed, from a byte slice or from any
//! [`Read`](std::io::Read).
//!
//! A beneficiary's history is a Bundle of thousands of `ExplanationOfBenefit`s. Instead of
//! building the whole [`Bundle`] in memory, the readers here yield one [`Entry`] at a time:
//!
//! - [`BundleReader`] reads an in-memory bundle. Entries borrow from the input (strings without
//!   escapes are not copied). It is an [`Iterator`], and [`BundleReader::par_map`] parses the
//!   entries on several threads.
//! - [`BundleStream`] reads from a file, a gzip decoder, a socket…: it holds only a window of
//!   the input, so memory stays bounded by the largest entry, not by the bundle.
//!   [`BundleStream::next_entry`] lends each entry from that window (zero-copy); as an
//!   [`Iterator`] it yields owned entries.
//!
//! On several threads (the `par_` methods), the threads besides the calling one are those of
//! rayon's global pool (one per core, or `RAYON_NUM_THREADS`), kept from window to window; a
//! call that asks for more threads than that gets the pool's threads and the calling one. The
//! calling thread works too, so a program that reads on every core runs best with a pool of
//! one thread fewer than the cores (`rayon::ThreadPoolBuilder::new().num_threads(cores - 1)
//! .build_global()`, before its first parallel read), as the `bluebutton` command does. A
//! panic in the function given to them, on any thread, comes out of the call on the calling
//! thread with its payload.
//!
//! The Bundle's own members (`type`, `total`, `link`, …) are in [`BundleReader::header`] /
//! [`BundleStream::header`] as a [`Bundle`] without entries: those written before `entry` as
//! soon as the reader is made, those written after it once the entries have been read
//! ([`BundleReader::read_header_ahead`] gets them at once from a slice). [`BundleLinks`] finds
//! the paging links.
//!
//! Parsing is as strict as [`json::from_slice`](crate::json::from_slice) (or as lenient, with
//! [`ParseOptions::lenient`]). A bad entry is an [`EntryError`] naming its index and JSON path
//! (`entry[3].resource.item[0].quantity.value: expected a number…`), and reading goes on with
//! the next entry. Only input that is not JSON (or an I/O error) ends the stream: the error is
//! then [fatal](EntryError::is_fatal) and the last item.
//!
//! An input that breaks off (a download cut short, a truncated gzip file, a dropped connection:
//! the reader fails after some bytes) is read up to the break: every entry, or line of NDJSON,
//! that came whole before it is handed on, then the reader's error ([`ErrorKind::Io`]) ends the
//! stream, located where the input broke: the line it cut off in NDJSON; in a Bundle the byte
//! offset, with the JSON path there and the index of the entry it cut off. An input whose data
//! all came before its reader failed (a gzip file without its checksum) still ends with that
//! error: reading never takes a failed reader for the end of the input.
//!
//! [`ErrorKind::Io`]: crate::json::ErrorKind::Io
//!
//! ```
//! use bluebutton_model::stream::{BundleLinks, BundleReader};
//! use bluebutton_model::Resource;
//!
//! let input = br#"{"resourceType": "Bundle", "type": "searchset", "total": 2,
//!   "link": [{"relation": "next", "url": "https://example.org/?page=2"}],
//!   "entry": [
//!     {"resource": {"resourceType": "ExplanationOfBenefit", "id": "pde-1"}},
//!     {"resource": {"resourceType": "ExplanationOfBenefit", "id": "pde-2", "bogus": 1}},
//!     {"resource": {"resourceType": "Patient", "id": "p1"}}
//!   ]}"#;
//! let mut reader = BundleReader::new(input)?;
//! assert_eq!(reader.header().total().map(|t| t.get()), Some(2));
//! assert_eq!(reader.header().next_link().map(|u| u.as_str()), Some("https://example.org/?page=2"));
//!
//! let first = reader.next().unwrap()?;
//! assert!(matches!(first.resource(), Some(Resource::ExplanationOfBenefit(_))));
//! let second = reader.next().unwrap().unwrap_err();
//! assert_eq!(second.index(), Some(1));
//! assert_eq!(second.path().to_string(), "entry[1].resource.bogus");
//! let third = reader.next().unwrap()?; // reading carried on
//! assert_eq!(third.index, 2);
//! assert!(reader.next().is_none());
//! # Ok::<(), bluebutton_model::stream::EntryError>(())
//! ```
mod input;
mod lines;
mod machine;
mod ndjson;
mod parallel;
mod read;
mod scan;
mod slice;
#[cfg(feature = "tokio")]
pub mod tokio;
// The generic-JSON stream the validator reads a Bundle with.
#[cfg(feature = "validate")]
mod values;

use std::fmt;

use crate::json::{Error, IntoOwned, JsonPath};
use crate::primitives::Uri;
use crate::resources::{Bundle, BundleEntry};
use crate::Resource;

pub use crate::json::ParseOptions;
pub use input::{decompress, decompressing, is_gzip, sniff, sniff_seekable, InputKind, Resources, Sniffed};
pub use ndjson::{write_ndjson, Line, NdjsonReader, NdjsonStream, NdjsonWriter};
#[cfg(feature = "validate")]
pub(crate) use parallel::in_pieces_while;
pub use parallel::ParallelOutput;
#[cfg(feature = "validate")]
pub(crate) use read::thread_count;
pub use read::{BundleStream, StreamOptions};
pub use slice::BundleReader;
#[cfg(feature = "validate")]
pub(crate) use values::{parse_whole_entry, Unit, ValueStream, WholeEntry};

/// One entry of a Bundle (or one resource of NDJSON), with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    /// Its position in `Bundle.entry` (0-based; bad entries count too); in NDJSON, its position
    /// among the non-blank lines.
    pub index: usize,
    /// In NDJSON, its line number (1-based); `None` in a Bundle.
    pub line: Option<u64>,
    /// The byte offset of its `{` in the input.
    pub offset: u64,
    /// Its length in bytes.
    pub len: usize,
    /// The entry itself.
    pub entry: BundleEntry<'a>,
    /// With lenient parsing: the JSON paths (from the Bundle) of the unknown properties it kept.
    pub unknown: Vec<JsonPath>,
}

impl<'a> Entry<'a> {
    /// The entry's resource, if it has one.
    pub fn resource(&self) -> Option<&Resource<'a>> {
        self.entry.resource.as_ref()
    }

    /// The entry's resource, if it has one, by value.
    pub fn into_resource(self) -> Option<Resource<'a>> {
        self.entry.resource
    }
}

impl IntoOwned for Entry<'_> {
    type Owned = Entry<'static>;
    fn into_owned(self) -> Entry<'static> {
        Entry {
            index: self.index,
            line: self.line,
            offset: self.offset,
            len: self.len,
            entry: self.entry.into_owned(),
            unknown: self.unknown,
        }
    }
}

/// An entry (or a Bundle member) that could not be read.
///
/// Its [`error`](EntryError::error) has the JSON path from the Bundle (`entry[3].resource.…`),
/// the byte offset in the whole input, and the line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryError {
    index: Option<usize>,
    line: Option<u64>,
    error: Error,
    fatal: bool,
}

impl EntryError {
    pub(crate) fn entry(index: usize, error: Error) -> Self {
        EntryError { index: Some(index), line: None, error, fatal: false }
    }

    pub(crate) fn bundle(error: Error) -> Self {
        EntryError { index: None, line: None, error, fatal: false }
    }

    /// The resource on NDJSON line `line`, the `index`th one, could not be read.
    pub(crate) fn record(index: usize, line: u64, error: Error) -> Self {
        EntryError { index: Some(index), line: Some(line), error, fatal: false }
    }

    /// NDJSON could not be read on from line `line` (an I/O error).
    pub(crate) fn at_line(line: u64, error: Error) -> Self {
        EntryError { index: None, line: Some(line), error, fatal: false }
    }

    pub(crate) fn fatal(mut self) -> Self {
        self.fatal = true;
        self
    }

    /// The index of the bad entry; `None` for an error in the Bundle's own members or in its
    /// JSON structure.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// In NDJSON, the line (1-based) of the resource that could not be read.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The JSON path of the offending value, from the Bundle (in NDJSON, from the line's
    /// resource).
    pub fn path(&self) -> &JsonPath {
        self.error.path()
    }

    /// The parse error (path, offset in the whole input, line and column, kind).
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The parse error, by value.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// Whether reading had to stop here (the input is not JSON from here on, or could not be
    /// read); otherwise the reader carries on with the next entry.
    pub fn is_fatal(&self) -> bool {
        self.fatal
    }
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        self.error.fmt(f)
    }
}

impl std::error::Error for EntryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<EntryError> for Error {
    fn from(e: EntryError) -> Error {
        e.error
    }
}

/// The paging links of a Bundle (`Bundle.link`), by relation.
///
/// ```
/// use bluebutton_model::{json, resources::Bundle, stream::BundleLinks};
/// let bundle: Bundle = json::from_slice(br#"{"resourceType": "Bundle", "type": "searchset",
///     "link": [{"relation": "self", "url": "https://example.org/?p=1"},
///              {"relation": "next", "url": "https://example.org/?p=2"}]}"#).unwrap();
/// assert_eq!(bundle.next_link().unwrap().as_str(), "https://example.org/?p=2");
/// assert_eq!(bundle.link_url("self").unwrap().as_str(), "https://example.org/?p=1");
/// assert!(bundle.previous_link().is_none());
/// ```
pub trait BundleLinks<'a> {
    /// The URL of the first link with this `relation`.
    fn link_url(&self, relation: &str) -> Option<&Uri<'a>>;

    /// The `self` link.
    fn self_link(&self) -> Option<&Uri<'a>> {
        self.link_url("self")
    }

    /// The `first` link.
    fn first_link(&self) -> Option<&Uri<'a>> {
        self.link_url("first")
    }

    /// The `next` link: where the following page is.
    fn next_link(&self) -> Option<&Uri<'a>> {
        self.link_url("next")
    }

    /// The `previous` link (or `prev`, which some servers write).
    fn previous_link(&self) -> Option<&Uri<'a>> {
        self.link_url("previous").or_else(|| self.link_url("prev"))
    }

    /// The `last` link.
    fn last_link(&self) -> Option<&Uri<'a>> {
        self.link_url("last")
    }
}

impl<'a> BundleLinks<'a> for Bundle<'a> {
    fn link_url(&self, relation: &str) -> Option<&Uri<'a>> {
        self.link.iter().find(|l| l.relation().is_some_and(|r| r.as_str() == relation)).and_then(|l| l.url())
    }
}
