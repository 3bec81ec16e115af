//! Emission: IR in, formatted Rust source out.
//!
//! Each struct gets its definition, getters for its singular fields, `rt::ReadInto` (reading in
//! place) and `FromJson`, `ToJson`, `IntoOwned` and (for datatypes and resources)
//! `FromJsonOwned`, and a `fhir_serde!` line (serde through that JSON, with the `serde`
//! feature). The JSON rules themselves live in the model's runtime (`json::rt`); the
//! generated code only says which rule applies to which property.
use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::types::ir::{
    primitive_has_lifetime, ChoiceVariant, Field, FieldType, Max, Model, Struct, StructKind, TypeRef, RARE_FIELD,
};

/// Generated source files, by file name (relative to the output directory).
pub type Files = BTreeMap<String, String>;

/// Emits the whole model: `types.rs`, one `resource_<name>.rs` per resource, `resource.rs`
/// (the `Resource` enum) and `mod.rs`, which includes them.
pub fn emit(model: &Model) -> Files {
    let mut files = Files::new();
    let mut by_owner: BTreeMap<(bool, &str), Vec<&Struct>> = BTreeMap::new();
    for s in &model.structs {
        let is_resource = model.resources.iter().any(|r| r == &s.owner);
        by_owner.entry((is_resource, s.owner.as_str())).or_default().push(s);
    }
    let mut types = header(Place::Types);
    for a in &model.aliases {
        let name = ident(&a.name);
        let target = ident(&a.target);
        let doc = format!(" `{}`: a profile of `{}`, with the same structure.", a.name, a.target);
        types.extend(quote! { #[doc = #doc] pub type #name<'a> = #target<'a>; });
    }
    let mut resource_modules = Vec::new();
    for ((is_resource, owner), structs) in &by_owner {
        let mut tokens = if *is_resource { header(Place::ResourceModule) } else { TokenStream::new() };
        for s in structs {
            tokens.extend(emit_struct(s));
        }
        if *is_resource {
            let file = format!("resource_{}.rs", heck::ToSnakeCase::to_snake_case(*owner));
            files.insert(file.clone(), format_tokens(tokens));
            resource_modules.push((heck::ToSnakeCase::to_snake_case(*owner), file));
        } else {
            types.extend(tokens);
        }
    }
    files.insert("types.rs".into(), format_tokens(types));
    let mut resource = header(Place::ResourcesRoot);
    resource.extend(emit_resource_enum(&model.resources));
    files.insert("resource.rs".into(), format_tokens(resource));
    files.insert("mod.rs".into(), emit_mod(&resource_modules));
    files
}

/// Where a generated file is included, which decides what it imports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Types,
    ResourceModule,
    ResourcesRoot,
}

fn header(place: Place) -> TokenStream {
    let types = (place != Place::Types).then(|| quote! { #[allow(unused_imports)] use crate::types::*; });
    let resources =
        (place != Place::ResourcesRoot).then(|| quote! { #[allow(unused_imports)] use crate::resources::*; });
    quote! {
        #[allow(unused_imports)]
        use crate::json::{rt, Error, FromJson, FromJsonOwned, IntoOwned, Lexer, ParseOptions, Primitive, ToJson, UnknownProperties, Writer};
        #[allow(unused_imports)]
        use crate::primitives::*;
        #[allow(unused_imports)]
        use crate::{InlineVec, Rare};
        #types
        #resources
    }
}

/// `mod.rs`: includes the generated files as `types` and `resources`.
fn emit_mod(resource_modules: &[(String, String)]) -> String {
    let mods = resource_modules.iter().map(|(m, file)| {
        let m = ident(m);
        quote! {
            mod #m { include!(concat!(env!("OUT_DIR"), "/", #file)); }
            pub use #m::*;
        }
    });
    let tokens = quote! {
        /// FHIR STU3 datatypes (generated from the definitions).
        pub mod types {
            include!(concat!(env!("OUT_DIR"), "/types.rs"));
        }
        /// The CMS code systems (codebook variables and the IG's CodeSystems) as enums.
        pub mod codes {
            include!(concat!(env!("OUT_DIR"), "/codes.rs"));
        }
        /// FHIR STU3 resources (generated from the definitions).
        pub mod resources {
            #(#mods)*
            include!(concat!(env!("OUT_DIR"), "/resource.rs"));
        }
    };
    format_tokens(tokens)
}

fn format_tokens(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Unformatted output still compiles and shows the problem at its line.
        Err(_) => tokens.to_string(),
    }
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// The Rust type of a value of `t` (without Option/Vec).
fn value_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Primitive { rust, plain, .. } => {
            let inner = primitive_type(rust);
            if *plain {
                inner
            } else {
                quote! { Primitive<'a, #inner> }
            }
        }
        TypeRef::Struct { rust, boxed } => {
            let name = ident(rust);
            if *boxed {
                quote! { Box<#name<'a>> }
            } else {
                quote! { #name<'a> }
            }
        }
        TypeRef::Resource => quote! { Resource<'a> },
    }
}

fn primitive_type(rust: &str) -> TokenStream {
    let name = ident(rust);
    if primitive_has_lifetime(rust) {
        quote! { #name<'a> }
    } else {
        quote! { #name }
    }
}

fn field_type(f: &Field) -> TokenStream {
    let inner = match &f.ty {
        FieldType::Single(t) => value_type(t),
        FieldType::Choice { enum_name, .. } => {
            let name = ident(enum_name);
            quote! { #name<'a> }
        }
    };
    match f.max {
        Max::One => quote! { Option<#inner> },
        Max::Many if f.inline_first => quote! { InlineVec<#inner> },
        Max::Many => quote! { Vec<#inner> },
    }
}

fn field_doc(f: &Field) -> String {
    let card = format!("{}..{}", f.min, if f.max == Max::One { "1" } else { "*" });
    let mut doc = format!(" `{}` ({card})", f.path);
    if let Some(b) = &f.binding {
        doc.push_str(&format!(", {} binding to `{}`", b.strength, b.value_set.as_deref().unwrap_or("?")));
    }
    if f.is_modifier {
        doc.push_str(", modifier");
    }
    doc.push('.');
    doc
}

fn emit_struct(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let doc = match s.kind {
        StructKind::Resource => format!(" The FHIR STU3 `{}` resource.", s.path),
        StructKind::Datatype => format!(" The FHIR STU3 `{}` datatype.", s.path),
        StructKind::Backbone => format!(" The `{}` backbone element.", s.path),
    };
    let fields = s.fields.iter().filter(|f| !f.rare).map(field_def);
    let rare = s.has_rare().then(|| emit_rare_part(s));
    // With a rare part, the properties lenient parsing kept are in it: valid data has none.
    let unknown_field = (!s.has_rare()).then(unknown_def);
    let rare_field = s.has_rare().then(|| {
        let (field, part) = (ident(RARE_FIELD), ident(&s.rare_name()));
        let doc =
            format!(" The members the server rarely sends (`{}`), allocated when one is present.", rare_members(s));
        quote! { #[doc = #doc] pub #field: Rare<#part<'a>>, }
    });
    let choice_enums = s.fields.iter().filter_map(|f| match &f.ty {
        FieldType::Choice { enum_name, variants } => Some(emit_choice_enum(f, enum_name, variants)),
        _ => None,
    });
    let getters = emit_getters(s);
    let from_json = emit_from_json(s);
    let to_json = emit_to_json(s);
    let into_owned = emit_into_owned(s);
    let walk = emit_walk_urls(s);
    let owned = (s.kind != StructKind::Backbone).then(|| {
        quote! {
            impl FromJsonOwned for #name<'static> {
                fn parse_owned(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
                    crate::json::from_slice_with::<#name<'_>>(input, options).map(IntoOwned::into_owned)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name<'a> {
            #(#fields)*
            #rare_field
            #unknown_field
        }
        #rare
        #getters
        #(#choice_enums)*
        #from_json
        #to_json
        #into_owned
        #walk
        #owned
        crate::serde_support::fhir_serde!(#name);
    }
}

/// `fn birth_date(&self) -> Option<&Date<'a>>` for each single primitive field: the value
/// without the `Option<Primitive<..>>` wrapping (the field itself still has the extensions);
/// `fn period(&self) -> Option<&Period<'a>>` for each single struct field, boxed or not.
fn emit_getters(s: &Struct) -> TokenStream {
    let getters: Vec<TokenStream> = s
        .fields
        .iter()
        .filter_map(|f| match (&f.ty, f.max) {
            (FieldType::Single(TypeRef::Primitive { rust, plain, .. }), Max::One) => {
                let (fname, field) = (ident(&f.rust_name), member(f));
                let ty = primitive_type(rust);
                let doc = format!(" The value of `{}`, if present.", f.path);
                let body = if *plain {
                    quote! { self.#field.as_ref() }
                } else {
                    quote! { self.#field.as_ref().and_then(|p| p.value.as_ref()) }
                };
                Some(quote! { #[doc = #doc] pub fn #fname(&self) -> Option<&#ty> { #body } })
            }
            // Some of these are boxed (`Model::box_large_optionals`); the getter hides that.
            (FieldType::Single(TypeRef::Struct { rust, boxed }), Max::One) => {
                let (fname, field) = (ident(&f.rust_name), member(f));
                let ty = ident(rust);
                let doc = format!(" `{}`, if present.", f.path);
                let body = if *boxed {
                    quote! { self.#field.as_deref() }
                } else {
                    quote! { self.#field.as_ref() }
                };
                Some(quote! { #[doc = #doc] pub fn #fname(&self) -> Option<&#ty<'a>> { #body } })
            }
            _ => None,
        })
        .collect();
    if getters.is_empty() {
        return TokenStream::new();
    }
    let name = ident(&s.name);
    quote! { impl<'a> #name<'a> { #(#getters)* } }
}

fn emit_choice_enum(f: &Field, enum_name: &str, variants: &[ChoiceVariant]) -> TokenStream {
    let name = ident(enum_name);
    let doc = format!(" The types of `{}`.", f.path);
    let vars = variants.iter().map(|v| {
        let var = ident(&v.variant);
        let ty = choice_value_type(&v.ty);
        let vdoc = format!(" `{}`", v.json_name);
        quote! { #[doc = #vdoc] #var(#ty), }
    });
    let owned_arms = variants.iter().map(|v| {
        let var = ident(&v.variant);
        quote! { #name::#var(v) => #name::#var(IntoOwned::into_owned(v)), }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name<'a> {
            #(#vars)*
        }
        impl<'a> IntoOwned for #name<'a> {
            type Owned = #name<'static>;
            fn into_owned(self) -> #name<'static> {
                match self { #(#owned_arms)* }
            }
        }
    }
}

/// Choice variants: primitives keep their `_` part; large structs are boxed to keep enums
/// small (`Model::inline_small_choices`).
fn choice_value_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Struct { rust, boxed: true } => {
            let name = ident(rust);
            quote! { Box<#name<'a>> }
        }
        TypeRef::Struct { rust, boxed: false } => {
            let name = ident(rust);
            quote! { #name<'a> }
        }
        other => value_type(other),
    }
}

/// `rt::ReadInto` (the reader, which fills a default value in place, so that structs are not
/// moved into the `Box`, `Vec` or `Option` that holds them) and `FromJson` on top of it.
fn emit_from_json(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let is_resource = s.kind == StructKind::Resource;
    let resource_name = &s.path;
    let mut arms = Vec::new();
    let mut checks = Vec::new();
    if is_resource {
        checks.push(quote! {
            if !seen_resource_type { return Err(rt::missing_resource_type(cursor.start)); }
        });
    }
    for f in &s.fields {
        let fname = member(f);
        let json = f.json_name.as_bytes();
        let key_lit = syn::LitByteStr::new(json, Span::call_site());
        match (&f.ty, f.max) {
            (FieldType::Single(TypeRef::Primitive { plain: true, .. }), Max::One) => {
                arms.push(quote! { #key_lit => rt::read_plain(lx, &key, &mut out.#fname)?, });
            }
            (FieldType::Single(TypeRef::Primitive { .. }), Max::One) => {
                let ext = syn::LitByteStr::new(format!("_{}", f.json_name).as_bytes(), Span::call_site());
                arms.push(quote! {
                    #key_lit => rt::read_primitive_value(lx, &key, out.#fname.get_or_insert_with(Default::default))?,
                    #ext => rt::read_primitive_element(lx, &key, out.#fname.get_or_insert_with(Default::default))?,
                });
            }
            (FieldType::Single(TypeRef::Primitive { .. }), Max::Many) => {
                let ext = syn::LitByteStr::new(format!("_{}", f.json_name).as_bytes(), Span::call_site());
                arms.push(quote! {
                    #key_lit => rt::read_primitive_values(lx, &key, &mut out.#fname)?,
                    #ext => rt::read_primitive_elements(lx, &key, &mut out.#fname)?,
                });
                checks.push(quote! { rt::check_primitive_array(&out.#fname, cursor.start)?; });
            }
            (FieldType::Single(TypeRef::Struct { boxed: true, .. }), Max::One) => {
                arms.push(quote! { #key_lit => rt::read_boxed(lx, &key, &mut out.#fname)?, });
            }
            (FieldType::Single(TypeRef::Struct { .. }), Max::One) => {
                arms.push(quote! { #key_lit => rt::read_struct(lx, &key, &mut out.#fname)?, });
            }
            (FieldType::Single(TypeRef::Struct { .. }), Max::Many) => {
                arms.push(quote! {
                    #key_lit => {
                        static HINT: rt::LengthHint = rt::LengthHint::new();
                        rt::read_struct_vec(lx, &key, &mut out.#fname, &HINT)?
                    }
                });
            }
            (FieldType::Single(_), Max::One) => {
                arms.push(quote! { #key_lit => rt::read_one(lx, &key, &mut out.#fname)?, });
            }
            (FieldType::Single(_), Max::Many) => {
                arms.push(quote! { #key_lit => rt::read_vec(lx, &key, &mut out.#fname)?, });
            }
            (FieldType::Choice { enum_name, variants }, _) => {
                let en = ident(enum_name);
                let stem = format!("{}[x]", f.json_name);
                for v in variants {
                    let var = ident(&v.variant);
                    let vkey = syn::LitByteStr::new(v.json_name.as_bytes(), Span::call_site());
                    match &v.ty {
                        TypeRef::Primitive { .. } => {
                            let ext = syn::LitByteStr::new(format!("_{}", v.json_name).as_bytes(), Span::call_site());
                            arms.push(quote! {
                                #vkey => match out.#fname.get_or_insert_with(|| #en::#var(Default::default())) {
                                    #en::#var(p) => rt::read_primitive_value(lx, &key, p)?,
                                    _ => return Err(rt::choice_conflict(&key, #stem)),
                                },
                                #ext => match out.#fname.get_or_insert_with(|| #en::#var(Default::default())) {
                                    #en::#var(p) => rt::read_primitive_element(lx, &key, p)?,
                                    _ => return Err(rt::choice_conflict(&key, #stem)),
                                },
                            });
                        }
                        TypeRef::Struct { boxed: false, .. } => {
                            // Read in place, not built aside and moved in.
                            arms.push(quote! {
                                #vkey => {
                                    rt::choice_free(&key, &out.#fname, #stem)?;
                                    if let #en::#var(v) = out.#fname.insert(#en::#var(Default::default())) {
                                        rt::ReadInto::read_into(v, lx)?;
                                    }
                                }
                            });
                        }
                        _ => {
                            arms.push(quote! {
                                #vkey => rt::read_choice_boxed(lx, &key, &mut out.#fname, #stem, #en::#var)?,
                            });
                        }
                    }
                }
            }
        }
    }
    let of = &s.path;
    let unknown = unknown_member(s);
    let members = quote! {
        match key.as_bytes() {
            #(#arms)*
            _ => rt::unknown_property(lx, key, &mut out.#unknown, #of)?,
        }
    };
    // A resource reads its members one at a time through `read_member`, which the streaming
    // Bundle reader calls for the members before `entry`.
    let (read_member, each_member) = if is_resource {
        let read_member = quote! {
            impl<'a> #name<'a> {
                /// Reads its member `key` (any but `resourceType`) from `lx`, as reading the whole
                /// object does.
                #[inline]
                pub(crate) fn read_member(&mut self, lx: &mut Lexer<'a>, key: crate::json::Key<'a>) -> Result<(), Error> {
                    let out = self;
                    #members
                    Ok(())
                }
            }
        };
        let each = quote! {
            match key.as_bytes() {
                b"resourceType" => rt::read_resource_type(lx, &key, &mut seen_resource_type, #resource_name)?,
                _ => out.read_member(lx, key)?,
            }
        };
        (read_member, each)
    } else {
        (TokenStream::new(), members)
    };
    let seen = is_resource.then(|| quote! { let mut seen_resource_type = false; });
    quote! {
        #read_member
        impl<'a> rt::ReadInto<'a> for #name<'a> {
            fn read_into(&mut self, lx: &mut Lexer<'a>) -> Result<(), Error> {
                let out = self;
                let mut cursor = lx.begin_object()?;
                #seen
                while let Some(key) = lx.next_key(&mut cursor)? {
                    #each_member
                }
                #(#checks)*
                Ok(())
            }
        }
        impl<'a> FromJson<'a> for #name<'a> {
            #[inline]
            fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error> {
                let mut out = Self::default();
                rt::ReadInto::read_into(&mut out, lx)?;
                Ok(out)
            }
        }
    }
}

fn emit_to_json(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let unknown = unknown_member(s);
    let mut writes = Vec::new();
    if s.kind == StructKind::Resource {
        let rt_name = &s.path;
        writes.push(quote! { w.key("resourceType"); w.string(#rt_name); });
    }
    for f in &s.fields {
        let fname = member(f);
        let key = &f.json_name;
        let ext = format!("_{}", f.json_name);
        writes.push(match (&f.ty, f.max) {
            (FieldType::Single(TypeRef::Primitive { plain: true, .. }), Max::One) => {
                quote! { rt::write_plain(w, #key, &self.#fname); }
            }
            (FieldType::Single(TypeRef::Primitive { .. }), Max::One) => {
                quote! { rt::write_primitive_opt(w, #key, #ext, &self.#fname); }
            }
            (FieldType::Single(TypeRef::Primitive { .. }), Max::Many) => {
                quote! { rt::write_primitives(w, #key, #ext, &self.#fname); }
            }
            (FieldType::Single(_), Max::One) => quote! { rt::write_one(w, #key, &self.#fname); },
            (FieldType::Single(_), Max::Many) => quote! { rt::write_vec(w, #key, &self.#fname); },
            (FieldType::Choice { enum_name, variants }, _) => {
                let en = ident(enum_name);
                let arms = variants.iter().map(|v| {
                    let var = ident(&v.variant);
                    let vkey = &v.json_name;
                    let vext = format!("_{}", v.json_name);
                    match &v.ty {
                        TypeRef::Primitive { .. } => {
                            quote! { #en::#var(p) => rt::write_primitive(w, #vkey, #vext, p), }
                        }
                        _ => quote! { #en::#var(v) => { w.key(#vkey); v.write_json(w); } },
                    }
                });
                quote! { if let Some(choice) = &self.#fname { match choice { #(#arms)* } } }
            }
        });
    }
    quote! {
        impl ToJson for #name<'_> {
            fn write_json(&self, w: &mut Writer) {
                w.begin_object();
                #(#writes)*
                self.#unknown.write(w);
                w.end_object();
            }
        }
    }
}

/// The primitives whose values are JSON strings (the others are numbers and booleans).
fn is_text_primitive(rust: &str) -> bool {
    !matches!(rust, "bool" | "Integer" | "UnsignedInt" | "PositiveInt" | "Decimal")
}

/// `WalkUrls` (`crate::urls`): the members as `ToJson` writes them, each string member named
/// `url`, `system` or `code` handed to the walker, the `item`, `careTeam`, `diagnosis` and
/// `procedure` entries of a resource's own object at their levels.
fn emit_walk_urls(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let unknown = unknown_member(s);
    let is_resource = s.kind == StructKind::Resource;
    let walks = s.fields.iter().map(|f| {
        let fname = member(f);
        let url_key = matches!(f.json_name.as_str(), "url" | "system" | "code");
        match (&f.ty, f.max) {
            (FieldType::Single(TypeRef::Primitive { rust, plain: true, .. }), Max::One) => {
                if url_key && is_text_primitive(rust) {
                    quote! { w.string(self.#fname.as_ref().map(|v| v.as_str())); }
                } else {
                    TokenStream::new()
                }
            }
            (FieldType::Single(TypeRef::Primitive { rust, .. }), Max::One) => {
                let value = (url_key && is_text_primitive(rust))
                    .then(|| quote! { w.string(p.value.as_ref().map(|v| v.as_str())); });
                quote! { if let Some(p) = &self.#fname { #value w.element(p.element.as_deref()); } }
            }
            (FieldType::Single(TypeRef::Primitive { plain: true, .. }), Max::Many) => TokenStream::new(),
            // Strings in arrays are no members: only their `_name` objects.
            (FieldType::Single(TypeRef::Primitive { .. }), Max::Many) => {
                quote! { for p in self.#fname.iter() { w.element(p.element.as_deref()); } }
            }
            (FieldType::Single(_), Max::One) => quote! { if let Some(v) = &self.#fname { v.walk_urls(w); } },
            (FieldType::Single(_), Max::Many) => {
                let key = &f.json_name;
                if is_resource && matches!(key.as_str(), "item" | "careTeam" | "diagnosis" | "procedure") {
                    quote! {
                        if w.at_root() { w.levels(#key, &self.#fname); }
                        else { for v in self.#fname.iter() { v.walk_urls(w); } }
                    }
                } else {
                    quote! { for v in self.#fname.iter() { v.walk_urls(w); } }
                }
            }
            (FieldType::Choice { enum_name, variants }, max) => {
                let en = ident(enum_name);
                let arms = variants.iter().map(|v| {
                    let var = ident(&v.variant);
                    match &v.ty {
                        TypeRef::Primitive { plain: false, .. } => {
                            quote! { #en::#var(p) => w.element(p.element.as_deref()), }
                        }
                        TypeRef::Primitive { .. } => quote! { #en::#var(_) => {} },
                        _ => quote! { #en::#var(v) => v.walk_urls(w), },
                    }
                });
                let each = quote! { match choice { #(#arms)* } };
                match max {
                    Max::One => quote! { if let Some(choice) = &self.#fname { #each } },
                    Max::Many => quote! { for choice in self.#fname.iter() { #each } },
                }
            }
        }
    });
    quote! {
        impl crate::urls::WalkUrls for #name<'_> {
            fn walk_urls<'r>(&'r self, w: &mut crate::urls::UrlWalker<'r>) {
                #[allow(unused_imports)]
                use crate::urls::WalkUrls as _;
                w.enter();
                #(#walks)*
                w.unknown(&self.#unknown);
                w.leave();
            }
        }
    }
}

fn emit_into_owned(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let mut fields: Vec<Ident> = s.fields.iter().filter(|f| !f.rare).map(|f| ident(&f.rust_name)).collect();
    if s.has_rare() {
        fields.push(ident(RARE_FIELD));
    }
    into_owned_impl(&name, &fields, !s.has_rare())
}

/// `IntoOwned` for a struct: each of `fields` made owned, and its `unknown` when it has one.
fn into_owned_impl(name: &Ident, fields: &[Ident], unknown: bool) -> TokenStream {
    let unknown = unknown.then(|| quote! { unknown: IntoOwned::into_owned(self.unknown), });
    quote! {
        impl<'a> IntoOwned for #name<'a> {
            type Owned = #name<'static>;
            fn into_owned(self) -> #name<'static> {
                #name { #(#fields: IntoOwned::into_owned(self.#fields),)* #unknown }
            }
        }
    }
}

/// A struct's field definition, with its documentation.
fn field_def(f: &Field) -> TokenStream {
    let fname = ident(&f.rust_name);
    let ty = field_type(f);
    let doc = field_doc(f);
    quote! { #[doc = #doc] pub #fname: #ty, }
}

/// The field as reached from its struct's `self` ([`Field::member`]): `version`, or
/// `rare.version`.
fn member(f: &Field) -> TokenStream {
    member_path(&f.member())
}

/// A member path from a struct's `self` (`version`, `rare.version`) as tokens.
pub(crate) fn member_path(path: &str) -> TokenStream {
    let steps = path.split('.').map(ident);
    quote! { #(#steps).* }
}

/// The lenient parse's `unknown` field, with its documentation.
fn unknown_def() -> TokenStream {
    quote! {
        /// Properties kept by lenient parsing that this element does not define.
        pub unknown: UnknownProperties<'a>,
    }
}

/// Where a struct keeps the properties lenient parsing kept ([`Struct::unknown_member`]).
fn unknown_member(s: &Struct) -> TokenStream {
    member_path(&s.unknown_member())
}

/// The JSON names of a struct's rare members, for its documentation.
fn rare_members(s: &Struct) -> String {
    s.fields.iter().filter(|f| f.rare).map(|f| f.json_name.as_str()).collect::<Vec<_>>().join("`, `")
}

/// A struct's rare part (`CodingRare`): its rare fields and the properties lenient parsing
/// kept, and the empty part every struct without one reads (`RareMembers::none`, a static:
/// every field is an empty `Option` or array).
fn emit_rare_part(s: &Struct) -> TokenStream {
    let part = ident(&s.rare_name());
    let doc = format!(" The members of `{}` the server rarely sends.", s.path);
    let rare: Vec<&Field> = s.fields.iter().filter(|f| f.rare).collect();
    let defs = rare.iter().map(|f| field_def(f));
    let names: Vec<Ident> = rare.iter().map(|f| ident(&f.rust_name)).collect();
    let empty = rare.iter().map(|f| match f.max {
        Max::One => quote! { None },
        Max::Many if f.inline_first => quote! { InlineVec::new() },
        Max::Many => quote! { Vec::new() },
    });
    let into_owned = into_owned_impl(&part, &names, true);
    let unknown = unknown_def();
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #part<'a> {
            #(#defs)*
            #unknown
        }
        impl<'a> crate::RareMembers for #part<'a> {
            fn none<'s>() -> &'s Self where Self: 's {
                static NONE: #part<'static> = #part { #(#names: #empty,)* unknown: UnknownProperties::new() };
                &NONE
            }
        }
        #into_owned
    }
}

fn emit_resource_enum(resources: &[String]) -> TokenStream {
    let variants: Vec<Ident> = resources.iter().map(|r| ident(r)).collect();
    let names = resources.iter();
    let names2 = resources.iter();
    let names3 = resources.iter();
    let accessors = resources.iter().map(|r| {
        let var = ident(r);
        let as_fn = format_ident!("as_{}", heck::ToSnakeCase::to_snake_case(r.as_str()));
        let doc = format!(" The `{r}`, if this is one.");
        quote! {
            #[doc = #doc]
            pub fn #as_fn(&self) -> Option<&#var<'a>> {
                match self { Resource::#var(r) => Some(r), _ => None }
            }
        }
    });
    let from_impls = resources.iter().map(|r| {
        let var = ident(r);
        quote! {
            impl<'a> From<#var<'a>> for Resource<'a> {
                fn from(r: #var<'a>) -> Self { Resource::#var(Box::new(r)) }
            }
        }
    });
    quote! {
        /// The resource types this model has, as in `resourceType`.
        pub const RESOURCE_TYPES: &[&str] = &[#(#names),*];

        /// Any resource of this model, chosen by its `resourceType`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Resource<'a> {
            #(#variants(Box<#variants<'a>>),)*
        }

        impl<'a> Resource<'a> {
            /// The `resourceType`.
            pub fn resource_type(&self) -> &'static str {
                match self { #(Resource::#variants(_) => #names2,)* }
            }
            /// The logical id, if any.
            pub fn id(&self) -> Option<&Id<'a>> {
                match self { #(Resource::#variants(r) => r.id.as_ref().and_then(|p| p.value.as_ref()),)* }
            }
            #(#accessors)*
        }

        #(#from_impls)*

        impl<'a> FromJson<'a> for Resource<'a> {
            fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error> {
                let (name, offset) = rt::peek_resource_type(lx)?;
                Ok(match name.as_ref() {
                    #(#names3 => {
                        let mut r = Box::<#variants>::default();
                        rt::ReadInto::read_into(&mut *r, lx)?;
                        Resource::#variants(r)
                    })*
                    _ => return Err(rt::unknown_resource_type(name, offset)),
                })
            }
        }

        impl ToJson for Resource<'_> {
            fn write_json(&self, w: &mut Writer) {
                match self { #(Resource::#variants(r) => r.write_json(w),)* }
            }
        }

        impl crate::urls::WalkUrls for Resource<'_> {
            fn walk_urls<'r>(&'r self, w: &mut crate::urls::UrlWalker<'r>) {
                match self { #(Resource::#variants(r) => r.walk_urls(w),)* }
            }
        }

        impl<'a> IntoOwned for Resource<'a> {
            type Owned = Resource<'static>;
            fn into_owned(self) -> Resource<'static> {
                match self { #(Resource::#variants(r) => Resource::#variants(IntoOwned::into_owned(r)),)* }
            }
        }

        impl FromJsonOwned for Resource<'static> {
            fn parse_owned(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
                crate::json::from_slice_with::<Resource<'_>>(input, options).map(IntoOwned::into_owned)
            }
        }

        crate::serde_support::fhir_serde!(Resource);
    }
}
