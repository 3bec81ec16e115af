//! Emission: [`CodeSystems`] in, the formatted `codes.rs` out.
//!
//! Per coded variable an enum of fieldless variants and one `CodeEnum` impl whose data are
//! static tables (`VALUES`: `(code, display)` per variant; `all()`: the variants; for a long
//! list `BY_CODE`, the positions sorted by code): `code()`, `display()` and `from_code()` are
//! the trait's provided methods over those tables, so the generated code grows by one variant,
//! one tuple, one path and one position per value and nothing else.
//! Then `VARIABLES` (every variable, sorted by id) and the lookups over it.
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::ir::{CodeSystems, Origin, Variable};

/// The generated `codes.rs`.
pub fn emit(systems: &CodeSystems) -> String {
    let mut tokens = quote! {
        pub use crate::coded::{CodeEnum, Coded, VariableInfo};
    };
    for var in systems.coded() {
        tokens.extend(emit_enum(var));
    }
    tokens.extend(emit_variables(systems));
    format_tokens(tokens)
}

fn emit_enum(var: &Variable) -> TokenStream {
    let name = ident(var.enum_name.as_deref().expect("coded variables have an enum name"));
    let doc = enum_doc(var);
    let variants = var.values.iter().map(|value| {
        let variant = ident(&value.name);
        let mut doc = format!(" `{}`: {}", value.code, md(&value.display));
        match &value.origin {
            Origin::Listed { .. } => {}
            Origin::Range { range, .. } => doc.push_str(&format!(" (the codebook lists the range `{range}`)")),
            Origin::Ig => doc.push_str(" (listed by the IG only)"),
        }
        for alt in &value.also {
            let from = if alt.codebook.is_empty() { String::new() } else { format!(" ({})", alt.codebook) };
            doc.push_str(&format!("\n\n Also listed as{from}: {}", md(&alt.display)));
        }
        let doc = doc_lines(&doc);
        quote! { #(#[doc = #doc])* #variant }
    });
    let values = var.values.iter().map(|v| {
        let (code, display) = (&v.code, &v.display);
        quote! { (#code, #display) }
    });
    let all = var.values.iter().map(|v| {
        let variant = ident(&v.name);
        quote! { Self::#variant }
    });
    let (system, id, label) = (&var.system, &var.id, &var.label);
    let by_code = by_code(var).map(|positions| quote! { const BY_CODE: &'static [u16] = &[#(#positions),*]; });
    let published = option(var.published_system.as_deref());
    let blank = option(var.blank.as_ref().map(|b| b.display.as_str()));
    let doc = doc_lines(&doc);
    quote! {
        #(#[doc = #doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name { #(#variants,)* }

        impl CodeEnum for #name {
            const SYSTEM: &'static str = #system;
            const VARIABLE: &'static str = #id;
            const LABEL: &'static str = #label;
            const PUBLISHED_SYSTEM: Option<&'static str> = #published;
            const BLANK_DISPLAY: Option<&'static str> = #blank;
            const VALUES: &'static [(&'static str, &'static str)] = &[#(#values),*];
            #by_code
            fn all() -> &'static [Self] { &[#(#all),*] }
            #[inline]
            fn index(self) -> usize { self as usize }
        }

        crate::serde_support::code_serde!(#name);
    }
}

/// How many codes a code system has before `from_code` searches them by a sorted index
/// (`BY_CODE`) rather than in order: in order, a code of a short list is found in a few
/// comparisons of lengths.
const INDEXED_FROM: usize = 9;

/// The positions of `var`'s values sorted by code (bytewise, as `str` orders), for a long list.
fn by_code(var: &Variable) -> Option<Vec<u16>> {
    if var.values.len() < INDEXED_FROM {
        return None;
    }
    let mut positions: Vec<u16> =
        (0..var.values.len()).map(|i| u16::try_from(i).expect("fewer than 65,536 codes in a code system")).collect();
    positions.sort_by(|a, b| var.values[usize::from(*a)].code.cmp(&var.values[usize::from(*b)].code));
    Some(positions)
}

fn enum_doc(var: &Variable) -> String {
    let mut doc = format!(" {} (`{}`).\n\n", md(&var.label), var.id);
    if var.codebooks.is_empty() {
        doc.push_str(&format!(" The IG's CodeSystem `{}`, which no codebook defines", var.source_id));
    } else {
        doc.push_str(&format!(" Codebook variable `{}` ({})", var.source_id, var.codebooks.join(", ")));
    }
    doc.push_str(&format!("; served as `{}`", var.system));
    if let Some(url) = &var.published_system {
        doc.push_str(&format!(", published in the IG as `{url}`"));
    }
    doc.push('.');
    if let Some(blank) = &var.blank {
        doc.push_str(&format!(
            "\n\n An absent value (no coding; `{}` in the {} codebook) means: {}.",
            blank.written,
            blank.codebook,
            md(&blank.display)
        ));
    }
    doc
}

fn emit_variables(systems: &CodeSystems) -> TokenStream {
    let entries = systems.variables.iter().map(|var| {
        let (id, label, system) = (&var.id, &var.label, &var.system);
        let published = option(var.published_system.as_deref());
        let codebooks = var.codebooks.iter();
        let data_type = option(var.data_type.as_deref());
        let enum_name = option(var.enum_name.as_deref());
        let blank = option(var.blank.as_ref().map(|b| b.display.as_str()));
        let values = match &var.enum_name {
            Some(name) => {
                let name = ident(name);
                quote! { <#name as CodeEnum>::VALUES }
            }
            None => quote! { &[] },
        };
        quote! {
            VariableInfo {
                id: #id,
                label: #label,
                system: #system,
                published_system: #published,
                codebooks: &[#(#codebooks),*],
                data_type: #data_type,
                enum_name: #enum_name,
                values: #values,
                blank_display: #blank,
            }
        }
    });
    quote! {
        /// Every CMS variable (codebook variables, coded or not, and the IG's CodeSystems that no
        /// codebook defines), sorted by id.
        pub const VARIABLES: &[VariableInfo] = &[#(#entries),*];

        /// The variable with this id (the codebook id lower-cased, e.g. `race`; the last segment
        /// of its coding-system URL).
        pub fn variable(id: &str) -> Option<&'static VariableInfo> {
            crate::coded::find_variable(VARIABLES, id)
        }

        /// The display of `code` (matched exactly) in `variable`'s code system, if it lists it.
        pub fn display(variable: &str, code: &str) -> Option<&'static str> {
            self::variable(variable)?.display(code)
        }

        /// The coding-system URL the server sends for `variable`.
        pub fn system(variable: &str) -> Option<&'static str> {
            self::variable(variable).map(|v| v.system)
        }

        /// The codebook label of `variable`.
        pub fn label(variable: &str) -> Option<&'static str> {
            self::variable(variable).map(|v| v.label)
        }

        /// What an absent value of `variable` means, where the codebook says.
        pub fn blank_display(variable: &str) -> Option<&'static str> {
            self::variable(variable)?.blank_display
        }
    }
}

/// One `#[doc]` per line, so that the output shows `///` comments.
fn doc_lines(doc: &str) -> Vec<String> {
    doc.split('\n').map(str::to_string).collect()
}

fn option(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

/// Text for rustdoc: Markdown's special characters escaped, so displays such as
/// `DRG < 001 or > 511` or `*` render as written.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn format_tokens(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}
