//! Views IR → Rust (`views.rs`, included by the runtime as `crate::views::generated`). Only
//! Rust is decided here: how a resolved path becomes an iterator pipeline, how an accessor
//! with several places reports where it read, and the shape of the view types and of the
//! claim dispatch. What to generate comes from the IR; the runtime items the code is written
//! against are named once, in [`RUNTIME`].
use std::str::FromStr;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::types::emit::member_path as member;

use super::ir::{
    Access, Accessor, ClaimDispatch, Cost, Dispatch, Docs, FieldInfo, LevelView, OlderPlacement, PathFilter, PathStep,
    Place, Returns, Select, View, Views,
};

/// The runtime the generated views are written against: the modules and items they use, by
/// path from the model crate's root.
pub struct Runtime {
    /// Glob-imported for the model's types (`Money`, `ExplanationOfBenefit`, `Date`, ...).
    pub model_modules: &'static [&'static str],
    /// The views' runtime: `PathStep`, `PathFilter`, `Placement`, `ClaimFields`, `CostField`.
    pub views: &'static str,
    /// Its helpers: `FieldInfo`, `FieldValue`, `LocatedField` and the predicates `url_is`,
    /// `url_with_year`, `text_is`, `has_coding`, `has_extension`.
    pub support: &'static str,
    /// The claim type enum generated from the claim-type table.
    pub claim_type: &'static str,
    /// A decoded code (`Coded<'a, E>` with `from_code`).
    pub coded: &'static str,
    /// The code enums.
    pub codes: &'static str,
    /// The macro that gives a claim type's root view what every claim answers (id, patient,
    /// dates, totals), invoked as `macro!(View, Variant);` once per claim type.
    pub claim_methods: &'static str,
    /// The crate the rustdoc examples use, and the module of the views in it.
    pub doc_crate: &'static str,
    /// The built-in data the examples read, relative to the crate's manifest directory: one
    /// with every claim type, one with a beneficiary's Patient and Coverages.
    pub claim_data: &'static str,
    pub beneficiary_data: &'static str,
    /// What the claim views' examples print of each claim (`claim` in scope), and the
    /// beneficiary views' (`view` in scope), after the view's first field.
    pub claim_example: &'static [&'static str],
    pub beneficiary_example: &'static [(&'static str, &'static [&'static str])],
}

/// Where the model crate has the runtime.
pub const RUNTIME: Runtime = Runtime {
    model_modules: &["crate::types", "crate::resources", "crate::primitives"],
    views: "crate::views",
    support: "crate::views::support",
    claim_type: "crate::claim_type::ClaimType",
    coded: "crate::Coded",
    codes: "crate::codes",
    claim_methods: "crate::views::claim_view_methods",
    doc_crate: "bluebutton_model",
    claim_data: "../examples/data/claims-bundle.json",
    beneficiary_data: "../examples/data/demo-bundle.json",
    claim_example: &[
        "let totals = claim.totals();",
        "println!(\"{:?} of patient {:?}, {:?}\", claim.id(), claim.patient_id(), claim.service_dates());",
        "println!(\"submitted {:?}, Medicare paid {:?}\", totals.submitted.map(|t| t.amount), totals.medicare_paid.map(|t| t.amount));",
    ],
    beneficiary_example: &[
        ("BeneficiaryPatient", &["println!(\"{:?}, {:?}, born {:?}\", view.name(), view.sex(), view.birth_date());"]),
        ("BeneficiaryCoverage", &["println!(\"{:?} active: {}\", view.part(), view.is_active());"]),
    ],
};

fn path(text: &str) -> TokenStream {
    TokenStream::from_str(text).expect("a Rust path")
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// `Some(#s)` or `None`.
fn option(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}

/// `views.rs`, formatted; on failure the unformatted tokens and why they do not parse.
pub fn emit(views: &Views) -> Result<String, (String, String)> {
    let tokens = tokens(views);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => Ok(prettyplease::unparse(&file)),
        Err(e) => Err((tokens.to_string(), format!("generated views do not parse: {e}"))),
    }
}

/// The tokens of `views.rs`: the imports, each view, the dispatch, the field statics.
pub fn tokens(views: &Views) -> TokenStream {
    let support = path(RUNTIME.support);
    let modules = RUNTIME.model_modules.iter().map(|m| path(m));
    let mut tokens = quote! {
        #(
            #[allow(unused_imports)]
            use #modules::*;
        )*
        use #support::{FieldInfo, FieldValue, LocatedField};
    };
    for view in &views.views {
        for level in &view.levels {
            tokens.extend(level_view(level, &views.docs, &example(view, level)));
        }
    }
    if let Some(d) = &views.dispatch {
        tokens.extend(dispatch(d, &views.docs));
    }
    let infos = views.infos.iter().map(field_info);
    let fields_doc = &views.docs.field_statics;
    tokens.extend(quote! {
        #(#[doc = #fields_doc])*
        pub mod fields {
            #[allow(unused_imports)]
            use super::*;
            #(#infos)*
        }
    });
    tokens
}

/// The path of a field's `FieldInfo` static, in the `fields` module.
fn info_path(name: &str) -> TokenStream {
    let name = ident(name);
    quote! { fields::#name }
}

/// The rustdoc example of a level view, one line each: it reads the built-in data, finds the
/// resources (and entries) of the view and prints what everyday use asks of them, then the
/// level's first field that gives one value.
fn example(view: &View, level: &LevelView) -> Vec<String> {
    let root = &view.levels[0];
    let first = level.accessors.iter().find(|a| !a.repeats).or(level.accessors.first());
    // An accessor's value as something `{:?}` prints: an iterator is collected.
    let debug_value = |on: &str, a: &Accessor| match a.repeats {
        true => format!("{on}.{}().collect::<Vec<_>>()", a.name),
        false => format!("{on}.{}()", a.name),
    };
    let first = first.map(|a| (a.name.as_str(), a));
    let (data, find, body): (&str, Vec<String>, Vec<String>) = match &view.claim_type {
        Some(_) => {
            let mut body: Vec<String> = Vec::new();
            let indent = if level.level == root.level {
                body.extend(RUNTIME.claim_example.iter().map(|l| format!("    {l}")));
                "    "
            } else {
                let method = root.children.iter().find(|c| c.view == level.name).map_or("", |c| c.method.as_str());
                body.push(format!("    for entry in claim.{method}() {{"));
                "        "
            };
            if let Some(first) = first {
                let name = if level.level == root.level { "claim" } else { "entry" };
                body.push(format!("{indent}println!(\"{}: {{:?}}\", {});", first.0, debug_value(name, first.1)));
            }
            if level.level != root.level {
                body.push("    }".into());
            }
            let find = vec![
                format!("    let Some(Resource::{}(eob)) = &entry.resource else {{ continue }};", view.resource),
                format!("    let Some(claim) = {}::of(eob) else {{ continue }};", root.name),
            ];
            (RUNTIME.claim_data, find, body)
        }
        None => {
            let extra = RUNTIME.beneficiary_example.iter().find(|(n, _)| *n == level.name).map_or(&[][..], |(_, l)| l);
            let mut body: Vec<String> = extra.iter().map(|l| format!("    {l}")).collect();
            if let Some(first) = first {
                body.push(format!("    println!(\"{}: {{:?}}\", {});", first.0, debug_value("view", first.1)));
            }
            let find = vec![
                format!("    let Some(Resource::{}(resource)) = &entry.resource else {{ continue }};", view.resource),
                format!("    let view = {}(resource);", level.name),
            ];
            (RUNTIME.beneficiary_data, find, body)
        }
    };
    example_block(&root.name, data, find, body)
}

/// A rustdoc example that imports `view`, reads the built-in `data`, and runs `find` and
/// `body` on each entry of its Bundle; one line each, with their leading space.
fn example_block(view: &str, data: &str, find: Vec<String>, body: Vec<String>) -> Vec<String> {
    let krate = RUNTIME.doc_crate;
    let mut lines = vec![
        String::new(),
        "```".to_string(),
        format!("use {krate}::{{json, resources::Bundle, views::{view}, Resource}};"),
        String::new(),
        format!("let input = std::fs::read(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{data}\"))?;"),
        "let bundle: Bundle = json::from_slice(&input)?;".to_string(),
        "for entry in &bundle.entry {".to_string(),
    ];
    lines.extend(find);
    lines.extend(body);
    lines.push("}".into());
    lines.push("# Ok::<(), Box<dyn std::error::Error>>(())".into());
    lines.push("```".into());
    // `#[doc]` lines are written as `///` comments: each gets its leading space.
    lines.into_iter().map(|l| if l.is_empty() { l } else { format!(" {l}") }).collect()
}

/// An iterator pipeline up to some step: its tokens and the predicate of its last filter, not
/// yet applied (taking the first value then calls `find` with it, not `filter(..).next()`).
struct Pipe {
    tokens: TokenStream,
    pending: Option<TokenStream>,
}

impl Pipe {
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

/// The pipeline after each step of `path` (the start, `self.0`, first).
fn pipes(path: &[PathStep]) -> Vec<Pipe> {
    pipes_from(quote! { std::iter::once(self.0) }, path)
}

/// The pipeline after each step of `path` from `start` (an iterator), `start` first.
fn pipes_from(start: TokenStream, path: &[PathStep]) -> Vec<Pipe> {
    let mut out = vec![Pipe { tokens: start, pending: None }];
    for step in path {
        let prev = out.last().expect("at least the start").iter();
        let mut tokens = access(&prev, &step.access);
        let mut pending = None;
        for select in &step.selects {
            if let Some(before) = pending.replace(predicate(select)) {
                tokens = quote! { #tokens.filter(#before) };
            }
        }
        out.push(Pipe { tokens, pending });
    }
    out
}

/// `prev` with one step's read of a field appended.
fn access(prev: &TokenStream, access: &Access) -> TokenStream {
    match access {
        Access::One { field, boxed } => {
            let f = member(field);
            if *boxed {
                quote! { #prev.filter_map(|x| x.#f.as_deref()) }
            } else {
                quote! { #prev.filter_map(|x| x.#f.as_ref()) }
            }
        }
        Access::Each { field } => {
            let f = member(field);
            quote! { #prev.flat_map(|x| x.#f.iter()) }
        }
        Access::Value { field } => {
            let f = member(field);
            quote! { #prev.filter_map(|x| x.#f.as_ref()?.value.as_ref()) }
        }
        Access::EachValue { field } => {
            let f = member(field);
            quote! { #prev.flat_map(|x| x.#f.iter().filter_map(|p| p.value.as_ref())) }
        }
        Access::Resource { field, as_fn } => {
            let (f, as_fn) = (member(field), ident(as_fn));
            quote! { #prev.flat_map(|x| x.#f.iter()).filter_map(|r| r.#as_fn()) }
        }
        Access::Choice { field, enum_name, variant, boxed } => {
            let (f, en, var) = (member(field), ident(enum_name), ident(variant));
            let v = if *boxed {
                quote! { &**v }
            } else {
                quote! { v }
            };
            quote! { #prev.filter_map(|x| match x.#f.as_ref()? { #en::#var(v) => Some(#v), _ => None }) }
        }
        Access::ChoiceValue { field, enum_name, variant } => {
            let (f, en, var) = (member(field), ident(enum_name), ident(variant));
            quote! { #prev.filter_map(|x| match x.#f.as_ref()? { #en::#var(p) => p.value.as_ref(), _ => None }) }
        }
    }
}

/// A closure selecting entries.
fn predicate(select: &Select) -> TokenStream {
    let support = path(RUNTIME.support);
    match select {
        Select::UrlWithYear { prefix, suffix } => quote! {
            |e| e.url.as_ref().is_some_and(|u| #support::url_with_year(u.as_str(), #prefix, #suffix))
        },
        Select::Url(url) => quote! { |e| #support::url_is(e, #url) },
        Select::System(system) => quote! { |c| #support::text_is(c.system(), #system) },
        Select::Coded { field, boxed_one, code, system } => {
            let f = member(field);
            let codes = if *boxed_one {
                quote! { x.#f.as_deref() }
            } else {
                quote! { x.#f.iter() }
            };
            let system = option(system);
            quote! { |x| #support::has_coding(#codes, #code, #system) }
        }
        Select::HasExtension { url, code } => {
            let code = option(code);
            quote! { |x| #support::has_extension(&x.extension, #url, #code) }
        }
    }
}

/// The Rust type of what an accessor returns.
fn returns(r: &Returns) -> TokenStream {
    match r {
        Returns::Coded { enum_name } => {
            let (coded, codes, e) = (path(RUNTIME.coded), path(RUNTIME.codes), ident(enum_name));
            quote! { #coded<'a, #codes::#e> }
        }
        Returns::Struct { name } | Returns::Primitive { rust: name, lifetime: true } => {
            let name = ident(name);
            quote! { &'a #name<'a> }
        }
        Returns::Primitive { rust, lifetime: false } => {
            let name = ident(rust);
            quote! { &'a #name }
        }
    }
}

/// One place's pipeline as an iterator, its first value and whether it has one.
struct Ending {
    tokens: TokenStream,
    first: TokenStream,
    any: TokenStream,
}

fn ending(place: &Place) -> Ending {
    ending_of(&pipes(&place.path)[place.read], &place.returns)
}

/// The ending of a pipeline read up to `stage`, converted to what the accessor returns.
fn ending_of(stage: &Pipe, returns: &Returns) -> Ending {
    let convert = match returns {
        Returns::Coded { .. } => {
            let coded = path(RUNTIME.coded);
            quote! { .map(|c| #coded::from_code(c.as_str())) }
        }
        _ => TokenStream::new(),
    };
    let (pipe, first) = (stage.iter(), stage.first());
    Ending { tokens: quote! { #pipe #convert }, first: quote! { #first #convert }, any: stage.any() }
}

/// `#[doc]` attributes, one per line, so the output reads as `///` comments.
fn doc_lines(doc: &str) -> TokenStream {
    let lines = doc.split('\n');
    quote! { #(#[doc = #lines])* }
}

/// An accessor: one place read as an `Option` or an iterator; several places read in order,
/// through a `…_placed` twin that also says where the value was found.
fn accessor(a: &Accessor) -> TokenStream {
    let ret = returns(&a.returns);
    let fname = ident(&a.name);
    if let Some(one) = one_extension(a) {
        return one_extension_accessor(a, &one, &ret);
    }
    let placed_fname = format_ident!("{}_placed", a.name);
    let doc = doc_lines(&a.doc);
    let ends: Vec<Ending> = a.places.iter().map(ending).collect();
    let pipes: Vec<&TokenStream> = ends.iter().map(|e| &e.tokens).collect();
    let firsts: Vec<&TokenStream> = ends.iter().map(|e| &e.first).collect();
    let locations: Vec<&str> = a.places.iter().map(|p| p.location.as_str()).collect();
    let placed_doc = a.placed_doc.as_deref().unwrap_or_default();
    match (ends.len(), a.repeats) {
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
    }
}

/// An accessor that reads one place starting at one extension of the level's element chosen
/// by its URL (`extension(url='…')…`): what [`for_each_field`](level_view) reads in its single
/// pass over the extensions.
struct OneExtension<'v> {
    /// The element's field holding the extensions (`extension`).
    field: &'v str,
    url: &'v str,
    /// The step's type (`Extension`).
    ty: &'v str,
    place: &'v Place,
}

fn one_extension(a: &Accessor) -> Option<OneExtension<'_>> {
    let [place] = a.places.as_slice() else { return None };
    let first = place.path.first()?;
    match (&first.access, first.selects.as_slice()) {
        (Access::Each { field }, [Select::Url(url)]) if field == "extension" && place.read >= 1 => {
            Some(OneExtension { field, url, ty: &first.ty, place })
        }
        _ => None,
    }
}

/// The name of the function reading what a one-extension accessor gives from one extension.
fn in_extension_fn(a: &Accessor) -> Ident {
    format_ident!("{}_in", a.name)
}

/// A one-extension accessor: a function reading the value from one extension (what the single
/// pass calls), and the accessor applying it to the extensions with the URL, first value (or
/// every value) wins as on any other path.
fn one_extension_accessor(a: &Accessor, one: &OneExtension, ret: &TokenStream) -> TokenStream {
    let fname = ident(&a.name);
    let in_fn = in_extension_fn(a);
    let doc = doc_lines(&a.doc);
    let ty = ident(one.ty);
    let place = one.place;
    let rest = pipes_from(quote! { std::iter::once(e) }, &place.path[1..]);
    let end = ending_of(&rest[place.read - 1], &place.returns);
    let selected = pipes(&place.path[..1])[1].iter();
    let in_doc = format!(" [`{}`](Self::{}) read from `e`, one extension with its URL.", a.name, a.name);
    if a.repeats {
        let values = &end.tokens;
        quote! {
            #doc
            pub fn #fname(&self) -> impl Iterator<Item = #ret> + 'a {
                #selected.flat_map(Self::#in_fn)
            }
            #[doc = #in_doc]
            fn #in_fn(e: &'a #ty<'a>) -> impl Iterator<Item = #ret> + 'a {
                #values
            }
        }
    } else {
        let first = &end.first;
        quote! {
            #doc
            pub fn #fname(&self) -> Option<#ret> {
                #selected.find_map(Self::#in_fn)
            }
            #[doc = #in_doc]
            fn #in_fn(e: &'a #ty<'a>) -> Option<#ret> {
                #first
            }
        }
    }
}

/// The URLs a level's one-extension accessors select, each once, in the accessors' order: the
/// slots of the level's single pass.
fn extension_urls(level: &LevelView) -> Vec<&str> {
    let mut urls: Vec<&str> = Vec::new();
    for one in level.accessors.iter().filter_map(one_extension) {
        if !urls.contains(&one.url) {
            urls.push(one.url);
        }
    }
    urls
}

/// The level's `extension_slot`: the slot of a URL in `urls`. The URLs under the folder most
/// of them share (`…/resources/variables/`) are matched on the text after it, by length first,
/// so a URL is settled by a few integer comparisons; any others, on their whole text.
fn extension_slot_fn(urls: &[&str]) -> TokenStream {
    let folder = |u: &str| u.rfind('/').map_or(0, |i| i + 1);
    let mut folders: std::collections::BTreeMap<&str, usize> = Default::default();
    for url in urls {
        *folders.entry(&url[..folder(url)]).or_default() += 1;
    }
    let shared = folders.iter().filter(|(_, n)| **n > 1).max_by_key(|(_, n)| **n).map(|(f, _)| *f);
    let mut by_len: std::collections::BTreeMap<usize, Vec<(&str, Literal)>> = Default::default();
    let mut others: Vec<(&str, Literal)> = Vec::new();
    for (slot, url) in urls.iter().enumerate() {
        let slot = Literal::usize_unsuffixed(slot);
        match shared.and_then(|f| url.strip_prefix(f)) {
            Some(rest) => by_len.entry(rest.len()).or_default().push((rest, slot)),
            None => others.push((url, slot)),
        }
    }
    let arms = by_len.iter().map(|(len, rests)| {
        let (texts, slots): (Vec<&str>, Vec<&Literal>) = rests.iter().map(|(t, s)| (*t, s)).unzip();
        let by_text = quote! { match rest { #(#texts => Some(#slots),)* _ => None } };
        // Several of one length: first on the byte that tells most of them apart (the last
        // such), so that only the few with that byte are compared as text.
        let distinct = |at: usize| texts.iter().map(|t| t.as_bytes()[at]).collect::<std::collections::BTreeSet<u8>>().len();
        let at = (0..*len).max_by_key(|at| (distinct(*at), *at)).filter(|_| texts.len() > 1);
        let len = Literal::usize_unsuffixed(*len);
        match at {
            Some(at) => {
                let bytes = texts.iter().map(|t| Literal::byte_character(t.as_bytes()[at]));
                let at = Literal::usize_unsuffixed(at);
                quote! { #len => match (rest.as_bytes()[#at], rest) { #((#bytes, #texts) => Some(#slots),)* _ => None } }
            }
            None => quote! { #len => #by_text },
        }
    });
    let (other_urls, other_slots): (Vec<&str>, Vec<&Literal>) = others.iter().map(|(u, s)| (*u, s)).unzip();
    let by_text = quote! { match url { #(#other_urls => Some(#other_slots),)* _ => None } };
    let body = match shared {
        Some(folder) if others.is_empty() => quote! {
            let rest = url.strip_prefix(#folder)?;
            match rest.len() { #(#arms,)* _ => None }
        },
        // The others do not start with the folder: a URL that does is one of the folder's or
        // none.
        Some(folder) => quote! {
            match url.strip_prefix(#folder) {
                Some(rest) => match rest.len() { #(#arms,)* _ => None },
                None => #by_text,
            }
        },
        None => by_text,
    };
    let doc = format!(
        " The slot of `url` among the {} extension URLs this level's fields select, for \
         [`for_each_field`](Self::for_each_field)'s single pass over the extensions.",
        urls.len()
    );
    quote! {
        #[doc = #doc]
        fn extension_slot(url: &str) -> Option<usize> {
            #body
        }
    }
}

/// One level's view type: the newtype, its field list, its levels' entries (root), its
/// accessors and the rows of the fields present.
fn level_view(level: &LevelView, docs: &Docs, example: &[String]) -> TokenStream {
    let support = path(RUNTIME.support);
    let name = ident(&level.name);
    let target = ident(&level.target);
    let doc = &level.doc;
    let methods = level.accessors.iter().map(accessor);
    let all_fields = level.lists_all.then(|| {
        let children = level.children.iter().map(|c| {
            let fname = ident(&c.method);
            let element = &c.element;
            quote! {
                for (i, v) in self.#fname().enumerate() {
                    v.for_each_field(&mut |field| visit(Some((#element, i)), field));
                }
            }
        });
        let reference_children = level.children.iter().map(|c| {
            let (fname, element) = (ident(&c.method), &c.element);
            quote! {
                for (i, v) in self.#fname().enumerate() {
                    out.extend(located(Some((#element, i)), v.fields_by_accessor()));
                }
            }
        });
        let reference_body = if level.children.is_empty() {
            quote! { located(None, self.fields_by_accessor()).collect() }
        } else {
            quote! {
                let mut out: Vec<LocatedField> = located(None, self.fields_by_accessor()).collect();
                #(#reference_children)*
                out
            }
        };
        let doc = &docs.all_fields;
        quote! {
            #(#[doc = #doc])*
            pub fn all_fields(&self) -> Vec<LocatedField> {
                let mut out = Vec::new();
                self.for_each_located_field(&mut |level, field| out.push(LocatedField { level, field: field.to_value() }));
                out
            }
            /// Each Medicare field present in the resource, at every level, handed to `visit`
            /// with its entry and its value borrowed (what [`all_fields`](Self::all_fields)
            /// lists, in the same order, without rendering a value).
            pub fn for_each_located_field(&self, visit: &mut dyn FnMut(#support::Level, #support::FieldRef<'_>)) {
                self.for_each_field(&mut |field| visit(None, field));
                #(#children)*
            }
            /// What [`all_fields`](Self::all_fields) lists, each level read by
            /// `fields_by_accessor`: what the single pass is tested against.
            #[cfg(test)]
            pub(crate) fn all_fields_by_accessor(&self) -> Vec<LocatedField> {
                let located = |level: #support::Level, fields: Vec<FieldValue>| {
                    fields.into_iter().map(move |field| LocatedField { level, field })
                };
                #reference_body
            }
        }
    });
    let urls = extension_urls(level);
    let slots = (!urls.is_empty()).then(|| extension_slot_fn(&urls));
    let scan = urls.first().map(|_| {
        let field = level.accessors.iter().find_map(one_extension).map(|o| member(o.field));
        let count = Literal::usize_unsuffixed(urls.len());
        quote! {
            let extensions: #support::ExtensionSlots<#count> =
                #support::ExtensionSlots::scan(&self.0.#field, Self::extension_slot);
        }
    });
    // Each field's visit: through the single pass, or (`single_pass` false, the reference the
    // tests compare it with) by calling its accessor.
    let collect = |a: &Accessor, single_pass: bool| {
        let (fname, info) = (ident(&a.name), info_path(&a.info));
        if let Some(one) = one_extension(a).filter(|_| single_pass) {
            let slot = Literal::usize_unsuffixed(urls.iter().position(|u| *u == one.url).expect("a slot"));
            let in_fn = in_extension_fn(a);
            let visit = quote! {
                visit(#support::FieldRef { info: &#info, location: #info.location, value: &v })
            };
            return if a.repeats {
                quote! { for v in extensions.matching(#slot).flat_map(Self::#in_fn) { #visit; } }
            } else {
                quote! { if let Some(v) = extensions.matching(#slot).find_map(Self::#in_fn) { #visit; } }
            };
        }
        let placed = format_ident!("{}_placed", a.name);
        // `location` where the placed accessor says it, else the field's own.
        let field = |placed: bool| {
            let location = if placed {
                quote! { location }
            } else {
                quote! { location: #info.location }
            };
            quote! { visit(#support::FieldRef { info: &#info, #location, value: &v }) }
        };
        if a.places.len() > 1 && a.repeats {
            let visit = field(true);
            quote! {
                let (location, values) = self.#placed();
                for v in values { #visit; }
            }
        } else if a.places.len() > 1 {
            let visit = field(true);
            quote! {
                if let Some((location, v)) = self.#placed() { #visit; }
            }
        } else if a.repeats {
            let visit = field(false);
            quote! { for v in self.#fname() { #visit; } }
        } else {
            let visit = field(false);
            quote! { if let Some(v) = self.#fname() { #visit; } }
        }
    };
    let collects = level.accessors.iter().map(|a| collect(a, true));
    let by_accessor = if urls.is_empty() {
        quote! { self.fields() }
    } else {
        let reference = level.accessors.iter().map(|a| collect(a, false));
        quote! {
            let mut out = Vec::new();
            let visit = &mut |field: #support::FieldRef<'_>| out.push(field.to_value());
            #(#reference)*
            out
        }
    };
    let infos = level.accessors.iter().map(|a| info_path(&a.info));
    let children = level.children.iter().map(|c| {
        let child = ident(&c.view);
        let fname = ident(&c.method);
        let field = ident(&c.field);
        let doc = &c.doc;
        quote! {
            #[doc = #doc]
            pub fn #fname(&self) -> impl Iterator<Item = #child<'a>> + 'a {
                self.0.#field.iter().map(#child)
            }
        }
    });
    let (field_list, fields) = (&docs.field_list, &docs.fields);
    // The summary line, the example, then the rest of the view's rustdoc.
    let (summary, rest) = doc.split_once('\n').unwrap_or((doc.as_str(), ""));
    let rest = (!rest.is_empty()).then(|| doc_lines(rest));
    quote! {
        #[doc = #summary]
        #(#[doc = #example])*
        #rest
        #[derive(Debug, Clone, Copy)]
        pub struct #name<'a>(pub &'a #target<'a>);

        impl<'a> #name<'a> {
            #[doc = #field_list]
            pub const FIELDS: &'static [&'static FieldInfo] = &[#(&#infos),*];

            /// The underlying element.
            pub fn inner(&self) -> &'a #target<'a> {
                self.0
            }
            #(#children)*
            #(#methods)*
            #all_fields
            #[doc = #fields]
            pub fn fields(&self) -> Vec<FieldValue> {
                let mut out = Vec::new();
                self.for_each_field(&mut |field| out.push(field.to_value()));
                out
            }
            /// Each Medicare field present at this level, handed to `visit` with its value
            /// borrowed (what [`fields`](Self::fields) lists, in the same order, without
            /// rendering a value).
            #[allow(unused_variables)]
            pub fn for_each_field(&self, visit: &mut dyn FnMut(#support::FieldRef<'_>)) {
                #scan
                #(#collects)*
            }
            #slots
            /// What [`fields`](Self::fields) lists, read by calling each accessor in turn
            /// (each scanning the extensions itself): what the single pass is tested against.
            #[cfg(test)]
            pub(crate) fn fields_by_accessor(&self) -> Vec<FieldValue> {
                #by_accessor
            }
        }
    }
}

/// A path as the runtime's `PathStep` literals.
fn path_steps(steps: &[PathStep]) -> Vec<TokenStream> {
    let views = path(RUNTIME.views);
    steps
        .iter()
        .map(|s| {
            let filters = s.filters.iter().map(|f| match f {
                PathFilter::Url(url) => quote! { #views::PathFilter::Url(#url) },
                PathFilter::System(system) => quote! { #views::PathFilter::System(#system) },
                PathFilter::Coded { element, many, code, system } => {
                    let system = option(system);
                    quote! { #views::PathFilter::Coded { element: #element, many: #many, code: #code, system: #system } }
                }
                PathFilter::ResourceType(t) => quote! { #views::PathFilter::ResourceType(#t) },
                PathFilter::HasExtension { url, code } => {
                    let code = option(code);
                    quote! { #views::PathFilter::HasExtension { url: #url, code: #code } }
                }
            });
            let (name, many, ty) = (&s.name, s.many, &s.ty);
            quote! { #views::PathStep { name: #name, many: #many, ty: #ty, filters: &[#(#filters),*] } }
        })
        .collect()
}

fn older_placement(p: &OlderPlacement) -> TokenStream {
    let views = path(RUNTIME.views);
    let (location, versions, evidence) = (&p.location, &p.versions, &p.evidence);
    let steps = path_steps(&p.path);
    quote! {
        #views::Placement {
            location: #location,
            versions: &[#(#versions),*],
            evidence: #evidence,
            steps: &[#(#steps),*],
        }
    }
}

/// A field's `FieldInfo` static.
fn field_info(info: &FieldInfo) -> TokenStream {
    let name = ident(&info.name);
    let (variable, label, resource, level, location, url) =
        (&info.variable, &info.label, &info.resource, &info.level, &info.location, &info.url);
    let (variables, urls, applies_to) = (&info.variables, &info.urls, &info.applies_to);
    let steps = path_steps(&info.path);
    let older = info.older.iter().map(older_placement);
    let current = info.current;
    quote! {
        pub static #name: FieldInfo = FieldInfo {
            variable: #variable,
            variables: &[#(#variables),*],
            label: #label,
            resource: #resource,
            level: #level,
            location: #location,
            url: #url,
            urls: &[#(#urls),*],
            applies_to: &[#(#applies_to),*],
            steps: &[#(#steps),*],
            current: #current,
            older: &[#(#older),*],
        };
    }
}

/// The arm of `enum_name::variant` in a `cost(role)` match: `match role { CostRole::A =>
/// v.a(), ..., _ => None }` over `costs` (accessors of the variant's view), or `None`.
fn cost_arm(enum_name: &str, variant: &Ident, costs: &[Cost], all_roles: usize) -> TokenStream {
    let e = ident(enum_name);
    if costs.is_empty() {
        return quote! { #e::#variant(_) => None };
    }
    let roles = costs.iter().map(|c| ident(&c.role));
    let accessors = costs.iter().map(|c| ident(&c.accessor));
    let rest = (costs.len() < all_roles).then(|| quote! { _ => None, });
    quote! { #e::#variant(v) => match role { #( CostRole::#roles => v.#accessors(), )* #rest } }
}

/// The claim types' dispatch: the `CostRole` enum, the `ClaimView` and `ClaimLine` enums (one
/// variant per claim type, over its root and line views) with their per-type matches, and
/// `CLAIM_FIELDS`, each claim type's fields by level and its cost fields.
fn dispatch(d: &Dispatch, docs: &Docs) -> TokenStream {
    let (views, claim_type) = (path(RUNTIME.views), path(RUNTIME.claim_type));
    let amount = ident(&d.amount);
    let (roles_doc, claim_all_fields) = (&docs.cost_roles, &docs.claim_all_fields);
    let resource = ident(&d.resource);
    let line_struct = ident(&d.line_struct);
    let role_idents: Vec<Ident> = d.roles.iter().map(|(r, _)| ident(r)).collect();
    let role_docs = d.roles.iter().map(|(_, doc)| doc);
    // The table's lower camel case name of each role (`MedicarePaid` → `medicarePaid`).
    let role_names: Vec<String> = d
        .roles
        .iter()
        .map(|(r, _)| {
            let mut chars = r.chars();
            chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    let all_roles = role_idents.len();
    let role_count = Literal::usize_unsuffixed(all_roles);
    let mut view_variants = Vec::new();
    let mut line_variants = Vec::new();
    let mut of_type = Vec::new();
    let mut view_types = Vec::new();
    let mut all_fields = Vec::new();
    let mut all_fields_by_accessor = Vec::new();
    let mut for_each_located = Vec::new();
    let mut inner = Vec::new();
    let mut root_costs = Vec::new();
    let mut lines = Vec::new();
    let mut line_types = Vec::new();
    let mut line_inner = Vec::new();
    let mut line_costs = Vec::new();
    let mut fields = Vec::new();
    let mut claim_methods = Vec::new();
    let claim_methods_macro = path(RUNTIME.claim_methods);
    for ClaimDispatch { variant, doc, root_view, root_costs: costs, line, fields: slots } in &d.claims {
        let v = ident(variant);
        let root_view = ident(root_view);
        view_variants.push(quote! { #[doc = #doc] #v(#root_view<'a>) });
        of_type.push(quote! { #claim_type::#v => ClaimView::#v(#root_view(resource)) });
        view_types.push(quote! { ClaimView::#v(_) => #claim_type::#v });
        all_fields.push(quote! { ClaimView::#v(c) => c.all_fields() });
        all_fields_by_accessor.push(quote! { ClaimView::#v(c) => c.all_fields_by_accessor() });
        for_each_located.push(quote! { ClaimView::#v(c) => c.for_each_located_field(visit) });
        inner.push(quote! { ClaimView::#v(c) => c.0 });
        root_costs.push(cost_arm("ClaimView", &v, costs, all_roles));
        claim_methods.push(quote! { #claim_methods_macro!(#root_view, #v); });
        match line {
            Some(line) => {
                let (line_view, doc) = (ident(&line.view), &line.doc);
                line_variants.push(quote! { #[doc = #doc] #v(#line_view<'a>) });
                lines.push(quote! { ClaimView::#v(c) => c.lines().map(ClaimLine::#v).collect() });
                line_types.push(quote! { ClaimLine::#v(_) => #claim_type::#v });
                line_inner.push(quote! { ClaimLine::#v(l) => l.0 });
                line_costs.push(cost_arm("ClaimLine", &v, &line.costs, all_roles));
            }
            None => lines.push(quote! { ClaimView::#v(_) => Vec::new() }),
        }
        let slots = slots.iter().map(|(slot, view)| {
            let slot = ident(slot);
            match view {
                Some(view) => {
                    let view = ident(view);
                    quote! { #slot: #view::FIELDS }
                }
                None => quote! { #slot: &[] },
            }
        });
        let costs = costs.iter().chain(line.iter().flat_map(|l| &l.costs)).map(|c| {
            let (role, info) = (ident(&c.role), info_path(&c.info));
            quote! { #views::CostField { role: CostRole::#role, field: &#info } }
        });
        fields.push(quote! {
            #views::ClaimFields {
                claim_type: #claim_type::#v,
                #(#slots,)*
                costs: &[#(#costs),*],
            }
        });
    }
    let count = Literal::usize_unsuffixed(d.claims.len());
    let view_doc = &d.view_doc;
    let view_example = example_block(
        "ClaimView",
        RUNTIME.claim_data,
        vec![
            format!("    let Some(Resource::{resource}(eob)) = &entry.resource else {{ continue }};"),
            "    let Some(claim) = ClaimView::of(eob) else { continue };".to_string(),
        ],
        RUNTIME.claim_example.iter().map(|l| format!("    {l}")).collect(),
    );
    let line_enum = (!line_variants.is_empty()).then(|| {
        quote! {
            /// One line (`item`) of a claim, seen through the line view of its claim type.
            #[derive(Debug, Clone, Copy)]
            pub enum ClaimLine<'a> {
                #(#line_variants,)*
            }

            impl<'a> ClaimLine<'a> {
                /// The claim type of the line's claim.
                pub fn claim_type(&self) -> #claim_type {
                    match self { #(#line_types,)* }
                }

                /// The underlying element.
                pub fn inner(&self) -> &'a #line_struct<'a> {
                    match self { #(#line_inner,)* }
                }

                /// The amount the line's claim type carries in `role`, if it has a variable
                /// of that role at the line level and the line has the value.
                pub fn cost(&self, role: CostRole) -> Option<&'a #amount<'a>> {
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
        #(#[doc = #roles_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CostRole {
            #( #[doc = #role_docs] #role_idents, )*
        }

        impl CostRole {
            /// Every role.
            pub const ALL: [CostRole; #role_count] = [#(CostRole::#role_idents),*];

            /// The role's name in the claim-type table (`medicarePaid`).
            pub fn as_str(self) -> &'static str {
                match self { #(CostRole::#role_idents => #role_names,)* }
            }
        }

        /// The role's name in the claim-type table (`medicarePaid`).
        impl std::fmt::Display for CostRole {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[doc = #view_doc]
        #(#[doc = #view_example])*
        #[derive(Debug, Clone, Copy)]
        pub enum ClaimView<'a> {
            #(#view_variants,)*
        }

        impl<'a> ClaimView<'a> {
            /// `resource` seen as a claim of `claim_type` (whatever its own codings say).
            pub fn of_type(claim_type: #claim_type, resource: &'a #resource<'a>) -> ClaimView<'a> {
                match claim_type { #(#of_type,)* }
            }

            /// The claim type.
            pub fn claim_type(&self) -> #claim_type {
                match self { #(#view_types,)* }
            }

            #[doc = #claim_all_fields]
            pub fn all_fields(&self) -> Vec<LocatedField> {
                match self { #(#all_fields,)* }
            }

            /// What [`all_fields`](Self::all_fields) lists, each level read by calling each
            /// accessor in turn: what the single pass is tested against.
            #[cfg(test)]
            pub(crate) fn all_fields_by_accessor(&self) -> Vec<LocatedField> {
                match self { #(#all_fields_by_accessor,)* }
            }

            /// Each Medicare field present in the claim, at every level, handed to `visit`
            /// with its entry and its value borrowed (what [`all_fields`](Self::all_fields)
            /// lists, in the same order, without rendering a value).
            pub fn for_each_located_field(&self, visit: &mut dyn FnMut(#views::Level, #views::FieldRef<'_>)) {
                match self { #(#for_each_located,)* }
            }

            /// The underlying resource.
            pub fn inner(&self) -> &'a #resource<'a> {
                match self { #(#inner,)* }
            }

            /// The amount the claim type carries in `role` at the claim level, if it has a
            /// variable of that role there and the claim has the value.
            pub fn cost(&self, role: CostRole) -> Option<&'a #amount<'a>> {
                match self { #(#root_costs,)* }
            }
        }

        #line_enum

        #(#claim_methods)*

        /// Every claim type's fields by level and its cost fields, in the order of
        /// `ClaimType::ALL`.
        pub static CLAIM_FIELDS: [#views::ClaimFields; #count] = [#(#fields),*];
    }
}
