//! The walk: a JSON document against the generated element tables.
//!
//! Every object is checked member by member against the children of its element definition
//! (the element's own, in a profile's snapshot, or else its type's definition): unknown
//! members, JSON kinds, primitive formats, cardinality, slices, fixed and pattern values,
//! bindings, references and the invariants that are evaluated here. Nothing stops the walk:
//! each problem is a finding at its JSON location and the walk goes on.
use std::borrow::Cow;

use super::invariants;
use super::tables::{self, Erratum, Structure, TypeRef, E, MANY, NONE};
use super::terminology;
use super::version;
use super::{Finding, KnownProfile, Options, ProfileChoice, Severity, Target};
use crate::claim_type::{ClaimType, EOB_TYPE_SYSTEM};
use crate::json::Value;
use crate::primitives::{
    Base64Binary, Code, Date, DateTime, Decimal, FhirString, Id, Instant, Integer, Markdown, Oid, PositiveInt,
    PrimitiveError, Time, UnsignedInt, Uri, Uuid, Xhtml,
};

/// The members of a JSON object.
pub(crate) type Members<'v> = [(Cow<'v, str>, Value<'v>)];

/// The profile the Blue Button server claims for each resource it serves.
pub(crate) const PATIENT_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-patient-claim";
pub(crate) const COVERAGE_PROFILE: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-coverage";

/// The served URL prefix of CCW variables.
const VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";

/// The member named `key`.
pub(crate) fn get<'m, 'v>(members: &'m Members<'v>, key: &str) -> Option<&'m Value<'v>> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The string member named `key`.
pub(crate) fn get_str<'m>(members: &'m Members<'_>, key: &str) -> Option<&'m str> {
    match get(members, key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The objects of an array member (or of a single object member).
pub(crate) fn objects<'m, 'v>(members: &'m Members<'v>, key: &str) -> Vec<&'m Members<'v>> {
    match get(members, key) {
        Some(Value::Array(items)) => items.iter().filter_map(as_object).collect(),
        Some(Value::Object(m)) => vec![m.as_slice()],
        _ => Vec::new(),
    }
}

pub(crate) fn as_object<'m, 'v>(v: &'m Value<'v>) -> Option<&'m Members<'v>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Whether a member starting with `prefix` followed by an upper-case letter exists (a choice).
pub(crate) fn has_choice(members: &Members<'_>, prefix: &str) -> bool {
    members
        .iter()
        .any(|(k, _)| k.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase())))
}

/// The resource being walked (not a contained one): its contained resources and the local
/// references seen, for `ref-1` and `dom-3`.
#[derive(Debug, Default)]
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
}

/// One object being walked: what its members are checked against, and how many values each
/// child element has so far.
struct ObjectWalk {
    parent: &'static E,
    children: &'static [E],
    /// The object is a resource (its `resourceType` is not an element).
    resource_root: bool,
    /// The definition being walked (for messages).
    def: Option<&'static Structure>,
    counts: Vec<u32>,
}

impl ObjectWalk {
    fn new(parent: &'static E, children: &'static [E], resource_root: bool, def: Option<&'static Structure>) -> Self {
        ObjectWalk { parent, children, resource_root, def, counts: vec![0; children.len()] }
    }
}

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

/// How a nested resource is reached.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reached {
    Root,
    Contained,
    Entry,
}

impl Engine {
    pub fn new(options: Options) -> Engine {
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

    // ---- a document as it is read ------------------------------------------------------

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
            .map(|(def, root)| (def, ObjectWalk::new(root, root.children(), true, Some(def))));
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

    // ---- findings ----------------------------------------------------------------------

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
    pub(crate) fn note(&mut self, rule: &'static str, key: &str, message: impl FnOnce() -> String) {
        if let Some((_, _, n)) = self.notes.iter_mut().find(|(r, k, _)| *r == rule && k == key) {
            n.count += 1;
            return;
        }
        self.push(Severity::Information, rule, message(), None, None);
        let finding = self.handed_out + self.findings.len() - 1;
        self.notes.push((rule, key.to_string(), Note { finding, count: 1 }));
    }

    fn finish_notes(&mut self) {
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
        self.path.push_str(&i.to_string());
        self.path.push(']');
        let r = f(self);
        self.path.truncate(len);
        r
    }

    pub(crate) fn target(&self) -> Target {
        self.target
    }

    // ---- resources ---------------------------------------------------------------------

    /// The definition a resource is checked against, by the [`ProfileChoice`]: under `auto`
    /// the known profile its `meta.profile` names, else the Blue Button profile of a served
    /// resource (Patient, Coverage, each claim type's EOB), else (and for contained resources)
    /// the STU3 core definition; under `core` the core definition; under a profile, that
    /// profile for the resources of its type and the core definition for the others.
    fn profile_for(
        &mut self,
        members: &Members<'_>,
        resource_type: &str,
        reached: Reached,
    ) -> Option<&'static Structure> {
        let core = tables::core(resource_type).filter(|s| s.kind == "resource");
        let chosen = match self.profile {
            ProfileChoice::Core => None,
            ProfileChoice::Profile(p) if reached != Reached::Contained && p.resource_type() == resource_type => {
                Some(p.structure())
            }
            ProfileChoice::Profile(p) => {
                if reached == Reached::Root && resource_type != "Bundle" && core.is_some() {
                    self.error(
                        "profile",
                        format!(
                            "the profile {} is for {} resources, not {resource_type}: checked against the STU3 core definition",
                            p.url(),
                            p.resource_type()
                        ),
                        Some(p.resource_type().to_string()),
                        Some(resource_type.to_string()),
                    );
                }
                None
            }
            ProfileChoice::Auto => match declared_profile(members, resource_type) {
                Some(declared) => Some(declared),
                None if reached == Reached::Contained => None,
                None => self.blue_button_profile(members, resource_type),
            },
        };
        chosen.or(core)
    }

    /// The Blue Button profile of a served resource type.
    fn blue_button_profile(&mut self, members: &Members<'_>, resource_type: &str) -> Option<&'static Structure> {
        let url = match resource_type {
            "Patient" => PATIENT_PROFILE.to_string(),
            "Coverage" => COVERAGE_PROFILE.to_string(),
            "ExplanationOfBenefit" => match claim_type(members) {
                Some(t) => t.profile().to_string(),
                None => {
                    self.push(
                        Severity::Warning,
                        "profile",
                        format!(
                            "no claim type (a `type` coding in {EOB_TYPE_SYSTEM}, or an id prefix such as `carrier-`): checked against the base STU3 ExplanationOfBenefit only"
                        ),
                        None,
                        None,
                    );
                    return None;
                }
            },
            _ => return None,
        };
        tables::structure(&url)
    }

    /// Walks a resource at the current location; returns the definition used.
    fn resource(&mut self, members: &Members<'_>, resource_type: &str, reached: Reached) -> Option<&'static str> {
        let (def, root) = self.begin_resource(members, resource_type, reached)?;
        self.object(members, root, root.children(), true, Some(def));
        self.end_resource(members, root, reached);
        Some(def.url)
    }

    /// The start of a resource's walk: the definition it is checked against and its root element
    /// (`None`, with a finding, when there is none), and its scope opened.
    fn begin_resource(
        &mut self,
        members: &Members<'_>,
        resource_type: &str,
        reached: Reached,
    ) -> Option<(&'static Structure, &'static E)> {
        if let Some(evidence) = version::r4_evidence(members, resource_type) {
            // Checked against STU3, an R4 resource would only give findings that all say this.
            self.error("fhir-version", evidence.message(), Some("FHIR STU3 (3.0.1)".into()), Some("FHIR R4".into()));
            return None;
        }
        let Some(def) = self.profile_for(members, resource_type, reached) else {
            if terminology::is_resource_type(resource_type) {
                self.note("not-evaluated", resource_type, || {
                    format!("no definition of the STU3 resource `{resource_type}` here: its content is not validated")
                });
            } else {
                self.at("resourceType", |s| {
                    s.error(
                        "type",
                        format!("`{resource_type}` is not an STU3 resource type"),
                        Some("an STU3 resource type".into()),
                        Some(resource_type.to_string()),
                    )
                });
            }
            return None;
        };
        let root = tables::root_of(def);
        if reached == Reached::Contained {
            self.in_contained += 1;
        } else {
            self.scopes.push(self.scope_of(members));
        }
        Some((def, root))
    }

    /// The end of a resource's walk, once its members are checked: its invariants, and its
    /// scope closed (`dom-3`: every contained resource is referenced).
    fn end_resource(&mut self, members: &Members<'_>, root: &'static E, reached: Reached) {
        self.invariants(members, root, None);
        if reached == Reached::Contained {
            self.in_contained -= 1;
        } else if let Some(scope) = self.scopes.pop() {
            if root.constraints().any(|c| c.key == "dom-3") {
                for (id, _, location) in &scope.contained {
                    if !scope.referenced.iter().any(|r| r == id) {
                        self.findings.push(Finding {
                            severity: Severity::Error,
                            rule: "dom-3",
                            location: location.clone(),
                            message: format!("contained resource `{id}` is not referenced from the resource (`#{id}`)"),
                            expected: Some(format!("a reference to #{id}")),
                            found: None,
                        });
                    }
                }
            }
        }
    }

    fn scope_of(&self, members: &Members<'_>) -> Scope {
        let mut scope = Scope::default();
        if let Some(Value::Array(items)) = get(members, "contained") {
            for (i, item) in items.iter().enumerate() {
                let Some(m) = as_object(item) else { continue };
                if let Some(id) = get_str(m, "id") {
                    let rt = get_str(m, "resourceType").unwrap_or_default().to_string();
                    scope.contained.push((id.to_string(), rt, format!("{}.contained[{i}]", self.path)));
                }
            }
        }
        scope
    }

    // ---- objects -----------------------------------------------------------------------

    /// Checks the members of an object against `children`. `resource_root` skips
    /// `resourceType`; `def` is the definition being walked (for messages).
    fn object(
        &mut self,
        members: &Members<'_>,
        parent: &'static E,
        children: &'static [E],
        resource_root: bool,
        def: Option<&'static Structure>,
    ) {
        let mut walk = ObjectWalk::new(parent, children, resource_root, def);
        for i in 0..members.len() {
            self.member(&mut walk, members, i);
        }
        self.end_object(&walk);
    }

    /// Checks `members[i]`, the `i`th member of the object `walk` is walking (the members are
    /// its siblings: duplicates, `_name` parts, choices).
    fn member(&mut self, walk: &mut ObjectWalk, members: &Members<'_>, i: usize) {
        let (key, value) = &members[i];
        let children = walk.children;
        if walk.resource_root && key == "resourceType" {
            return;
        }
        if members[..i].iter().any(|(k, _)| k == key) {
            self.at(key, |s| s.error("json", format!("duplicate property `{key}`"), None, None));
            return;
        }
        if let Some(base) = key.strip_prefix('_') {
            match self.find_child(children, base) {
                Some((c, Some(ty), _)) if is_primitive(ty.code) => {
                    let n = self.at(key, |s| s.primitive_elements(&children[c], ty, key, value, get(members, base)));
                    if get(members, base).is_none() {
                        walk.counts[c] += n;
                    }
                }
                _ => self.unknown(key, walk.parent, children, walk.resource_root, walk.def),
            }
            return;
        }
        match self.find_child(children, key) {
            Some((c, ty, slice)) => {
                let e = &children[c];
                let used = slice.unwrap_or(e);
                let n = self.at(key, |s| s.property(e, used, ty, key, value, members));
                // A second type for one choice element (`valueBoolean` after `valueCoding`).
                if e.is(tables::CHOICE) && walk.counts[c] > 0 && n > 0 {
                    let first = members[..i]
                        .iter()
                        .find(|(k, _)| self.find_child(children, k).is_some_and(|(other, _, _)| other == c));
                    let first = first.map_or("", |(k, _)| k.as_ref());
                    self.at(key, |s| {
                        s.error(
                            "cardinality-max",
                            format!("{}[x] has one value; `{first}` already gives it", e.name),
                            Some("one type".into()),
                            Some(format!("{first} and {key}")),
                        )
                    });
                }
                walk.counts[c] += n;
            }
            None => self.unknown(key, walk.parent, children, walk.resource_root, walk.def),
        }
    }

    /// After the members of an object: the elements (and slices) that have too few values.
    fn end_object(&mut self, walk: &ObjectWalk) {
        for (c, e) in walk.children.iter().enumerate() {
            if !e.available(self.target) {
                continue;
            }
            if walk.counts[c] == 0 && e.slices_len > 0 && !e.is(tables::CHOICE) {
                self.at(e.name, |s| s.slice_cardinality(e, e, &[]));
            }
            let min = e.min(self.target);
            if walk.counts[c] < min {
                let name = if e.is(tables::CHOICE) { format!("{}[x]", e.name) } else { e.name.to_string() };
                let found = walk.counts[c];
                self.at(&name, |s| {
                    let message = if found == 0 {
                        format!("required element `{name}` is missing ({} requires at least {min})", e.path)
                    } else {
                        format!("`{name}` has {found} value(s); {} requires at least {min}", e.path)
                    };
                    s.error_or_deviation(
                        e,
                        "cardinality-min",
                        message,
                        Some(format!("at least {min}")),
                        Some(found.to_string()),
                    )
                });
            }
        }
    }

    /// The child a member name stands for: (index, type, type slice).
    fn find_child(
        &self,
        children: &'static [E],
        key: &str,
    ) -> Option<(usize, Option<&'static TypeRef>, Option<&'static E>)> {
        for (i, c) in children.iter().enumerate() {
            if !c.is(tables::CHOICE) && c.name == key && c.available(self.target) {
                return Some((i, c.types(self.target).first(), None));
            }
        }
        for (i, c) in children.iter().enumerate() {
            if !c.is(tables::CHOICE) || !c.available(self.target) {
                continue;
            }
            let Some(suffix) = key.strip_prefix(c.name) else { continue };
            if !suffix.starts_with(|ch: char| ch.is_ascii_uppercase()) {
                continue;
            }
            if let Some(ty) = c.types(self.target).iter().find(|t| type_suffix_matches(t.code, suffix)) {
                let slice = c.slices().iter().find(|s| s.name == key && s.available(self.target));
                return Some((i, Some(ty), slice));
            }
        }
        None
    }

    fn unknown(
        &mut self,
        key: &str,
        parent: &'static E,
        children: &'static [E],
        resource_root: bool,
        def: Option<&'static Structure>,
    ) {
        let mut message = format!("unknown element `{key}` (not an element of {})", parent.path);
        if let Some(d) = def.filter(|d| resource_root && d.ig) {
            message = format!("unknown element `{key}` (not an element of {} as profiled by {})", parent.path, d.name);
            let in_base = tables::structure(d.base)
                .map(tables::root_of)
                .is_some_and(|r| r.children().iter().any(|c| c.name == key));
            if in_base {
                message.push_str(&format!(
                    "; the base {} has it, the profile's snapshot leaves it out",
                    d.base.rsplit('/').next().unwrap_or(d.base)
                ));
            }
        }
        // A choice element written with a type it does not allow.
        if let Some((name, allowed)) = choice_types(children, key, self.target) {
            message = format!("`{key}`: {name}[x] does not allow this type (allowed: {allowed})");
            self.at(key, |s| s.error("type", message, Some(allowed), None));
            return;
        }
        self.at(key, |s| s.error("unknown-element", message, None, None));
    }

    /// One member: checks its shape (array or not), each value, slices and the maximum
    /// cardinality; returns how many values it holds.
    fn property(
        &mut self,
        e: &'static E,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        key: &str,
        value: &Value<'_>,
        siblings: &Members<'_>,
    ) -> u32 {
        let max = e.max(self.target);
        if self.null_or_empty(value) {
            return 0;
        }
        let count = match value {
            Value::Array(items) if e.is(tables::ARRAY) => {
                if max == 0 {
                    return self.prohibited(e, items.len() as u32);
                }
                let extensions = match get(siblings, &format!("_{key}")) {
                    Some(Value::Array(x)) => Some(x.as_slice()),
                    _ => None,
                };
                self.items(e, used, ty, items, extensions);
                items.len() as u32
            }
            Value::Array(items) => {
                self.error(
                    "type",
                    format!(
                        "`{key}` repeats at most once ({}): expected a single value, found an array of {}",
                        e.path,
                        items.len()
                    ),
                    Some("a single value".into()),
                    Some(format!("an array of {}", items.len())),
                );
                return items.len() as u32;
            }
            _ if e.is(tables::ARRAY) => {
                self.error(
                    "type",
                    format!("`{key}` is a repeating element ({}): expected an array", e.path),
                    Some("an array".into()),
                    Some(value.kind().to_string()),
                );
                if max == 0 {
                    return self.prohibited(e, 1);
                }
                self.item(used, ty, value, None);
                1
            }
            _ => {
                if max == 0 {
                    return self.prohibited(e, 1);
                }
                self.item(used, ty, value, None);
                1
            }
        };
        self.max_cardinality(e, count, max);
        count
    }

    /// `cardinality-max`, when an element has more than `max` values.
    fn max_cardinality(&mut self, e: &'static E, count: u32, max: u32) {
        if count > max {
            self.error_or_deviation(
                e,
                "cardinality-max",
                format!("{count} values, but {} allows at most {max}", e.path),
                Some(format!("at most {max}")),
                Some(count.to_string()),
            );
        }
    }

    /// `json-null` and `json-empty`: FHIR JSON has no null values (but in an array of
    /// primitives, where the caller allows it) and no empty objects or arrays. Returns whether
    /// there is nothing more to check (null, an empty array); an empty object is still checked,
    /// so that what it lacks is reported where it belongs (a required child).
    fn null_or_empty(&mut self, value: &Value<'_>) -> bool {
        let (rule, message, expected, found) = match value {
            Value::Null => (
                "json-null",
                "null is not allowed in FHIR JSON: an element without a value is left out (null stands only in an array of primitives, for a value whose `_` element has its id or extensions)",
                "a value, or no property",
                "null",
            ),
            Value::Object(m) if m.is_empty() => (
                "json-empty",
                "an empty object is not allowed in FHIR JSON: an element without content is left out",
                "an object with content, or no property",
                "{}",
            ),
            Value::Array(items) if items.is_empty() => (
                "json-empty",
                "an empty array is not allowed in FHIR JSON: an element without values is left out",
                "at least one value, or no property",
                "[]",
            ),
            _ => return false,
        };
        self.error(rule, message.into(), Some(expected.into()), Some(found.into()));
        !matches!(value, Value::Object(_))
    }

    fn prohibited(&mut self, e: &'static E, count: u32) -> u32 {
        self.error_or_deviation(
            e,
            "prohibited",
            format!("{} is not allowed here (max 0)", e.path),
            Some("absent".into()),
            Some(format!("{count} value(s)")),
        );
        count
    }

    /// The values of a repeating element, matched to slices where it is sliced.
    fn items(
        &mut self,
        e: &'static E,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        items: &[Value<'_>],
        extensions: Option<&[Value<'_>]>,
    ) {
        let sliced = used.slices_len > 0 && !used.is(tables::CHOICE);
        let mut slice_counts = vec![0u32; used.slices_len as usize];
        for (i, item) in items.iter().enumerate() {
            let extension = extensions.and_then(|x| x.get(i));
            self.at_index(i, |s| s.array_item(used, ty, item, extension, &mut slice_counts));
        }
        if sliced {
            self.slice_cardinality(e, used, &slice_counts);
        }
    }

    /// One value of a repeating element, at its index; `extension` is the value at the same
    /// index of the `_name` array (primitives), and `slice_counts` counts the values per slice.
    fn array_item(
        &mut self,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        item: &Value<'_>,
        extension: Option<&Value<'_>>,
        slice_counts: &mut [u32],
    ) {
        if let Value::Null = item {
            let primitive = ty.is_some_and(|t| is_primitive(t.code));
            let has_extension = extension.is_some_and(|x| !matches!(x, Value::Null));
            if !primitive {
                self.null_or_empty(item);
            } else if !has_extension {
                self.error(
                    "json-null",
                    "null without an element (id or extension) at the same index of the `_` array".into(),
                    Some("a value, or an element at the same index of the `_` array".into()),
                    Some("null".into()),
                );
            }
            return;
        }
        if self.null_or_empty(item) {
            return;
        }
        if used.slices_len > 0 && !used.is(tables::CHOICE) {
            if let Some(k) = self.slice_of(used, item) {
                slice_counts[k] += 1;
                let slice = &used.slices()[k];
                self.item(slice, slice.types(self.target).first(), item, Some(slice));
                return;
            }
        }
        self.item(used, ty, item, None);
    }

    /// Checks each slice's cardinality; the location is the sliced element's. A missing slice
    /// is reported at `<element>:<slice>` (`ExplanationOfBenefit.extension:carrier-prpayamt-extension`).
    fn slice_cardinality(&mut self, e: &'static E, used: &'static E, counts: &[u32]) {
        for (k, slice) in used.slices().iter().enumerate() {
            if !slice.available(self.target) {
                continue;
            }
            let (min, max, n) = (slice.min(self.target), slice.max(self.target), counts.get(k).copied().unwrap_or(0));
            if n >= min && n <= max {
                continue;
            }
            let name = format!("{}:{}", e.name, slice.slice);
            let url = slice.url(self.target);
            let expected = Some(format!("{min}..{}", max_text(max)));
            if n < min {
                let message = format!("slice {name} (url {url}) is required {min}..{}, found {n}", max_text(max));
                let len = self.path.len();
                self.path.push(':');
                self.path.push_str(slice.slice);
                self.error_or_deviation(slice, "slice-cardinality", message, expected, Some(n.to_string()));
                self.path.truncate(len);
            } else {
                let message = format!("slice {name} (url {url}) allows at most {}, found {n}", max_text(max));
                self.error_or_deviation(slice, "slice-cardinality", message, expected, Some(n.to_string()));
            }
        }
    }

    /// The slice (index) an item of a sliced element belongs to.
    fn slice_of(&mut self, e: &'static E, item: &Value<'_>) -> Option<usize> {
        let (discriminators, _, _) = e.slicing().unwrap_or(("value:url", "open", false));
        if discriminators != "value:url" {
            let key = format!("slicing {discriminators}");
            self.note("not-evaluated", &key, || {
                format!("slicing by {discriminators} of {} is not evaluated here", e.path)
            });
            return None;
        }
        let url = as_object(item).and_then(|m| get_str(m, "url"))?;
        e.slices().iter().position(|s| s.available(self.target) && s.url(self.target) == url)
    }

    /// One value of an element, of type `ty` (`slice` when it matched one). Inside an element
    /// whose erratum is a content deviation, errors are served-deviation warnings.
    fn item(&mut self, e: &'static E, ty: Option<&'static TypeRef>, value: &Value<'_>, slice: Option<&'static E>) {
        match e.deviation(self.target).filter(|d| !d.content.is_empty()) {
            Some(erratum) if self.content_deviation.is_none() => {
                self.content_deviation = Some(erratum);
                self.item_value(e, ty, value, slice);
                self.content_deviation = None;
            }
            _ => self.item_value(e, ty, value, slice),
        }
    }

    fn item_value(
        &mut self,
        e: &'static E,
        ty: Option<&'static TypeRef>,
        value: &Value<'_>,
        slice: Option<&'static E>,
    ) {
        let code = ty.map_or("", |t| t.code);
        if is_primitive(code) {
            self.primitive(code, value);
            if let Some(fixed) = e.fixed(self.target) {
                self.fixed(fixed, value, "fixed");
            }
            if let Some(pattern) = e.pattern() {
                self.fixed(pattern, value, "pattern");
            }
            if let Some(b) = e.binding(self.target) {
                if let Value::String(code) = value {
                    terminology::check_code(self, e, b, None, code, None);
                }
            }
            return;
        }
        let Value::Object(members) = value else {
            let expected = if code.is_empty() { "an object".to_string() } else { format!("an object ({code})") };
            self.error(
                "type",
                format!("expected {expected}, found {}", value.kind()),
                Some(expected),
                Some(value.kind().to_string()),
            );
            return;
        };
        if code == "Resource" || tables::core(code).is_some_and(|d| d.kind == "resource" && !d.ig) {
            self.nested_resource(e, members);
            return;
        }
        if !members.is_empty() && members.iter().all(|(k, _)| k == "id") {
            self.error(
                "ele-1",
                "an element needs a value, children or extensions besides `id` (ele-1)".into(),
                None,
                Some("only `id`".into()),
            );
        }
        let children = children_of(e, ty);
        self.object(members, e, children, false, None);
        if let Some(fixed) = e.fixed(self.target) {
            self.fixed(fixed, value, "fixed");
        }
        if let Some(pattern) = e.pattern() {
            self.fixed(pattern, value, "pattern");
        }
        match code {
            "Reference" => self.reference(ty, members),
            "Extension" => {
                let has_value = has_choice(members, "value");
                let has_extension = get(members, "extension").is_some();
                if has_value == has_extension {
                    let found =
                        if has_value { "both a value and extensions" } else { "neither a value nor extensions" };
                    self.error(
                        "ext-1",
                        format!("an extension has either a value or nested extensions (ext-1); found {found}"),
                        None,
                        Some(found.into()),
                    );
                }
                if slice.is_none() {
                    self.outside_ig(members);
                }
            }
            _ => {}
        }
        if let Some(b) = e.binding(self.target) {
            terminology::check_binding(self, e, b, code, members);
        }
        self.invariants(members, e, ty);
    }

    fn nested_resource(&mut self, e: &'static E, members: &Members<'_>) {
        let Some(resource_type) = get_str(members, "resourceType") else {
            self.at("resourceType", |s| {
                s.error("cardinality-min", "a resource needs a `resourceType` string".into(), None, None)
            });
            return;
        };
        let reached = if e.name == "contained" { Reached::Contained } else { Reached::Entry };
        if reached == Reached::Contained && get(members, "contained").is_some() {
            self.at("contained", |s| {
                s.error("dom-2", "a contained resource cannot contain resources (dom-2)".into(), None, None)
            });
        }
        if reached == Reached::Contained {
            if get(members, "text").is_some() {
                self.at("text", |s| {
                    s.error("dom-1", "a contained resource has no narrative (dom-1)".into(), None, None)
                });
            }
            if let Some(meta) = get(members, "meta").and_then(as_object) {
                for key in ["versionId", "lastUpdated"] {
                    if get(meta, key).is_some() {
                        self.at("meta", |s| {
                            s.at(key, |s| {
                                s.error("dom-4", format!("a contained resource has no meta.{key} (dom-4)"), None, None)
                            })
                        });
                    }
                }
            }
        }
        self.resource(members, resource_type, reached);
    }

    /// The `_name` part of a primitive element (an object, or an array aligned with the
    /// values); returns how many elements it stands for.
    fn primitive_elements(
        &mut self,
        e: &'static E,
        ty: &'static TypeRef,
        key: &str,
        value: &Value<'_>,
        values: Option<&Value<'_>>,
    ) -> u32 {
        let children: &'static [E] = ty.root().map_or(&[], E::children);
        if self.null_or_empty(value) {
            return 0;
        }
        match value {
            Value::Array(items) if e.is(tables::ARRAY) => {
                if let Some(Value::Array(v)) = values {
                    if v.len() != items.len() {
                        self.error(
                            "json",
                            format!(
                                "`{key}` has {} entries but `{}` has {}: they must align",
                                items.len(),
                                &key[1..],
                                v.len()
                            ),
                            Some(format!("{} entries", v.len())),
                            Some(items.len().to_string()),
                        );
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    self.at_index(i, |s| match item {
                        Value::Null => {
                            let has_value = matches!(values, Some(Value::Array(v)) if v.get(i).is_some_and(|x| !matches!(x, Value::Null)));
                            if !has_value {
                                s.error("json-null", "null in both the value and the `_` array".into(), None, Some("null".into()));
                            }
                        }
                        Value::Object(m) => {
                            s.null_or_empty(item);
                            s.element_part(e, children, m)
                        }
                        other => {
                            if !s.null_or_empty(other) {
                                s.error("type", format!("expected an object (id, extension), found {}", other.kind()), None, None);
                            }
                        }
                    });
                }
                items.len() as u32
            }
            Value::Object(m) if !e.is(tables::ARRAY) => {
                self.element_part(e, children, m);
                1
            }
            other => {
                let expected = if e.is(tables::ARRAY) { "an array" } else { "an object" };
                self.error(
                    "type",
                    format!("expected {expected} for `{key}`, found {}", other.kind()),
                    Some(expected.into()),
                    None,
                );
                0
            }
        }
    }

    /// The id and extensions of one primitive element.
    fn element_part(&mut self, e: &'static E, children: &'static [E], members: &Members<'_>) {
        if !members.is_empty() && members.iter().all(|(k, _)| k == "id") {
            self.error(
                "ele-1",
                "a primitive's `_` element needs extensions (ele-1)".into(),
                None,
                Some("only `id`".into()),
            );
        }
        for (key, value) in members {
            match children.iter().find(|c| c.name == key && c.name != "value") {
                Some(c) => {
                    let ty = c.types(self.target).first();
                    self.at(key, |s| s.property(c, c, ty, key, value, members));
                }
                None => self.unknown(key, e, children, false, None),
            }
        }
    }

    // ---- primitives --------------------------------------------------------------------

    fn primitive(&mut self, code: &str, value: &Value<'_>) {
        let (kind, text) = match value {
            Value::Bool(_) => ("boolean", None),
            Value::Number(n) => ("number", Some(n.as_ref())),
            Value::String(s) => ("string", Some(s.as_ref())),
            other => {
                self.error(
                    "type",
                    format!("expected a {} (FHIR {code}), found {}", json_kind_of(code), other.kind()),
                    Some(json_kind_of(code).into()),
                    Some(other.kind().to_string()),
                );
                return;
            }
        };
        if kind != json_kind_of(code) {
            self.error(
                "type",
                format!("expected a {} (FHIR {code}), found a {kind}", json_kind_of(code)),
                Some(format!("a {}", json_kind_of(code))),
                Some(format!("a {kind}: {}", short(value))),
            );
            return;
        }
        let Some(text) = text else { return };
        if let Err(e) = check_primitive(code, text) {
            self.error(
                "primitive",
                format!("invalid {code} {}: {e}", short(value)),
                Some(e.expected.to_string()),
                Some(short(value)),
            );
        }
    }

    /// A fixed value must equal the instance; a pattern must be contained in it.
    fn fixed(&mut self, json: &str, value: &Value<'_>, kind: &'static str) {
        let Ok(expected) = crate::json::from_str::<Value<'_>>(json) else { return };
        let ok = if kind == "fixed" { same_json(&expected, value) } else { contains_pattern(&expected, value) };
        if !ok {
            let found = short(value);
            self.error(
                kind,
                format!("expected the {kind} value {json}, found {found}"),
                Some(json.to_string()),
                Some(found),
            );
        }
    }

    // ---- references --------------------------------------------------------------------

    fn reference(&mut self, ty: Option<&'static TypeRef>, members: &Members<'_>) {
        let Some(reference) = get_str(members, "reference") else { return };
        let targets = ty.map_or(&[][..], TypeRef::targets);
        let referenced_type: Option<String> = if let Some(id) = reference.strip_prefix('#') {
            if id.is_empty() {
                if self.in_contained == 0 {
                    self.at("reference", |s| {
                        s.error(
                            "reference-local",
                            "`#` refers to the containing resource, which only a contained resource has".into(),
                            None,
                            Some("#".into()),
                        )
                    });
                }
                return;
            }
            let Some(scope) = self.scopes.last_mut() else { return };
            scope.referenced.push(id.to_string());
            match scope.contained.iter().find(|(c, _, _)| c == id) {
                Some((_, rt, _)) => Some(rt.clone()),
                None => {
                    let ids: Vec<String> = scope.contained.iter().map(|(c, _, _)| format!("#{c}")).collect();
                    self.at("reference", |s| {
                        s.error(
                            "ref-1",
                            format!("`{reference}` does not resolve to a contained resource (ref-1)"),
                            Some(if ids.is_empty() {
                                "a contained resource (there is none)".into()
                            } else {
                                ids.join(", ")
                            }),
                            Some(reference.to_string()),
                        )
                    });
                    return;
                }
            }
        } else if is_absolute(reference) {
            None
        } else {
            match relative_type(reference) {
                Ok(t) => Some(t.to_string()),
                Err(why) => {
                    self.at("reference", |s| {
                        s.error(
                            "reference-shape",
                            format!("`{reference}` is not a reference: {why}"),
                            Some("Type/id, Type/id/_history/vid, an absolute URL or #id".into()),
                            Some(reference.to_string()),
                        )
                    });
                    return;
                }
            }
        };
        let Some(found) = referenced_type else { return };
        let allowed: Vec<&str> = targets.iter().map(|t| target_type(t)).collect();
        if allowed.is_empty() || allowed.iter().any(|t| *t == "Resource" || *t == found) {
            return;
        }
        self.at("reference", |s| {
            s.error(
                "reference-target",
                format!("`{reference}` refers to a {found}; this reference allows {}", allowed.join(", ")),
                Some(allowed.join(" | ")),
                Some(found.clone()),
            )
        });
    }

    // ---- extensions outside the IG -----------------------------------------------------

    /// An information finding for an extension that no definition here describes (not under
    /// [`ProfileChoice::Core`], which asks about STU3 only: any extension is STU3).
    fn outside_ig(&mut self, members: &Members<'_>) {
        if self.profile == ProfileChoice::Core {
            return;
        }
        let Some(url) = get_str(members, "url") else { return };
        if tables::structure(url).is_some() {
            return;
        }
        let what = match url.strip_prefix(VARIABLES) {
            Some(variable) => match (tables::known_field(variable), crate::codes::variable(variable)) {
                (Some(source), _) => format!("CCW variable `{variable}` ({source})"),
                (None, Some(v)) => format!("CCW variable `{variable}` (codebook: {})", v.label),
                (None, None) => format!("`{variable}`, which no codebook or data-dictionary entry names"),
            },
            None => "an extension that no definition here describes".to_string(),
        };
        let target = match self.target {
            Target::Served => "the IG and its served errata",
            Target::Published => "the IG",
        };
        self.push(
            Severity::Information,
            "extension-outside-ig",
            format!("extension {url}: {what}; not defined by {target}, checked as a plain Extension"),
            None,
            Some(url.to_string()),
        );
    }

    // ---- invariants --------------------------------------------------------------------

    fn invariants(&mut self, members: &Members<'_>, e: &'static E, ty: Option<&'static TypeRef>) {
        let own = e.constraints();
        let inherited = ty.and_then(|t| t.root()).filter(|r| !std::ptr::eq(*r, e)).into_iter().flat_map(E::constraints);
        let mut seen: Vec<&str> = Vec::new();
        for c in own.chain(inherited) {
            if seen.contains(&c.key) {
                continue;
            }
            seen.push(c.key);
            match invariants::evaluate(c.key, members) {
                invariants::Outcome::Holds => {}
                invariants::Outcome::Fails(message) => {
                    let message = format!("{message} ({}: {})", c.key, c.expression);
                    let expected = Some(c.expression.to_string());
                    if c.severity == "warning" {
                        self.push(Severity::Warning, c.key, message, expected, None);
                    } else {
                        self.error_or_deviation(e, c.key, message, expected, None);
                    }
                }
                invariants::Outcome::Elsewhere => {}
                invariants::Outcome::NotEvaluated => {
                    self.note("not-evaluated", c.key, || {
                        format!("invariant {} is not evaluated here: {}", c.key, c.expression)
                    });
                }
            }
        }
    }
}

/// The children an element's value is checked against: the element's own (a profile lists
/// them), those of a content reference, or those of its type's definition.
pub(crate) fn children_of(e: &'static E, ty: Option<&'static TypeRef>) -> &'static [E] {
    if e.children_len > 0 {
        return e.children();
    }
    if e.content_ref != NONE {
        return tables::elements()[e.content_ref as usize].children();
    }
    ty.and_then(TypeRef::root).map_or(&[], E::children)
}

/// The first known profile of `resource_type` that the resource's `meta.profile` names.
fn declared_profile(members: &Members<'_>, resource_type: &str) -> Option<&'static Structure> {
    let meta = get(members, "meta").and_then(as_object)?;
    let Some(Value::Array(profiles)) = get(meta, "profile") else { return None };
    profiles.iter().find_map(|p| match p {
        Value::String(url) => {
            KnownProfile::new(url).ok().filter(|k| k.resource_type() == resource_type).map(|k| k.structure())
        }
        _ => None,
    })
}

/// The claim type of an EOB given as JSON (the rule of [`ClaimType::of`]: the coding in
/// [`EOB_TYPE_SYSTEM`], else the id prefix).
fn claim_type(members: &Members<'_>) -> Option<ClaimType> {
    let coded = get(members, "type").and_then(as_object).into_iter().flat_map(|t| objects(t, "coding")).find_map(|c| {
        (get_str(c, "system")? == EOB_TYPE_SYSTEM).then(|| ClaimType::from_code(get_str(c, "code")?)).flatten()
    });
    coded.or_else(|| ClaimType::from_id(get_str(members, "id")?))
}

/// When `key` looks like `<choice><Type>` for a choice among `children` that does not allow
/// that type: the choice's name and its allowed types.
fn choice_types(children: &'static [E], key: &str, target: Target) -> Option<(&'static str, String)> {
    let c = children.iter().find(|c| {
        c.is(tables::CHOICE)
            && c.available(target)
            && key.strip_prefix(c.name).is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_uppercase()))
    })?;
    let allowed: Vec<&str> = c.types(target).iter().map(|t| t.code).collect();
    Some((c.name, allowed.join(", ")))
}

fn type_suffix_matches(code: &str, suffix: &str) -> bool {
    code.len() == suffix.len()
        && code.get(1..) == suffix.get(1..)
        && code.as_bytes().first().is_some_and(|c| c.eq_ignore_ascii_case(&suffix.as_bytes()[0]))
}

const PRIMITIVES: &[&str] = &[
    "base64Binary",
    "boolean",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "markdown",
    "oid",
    "positiveInt",
    "string",
    "time",
    "unsignedInt",
    "uri",
    "uuid",
    "xhtml",
];

pub(crate) fn is_primitive(code: &str) -> bool {
    PRIMITIVES.contains(&code)
}

fn json_kind_of(code: &str) -> &'static str {
    match code {
        "boolean" => "boolean",
        "integer" | "unsignedInt" | "positiveInt" | "decimal" => "number",
        _ => "string",
    }
}

/// Checks a primitive's text with the parser's own validators.
fn check_primitive(code: &str, text: &str) -> Result<(), PrimitiveError> {
    match code {
        "string" => FhirString::new(text).map(drop),
        "code" => Code::new(text).map(drop),
        "id" => Id::new(text).map(drop),
        "uri" => Uri::new(text).map(drop),
        "oid" => Oid::new(text).map(drop),
        "uuid" => Uuid::new(text).map(drop),
        "markdown" => Markdown::new(text).map(drop),
        "base64Binary" => Base64Binary::new(text).map(drop),
        "xhtml" => Xhtml::new(text).map(drop),
        "date" => Date::new(text).map(drop),
        "dateTime" => DateTime::new(text).map(drop),
        "instant" => Instant::new(text).map(drop),
        "time" => Time::new(text).map(drop),
        "decimal" => Decimal::new(text).map(drop),
        "integer" => Integer::parse(text).map(drop),
        "unsignedInt" => UnsignedInt::parse(text).map(drop),
        "positiveInt" => PositiveInt::parse(text).map(drop),
        _ => Ok(()),
    }
}

/// A short rendering of a value for messages.
pub(crate) fn short(v: &Value<'_>) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let mut t: String = s.chars().take(80).collect();
            if t.len() < s.len() {
                t.push('…');
            }
            format!("{t:?}")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => {
            let mut t = crate::json::to_string(v);
            if t.len() > 120 {
                let cut = (0..=120).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                t.truncate(cut);
                t.push('…');
            }
            t
        }
    }
}

/// JSON equality as FHIR means it: objects regardless of member order, numbers by text.
fn same_json(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same_json(v, v2)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        _ => a == b,
    }
}

/// Whether `instance` has everything `pattern` has (arrays: each pattern item in some item).
fn contains_pattern(pattern: &Value<'_>, instance: &Value<'_>) -> bool {
    match (pattern, instance) {
        (Value::Object(p), Value::Object(i)) => {
            p.iter().all(|(k, v)| i.iter().any(|(k2, v2)| k == k2 && contains_pattern(v, v2)))
        }
        (Value::Array(p), Value::Array(i)) => p.iter().all(|pv| i.iter().any(|iv| contains_pattern(pv, iv))),
        _ => pattern == instance,
    }
}

fn is_absolute(reference: &str) -> bool {
    reference.starts_with("urn:")
        || reference.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
}

/// The resource type of a relative reference `Type/id` or `Type/id/_history/vid`.
fn relative_type(reference: &str) -> Result<&str, String> {
    let parts: Vec<&str> = reference.split('/').collect();
    let (resource_type, id, version) = match parts.as_slice() {
        [t, id] => (*t, *id, None),
        [t, id, "_history", v] => (*t, *id, Some(*v)),
        _ => return Err("expected Type/id (or Type/id/_history/vid)".into()),
    };
    if !terminology::is_resource_type(resource_type) {
        return Err(format!("`{resource_type}` is not an STU3 resource type"));
    }
    for part in std::iter::once(id).chain(version) {
        if let Err(e) = Id::new(part) {
            return Err(format!("`{part}` is not an id ({e})"));
        }
    }
    Ok(resource_type)
}

/// The resource type a target profile stands for.
fn target_type(url: &str) -> &str {
    match tables::structure(url) {
        Some(s) => s.type_,
        None => url.rsplit('/').next().unwrap_or(url),
    }
}

fn max_text(max: u32) -> String {
    if max == MANY {
        "*".into()
    } else {
        max.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value<'_> {
        crate::json::from_str(text).unwrap()
    }

    #[test]
    fn fixed_and_pattern_comparison() {
        assert!(same_json(&v(r#"{"a":1,"b":[1,2]}"#), &v(r#"{"b":[1,2],"a":1}"#)));
        assert!(!same_json(&v(r#"{"a":1}"#), &v(r#"{"a":1,"b":2}"#)));
        assert!(!same_json(&v("1.0"), &v("1")));
        let pattern = v(r#"{"coding":[{"system":"s","code":"c"}]}"#);
        assert!(contains_pattern(
            &pattern,
            &v(r#"{"coding":[{"system":"x"},{"system":"s","code":"c","display":"d"}],"text":"t"}"#)
        ));
        assert!(!contains_pattern(&pattern, &v(r#"{"coding":[{"system":"s","code":"d"}]}"#)));
    }

    #[test]
    fn choice_type_suffixes() {
        assert!(type_suffix_matches("string", "String"));
        assert!(type_suffix_matches("CodeableConcept", "CodeableConcept"));
        assert!(!type_suffix_matches("string", "Strin"));
        assert!(!type_suffix_matches("dateTime", "Datetime"));
    }

    #[test]
    fn reference_shapes() {
        assert_eq!(relative_type("Patient/1"), Ok("Patient"));
        assert_eq!(relative_type("Patient/1/_history/2"), Ok("Patient"));
        assert!(relative_type("Patient").is_err());
        assert!(relative_type("patient/1").is_err());
        assert!(relative_type("Patient/1/history/2").is_err());
        assert!(relative_type("Patient/").is_err());
        assert!(is_absolute("https://x.org/Patient/1"));
        assert!(is_absolute("urn:uuid:0f6c1c3e-5b1a-4b8a-9c57-1f6b2a0f9e11"));
        assert!(!is_absolute("Patient/1"));
    }

    #[test]
    fn short_values_are_bounded() {
        let long = Value::String(std::borrow::Cow::Owned("é".repeat(200)));
        assert!(short(&long).chars().count() < 90);
    }
}
