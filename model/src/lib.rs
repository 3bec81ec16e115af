//! The typed Blue Button model: FHIR STU3 datatypes and resources generated from the
//! definitions, FHIR primitives with exact semantics, and lossless JSON.
//!
//! ```
//! use bluebutton_model::{json, resources::Patient, json::ToJson};
//! let input = br#"{"resourceType":"Patient","id":"p1","birthDate":"1970"}"#;
//! let patient: Patient = json::from_slice(input).unwrap();
//! let birth = patient.birth_date().unwrap();
//! assert_eq!(birth.as_str(), "1970");
//! assert_eq!(patient.to_json_string(), std::str::from_utf8(input).unwrap());
//! ```
#[cfg(feature = "api")]
pub mod api;
pub mod claim_type;
pub mod coded;
pub mod errata;
#[cfg(feature = "validate")]
pub mod fhirpath;
pub mod inline_vec;
pub mod json;
pub mod primitives;
pub mod rare;
mod serde_support;
pub mod stream;
pub mod summary;
#[cfg(feature = "synth")]
pub mod synth;
pub mod urls;
#[cfg(feature = "validate")]
pub mod validate;
pub mod views;

include!(concat!(env!("OUT_DIR"), "/mod.rs"));

pub use coded::{CodeEnum, Coded};
pub use inline_vec::InlineVec;
pub use rare::{Rare, RareMembers};
pub use resources::{Resource, RESOURCE_TYPES};
#[cfg(feature = "validate")]
pub use validate::{validate, validate_json, Finding, Report, Severity, Target};

/// `v` emptied, as a vector of another element type of the same layout (the same type of
/// another lifetime): collecting the empty iterator keeps the allocation, for a reader that
/// fills one vector for each of many values.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!("the vector was emptied")).collect()
}
