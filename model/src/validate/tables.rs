//! The generated validation tables (`validation.rs` in OUT_DIR, written by
//! `bluebutton-codegen`'s `validation` module) and the row types they are made of.
//!
//! Elements are laid out so that each one's children, and its slices, are contiguous; an
//! element refers to them, to its types and to its constraints by index. Element rows are
//! numbers, read by the column names (`column::MIN`) and flag bits the generator emits with
//! them, so the runtime cannot read a column the generator did not write there.

use std::sync::OnceLock;

use super::finding::Target;
use crate::json::Value;

/// `max = *`.
pub(crate) const MANY: u32 = u32::MAX;
/// No element (a missing type definition, no content reference).
pub(crate) const NONE: u32 = u32::MAX;

/// One StructureDefinition.
#[derive(Debug)]
pub(crate) struct Structure {
    pub url: &'static str,
    pub name: &'static str,
    /// The type defined or constrained.
    pub type_: &'static str,
    /// `resource`, `complex-type`, `primitive-type`, `logical`.
    pub kind: &'static str,
    /// From the IG (not the STU3 core).
    pub ig: bool,
    /// The base definition's url ("" for none).
    pub base: &'static str,
    /// The root element.
    pub root: u32,
}

/// One element.
#[derive(Debug)]
pub(crate) struct E {
    /// The JSON name (without `[x]` for a choice; `valueMoney` for a type slice).
    pub name: &'static str,
    /// The definition's element path, for messages.
    pub path: &'static str,
    /// The slice name ("" for none).
    pub slice: &'static str,
    /// [`CHOICE`], [`ARRAY`], [`PUBLISHED_ONLY`], [`SERVED_ONLY`] (generated with the rows).
    pub flags: u8,
    pub min: u32,
    pub max: u32,
    /// Type list id (see `TYPE_LISTS`).
    pub types: u32,
    pub children: u32,
    pub children_len: u16,
    pub slices: u32,
    pub slices_len: u16,
    /// The element whose children stand for this one's, or [`NONE`].
    pub content_ref: u32,
    /// Constraint list id (see `CONSTRAINT_LISTS`).
    pub constraints: u32,
    /// Row of `EXTRAS` (0: none).
    pub extra: u32,
}

/// One type of an element.
#[derive(Debug)]
pub(crate) struct TypeRef {
    pub code: &'static str,
    /// The root element of the type's (or profile's) definition, or [`NONE`].
    pub root: u32,
    /// Target profiles of a Reference (range of `TARGETS`).
    pub targets: u32,
    pub targets_len: u16,
}

/// A constraint of the definitions.
#[derive(Debug)]
pub(crate) struct Constraint {
    pub key: &'static str,
    pub severity: &'static str,
    pub expression: &'static str,
}

impl Constraint {
    /// Its index in `CONSTRAINTS` (every constraint the walk sees is a row of it).
    pub fn index(&'static self) -> usize {
        row_of(CONSTRAINTS, self)
    }
}

/// The index of `row` in `table`, of which it is an element (checked: a row from elsewhere
/// panics, by the index out of bounds or the assertion).
fn row_of<T>(table: &'static [T], row: &'static T) -> usize {
    let offset = (row as *const T as usize).wrapping_sub(table.as_ptr() as usize);
    let i = offset / std::mem::size_of::<T>();
    assert!(std::ptr::eq(&table[i], row), "a row of the table");
    i
}

/// Facts few elements have.
#[derive(Debug)]
pub(crate) struct Extra {
    /// Row of `SLICINGS`.
    pub slicing: u32,
    /// Row of `BINDINGS`, published and served.
    pub binding: u32,
    pub served_binding: u32,
    pub served_min: u32,
    pub served_max: u32,
    /// Fixed value as JSON text, published and served.
    pub fixed: &'static str,
    pub served_fixed: &'static str,
    /// Pattern value as JSON text.
    pub pattern: &'static str,
    /// The extension URL a slice matches, published and served.
    pub url: &'static str,
    pub served_url: &'static str,
    /// Row of `ERRATA` whose violations served reports as warnings (0: none).
    pub deviation: u32,
    /// Type list id of the types served instead (0: as published).
    pub served_types: u32,
}

/// A value set, expanded.
#[derive(Debug)]
pub(crate) struct ValueSetDef {
    pub url: &'static str,
    /// Range of `INCLUDES`.
    pub includes: u32,
    pub includes_len: u16,
    /// The codebook variable the served target reads the value set as ("" for none).
    pub served_variable: &'static str,
}

/// One code system's codes in a value set.
#[derive(Debug)]
pub(crate) struct Include {
    pub system: &'static str,
    /// False when the code system is not available here (its codes cannot be checked).
    pub expandable: bool,
    /// Sorted.
    pub codes: &'static [&'static str],
}

/// One served erratum.
#[derive(Debug)]
pub(crate) struct Erratum {
    pub rule: &'static str,
    pub evidence: &'static str,
    /// A deviation inside the element's values: the rules whose errors at or below it are
    /// warnings (empty for a deviation at the element itself).
    pub content: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/validation.rs"));

/// Every element, decoded once from `ELEMENT_ROWS` (children and slices contiguous).
pub(crate) fn elements() -> &'static [E] {
    static ELEMENTS: OnceLock<Vec<E>> = OnceLock::new();
    ELEMENTS.get_or_init(|| {
        let text = |start: u32, len: u32| &ELEMENT_STRINGS[start as usize..(start + len) as usize];
        ELEMENT_ROWS
            .chunks_exact(ELEMENT_FIELDS)
            .map(|r| E {
                name: text(r[column::NAME_START], r[column::NAME_LEN]),
                path: text(r[column::PATH_START], r[column::PATH_LEN]),
                slice: text(r[column::SLICE_START], r[column::SLICE_LEN]),
                flags: r[column::FLAGS] as u8,
                min: r[column::MIN],
                max: r[column::MAX],
                types: r[column::TYPES],
                children: r[column::CHILDREN],
                children_len: r[column::CHILDREN_LEN] as u16,
                slices: r[column::SLICES],
                slices_len: r[column::SLICES_LEN] as u16,
                content_ref: r[column::CONTENT_REF],
                constraints: r[column::CONSTRAINTS],
                extra: r[column::EXTRA],
            })
            .collect()
    })
}

/// The bit of [`end_checks`] for `target`.
pub(crate) fn end_check_bit(target: Target) -> u8 {
    match target {
        Target::Published => 1,
        Target::Served => 2,
    }
}

/// Per element of `children` (a run of [`elements`]: the children of one), whether the end of
/// an object has something to check of it: the bit of a target ([`end_check_bit`]) is set
/// when the element exists there and has a minimum above 0 or slices. Packed apart from the
/// elements, so that the walk reads a byte per child rather than a row of [`E`] at the end of
/// each object.
pub(crate) fn end_checks(children: &'static [E]) -> &'static [u8] {
    static CHECKS: OnceLock<Vec<u8>> = OnceLock::new();
    let checks = CHECKS.get_or_init(|| {
        let check = |e: &E, target| {
            let checked = e.available(target) && ((e.slices_len > 0 && !e.is(CHOICE)) || e.min(target) > 0);
            if checked {
                end_check_bit(target)
            } else {
                0
            }
        };
        elements().iter().map(|e| check(e, Target::Published) | check(e, Target::Served)).collect()
    });
    let Some(first) = children.first() else { return &[] };
    let start = row_of(elements(), first);
    &checks[start..start + children.len()]
}

/// A JSON value of the tables: its text, and the value it parses to (`None` for a text that
/// is not JSON).
pub(crate) type JsonText = (&'static str, Option<&'static Value<'static>>);

/// The fixed (published and served) and pattern values of each row of `EXTRAS`, parsed once,
/// on first use, rather than at each value checked against them.
fn parsed_extras() -> &'static [[Option<Value<'static>>; 3]] {
    static PARSED: OnceLock<Vec<[Option<Value<'static>>; 3]>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let parse = |text: &'static str| (!text.is_empty()).then(|| crate::json::from_str(text).ok()).flatten();
        EXTRAS.iter().map(|x| [x.fixed, x.served_fixed, x.pattern].map(parse)).collect()
    })
}

static NO_EXTRA: Extra = Extra {
    slicing: 0,
    binding: 0,
    served_binding: 0,
    served_min: 0,
    served_max: 0,
    fixed: "",
    served_fixed: "",
    pattern: "",
    url: "",
    served_url: "",
    deviation: 0,
    served_types: 0,
};

impl E {
    pub fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    pub fn extra(&self) -> &'static Extra {
        if self.extra == 0 {
            &NO_EXTRA
        } else {
            &EXTRAS[self.extra as usize]
        }
    }

    /// Whether the element exists under `target`.
    pub fn available(&self, target: Target) -> bool {
        match target {
            Target::Published => !self.is(SERVED_ONLY),
            Target::Served => !self.is(PUBLISHED_ONLY),
        }
    }

    pub fn min(&self, target: Target) -> u32 {
        match (target, self.extra) {
            (Target::Served, x) if x != 0 => EXTRAS[x as usize].served_min,
            _ => self.min,
        }
    }

    pub fn max(&self, target: Target) -> u32 {
        match (target, self.extra) {
            (Target::Served, x) if x != 0 => EXTRAS[x as usize].served_max,
            _ => self.max,
        }
    }

    /// The types under `target`.
    pub fn types(&self, target: Target) -> &'static [TypeRef] {
        let served = self.extra().served_types;
        let list = if target == Target::Served && served != 0 { served } else { self.types };
        let (start, len) = TYPE_LISTS[list as usize];
        &TYPES[start as usize..start as usize + len as usize]
    }

    pub fn children(&self) -> &'static [E] {
        let start = self.children as usize;
        &elements()[start..start + self.children_len as usize]
    }

    pub fn slices(&self) -> &'static [E] {
        let start = self.slices as usize;
        &elements()[start..start + self.slices_len as usize]
    }

    pub fn constraints(&self) -> impl Iterator<Item = &'static Constraint> + Clone {
        CONSTRAINT_LISTS[self.constraints as usize].iter().map(|&i| &CONSTRAINTS[i as usize])
    }

    /// (strength, value set url) of the binding under `target`.
    pub fn binding(&self, target: Target) -> Option<(&'static str, &'static str)> {
        let x = self.extra();
        let row = if target == Target::Served { x.served_binding } else { x.binding };
        (row != 0).then(|| BINDINGS[row as usize])
    }

    /// The fixed value under `target`.
    pub fn fixed_value(&self, target: Target) -> Option<JsonText> {
        let x = self.extra();
        let (text, at) = if target == Target::Served { (x.served_fixed, 1) } else { (x.fixed, 0) };
        (!text.is_empty()).then(|| (text, parsed_extras()[self.extra as usize][at].as_ref()))
    }

    /// The pattern value.
    pub fn pattern_value(&self) -> Option<JsonText> {
        let text = self.extra().pattern;
        (!text.is_empty()).then(|| (text, parsed_extras()[self.extra as usize][2].as_ref()))
    }

    /// The extension URL this slice matches under `target`.
    pub fn url(&self, target: Target) -> &'static str {
        let x = self.extra();
        if target == Target::Served {
            x.served_url
        } else {
            x.url
        }
    }

    pub fn slicing(&self) -> Option<(&'static str, &'static str, bool)> {
        let row = self.extra().slicing;
        (row != 0).then(|| SLICINGS[row as usize])
    }

    /// The erratum whose violations served reports as warnings.
    pub fn deviation(&self, target: Target) -> Option<&'static Erratum> {
        let d = self.extra().deviation;
        (target == Target::Served && d != 0).then(|| &ERRATA[d as usize])
    }
}

/// Whether `code` is an STU3 primitive type.
pub(crate) fn is_primitive(code: &str) -> bool {
    matches!(
        code,
        "base64Binary"
            | "boolean"
            | "code"
            | "date"
            | "dateTime"
            | "decimal"
            | "id"
            | "instant"
            | "integer"
            | "markdown"
            | "oid"
            | "positiveInt"
            | "string"
            | "time"
            | "unsignedInt"
            | "uri"
            | "uuid"
            | "xhtml"
    )
}

/// What a type's values are, as the walk treats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKind {
    /// A primitive (a JSON string, number or boolean, with its `_name` part).
    Primitive,
    /// A resource (`Resource`, or an STU3 resource type): walked as a nested resource.
    Resource,
    /// Any other: an object walked against its children.
    Complex,
}

impl TypeRef {
    /// What the values of this type are (worked out once per row of `TYPES`).
    pub fn kind(&'static self) -> TypeKind {
        static KINDS: OnceLock<Vec<TypeKind>> = OnceLock::new();
        let kinds = KINDS.get_or_init(|| {
            TYPES
                .iter()
                .map(|t| {
                    if is_primitive(t.code) {
                        TypeKind::Primitive
                    } else if t.code == "Resource" || core(t.code).is_some_and(|d| d.kind == "resource" && !d.ig) {
                        TypeKind::Resource
                    } else {
                        TypeKind::Complex
                    }
                })
                .collect()
        });
        kinds[row_of(TYPES, self)]
    }

    pub fn targets(&self) -> &'static [&'static str] {
        let start = self.targets as usize;
        &TARGETS[start..start + self.targets_len as usize]
    }

    /// The root element of the type's definition.
    pub fn root(&self) -> Option<&'static E> {
        (self.root != NONE).then(|| &elements()[self.root as usize])
    }
}

impl ValueSetDef {
    pub fn includes(&self) -> &'static [Include] {
        let start = self.includes as usize;
        &INCLUDES[start..start + self.includes_len as usize]
    }
}

/// The definition with this url.
pub(crate) fn structure(url: &str) -> Option<&'static Structure> {
    STRUCTURES.binary_search_by(|s| s.url.cmp(url)).ok().map(|i| &STRUCTURES[i])
}

/// The core definition of a type or resource (`Patient`, `Coding`). Asked for every complex
/// value the validator walks, so it is a hash lookup, built once, rather than a search of the
/// URL-sorted definitions.
pub(crate) fn core(type_name: &str) -> Option<&'static Structure> {
    const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";
    static BY_NAME: OnceLock<rustc_hash::FxHashMap<&'static str, &'static Structure>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| STRUCTURES.iter().filter_map(|s| Some((s.url.strip_prefix(CORE)?, s))).collect())
        .get(type_name)
        .copied()
}

pub(crate) fn root_of(s: &Structure) -> &'static E {
    &elements()[s.root as usize]
}

/// Where the field catalog places a served CCW variable.
pub(crate) fn known_field(variable: &str) -> Option<&'static str> {
    KNOWN_FIELDS.binary_search_by(|(v, _)| v.cmp(&variable)).ok().map(|i| KNOWN_FIELDS[i].1)
}
