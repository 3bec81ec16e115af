//! proptest strategies over the generator (feature `proptest`): property tests get realistic,
//! valid Blue Button resources instead of hand-made fixtures, and a failing case shrinks to a
//! small seed that reproduces it.
//!
//! ```
//! use bluebutton_model::synth::strategy;
//! use bluebutton_model::views::ClaimView;
//! use proptest::prelude::*;
//!
//! proptest!(|(eob in strategy::claim())| {
//!     let view = ClaimView::of(&eob).expect("generated claims have a claim type");
//!     prop_assert!(!view.line_costs().is_empty());
//! });
//! ```
use proptest::prelude::*;

use super::{beneficiary as make_beneficiary, claim as make_claim, Beneficiary, Options};
use crate::claim_type::ClaimType;
use crate::resources::ExplanationOfBenefit;

/// Any of the eight claim types.
pub fn claim_type() -> impl Strategy<Value = ClaimType> {
    proptest::sample::select(ClaimType::ALL.to_vec())
}

/// A claim of any type.
pub fn claim() -> impl Strategy<Value = ExplanationOfBenefit<'static>> {
    (any::<u64>(), claim_type()).prop_map(|(seed, ty)| make_claim(seed, ty))
}

/// A claim of type `ty`.
pub fn claim_of(ty: ClaimType) -> impl Strategy<Value = ExplanationOfBenefit<'static>> {
    any::<u64>().prop_map(move |seed| make_claim(seed, ty))
}

/// A beneficiary (Patient, Coverages) with one to eight claims of any types.
pub fn beneficiary() -> impl Strategy<Value = Beneficiary> {
    (any::<u64>(), 0..1_000_000u64, 1..=8u32).prop_map(|(seed, index, claims)| {
        make_beneficiary(
            &Options { seed, patients: index + 1, claims_per_patient: claims, ..Options::default() },
            index,
        )
    })
}

/// Generator options for a small set: 1–5 beneficiaries with 0–8 claims of 1–8 types.
pub fn options() -> impl Strategy<Value = Options> {
    (any::<u64>(), 1..=5u64, 0..=8u32, proptest::sample::subsequence(ClaimType::ALL.to_vec(), 1..=8)).prop_map(
        |(seed, patients, claims_per_patient, claim_types)| Options { seed, patients, claims_per_patient, claim_types },
    )
}
