//! A document's walk: the whole document ([`Engine::document`]), or a document walked as it
//! is read, its members one at a time and the values of one repeating member (a Bundle's
//! `entry`) one at a time ([`Engine::begin_streamed`]).
use super::members::ObjectWalk;
use super::primitives::is_primitive;
use super::resources::Reached;
use super::{Engine, Scope, ValuesFrom};
use crate::json::Value;
use crate::validate::finding::{Finding, Severity, Target};
use crate::validate::object::{get, get_str, Members};
use crate::validate::options::{Options, ProfileChoice};
use crate::validate::tables::{self, Structure, TypeRef, E};

/// A document walked as it is read ([`Engine::begin_streamed`]): its members one at a time, and
/// the values of one repeating member (a Bundle's `entry`) one at a time.
pub(crate) struct StreamedDocument {
    resource_type: String,
    /// The definition the root resource is checked against, and its walk; `None` when there is
    /// no definition (there is then nothing more to check).
    root: Option<(&'static Structure, ObjectWalk)>,
    /// The repeating member whose values are being given.
    array: Option<StreamedArray>,
}

/// The repeating member of a [`StreamedDocument`] whose values are given one at a time.
struct StreamedArray {
    key: String,
    /// Its element: the index in the root's children, and the type.
    child: usize,
    ty: Option<&'static TypeRef>,
    slice_counts: Vec<u32>,
    count: u32,
}

/// What it takes to walk values of a [`StreamedDocument`]'s repeating member (a Bundle's
/// entries) on other threads, each in an engine of its own ([`EntryWalk::engine`]), whose
/// findings the document's engine then takes in order ([`Engine::merge_entry`]): the same
/// findings as if it had walked them itself.
///
/// The walk of one value depends on nothing before it but the document's scope (the resource
/// the values are in: its contained resources, which invariants of the values' elements read)
/// and the notes (a finding listed once per report, with a count), which the document's engine
/// counts as it takes the findings.
#[derive(Debug)]
pub(crate) struct EntryWalk {
    target: Target,
    profile: ProfileChoice,
    /// The location of the document (its resource type).
    path: String,
    key: String,
    e: &'static E,
    ty: Option<&'static TypeRef>,
    scope: Scope,
}

/// What an [`EntryWalk`]'s engine found in one value.
///
/// The findings' texts are held in one string, made into findings by the engine that takes
/// them: the strings of a finding are then made and freed on the same thread (to free memory
/// that another thread allocated, the allocator locks that thread's arena, and the threads
/// would wait on each other).
#[derive(Debug)]
pub(crate) struct EntryPart {
    findings: Vec<PartFinding>,
    /// The texts of the findings, one after the other.
    text: String,
    /// The notes among the findings: (index in `findings`, rule, key).
    notes: Vec<(usize, &'static str, String)>,
    /// The value's count in each slice of the element (when it is sliced).
    slice_counts: Vec<u32>,
}

/// A [`Finding`] whose texts are in its [`EntryPart`]'s `text`: where each ends.
#[derive(Debug)]
struct PartFinding {
    severity: Severity,
    rule: &'static str,
    /// The ends of the location, the message, the expected and the found texts.
    ends: [usize; 4],
    /// Whether there is an expected and a found text.
    present: [bool; 2],
}

impl EntryPart {
    fn new(findings: Vec<Finding>, notes: Vec<(usize, &'static str, String)>, slice_counts: Vec<u32>) -> Self {
        let size = findings.iter().map(|f| f.location.len() + f.message.len()).sum::<usize>() + 64 * findings.len();
        let mut text = String::with_capacity(size);
        let findings = findings
            .into_iter()
            .map(|f| {
                let mut ends = [0; 4];
                for (end, part) in
                    ends.iter_mut().zip([Some(&f.location), Some(&f.message), f.expected.as_ref(), f.found.as_ref()])
                {
                    text.push_str(part.map_or("", String::as_str));
                    *end = text.len();
                }
                PartFinding {
                    severity: f.severity,
                    rule: f.rule,
                    ends,
                    present: [f.expected.is_some(), f.found.is_some()],
                }
            })
            .collect();
        EntryPart { findings, text, notes, slice_counts }
    }

    /// The findings, made on this thread.
    fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        let mut start = 0;
        self.findings.iter().map(move |f| {
            let [location, message, expected, found] = f.ends.map(|end| {
                let part = &self.text[start..end];
                start = end;
                part
            });
            Finding {
                severity: f.severity,
                rule: f.rule,
                location: location.to_string(),
                message: message.to_string(),
                expected: f.present[0].then(|| expected.to_string()),
                found: f.present[1].then(|| found.to_string()),
            }
        })
    }
}

impl EntryWalk {
    /// An engine that walks values for the document's engine.
    pub fn engine(&self) -> Engine {
        let mut engine =
            Engine::new(Options { target: self.target, profile: self.profile, threads: 1 }, ValuesFrom::Text);
        engine.path.push_str(&self.path);
        engine.scopes.push(self.scope.clone());
        engine.deferred_notes = Some(Vec::new());
        engine
    }
}

impl Engine {
    /// How the values of `document`'s repeating member can be walked on other threads; `None`
    /// when they are not being given, or are only counted (`max = 0`).
    pub fn entry_walk(&self, document: &StreamedDocument) -> Option<EntryWalk> {
        let (Some((_, walk)), Some(array)) = (&document.root, &document.array) else { return None };
        let e = &walk.children[array.child];
        if e.max(self.target) == 0 || self.content_deviation.is_some() || self.in_contained > 0 {
            return None;
        }
        Some(EntryWalk {
            target: self.target,
            profile: self.profile,
            path: self.path.clone(),
            key: array.key.clone(),
            e,
            ty: array.ty,
            scope: self.scopes.last()?.clone(),
        })
    }

    /// In an [`EntryWalk::engine`]: checks the value at `index` of the repeating member, as
    /// [`Engine::streamed_value`] does, and hands out what it found.
    pub fn walk_entry(&mut self, walk: &EntryWalk, index: usize, value: &Value<'_>) -> EntryPart {
        let mut slice_counts = vec![0; walk.e.slices_len as usize];
        let (e, ty) = (walk.e, walk.ty);
        self.at(&walk.key, |s| s.at_index(index, |s| s.array_item(e, ty, value, None, &mut slice_counts)));
        let notes = self.deferred_notes.as_mut().map(std::mem::take).unwrap_or_default();
        EntryPart::new(std::mem::take(&mut self.findings), notes, slice_counts)
    }

    /// Takes what an [`EntryWalk::engine`] found in the next value of `document`'s repeating
    /// member, as if this engine had walked it ([`Engine::streamed_value`]).
    pub fn merge_entry(&mut self, document: &mut StreamedDocument, part: EntryPart) {
        let Some(array) = &mut document.array else { return };
        array.count += 1;
        for (total, n) in array.slice_counts.iter_mut().zip(&part.slice_counts) {
            *total += n;
        }
        let mut notes = part.notes.iter().peekable();
        for (i, finding) in part.findings().enumerate() {
            match notes.next_if(|(at, _, _)| *at == i) {
                Some(&(_, rule, ref key)) => {
                    if !self.repeated_note(rule, key) {
                        self.findings.push(finding);
                        self.first_note(rule, key.clone());
                    }
                }
                None => self.findings.push(finding),
            }
        }
    }

    /// Validates a whole document; returns its resource type and the definition used.
    pub fn document(&mut self, value: &Value<'_>) -> (String, Option<&'static str>) {
        let Value::Object(members) = value else {
            self.error("json", format!("expected a resource (a JSON object), found {}", value.kind()), None, None);
            return (String::new(), None);
        };
        let Some(resource_type) = get_str(members, "resourceType") else {
            let found = get(members, "resourceType").map(|v| v.kind().to_string());
            self.at("resourceType", |s| {
                s.error(
                    "cardinality-min",
                    "a resource needs a `resourceType` string".into(),
                    Some("a string".into()),
                    found,
                )
            });
            return (String::new(), None);
        };
        self.path.push_str(resource_type);
        let used = self.resource(members, resource_type, Reached::Root);
        self.finish_notes();
        (resource_type.to_string(), used)
    }

    /// Whether a `resource_type` document can be walked as it is read, with the values of its
    /// `key` member given one at a time ([`Engine::streamed_value`]): its definition does not
    /// depend on its content, and `key` is a repeating element of complex values there.
    pub fn streamable(options: Options, resource_type: &str, key: &str) -> bool {
        if resource_type == "ExplanationOfBenefit" {
            // Checked against the profile of its claim type, which its content says.
            return false;
        }
        if options.profile == ProfileChoice::Auto && resource_type != "Bundle" {
            // Its `meta.profile` may name the definition to use, wherever `meta` is written.
            // (The only known profile of a Bundle is the core one.)
            return false;
        }
        let probe = &mut Engine::new(options, ValuesFrom::Code);
        let Some(def) = probe.profile_for(&[], resource_type, Reached::Root) else { return false };
        let root = tables::root_of(def);
        match probe.find_child(root.children(), key) {
            Some((c, ty, None)) => {
                let e = &root.children()[c];
                e.is(tables::ARRAY) && !e.is(tables::CHOICE) && !ty.is_some_and(|t| is_primitive(t.code))
            }
            _ => false,
        }
    }

    /// Starts the walk of a `resource_type` document from its first members (`head`, which
    /// include `resourceType`); the walk goes on with [`Engine::streamed_member`] and
    /// [`Engine::begin_streamed_values`], and ends with [`Engine::end_streamed`]. Findings come
    /// in the order [`Engine::document`] gives them for the whole document.
    pub fn begin_streamed(&mut self, resource_type: &str, head: &Members<'_>) -> StreamedDocument {
        self.path.push_str(resource_type);
        let root = self
            .begin_resource(head, resource_type, Reached::Root)
            .map(|(def, root)| (def, ObjectWalk::new(root, root.children(), true, Some(def), Vec::new())));
        let mut document = StreamedDocument { resource_type: resource_type.to_string(), root, array: None };
        for i in 0..head.len() {
            self.streamed_member(&mut document, head, i);
        }
        document
    }

    /// Checks `members[i]`, a member of the document read after its head; `members` are all
    /// its members read so far (the streamed one as what the invariants need of it).
    pub fn streamed_member(&mut self, document: &mut StreamedDocument, members: &Members<'_>, i: usize) {
        if let Some((_, walk)) = &mut document.root {
            self.member(walk, members, i);
        }
    }

    /// The repeating member `key` begins (the first member of that name, an array): its values
    /// follow one at a time. `key` must be [`Engine::streamable`].
    pub fn begin_streamed_values(&mut self, document: &mut StreamedDocument, key: &str) {
        let Some((_, walk)) = &document.root else { return };
        if let Some((child, ty, None)) = self.find_child(walk.children, key) {
            let slices = walk.children[child].slices_len as usize;
            let key = key.to_string();
            document.array = Some(StreamedArray { key, child, ty, slice_counts: vec![0; slices], count: 0 });
        }
    }

    /// Checks the value at `index` of the repeating member.
    pub fn streamed_value(&mut self, document: &mut StreamedDocument, index: usize, value: &Value<'_>) {
        let (Some((_, walk)), Some(array)) = (&document.root, &mut document.array) else { return };
        let e = &walk.children[array.child];
        array.count += 1;
        if e.max(self.target) == 0 {
            return; // reported once the values are counted, as `prohibited`
        }
        let (key, ty, slice_counts) = (&array.key, array.ty, &mut array.slice_counts);
        self.at(key, |s| s.at_index(index, |s| s.array_item(e, ty, value, None, slice_counts)));
    }

    /// The repeating member has ended: its own checks (as [`Engine::property`] makes them on
    /// an array).
    pub fn end_streamed_values(&mut self, document: &mut StreamedDocument) {
        let (Some((_, walk)), Some(array)) = (&mut document.root, document.array.take()) else { return };
        let e = &walk.children[array.child];
        let max = e.max(self.target);
        let n = self.at(&array.key, |s| {
            if array.count == 0 {
                s.null_or_empty(&Value::Array(Vec::new()));
                return 0;
            }
            if max == 0 {
                return s.prohibited(e, array.count);
            }
            if e.slices_len > 0 && !e.is(tables::CHOICE) {
                s.slice_cardinality(e, e, &array.slice_counts);
            }
            s.max_cardinality(e, array.count, max);
            array.count
        });
        walk.counts[array.child] += n;
    }

    /// Ends the walk once the whole document is read; `members` are all its members (the
    /// streamed one as what the invariants need of it). Returns what [`Engine::document`]
    /// returns.
    pub fn end_streamed(
        &mut self,
        document: StreamedDocument,
        members: &Members<'_>,
    ) -> (String, Option<&'static str>) {
        let used = document.root.map(|(def, walk)| {
            self.end_object(&walk);
            self.end_resource(members, walk.parent, Reached::Root);
            def.url
        });
        self.finish_notes();
        (document.resource_type, used)
    }

    /// Ends the walk of a document that could not be read to its end: the notes are counted
    /// up to there, and nothing that needs the whole document is checked. Returns what
    /// [`Engine::end_streamed`] returns.
    pub fn end_unfinished(&mut self, document: &StreamedDocument) -> (String, Option<&'static str>) {
        self.finish_notes();
        (document.resource_type.clone(), document.root.as_ref().map(|(def, _)| def.url))
    }
}
