//! The Blue Button code generator.
//!
//! Two stages, kept apart so each can be read and tested on its own:
//! - [`import`] reads the official definitions (`../shared/data`) and writes the project's
//!   facts-only forms under `profiles/` and `coding-systems/`;
//! - [`definitions`] loads those forms, [`ir`] turns them into plain data (types, fields,
//!   cardinalities, choices, profiles), and [`emit`] turns the IR into Rust source;
//!   [`validation`] turns the same definitions and the value sets into the validator's tables;
//!   [`claim_types`] reads the claim-type table, the one place claim types and their cost
//!   variables are written, for the claim type enum and the views' per-type dispatch.
pub mod catalog;
pub mod claim_types;
pub mod codes;
pub mod definitions;
pub mod emit;
pub mod errata;
pub mod generate;
pub mod import;
pub mod ir;
pub mod validation;
pub mod views;
