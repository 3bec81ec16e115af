//! The person behind a synthetic beneficiary: the dates and id their Patient, Coverages and
//! claims agree on.
use chrono::{Datelike, Duration, NaiveDate};

use super::values::Dice;

/// The facts a beneficiary's resources share.
pub(crate) struct Person {
    pub bene_id: String,
    pub birth: NaiveDate,
    pub coverage_start: NaiveDate,
    pub claims_from: NaiveDate,
    pub claims_until: NaiveDate,
}

impl Person {
    pub(super) fn new(dice: &mut Dice, index: u64) -> Person {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
        let birth = dice.date_between(day(1930, 1, 1), day(1955, 12, 31));
        let coverage_start =
            NaiveDate::from_ymd_opt(birth.year() + 65, birth.month(), 1).unwrap_or(day(birth.year() + 65, 1, 1));
        let claims_from = coverage_start.max(day(2015, 1, 1));
        let claims_until = day(2023, 12, 31);
        // Synthetic beneficiaries have negative ids, as in the CMS synthetic data set.
        Person {
            bene_id: format!("-1{:011}", index),
            birth,
            coverage_start,
            claims_from,
            claims_until: claims_until.max(claims_from + Duration::days(365)),
        }
    }
}
