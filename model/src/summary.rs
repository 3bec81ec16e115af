//! Claims summed up per claim type: how many, their lines (items), the exact sum of their
//! payments and the first and last dates of service. What `bluebutton summary` prints.
//!
//! Summing is split in two so that the costly half runs anywhere: [`ResourceDigest::of`] reads
//! what a resource contributes (on any thread, while the parsed resource is at hand), and
//! [`Totals::add`] adds digests up, in order.
//!
//! ```
//! use bluebutton_model::claim_type::ClaimType;
//! use bluebutton_model::summary::{ClaimKind, ResourceDigest, Totals};
//! use bluebutton_model::{synth, Resource};
//!
//! let mut totals = Totals::default();
//! for seed in 0..3 {
//!     let claim = Resource::ExplanationOfBenefit(Box::new(synth::claim(seed, ClaimType::Carrier)));
//!     totals.add(&ResourceDigest::of(Some(&claim)));
//! }
//! assert_eq!(totals.resources["ExplanationOfBenefit"], 3);
//! let carrier = &totals.by_kind[&ClaimKind::Known(ClaimType::Carrier)];
//! assert_eq!(carrier.claims, 3);
//! assert_eq!(carrier.lines, totals.all.lines);
//! // Payments are added exactly, and printed with cents at least.
//! assert!(carrier.payment_text().unwrap().split_once('.').unwrap().1.len() >= 2);
//! ```
use std::collections::BTreeMap;

use crate::claim_type::ClaimType;
use crate::primitives::ExactDecimal;
use crate::resources::{BundleEntry, ExplanationOfBenefit, ExplanationOfBenefitItemServiced};
use crate::Resource;

/// The kind of a claim: a Blue Button claim type, or unknown. Unknown sorts last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimKind {
    /// A claim type ([`ClaimType::of`]).
    Known(ClaimType),
    /// Neither the `type` coding nor the id tells the claim type.
    Unknown,
}

impl ClaimKind {
    /// The kind of `eob`.
    pub fn of(eob: &ExplanationOfBenefit<'_>) -> Self {
        ClaimType::of(eob).map_or(ClaimKind::Unknown, ClaimKind::Known)
    }

    /// The lower-case name: the claim type's ([`ClaimType::as_str`]), or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            ClaimKind::Known(t) => t.as_str(),
            ClaimKind::Unknown => "unknown",
        }
    }
}

/// The lower-case name ([`ClaimKind::name`]).
impl std::fmt::Display for ClaimKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one claim contributes to a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDigest {
    /// Its claim type.
    pub kind: ClaimKind,
    /// Its lines (`item`s).
    pub lines: u64,
    /// Whether it has a payment amount (`payment.amount.value`).
    pub paid: bool,
    /// That amount, exactly; `None` when there is none or it is past 38 digits.
    pub payment: Option<ExactDecimal>,
    /// Its first and last dates of service (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`): those of its
    /// `billablePeriod`, or when it has none, of its items' serviced dates and periods.
    pub first: Option<String>,
    /// See [`first`](Self::first).
    pub last: Option<String>,
}

impl ClaimDigest {
    /// What `eob` contributes.
    pub fn of(eob: &ExplanationOfBenefit<'_>) -> Self {
        let value = eob.payment.as_ref().and_then(|p| p.amount.as_ref()).and_then(|m| m.value());
        let dates = ServiceDates::of(eob);
        ClaimDigest {
            kind: ClaimKind::of(eob),
            lines: eob.item.len() as u64,
            paid: value.is_some(),
            payment: value.and_then(|v| v.to_exact()),
            first: dates.map(|d| d.first.to_string()),
            last: dates.map(|d| d.last.to_string()),
        }
    }
}

/// What a resource (or a Bundle entry) contributes to a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDigest {
    /// Its `resourceType`; `None` for an entry without a resource.
    pub resource_type: Option<&'static str>,
    /// What it contributes as a claim, when it is an `ExplanationOfBenefit`.
    pub claim: Option<ClaimDigest>,
}

impl ResourceDigest {
    /// What `resource` contributes (`None`: nothing, as for an entry without a resource).
    pub fn of(resource: Option<&Resource<'_>>) -> Self {
        match resource {
            None => ResourceDigest { resource_type: None, claim: None },
            Some(Resource::ExplanationOfBenefit(eob)) => {
                ResourceDigest { resource_type: Some("ExplanationOfBenefit"), claim: Some(ClaimDigest::of(eob)) }
            }
            Some(r) => ResourceDigest { resource_type: Some(r.resource_type()), claim: None },
        }
    }

    /// What the resource of `entry` contributes (a function to hand to the Bundle streams'
    /// `par_for_each`).
    pub fn of_entry(entry: BundleEntry<'_>) -> Self {
        Self::of(entry.resource.as_ref())
    }
}

/// The first and last dates of service of a claim (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as
/// sent): those of its `billablePeriod`, or when it has none, of its items' serviced dates and
/// periods. A dateTime counts by its date (its first ten characters, which order as the dates
/// do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDates<'a> {
    pub first: &'a str,
    pub last: &'a str,
}

impl<'a> ServiceDates<'a> {
    /// The dates of `eob`; `None` when it has none.
    pub fn of(eob: &'a ExplanationOfBenefit<'a>) -> Option<ServiceDates<'a>> {
        let mut range = None;
        if let Some(period) = eob.billable_period() {
            [period.start(), period.end()].into_iter().flatten().for_each(|d| Self::widen(&mut range, d.as_str()));
        }
        if range.is_none() {
            for item in &eob.item {
                let (start, end) = match &item.serviced {
                    Some(ExplanationOfBenefitItemServiced::Date(d)) => (d.value().map(|d| d.as_str()), None),
                    Some(ExplanationOfBenefitItemServiced::Period(p)) => {
                        (p.start().map(|d| d.as_str()), p.end().map(|d| d.as_str()))
                    }
                    None => (None, None),
                };
                [start, end].into_iter().flatten().for_each(|d| Self::widen(&mut range, d));
            }
        }
        range
    }

    /// Takes in the date of a date or dateTime text.
    fn widen(range: &mut Option<ServiceDates<'a>>, text: &'a str) {
        let date = &text[..text.len().min(10)];
        *range = Some(match *range {
            None => ServiceDates { first: date, last: date },
            Some(r) => ServiceDates { first: r.first.min(date), last: r.last.max(date) },
        });
    }
}

/// The sums over some claims (of one kind, or all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimStats {
    /// The claims.
    pub claims: u64,
    /// Their lines.
    pub lines: u64,
    /// The exact sum of their payment amounts (meaningless once [`overflow`](Self::overflow)).
    pub payment: ExactDecimal,
    /// The claims that have a payment amount.
    pub paid_claims: u64,
    /// A payment amount, or the sum, did not fit in 38 digits.
    pub overflow: bool,
    /// The first date of service.
    pub first: Option<String>,
    /// The last date of service.
    pub last: Option<String>,
}

impl ClaimStats {
    /// Adds a claim.
    pub fn add(&mut self, claim: &ClaimDigest) {
        self.claims += 1;
        self.lines += claim.lines;
        if claim.paid {
            self.paid_claims += 1;
            match claim.payment.and_then(|amount| self.payment.checked_add(amount)) {
                Some(sum) => self.payment = sum,
                None => self.overflow = true,
            }
        }
        if let Some(first) = &claim.first {
            if self.first.as_ref().map_or(true, |f| first < f) {
                self.first = Some(first.clone());
            }
        }
        if let Some(last) = &claim.last {
            if self.last.as_ref().map_or(true, |l| last > l) {
                self.last = Some(last.clone());
            }
        }
    }

    /// The sum of the payments with cents at least (`564.00`, not `564.0`); `overflow` when it
    /// did not fit; `None` when no claim has a payment amount.
    pub fn payment_text(&self) -> Option<String> {
        match (self.paid_claims, self.overflow) {
            (0, _) => None,
            (_, true) => Some("overflow".to_string()),
            (_, false) => Some(self.payment.with_scale_at_least(2).to_string()),
        }
    }
}

/// Resources counted per type, and claims summed up per kind and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Resources per `resourceType`.
    pub resources: BTreeMap<&'static str, u64>,
    /// Claims per kind.
    pub by_kind: BTreeMap<ClaimKind, ClaimStats>,
    /// All claims.
    pub all: ClaimStats,
}

impl Totals {
    /// Adds what a resource contributes.
    pub fn add(&mut self, digest: &ResourceDigest) {
        if let Some(t) = digest.resource_type {
            *self.resources.entry(t).or_default() += 1;
        }
        if let Some(c) = &digest.claim {
            self.by_kind.entry(c.kind).or_default().add(c);
            self.all.add(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn digest(text: &str) -> ClaimDigest {
        let eob: ExplanationOfBenefit = json::from_str(text).unwrap();
        ClaimDigest::of(&eob)
    }

    #[test]
    fn the_billable_period_wins_over_the_items_dates() {
        let d = digest(
            r#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1","payment":{"amount":{"value":10.25}},
            "billablePeriod":{"start":"2020-01-01","end":"2020-01-03T10:00:00Z"},
            "item":[{"sequence":1,"servicedDate":"2019-12-31"},{"sequence":2}]}"#,
        );
        assert_eq!(d.kind, ClaimKind::Known(ClaimType::Carrier));
        assert_eq!((d.lines, d.paid), (2, true));
        assert_eq!(d.payment.unwrap().to_string(), "10.25");
        assert_eq!((d.first.as_deref(), d.last.as_deref()), (Some("2020-01-01"), Some("2020-01-03")));
    }

    #[test]
    fn without_a_billable_period_the_items_dates_count() {
        let d = digest(
            r#"{"resourceType":"ExplanationOfBenefit","id":"x-1","item":[
            {"sequence":1,"servicedDate":"2019-12"},{"sequence":2,"servicedPeriod":{"start":"2018-05-02","end":"2021"}}]}"#,
        );
        assert_eq!(d.kind, ClaimKind::Unknown);
        assert_eq!((d.paid, d.payment), (false, None));
        assert_eq!((d.first.as_deref(), d.last.as_deref()), (Some("2018-05-02"), Some("2021")));
    }

    #[test]
    fn totals_add_up_per_kind_and_overflow_is_kept() {
        let paid = |id: &str, value: &str| {
            digest(&format!(
                r#"{{"resourceType":"ExplanationOfBenefit","id":"{id}","payment":{{"amount":{{"value":{value}}}}}}}"#
            ))
        };
        let mut totals = Totals::default();
        for (id, value) in [("pde-1", "1.5"), ("pde-2", "2"), ("carrier-3", "0.125")] {
            totals.add(&ResourceDigest { resource_type: Some("ExplanationOfBenefit"), claim: Some(paid(id, value)) });
        }
        totals.add(&ResourceDigest { resource_type: Some("Patient"), claim: None });
        totals.add(&ResourceDigest { resource_type: None, claim: None });
        assert_eq!(totals.resources.get("ExplanationOfBenefit"), Some(&3));
        assert_eq!(totals.resources.get("Patient"), Some(&1));
        let pde = &totals.by_kind[&ClaimKind::Known(ClaimType::Pde)];
        assert_eq!((pde.claims, pde.paid_claims, pde.payment_text().as_deref()), (2, 2, Some("3.50")));
        assert_eq!(totals.all.payment_text().as_deref(), Some("3.625"));
        assert_eq!(ClaimStats::default().payment_text(), None);

        let mut big = ClaimStats::default();
        big.add(&paid("pde-1", &"9".repeat(38)));
        big.add(&paid("pde-2", "1"));
        assert!(!big.overflow, "10^38 fits");
        big.add(&paid("pde-3", &"9".repeat(38)));
        assert!(big.overflow);
        assert_eq!(big.paid_claims, 3);
        assert_eq!(big.payment_text().as_deref(), Some("overflow"));
        let mut huge = ClaimStats::default();
        huge.add(&paid("pde-1", &"1".repeat(40)));
        assert_eq!((huge.paid_claims, huge.payment_text().as_deref()), (1, Some("overflow")));
    }

    #[test]
    fn unknown_sorts_after_every_claim_type() {
        assert!(ClaimType::ALL.iter().all(|&t| ClaimKind::Known(t) < ClaimKind::Unknown));
        assert_eq!(ClaimKind::Unknown.name(), "unknown");
        assert_eq!(ClaimKind::Known(ClaimType::Snf).name(), "snf");
    }
}
