//! The everyday API on the real responses: each claim's id, patient, dates and totals, the
//! drugs of a Part D event with their amounts, and a beneficiary's name, sex, dates and dual
//! status. Totals are checked against the raw JSON read independently (serde_json, amounts in
//! cents), and listed per sample in a snapshot that shows where the claim and its lines
//! disagree.
mod samples;

use std::fmt::Write;

use bluebutton::claim_type::ClaimType;
use bluebutton::json;
use bluebutton::resources::{Bundle, ExplanationOfBenefit};
use bluebutton::views::{BeneficiaryCoverage, BeneficiaryPatient, ClaimView, CostRole, Total, TotalSource};
use bluebutton::Resource;
use serde_json::Value;

const VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";

/// Cents of an amount text with at most two digits after the point (all the samples' are).
fn cents(text: &str) -> i64 {
    let (negative, digits) = text.strip_prefix('-').map_or((false, text), |d| (true, d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(frac.len() <= 2 || frac[2..].bytes().all(|b| b == b'0'), "{text}: more than cents");
    let value =
        int.parse::<i64>().unwrap() * 100 + format!("{:0<2}", &frac[..frac.len().min(2)]).parse::<i64>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

fn number_cents(v: &Value) -> Option<i64> {
    v.as_f64().map(|_| cents(&v.to_string()))
}

/// The claim-level amount of `variable` in the raw claim: `payment.amount` for `clm_pmt_amt`,
/// `totalCost` for `clm_tot_chrg_amt`, else the claim's extension of the variable's URL.
fn raw_claim_amount(claim: &Value, variable: &str) -> Option<i64> {
    match variable {
        "clm_pmt_amt" => number_cents(&claim["payment"]["amount"]["value"]),
        "clm_tot_chrg_amt" => number_cents(&claim["totalCost"]["value"]),
        _ => claim["extension"]
            .as_array()?
            .iter()
            .find(|e| e["url"].as_str() == Some(&format!("{VARIABLES}{variable}")))
            .and_then(|e| number_cents(&e["valueMoney"]["value"])),
    }
}

/// The sum of the lines' adjudication amounts whose category is `variable`'s URL, if any line
/// has one.
fn raw_lines_sum(claim: &Value, variable: &str) -> Option<i64> {
    let url = format!("{VARIABLES}{variable}");
    let amounts: Vec<i64> = claim["item"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|item| item["adjudication"].as_array().into_iter().flatten())
        .filter(|a| a["category"]["coding"].as_array().into_iter().flatten().any(|c| c["code"].as_str() == Some(&url)))
        .filter_map(|a| number_cents(&a["amount"]["value"]))
        .collect();
    (!amounts.is_empty()).then(|| amounts.iter().sum())
}

/// Every claim of a response (a Bundle's or the resource itself), parsed and raw.
fn claims_of(bytes: &[u8]) -> Vec<(Value, Vec<u8>)> {
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    let list = match doc["resourceType"].as_str() {
        Some("Bundle") => doc["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()).collect(),
        _ => vec![doc],
    };
    list.into_iter()
        .filter(|r| r["resourceType"] == "ExplanationOfBenefit")
        .map(|r| {
            let bytes = serde_json::to_vec(&r).unwrap();
            (r, bytes)
        })
        .collect()
}

/// The everyday line-cost field of `role`, as `line_costs()` reports it.
fn line_cost(line: &bluebutton::views::LineCosts<'_>, role: CostRole) -> Option<String> {
    let amount = match role {
        CostRole::Submitted => line.submitted,
        CostRole::Allowed => line.allowed,
        CostRole::MedicarePaid => line.medicare_paid,
        CostRole::ProviderPaid => line.provider_paid,
        CostRole::BeneficiaryPaid => line.beneficiary_paid,
        CostRole::Deductible => line.deductible,
        CostRole::Coinsurance => line.coinsurance,
        _ => return None,
    };
    amount.map(|a| a.as_str().to_string())
}

/// Checks one total against the raw claim and against `line_costs()`.
fn check_total(name: &str, raw: &Value, claim: &ClaimView<'_>, total: &Total<'_>) {
    let variable = total.source.field().variable;
    let expected = match total.source {
        TotalSource::Claim(_) => raw_claim_amount(raw, variable),
        TotalSource::Lines(_) => raw_lines_sum(raw, variable),
    };
    assert_eq!(Some(cents(total.amount.as_str())), expected, "{name}: {:?} from {}", total.role, total.source);
    let line_field = claim.claim_type().fields().cost("item", total.role);
    let raw_lines = line_field.and_then(|f| raw_lines_sum(raw, f.variable));
    assert_eq!(total.lines_sum.as_ref().map(|s| cents(s.as_str())), raw_lines, "{name}: {:?} lines", total.role);
    // The lines' sum is the sum of what `line_costs()` reports for the role.
    let reported: Vec<String> = claim.line_costs().iter().filter_map(|l| line_cost(l, total.role)).collect();
    if !reported.is_empty() {
        assert_eq!(raw_lines, Some(reported.iter().map(|t| cents(t)).sum()), "{name}: {:?} line_costs", total.role);
    }
}

/// Every claim of every recorded response: the totals are the raw claim-level amounts where
/// the claim has them, else the raw lines' sums, and `lines_sum` is the sum of `line_costs()`.
#[test]
fn totals_match_the_raw_claims_in_every_recorded_response() {
    let mut checked = 0;
    for (name, bytes) in samples::all_recorded() {
        for (raw, bytes) in claims_of(&bytes) {
            let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
            let Some(claim) = ClaimView::of(&eob) else { continue };
            for role in CostRole::ALL {
                // The amount alone, its lines' sum asked for only when the claim has none.
                let mut asked = false;
                let amount = claim.total_amount_with(role, |r| {
                    asked = true;
                    claim.total(r).and_then(|t| t.lines_sum)
                });
                assert_eq!(amount, claim.total(role).map(|t| (t.amount, t.source)), "{name}: {role:?}");
                if matches!(amount, Some((_, TotalSource::Claim(_)))) {
                    assert!(!asked, "{name}: {role:?}: the lines' sum is not needed beside a claim-level amount");
                }
                let Some(total) = claim.total(role) else {
                    // No total: neither the claim nor a line has a value of the role.
                    let fields = claim.claim_type().fields();
                    for level in ["", "item"] {
                        if let Some(f) = fields.cost(level, role) {
                            let raw_value = if level.is_empty() {
                                raw_claim_amount(&raw, f.variable)
                            } else {
                                raw_lines_sum(&raw, f.variable)
                            };
                            assert_eq!(raw_value, None, "{name}: {role:?} {} has a value", f.variable);
                        }
                    }
                    continue;
                };
                check_total(&name, &raw, &claim, &total);
                checked += 1;
            }
            // The everyday totals are those of `total(role)`.
            let totals = claim.totals();
            assert_eq!(totals.submitted, claim.total(CostRole::Submitted));
            assert_eq!(totals.medicare_paid, claim.total(CostRole::MedicarePaid));
            assert_eq!(totals.coinsurance, claim.total(CostRole::Coinsurance));
            assert_eq!(
                totals.iter().count(),
                totals.iter().map(|t| t.role).collect::<std::collections::BTreeSet<_>>().len()
            );
        }
    }
    if samples::shared_data().is_some() {
        assert!(checked > 100, "only {checked} totals checked");
    }
}

/// The totals of each claim sample, and where the claim and its lines disagree.
#[test]
fn totals_of_the_claim_samples() {
    let mut out = String::new();
    for (name, bytes) in samples::all_normalized() {
        if !name.starts_with("eobRead") {
            continue;
        }
        let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
        let claim = ClaimView::of(&eob).unwrap();
        let dates = claim.service_dates().unwrap();
        writeln!(
            out,
            "{name}: {} {} of {} ({}), {}..{}, {} line(s)",
            claim.claim_type(),
            claim.id().unwrap(),
            claim.patient_id().unwrap(),
            claim.patient_reference().unwrap(),
            dates.first,
            dates.last,
            claim.lines().len()
        )
        .unwrap();
        for total in claim.totals().iter() {
            let lines = match (&total.lines_sum, total.lines_agree()) {
                (Some(sum), Some(true)) => format!(", lines {sum}: agree"),
                (Some(sum), Some(false)) => format!(", lines {sum}: DISAGREE"),
                _ => String::new(),
            };
            writeln!(out, "  {:?} {} from {}{lines}", total.role, total.amount, total.source).unwrap();
        }
    }
    if samples::shared_data().is_some() {
        insta::assert_snapshot!(out);
    }
}

#[test]
fn the_per_type_views_answer_as_the_claim_view() {
    for (name, bytes) in samples::all_normalized() {
        for (_, bytes) in claims_of(&bytes) {
            let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
            let claim = ClaimView::of(&eob).unwrap();
            let (id, patient, dates, totals) = match claim {
                ClaimView::Carrier(c) => (c.id(), c.patient_id(), c.service_dates(), c.totals()),
                ClaimView::Pde(c) => {
                    assert!(bluebutton::views::PdeClaim::of(&eob).is_some());
                    assert!(bluebutton::views::CarrierClaim::of(&eob).is_none(), "{name}");
                    (c.id(), c.patient_id(), c.service_dates(), c.totals())
                }
                ClaimView::Inpatient(c) => (c.id(), c.patient_id(), c.service_dates(), c.totals()),
                other => (other.id(), other.patient_id(), other.service_dates(), other.totals()),
            };
            assert_eq!((id, patient, dates), (claim.id(), claim.patient_id(), claim.service_dates()), "{name}");
            assert_eq!(totals, claim.totals(), "{name}");
            assert!(id.unwrap().starts_with(claim.claim_type().info().id_prefix), "{name}");
            // The same dates the summary reports.
            let digest = bluebutton::summary::ClaimDigest::of(&eob);
            assert_eq!(digest.first.as_deref(), dates.map(|d| d.first), "{name}");
            assert_eq!(digest.last.as_deref(), dates.map(|d| d.last), "{name}");
        }
    }
}

/// A Part D event's drug carries its amounts: the line's Part D variables, which are also the
/// claim's totals (a PDE has one line and no claim-level amounts).
#[test]
fn pde_drugs_carry_their_amounts() {
    let Some(bytes) = samples::normalized("eobReadPde.json") else { return };
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let ClaimView::Pde(pde) = ClaimView::of(&eob).unwrap() else { panic!("not a PDE") };
    let drugs = pde.drugs();
    assert_eq!(drugs.len(), 1);
    let drug = &drugs[0];
    let text = |d: Option<&bluebutton::primitives::Decimal<'_>>| d.map(|d| cents(d.as_str()));
    assert_eq!(text(drug.total_cost), raw_lines_sum(&raw, "tot_rx_cst_amt"));
    assert_eq!(text(drug.plan_paid), raw_lines_sum(&raw, "cvrd_d_plan_pd_amt"));
    assert_eq!(text(drug.patient_paid), raw_lines_sum(&raw, "ptnt_pay_amt"));
    assert_eq!(text(drug.low_income_subsidy), raw_lines_sum(&raw, "lics_amt"));
    assert!(drug.total_cost.is_some() && drug.plan_paid.is_some() && drug.patient_paid.is_some());
    let totals = pde.totals();
    assert_eq!(totals.total_drug_cost().map(|t| &t.amount), drug.total_cost);
    assert_eq!(totals.plan_paid().map(|t| &t.amount), drug.plan_paid);
    assert_eq!(totals.patient_pay().map(|t| &t.amount), drug.patient_paid);
    assert!(
        matches!(totals.total_drug_cost().unwrap().source, TotalSource::Lines(f) if f.variable == "tot_rx_cst_amt")
    );
    // Not a PDE: no drug-named totals.
    let Some(bytes) = samples::normalized("eobReadCarrier.json") else { return };
    let eob: ExplanationOfBenefit = json::from_slice(&bytes).unwrap();
    let totals = ClaimView::of(&eob).unwrap().totals();
    assert_eq!(totals.claim_type, ClaimType::Carrier);
    assert!(totals.submitted.is_some() && totals.total_drug_cost().is_none());
}

/// The Patient's name parts, sex, dates and dual status against the raw Patient.
#[test]
fn beneficiary_name_sex_dates_and_dual_status() {
    let mut patients = 0;
    for (name, bytes) in samples::all_recorded() {
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let list: Vec<Value> = match doc["resourceType"].as_str() {
            Some("Bundle") => doc["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()).collect(),
            _ => vec![doc],
        };
        for raw in list {
            let bytes = serde_json::to_vec(&raw).unwrap();
            match raw["resourceType"].as_str() {
                Some("Patient") => {
                    let Ok(Resource::Patient(p)) = json::from_slice::<Resource>(&bytes) else { panic!("{name}") };
                    let view = BeneficiaryPatient(&p);
                    let usual = &raw["name"][0];
                    let n = view.name().unwrap();
                    assert_eq!(n.given, usual["given"][0].as_str(), "{name}");
                    assert_eq!(n.middle, usual["given"][1].as_str(), "{name}");
                    assert_eq!(n.family, usual["family"].as_str(), "{name}");
                    let sex = view.sex().unwrap();
                    let expected = match raw["gender"].as_str().unwrap() {
                        "male" => ("1", "Male"),
                        "female" => ("2", "Female"),
                        _ => ("0", "Unknown"),
                    };
                    assert_eq!((sex.code(), sex.display().unwrap()), expected, "{name}");
                    assert_eq!(view.birth_date().map(|d| d.as_str()), raw["birthDate"].as_str());
                    assert_eq!(view.death_date().map(|d| d.as_str()), raw["deceasedDateTime"].as_str());
                    check_dual(&name, &raw, view.dual_status());
                    patients += 1;
                }
                Some("Coverage") => {
                    let Ok(Resource::Coverage(c)) = json::from_slice::<Resource>(&bytes) else { panic!("{name}") };
                    check_dual(&name, &raw, BeneficiaryCoverage(&c).dual_status());
                }
                _ => {}
            }
        }
    }
    if samples::shared_data().is_some() {
        assert!(patients > 20, "{patients} patients");
    }
}

/// `dual_status()` lists the raw `dual_<mm>` extensions' codes, in month order, with the
/// codebook's display.
fn check_dual(name: &str, raw: &Value, months: Vec<bluebutton::views::MonthlyDual>) {
    let expected: Vec<(u8, String)> = (1..=12u8)
        .filter_map(|m| {
            let url = format!("{VARIABLES}dual_{m:02}");
            let ext = raw["extension"].as_array()?.iter().find(|e| e["url"].as_str() == Some(&url))?;
            Some((m, ext["valueCoding"]["code"].as_str()?.to_string()))
        })
        .collect();
    let got: Vec<(u8, String)> = months.iter().map(|m| (m.month, m.code.clone())).collect();
    assert_eq!(got, expected, "{name}");
    for m in &months {
        if m.code == "**" {
            assert!(m.display.as_deref().is_some_and(|d| d.starts_with("Enrolled in Medicare A and/or B")), "{name}");
        }
    }
}

/// The samples' Patient: `bene_srnm_name` is the surname (`family`), and the view's rustdoc
/// says so, not the dictionary's "middle name".
#[test]
fn the_surname_is_the_surname() {
    let info = BeneficiaryPatient::FIELDS.iter().find(|f| f.variable == "bene_srnm_name").unwrap();
    assert_eq!(info.label, "Beneficiary Surname");
    assert!(info.location.ends_with("name.family"), "{}", info.location);
    let Some(bytes) = samples::normalized("patientRead.json") else { return };
    let bundle_or_patient: Resource = json::from_slice(&bytes).unwrap();
    let Resource::Patient(p) = bundle_or_patient else { panic!() };
    let view = BeneficiaryPatient(&p);
    let name = view.name().unwrap();
    assert_eq!(view.bene_srnm_name().next().map(|s| s.as_str()), name.family);
    assert_eq!(
        name.to_string(),
        [name.given, name.middle, name.family].into_iter().flatten().collect::<Vec<_>>().join(" ")
    );
}

/// The built-in data: the generator writes claim-level totals that are the sums of the lines',
/// so there every claim-level total agrees with its lines.
#[test]
fn generated_claims_agree_with_their_lines() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/claims-bundle.json")).unwrap();
    let bundle: Bundle = json::from_slice(&bytes).unwrap();
    let mut compared = 0;
    for entry in &bundle.entry {
        let Some(Resource::ExplanationOfBenefit(eob)) = &entry.resource else { continue };
        let claim = ClaimView::of(eob).unwrap();
        for total in claim.totals().iter() {
            if let Some(agree) = total.lines_agree() {
                assert!(agree, "{:?} {:?}: {} vs lines {:?}", claim.id(), total.role, total.amount, total.lines_sum);
                compared += 1;
            }
        }
    }
    assert!(compared > 10, "{compared}");
}

/// The enums users print read as their names.
#[test]
fn enums_users_print_have_display() {
    use bluebutton::summary::ClaimKind;
    use bluebutton::views::{IcdVersion, MedicarePart};
    let parts: Vec<String> = [MedicarePart::A, MedicarePart::D].iter().map(|p| p.to_string()).collect();
    assert_eq!(parts, ["Part A", "Part D"]);
    // Each role displays as its name in the claim-type table, and the names are distinct.
    let roles: std::collections::BTreeSet<String> = CostRole::ALL.iter().map(|r| r.to_string()).collect();
    assert_eq!(roles.len(), CostRole::ALL.len());
    assert_eq!(CostRole::MedicarePaid.to_string(), "medicarePaid");
    assert_eq!(ClaimType::Pde.to_string(), ClaimKind::Known(ClaimType::Pde).to_string());
    assert_eq!(ClaimKind::Unknown.to_string(), "unknown");
    let uri = bluebutton::primitives::Uri::new("http://hl7.org/fhir/sid/icd-10").unwrap();
    assert_eq!(IcdVersion::of(&uri).to_string(), "ICD-10");
    let other = bluebutton::primitives::Uri::new("http://example.org/codes").unwrap();
    assert_eq!(IcdVersion::of(&other).to_string(), "http://example.org/codes");
}
