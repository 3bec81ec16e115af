//! The intermediate representation: plain data describing the Rust types to generate.
//!
//! Built from the definitions by [`Model::build`], printed by its `Debug`/`Display` impls for
//! snapshot tests, and turned into Rust by [`crate::emit`]. Nothing here knows about tokens.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::definitions::{Definitions, ElementDefinition, StructureDefinition};

/// The FHIR primitive types and the Rust types that hold their values.
pub const PRIMITIVES: &[(&str, &str)] = &[
    ("base64Binary", "Base64Binary"),
    ("boolean", "bool"),
    ("code", "Code"),
    ("date", "Date"),
    ("dateTime", "DateTime"),
    ("decimal", "Decimal"),
    ("id", "Id"),
    ("instant", "Instant"),
    ("integer", "Integer"),
    ("markdown", "Markdown"),
    ("oid", "Oid"),
    ("positiveInt", "PositiveInt"),
    ("string", "FhirString"),
    ("time", "Time"),
    ("unsignedInt", "UnsignedInt"),
    ("uri", "Uri"),
    ("uuid", "Uuid"),
    ("xhtml", "Xhtml"),
];

/// The Rust type of a FHIR primitive, if `code` is one.
pub fn primitive_rust_type(code: &str) -> Option<&'static str> {
    PRIMITIVES.iter().find(|(f, _)| *f == code).map(|(_, r)| *r)
}

/// Whether a primitive's Rust type borrows text (and so takes a lifetime).
pub fn primitive_has_lifetime(rust: &str) -> bool {
    !matches!(rust, "bool" | "Integer" | "UnsignedInt" | "PositiveInt")
}

/// Everything to generate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Structs, grouped by the datatype or resource that owns them, in a stable order.
    pub structs: Vec<Struct>,
    /// Datatypes that only constrain another (`Money` is a `Quantity`): type aliases.
    pub aliases: Vec<Alias>,
    /// Concrete resource types (the variants of the `Resource` enum), sorted.
    pub resources: Vec<String>,
    /// Profiles and extension definitions of the IG: what each one constrains.
    pub profiles: Vec<Profile>,
}

/// A profile (or extension definition): the constraints its differential puts on a base type.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub url: String,
    /// The constrained type (`ExplanationOfBenefit`, `Extension`).
    pub base_type: String,
    pub constraints: Vec<Constraint>,
}

/// One differential element of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The element id (`ExplanationOfBenefit.extension:carrier-prpayamt-extension`).
    pub id: String,
    pub path: String,
    pub slice_name: Option<String>,
    pub min: Option<u32>,
    pub max: Option<String>,
    /// Type codes, with the profile they must follow when one is given (`Extension(<url>)`).
    pub types: Vec<String>,
    /// `fixed[x]`/`pattern[x]`: the property name and the value as compact JSON.
    pub fixed: Option<(String, String)>,
    pub binding: Option<BindingIr>,
    /// Slicing discriminators (`value:url`) and rules.
    pub slicing: Option<String>,
}

/// `pub type Money<'a> = Quantity<'a>;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub target: String,
}

/// What a struct stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    Datatype,
    Resource,
    /// A backbone element (a nested, unnamed type) of a datatype or resource.
    Backbone,
}

/// One generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// The Rust name (`ExplanationOfBenefitItem`).
    pub name: String,
    /// The FHIR path it models (`ExplanationOfBenefit.item`).
    pub path: String,
    /// The datatype or resource it belongs to (`ExplanationOfBenefit`).
    pub owner: String,
    pub kind: StructKind,
    pub fields: Vec<Field>,
}

/// Upper cardinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Max {
    One,
    Many,
}

/// One field (element) of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON property name (`birthDate`; for choices the stem, `value`).
    pub json_name: String,
    /// The Rust field name (`birth_date`, `type_`).
    pub rust_name: String,
    /// The element path (`Patient.birthDate`, `Extension.value[x]`).
    pub path: String,
    pub min: u32,
    pub max: Max,
    pub ty: FieldType,
    pub binding: Option<BindingIr>,
    pub is_modifier: bool,
    pub is_summary: bool,
    /// An array of structs that holds a single element inline (`InlineVec<T>`), for the arrays
    /// that nearly always hold exactly one ([`INLINE_FIRST_ARRAYS`]).
    pub inline_first: bool,
}

/// The terminology binding of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingIr {
    pub strength: String,
    pub value_set: Option<String>,
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Single(TypeRef),
    /// A `[x]` element: one of several types, one JSON property per type.
    Choice {
        enum_name: String,
        variants: Vec<ChoiceVariant>,
    },
}

/// One type of a choice element.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceVariant {
    /// The enum variant (`CodeableConcept`).
    pub variant: String,
    /// The JSON property (`valueCodeableConcept`).
    pub json_name: String,
    pub ty: TypeRef,
}

/// A reference to a type, as a field or choice variant holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A primitive: its FHIR code and Rust type; `plain` when it has no `_name` sibling
    /// (XML attributes such as element ids and `Extension.url`, and the narrative div).
    Primitive { fhir: String, rust: String, plain: bool },
    /// A datatype or backbone struct, boxed where it would otherwise contain itself.
    Struct { rust: String, boxed: bool },
    /// Any resource (the `Resource` enum).
    Resource,
}

/// A failure to build the IR: a definition the generator does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrError(pub String);

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IrError {}

/// Rust keywords that FHIR uses as element names; they get a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
    "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Field names the generator itself uses in every struct.
pub const RESERVED_FIELDS: &[&str] = &["unknown"];

/// The Rust field name for a FHIR element name.
pub fn rust_field_name(json: &str) -> String {
    let snake = json.to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) || RESERVED_FIELDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The Rust struct name for an element path (`ExplanationOfBenefit.item.detail` →
/// `ExplanationOfBenefitItemDetail`).
pub fn struct_name(path: &str) -> String {
    path.split('.').map(|s| s.to_upper_camel_case()).collect()
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Model {
    /// Builds the IR for every core datatype and resource in `defs` (profiles are not types of
    /// their own: they constrain these).
    pub fn build(defs: &Definitions) -> Result<Model, IrError> {
        let mut model = Model::default();
        let sds: Vec<&StructureDefinition> = defs.core.values().collect();
        // Datatypes first, then resources, each by name, so the output order is stable.
        let mut ordered: Vec<&StructureDefinition> =
            sds.iter().copied().filter(|sd| sd.kind == "complex-type" || sd.kind == "resource").collect();
        ordered.sort_by(|a, b| (a.kind != "complex-type", &a.name).cmp(&(b.kind != "complex-type", &b.name)));
        let known: BTreeSet<&str> = ordered.iter().map(|sd| sd.type_.as_str()).collect();
        for sd in ordered {
            if sd.is_abstract || matches!(sd.type_.as_str(), "Element" | "BackboneElement") {
                continue;
            }
            if sd.derivation.as_deref() == Some("constraint") {
                // A profile of another datatype (Money, Age, SimpleQuantity...).
                let base = sd
                    .base_definition
                    .as_deref()
                    .and_then(|b| b.rsplit('/').next())
                    .ok_or_else(|| IrError(format!("{}: constraint without baseDefinition", sd.url)))?;
                if sd.kind == "complex-type" {
                    model.aliases.push(Alias { name: sd.name.clone(), target: base.to_string() });
                }
                continue;
            }
            let kind = if sd.kind == "resource" { StructKind::Resource } else { StructKind::Datatype };
            if kind == StructKind::Resource {
                model.resources.push(sd.type_.clone());
            }
            build_structs(sd, kind, &known, &mut model.structs)?;
        }
        model.resources.sort();
        model.aliases.sort_by(|a, b| a.name.cmp(&b.name));
        model.box_cycles();
        model.box_large_optionals(BOX_ABOVE_BYTES);
        model.inline_small_choices(INLINE_CHOICE_MAX_BYTES);
        // The holders of the choices just grew: box those that are now too large.
        model.box_large_optionals(BOX_ABOVE_BYTES);
        model.profiles = defs.ig.values().map(build_profile).collect::<Result<_, _>>()?;
        Ok(model)
    }

    /// Boxes singular struct fields that would make a type contain itself (Identifier →
    /// Reference → Identifier), breaking each cycle at the first field found on it.
    fn box_cycles(&mut self) {
        let aliases: BTreeMap<String, String> =
            self.aliases.iter().map(|a| (a.name.clone(), a.target.clone())).collect();
        let resolve = |n: &str| aliases.get(n).cloned().unwrap_or_else(|| n.to_string());
        loop {
            let edges = self.inline_edges(&resolve);
            let mut changed = false;
            'outer: for si in 0..self.structs.len() {
                for fi in 0..self.structs[si].fields.len() {
                    let s = &self.structs[si];
                    let f = &s.fields[fi];
                    if let (FieldType::Single(TypeRef::Struct { rust, boxed: false }), Max::One) = (&f.ty, f.max) {
                        if reaches(&edges, &resolve(rust), &s.name) {
                            if let FieldType::Single(TypeRef::Struct { boxed, .. }) =
                                &mut self.structs[si].fields[fi].ty
                            {
                                *boxed = true;
                            }
                            changed = true;
                            break 'outer;
                        }
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Boxes optional singular struct fields (`0..1`) whose type takes more than `threshold`
    /// bytes inline (as estimated by [`struct_size`]), so that an absent one costs a pointer
    /// instead of its whole size. Required fields (`1..1`) stay inline: they are always there.
    ///
    /// Structs are decided leaves first, so a struct's size already counts what was boxed
    /// inside it (`Identifier` shrinks once its `period` and `type` are boxed).
    pub fn box_large_optionals(&mut self, threshold: usize) {
        self.size_pass(Some(threshold));
    }

    /// Holds struct-typed choice variants of at most `max` bytes in the choice enum itself
    /// instead of a `Box`, unless that would make a type contain itself. An extension's
    /// `valueCoding`, `valueMoney` or `valueIdentifier` (nearly all the extension values in
    /// Blue Button data) is then read without an allocation of its own, into the `Vec` that
    /// holds the extensions.
    pub fn inline_small_choices(&mut self, max: usize) {
        let aliases: BTreeMap<String, String> =
            self.aliases.iter().map(|a| (a.name.clone(), a.target.clone())).collect();
        let resolve = |n: &str| aliases.get(n).cloned().unwrap_or_else(|| n.to_string());
        let sizes = self.inline_sizes();
        let mut edges = self.inline_edges(&resolve);
        for si in 0..self.structs.len() {
            let owner = self.structs[si].name.clone();
            for v in self.choice_variants_mut(si) {
                let TypeRef::Struct { rust, boxed: boxed @ true } = &mut v.ty else { continue };
                let target = resolve(rust);
                let small = sizes.get(&target).is_some_and(|&n| n <= max);
                if small && target != owner && !reaches(&edges, &target, &owner) {
                    *boxed = false;
                    edges.entry(owner.clone()).or_default().push(target);
                }
            }
        }
        // A variant may have grown by what was inlined inside it (`Annotation.author[x]`):
        // box those now over the limit, until none is. Boxing only shrinks, so this ends.
        loop {
            let sizes = self.inline_sizes();
            let mut changed = false;
            for si in 0..self.structs.len() {
                for v in self.choice_variants_mut(si) {
                    let TypeRef::Struct { rust, boxed: boxed @ false } = &mut v.ty else { continue };
                    if sizes.get(&resolve(rust)).is_some_and(|&n| n > max) {
                        *boxed = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// The variants of every choice field of struct `si`.
    fn choice_variants_mut(&mut self, si: usize) -> impl Iterator<Item = &mut ChoiceVariant> {
        self.structs[si].fields.iter_mut().flat_map(|f| match &mut f.ty {
            FieldType::Choice { variants, .. } => variants.iter_mut(),
            FieldType::Single(_) => [].iter_mut(),
        })
    }

    /// Struct → the structs it holds inline (single fields and inline choice variants).
    fn inline_edges(&self, resolve: &dyn Fn(&str) -> String) -> BTreeMap<String, Vec<String>> {
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &self.structs {
            for f in &s.fields {
                let held: Vec<&String> = match (&f.ty, f.max) {
                    (FieldType::Single(TypeRef::Struct { rust, boxed: false }), Max::One) => vec![rust],
                    (FieldType::Single(TypeRef::Struct { rust, .. }), Max::Many) if f.inline_first => vec![rust],
                    (FieldType::Choice { variants, .. }, _) => variants
                        .iter()
                        .filter_map(|v| match &v.ty {
                            TypeRef::Struct { rust, boxed: false } => Some(rust),
                            _ => None,
                        })
                        .collect(),
                    _ => vec![],
                };
                edges.entry(s.name.clone()).or_default().extend(held.into_iter().map(|r| resolve(r)));
            }
        }
        edges
    }

    /// The estimated inline size in bytes of each struct (by name) on a 64-bit target.
    pub fn inline_sizes(&self) -> BTreeMap<String, usize> {
        let sizes = self.clone().size_pass(None);
        self.structs.iter().zip(sizes).map(|(s, n)| (s.name.clone(), n)).collect()
    }

    /// Computes every struct's size, leaves first, boxing as it goes when given a threshold.
    /// The inline edges are acyclic once `box_cycles` has run.
    fn size_pass(&mut self, threshold: Option<usize>) -> Vec<usize> {
        // Fields name structs and aliases (`Money`) alike.
        let mut index: BTreeMap<String, usize> =
            self.structs.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
        for a in &self.aliases {
            if let Some(&i) = index.get(&a.target) {
                index.insert(a.name.clone(), i);
            }
        }
        let mut sizes = vec![None; self.structs.len()];
        for si in 0..self.structs.len() {
            self.size_of(si, threshold, &index, &mut sizes);
        }
        sizes.into_iter().map(|n| n.unwrap_or(0)).collect()
    }

    fn size_of(
        &mut self,
        si: usize,
        threshold: Option<usize>,
        index: &BTreeMap<String, usize>,
        sizes: &mut Vec<Option<usize>>,
    ) -> usize {
        if let Some(n) = sizes[si] {
            return n;
        }
        let mut inline = BTreeMap::new();
        let inline_variants: Vec<String> = self.structs[si]
            .fields
            .iter()
            .flat_map(|f| match &f.ty {
                FieldType::Choice { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
                FieldType::Single(t) if f.inline_first => vec![t],
                FieldType::Single(_) => vec![],
            })
            .filter_map(|t| match t {
                TypeRef::Struct { rust, boxed: false } => Some(rust.clone()),
                _ => None,
            })
            .collect();
        for rust in inline_variants {
            if let Some(&ti) = index.get(&rust) {
                let n = self.size_of(ti, threshold, index, sizes);
                inline.insert(rust, n);
            }
        }
        for fi in 0..self.structs[si].fields.len() {
            let f = &self.structs[si].fields[fi];
            let (FieldType::Single(TypeRef::Struct { rust, boxed: false }), Max::One) = (&f.ty, f.max) else {
                continue;
            };
            let Some(&ti) = index.get(rust) else { continue };
            let (rust, min) = (rust.clone(), f.min);
            let n = self.size_of(ti, threshold, index, sizes);
            if threshold.is_some_and(|t| min == 0 && n > t) {
                if let FieldType::Single(TypeRef::Struct { boxed, .. }) = &mut self.structs[si].fields[fi].ty {
                    *boxed = true;
                }
            } else {
                inline.insert(rust, n);
            }
        }
        let n = struct_size(&self.structs[si], &|rust| inline.get(rust).copied().unwrap_or(0));
        sizes[si] = Some(n);
        n
    }
}

/// Optional singular struct fields larger than this many bytes inline are boxed
/// ([`Model::box_large_optionals`]).
///
/// Chosen by measurement (issue 5): every datatype but the smallest takes more than 64 bytes
/// (its `id`, `extension` and lenient `unknown` alone take 48), and boxing them all made the
/// typed parse faster and smaller than keeping those up to 128 bytes (`Reference`, `Period`,
/// `CodeableConcept`) inline: most optional fields are absent in real data.
pub const BOX_ABOVE_BYTES: usize = 64;

/// The arrays of structs that hold a single element inline (`InlineVec<T>`, see
/// [`Field::inline_first`]): in the real responses 1,114 of the 1,143 `coding` arrays hold
/// exactly one `Coding`, which was otherwise an allocation of its own for every code in a
/// claim.
pub const INLINE_FIRST_ARRAYS: &[&str] = &["CodeableConcept.coding"];

/// Struct-typed choice variants up to this many bytes inline are held in the choice enum
/// ([`Model::inline_small_choices`]): `Coding` (160), `Money` and `Quantity` (168),
/// `Identifier`, `Reference`, `Period`, `CodeableConcept`. Larger ones (`Address`, `Timing`,
/// `Attachment`, ...) stay boxed, so an enum is at most this plus its tag.
///
/// Chosen by measurement (issue 5): one allocation less for each such extension value made
/// streaming a 10 MB Bundle 8 % (pretty) to 11 % (minified) faster and its heap 23 % smaller
/// (an extension is a `Vec` element either way; a boxed `Coding` cost its 160 bytes and the
/// allocator's header).
pub const INLINE_CHOICE_MAX_BYTES: usize = 168;

/// The inline size of a primitive's value in bytes: the string-backed types are 16 bytes
/// (`primitives::cow_str`), the integers four bytes and a flag.
fn primitive_value_size(rust: &str) -> usize {
    match rust {
        "bool" => 1,
        "Integer" | "UnsignedInt" | "PositiveInt" => 8,
        _ => 16,
    }
}

/// The estimated inline size of one field's Rust type (`Option<..>` or `Vec<..>`) on a 64-bit
/// target; `inline` gives the size of an unboxed struct.
fn field_size(f: &Field, inline: &dyn Fn(&str) -> usize) -> usize {
    let value = |t: &TypeRef| match t {
        // `Option<CowStr>` and `Option<Box<..>>` use niches; the integers need their flag.
        TypeRef::Primitive { rust, plain: true, .. } => primitive_value_size(rust).max(8),
        TypeRef::Primitive { rust, .. } => primitive_value_size(rust).max(8) + 8,
        TypeRef::Struct { boxed: true, .. } => 8,
        TypeRef::Struct { rust, .. } => inline(rust),
        TypeRef::Resource => 16,
    };
    match (&f.ty, f.max) {
        // `InlineVec<T>`: the element or a `Vec`, and the tag.
        (FieldType::Single(t), Max::Many) if f.inline_first => value(t).max(24) + 8,
        (_, Max::Many) => 24,
        (FieldType::Single(t), Max::One) => value(t),
        // Boxed variants take a pointer; the tag takes a word.
        (FieldType::Choice { variants, .. }, Max::One) => 8 + variants.iter().map(|v| value(&v.ty)).max().unwrap_or(0),
    }
}

/// The estimated inline size of a struct: its fields and the lenient mode's `unknown` (a
/// pointer).
fn struct_size(s: &Struct, inline: &dyn Fn(&str) -> usize) -> usize {
    s.fields.iter().map(|f| field_size(f, inline)).sum::<usize>() + 8
}

fn build_profile(sd: &StructureDefinition) -> Result<Profile, IrError> {
    let differential =
        sd.differential.as_ref().ok_or_else(|| IrError(format!("{}: profile without differential", sd.url)))?;
    let constraints = differential
        .element
        .iter()
        .map(|e| Constraint {
            id: e.id.clone().unwrap_or_else(|| e.path.clone()),
            path: e.path.clone(),
            slice_name: e.slice_name.clone(),
            min: e.min,
            max: e.max.clone(),
            types: e
                .types
                .iter()
                .filter_map(|t| {
                    let code = t.code.as_deref()?;
                    Some(match (&t.profile, &t.target_profile) {
                        (Some(p), _) => format!("{code}({p})"),
                        (None, Some(t)) => format!("{code}(->{t})"),
                        (None, None) => code.to_string(),
                    })
                })
                .collect(),
            fixed: e.fixed().or_else(|| e.pattern()).map(|(suffix, v)| {
                let kind = if e.fixed().is_some() { "fixed" } else { "pattern" };
                (format!("{kind}{suffix}"), v.to_string())
            }),
            binding: e
                .binding
                .as_ref()
                .map(|b| BindingIr { strength: b.strength.clone(), value_set: b.value_set().map(str::to_string) }),
            slicing: e.slicing.as_ref().map(|s| {
                let d: Vec<String> = s.discriminator.iter().map(|d| format!("{}:{}", d.type_, d.path)).collect();
                format!("{} {}", d.join(","), s.rules.as_deref().unwrap_or("open"))
            }),
        })
        .collect();
    Ok(Profile { name: sd.name.clone(), url: sd.url.clone(), base_type: sd.type_.clone(), constraints })
}

fn reaches(edges: &BTreeMap<String, Vec<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(edges.get(&n).into_iter().flatten().cloned());
        }
    }
    false
}

/// Builds the struct for `sd` and one per backbone element in its snapshot.
fn build_structs(
    sd: &StructureDefinition,
    kind: StructKind,
    known: &BTreeSet<&str>,
    out: &mut Vec<Struct>,
) -> Result<(), IrError> {
    let elements = &sd.snapshot.as_ref().ok_or_else(|| IrError(format!("{}: no snapshot", sd.url)))?.element;
    // Slices (sliceName) and their children are profile constraints, not new elements.
    let elements: Vec<&ElementDefinition> =
        elements.iter().filter(|e| e.slice_name.is_none() && !e.id.as_deref().unwrap_or("").contains(':')).collect();
    let root = elements.first().ok_or_else(|| IrError(format!("{}: empty snapshot", sd.url)))?;
    // Paths that are backbone elements (have children).
    let parents: BTreeSet<&str> = elements.iter().filter_map(|e| e.path.rsplit_once('.').map(|(p, _)| p)).collect();
    let mut queue = vec![(root.path.clone(), kind)];
    while let Some((path, kind)) = queue.pop() {
        let mut fields = Vec::new();
        for e in elements.iter().filter(|e| e.path.rsplit_once('.').map(|(p, _)| p) == Some(path.as_str())) {
            let field = build_field(sd, e, &parents, known)?;
            if let Some(f) = field {
                if parents.contains(e.path.as_str()) && e.content_reference.is_none() {
                    queue.push((e.path.clone(), StructKind::Backbone));
                }
                fields.push(f);
            }
        }
        out.push(Struct { name: struct_name(&path), path: path.clone(), owner: sd.type_.clone(), kind, fields });
    }
    // Stable order: the owner first, then its backbones in path order.
    let start = out.iter().position(|s| s.owner == sd.type_).unwrap_or(0);
    out[start..]
        .sort_by(|a, b| (a.kind == StructKind::Backbone, &a.path).cmp(&(b.kind == StructKind::Backbone, &b.path)));
    Ok(())
}

fn build_field(
    sd: &StructureDefinition,
    e: &ElementDefinition,
    parents: &BTreeSet<&str>,
    known: &BTreeSet<&str>,
) -> Result<Option<Field>, IrError> {
    let name = e.path.rsplit('.').next().unwrap_or(&e.path);
    let max = match e.max.as_deref() {
        Some("0") => return Ok(None),
        Some("1") => Max::One,
        Some(_) => Max::Many,
        None => return Err(IrError(format!("{}: element {} has no max", sd.url, e.path))),
    };
    let min = e.min.unwrap_or(0);
    let plain = e.representation.iter().any(|r| r == "xmlAttr" || r == "xhtml");
    let binding = e
        .binding
        .as_ref()
        .map(|b| BindingIr { strength: b.strength.clone(), value_set: b.value_set().map(str::to_string) });
    let type_ref = |code: &str| -> Result<TypeRef, IrError> {
        if let Some(rust) = primitive_rust_type(code) {
            return Ok(TypeRef::Primitive { fhir: code.to_string(), rust: rust.to_string(), plain });
        }
        match code {
            "Resource" | "DomainResource" => Ok(TypeRef::Resource),
            "BackboneElement" | "Element" if parents.contains(e.path.as_str()) => {
                Ok(TypeRef::Struct { rust: struct_name(&e.path), boxed: false })
            }
            _ if known.contains(code) => Ok(TypeRef::Struct { rust: code.to_string(), boxed: false }),
            _ => Err(IrError(format!(
                "{}: element {} has type {code}, which is not among the definitions",
                sd.url, e.path
            ))),
        }
    };
    let (json_name, ty) = if let Some(stem) = name.strip_suffix("[x]") {
        let mut variants = Vec::new();
        for t in &e.types {
            let code =
                t.code.as_deref().ok_or_else(|| IrError(format!("{}: {} has a type without code", sd.url, e.path)))?;
            if variants.iter().any(|v: &ChoiceVariant| v.json_name == format!("{stem}{}", upper_first(code))) {
                continue; // the same type listed twice with different profiles
            }
            // Struct variants start boxed; `Model::inline_small_choices` unboxes the small ones.
            let ty = match type_ref(code)? {
                TypeRef::Struct { rust, .. } => TypeRef::Struct { rust, boxed: true },
                other => other,
            };
            variants.push(ChoiceVariant {
                variant: upper_first(code),
                json_name: format!("{stem}{}", upper_first(code)),
                ty,
            });
        }
        let owner_path = e.path.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
        let enum_name = format!("{}{}", struct_name(owner_path), stem.to_upper_camel_case());
        (stem.to_string(), FieldType::Choice { enum_name, variants })
    } else if let Some(reference) = &e.content_reference {
        let target = reference.trim_start_matches('#');
        (name.to_string(), FieldType::Single(TypeRef::Struct { rust: struct_name(target), boxed: false }))
    } else {
        let codes: Vec<&str> = e.types.iter().filter_map(|t| t.code.as_deref()).collect();
        let first = codes.first().ok_or_else(|| IrError(format!("{}: {} has no type", sd.url, e.path)))?;
        if codes.iter().any(|c| c != first) {
            return Err(IrError(format!("{}: {} has several types but is not a choice", sd.url, e.path)));
        }
        (name.to_string(), FieldType::Single(type_ref(first)?))
    };
    Ok(Some(Field {
        rust_name: rust_field_name(&json_name),
        json_name,
        path: e.path.clone(),
        min,
        max,
        ty,
        binding,
        is_modifier: e.is_modifier,
        is_summary: e.is_summary,
        inline_first: max == Max::Many && INLINE_FIRST_ARRAYS.contains(&e.path.as_str()),
    }))
}

impl fmt::Display for Model {
    /// A compact, line-per-field listing for snapshot tests and review.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.aliases {
            writeln!(f, "alias {} = {}", a.name, a.target)?;
        }
        writeln!(f, "resources: {}", self.resources.join(", "))?;
        for s in &self.structs {
            writeln!(f, "{:?} {} ({})", s.kind, s.name, s.path)?;
            for field in &s.fields {
                let card = format!("{}..{}", field.min, if field.max == Max::One { "1" } else { "*" });
                let ty = match &field.ty {
                    FieldType::Single(t) => type_label(t),
                    FieldType::Choice { enum_name, variants } => format!(
                        "{enum_name}{{{}}}",
                        variants
                            .iter()
                            .map(|v| format!("{}:{}", v.json_name, type_label(&v.ty)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let binding = field
                    .binding
                    .as_ref()
                    .map(|b| format!(" [{} {}]", b.strength, b.value_set.as_deref().unwrap_or("-")))
                    .unwrap_or_default();
                writeln!(f, "  {} {} {card} {ty}{binding}", field.json_name, field.rust_name)?;
            }
        }
        for p in &self.profiles {
            writeln!(f, "Profile {} on {} ({})", p.name, p.base_type, p.url)?;
            for c in &p.constraints {
                let card = match (c.min, &c.max) {
                    (None, None) => String::new(),
                    (min, max) => format!(
                        " {}..{}",
                        min.map_or("_".to_string(), |m| m.to_string()),
                        max.as_deref().unwrap_or("_")
                    ),
                };
                write!(f, "  {}{card}", c.id)?;
                if !c.types.is_empty() {
                    write!(f, " {}", c.types.join("|"))?;
                }
                if let Some((k, v)) = &c.fixed {
                    write!(f, " {k}={v}")?;
                }
                if let Some(b) = &c.binding {
                    write!(f, " [{} {}]", b.strength, b.value_set.as_deref().unwrap_or("-"))?;
                }
                if let Some(s) = &c.slicing {
                    write!(f, " sliced by {s}")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

fn type_label(t: &TypeRef) -> String {
    match t {
        TypeRef::Primitive { fhir, plain: true, .. } => format!("{fhir}(plain)"),
        TypeRef::Primitive { fhir, .. } => fhir.clone(),
        TypeRef::Struct { rust, boxed: true } => format!("Box<{rust}>"),
        TypeRef::Struct { rust, .. } => rust.clone(),
        TypeRef::Resource => "Resource".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, min: u32, max: Max, ty: TypeRef) -> Field {
        Field {
            json_name: name.into(),
            rust_name: name.into(),
            path: format!("X.{name}"),
            min,
            max,
            ty: FieldType::Single(ty),
            binding: None,
            is_modifier: false,
            is_summary: false,
            inline_first: false,
        }
    }

    fn string() -> TypeRef {
        TypeRef::Primitive { fhir: "string".into(), rust: "FhirString".into(), plain: false }
    }

    fn structure(name: &str, fields: Vec<Field>) -> Struct {
        Struct { name: name.into(), path: name.into(), owner: name.into(), kind: StructKind::Datatype, fields }
    }

    fn boxed(model: &Model, owner: &str, name: &str) -> bool {
        let s = model.structs.iter().find(|s| s.name == owner).unwrap();
        let f = s.fields.iter().find(|f| f.json_name == name).unwrap();
        matches!(f.ty, FieldType::Single(TypeRef::Struct { boxed: true, .. }))
    }

    #[test]
    fn large_optional_struct_fields_are_boxed() {
        let to = |rust: &str| TypeRef::Struct { rust: rust.into(), boxed: false };
        let mut model = Model {
            structs: vec![
                // 4 × 24 + 8 bytes.
                structure("Big", (0..4).map(|i| field(&format!("s{i}"), 0, Max::One, string())).collect()),
                structure("Small", vec![field("s", 0, Max::One, string())]),
                structure(
                    "Holder",
                    vec![
                        field("optional", 0, Max::One, to("Big")),
                        field("aliased", 0, Max::One, to("Large")),
                        field("required", 1, Max::One, to("Big")),
                        field("small", 0, Max::One, to("Small")),
                        field("many", 0, Max::Many, to("Big")),
                    ],
                ),
                // Holds a Holder: its size counts the boxing inside Holder.
                structure("Outer", vec![field("holder", 1, Max::One, to("Holder"))]),
            ],
            aliases: vec![Alias { name: "Large".into(), target: "Big".into() }],
            ..Model::default()
        };
        assert_eq!(model.inline_sizes()["Big"], 104);
        assert_eq!(model.inline_sizes()["Holder"], 104 * 3 + 32 + 24 + 8);
        model.box_large_optionals(100);
        assert!(boxed(&model, "Holder", "optional"));
        assert!(boxed(&model, "Holder", "aliased"));
        assert!(!boxed(&model, "Holder", "required"), "a required field is always there");
        assert!(!boxed(&model, "Holder", "small"));
        assert!(!matches!(model.structs[2].fields[4].ty, FieldType::Single(TypeRef::Struct { boxed: true, .. })));
        let sizes = model.inline_sizes();
        assert_eq!(sizes["Holder"], 8 + 8 + 104 + 32 + 24 + 8);
        assert_eq!(sizes["Outer"], sizes["Holder"] + 8);
    }

    fn choice(stem: &str, variants: &[(&str, TypeRef)]) -> Field {
        let variants = variants
            .iter()
            .map(|(name, ty)| ChoiceVariant {
                variant: name.to_string(),
                json_name: format!("{stem}{name}"),
                ty: ty.clone(),
            })
            .collect();
        Field {
            ty: FieldType::Choice { enum_name: format!("X{stem}"), variants },
            ..field(stem, 0, Max::One, string())
        }
    }

    fn inline_variants(model: &Model, owner: &str) -> Vec<String> {
        let s = model.structs.iter().find(|s| s.name == owner).unwrap();
        let FieldType::Choice { variants, .. } = &s.fields[0].ty else { panic!("not a choice") };
        variants
            .iter()
            .filter(|v| matches!(v.ty, TypeRef::Struct { boxed: false, .. }))
            .map(|v| v.variant.clone())
            .collect()
    }

    #[test]
    fn small_choice_variants_are_held_inline() {
        let boxed = |rust: &str| TypeRef::Struct { rust: rust.into(), boxed: true };
        let mut model = Model {
            structs: vec![
                structure("Small", vec![field("s", 0, Max::One, string())]),
                structure("Big", (0..4).map(|i| field(&format!("s{i}"), 0, Max::One, string())).collect()),
                // 24 bytes with its variant boxed, 48 once `Small` is inline in it.
                structure("Grows", vec![choice("x", &[("Small", boxed("Small"))])]),
                structure("Loop", vec![choice("x", &[("Loop", boxed("Loop")), ("Ref", boxed("Ref"))])]),
                structure(
                    "Ref",
                    vec![field("back", 1, Max::One, TypeRef::Struct { rust: "Loop".into(), boxed: false })],
                ),
                structure(
                    "Holder",
                    vec![choice(
                        "value",
                        &[
                            ("String", string()),
                            ("Small", boxed("Small")),
                            ("Big", boxed("Big")),
                            ("Grows", boxed("Grows")),
                        ],
                    )],
                ),
            ],
            ..Model::default()
        };
        model.inline_small_choices(40);
        assert_eq!(inline_variants(&model, "Holder"), ["Small"], "Big is too large; Grows grew too large");
        assert_eq!(inline_variants(&model, "Grows"), ["Small"]);
        assert!(inline_variants(&model, "Loop").is_empty(), "a type cannot hold itself, directly or not");
        let sizes = model.inline_sizes();
        assert_eq!(sizes["Holder"], 8 + 32 + 8);
        assert_eq!(sizes["Grows"], 8 + 32 + 8);
    }
}
