//! The Blue Button claim type of an `ExplanationOfBenefit`: carrier, DME, HHA, hospice,
//! inpatient, outpatient, Part D event (PDE) or SNF.
//!
//! The server marks it with a coding of `type` in the system
//! [`EOB_TYPE_SYSTEM`]; its ids also start with the type (`carrier-…`, `pde-…`), which is the
//! fallback when that coding is absent.
//!
//! The claim types and their facts ([`ClaimTypeInfo`]: id prefix, code, profile, levels) are
//! generated from one table, `coding-systems/errata/claim-types.json`, where each fact has its
//! evidence.
//!
//! ```
//! use bluebutton_model::claim_type::ClaimType;
//! use bluebutton_model::{json, resources::ExplanationOfBenefit};
//!
//! let eob: ExplanationOfBenefit = json::from_slice(br#"{"resourceType":"ExplanationOfBenefit",
//!     "id":"x1","type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type",
//!     "code":"INPATIENT"}]}}"#).unwrap();
//! assert_eq!(ClaimType::of(&eob), Some(ClaimType::Inpatient));
//! assert_eq!(ClaimType::Inpatient.as_str(), "inpatient");
//! assert_eq!(ClaimType::from_code("PDE"), Some(ClaimType::Pde));
//! assert_eq!(ClaimType::Pde.profile(), "http://hl7.org/fhir/StructureDefinition/bluebutton-pde-claim");
//! ```
use std::fmt;

use crate::resources::ExplanationOfBenefit;

mod generated {
    use super::{ClaimTypeInfo, SyntheticShape};
    include!(concat!(env!("OUT_DIR"), "/claim_types.rs"));
}

pub use generated::{ClaimType, CLAIM_TYPES, EOB_TYPE_SYSTEM};

/// The facts of a claim type, from `coding-systems/errata/claim-types.json`.
#[derive(Debug)]
pub struct ClaimTypeInfo {
    pub claim_type: ClaimType,
    /// The lower-case name, which the ids start with (`carrier`, `pde`).
    pub id_prefix: &'static str,
    /// The code in [`EOB_TYPE_SYSTEM`] (`CARRIER`, `PDE`).
    pub code: &'static str,
    /// The claim type as the data dictionary names it (`Carrier`, `DME`), as in
    /// [`FieldInfo::applies_to`](crate::views::FieldInfo::applies_to).
    pub dictionary: &'static str,
    /// The URL of the claim type's profile in the Blue Button IG.
    pub profile: &'static str,
    /// The repeating elements the claim type's Medicare fields are on (`item`, `careTeam`,
    /// `diagnosis`, `procedure`), derived from the field catalog.
    pub levels: &'static [&'static str],
    /// How we know the id prefix, the code and the profile.
    pub evidence: &'static str,
    /// How the synthetic data generator shapes claims of the type.
    #[cfg_attr(not(feature = "synth"), allow(dead_code))]
    pub(crate) synthetic: SyntheticShape,
}

/// How the synthetic data generator shapes claims of a type (choices, not facts).
#[derive(Debug)]
#[cfg_attr(not(feature = "synth"), allow(dead_code))]
pub(crate) struct SyntheticShape {
    /// The NCH claim type codes; one is drawn (none for a PDE).
    pub nch_claim_types: &'static [&'static str],
    /// The FHIR `ex-claimtype` code and display.
    pub fhir_claim_type: (&'static str, &'static str),
    /// The Coverage the claim refers to (`part-a`).
    pub coverage: &'static str,
    /// Days from the first to the last date of service, lowest and highest.
    pub span_days: (u64, u64),
    /// Number of lines, lowest and highest.
    pub lines: (u64, u64),
    /// Whether lines point at diagnoses.
    pub lines_link_diagnoses: bool,
}

impl ClaimType {
    /// The facts of the claim type.
    pub fn info(self) -> &'static ClaimTypeInfo {
        &CLAIM_TYPES[self as usize]
    }

    /// The lower-case name, as in the ids (`carrier`, `dme`, …, `pde`, `snf`).
    pub fn as_str(self) -> &'static str {
        self.info().id_prefix
    }

    /// The code in [`EOB_TYPE_SYSTEM`] (`CARRIER`, `DME`, …, `PDE`, `SNF`).
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// The URL of the claim type's Blue Button profile.
    pub fn profile(self) -> &'static str {
        self.info().profile
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
    fn the_table_is_in_the_order_of_all() {
        for (i, t) in ClaimType::ALL.into_iter().enumerate() {
            assert_eq!(CLAIM_TYPES[i].claim_type, t);
            assert_eq!(t.info().claim_type, t);
        }
        assert_eq!(ClaimType::Snf.profile(), "http://hl7.org/fhir/StructureDefinition/bluebutton-snf-claim");
        assert_eq!(ClaimType::Dme.info().dictionary, "DME");
        assert_eq!(ClaimType::Inpatient.info().levels, ["item", "diagnosis", "procedure"]);
        assert_eq!(ClaimType::Carrier.info().levels, ["item", "careTeam", "diagnosis"]);
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
