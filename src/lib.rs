//! Blue Button 2.0 (FHIR STU3) for Rust: the typed model, lossless JSON and (later) validation.
//!
//! This crate re-exports [`bluebutton_model`]; see the README for an example.
pub use bluebutton_model::*;
