//! Synthetic Blue Button data: Patients, Coverage (Parts A–D) and claims of all eight types,
//! made from the profile views' field lists, the served-data errata and the CMS code systems.
//!
//! Every Medicare field of a claim type's views is filled at every level (the extension gets
//! its served URL, a coded field a code and display of its codebook variable, an amount a
//! `Money` in USD), then the claim is made coherent: line allowed ≤ submitted; Medicare paid,
//! deductible and coinsurance add up to the allowed amount; the claim payment is the sum of the
//! line payments (carrier, DME, outpatient, HHA, hospice); PDE costs split between plan,
//! beneficiary and low-income subsidy; line and procedure dates fall in the billing period;
//! care team and diagnosis links resolve; contained resources are referenced. Each resource is
//! checked by the typed parser on the way out, and the tests validate thousands of seeds under
//! the served profiles.
//!
//! Generation is deterministic: the same [`Options`] give the same bytes, on every platform.
//! Each beneficiary has its own random stream, so beneficiary 1,000,000 costs no more than
//! beneficiary 0, and [`write_searchset`] streams any number of them in bounded memory.
//!
//! ```
//! use bluebutton_model::synth::{self, Options};
//! use bluebutton_model::views::ClaimView;
//! use bluebutton_model::claim_type::ClaimType;
//!
//! let options = Options { seed: 7, ..Options::default() };
//! let bene = synth::beneficiary(&options, 0);
//! assert_eq!(bene.claims.len(), options.claims_per_patient as usize);
//! let carrier = synth::claim(7, ClaimType::Carrier);
//! let view = ClaimView::of(&carrier).expect("a claim type");
//! assert_eq!(view.claim_type(), ClaimType::Carrier);
//! assert!(!view.line_costs().is_empty());
//! let resource = bluebutton_model::Resource::ExplanationOfBenefit(Box::new(carrier.clone()));
//! assert!(bluebutton_model::validate(&resource).is_valid());
//! ```
mod beneficiary;
mod claim;
mod fields;
mod person;
#[cfg(feature = "proptest")]
pub mod strategy;
mod tree;
mod values;
mod write;

pub use values::{npi_check_digit, Dice};
pub use write::{write_ndjson, write_searchset, Layout, WriteStats};

use person::Person;

use crate::claim_type::ClaimType;
use crate::json::{self, IntoOwned, Value, Writer};
use crate::resources::{ExplanationOfBenefit, Resource};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The seed: the same seed gives the same data.
    pub seed: u64,
    /// How many beneficiaries.
    pub patients: u64,
    /// Claims per beneficiary.
    pub claims_per_patient: u32,
    /// The claim types to draw from (each beneficiary's claims cycle through them from a
    /// random start, so with at least as many claims as types every type appears).
    pub claim_types: Vec<ClaimType>,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: 1, patients: 10, claims_per_patient: 8, claim_types: ClaimType::ALL.to_vec() }
    }
}

impl Options {
    /// Resources per beneficiary: the Patient, four Coverages and the claims.
    pub fn resources_per_patient(&self) -> u64 {
        5 + u64::from(if self.claim_types.is_empty() { 0 } else { self.claims_per_patient })
    }
}

/// One generated beneficiary and everything about them.
#[derive(Debug, Clone)]
pub struct Beneficiary {
    /// The beneficiary's position in the generated set.
    pub index: u64,
    pub patient: Resource<'static>,
    /// Parts A, B, C and D.
    pub coverage: Vec<Resource<'static>>,
    pub claims: Vec<Resource<'static>>,
}

impl Beneficiary {
    /// The Patient, the Coverages and the claims, in that order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource<'static>> {
        std::iter::once(&self.patient).chain(&self.coverage).chain(&self.claims)
    }
}

/// Beneficiary number `index` of the set `options` describe.
pub fn beneficiary(options: &Options, index: u64) -> Beneficiary {
    let mut dice = Dice::new(options.seed, index);
    let person = Person::new(&mut dice, index);
    let patient = typed(beneficiary::patient(&mut dice, &person));
    let coverage =
        ['A', 'B', 'C', 'D'].into_iter().map(|p| typed(beneficiary::coverage(&mut dice, &person, p))).collect();
    let mut claims = Vec::new();
    if !options.claim_types.is_empty() {
        let start = dice.range(0, options.claim_types.len() as u64 - 1) as usize;
        for n in 0..options.claims_per_patient as usize {
            let ty = options.claim_types[(start + n) % options.claim_types.len()];
            claims.push(typed(claim::claim(&mut dice, &person, ty, index * 1000 + n as u64)));
        }
    }
    Beneficiary { index, patient, coverage, claims }
}

/// Every beneficiary of the set, one at a time.
pub fn beneficiaries(options: &Options) -> impl Iterator<Item = Beneficiary> + '_ {
    (0..options.patients).map(move |i| beneficiary(options, i))
}

/// One claim of type `ty` for `seed`: a convenient fixture for tests and property tests.
pub fn claim(seed: u64, ty: ClaimType) -> ExplanationOfBenefit<'static> {
    let mut dice = Dice::new(seed, u64::MAX);
    let person = Person::new(&mut dice, seed % 1_000_000);
    match typed(claim::claim(&mut dice, &person, ty, seed)) {
        Resource::ExplanationOfBenefit(eob) => *eob,
        other => unreachable!("claim() makes claims, made {}", other.resource_type()),
    }
}

/// The generated JSON as the typed resource. The generator only writes what the model reads,
/// so a failure here is a bug in the generator, reported with the JSON path.
fn typed(obj: tree::Obj) -> Resource<'static> {
    let mut w = Writer::compact();
    Value::Object(obj).write(&mut w);
    let bytes = w.into_bytes();
    match json::from_slice::<Resource<'_>>(&bytes) {
        Ok(resource) => resource.into_owned(),
        Err(e) => panic!("the synthetic data generator wrote JSON the model rejects: {e}"),
    }
}
