//! The Blue Button claim type of an `ExplanationOfBenefit`: carrier, DME, HHA, hospice,
//! inpatient, outpatient, Part D event (PDE) or SNF.
//!
//! The server marks it with a coding of `type` in the system
//! [`EOB_TYPE_SYSTEM`]; its ids also start with the type (`carrier-…`, `pde-…`), which is the
//! fallback when that coding is absent.
use std::fmt;

use crate::resources::ExplanationOfBenefit;

/// The code system of the claim type codes in `ExplanationOfBenefit.type.coding`.
pub const EOB_TYPE_SYSTEM: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";

/// A Blue Button claim type.
///
/// ```
/// use bluebutton_model::claim_type::ClaimType;
/// use bluebutton_model::{json, resources::ExplanationOfBenefit};
///
/// let eob: ExplanationOfBenefit = json::from_slice(br#"{"resourceType":"ExplanationOfBenefit",
///     "id":"x1","type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type",
///     "code":"INPATIENT"}]}}"#).unwrap();
/// assert_eq!(ClaimType::of(&eob), Some(ClaimType::Inpatient));
/// assert_eq!(ClaimType::Inpatient.as_str(), "inpatient");
/// assert_eq!(ClaimType::from_code("PDE"), Some(ClaimType::Pde));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimType {
    Carrier,
    Dme,
    Hha,
    Hospice,
    Inpatient,
    Outpatient,
    Pde,
    Snf,
}

impl ClaimType {
    /// Every claim type, in the order of [`ClaimType::as_str`].
    pub const ALL: [ClaimType; 8] = [
        ClaimType::Carrier,
        ClaimType::Dme,
        ClaimType::Hha,
        ClaimType::Hospice,
        ClaimType::Inpatient,
        ClaimType::Outpatient,
        ClaimType::Pde,
        ClaimType::Snf,
    ];

    /// The lower-case name, as in the ids (`carrier`, `dme`, …, `pde`, `snf`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Carrier => "carrier",
            ClaimType::Dme => "dme",
            ClaimType::Hha => "hha",
            ClaimType::Hospice => "hospice",
            ClaimType::Inpatient => "inpatient",
            ClaimType::Outpatient => "outpatient",
            ClaimType::Pde => "pde",
            ClaimType::Snf => "snf",
        }
    }

    /// The code in [`EOB_TYPE_SYSTEM`] (`CARRIER`, `DME`, …, `PDE`, `SNF`).
    pub fn code(self) -> &'static str {
        match self {
            ClaimType::Carrier => "CARRIER",
            ClaimType::Dme => "DME",
            ClaimType::Hha => "HHA",
            ClaimType::Hospice => "HOSPICE",
            ClaimType::Inpatient => "INPATIENT",
            ClaimType::Outpatient => "OUTPATIENT",
            ClaimType::Pde => "PDE",
            ClaimType::Snf => "SNF",
        }
    }

    /// The claim type of a code in [`EOB_TYPE_SYSTEM`] (exactly as the server writes it).
    pub fn from_code(code: &str) -> Option<ClaimType> {
        ClaimType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The claim type of an id such as `carrier-9991831999` or `pde-89`.
    pub fn from_id(id: &str) -> Option<ClaimType> {
        let (prefix, _) = id.split_once('-')?;
        ClaimType::ALL.into_iter().find(|t| t.as_str() == prefix)
    }

    /// The claim type of `eob`: its `type` coding in [`EOB_TYPE_SYSTEM`], else its id prefix.
    pub fn of(eob: &ExplanationOfBenefit<'_>) -> Option<ClaimType> {
        let coded = eob.type_.iter().flat_map(|t| &t.coding).find_map(|c| {
            let system = c.system()?;
            if system.as_str() != EOB_TYPE_SYSTEM {
                return None;
            }
            ClaimType::from_code(c.code()?.as_str())
        });
        coded.or_else(|| ClaimType::from_id(eob.id()?.as_str()))
    }
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn eob(json_text: &str) -> ExplanationOfBenefit<'_> {
        json::from_str(json_text).unwrap()
    }

    #[test]
    fn coding_wins_over_the_id() {
        let e = eob(r#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1","type":{"coding":[
            {"system":"http://hl7.org/fhir/ex-claimtype","code":"pharmacy"},
            {"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"PDE"}]}}"#);
        assert_eq!(ClaimType::of(&e), Some(ClaimType::Pde));
    }

    #[test]
    fn id_prefix_is_the_fallback() {
        let e = eob(r#"{"resourceType":"ExplanationOfBenefit","id":"hospice-9992223422"}"#);
        assert_eq!(ClaimType::of(&e), Some(ClaimType::Hospice));
        let e = eob(r#"{"resourceType":"ExplanationOfBenefit","id":"hospital-1"}"#);
        assert_eq!(ClaimType::of(&e), None);
        let e = eob(r#"{"resourceType":"ExplanationOfBenefit"}"#);
        assert_eq!(ClaimType::of(&e), None);
    }

    #[test]
    fn codes_and_names_round_trip() {
        for t in ClaimType::ALL {
            assert_eq!(ClaimType::from_code(t.code()), Some(t));
            assert_eq!(ClaimType::from_id(&format!("{t}-1")), Some(t));
        }
        assert_eq!(ClaimType::from_code("carrier"), None);
    }
}
