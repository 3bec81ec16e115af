//! The questions users ask of claims, answered once: what each line cost and who paid, which
//! drugs were filled, which diagnoses and procedures, which providers, which Medicare parts.
//!
//! ```
//! use bluebutton_model::{json, views::ClaimView, resources::Bundle, Resource};
//! let input = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json")).unwrap();
//! let bundle: Bundle = json::from_slice(&input).unwrap();
//! for entry in &bundle.entry {
//!     let Some(Resource::ExplanationOfBenefit(eob)) = &entry.resource else { continue };
//!     let Some(claim) = ClaimView::of(eob) else { continue };
//!     for line in claim.line_costs() {
//!         println!("{} line {:?}: allowed {:?}, paid {:?}", claim.claim_type(), line.sequence,
//!             line.allowed.map(|m| m.as_str()), line.medicare_paid.map(|m| m.as_str()));
//!     }
//! }
//! ```
use std::fmt;

use crate::primitives::{Date, Decimal, Uri};
use crate::resources::{ExplanationOfBenefit, ExplanationOfBenefitDiagnosis, ExplanationOfBenefitItem};
use crate::types::{CodeableConcept, Coding, Identifier, Money, Quantity};

use super::*;

/// What one claim line cost and who paid what, from its adjudications. Which adjudication
/// stands for which amount depends on the claim type (carrier and DME lines have `line_*`
/// amounts, institutional revenue centers `rev_cntr_*`, drug events the Part D amounts: the
/// cost roles of `coding-systems/errata/claim-types.json`); an amount the claim type does not
/// carry is `None` (no revenue center variable is an allowed charge: `rev_cntr_rate_amt` is a
/// unit rate).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineCosts<'a> {
    /// The line number (`item.sequence`).
    pub sequence: Option<u32>,
    /// Submitted (billed) charge.
    pub submitted: Option<&'a Decimal<'a>>,
    /// Allowed charge.
    pub allowed: Option<&'a Decimal<'a>>,
    /// What Medicare (or the Part D plan) paid.
    pub medicare_paid: Option<&'a Decimal<'a>>,
    /// Paid to the provider.
    pub provider_paid: Option<&'a Decimal<'a>>,
    /// Paid by (or to) the beneficiary.
    pub beneficiary_paid: Option<&'a Decimal<'a>>,
    /// Deductible applied.
    pub deductible: Option<&'a Decimal<'a>>,
    /// Coinsurance.
    pub coinsurance: Option<&'a Decimal<'a>>,
}

fn amount<'a>(money: Option<&'a Money<'a>>) -> Option<&'a Decimal<'a>> {
    money.and_then(|m| m.value())
}

fn sequence(item: &ExplanationOfBenefitItem<'_>) -> Option<u32> {
    item.sequence().map(|n| n.get())
}

impl<'a> ClaimView<'a> {
    /// The costs of every line of the claim: each amount is the line's variable of that
    /// [`CostRole`] for the claim type (`coding-systems/errata/claim-types.json`).
    pub fn line_costs(&self) -> Vec<LineCosts<'a>> {
        self.lines()
            .into_iter()
            .map(|l| LineCosts {
                sequence: sequence(l.inner()),
                submitted: amount(l.cost(CostRole::Submitted)),
                allowed: amount(l.cost(CostRole::Allowed)),
                medicare_paid: amount(l.cost(CostRole::MedicarePaid)),
                provider_paid: amount(l.cost(CostRole::ProviderPaid)),
                beneficiary_paid: amount(l.cost(CostRole::BeneficiaryPaid)),
                deductible: amount(l.cost(CostRole::Deductible)),
                coinsurance: amount(l.cost(CostRole::Coinsurance)),
            })
            .collect()
    }

    /// The diagnoses of the claim, with their ICD version and roles.
    pub fn diagnoses(&self) -> Vec<Diagnosis<'a>> {
        self.eob().diagnosis.iter().map(Diagnosis::of).collect()
    }

    /// The procedures of the claim (institutional claims), with their ICD version and date.
    pub fn procedures(&self) -> Vec<Procedure<'a>> {
        procedures(self.eob())
    }

    /// The providers of the claim: each care team member's NPI, role and specialty.
    pub fn providers(&self) -> Vec<Provider<'a>> {
        self.eob()
            .care_team
            .iter()
            .map(|c| Provider {
                sequence: c.sequence().map(|n| n.get()),
                npi: c.provider().and_then(|p| p.identifier()).filter(|i| is_npi(i)),
                role: c.role().and_then(first_code),
                specialty: c.qualification().and_then(|q| q.coding.first()),
            })
            .collect()
    }
}

const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const NDC: &str = "http://hl7.org/fhir/sid/ndc";
const DIAGNOSIS_TYPE: &str = "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type";

fn is_npi(identifier: &Identifier<'_>) -> bool {
    identifier.system().is_some_and(|s| s.as_str() == NPI)
}

fn first_code<'a>(concept: &'a CodeableConcept<'a>) -> Option<&'a str> {
    concept.coding.iter().find_map(|c| c.code()).map(|c| c.as_str())
}

/// The ICD revision of a diagnosis or procedure code, from its coding system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcdVersion<'a> {
    Icd9,
    Icd10,
    /// Another code system (kept as sent).
    Other(&'a Uri<'a>),
}

/// `ICD-9`, `ICD-10`, or the other code system's URL.
impl fmt::Display for IcdVersion<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IcdVersion::Icd9 => f.write_str("ICD-9"),
            IcdVersion::Icd10 => f.write_str("ICD-10"),
            IcdVersion::Other(system) => f.write_str(system.as_str()),
        }
    }
}

impl<'a> IcdVersion<'a> {
    /// The version of a coding system: the ICD-9-CM and ICD-10 systems the server uses.
    pub fn of(system: &'a Uri<'a>) -> IcdVersion<'a> {
        match system.as_str() {
            "http://hl7.org/fhir/sid/icd-9-cm" | "http://hl7.org/fhir/sid/icd-9" => IcdVersion::Icd9,
            "http://hl7.org/fhir/sid/icd-10" | "http://hl7.org/fhir/sid/icd-10-cm" => IcdVersion::Icd10,
            _ => IcdVersion::Other(system),
        }
    }
}

/// A diagnosis of a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis<'a> {
    pub sequence: Option<u32>,
    /// The diagnosis coding (code and display); `None` when the server sent only a DRG
    /// (`packageCode`).
    pub code: Option<&'a Coding<'a>>,
    pub version: Option<IcdVersion<'a>>,
    /// Its roles, codes of `https://bluebutton.cms.gov/resources/codesystem/diagnosis-type`:
    /// `principal`, `admitting`, `other`, `external`, `external-first`, `reason-for-visit`
    /// (empty on carrier lines' other diagnoses).
    pub roles: Vec<&'a str>,
    /// Whether the diagnosis was present on admission (inpatient claims): the coding of the
    /// diagnosis's POA indicator, whichever of `clm_poa_ind_sw1`…`25` and `clm_e_poa_ind_sw1`…`12`
    /// names it. Servers before 2023 (the recorded 2020-10 and 2021-08 responses) name every
    /// diagnosis's indicator `clm_poa_ind_sw1`, the current one numbers them; this reads both.
    pub present_on_admission: Option<&'a Coding<'a>>,
}

/// Whether `url` is a present-on-admission indicator's (`…/clm_poa_ind_sw<N>`,
/// `…/clm_e_poa_ind_sw<N>`).
fn is_poa_indicator(url: &str) -> bool {
    url.strip_prefix("https://bluebutton.cms.gov/resources/variables/").is_some_and(is_present_on_admission_variable)
}

/// Whether `variable` is one of the present-on-admission indicators that
/// [`Diagnosis::present_on_admission`] reads (`clm_poa_ind_sw<N>`, `clm_e_poa_ind_sw<N>`):
/// which of them names a diagnosis's indicator depends on the server version, not on the
/// indicator.
pub fn is_present_on_admission_variable(variable: &str) -> bool {
    variable
        .strip_prefix("clm_poa_ind_sw")
        .or_else(|| variable.strip_prefix("clm_e_poa_ind_sw"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl<'a> Diagnosis<'a> {
    fn of(d: &'a ExplanationOfBenefitDiagnosis<'a>) -> Diagnosis<'a> {
        let code = match &d.diagnosis {
            Some(crate::resources::ExplanationOfBenefitDiagnosisDiagnosis::CodeableConcept(c)) => c.coding.first(),
            _ => None,
        };
        Diagnosis {
            sequence: d.sequence().map(|n| n.get()),
            code,
            version: code.and_then(|c| c.system()).map(IcdVersion::of),
            roles: d
                .type_
                .iter()
                .flat_map(|t| &t.coding)
                .filter(|c| c.system().is_some_and(|s| s.as_str() == DIAGNOSIS_TYPE))
                .filter_map(|c| c.code().map(|c| c.as_str()))
                .collect(),
            present_on_admission: d
                .extension
                .iter()
                .filter(|e| e.url.as_ref().is_some_and(|u| is_poa_indicator(u.as_str())))
                .find_map(|e| match &e.value {
                    Some(crate::types::ExtensionValue::Coding(c)) => Some(c),
                    _ => None,
                }),
        }
    }

    /// Whether this is the principal diagnosis.
    pub fn is_principal(&self) -> bool {
        self.roles.contains(&"principal")
    }

    /// Whether this is the admitting diagnosis.
    pub fn is_admitting(&self) -> bool {
        self.roles.contains(&"admitting")
    }
}

/// A procedure of a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure<'a> {
    pub sequence: Option<u32>,
    pub code: Option<&'a Coding<'a>>,
    pub version: Option<IcdVersion<'a>>,
    pub date: Option<&'a crate::primitives::DateTime<'a>>,
}

fn procedures<'a>(eob: &'a ExplanationOfBenefit<'a>) -> Vec<Procedure<'a>> {
    eob.procedure
        .iter()
        .map(|p| {
            let code = match &p.procedure {
                Some(crate::resources::ExplanationOfBenefitProcedureProcedure::CodeableConcept(c)) => c.coding.first(),
                _ => None,
            };
            Procedure {
                sequence: p.sequence().map(|n| n.get()),
                code,
                version: code.and_then(|c| c.system()).map(IcdVersion::of),
                date: p.date(),
            }
        })
        .collect()
}

/// A provider of a claim (a care team member).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Provider<'a> {
    pub sequence: Option<u32>,
    /// The NPI, when the provider is identified by one.
    pub npi: Option<&'a Identifier<'a>>,
    /// The role code (`primary`, `assist`, `supervisor`, `other`).
    pub role: Option<&'a str>,
    /// The specialty coding (`prvdr_spclty`), when the claim carries one.
    pub specialty: Option<&'a Coding<'a>>,
}

/// One drug fill of a Part D event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drug<'a> {
    /// The NDC coding: code and, when the server has it, the drug's name as display.
    pub ndc: Option<&'a Coding<'a>>,
    /// Fill number (1 for the first fill, then refills).
    pub fill_number: Option<&'a Decimal<'a>>,
    pub days_supply: Option<&'a Decimal<'a>>,
    /// Quantity dispensed.
    pub quantity: Option<&'a Quantity<'a>>,
    pub service_date: Option<&'a Date<'a>>,
    /// The prescriber's identifier (an NPI when its system says so).
    pub prescriber: Option<&'a Identifier<'a>>,
    /// The pharmacy (service provider) identifier.
    pub pharmacy: Option<&'a Identifier<'a>>,
    /// The total drug cost (`tot_rx_cst_amt`).
    pub total_cost: Option<&'a Decimal<'a>>,
    /// What the Part D plan paid for the covered drug (`cvrd_d_plan_pd_amt`).
    pub plan_paid: Option<&'a Decimal<'a>>,
    /// What the patient paid (`ptnt_pay_amt`).
    pub patient_paid: Option<&'a Decimal<'a>>,
    /// What the Part D low-income subsidy paid (`lics_amt`).
    pub low_income_subsidy: Option<&'a Decimal<'a>>,
}

impl<'a> Drug<'a> {
    /// The drug's name, as the server displays the NDC code.
    pub fn name(&self) -> Option<&'a str> {
        self.ndc.and_then(|c| c.display()).map(|d| d.as_str())
    }

    /// The NDC code.
    pub fn ndc_code(&self) -> Option<&'a str> {
        self.ndc.and_then(|c| c.code()).map(|c| c.as_str())
    }
}

impl<'a> PdeClaim<'a> {
    /// The drugs of this Part D event, one per line, with their amounts: each the line's
    /// variable of the [`CostRole`] (`Submitted` is the total drug cost, `MedicarePaid` the
    /// plan's payment, `BeneficiaryPaid` the patient's), as [`ClaimView::line_costs`] reads
    /// them.
    pub fn drugs(&self) -> Vec<Drug<'a>> {
        let prescriber = self.prscrbr_id();
        let pharmacy = self.srvc_prvdr_id();
        self.lines()
            .map(|l| {
                let cost = |role| amount(ClaimLine::Pde(l).cost(role));
                (
                    l,
                    cost(CostRole::Submitted),
                    cost(CostRole::MedicarePaid),
                    cost(CostRole::BeneficiaryPaid),
                    cost(CostRole::LowIncomeSubsidy),
                )
            })
            .map(|(l, total_cost, plan_paid, patient_paid, low_income_subsidy)| Drug {
                ndc: l
                    .0
                    .service
                    .as_ref()
                    .and_then(|s| s.coding.iter().find(|c| c.system().is_some_and(|s| s.as_str() == NDC))),
                fill_number: l.fill_num().and_then(|q| q.value()),
                days_supply: l.days_suply_num().and_then(|q| q.value()),
                quantity: l.qty_dspnsd_num(),
                service_date: l.srvc_dt(),
                prescriber,
                pharmacy,
                total_cost,
                plan_paid,
                patient_paid,
                low_income_subsidy,
            })
            .collect()
    }
}

/// A Medicare part. Displayed as `Part A`, the Coverage's `subPlan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MedicarePart {
    A,
    B,
    C,
    D,
}

impl fmt::Display for MedicarePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self {
            MedicarePart::A => "A",
            MedicarePart::B => "B",
            MedicarePart::C => "C",
            MedicarePart::D => "D",
        };
        write!(f, "Part {letter}")
    }
}

impl<'a> BeneficiaryCoverage<'a> {
    /// The Medicare part this Coverage is for: its `grouping.subPlan` (`Part A`), else its
    /// id prefix (`part-a-…`).
    pub fn part(&self) -> Option<MedicarePart> {
        let from = |s: &str| match s.to_ascii_lowercase().as_str() {
            "part a" | "part-a" => Some(MedicarePart::A),
            "part b" | "part-b" => Some(MedicarePart::B),
            "part c" | "part-c" => Some(MedicarePart::C),
            "part d" | "part-d" => Some(MedicarePart::D),
            _ => None,
        };
        let grouping = self.0.grouping.as_ref().and_then(|g| g.sub_plan()).and_then(|s| from(s.as_str()));
        grouping.or_else(|| {
            let id = self.0.id()?.as_str();
            from(id.get(..6)?)
        })
    }

    /// Whether the coverage is active (`status` is `active`).
    pub fn is_active(&self) -> bool {
        self.0.status().is_some_and(|s| s.as_str() == "active")
    }
}
