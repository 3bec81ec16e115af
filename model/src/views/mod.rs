//! Typed Blue Button profile views: read a claim, a beneficiary or a coverage by CCW variable
//! name, without knowing a URL or an array index.
//!
//! One view per profile (`CarrierClaim`, `PdeClaim`, ..., `BeneficiaryPatient`,
//! `BeneficiaryCoverage`) and per level (`CarrierLine`, `InpatientDiagnosis`, ...), generated from
//! the data dictionary and the served-data errata (`coding-systems/errata/`). Accessors return
//! decoded values: [`crate::Coded`] for coded variables, the typed `Money`, `Quantity`,
//! `Identifier`, dates. [`ClaimView`] classifies an `ExplanationOfBenefit` by its claim type.
pub mod support;
mod tasks;
mod unmapped;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/views.rs"));
}

pub use generated::*;
pub use support::{FieldInfo, FieldValue, LocatedField, PathFilter, PathStep, Placement};
pub use tasks::{Diagnosis, Drug, IcdVersion, LineCosts, MedicarePart, Procedure, Provider};
pub use unmapped::{bluebutton_urls, unmapped, UrlOccurrence};

use crate::claim_type::ClaimType;
use crate::resources::ExplanationOfBenefit;

/// An `ExplanationOfBenefit` seen through the profile of its claim type.
#[derive(Debug, Clone, Copy)]
pub enum ClaimView<'a> {
    Carrier(CarrierClaim<'a>),
    Dme(DmeClaim<'a>),
    Hha(HhaClaim<'a>),
    Hospice(HospiceClaim<'a>),
    Inpatient(InpatientClaim<'a>),
    Outpatient(OutpatientClaim<'a>),
    Pde(PdeClaim<'a>),
    Snf(SnfClaim<'a>),
}

impl<'a> ClaimView<'a> {
    /// The view of `eob`'s claim type ([`ClaimType::of`]), if it has one.
    pub fn of(eob: &'a ExplanationOfBenefit<'a>) -> Option<ClaimView<'a>> {
        Some(match ClaimType::of(eob)? {
            ClaimType::Carrier => ClaimView::Carrier(CarrierClaim(eob)),
            ClaimType::Dme => ClaimView::Dme(DmeClaim(eob)),
            ClaimType::Hha => ClaimView::Hha(HhaClaim(eob)),
            ClaimType::Hospice => ClaimView::Hospice(HospiceClaim(eob)),
            ClaimType::Inpatient => ClaimView::Inpatient(InpatientClaim(eob)),
            ClaimType::Outpatient => ClaimView::Outpatient(OutpatientClaim(eob)),
            ClaimType::Pde => ClaimView::Pde(PdeClaim(eob)),
            ClaimType::Snf => ClaimView::Snf(SnfClaim(eob)),
        })
    }

    /// The claim type.
    pub fn claim_type(&self) -> ClaimType {
        match self {
            ClaimView::Carrier(_) => ClaimType::Carrier,
            ClaimView::Dme(_) => ClaimType::Dme,
            ClaimView::Hha(_) => ClaimType::Hha,
            ClaimView::Hospice(_) => ClaimType::Hospice,
            ClaimView::Inpatient(_) => ClaimType::Inpatient,
            ClaimView::Outpatient(_) => ClaimType::Outpatient,
            ClaimView::Pde(_) => ClaimType::Pde,
            ClaimView::Snf(_) => ClaimType::Snf,
        }
    }

    /// Every Medicare field present in the claim, at every level.
    pub fn all_fields(&self) -> Vec<LocatedField> {
        match self {
            ClaimView::Carrier(v) => v.all_fields(),
            ClaimView::Dme(v) => v.all_fields(),
            ClaimView::Hha(v) => v.all_fields(),
            ClaimView::Hospice(v) => v.all_fields(),
            ClaimView::Inpatient(v) => v.all_fields(),
            ClaimView::Outpatient(v) => v.all_fields(),
            ClaimView::Pde(v) => v.all_fields(),
            ClaimView::Snf(v) => v.all_fields(),
        }
    }

    /// The claim.
    pub fn eob(&self) -> &'a ExplanationOfBenefit<'a> {
        match self {
            ClaimView::Carrier(v) => v.0,
            ClaimView::Dme(v) => v.0,
            ClaimView::Hha(v) => v.0,
            ClaimView::Hospice(v) => v.0,
            ClaimView::Inpatient(v) => v.0,
            ClaimView::Outpatient(v) => v.0,
            ClaimView::Pde(v) => v.0,
            ClaimView::Snf(v) => v.0,
        }
    }
}

/// Every Medicare field of a Blue Button resource (a claim of a known type, a Patient or a
/// Coverage), at every level; `None` for other resources and claims of no known type.
pub fn fields_of(resource: &crate::Resource<'_>) -> Option<Vec<LocatedField>> {
    use crate::Resource;
    match resource {
        Resource::ExplanationOfBenefit(eob) => ClaimView::of(eob).map(|v| v.all_fields()),
        Resource::Patient(p) => Some(BeneficiaryPatient(p).all_fields()),
        Resource::Coverage(c) => Some(BeneficiaryCoverage(c).all_fields()),
        _ => None,
    }
}
