//! Profile views: typed accessors for every Medicare field of the [`Catalog`], named after the
//! CCW variables, on one view type per profile and level (`CarrierClaim`, `CarrierLine`, ...).
//!
//! Each accessor is an iterator pipeline over the typed model that follows the field's steps;
//! steps that select among repeating entries do so by URL, system or code (the catalog's
//! filters), never by position. An accessor returns one value (`Option`) when every step is
//! singular or filtered, and an iterator when the field repeats (address lines, modifiers).
use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::catalog::{Catalog, Field, Filter, Level, Step};
use crate::claim_types::{ClaimType, ClaimTypes};
use crate::types::ir::{primitive_has_lifetime, FieldType, Max, Model, Struct, TypeRef};

/// A view to generate: a profile (claim type, Patient, Coverage) and its levels.
struct ViewSpec<'c> {
    /// `Carrier`, `Dme`, ..., `Beneficiary` (Patient), `Beneficiary` (Coverage).
    prefix: String,
    /// The resource (`ExplanationOfBenefit`).
    resource: String,
    /// The claim type, for claim views.
    claim: Option<&'c ClaimType>,
    /// The Rust name of the root view (`CarrierClaim`).
    root_name: String,
}

/// One view per claim type of the table (named after its variant), then the Patient and
/// Coverage views.
fn specs(claim_types: &ClaimTypes) -> Vec<ViewSpec<'_>> {
    let mut out: Vec<ViewSpec> = claim_types
        .claim_types
        .iter()
        .map(|ct| ViewSpec {
            prefix: ct.def.variant.clone(),
            resource: claim_types.resource.clone(),
            claim: Some(ct),
            root_name: format!("{}Claim", ct.def.variant),
        })
        .collect();
    out.push(ViewSpec {
        prefix: "BeneficiaryPatient".into(),
        resource: "Patient".into(),
        claim: None,
        root_name: "BeneficiaryPatient".into(),
    });
    out.push(ViewSpec {
        prefix: "BeneficiaryCoverage".into(),
        resource: "Coverage".into(),
        claim: None,
        root_name: "BeneficiaryCoverage".into(),
    });
    out
}

fn level_struct(resource: &str, level: Level) -> String {
    match level {
        Level::Root => resource.to_string(),
        other => format!("{resource}{}", other.element().to_upper_camel_case()),
    }
}

fn level_view_name(spec: &ViewSpec, level: Level) -> String {
    match level {
        Level::Root => spec.root_name.clone(),
        Level::Line => format!("{}Line", spec.prefix),
        Level::CareTeam => format!("{}CareTeam", spec.prefix),
        Level::Diagnosis => format!("{}Diagnosis", spec.prefix),
        Level::Procedure => format!("{}Procedure", spec.prefix),
    }
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// What a pipeline yields at some point.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Struct(String),
    Primitive(String),
}

/// The code enum of a variable (its Rust name in `crate::codes`), if it has one.
pub type EnumOf<'e> = &'e dyn Fn(&str) -> Option<String>;

/// One accessor, ready to emit.
struct Accessor {
    name: String,
    fields: Vec<Field>,
    tokens: TokenStream,
    /// The `FieldInfo` static of the field (set once the statics are named).
    info: Ident,
    /// Whether the accessor returns an iterator.
    multi: bool,
    /// The field's path as `PathStep` literals.
    steps: Vec<TokenStream>,
    /// The field's older placements as `Placement` literals.
    older: Vec<TokenStream>,
    /// Whether the accessor reads more than one place (it then has a `…_placed` twin that
    /// also says where it found the value).
    placed: bool,
    /// What the accessor returns (one value, or each item of its iterator).
    ret: TokenStream,
}

/// Builds the iterator pipeline of a field; `None` when the path does not resolve in the model
/// (reported by the caller).
struct Pipeline {
    tokens: TokenStream,
    /// The predicate of the last filter, not yet in `tokens`: the accessor that takes the
    /// first value calls `find` with it (not `filter(..).next()`).
    pending: Option<TokenStream>,
    item: Item,
    multi: bool,
    /// The step as a `PathStep` literal (empty for the start).
    step: TokenStream,
}

impl Pipeline {
    /// The whole iterator, the pending filter applied.
    fn iter(&self) -> TokenStream {
        let tokens = &self.tokens;
        match &self.pending {
            Some(p) => quote! { #tokens.filter(#p) },
            None => tokens.clone(),
        }
    }

    /// Its first value (an `Option`).
    fn first(&self) -> TokenStream {
        let tokens = &self.tokens;
        match &self.pending {
            Some(p) => quote! { #tokens.find(#p) },
            None => quote! { #tokens.next() },
        }
    }

    /// Whether it has a value (a `bool`).
    fn any(&self) -> TokenStream {
        let tokens = &self.tokens;
        match &self.pending {
            Some(p) => quote! { #tokens.any(#p) },
            None => quote! { #tokens.next().is_some() },
        }
    }
}

fn find_struct<'m>(model: &'m Model, name: &str) -> Option<&'m Struct> {
    let name = model.aliases.iter().find(|a| a.name == name).map_or(name, |a| a.target.as_str());
    model.structs.iter().find(|s| s.name == name)
}

/// Resolves `steps` from the struct `start`; each step appends one adapter to the pipeline.
fn pipeline(model: &Model, start: &str, steps: &[Step]) -> Result<Vec<Pipeline>, String> {
    let mut stages = vec![Pipeline {
        tokens: quote! { std::iter::once(self.0) },
        pending: None,
        item: Item::Struct(start.to_string()),
        multi: false,
        step: TokenStream::new(),
    }];
    for step in steps {
        let last = stages.last().expect("at least the start");
        let Item::Struct(current) = &last.item else {
            return Err(format!("`{}` steps into a primitive", step.name));
        };
        let s = find_struct(model, current).ok_or_else(|| format!("no struct {current}"))?;
        let prev = last.iter();
        let mut multi = last.multi;
        let mut many = false;
        let (mut tokens, item) = if let Some(f) = s.fields.iter().find(|f| f.json_name == step.name) {
            let fname = ident(&f.rust_name);
            let FieldType::Single(ty) = &f.ty else { return Err(format!("`{}` is a choice", step.name)) };
            match (ty, f.max) {
                (TypeRef::Struct { rust, boxed }, Max::One) => {
                    let get = if *boxed {
                        quote! { x.#fname.as_deref() }
                    } else {
                        quote! { x.#fname.as_ref() }
                    };
                    (quote! { #prev.filter_map(|x| #get) }, Item::Struct(rust.clone()))
                }
                (TypeRef::Struct { rust, .. }, Max::Many) => {
                    many = true;
                    // `coding` of a CodeableConcept is "the coding" unless a system selects one.
                    if step.filters.is_empty() && step.name != "coding" {
                        multi = true;
                    }
                    (quote! { #prev.flat_map(|x| x.#fname.iter()) }, Item::Struct(rust.clone()))
                }
                (TypeRef::Primitive { rust, plain: true, .. }, Max::One) => {
                    (quote! { #prev.filter_map(|x| x.#fname.as_ref()) }, Item::Primitive(rust.clone()))
                }
                (TypeRef::Primitive { rust, .. }, Max::One) => {
                    (quote! { #prev.filter_map(|x| x.#fname.as_ref()?.value.as_ref()) }, Item::Primitive(rust.clone()))
                }
                (TypeRef::Primitive { rust, .. }, Max::Many) => {
                    multi = true;
                    many = true;
                    (
                        quote! { #prev.flat_map(|x| x.#fname.iter().filter_map(|p| p.value.as_ref())) },
                        Item::Primitive(rust.clone()),
                    )
                }
                (TypeRef::Resource, _) => {
                    let Some(t) = step.filters.iter().find_map(|f| match f {
                        Filter::ResourceType(t) => Some(t),
                        _ => None,
                    }) else {
                        return Err(format!("`{}` holds any resource and no resourceType selects one", step.name));
                    };
                    many = f.max == Max::Many;
                    let as_fn = format_ident!("as_{}", t.to_snake_case());
                    (quote! { #prev.flat_map(|x| x.#fname.iter()).filter_map(|r| r.#as_fn()) }, Item::Struct(t.clone()))
                }
            }
        } else if let Some((f, v)) = s.fields.iter().find_map(|f| match &f.ty {
            FieldType::Choice { variants, enum_name } => {
                variants.iter().find(|v| v.json_name == step.name).map(|v| ((f, enum_name), v))
            }
            _ => None,
        }) {
            let ((f, enum_name), variant) = (f, v);
            let fname = ident(&f.rust_name);
            let en = ident(enum_name);
            let var = ident(&variant.variant);
            match &variant.ty {
                TypeRef::Struct { rust, boxed } => {
                    let v = if *boxed {
                        quote! { &**v }
                    } else {
                        quote! { v }
                    };
                    (
                        quote! { #prev.filter_map(|x| match x.#fname.as_ref()? { #en::#var(v) => Some(#v), _ => None }) },
                        Item::Struct(rust.clone()),
                    )
                }
                TypeRef::Primitive { rust, .. } => (
                    quote! { #prev.filter_map(|x| match x.#fname.as_ref()? { #en::#var(p) => p.value.as_ref(), _ => None }) },
                    Item::Primitive(rust.clone()),
                ),
                TypeRef::Resource => return Err(format!("`{}` is a resource choice", step.name)),
            }
        } else {
            return Err(format!("{current} has no element `{}`", step.name));
        };
        let mut filter_tokens = Vec::new();
        let mut pending: Option<TokenStream> = None;
        for filter in &step.filters {
            let Item::Struct(target) = &item else { return Err("a filter on a primitive".into()) };
            let target_struct = find_struct(model, target).ok_or_else(|| format!("no struct {target}"))?;
            let predicate = match filter {
                Filter::Url(url) => {
                    filter_tokens.push(quote! { crate::views::PathFilter::Url(#url) });
                    match url.split_once("<year>") {
                        Some((prefix, suffix)) => quote! {
                            |e| e.url.as_ref().is_some_and(|u| crate::views::support::url_with_year(u.as_str(), #prefix, #suffix))
                        },
                        None => quote! { |e| crate::views::support::url_is(e, #url) },
                    }
                }
                Filter::System(system) => {
                    filter_tokens.push(quote! { crate::views::PathFilter::System(#system) });
                    quote! { |c| crate::views::support::text_is(c.system(), #system) }
                }
                Filter::Coded { element, code, system } => {
                    let f = target_struct
                        .fields
                        .iter()
                        .find(|f| &f.json_name == element)
                        .ok_or_else(|| format!("{target} has no `{element}` to select on"))?;
                    let fname = ident(&f.rust_name);
                    let system = match system {
                        Some(s) => quote! { Some(#s) },
                        None => quote! { None },
                    };
                    let element_many = f.max == Max::Many;
                    filter_tokens.push(quote! {
                        crate::views::PathFilter::Coded { element: #element, many: #element_many, code: #code, system: #system }
                    });
                    let codes = match &f.ty {
                        FieldType::Single(TypeRef::Struct { boxed: true, .. }) => {
                            quote! { x.#fname.as_deref() }
                        }
                        _ => quote! { x.#fname.iter() },
                    };
                    quote! { |x| crate::views::support::has_coding(#codes, #code, #system) }
                }
                Filter::ResourceType(t) => {
                    filter_tokens.push(quote! { crate::views::PathFilter::ResourceType(#t) });
                    continue;
                }
                Filter::HasExtension { url, code } => {
                    let code = match code {
                        Some(c) => quote! { Some(#c) },
                        None => quote! { None },
                    };
                    filter_tokens.push(quote! { crate::views::PathFilter::HasExtension { url: #url, code: #code } });
                    quote! { |x| crate::views::support::has_extension(&x.extension, #url, #code) }
                }
            };
            if let Some(before) = pending.replace(predicate) {
                tokens = quote! { #tokens.filter(#before) };
            }
        }
        let ty = match &item {
            Item::Struct(name) => find_struct(model, name).map_or(name.clone(), |s| s.name.clone()),
            Item::Primitive(name) => name.clone(),
        };
        let name = &step.name;
        let step = quote! {
            crate::views::PathStep { name: #name, many: #many, ty: #ty, filters: &[#(#filter_tokens),*] }
        };
        stages.push(Pipeline { tokens, pending, item, multi, step });
    }
    Ok(stages)
}

const QUANTITY_LIKE: &[&str] = &["Quantity", "Money", "SimpleQuantity", "Age", "Count", "Distance", "Duration"];

/// Where one placement of a field ends: the pipeline with its conversion, what it returns,
/// whether it repeats, and its path as `PathStep` literals.
struct Ending {
    /// Every value, as an iterator.
    tokens: TokenStream,
    /// The first value, as an `Option`.
    first: TokenStream,
    /// Whether there is a value, as a `bool`.
    any: TokenStream,
    ret: TokenStream,
    multi: bool,
    steps: Vec<TokenStream>,
}

/// The pipeline of one placement (`steps` from `start`) and how its value is typed.
fn ending(model: &Model, start: &str, steps: &[Step], code_enum: Option<&str>) -> Result<Ending, String> {
    let stages = pipeline(model, start, steps)?;
    let last = stages.last().expect("at least one stage");
    let leaf = steps.last().map(|s| s.name.as_str()).unwrap_or("");
    let parent = stages.len().checked_sub(2).map(|i| &stages[i]);
    // What the accessor returns: the stage it ends at and how the value is typed.
    let (stage, ret, convert) = match (&last.item, parent.map(|p| &p.item)) {
        (Item::Primitive(_), Some(Item::Struct(_))) if leaf == "code" && code_enum.is_some() => {
            let e = ident(code_enum.expect("checked"));
            (
                last,
                quote! { crate::Coded<'a, crate::codes::#e> },
                quote! { .map(|c| crate::Coded::from_code(c.as_str())) },
            )
        }
        (Item::Primitive(_), Some(Item::Struct(p))) if leaf == "code" && p == "Coding" => {
            let p = parent.expect("checked");
            (p, quote! { &'a Coding<'a> }, quote! {})
        }
        (Item::Primitive(_), Some(Item::Struct(p)))
            if leaf == "value" && (QUANTITY_LIKE.contains(&p.as_str()) || p == "Identifier") =>
        {
            let p = parent.expect("checked");
            let name = ident(
                &find_struct(
                    model,
                    &match &p.item {
                        Item::Struct(n) => n.clone(),
                        Item::Primitive(n) => n.clone(),
                    },
                )
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            );
            (p, quote! { &'a #name<'a> }, quote! {})
        }
        (Item::Struct(s), _) => {
            let name = ident(&find_struct(model, s).map(|s| s.name.clone()).unwrap_or_else(|| s.clone()));
            (last, quote! { &'a #name<'a> }, quote! {})
        }
        (Item::Primitive(rust), _) => {
            let name = ident(rust);
            let ty = if primitive_has_lifetime(rust) {
                quote! { &'a #name<'a> }
            } else {
                quote! { &'a #name }
            };
            (last, ty, quote! {})
        }
    };
    let (pipe, first) = (stage.iter(), stage.first());
    Ok(Ending {
        tokens: quote! { #pipe #convert },
        first: quote! { #first #convert },
        any: stage.any(),
        ret,
        multi: stage.multi,
        steps: stages.iter().skip(1).map(|s| s.step.clone()).collect(),
    })
}

/// The accessor of one field (or of several variables at the same place): its return type,
/// body and the row `fields()` reports. A field with older placements reads them in order
/// after its current place and returns the value of the first place that has one.
fn accessor(model: &Model, start: &str, fields: Vec<Field>, enum_of: EnumOf<'_>) -> Result<Accessor, String> {
    let field = &fields[0];
    let code_enum = if fields.len() == 1 { enum_of(&field.variable) } else { None };
    let placements = field.placements();
    let ends = placements
        .iter()
        .map(|steps| ending(model, start, steps, code_enum.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &ends[0];
    for (end, steps) in ends.iter().zip(&placements).skip(1) {
        if end.ret.to_string() != first.ret.to_string() || end.multi != first.multi {
            let text = |ret: &TokenStream| ret.to_string().replace(' ', "").replace("&'a", "&'a ");
            return Err(format!(
                "the older placement {} gives {}{}, the current one {}{}",
                field.location_of(steps),
                text(&end.ret),
                if end.multi { " (repeating)" } else { "" },
                text(&first.ret),
                if first.multi { " (repeating)" } else { "" }
            ));
        }
    }
    let (ret, multi) = (&first.ret, first.multi);
    let name = accessor_name(&fields);
    let fname = ident(&name);
    let placed_fname = format_ident!("{name}_placed");
    let doc = doc_lines(&accessor_doc(&fields, multi));
    let pipes: Vec<&TokenStream> = ends.iter().map(|e| &e.tokens).collect();
    let firsts: Vec<&TokenStream> = ends.iter().map(|e| &e.first).collect();
    let locations: Vec<String> = placements.iter().map(|steps| field.location_of(steps)).collect();
    let placed_doc = format!(
        " [`{name}`](Self::{name}) and the location of the place it was read from (the current one, or an older server's)."
    );
    let tokens = match (ends.len(), multi) {
        (1, true) => {
            let pipe = pipes[0];
            quote! {
                #doc
                pub fn #fname(&self) -> impl Iterator<Item = #ret> + 'a {
                    #pipe
                }
            }
        }
        (1, false) => {
            let first = firsts[0];
            quote! {
                #doc
                pub fn #fname(&self) -> Option<#ret> {
                    #first
                }
            }
        }
        (_, false) => quote! {
            #doc
            pub fn #fname(&self) -> Option<#ret> {
                self.#placed_fname().map(|(_, v)| v)
            }
            #[doc = #placed_doc]
            pub fn #placed_fname(&self) -> Option<(&'static str, #ret)> {
                #( if let Some(v) = #firsts { return Some((#locations, v)); } )*
                None
            }
        },
        (_, true) => {
            let indices: Vec<usize> = (0..pipes.len()).collect();
            let (first_pipe, rest) = pipes.split_first().expect("several");
            let rest_indices = &indices[1..];
            let count = pipes.len();
            let anys = ends.iter().map(|e| &e.any);
            quote! {
                #doc
                pub fn #fname(&self) -> impl Iterator<Item = #ret> + 'a {
                    self.#placed_fname().1
                }
                #[doc = #placed_doc]
                pub fn #placed_fname(&self) -> (&'static str, impl Iterator<Item = #ret> + 'a) {
                    let at: usize = #( if #anys { #indices } else )* { 0 };
                    let locations: [&'static str; #count] = [#(#locations),*];
                    (
                        locations[at],
                        #first_pipe .filter(move |_| at == 0) #( .chain(#rest .filter(move |_| at == #rest_indices)) )*
                    )
                }
            }
        }
    };
    let mut older = Vec::new();
    for placement in &field.older {
        let end = ending(model, start, &placement.steps, code_enum.as_deref())?;
        let steps = &end.steps;
        let location = field.location_of(&placement.steps);
        let versions = &placement.versions;
        let evidence = &placement.evidence;
        older.push(quote! {
            crate::views::Placement {
                location: #location,
                versions: &[#(#versions),*],
                evidence: #evidence,
                steps: &[#(#steps),*],
            }
        });
    }
    let info = info_ident(&fields);
    Ok(Accessor {
        name,
        fields,
        tokens,
        info,
        multi,
        steps: first.steps.clone(),
        older,
        placed: ends.len() > 1,
        ret: ret.clone(),
    })
}

fn info_ident(fields: &[Field]) -> Ident {
    let f = &fields[0];
    format_ident!(
        "FIELD_{}_{}_{}",
        f.resource.to_snake_case().to_uppercase(),
        format!("{:?}", f.level).to_uppercase(),
        accessor_name(fields).to_uppercase()
    )
}

/// The accessor's name: the variable, an erratum's override, or for several variables at one
/// place (ICD_DGNS_CD1..25 at each diagnosis) the family stem without numbers and ordinals.
fn accessor_name(fields: &[Field]) -> String {
    let f = &fields[0];
    if let Some(name) = &f.accessor {
        return name.clone();
    }
    if fields.len() == 1 {
        return safe_name(&f.variable);
    }
    let stem: Vec<&str> = f
        .variable
        .split('_')
        .map(|part| part.trim_end_matches(|c: char| c.is_ascii_digit()))
        .filter(|part| !part.is_empty() && !matches!(*part, "1st" | "2nd" | "3rd" | "4th"))
        .collect();
    let stem: Vec<&str> = stem.into_iter().filter(|p| !p.chars().all(|c| c.is_ascii_digit())).collect();
    safe_name(&stem.join("_"))
}

/// A name for a second field of `base` at one level: the variable and what selects this place
/// (an extension code such as `historic`, the last segment of a system, or the element).
fn distinct_name(field: &Field, base: &str, taken: &BTreeSet<String>) -> Option<String> {
    let mut candidates = Vec::new();
    for step in field.steps.iter().rev() {
        for filter in &step.filters {
            match filter {
                Filter::HasExtension { code: Some(code), .. } => candidates.push(code.clone()),
                Filter::System(url) | Filter::Url(url) => {
                    let last = url.rsplit('/').next().unwrap_or(url);
                    if last != field.variable {
                        candidates.push(last.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    candidates.extend(field.steps.iter().rev().map(|s| s.name.clone()).filter(|n| n != "value" && n != "code"));
    candidates
        .into_iter()
        .map(|c| safe_name(&format!("{base}_{}", c.to_snake_case())))
        .find(|name| !taken.contains(name))
}

fn safe_name(name: &str) -> String {
    let name = name.replace('-', "_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{name}")
    } else {
        name
    }
}

/// `#[doc]` attributes, one per line, so the output reads as `///` comments.
fn doc_lines(doc: &str) -> TokenStream {
    let lines = doc.split('\n');
    quote! { #(#[doc = #lines])* }
}

fn accessor_doc(fields: &[Field], multi: bool) -> String {
    let f = &fields[0];
    let mut doc = String::new();
    if fields.len() == 1 {
        doc.push_str(&format!(" {} (`{}`)", f.label, f.variable));
    } else {
        let vars: Vec<&str> = fields.iter().map(|f| f.variable.as_str()).collect();
        doc.push_str(&format!(" {} (`{}`)", f.label, vars.join("`, `")));
    }
    doc.push_str(&format!(".\n\n `{}`", f.location()));
    if multi {
        doc.push_str(", every entry");
    }
    doc.push_str(&format!("\n\n Source: {}.", f.source));
    for older in &f.older {
        doc.push_str(&format!(
            "\n\n Older servers ({}): `{}`.",
            older.versions.join(", "),
            f.location_of(&older.steps)
        ));
    }
    doc
}

/// Everything the views need, emitted as `views.rs` (included as `crate::views::generated`):
/// a view per profile and level, and the claim types' dispatch ([`claim_dispatch`]).
pub fn emit(model: &Model, catalog: &Catalog, enum_of: EnumOf<'_>, claim_types: &ClaimTypes) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let mut tokens = quote! {
        #[allow(unused_imports)]
        use crate::types::*;
        #[allow(unused_imports)]
        use crate::resources::*;
        #[allow(unused_imports)]
        use crate::primitives::*;
        use crate::views::support::{FieldInfo, FieldValue, LocatedField};
    };
    let mut infos: BTreeMap<String, TokenStream> = BTreeMap::new();
    let mut info_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut claims = Vec::new();
    for spec in specs(claim_types) {
        let applicable: Vec<&Field> = catalog
            .fields
            .iter()
            .filter(|f| f.resource == spec.resource)
            .filter(|f| match spec.claim {
                Some(ct) => f.claim_types.contains(&ct.def.dictionary),
                None => true,
            })
            .collect();
        let levels: BTreeSet<Level> = std::iter::once(Level::Root).chain(applicable.iter().map(|f| f.level)).collect();
        for level in &levels {
            // Variables at the same place share one accessor.
            let mut places: BTreeMap<(String, Option<String>), Vec<Field>> = BTreeMap::new();
            for f in applicable.iter().filter(|f| f.level == *level) {
                let key = (format!("{:?} {:?}", f.steps, f.older), f.accessor.clone());
                places.entry(key).or_default().push((*f).clone());
            }
            let start = level_struct(&spec.resource, *level);
            let mut accessors: Vec<Accessor> = Vec::new();
            let mut names = BTreeSet::new();
            for (_, mut fields) in places {
                // A variable served at two places of one level (Patient's current and historic
                // MBI) gets the second accessor named after what tells the places apart.
                let base = accessor_name(&fields);
                if names.contains(&base) {
                    match distinct_name(&fields[0], &base, &names) {
                        Some(name) => fields.iter_mut().for_each(|f| f.accessor = Some(name.clone())),
                        None => {
                            problems.push(format!(
                                "{}: no distinct name for a second `{base}` at {}",
                                spec.root_name,
                                fields[0].location()
                            ));
                            continue;
                        }
                    }
                }
                match accessor(model, &start, fields.clone(), enum_of) {
                    Ok(a) => {
                        names.insert(a.name.clone());
                        accessors.push(a);
                    }
                    Err(e) => problems.push(format!(
                        "{}: {} ({}): {e}",
                        spec.root_name,
                        fields[0].variable,
                        fields[0].location()
                    )),
                }
            }
            accessors.sort_by(|a, b| a.name.cmp(&b.name));
            for a in &mut accessors {
                // One static per distinct field: the same variable at another place (the
                // institutional `prvdr_state_cd` is an address, the carrier one an extension) or
                // with other family members gets its own, numbered.
                let key = format!(
                    "{} {:?}",
                    a.fields[0].location(),
                    a.fields.iter().map(|f| &f.variable).collect::<Vec<_>>()
                );
                let base = a.info.to_string();
                let named = info_names.entry(base.clone()).or_default();
                let n = match named.iter().position(|k| *k == key) {
                    Some(n) => n,
                    None => {
                        named.push(key);
                        named.len() - 1
                    }
                };
                if n > 0 {
                    a.info = format_ident!("{base}_{}", n + 1);
                }
            }
            for a in &accessors {
                let info = &a.info;
                let f = &a.fields[0];
                // Several variables at one place (ICD_DGNS_CD2…25 at each diagnosis) are
                // reported under their family name; `variables` lists them.
                let variable = if a.fields.len() > 1 { &a.name } else { &f.variable };
                let label = &f.label;
                let location = f.location();
                let url = f.url().unwrap_or("");
                let resource = &f.resource;
                let lvl = f.level.element();
                let variables: Vec<&str> = a.fields.iter().map(|f| f.variable.as_str()).collect();
                let urls: BTreeSet<String> = a.fields.iter().flat_map(|f| f.urls()).collect();
                let urls = urls.iter();
                let steps = &a.steps;
                let older = &a.older;
                let current = f.current;
                let applies_to: BTreeSet<&str> =
                    a.fields.iter().flat_map(|f| f.claim_types.iter().map(String::as_str)).collect();
                let applies_to = applies_to.iter();
                infos.entry(info.to_string()).or_insert_with(|| {
                    quote! {
                        pub static #info: FieldInfo = FieldInfo {
                            variable: #variable,
                            variables: &[#(#variables),*],
                            label: #label,
                            resource: #resource,
                            level: #lvl,
                            location: #location,
                            url: #url,
                            urls: &[#(#urls),*],
                            applies_to: &[#(#applies_to),*],
                            steps: &[#(#steps),*],
                            current: #current,
                            older: &[#(#older),*],
                        };
                    }
                });
            }
            if let Some(ct) = spec.claim {
                let (costs, wrong) = cost_accessors(ct, *level, &accessors);
                problems.extend(wrong.into_iter().map(|w| format!("{}: {w}", spec.root_name)));
                claims.push(ClaimLevel { claim: ct, level: *level, costs, view: level_view_name(&spec, *level) });
            }
            tokens.extend(emit_view(&spec, *level, &levels, &start, &accessors));
        }
    }
    if !claim_types.claim_types.is_empty() {
        tokens.extend(claim_dispatch(claim_types, &claims));
    }
    let infos = infos.into_values();
    tokens.extend(quote! { #(#infos)* });
    let file: syn::File = match syn::parse2(tokens.clone()) {
        Ok(f) => f,
        Err(e) => return (tokens.to_string(), vec![format!("generated views do not parse: {e}")]),
    };
    (prettyplease::unparse(&file), problems)
}

/// The root view's method listing a level's entries.
fn child_fn(level: Level) -> &'static str {
    match level {
        Level::Line => "lines",
        Level::CareTeam => "care_team",
        Level::Diagnosis => "diagnoses",
        Level::Procedure => "procedures",
        Level::Root => "",
    }
}

fn emit_view(
    spec: &ViewSpec,
    level: Level,
    levels: &BTreeSet<Level>,
    start: &str,
    accessors: &[Accessor],
) -> TokenStream {
    let name = ident(&level_view_name(spec, level));
    let target = ident(start);
    let doc = match (level, spec.claim.map(|ct| &ct.def.dictionary)) {
        (Level::Root, Some(ct)) => format!(" A {ct} claim: an `ExplanationOfBenefit` of claim type {ct}, with its Medicare fields by CCW variable name."),
        (Level::Root, None) => format!(" A Blue Button `{}`, with its Medicare fields by CCW variable name.", spec.resource),
        (other, _) => format!(" One `{}.{}` entry of a {} claim, with its Medicare fields.", spec.resource, other.element(), spec.prefix),
    };
    let methods = accessors.iter().map(|a| &a.tokens);
    let all_fields = (level == Level::Root).then(|| {
        let mutable = (levels.len() > 1).then(|| quote! { mut });
        let children = levels.iter().filter(|l| **l != Level::Root).map(|l| {
            let fname = format_ident!("{}", child_fn(*l));
            let element = l.element();
            quote! {
                for (i, v) in self.#fname().enumerate() {
                    out.extend(v.fields().into_iter().map(|field| LocatedField { level: Some((#element, i)), field }));
                }
            }
        });
        quote! {
            /// Every Medicare field present in the resource, at every level, with the entry
            /// (`item`, 2) it was found in.
            pub fn all_fields(&self) -> Vec<LocatedField> {
                let #mutable out: Vec<LocatedField> =
                    self.fields().into_iter().map(|field| LocatedField { level: None, field }).collect();
                #(#children)*
                out
            }
        }
    });
    let collects = accessors.iter().map(|a| {
        let (fname, info) = (ident(&a.name), &a.info);
        let placed = format_ident!("{}_placed", a.name);
        if a.placed && a.multi {
            quote! {
                let (location, values) = self.#placed();
                for v in values { out.push(crate::views::support::FieldValue::at(&#info, location, &v)); }
            }
        } else if a.placed {
            quote! {
                if let Some((location, v)) = self.#placed() { out.push(crate::views::support::FieldValue::at(&#info, location, &v)); }
            }
        } else if a.multi {
            quote! { for v in self.#fname() { out.push(crate::views::support::FieldValue::new(&#info, &v)); } }
        } else {
            quote! { if let Some(v) = self.#fname() { out.push(crate::views::support::FieldValue::new(&#info, &v)); } }
        }
    });
    let infos = accessors.iter().map(|a| &a.info);
    // The root view lists its levels.
    let children = if level == Level::Root {
        levels
            .iter()
            .filter(|l| **l != Level::Root)
            .map(|l| {
                let child = ident(&level_view_name(spec, *l));
                let fname = format_ident!("{}", child_fn(*l));
                let field = ident(&crate::types::ir::rust_field_name(l.element()));
                let doc = format!(" Each `{}` entry, as a [`{}`].", l.element(), child);
                quote! {
                    #[doc = #doc]
                    pub fn #fname(&self) -> impl Iterator<Item = #child<'a>> + 'a {
                        self.0.#field.iter().map(#child)
                    }
                }
            })
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #name<'a>(pub &'a #target<'a>);

        impl<'a> #name<'a> {
            /// Every Medicare field this level can have, whether present or not.
            pub const FIELDS: &'static [&'static FieldInfo] = &[#(&#infos),*];

            /// The underlying element.
            pub fn inner(&self) -> &'a #target<'a> {
                self.0
            }
            #(#children)*
            #(#methods)*
            #all_fields
            /// Every Medicare field present at this level, as displayable rows.
            pub fn fields(&self) -> Vec<FieldValue> {
                let mut out = Vec::new();
                #(#collects)*
                out
            }
        }
    }
}

/// One level of a claim type's views: its view type and its cost accessors (role, accessor
/// name, `FieldInfo` static), in the table's order.
struct ClaimLevel<'c> {
    claim: &'c ClaimType,
    level: Level,
    view: String,
    costs: Vec<(String, Ident, Ident)>,
}

/// The accessors of `ct`'s cost variables at `level`; a cost variable must have an accessor
/// of its own that returns one `Money`.
fn cost_accessors(ct: &ClaimType, level: Level, accessors: &[Accessor]) -> (Vec<(String, Ident, Ident)>, Vec<String>) {
    let (mut costs, mut problems) = (Vec::new(), Vec::new());
    for (_, role, variable) in ct.costs.iter().filter(|(l, _, _)| *l == level) {
        let Some(a) = accessors.iter().find(|a| a.fields.len() == 1 && a.fields[0].variable == *variable) else {
            problems.push(format!("the cost variable {variable} ({role}) has no accessor of its own"));
            continue;
        };
        let ret = a.ret.to_string().replace(' ', "");
        if a.multi || ret != "&'aMoney<'a>" {
            problems.push(format!("the cost variable {variable} ({role}) gives {ret}, not one Money"));
            continue;
        }
        costs.push((role.clone(), ident(&a.name), a.info.clone()));
    }
    (costs, problems)
}

/// The field list's name in `ClaimFields` of a level.
fn fields_slot(level: Level) -> Ident {
    ident(match level {
        Level::Root => "root",
        Level::Line => "line",
        Level::CareTeam => "care_team",
        Level::Diagnosis => "diagnosis",
        Level::Procedure => "procedure",
    })
}

/// The arm of `enum_name::variant` in a `cost(role)` match: `match role { CostRole::A =>
/// v.a(), ..., _ => None }` over `costs` (accessors of the variant's view), or `None`.
fn cost_arm(enum_name: &str, variant: &Ident, costs: &[(String, Ident, Ident)], all_roles: usize) -> TokenStream {
    let e = ident(enum_name);
    if costs.is_empty() {
        return quote! { #e::#variant(_) => None };
    }
    let roles = costs.iter().map(|(r, _, _)| ident(r));
    let accessors = costs.iter().map(|(_, a, _)| a);
    let rest = (costs.len() < all_roles).then(|| quote! { _ => None, });
    quote! { #e::#variant(v) => match role { #( CostRole::#roles => v.#accessors(), )* #rest } }
}

/// The claim types' dispatch: the `CostRole` enum, the `ClaimView` and `ClaimLine` enums (one
/// variant per claim type, over its root and line views) with their per-type matches, and
/// `CLAIM_FIELDS`, each claim type's fields by level and its cost fields.
fn claim_dispatch(claim_types: &ClaimTypes, levels: &[ClaimLevel<'_>]) -> TokenStream {
    let resource = ident(&claim_types.resource);
    let line_struct = ident(&level_struct(&claim_types.resource, Level::Line));
    let at = |ct: &ClaimType, level: Level| levels.iter().find(|l| l.claim.def == ct.def && l.level == level);
    let role_idents: Vec<Ident> = claim_types.roles.iter().map(|(r, _)| ident(r)).collect();
    let role_docs = claim_types.roles.iter().map(|(_, m)| format!(" {m}"));
    let all_roles = role_idents.len();
    let role_count = proc_macro2::Literal::usize_unsuffixed(all_roles);
    let mut view_variants = Vec::new();
    let mut line_variants = Vec::new();
    let mut of_type = Vec::new();
    let mut view_types = Vec::new();
    let mut all_fields = Vec::new();
    let mut inner = Vec::new();
    let mut root_costs = Vec::new();
    let mut lines = Vec::new();
    let mut line_types = Vec::new();
    let mut line_inner = Vec::new();
    let mut line_costs = Vec::new();
    let mut fields = Vec::new();
    for ct in &claim_types.claim_types {
        let v = ident(&ct.def.variant);
        let root = at(ct, Level::Root).expect("every claim type has a root view");
        let root_view = ident(&root.view);
        let doc = format!(" A {} claim.", ct.def.dictionary);
        view_variants.push(quote! { #[doc = #doc] #v(#root_view<'a>) });
        of_type.push(quote! { crate::claim_type::ClaimType::#v => ClaimView::#v(#root_view(resource)) });
        view_types.push(quote! { ClaimView::#v(_) => crate::claim_type::ClaimType::#v });
        all_fields.push(quote! { ClaimView::#v(c) => c.all_fields() });
        inner.push(quote! { ClaimView::#v(c) => c.0 });
        root_costs.push(cost_arm("ClaimView", &v, &root.costs, all_roles));
        match at(ct, Level::Line) {
            Some(line) => {
                let line_view = ident(&line.view);
                let doc = format!(" A line of a {} claim.", ct.def.dictionary);
                line_variants.push(quote! { #[doc = #doc] #v(#line_view<'a>) });
                lines.push(quote! { ClaimView::#v(c) => c.lines().map(ClaimLine::#v).collect() });
                line_types.push(quote! { ClaimLine::#v(_) => crate::claim_type::ClaimType::#v });
                line_inner.push(quote! { ClaimLine::#v(l) => l.0 });
                line_costs.push(cost_arm("ClaimLine", &v, &line.costs, all_roles));
            }
            None => lines.push(quote! { ClaimView::#v(_) => Vec::new() }),
        }
        let slots = [Level::Root, Level::Line, Level::CareTeam, Level::Diagnosis, Level::Procedure].map(|level| {
            let slot = fields_slot(level);
            match at(ct, level) {
                Some(l) => {
                    let view = ident(&l.view);
                    quote! { #slot: #view::FIELDS }
                }
                None => quote! { #slot: &[] },
            }
        });
        let costs = [Level::Root, Level::Line].iter().filter_map(|level| at(ct, *level)).flat_map(|l| &l.costs).map(
            |(role, _, info)| {
                let role = ident(role);
                quote! { crate::views::CostField { role: CostRole::#role, field: &#info } }
            },
        );
        fields.push(quote! {
            crate::views::ClaimFields {
                claim_type: crate::claim_type::ClaimType::#v,
                #(#slots,)*
                costs: &[#(#costs),*],
            }
        });
    }
    let count = proc_macro2::Literal::usize_unsuffixed(claim_types.claim_types.len());
    let resource_name = &claim_types.resource;
    let view_doc = format!(" A `{resource_name}` seen through the profile of its claim type.");
    let line_enum = (!line_variants.is_empty()).then(|| {
        quote! {
            /// One line (`item`) of a claim, seen through the line view of its claim type.
            #[derive(Debug, Clone, Copy)]
            pub enum ClaimLine<'a> {
                #(#line_variants,)*
            }

            impl<'a> ClaimLine<'a> {
                /// The claim type of the line's claim.
                pub fn claim_type(&self) -> crate::claim_type::ClaimType {
                    match self { #(#line_types,)* }
                }

                /// The underlying element.
                pub fn inner(&self) -> &'a #line_struct<'a> {
                    match self { #(#line_inner,)* }
                }

                /// The amount the line's claim type carries in `role`, if it has a variable
                /// of that role at the line level and the line has the value.
                pub fn cost(&self, role: CostRole) -> Option<&'a Money<'a>> {
                    match self { #(#line_costs,)* }
                }
            }

            impl<'a> ClaimView<'a> {
                /// Each line of the claim, as a [`ClaimLine`].
                pub fn lines(&self) -> Vec<ClaimLine<'a>> {
                    match self { #(#lines,)* }
                }
            }
        }
    });
    quote! {
        /// What amount a cost variable carries (`coding-systems/errata/claim-types.json`): its
        /// role in a claim's or a line's costs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CostRole {
            #( #[doc = #role_docs] #role_idents, )*
        }

        impl CostRole {
            /// Every role.
            pub const ALL: [CostRole; #role_count] = [#(CostRole::#role_idents),*];
        }

        #[doc = #view_doc]
        #[derive(Debug, Clone, Copy)]
        pub enum ClaimView<'a> {
            #(#view_variants,)*
        }

        impl<'a> ClaimView<'a> {
            /// `resource` seen as a claim of `claim_type` (whatever its own codings say).
            pub fn of_type(claim_type: crate::claim_type::ClaimType, resource: &'a #resource<'a>) -> ClaimView<'a> {
                match claim_type { #(#of_type,)* }
            }

            /// The claim type.
            pub fn claim_type(&self) -> crate::claim_type::ClaimType {
                match self { #(#view_types,)* }
            }

            /// Every Medicare field present in the claim, at every level.
            pub fn all_fields(&self) -> Vec<LocatedField> {
                match self { #(#all_fields,)* }
            }

            /// The underlying resource.
            pub fn inner(&self) -> &'a #resource<'a> {
                match self { #(#inner,)* }
            }

            /// The amount the claim type carries in `role` at the claim level, if it has a
            /// variable of that role there and the claim has the value.
            pub fn cost(&self, role: CostRole) -> Option<&'a Money<'a>> {
                match self { #(#root_costs,)* }
            }
        }

        #line_enum

        /// Every claim type's fields by level and its cost fields, in the order of
        /// `ClaimType::ALL`.
        pub static CLAIM_FIELDS: [crate::views::ClaimFields; #count] = [#(#fields),*];
    }
}
