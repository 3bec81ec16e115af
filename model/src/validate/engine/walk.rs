//! A document's walk: the whole document ([`Engine::document`]), or a document walked as it
//! is read, its members one at a time and the values of one repeating member (a Bundle's
//! `entry`) one at a time ([`Engine::begin_streamed`]).
use super::members::ObjectWalk;
use super::primitives::is_primitive;
use super::resources::Reached;
use super::Engine;
use crate::json::Value;
use crate::validate::object::{get, get_str, Members};
use crate::validate::options::{Options, ProfileChoice};
use crate::validate::tables::{self, Structure, TypeRef};

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

impl Engine {
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
        let probe = &mut Engine::new(options);
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
}
