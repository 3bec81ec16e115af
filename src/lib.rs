//! Blue Button 2.0 (FHIR STU3) for Rust: the typed, lossless model generated from the
//! definitions, and its JSON.
//!
//! This crate re-exports [`bluebutton_model`]; the README has an example.
pub use bluebutton_model::*;

/// The README's example, compiled and run as a test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
