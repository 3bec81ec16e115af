//! The Blue Button code generator.
//!
//! Two stages, kept apart so each can be read and tested on its own:
//! - the importer (the `bluebutton-import` crate, run by this crate's `import` command) reads
//!   the official definitions (`../shared/data`) and writes the project's facts-only forms
//!   under `profiles/` and `coding-systems/`;
//! - [`definitions`] loads those forms; each generator stage turns them into a plain-data IR
//!   and emits Rust from it: [`types`] (types, fields, cardinalities, choices, profiles),
//!   [`codes`] (the CMS code systems), [`views`] (an accessor per Medicare field, its IR
//!   printed by `check --views`);
//!   [`validation`] turns the same definitions and the value sets into the validator's tables;
//!   [`claim_types`] reads the claim-type table, the one place claim types and their cost
//!   variables are written, for the claim type enum and the views' per-type dispatch.
pub mod catalog;
pub mod claim_types;
pub mod codes;
pub mod definitions;
pub mod errata;
pub mod generate;
pub mod recorded;
pub mod types;
pub mod validation;
pub mod views;
