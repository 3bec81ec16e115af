//! What users ask of a beneficiary: name, sex, dates of birth and death, and the monthly
//! Medicare-Medicaid dual eligibility the server sends on the Patient and on each Coverage.
use std::borrow::Cow;

use super::{BeneficiaryCoverage, BeneficiaryPatient, FieldValue};
use crate::coded::Coded;
use crate::codes::Sex;
use crate::primitives::{Date, DateTime};
use crate::types::HumanName;

/// A beneficiary's name, from the Patient's `usual` name (else its first).
///
/// The CCW variables are `bene_gvn_name` (the first `given`), `bene_mdl_name` (the second
/// `given`: the middle initial) and `bene_srnm_name` (`family`: the surname).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeneficiaryName<'a> {
    /// The first name (`bene_gvn_name`).
    pub given: Option<&'a str>,
    /// The middle initial (`bene_mdl_name`), when the server has one.
    pub middle: Option<&'a str>,
    /// The surname (`bene_srnm_name`).
    pub family: Option<&'a str>,
}

impl<'a> BeneficiaryName<'a> {
    fn of(name: &'a HumanName<'a>) -> Self {
        let given = |i: usize| name.given.get(i).and_then(|g| g.value.as_ref()).map(|g| g.as_str());
        BeneficiaryName { given: given(0), middle: given(1), family: name.family().map(|f| f.as_str()) }
    }
}

/// `John A Doe`: the parts present, space-separated.
impl std::fmt::Display for BeneficiaryName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = [self.given, self.middle, self.family].into_iter().flatten().collect();
        f.write_str(&parts.join(" "))
    }
}

/// A month's Medicare-Medicaid dual eligibility (`dual_01` … `dual_12`): the code and its
/// display in the codebook (`02`: QMB and full Medicaid coverage, ...; `**`: enrolled in
/// Medicare A and/or B, but no Part D enrollment data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyDual {
    /// The month, 1 (January) to 12, of the reference year (`rfrnc_yr`).
    pub month: u8,
    /// The code as sent.
    pub code: String,
    /// The codebook's display of the code; `None` for a code the codebook does not list.
    pub display: Option<String>,
}

/// The months of the `dual_<mm>` fields among a view's `rows`, in month order.
fn monthly_dual(rows: Vec<FieldValue>) -> Vec<MonthlyDual> {
    let mut months: Vec<MonthlyDual> = rows
        .into_iter()
        .filter_map(|row| {
            let month = row.info.variable.strip_prefix("dual_")?.parse().ok().filter(|m| (1..=12).contains(m))?;
            Some(MonthlyDual { month, code: row.value, display: row.display })
        })
        .collect();
    months.sort_by_key(|m| m.month);
    months
}

impl<'a> BeneficiaryPatient<'a> {
    /// The beneficiary's name: the `usual` name, else the first.
    pub fn name(&self) -> Option<BeneficiaryName<'a>> {
        let names = &self.0.name;
        let usual = names.iter().find(|n| n.use_().is_some_and(|u| u.as_str() == "usual"));
        usual.or(names.first()).map(BeneficiaryName::of)
    }

    /// The sex, decoded with the codebook's `SEX` (`BENE_SEX_IDENT_CD`: `0` unknown, `1` male,
    /// `2` female), from the Patient's `gender` (`male`, `female`, `unknown`); another gender
    /// text is kept as an unknown code.
    pub fn sex(&self) -> Option<Coded<'a, Sex>> {
        let gender = self.bene_sex_ident_cd()?.as_str();
        Some(match gender {
            "male" => Coded::Known(Sex::Male),
            "female" => Coded::Known(Sex::Female),
            "unknown" => Coded::Known(Sex::Unknown),
            other => Coded::Unknown(Cow::Borrowed(other)),
        })
    }

    /// The date of birth (`bene_birth_dt`).
    pub fn birth_date(&self) -> Option<&'a Date<'a>> {
        self.bene_birth_dt()
    }

    /// The date of death (`bene_death_dt`, `deceasedDateTime`), when the beneficiary died.
    pub fn death_date(&self) -> Option<&'a DateTime<'a>> {
        self.bene_death_dt()
    }

    /// The monthly dual eligibility of the reference year ([`rfrnc_yr`](Self::rfrnc_yr)), for
    /// the months the Patient has it.
    pub fn dual_status(&self) -> Vec<MonthlyDual> {
        monthly_dual(self.fields())
    }
}

impl<'a> BeneficiaryCoverage<'a> {
    /// The monthly dual eligibility of the reference year ([`rfrnc_yr`](Self::rfrnc_yr)), for
    /// the months the Coverage has it (the server sends it on every part's Coverage).
    pub fn dual_status(&self) -> Vec<MonthlyDual> {
        monthly_dual(self.fields())
    }
}
