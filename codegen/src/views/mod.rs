//! The view stage: profile views, typed accessors for every Medicare field of the
//! [`Catalog`], named after the CCW variables, on one view type per profile and level
//! (`CarrierClaim`, `CarrierLine`, ...).
//!
//! Catalog + type IR + claim-type table → plain-data IR ([`ir`], built by [`resolve`], where
//! every Blue Button decision is taken) → Rust source ([`emit`](mod@emit), which knows Rust
//! only). The IR is printed by `bluebutton-codegen check --views` and snapshot-tested on the
//! mini fixtures (`codegen/tests/views_ir.rs`).
//!
//! Each accessor is an iterator pipeline over the typed model that follows the field's steps;
//! steps that select among repeating entries do so by URL, system or code (the catalog's
//! filters), never by position. An accessor returns one value (`Option`) when every step is
//! singular or filtered, and an iterator when the field repeats (address lines, modifiers).
pub mod emit;
pub mod ir;
pub mod resolve;

use crate::catalog::Catalog;
use crate::claim_types::ClaimTypes;
use crate::types::ir::Model;

/// The code enum of a variable (its Rust name in the generated code enums), if it has one.
pub type EnumOf<'e> = &'e dyn Fn(&str) -> Option<String>;

/// Everything the views need, emitted as `views.rs` (included as `crate::views::generated`):
/// a view per profile and level, and the claim types' dispatch. Also returns the fields that
/// cannot be placed in the model, one line each.
pub fn emit(model: &Model, catalog: &Catalog, enum_of: EnumOf<'_>, claim_types: &ClaimTypes) -> (String, Vec<String>) {
    let (views, problems) = resolve::resolve(model, catalog, enum_of, claim_types);
    match emit::emit(&views) {
        Ok(text) => (text, problems),
        Err((tokens, problem)) => (tokens, vec![problem]),
    }
}
