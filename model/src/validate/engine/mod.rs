//! The walk: a JSON document against the generated element tables.
//!
//! Every object is checked member by member against the children of its element definition
//! (the element's own, in a profile's snapshot, or else its type's definition): unknown
//! members, JSON kinds, primitive formats, cardinality, slices, fixed and pattern values,
//! bindings, references and the invariants that are evaluated here. Nothing stops the walk:
//! each problem is a finding at its JSON location and the walk goes on.
//!
//! This module holds the [`Engine`]: its state, and how it records findings at the current
//! location. The walk itself is written by concern, each an `impl Engine` block:
//! - `walk`: a whole document, or one read a member (and a Bundle entry) at a time;
//! - `resources`: the definition a resource is checked against, its scope (contained
//!   resources, `dom-*`), nested resources;
//! - `members`: an object's members against its element's children (unknown elements,
//!   choices, duplicates, the minimum cardinality);
//! - `cardinality`: one member's values (array or not, the maximum, `max = 0`, null and empty);
//! - `slices`: which slice a value belongs to, and each slice's cardinality;
//! - `values`: one value of an element (its type's children, fixed and pattern values,
//!   extensions outside the IG, invariants);
//! - `primitives`: primitive values and their `_name` elements;
//! - `references`: `Reference.reference` (local, relative, absolute) and its target types;
//! - `bindings`: codes, Codings and CodeableConcepts against bound value sets.
//!
//! Beside them, what the walk learns for the values that come again: `memo`, the Codings and
//! CodeableConcepts walked clean, and `choices`, the choice child each member name stands for.
mod bindings;
mod cardinality;
mod choices;
mod members;
mod memo;
mod primitives;
mod references;
mod resources;
mod slices;
mod values;
mod walk;

pub(crate) use walk::{EntryPart, EntryWalk, StreamedDocument};

use super::finding::{Finding, Severity, Target};
use super::options::{Options, ProfileChoice};
use super::tables::{Erratum, E};

/// The resource being walked (not a contained one): its contained resources and the local
/// references seen, for `ref-1` and `dom-3`.
#[derive(Debug, Default, Clone)]
struct Scope {
    /// (id, resourceType, location of the contained resource).
    contained: Vec<(String, String, String)>,
    /// Ids referenced as `#id`.
    referenced: Vec<String>,
}

/// Information findings that are listed once per report (by rule and key), with a count.
struct Note {
    /// The number of the finding, from the first of the report.
    finding: usize,
    count: usize,
}

/// One validation's walk: what it checks against, the current location, the resources being
/// walked, and the findings made so far.
pub(crate) struct Engine {
    target: Target,
    /// Which definition each resource is checked against.
    profile: ProfileChoice,
    /// The findings not yet handed out ([`Engine::take_findings`]).
    pub findings: Vec<Finding>,
    /// How many findings were handed out before `findings[0]`.
    handed_out: usize,
    /// The findings handed out while they could still change (the first of a note, whose
    /// count is known at the end), by number; once the notes are final, only those that did
    /// change, with their final text.
    pub amended: Vec<(usize, Finding)>,
    /// The current location.
    path: String,
    scopes: Vec<Scope>,
    /// Depth of contained resources being walked.
    in_contained: usize,
    /// The content-deviation erratum of the element whose value is being walked.
    content_deviation: Option<&'static Erratum>,
    notes: Vec<(&'static str, String, Note)>,
    /// The notes have their final counts.
    notes_final: bool,
    /// The `extension-outside-ig` message of the extension URLs seen ("" for one a definition
    /// here describes).
    outside_ig_messages: rustc_hash::FxHashMap<String, String>,
    /// Counts of objects walked, for the next objects to reuse (one per level of nesting).
    spare_counts: Vec<Vec<u32>>,
    /// In an engine that walks entries for another ([`walk::EntryWalk`]): each note made, as
    /// (its finding's index in `findings`, rule, key), for that engine to count.
    deferred_notes: Option<Vec<(usize, &'static str, String)>>,
    /// Where the values walked come from.
    values_from: ValuesFrom,
    /// Counts what the walk did beyond looking: findings made, notes counted, the resource's
    /// scope read or changed. A value whose walk left it unchanged was clean.
    effects: u64,
    /// The values walked clean, to skip when they come again at the same place.
    memo: memo::Memo,
    /// A value looked up in the memo is being walked.
    memo_inside: bool,
    /// The choice children found for member names.
    choices: choices::Choices,
}

/// What an [`Engine`] learns that holds beyond the document it walks, for an engine of the same
/// options and source of values to start from ([`Engine::with_learned`]): the values walked
/// without effects (which have none wherever they stand again, in any document), the messages
/// of the extension URLs seen, the choice children found for member names, and spare counts.
#[derive(Default)]
pub(crate) struct Learned {
    outside_ig_messages: rustc_hash::FxHashMap<String, String>,
    spare_counts: Vec<Vec<u32>>,
    memo: memo::Memo,
    choices: choices::Choices,
}

#[cfg(test)]
impl Learned {
    /// How many values its memo found clean.
    pub fn memo_hits(&self) -> usize {
        self.memo.hits
    }
}

/// Where the values an [`Engine`] walks come from, which tells what a borrowed string holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValuesFrom {
    /// Read from JSON text by the lexer: a borrowed string is the text between its quotes,
    /// without escapes, so no control character can be in it (JSON forbids them raw), and
    /// the primitives' checks for JSON text apply.
    Text,
    /// A [`Value`](crate::json::Value) built otherwise, whose borrowed strings may hold
    /// anything: every string gets the full checks of its format.
    Code,
}

impl Engine {
    pub fn new(options: Options, values_from: ValuesFrom) -> Engine {
        Engine::with_learned(options, values_from, Learned::default())
    }

    /// An engine that starts from what another one learned, under the same options (target
    /// and profile choice) and from the same source of values.
    pub fn with_learned(options: Options, values_from: ValuesFrom, learned: Learned) -> Engine {
        let Learned { outside_ig_messages, spare_counts, memo, choices } = learned;
        Engine {
            target: options.target,
            profile: options.profile,
            findings: Vec::new(),
            handed_out: 0,
            amended: Vec::new(),
            path: String::new(),
            scopes: Vec::new(),
            in_contained: 0,
            content_deviation: None,
            notes: Vec::new(),
            notes_final: false,
            outside_ig_messages,
            spare_counts,
            deferred_notes: None,
            values_from,
            effects: 0,
            memo,
            memo_inside: false,
            choices,
        }
    }

    /// What the engine learned, for the next one ([`Engine::with_learned`]).
    pub fn learned(&mut self) -> Learned {
        Learned {
            outside_ig_messages: std::mem::take(&mut self.outside_ig_messages),
            spare_counts: std::mem::take(&mut self.spare_counts),
            memo: std::mem::take(&mut self.memo),
            choices: std::mem::take(&mut self.choices),
        }
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        message: String,
        expected: Option<String>,
        found: Option<String>,
    ) {
        let (severity, rule, message) = match self.content_deviation {
            Some(erratum) if severity == Severity::Error && erratum.content.contains(&rule) => (
                Severity::Warning,
                "served-deviation",
                format!("{message} [{rule}; served-data erratum {}: {}]", erratum.rule, erratum.evidence),
            ),
            _ => (severity, rule, message),
        };
        self.effects += 1;
        self.findings.push(Finding { severity, rule, location: self.path.clone(), message, expected, found });
    }

    pub(crate) fn error(
        &mut self,
        rule: &'static str,
        message: String,
        expected: Option<String>,
        found: Option<String>,
    ) {
        self.push(Severity::Error, rule, message, expected, found);
    }

    /// An error, or a served-deviation warning where an erratum says the server departs from
    /// base STU3 at this element.
    pub(crate) fn error_or_deviation(
        &mut self,
        e: &E,
        rule: &'static str,
        message: String,
        expected: Option<String>,
        found: Option<String>,
    ) {
        match e.deviation(self.target) {
            Some(erratum) => {
                let message = format!("{message} [{rule}; served-data erratum {}: {}]", erratum.rule, erratum.evidence);
                self.push(Severity::Warning, "served-deviation", message, expected, found);
            }
            None => self.push(Severity::Error, rule, message, expected, found),
        }
    }

    /// An information finding listed once per report for `(rule, key)`, counting repeats.
    /// In an engine that walks entries for another, every occurrence is a finding, which that
    /// engine counts as this one would have ([`Engine::merge_entry`]).
    pub(crate) fn note(&mut self, rule: &'static str, key: &str, message: impl FnOnce() -> String) {
        if self.deferred_notes.is_none() && self.repeated_note(rule, key) {
            return;
        }
        self.push(Severity::Information, rule, message(), None, None);
        let finding = self.findings.len() - 1;
        match &mut self.deferred_notes {
            Some(deferred) => deferred.push((finding, rule, key.to_string())),
            None => self.first_note(rule, key.to_string()),
        }
    }

    /// Counts one more occurrence of the note `(rule, key)` when it was made before.
    fn repeated_note(&mut self, rule: &'static str, key: &str) -> bool {
        match self.notes.iter_mut().find(|(r, k, _)| *r == rule && k == key) {
            Some((_, _, n)) => {
                n.count += 1;
                self.effects += 1;
                true
            }
            None => false,
        }
    }

    /// The note `(rule, key)`, whose finding is the last one made.
    fn first_note(&mut self, rule: &'static str, key: String) {
        let finding = self.handed_out + self.findings.len() - 1;
        self.notes.push((rule, key, Note { finding, count: 1 }));
    }

    pub(super) fn finish_notes(&mut self) {
        self.notes_final = true;
        for (_, _, n) in &self.notes {
            if n.count > 1 {
                let more = format!(" ({} occurrences; the first is shown)", n.count);
                let finding = match n.finding.checked_sub(self.handed_out) {
                    Some(i) => self.findings.get_mut(i),
                    None => self.amended.iter_mut().find(|(i, _)| *i == n.finding).map(|(_, f)| f),
                };
                if let Some(f) = finding {
                    f.message.push_str(&more);
                }
            }
        }
        // Those handed out that did not change need no amending.
        let notes = &self.notes;
        self.amended.retain(|(i, _)| notes.iter().any(|(_, _, n)| n.finding == *i && n.count > 1));
    }

    /// Hands out the findings made so far, each with whether it may still change (the first
    /// of a note, whose count is final only at the end: [`Engine::amended`] then has its final
    /// text).
    pub fn take_findings(&mut self) -> impl Iterator<Item = (Finding, bool)> + '_ {
        let first = self.handed_out;
        self.handed_out += self.findings.len();
        let notes: &[_] = if self.notes_final { &[] } else { &self.notes };
        let amended = &mut self.amended;
        self.findings.drain(..).enumerate().map(move |(i, f)| {
            let provisional = notes.iter().any(|(_, _, n)| n.finding == first + i);
            if provisional {
                amended.push((first + i, f.clone()));
            }
            (f, provisional)
        })
    }

    /// Runs `f` with `.key` appended to the location.
    pub(crate) fn at<R>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(key);
        let r = f(self);
        self.path.truncate(len);
        r
    }

    /// Runs `f` with `[i]` appended to the location.
    pub(crate) fn at_index<R>(&mut self, i: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        self.path.push('[');
        self.path.push_str(itoa::Buffer::new().format(i));
        self.path.push(']');
        let r = f(self);
        self.path.truncate(len);
        r
    }

    pub(crate) fn target(&self) -> Target {
        self.target
    }
}
