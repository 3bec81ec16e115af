//! What every claim answers, whatever its type: its id, its patient, its dates of service and
//! its totals.
//!
//! ```
//! use bluebutton_model::{json, resources::Bundle, views::ClaimView, Resource};
//!
//! let input = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/claims-bundle.json"))?;
//! let bundle: Bundle = json::from_slice(&input)?;
//! for entry in &bundle.entry {
//!     let Some(Resource::ExplanationOfBenefit(eob)) = &entry.resource else { continue };
//!     let Some(claim) = ClaimView::of(eob) else { continue };
//!     let totals = claim.totals();
//!     let dates = claim.service_dates().unwrap();
//!     println!("{} {} of {}, {} to {}", claim.claim_type(), claim.id().unwrap(), claim.patient_id().unwrap(),
//!         dates.first, dates.last);
//!     if let Some(paid) = &totals.medicare_paid {
//!         println!("  paid {} (from {}; the lines add up to {:?})", paid.amount, paid.source, paid.lines_sum);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::fmt;

use super::{ClaimView, CostRole, FieldInfo};
use crate::claim_type::ClaimType;
use crate::primitives::Decimal;
use crate::summary::ServiceDates;
use crate::types::Period;

/// The level of a claim's own variables in [`super::ClaimFields::cost`].
const CLAIM_LEVEL: &str = "";
/// The level of its lines'.
const LINE_LEVEL: &str = "item";

/// Where a [`Total`] was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalSource {
    /// The claim's own variable of the role (`nch_carr_clm_sbmtd_chrg_amt`, `clm_pmt_amt`).
    Claim(&'static FieldInfo),
    /// The exact sum of the lines' variable of the role (`tot_rx_cst_amt` of a drug event's
    /// lines): the claim type has no claim-level variable of the role, or the claim has no
    /// value there.
    Lines(&'static FieldInfo),
}

impl TotalSource {
    /// The variable read.
    pub fn field(self) -> &'static FieldInfo {
        match self {
            TotalSource::Claim(f) | TotalSource::Lines(f) => f,
        }
    }
}

/// `claim nch_carr_clm_sbmtd_chrg_amt` or `lines line_sbmtd_chrg_amt`.
impl fmt::Display for TotalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TotalSource::Claim(info) => write!(f, "claim {}", info.variable),
            TotalSource::Lines(info) => write!(f, "lines {}", info.variable),
        }
    }
}

/// One total of a claim: its amount, where it was read, and the sum of the lines' amounts of
/// the same role for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Total<'a> {
    pub role: CostRole,
    /// The amount, exactly as sent (a claim-level value) or the exact sum of the lines' (at
    /// the largest scale of its terms: `37.5 + 9.57` is `47.07`).
    pub amount: Decimal<'a>,
    pub source: TotalSource,
    /// The exact sum of the lines' amounts of the role, the same amounts
    /// [`ClaimView::line_costs`] lists, when the lines carry the role and some line has a
    /// value. Beside a claim-level amount it is the check: in real CCW data the claim's
    /// carrier totals are the sums of the lines' (the codebook says so of
    /// `NCH_CARR_CLM_SBMTD_CHRG_AMT`), while the server's recorded test claims disagree
    /// (`eobReadCarrier`: claim 245.04 submitted, its one line 75.0).
    pub lines_sum: Option<Decimal<'static>>,
}

impl Total<'_> {
    /// Whether the claim-level amount and the lines' sum are the same number (`None` when
    /// there is not both).
    pub fn lines_agree(&self) -> Option<bool> {
        match self.source {
            TotalSource::Claim(_) => self.lines_sum.as_ref().map(|sum| sum.numeric_eq(&self.amount)),
            TotalSource::Lines(_) => None,
        }
    }
}

/// A claim's totals by cost role, each from the claim's own variable where the claim type has
/// one, else the exact sum of the lines' ([`ClaimView::total`]); `None` where the claim type
/// has no variable of the role or the claim has no value. Each claim view's rustdoc lists the
/// variables of its type.
///
/// For a Part D event (PDE) the roles are the drug's: [`submitted`](Self::submitted) is the
/// total drug cost (`tot_rx_cst_amt`), [`medicare_paid`](Self::medicare_paid) what the plan
/// paid for a covered drug (`cvrd_d_plan_pd_amt`), [`beneficiary_paid`](Self::beneficiary_paid)
/// what the patient paid (`ptnt_pay_amt`); [`total_drug_cost`](Self::total_drug_cost),
/// [`plan_paid`](Self::plan_paid) and [`patient_pay`](Self::patient_pay) name them so.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimTotals<'a> {
    pub claim_type: ClaimType,
    /// The charge submitted (billed), the claim's total charge; a drug's total cost.
    pub submitted: Option<Total<'a>>,
    /// The charge Medicare allowed (carrier and DME claims).
    pub allowed: Option<Total<'a>>,
    /// What Medicare paid (`clm_pmt_amt`, the claim's payment); for a PDE, the plan.
    pub medicare_paid: Option<Total<'a>>,
    /// What Medicare paid to the provider.
    pub provider_paid: Option<Total<'a>>,
    /// What was paid to the beneficiary; for a PDE, what the patient paid.
    pub beneficiary_paid: Option<Total<'a>>,
    /// The deductible applied.
    pub deductible: Option<Total<'a>>,
    /// The beneficiary's coinsurance.
    pub coinsurance: Option<Total<'a>>,
    /// The charge Medicare does not cover (institutional claims).
    pub not_covered: Option<Total<'a>>,
    /// What a primary payer other than Medicare paid.
    pub primary_payer_paid: Option<Total<'a>>,
}

impl<'a> ClaimTotals<'a> {
    fn pde<'s>(&self, total: &'s Option<Total<'a>>) -> Option<&'s Total<'a>> {
        total.as_ref().filter(|_| self.claim_type == ClaimType::Pde)
    }

    /// A PDE's total drug cost (`tot_rx_cst_amt`); `None` for other claim types.
    pub fn total_drug_cost(&self) -> Option<&Total<'a>> {
        self.pde(&self.submitted)
    }

    /// What a PDE's Part D plan paid for the covered drug (`cvrd_d_plan_pd_amt`).
    pub fn plan_paid(&self) -> Option<&Total<'a>> {
        self.pde(&self.medicare_paid)
    }

    /// What the patient paid for a PDE's drug (`ptnt_pay_amt`).
    pub fn patient_pay(&self) -> Option<&Total<'a>> {
        self.pde(&self.beneficiary_paid)
    }

    /// Every total present, in the order of the fields.
    pub fn iter(&self) -> impl Iterator<Item = &Total<'a>> {
        [
            &self.submitted,
            &self.allowed,
            &self.medicare_paid,
            &self.provider_paid,
            &self.beneficiary_paid,
            &self.deductible,
            &self.coinsurance,
            &self.not_covered,
            &self.primary_payer_paid,
        ]
        .into_iter()
        .flatten()
    }
}

impl<'a> ClaimView<'a> {
    /// The claim's resource id (`carrier-9991831999`): the claim type's prefix and the CCW
    /// claim id.
    pub fn id(&self) -> Option<&'a str> {
        self.eob().id().map(|id| id.as_str())
    }

    /// The reference to the beneficiary, as sent (`Patient/-20140000008325`).
    pub fn patient_reference(&self) -> Option<&'a str> {
        self.eob().patient().and_then(|p| p.reference()).map(|r| r.as_str())
    }

    /// The beneficiary's Patient id: the reference without its `Patient/` (a reference of
    /// another form is returned whole).
    pub fn patient_id(&self) -> Option<&'a str> {
        let reference = self.patient_reference()?;
        Some(reference.strip_prefix("Patient/").unwrap_or(reference))
    }

    /// The billable period (`clm_from_dt` to `clm_thru_dt`; a PDE has none, its date of
    /// service is on its line).
    pub fn billable_period(&self) -> Option<&'a Period<'a>> {
        self.eob().billable_period()
    }

    /// The first and last dates of service: those of the billable period, or when there is
    /// none, of the lines' dates (a PDE's `srvc_dt`). The same dates `summary` reports.
    pub fn service_dates(&self) -> Option<ServiceDates<'a>> {
        ServiceDates::of(self.eob())
    }

    /// The claim's total in `role`: the claim-level variable when the claim type has one and
    /// the claim a value there, else the exact sum of the lines' variable of the role (the
    /// claim-type table, `coding-systems/errata/claim-types.json`). `None` when neither gives
    /// a value, or a sum goes past 38 digits.
    pub fn total(&self, role: CostRole) -> Option<Total<'a>> {
        self.total_with(role, |role| self.lines_sum(role))
    }

    /// [`total`](Self::total), with the exact sum of the lines' amounts in a role given by
    /// `lines_sum` (called only when the claim type's lines have a variable of the role): for
    /// a caller that has read the lines' amounts already, so that they are not read again.
    pub fn total_with(
        &self,
        role: CostRole,
        lines_sum: impl FnOnce(CostRole) -> Option<Decimal<'static>>,
    ) -> Option<Total<'a>> {
        let line_field = self.claim_type().fields().cost(LINE_LEVEL, role);
        let lines_sum = line_field.and_then(|_| lines_sum(role));
        let (amount, source) = self.total_amount_with(role, |_| lines_sum.clone())?;
        Some(Total { role, amount, source, lines_sum })
    }

    /// The amount of [`total_with`](Self::total_with) and where it comes from, without the
    /// lines' sum beside a claim-level amount: `lines_sum` is called only when the claim has
    /// no amount of its own in the role and its lines have a variable of the role (for a
    /// caller that wants the totals, not their check).
    pub fn total_amount_with(
        &self,
        role: CostRole,
        lines_sum: impl FnOnce(CostRole) -> Option<Decimal<'static>>,
    ) -> Option<(Decimal<'a>, TotalSource)> {
        let fields = self.claim_type().fields();
        if let (Some(field), Some(amount)) = (fields.cost(CLAIM_LEVEL, role), self.cost(role).and_then(|m| m.value())) {
            return Some((amount.clone(), TotalSource::Claim(field)));
        }
        let line_field = fields.cost(LINE_LEVEL, role)?;
        Some((lines_sum(role)?, TotalSource::Lines(line_field)))
    }

    /// The exact sum of the lines' amounts in `role`, if some line has one.
    fn lines_sum(&self, role: CostRole) -> Option<Decimal<'static>> {
        let lines = self.lines();
        Self::sum_of_lines(lines.iter().map(|l| l.cost(role).and_then(|m| m.value())))
    }

    /// The exact sum of the lines' amounts that are present (what [`total`](Self::total) sums,
    /// for [`total_with`](Self::total_with)): `None` when no line has one, or the sum goes past
    /// 38 digits.
    pub fn sum_of_lines<'d, 'x: 'd>(
        amounts: impl IntoIterator<Item = Option<&'d Decimal<'x>>>,
    ) -> Option<Decimal<'static>> {
        let amounts: Vec<&Decimal<'_>> = amounts.into_iter().flatten().collect();
        if amounts.is_empty() {
            return None;
        }
        Decimal::checked_sum(amounts)
    }

    /// The claim's totals: [`total`](Self::total) of each everyday role.
    pub fn totals(&self) -> ClaimTotals<'a> {
        let total = |role| self.total(role);
        ClaimTotals {
            claim_type: self.claim_type(),
            submitted: total(CostRole::Submitted),
            allowed: total(CostRole::Allowed),
            medicare_paid: total(CostRole::MedicarePaid),
            provider_paid: total(CostRole::ProviderPaid),
            beneficiary_paid: total(CostRole::BeneficiaryPaid),
            deductible: total(CostRole::Deductible),
            coinsurance: total(CostRole::Coinsurance),
            not_covered: total(CostRole::NotCovered),
            primary_payer_paid: total(CostRole::PrimaryPayerPaid),
        }
    }
}

/// Gives a claim type's root view (`CarrierClaim`) what every claim answers, through
/// [`ClaimView`]: `of`, `as_claim`, `claim_type`, `id`, `patient_id`, `billable_period`,
/// `service_dates`, `total`, `totals` and `line_costs`. The generated views invoke it once per
/// claim type of the claim-type table.
macro_rules! claim_view_methods {
    ($view:ident, $variant:ident) => {
        impl<'a> $view<'a> {
            /// The claim, if it is of this view's claim type ([`ClaimType::of`](crate::claim_type::ClaimType::of)).
            pub fn of(eob: &'a $crate::resources::ExplanationOfBenefit<'a>) -> Option<Self> {
                match $crate::views::ClaimView::of(eob)? {
                    $crate::views::ClaimView::$variant(v) => Some(v),
                    _ => None,
                }
            }

            /// The claim as a [`ClaimView`](crate::views::ClaimView).
            pub fn as_claim(&self) -> $crate::views::ClaimView<'a> {
                $crate::views::ClaimView::$variant(*self)
            }

            /// The claim type.
            pub fn claim_type(&self) -> $crate::claim_type::ClaimType {
                $crate::claim_type::ClaimType::$variant
            }

            /// See [`ClaimView::id`](crate::views::ClaimView::id).
            pub fn id(&self) -> Option<&'a str> {
                self.as_claim().id()
            }

            /// See [`ClaimView::patient_id`](crate::views::ClaimView::patient_id).
            pub fn patient_id(&self) -> Option<&'a str> {
                self.as_claim().patient_id()
            }

            /// See [`ClaimView::billable_period`](crate::views::ClaimView::billable_period).
            pub fn billable_period(&self) -> Option<&'a $crate::types::Period<'a>> {
                self.as_claim().billable_period()
            }

            /// See [`ClaimView::service_dates`](crate::views::ClaimView::service_dates).
            pub fn service_dates(&self) -> Option<$crate::summary::ServiceDates<'a>> {
                self.as_claim().service_dates()
            }

            /// See [`ClaimView::total`](crate::views::ClaimView::total).
            pub fn total(&self, role: $crate::views::CostRole) -> Option<$crate::views::Total<'a>> {
                self.as_claim().total(role)
            }

            /// See [`ClaimView::totals`](crate::views::ClaimView::totals); the variables of
            /// this claim type are listed above.
            pub fn totals(&self) -> $crate::views::ClaimTotals<'a> {
                self.as_claim().totals()
            }

            /// See [`ClaimView::line_costs`](crate::views::ClaimView::line_costs).
            pub fn line_costs(&self) -> Vec<$crate::views::LineCosts<'a>> {
                self.as_claim().line_costs()
            }
        }

        impl<'a> From<$view<'a>> for $crate::views::ClaimView<'a> {
            fn from(view: $view<'a>) -> Self {
                $crate::views::ClaimView::$variant(view)
            }
        }
    };
}

pub(crate) use claim_view_methods;
