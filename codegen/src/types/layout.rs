//! Layout passes over the type IR, measured for speed and memory (issue 5): fields that would
//! make a type contain itself are boxed, the members the server rarely sends are held in one
//! boxed part per struct, large optional struct fields are boxed, and small struct variants of
//! choices are held inline.
use std::collections::{BTreeMap, BTreeSet};

use super::ir::*;
use crate::recorded::Recorded;

impl Model {
    /// Boxes singular struct fields that would make a type contain itself (Identifier →
    /// Reference → Identifier), breaking each cycle at the first field found on it.
    pub(super) fn box_cycles(&mut self) {
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

    /// Moves into each struct's rare part ([`Field::rare`]) the optional fields that the
    /// recorded server versions sent in fewer than one instance of the struct in
    /// [`RARE_ONE_IN`] (`Coding.version`, `userSelected`, every element's `id`, the
    /// datatypes' `extension`), when the struct was seen at least [`RARE_MIN_INSTANCES`] times
    /// and the part saves at least [`RARE_PART_MIN_BYTES`]. The part is one allocation, made
    /// when one of its members is parsed or set; otherwise the struct holds only a null pointer
    /// for all of them. A struct the recorded responses never hold keeps its layout: there is no
    /// evidence for it.
    pub fn hold_rare_members(&mut self, recorded: &Recorded) {
        let seen = self.occurrences(recorded);
        // Sizes as laid out by the later passes, so that a field to be boxed counts as a pointer.
        let mut laid = self.clone();
        laid.box_large_optionals(BOX_ABOVE_BYTES);
        let sizes = laid.inline_sizes();
        for (si, seen) in seen.iter().enumerate() {
            if seen.instances < RARE_MIN_INSTANCES {
                continue;
            }
            let laid_fields = &laid.structs[si].fields;
            let rare: Vec<usize> = (0..laid_fields.len())
                .filter(|&fi| laid_fields[fi].min == 0 && seen.present[fi] * RARE_ONE_IN < seen.instances)
                .collect();
            let inline = |rust: &str| sizes.get(rust).copied().unwrap_or(0);
            let saved: usize = rare.iter().map(|&fi| field_size(&laid_fields[fi], &inline)).sum();
            if saved < RARE_PART_MIN_BYTES {
                continue;
            }
            for fi in rare {
                self.structs[si].fields[fi].rare = true;
            }
        }
    }

    /// For each struct, how many instances of it the recorded responses hold and in how many of
    /// them each field is present: every recorded element path is followed through the
    /// fields from its resource (`ExplanationOfBenefit.item.adjudication.amount.value`).
    fn occurrences(&self, recorded: &Recorded) -> Vec<Occurrences> {
        let mut index: BTreeMap<&str, usize> =
            self.structs.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
        for a in &self.aliases {
            if let Some(&i) = index.get(a.target.as_str()) {
                index.insert(&a.name, i);
            }
        }
        let mut out: Vec<Occurrences> =
            self.structs.iter().map(|s| Occurrences { instances: 0, present: vec![0; s.fields.len()] }).collect();
        for (kind, (_, elements)) in recorded.kinds.iter().enumerate() {
            // A parent path's instances are counted once, whatever members it has.
            let mut parents = BTreeSet::new();
            for e in elements {
                let steps = element_steps(&e.path);
                let Some((si, fi)) = self.field_at(&index, &steps) else { continue };
                let last = steps.last().map_or(0, |s| s.len());
                let parent = &e.path[..e.path.len().saturating_sub(last + 1)];
                if parents.insert((kind, parent)) {
                    out[si].instances += e.parents;
                }
                out[si].present[fi] += e.present;
            }
        }
        out
    }

    /// The struct and field a recorded element path (its [`element_steps`]) ends on, if the
    /// model has it.
    fn field_at(&self, index: &BTreeMap<&str, usize>, steps: &[&str]) -> Option<(usize, usize)> {
        let (first, rest) = steps.split_first()?;
        let mut si = *index.get(first)?;
        for (i, step) in rest.iter().enumerate() {
            // `extension('<url>')` is the `extension` field; a choice keeps its JSON name.
            let name = step.split_once('(').map_or(*step, |(name, _)| name);
            let fields = &self.structs[si].fields;
            let (fi, ty) = fields.iter().enumerate().find_map(|(fi, f)| match &f.ty {
                FieldType::Single(ty) if f.json_name == name => Some((fi, ty)),
                FieldType::Choice { variants, .. } => {
                    variants.iter().find(|v| v.json_name == name).map(|v| (fi, &v.ty))
                }
                FieldType::Single(_) => None,
            })?;
            if i + 1 == rest.len() {
                return Some((si, fi));
            }
            let TypeRef::Struct { rust, .. } = ty else { return None };
            si = *index.get(rust.as_str())?;
        }
        None
    }

    /// Boxes optional singular struct fields (`0..1`) whose type takes more than `threshold`
    /// bytes inline (as estimated by `struct_size`), so that an absent one costs a pointer
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
            // The rare part is boxed: what it holds is not inline.
            for f in s.fields.iter().filter(|f| !f.rare) {
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

/// How often a recorded struct's optional field may be present and still be held in its rare
/// part: in fewer than one instance in this many ([`Model::hold_rare_members`]).
///
/// With one in twenty, the members moved are those the server sends almost never
/// (`Coding.version` in 1.5% of the codings, the element `id`s and most datatypes' `extension`
/// in none), so the part's allocation is almost never made. Measured (issue 17, before `unknown`
/// moved into the parts) against one in ten, which also moves members sent in 5 to 10% of the
/// instances: an in-memory parse of a
/// 64 MB minified Bundle peaks at 1.92 against 1.86 times the input (generated claims) and 1.95
/// against 1.92 (the server's), in the same time within noise. The smaller gain was not taken
/// for members that a server sending a little more often would then pay an allocation for.
pub const RARE_ONE_IN: usize = 20;

/// The fewest recorded instances of a struct that decide its rare part: below that, the
/// counts say too little.
pub const RARE_MIN_INSTANCES: usize = 20;

/// The fewest bytes a struct's rare fields must take for it to get a rare part: the part's
/// pointer takes the place of the lenient parse's `unknown` (which moves into the part), and
/// a part that saves little is not worth the indirection.
pub const RARE_PART_MIN_BYTES: usize = 24;

/// How often a struct and its fields occur in the recorded responses.
struct Occurrences {
    instances: usize,
    /// By field index.
    present: Vec<usize>,
}

/// The steps of a recorded element path: split at the dots outside parentheses (an
/// extension's url in `extension('https://…')` has dots of its own).
fn element_steps(path: &str) -> Vec<&str> {
    let (mut steps, mut start, mut depth) = (Vec::new(), 0, 0usize);
    for (i, c) in path.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                steps.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    steps.push(&path[start..]);
    steps
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
/// ([`Model::inline_small_choices`]): `Coding`, `Money` and `Identifier` (80 bytes each once
/// their rare members are held apart), the values of nine in ten extensions the server sends.
/// Larger ones (`Period` 96, `Reference` 104, `CodeableConcept` 112, `Quantity` 128,
/// `Address`, ...) stay boxed, so an enum is at most this plus its tag.
///
/// Chosen by measurement. Issue 5: one allocation less for each such extension value made
/// streaming a 10 MB Bundle 8 % (pretty) to 11 % (minified) faster and its heap 23 % smaller.
/// Issue 17, with the rare parts (before `unknown` moved into them, when those three took 88
/// bytes and `Quantity` 136): 88 against 136 (which also holds `Quantity`,
/// `CodeableConcept`, `Reference` and `Period` inline, and makes every `Extension` 48 bytes
/// larger), an in-memory parse of a 64 MB minified Bundle peaks at 1.92 against 2.01 times
/// the input (generated claims) and 1.95 against 2.08 (the server's), and takes 0.15 against
/// 0.17 s.
pub const INLINE_CHOICE_MAX_BYTES: usize = 88;

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

/// The estimated inline size of a struct: its fields (those in its rare part take the part's
/// pointer) and the lenient mode's `unknown` (a pointer, in the rare part when there is one).
fn struct_size(s: &Struct, inline: &dyn Fn(&str) -> usize) -> usize {
    // `unknown`, or the rare part's pointer (the part holds `unknown` then): 8 bytes either way.
    s.fields.iter().filter(|f| !f.rare).map(|f| field_size(f, inline)).sum::<usize>() + 8
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
            rare: false,
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
    fn fact(path: &str, parents: usize, present: usize) -> crate::recorded::RecordedElement {
        crate::recorded::RecordedElement {
            path: path.into(),
            parents,
            present,
            max: 1,
            max_at: None,
            absent_at: None,
            versions: vec!["current".into()],
            max_in: vec![],
            absent_in: vec![],
        }
    }

    fn recorded(elements: Vec<crate::recorded::RecordedElement>) -> Recorded {
        let kind = crate::recorded::RecordedKind { resource: "Res".into(), contained: false, eob_type: None };
        Recorded { sources: vec![("current".into(), 1)], kinds: vec![(kind, elements)] }
    }

    fn rare_fields(model: &Model, name: &str) -> Vec<String> {
        let s = model.structs.iter().find(|s| s.name == name).unwrap();
        s.fields.iter().filter(|f| f.rare).map(|f| f.json_name.clone()).collect()
    }

    #[test]
    fn members_the_server_rarely_sends_are_held_apart() {
        let to = |rust: &str| TypeRef::Struct { rust: rust.into(), boxed: false };
        let code = || {
            let mut fields: Vec<Field> =
                ["id", "system", "code", "version"].iter().map(|n| field(n, 0, Max::One, string())).collect();
            fields.push(field("required", 1, Max::One, string()));
            fields
        };
        let mut model = Model {
            structs: vec![
                structure("Code", code()),
                // Seen too rarely to decide anything.
                structure("Seldom", code()),
                // Only `id` is rare, a plain string of 16 bytes: a part saves 24 at least.
                structure(
                    "Small",
                    vec![
                        field(
                            "id",
                            0,
                            Max::One,
                            TypeRef::Primitive { fhir: "string".into(), rust: "FhirString".into(), plain: true },
                        ),
                        field("s", 0, Max::One, string()),
                    ],
                ),
                Struct {
                    kind: StructKind::Resource,
                    ..structure(
                        "Res",
                        vec![
                            field("code", 0, Max::Many, to("Code")),
                            field("other", 0, Max::One, to("Code")),
                            field("seldom", 0, Max::One, to("Seldom")),
                            field("small", 0, Max::One, to("Small")),
                        ],
                    )
                },
            ],
            ..Model::default()
        };
        model.hold_rare_members(&recorded(vec![
            // 30 + 10 instances of Code, at two paths.
            fact("Res.code.system", 30, 30),
            fact("Res.code.code", 30, 29),
            // 2 in 40: not rare (one in twenty is the limit).
            fact("Res.code.version", 30, 2),
            fact("Res.other.system", 10, 10),
            fact("Res.seldom.system", 19, 19),
            fact("Res.small.s", 30, 30),
            fact("Res.code", 30, 30),
            fact("Res.other", 30, 10),
            fact("Res.small", 30, 30),
            // Paths the model does not have are left out.
            fact("Res.missing.system", 30, 30),
            fact("Res.code.system.nested", 30, 30),
        ]));
        assert_eq!(rare_fields(&model, "Code"), ["id"], "version is sent in 2 of 40, the required field always");
        assert!(rare_fields(&model, "Seldom").is_empty(), "19 instances are no evidence");
        assert!(rare_fields(&model, "Small").is_empty(), "the part would save only 16 bytes");
        assert!(rare_fields(&model, "Res").is_empty(), "`seldom` is never sent, but boxed it takes only a pointer");

        // In 2 of 40 instances `id` is as common as the limit allows: held inline.
        let mut again = model.clone();
        again.structs.iter_mut().flat_map(|s| &mut s.fields).for_each(|f| f.rare = false);
        again.hold_rare_members(&recorded(vec![
            fact("Res.code.version", 40, 1),
            fact("Res.code.system", 40, 40),
            fact("Res.code.id", 40, 2),
        ]));
        assert_eq!(rare_fields(&again, "Code"), ["code", "version"], "`code` was not sent this time");
        let sizes = again.inline_sizes();
        assert_eq!(sizes["Code"], 3 * 24 + 8, "id, system, required, and the part (which holds unknown)");
    }

    #[test]
    fn recorded_paths_split_outside_parentheses() {
        assert_eq!(
            element_steps("ExplanationOfBenefit.extension('https://bluebutton.cms.gov/x.y').valueCoding.code"),
            ["ExplanationOfBenefit", "extension('https://bluebutton.cms.gov/x.y')", "valueCoding", "code"]
        );
    }
}
