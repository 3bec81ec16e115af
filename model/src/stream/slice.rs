//! [`BundleReader`]: the entries of an in-memory Bundle, borrowing from it.
use std::collections::VecDeque;

use crate::json::ParseOptions;
use crate::resources::Bundle;

use super::machine::{Event, Machine, State, Window};
use super::scan::{Scan, Scanned};
use super::{Entry, EntryError};

/// Reads the entries of a Bundle held in memory, one at a time; they borrow from the input.
///
/// Made with [`BundleReader::new`], which reads the Bundle's members up to `entry`. Iterating
/// yields each entry or the error that made it unreadable, in order; after the last entry, the
/// members written after `entry` are in [`header`](BundleReader::header) too.
///
/// ```
/// use bluebutton_model::stream::BundleReader;
/// let input = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json")).unwrap();
/// let mut ids = Vec::new();
/// for entry in BundleReader::new(&input)? {
///     let entry = entry?;
///     ids.push(entry.resource().and_then(|r| r.id()).unwrap().to_string());
/// }
/// assert_eq!(ids[0], "-100000000000"); // the Patient, then its four Coverages and two claims
/// assert_eq!(ids[5..], ["carrier-7995400000", "pde-3690500001"]);
/// # Ok::<(), bluebutton_model::stream::EntryError>(())
/// ```
pub struct BundleReader<'a> {
    input: &'a [u8],
    pub(super) machine: Machine,
    header: Bundle<'a>,
    /// Errors in the members before `entry`, found by `new`, not yet yielded.
    queued: VecDeque<EntryError>,
    /// The members after `entry`, read ahead: the events they gave and where reading ends.
    ahead: Option<Ahead>,
}

/// What [`BundleReader::read_header_ahead`] found after the entry array.
struct Ahead {
    /// Just after the entry array's `]`.
    array_end: u64,
    /// The errors in the trailing members, in order.
    errors: Vec<EntryError>,
    /// The reader's state after them.
    machine: Machine,
}

impl<'a> BundleReader<'a> {
    /// Starts reading `input` strictly. Fails only when the input is not a Bundle at all (not
    /// JSON, not an object, another `resourceType`); errors in its members are yielded first.
    pub fn new(input: &'a [u8]) -> Result<Self, EntryError> {
        Self::with_options(input, ParseOptions::strict())
    }

    /// Starts reading `input` with `options` (lenient parsing keeps unknown properties and
    /// lists them in each [`Entry::unknown`]).
    pub fn with_options(input: &'a [u8], options: ParseOptions) -> Result<Self, EntryError> {
        let mut reader = BundleReader {
            input,
            machine: Machine::new(options),
            header: Bundle::default(),
            queued: VecDeque::new(),
            ahead: None,
        };
        while !reader.machine.at_entries_or_later() {
            match reader.machine.step(&reader.window(), &mut reader.header) {
                Event::Member => {}
                Event::Error(e) if e.is_fatal() && reader.queued.is_empty() => return Err(e),
                // After errors in members: those first, then this one, which ends reading.
                Event::Error(e) if e.is_fatal() => {
                    reader.queued.push_back(e);
                    break;
                }
                Event::Error(e) => reader.queued.push_back(e),
                Event::Entry(_) | Event::NeedMore | Event::End => break,
            }
        }
        Ok(reader)
    }

    fn window(&self) -> Window<'a> {
        Window { bytes: self.input, base: 0, eof: true }
    }

    /// The Bundle's members read so far (everything but `entry`): all that precede `entry` in
    /// the JSON from the start, and those after it once the entries have been read.
    pub fn header(&self) -> &Bundle<'a> {
        &self.header
    }

    /// The Bundle's members, including those written after `entry`, which are read ahead now
    /// if need be (a quick scan to the end of the entries, without parsing them). Iterating
    /// goes on from where it was; errors in those members are yielded after the last entry.
    pub fn read_header_ahead(&mut self) -> &Bundle<'a> {
        if self.ahead.is_none() {
            if let State::Entries { .. } = self.machine.state {
                self.ahead = self.look_ahead();
            }
        }
        &self.header
    }

    fn look_ahead(&mut self) -> Option<Ahead> {
        let mut scan = Scan::rest_of_container(self.machine.pos);
        let Scanned::Complete(array_end) = scan.run(self.input, 0, true) else { return None };
        if self.input.get(array_end as usize - 1) != Some(&b']') {
            return None; // Not JSON: the entries will say where.
        }
        let mut machine = self.machine.clone();
        machine.resume_after_entries(array_end, 0);
        let mut errors = Vec::new();
        loop {
            match machine.step(&self.window(), &mut self.header) {
                Event::Member => {}
                Event::Error(e) => errors.push(e),
                Event::End | Event::NeedMore | Event::Entry(_) => break,
            }
        }
        Some(Ahead { array_end, errors, machine })
    }

    /// The input.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// How far reading has come, in bytes.
    pub fn position(&self) -> u64 {
        self.machine.pos
    }

    /// The next entry, or the error that made it unreadable; `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'a>, EntryError>> {
        if let Some(e) = self.queued.pop_front() {
            return Some(Err(e));
        }
        loop {
            if let (Some(ahead), State::Members { .. }) = (&self.ahead, self.machine.state) {
                if self.machine.pos == ahead.array_end {
                    // The trailing members were read ahead: take over where that ended.
                    let ahead = self.ahead.take().expect("checked");
                    let entries = self.machine.entries;
                    self.machine = ahead.machine;
                    self.machine.entries = entries;
                    self.queued.extend(ahead.errors);
                    if let Some(e) = self.queued.pop_front() {
                        return Some(Err(e));
                    }
                }
            }
            match self.machine.step(&self.window(), &mut self.header) {
                Event::Member => {}
                Event::Entry(entry) => return Some(Ok(entry)),
                Event::Error(e) => return Some(Err(e)),
                Event::End | Event::NeedMore => return None,
            }
        }
    }

    /// Reads to the end and returns the complete header, with the errors met on the way
    /// (entries are parsed and dropped).
    pub fn finish(mut self) -> (Bundle<'a>, Vec<EntryError>) {
        let mut errors = Vec::new();
        while let Some(item) = self.next_entry() {
            if let Err(e) = item {
                errors.push(e);
            }
        }
        (self.header, errors)
    }

    /// Turns this reader into its header (the members read so far).
    pub fn into_header(self) -> Bundle<'a> {
        self.header
    }

    pub(super) fn take_queued(&mut self) -> Option<EntryError> {
        self.queued.pop_front()
    }
}

impl<'a> Iterator for BundleReader<'a> {
    type Item = Result<Entry<'a>, EntryError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry()
    }
}
