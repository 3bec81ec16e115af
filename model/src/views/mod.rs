//! Typed Blue Button profile views: read a claim, a beneficiary or a coverage by CCW variable
//! name, without knowing a URL or an array index.
//!
//! One view per profile (`CarrierClaim`, `PdeClaim`, ..., `BeneficiaryPatient`,
//! `BeneficiaryCoverage`) and per level (`CarrierLine`, `InpatientDiagnosis`, ...), generated from
//! the data dictionary and the served-data errata (`coding-systems/errata/`). Accessors return
//! decoded values: [`crate::Coded`] for coded variables, the typed `Money`, `Quantity`,
//! `Identifier`, dates. [`ClaimView`] classifies an `ExplanationOfBenefit` by its claim type;
//! it, [`ClaimLine`], [`CostRole`] and [`ClaimFields`] are generated from the claim-type table
//! (`coding-systems/errata/claim-types.json`).
mod beneficiary;
mod claim;
pub mod support;
mod tasks;
#[cfg(test)]
mod tests;
mod unmapped;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/views.rs"));
}

pub use beneficiary::{BeneficiaryName, MonthlyDual};
pub(crate) use claim::claim_view_methods;
pub use claim::{ClaimTotals, Total, TotalSource};
pub use generated::*;
pub use support::{FieldInfo, FieldRef, FieldValue, Level, LocatedField, PathFilter, PathStep, Placement};
pub use tasks::{
    is_present_on_admission_variable, Diagnosis, Drug, IcdVersion, LineCosts, MedicarePart, Procedure, Provider,
};
pub use unmapped::{bluebutton_urls, unmapped, UrlOccurrence};

use crate::claim_type::ClaimType;
use crate::resources::ExplanationOfBenefit;

impl<'a> ClaimView<'a> {
    /// The view of `eob`'s claim type ([`ClaimType::of`]), if it has one.
    pub fn of(eob: &'a ExplanationOfBenefit<'a>) -> Option<ClaimView<'a>> {
        Some(ClaimView::of_type(ClaimType::of(eob)?, eob))
    }

    /// The claim.
    pub fn eob(&self) -> &'a ExplanationOfBenefit<'a> {
        self.inner()
    }
}

/// The Medicare fields of a claim type's views, level by level (empty for a level the claim
/// type has no fields on), and the fields that carry its costs: the synthetic data generator's
/// blueprint of a claim, and what [`ClaimView::line_costs`] reads.
#[derive(Debug)]
pub struct ClaimFields {
    pub claim_type: ClaimType,
    /// The claim's fields (`CarrierClaim::FIELDS`).
    pub root: &'static [&'static FieldInfo],
    /// A line's (`item`) fields.
    pub line: &'static [&'static FieldInfo],
    pub care_team: &'static [&'static FieldInfo],
    pub diagnosis: &'static [&'static FieldInfo],
    pub procedure: &'static [&'static FieldInfo],
    /// The fields that carry a cost, claim level first, then line level, in the order of the
    /// claim-type table (`coding-systems/errata/claim-types.json`).
    pub costs: &'static [CostField],
}

/// A field that carries a cost, and its role.
#[derive(Debug)]
pub struct CostField {
    pub role: CostRole,
    pub field: &'static FieldInfo,
}

impl ClaimType {
    /// The claim type's fields by level and its cost fields.
    pub fn fields(self) -> &'static ClaimFields {
        &CLAIM_FIELDS[self as usize]
    }
}

impl ClaimFields {
    /// The field of `role` at `level` (`""` for the claim, `item` for a line), if the claim
    /// type has one.
    pub fn cost(&self, level: &str, role: CostRole) -> Option<&'static FieldInfo> {
        self.costs.iter().find(|c| c.role == role && c.field.level == level).map(|c| c.field)
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
