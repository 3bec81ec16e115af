//! The task helpers on the real responses: line costs, drugs, diagnoses, procedures,
//! providers and Medicare parts, with the values the samples carry.
mod samples;

use bluebutton::json;
use bluebutton::resources::{Bundle, Coverage, ExplanationOfBenefit};
use bluebutton::views::{BeneficiaryCoverage, ClaimView, CostRole, IcdVersion, MedicarePart};
use bluebutton::Resource;

fn text(d: Option<&bluebutton::primitives::Decimal<'_>>) -> Option<String> {
    d.map(|d| d.as_str().to_string())
}

#[test]
fn carrier_line_costs() {
    let Some(bytes) = samples::normalized("eobReadCarrier.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let claim = ClaimView::of(&eob).unwrap();
    let costs = claim.line_costs();
    assert_eq!(costs.len(), 1);
    let line = costs[0];
    assert_eq!(line.sequence, Some(6));
    assert_eq!(text(line.submitted).as_deref(), Some("75.0"));
    assert_eq!(text(line.allowed).as_deref(), Some("47.84"));
    assert_eq!(text(line.medicare_paid).as_deref(), Some("37.5"));
    assert_eq!(text(line.provider_paid).as_deref(), Some("37.5"));
    assert_eq!(text(line.beneficiary_paid).as_deref(), Some("0.0"));
    assert_eq!(text(line.deductible).as_deref(), Some("0.0"));
    assert_eq!(text(line.coinsurance).as_deref(), Some("9.57"));
}

/// The outpatient revenue center carries no allowed charge: `rev_cntr_rate_amt` is a rate per
/// unit (5.0 for 111 units of a 999.85 charge, paid 5000.0), read as the `Rate` role.
#[test]
fn outpatient_line_costs_have_no_allowed_amount() {
    let Some(bytes) = samples::normalized("eobReadOutpatient.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let claim = ClaimView::of(&eob).unwrap();
    let line = claim.line_costs()[0];
    assert_eq!(text(line.submitted).as_deref(), Some("999.85"));
    assert_eq!(line.allowed, None);
    assert_eq!(text(line.medicare_paid).as_deref(), Some("5000.0"));
    assert_eq!(text(line.deductible).as_deref(), Some("12.89"));
    assert_eq!(text(line.coinsurance).as_deref(), Some("15.23"));
    let lines = claim.lines();
    let rate = lines[0].cost(CostRole::Rate).and_then(|m| m.value());
    assert_eq!(text(rate).as_deref(), Some("5.0"));
    assert_eq!(lines[0].cost(CostRole::Allowed), None);
    // The claim level: the payment and the total charge.
    assert_eq!(text(claim.cost(CostRole::MedicarePaid).and_then(|m| m.value())).as_deref(), Some("693.11"));
    assert_eq!(text(claim.cost(CostRole::Submitted).and_then(|m| m.value())).as_deref(), Some("8888.85"));
}

#[test]
fn every_claim_type_has_line_costs() {
    let Some(bytes) = samples::normalized("eobByPatientIdAll.json") else { return };
    let bundle: Bundle = json::from_slice(&bytes).unwrap();
    let mut types = Vec::new();
    for entry in &bundle.entry {
        let Some(Resource::ExplanationOfBenefit(eob)) = &entry.resource else { continue };
        let claim = ClaimView::of(eob).unwrap();
        let costs = claim.line_costs();
        assert_eq!(costs.len(), eob.item.len());
        assert!(
            costs.iter().all(|c| c.submitted.is_some()),
            "{}: every line has a submitted amount",
            claim.claim_type()
        );
        types.push(claim.claim_type().as_str());
    }
    types.sort();
    assert_eq!(types, ["carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf"]);
}

#[test]
fn pde_drug_list() {
    let Some(bytes) = samples::normalized("eobReadPde.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let Some(ClaimView::Pde(pde)) = ClaimView::of(&eob) else { panic!("a PDE claim") };
    let drugs = pde.drugs();
    assert_eq!(drugs.len(), 1);
    let drug = drugs[0];
    assert_eq!(drug.ndc_code(), Some("000000000"));
    assert_eq!(drug.name(), Some("Fake Diluent - WATER"));
    assert_eq!(text(drug.fill_number).as_deref(), Some("3"));
    assert_eq!(text(drug.days_supply).as_deref(), Some("30"));
    assert_eq!(drug.quantity.and_then(|q| q.value()).map(|v| v.as_str()), Some("60.0"));
    assert!(drug.service_date.is_some());
    assert!(drug.pharmacy.and_then(|p| p.value()).is_some(), "the pharmacy is identified");
}

#[test]
fn inpatient_diagnoses_and_procedures() {
    let Some(bytes) = samples::normalized("eobReadInpatient.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let claim = ClaimView::of(&eob).unwrap();
    let diagnoses = claim.diagnoses();
    let admitting = diagnoses.iter().find(|d| d.is_admitting()).unwrap();
    assert_eq!(admitting.code.and_then(|c| c.code()).map(|c| c.as_str()), Some("A37"));
    assert_eq!(admitting.version, Some(IcdVersion::Icd10));
    let principal = diagnoses.iter().find(|d| d.is_principal()).unwrap();
    assert_eq!(principal.code.and_then(|c| c.code()).map(|c| c.as_str()), Some("A40"));
    // The server sends a diagnosis with only a DRG (packageCode): it is listed, without a code.
    assert!(diagnoses.iter().any(|d| d.code.is_none()));
    let procedures = claim.procedures();
    assert_eq!(procedures[0].code.and_then(|c| c.code()).map(|c| c.as_str()), Some("BQ0HZZZ"));
    assert_eq!(procedures[0].date.map(|d| d.as_str()), Some("2016-01-16T00:00:00+00:00"));
}

#[test]
fn carrier_providers() {
    let Some(bytes) = samples::normalized("eobReadCarrier.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let providers = ClaimView::of(&eob).unwrap().providers();
    let primary = providers.iter().find(|p| p.role == Some("primary")).unwrap();
    assert_eq!(primary.npi.and_then(|i| i.value()).map(|v| v.as_str()), Some("1923124"));
    assert_eq!(primary.specialty.and_then(|s| s.code()).map(|c| c.as_str()), Some("41"));
}

#[test]
fn coverage_parts() {
    let Some(bytes) = samples::normalized("coverageSearchByPatientId.json") else { return };
    let bundle: Bundle = json::from_slice(&bytes).unwrap();
    let parts: Vec<(MedicarePart, bool)> = bundle
        .entry
        .iter()
        .filter_map(|e| e.resource.as_ref()?.as_coverage())
        .map(|c: &Coverage| {
            let view = BeneficiaryCoverage(c);
            (view.part().unwrap(), view.is_active())
        })
        .collect();
    assert_eq!(
        parts,
        [(MedicarePart::A, false), (MedicarePart::B, true), (MedicarePart::C, true), (MedicarePart::D, true)]
    );
}
