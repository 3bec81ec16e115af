//! What `summary` keeps of each input it read and of each error it met.
use std::fmt::Write as _;

use bluebutton::json::{self, ErrorKind};
use bluebutton::stream::{EntryError, InputKind};
use bluebutton::summary::{ResourceDigest, Totals};

/// One input as read.
#[derive(Debug, Default)]
pub(super) struct InputInfo {
    pub(super) name: String,
    /// What the input holds, once it could be read.
    pub(super) kind: Option<InputKind>,
    pub(super) resource_type: Option<String>,
    pub(super) bundle_type: Option<String>,
    pub(super) total: Option<u32>,
    /// Entries (of a Bundle) or lines (of NDJSON) read, good or bad.
    pub(super) entries: u64,
    /// Entries (or the resource) that could not be read.
    pub(super) unreadable: u64,
    pub(super) bytes: u64,
}

/// What an error was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failed {
    /// An entry of a Bundle (left out of the sums).
    Entry,
    /// A single resource (left out of the sums).
    Resource,
    /// The Bundle itself: one of its members, or its JSON structure.
    Bundle,
    /// Reading the input.
    Io,
}

/// An error met, for the report.
#[derive(Debug)]
pub(super) struct ErrorRecord {
    pub(super) input: String,
    pub(super) failed: Failed,
    pub(super) index: Option<usize>,
    pub(super) path: Option<String>,
    pub(super) message: String,
    pub(super) line_column: Option<(usize, usize)>,
}

impl ErrorRecord {
    pub(super) fn parse(input: &str, e: &json::Error, failed: Failed, index: Option<usize>) -> Self {
        let (line, column) = e.line_column();
        if let ErrorKind::Io(message) = e.kind() {
            // Where the input broke, when the reader was under way.
            let path = (line > 0 && !e.path().0.is_empty()).then(|| e.path().to_string());
            return ErrorRecord {
                path,
                line_column: (line > 0).then_some((line, column)),
                ..ErrorRecord::io(input, message)
            };
        }
        ErrorRecord {
            input: input.to_string(),
            failed,
            index,
            path: Some(e.path().to_string()),
            message: e.kind().to_string(),
            line_column: (line > 0).then_some((line, column)),
        }
    }

    pub(super) fn entry(input: &str, e: &EntryError) -> Self {
        let failed = if e.index().is_some() { Failed::Entry } else { Failed::Bundle };
        Self::parse(input, e.error(), failed, e.index())
    }

    pub(super) fn io(input: &str, e: &dyn std::fmt::Display) -> Self {
        ErrorRecord {
            input: input.to_string(),
            failed: Failed::Io,
            index: None,
            path: None,
            message: format!("cannot read: {e}"),
            line_column: None,
        }
    }

    pub(super) fn line(&self) -> String {
        let mut s = format!("ERROR {}: ", self.input);
        if let Some(path) = &self.path {
            let _ = write!(s, "{path}: ");
        }
        s.push_str(&self.message);
        if let Some((line, column)) = self.line_column {
            let _ = write!(s, " (line {line}, column {column})");
        }
        s
    }
}

/// What was read: the inputs, the sums and the errors.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub(super) inputs: Vec<InputInfo>,
    /// Entries (and single resources) read, good or bad.
    pub(super) entries: u64,
    pub(super) totals: Totals,
    pub(super) errors: Vec<ErrorRecord>,
}

impl Summary {
    /// Counts an entry read.
    pub(super) fn add(&mut self, d: &ResourceDigest) {
        self.entries += 1;
        self.totals.add(d);
    }

    /// The exit status: an unreadable input wins over a rejected entry or resource.
    pub(super) fn exit_status(&self) -> i32 {
        let unreadable = self.errors.iter().any(|e| e.failed == Failed::Io);
        crate::exit_status(unreadable, !self.errors.is_empty())
    }
}
