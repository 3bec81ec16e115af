//! One `ExplanationOfBenefit` of a claim type: the core elements a claim always has, every
//! Medicare field of the claim type's profile view at every level, then the relations that
//! make it read like a real claim (amounts that add up, dates inside the billing period,
//! care team and diagnosis links that resolve).
use chrono::{Duration, NaiveDate};

use super::fields::{self, contained_id, Scene};
use super::person::Person;
use super::tree::{self, Obj};
use super::values::{self, Dice};
use crate::claim_type::{ClaimType, EOB_TYPE_SYSTEM};
use crate::codes;
use crate::json::Value;
use crate::views::*;

/// The fields of a claim type's views, by level.
struct Blueprint {
    root: &'static [&'static FieldInfo],
    line: &'static [&'static FieldInfo],
    care_team: &'static [&'static FieldInfo],
    diagnosis: &'static [&'static FieldInfo],
    procedure: &'static [&'static FieldInfo],
}

fn blueprint(ty: ClaimType) -> Blueprint {
    const NONE: &[&FieldInfo] = &[];
    match ty {
        ClaimType::Carrier => Blueprint {
            root: CarrierClaim::FIELDS,
            line: CarrierLine::FIELDS,
            care_team: CarrierCareTeam::FIELDS,
            diagnosis: CarrierDiagnosis::FIELDS,
            procedure: NONE,
        },
        ClaimType::Dme => Blueprint {
            root: DmeClaim::FIELDS,
            line: DmeLine::FIELDS,
            care_team: DmeCareTeam::FIELDS,
            diagnosis: DmeDiagnosis::FIELDS,
            procedure: NONE,
        },
        ClaimType::Hha => Blueprint {
            root: HhaClaim::FIELDS,
            line: HhaLine::FIELDS,
            care_team: NONE,
            diagnosis: HhaDiagnosis::FIELDS,
            procedure: NONE,
        },
        ClaimType::Hospice => Blueprint {
            root: HospiceClaim::FIELDS,
            line: HospiceLine::FIELDS,
            care_team: NONE,
            diagnosis: HospiceDiagnosis::FIELDS,
            procedure: NONE,
        },
        ClaimType::Inpatient => Blueprint {
            root: InpatientClaim::FIELDS,
            line: InpatientLine::FIELDS,
            care_team: NONE,
            diagnosis: InpatientDiagnosis::FIELDS,
            procedure: InpatientProcedure::FIELDS,
        },
        ClaimType::Outpatient => Blueprint {
            root: OutpatientClaim::FIELDS,
            line: OutpatientLine::FIELDS,
            care_team: NONE,
            diagnosis: OutpatientDiagnosis::FIELDS,
            procedure: OutpatientProcedure::FIELDS,
        },
        ClaimType::Pde => Blueprint {
            root: PdeClaim::FIELDS,
            line: PdeLine::FIELDS,
            care_team: NONE,
            diagnosis: NONE,
            procedure: NONE,
        },
        ClaimType::Snf => Blueprint {
            root: SnfClaim::FIELDS,
            line: SnfLine::FIELDS,
            care_team: NONE,
            diagnosis: SnfDiagnosis::FIELDS,
            procedure: SnfProcedure::FIELDS,
        },
    }
}

/// How long a claim of the type spans (days from its first to its last date of service).
fn span_days(ty: ClaimType, dice: &mut Dice) -> i64 {
    let (lo, hi) = match ty {
        ClaimType::Carrier | ClaimType::Outpatient => (0, 2),
        ClaimType::Dme => (0, 30),
        ClaimType::Pde => (0, 0),
        ClaimType::Inpatient => (2, 14),
        ClaimType::Snf => (5, 40),
        ClaimType::Hha => (20, 60),
        ClaimType::Hospice => (14, 90),
    };
    dice.range(lo, hi) as i64
}

/// The NCH claim type code of the claim type (the codebook's `nch_clm_type_cd`).
fn nch_claim_type(ty: ClaimType, dice: &mut Dice) -> Option<&'static str> {
    Some(match ty {
        ClaimType::Carrier => *dice.pick(&["71", "72"]),
        ClaimType::Dme => *dice.pick(&["81", "82"]),
        ClaimType::Hha => "10",
        ClaimType::Hospice => "50",
        ClaimType::Inpatient => "60",
        ClaimType::Outpatient => "40",
        ClaimType::Snf => "20",
        ClaimType::Pde => return None,
    })
}

/// The FHIR `ex-claimtype` of the claim type: code and display.
fn fhir_claim_type(ty: ClaimType) -> (&'static str, &'static str) {
    match ty {
        ClaimType::Carrier | ClaimType::Dme => ("professional", "Professional"),
        ClaimType::Pde => ("pharmacy", "Pharmacy"),
        _ => ("institutional", "Institutional"),
    }
}

/// The Coverage (Medicare part) that pays the claim type.
fn coverage_part(ty: ClaimType) -> &'static str {
    match ty {
        ClaimType::Carrier | ClaimType::Dme | ClaimType::Outpatient => "part-b",
        ClaimType::Pde => "part-d",
        _ => "part-a",
    }
}

/// Makes claim number `n` of `person`, of type `ty`, as a JSON object.
pub(super) fn claim(dice: &mut Dice, person: &Person, ty: ClaimType, n: u64) -> Obj {
    let bp = blueprint(ty);
    let span = span_days(ty, dice);
    let last_start = person.claims_until - Duration::days(span);
    let from = dice.date_between(person.claims_from, last_start.max(person.claims_from));
    let thru = from + Duration::days(span);
    let claim_id = format!("{}{:05}", dice.digits(5), n % 100_000);
    let mut eob: Obj = vec![
        ("resourceType".into(), tree::s("ExplanationOfBenefit")),
        ("id".into(), tree::s(format!("{}-{claim_id}", ty.as_str()))),
        ("meta".into(), tree::o(vec![("lastUpdated".into(), tree::s(last_updated(dice, thru)))])),
    ];
    let mut scene = Scene { dice, bene_id: &person.bene_id, from, thru, claim_type: Some(ty) };

    // Every field at the claim level, then the repeating levels.
    for info in bp.root {
        fields::place(&mut eob, info, &mut scene);
    }
    let lines = match ty {
        ClaimType::Pde => 1,
        ClaimType::Inpatient | ClaimType::Snf => scene.dice.range(2, 6),
        _ => scene.dice.range(1, 4),
    };
    for _ in 0..lines {
        let mut item = Obj::new();
        for info in bp.line {
            fields::place(&mut item, info, &mut scene);
        }
        tree::array(&mut eob, "item").push(tree::o(item));
    }
    if !bp.diagnosis.is_empty() {
        for _ in 0..scene.dice.range(1, 3) {
            tree::array(&mut eob, "diagnosis").push(tree::o(Obj::new()));
        }
        for entry in tree::entries(&mut eob, "diagnosis") {
            for info in bp.diagnosis {
                fields::place(entry, info, &mut scene);
            }
        }
    }
    if !bp.procedure.is_empty() {
        for _ in 0..scene.dice.range(0, 3) {
            let mut procedure = Obj::new();
            for info in bp.procedure {
                fields::place(&mut procedure, info, &mut scene);
            }
            tree::array(&mut eob, "procedure").push(tree::o(procedure));
        }
    }
    if tree::get(&eob, "careTeam").is_none() {
        // Every claim names at least the provider who performed or prescribed it.
        tree::array(&mut eob, "careTeam").push(tree::o(vec![(
            "role".into(),
            tree::concept("http://hl7.org/fhir/claimcareteamrole", "primary", Some("Primary provider")),
        )]));
    }
    for entry in tree::entries(&mut eob, "careTeam") {
        for info in bp.care_team {
            fields::place(entry, info, &mut scene);
        }
    }

    let dice = scene.dice;
    core_elements(&mut eob, dice, person, ty, from, thru);
    number_entries(&mut eob);
    link_lines(&mut eob, dice, ty);
    service_dates(&mut eob, dice, ty, from, thru);
    contained(&mut eob, person);
    amounts(&mut eob, &bp, dice, ty);
    tree::order_periods(&mut eob);
    eob
}

/// An instant a few days after `day`.
pub(super) fn last_updated(dice: &mut Dice, day: NaiveDate) -> String {
    let day = day + Duration::days(dice.range(1, 20) as i64);
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}+00:00",
        values::date_text(day),
        dice.range(0, 23),
        dice.range(0, 59),
        dice.range(0, 59),
        dice.range(0, 999)
    )
}

/// The elements every claim has whatever its fields: status, the claim type codings, the
/// patient, the billing period and the insurance.
fn core_elements(eob: &mut Obj, dice: &mut Dice, person: &Person, ty: ClaimType, from: NaiveDate, thru: NaiveDate) {
    tree::set(eob, "status", tree::s("active"));
    let mut codings: Vec<Value<'static>> = Vec::new();
    if let Some(code) = nch_claim_type(ty, dice) {
        codings.push(tree::coding(
            "https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd",
            code,
            codes::display("nch_clm_type_cd", code),
        ));
    }
    // Keep the other codings the type's fields placed (the near-line record and service
    // classification codes), after the claim type ones.
    let placed = match tree::remove(eob, "type") {
        Some(Value::Object(mut t)) => match tree::remove(&mut t, "coding") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    codings.push(tree::coding(EOB_TYPE_SYSTEM, ty.code(), None));
    let (code, display) = fhir_claim_type(ty);
    codings.push(tree::coding("http://hl7.org/fhir/ex-claimtype", code, Some(display)));
    codings.extend(placed.into_iter().filter(|c| match c {
        Value::Object(m) => !matches!(
            tree::text(m, "system"),
            Some(EOB_TYPE_SYSTEM)
                | Some("https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd")
                | Some("http://hl7.org/fhir/ex-claimtype")
        ),
        _ => false,
    }));
    tree::set(eob, "type", tree::o(vec![("coding".into(), Value::Array(codings))]));
    tree::set(eob, "patient", tree::o(vec![("reference".into(), tree::s(format!("Patient/{}", person.bene_id)))]));
    // The periods keep what the fields put in them (the claim query code extension).
    let period = |obj: &mut Obj, key: &'static str| {
        let period = tree::child(obj, key);
        tree::set(period, "start", tree::s(values::date_text(from)));
        tree::set(period, "end", tree::s(values::date_text(thru)));
    };
    period(eob, "billablePeriod");
    for balance in tree::entries(eob, "benefitBalance") {
        tree::set_default(balance, "category", || {
            tree::concept("http://hl7.org/fhir/benefit-category", "medical", Some("Medical Health Coverage"))
        });
    }
    if tree::get(eob, "hospitalization").is_some() {
        period(eob, "hospitalization");
    }
    let coverage = tree::child(tree::child(eob, "insurance"), "coverage");
    tree::set(coverage, "reference", tree::s(format!("Coverage/{}-{}", coverage_part(ty), person.bene_id)));
}

/// `sequence` 1, 2, ... on every entry of the elements that are numbered.
fn number_entries(eob: &mut Obj) {
    for element in ["careTeam", "diagnosis", "procedure", "information", "item"] {
        for (i, entry) in tree::entries(eob, element).enumerate() {
            tree::set(entry, "sequence", tree::n((i + 1).to_string()));
        }
    }
    // STU3 numbers line details too (the server leaves the PDE detail unnumbered, a documented
    // deviation; generated data follows the standard).
    for item in tree::entries(eob, "item") {
        for (i, detail) in tree::entries(item, "detail").enumerate() {
            tree::set(detail, "sequence", tree::n((i + 1).to_string()));
        }
    }
}

/// The sequences of `element`'s entries.
fn sequences(eob: &mut Obj, element: &'static str) -> Vec<u64> {
    (1..=tree::entries(eob, element).count() as u64).collect()
}

/// Each line points at a care team member and (for claims with diagnoses) at diagnoses.
fn link_lines(eob: &mut Obj, dice: &mut Dice, ty: ClaimType) {
    let care_team = sequences(eob, "careTeam");
    // Only the professional claims' profiles let lines point at diagnoses.
    let diagnoses = match ty {
        ClaimType::Carrier | ClaimType::Dme => sequences(eob, "diagnosis"),
        _ => Vec::new(),
    };
    for item in tree::entries(eob, "item") {
        if !care_team.is_empty() {
            tree::set(item, "careTeamLinkId", Value::Array(vec![tree::n(dice.pick(&care_team).to_string())]));
        }
        if !diagnoses.is_empty() {
            let first = *dice.pick(&diagnoses);
            let mut links = vec![first];
            if diagnoses.len() > 1 && dice.chance(0.3) {
                links.push(*diagnoses.iter().find(|d| **d != first).expect("two diagnoses"));
            }
            tree::set(
                item,
                "diagnosisLinkId",
                Value::Array(links.into_iter().map(|d| tree::n(d.to_string())).collect()),
            );
        }
    }
    for member in tree::entries(eob, "careTeam") {
        if tree::get(member, "provider").is_none() {
            let npi = values::npi(dice);
            tree::set(
                member,
                "provider",
                tree::o(vec![(
                    "identifier".into(),
                    tree::o(vec![("system".into(), tree::s(fields::NPI)), ("value".into(), tree::s(npi))]),
                )]),
            );
        }
    }
}

/// Line service dates and procedure dates inside the billing period; a prescription's fill
/// date is the claim's date.
fn service_dates(eob: &mut Obj, dice: &mut Dice, ty: ClaimType, from: NaiveDate, thru: NaiveDate) {
    for item in tree::entries(eob, "item") {
        let start = if ty == ClaimType::Pde { from } else { dice.date_between(from, thru) };
        if tree::get(item, "servicedDate").is_some() {
            tree::set(item, "servicedDate", tree::s(values::date_text(start)));
        }
        if tree::get(item, "servicedPeriod").is_some() {
            let end = dice.date_between(start, thru);
            tree::set(
                item,
                "servicedPeriod",
                tree::o(vec![
                    ("start".into(), tree::s(values::date_text(start))),
                    ("end".into(), tree::s(values::date_text(end))),
                ]),
            );
        }
    }
    for procedure in tree::entries(eob, "procedure") {
        if tree::get(procedure, "date").is_some() {
            tree::set(procedure, "date", tree::s(values::date_text(dice.date_between(from, thru))));
        }
    }
    if ty == ClaimType::Pde {
        // The payment date follows the fill.
        if let Some(Value::Object(payment)) = eob.iter_mut().find(|(k, _)| k == "payment").map(|(_, v)| v) {
            if tree::get(payment, "date").is_some() {
                let paid = from + Duration::days(dice.range(0, 30) as i64);
                tree::set(payment, "date", tree::s(values::date_text(paid)));
            }
        }
    }
}

/// Contained resources get their ids and the elements STU3 requires, and the claim refers to
/// them.
fn contained(eob: &mut Obj, person: &Person) {
    let mut referral = false;
    for resource in tree::entries(eob, "contained") {
        let ty = tree::text(resource, "resourceType").unwrap_or("").to_string();
        tree::set(resource, "id", tree::s(contained_id(&ty)));
        match ty.as_str() {
            "ReferralRequest" => {
                referral = true;
                tree::set(resource, "status", tree::s("completed"));
                tree::set(resource, "intent", tree::s("order"));
                tree::set(
                    resource,
                    "subject",
                    tree::o(vec![("reference".into(), tree::s(format!("Patient/{}", person.bene_id)))]),
                );
            }
            "Observation" => {
                tree::set(resource, "status", tree::s("final"));
                tree::set_default(resource, "valueQuantity", || tree::o(vec![("value".into(), tree::n("13.2"))]));
            }
            _ => {}
        }
    }
    if referral {
        tree::set(
            eob,
            "referral",
            tree::o(vec![("reference".into(), tree::s(format!("#{}", contained_id("ReferralRequest"))))]),
        );
    }
}

/// Writes `cents` as the amount of `variable` in `obj`, where the blueprint has the variable.
fn put_amount(obj: &mut Obj, fields: &[&'static FieldInfo], variable: &str, cents: u64) {
    let Some(info) = fields.iter().find(|f| f.variable == variable) else { return };
    let Some(last) = info.steps.last().filter(|s| s.ty == "Decimal") else { return };
    let parent = tree::locate(obj, info.steps, 2000, &fields::display_of);
    tree::set(parent, last.name, tree::n(values::money_text(cents)));
}

/// What part of a line's cost a variable carries.
#[derive(Debug, Clone, Copy)]
enum Cost {
    Submitted,
    Allowed,
    /// Submitted but not allowed.
    NotAllowed,
    /// Paid by Medicare (by the Part D plan, for a prescription).
    Paid,
    Deductible,
    Coinsurance,
    /// Paid by the beneficiary (a prescription's copay).
    Beneficiary,
    /// The Part D low-income subsidy.
    LowIncome,
    /// Nothing (other payers, in generated data).
    Zero,
}

/// The cost variables of carrier and DME lines.
const PART_B_LINE: &[(&str, Cost)] = &[
    ("line_sbmtd_chrg_amt", Cost::Submitted),
    ("line_alowd_chrg_amt", Cost::Allowed),
    ("line_prmry_alowd_chrg_amt", Cost::Allowed),
    ("line_nch_pmt_amt", Cost::Paid),
    ("line_prvdr_pmt_amt", Cost::Paid),
    ("line_bene_pmt_amt", Cost::Zero),
    ("line_bene_ptb_ddctbl_amt", Cost::Deductible),
    ("line_coinsrnc_amt", Cost::Coinsurance),
    ("line_bene_prmry_pyr_pd_amt", Cost::Zero),
];

/// The cost variables of institutional revenue center lines.
const REVENUE_CENTER_LINE: &[(&str, Cost)] = &[
    ("rev_cntr_tot_chrg_amt", Cost::Submitted),
    ("rev_cntr_ncvrd_chrg_amt", Cost::NotAllowed),
    ("rev_cntr_rate_amt", Cost::Allowed),
    ("rev_cntr_pmt_amt_amt", Cost::Paid),
    ("rev_cntr_prvdr_pmt_amt", Cost::Paid),
    ("rev_cntr_bene_pmt_amt", Cost::Zero),
    ("rev_cntr_cash_ddctbl_amt", Cost::Deductible),
    ("rev_cntr_coinsrnc_wge_adjstd_c", Cost::Coinsurance),
];

/// The cost variables of a prescription: the total splits between the plan, the beneficiary
/// and the low-income subsidy, all below the out-of-pocket threshold.
const PDE_LINE: &[(&str, Cost)] = &[
    ("tot_rx_cst_amt", Cost::Submitted),
    ("ptnt_pay_amt", Cost::Beneficiary),
    ("lics_amt", Cost::LowIncome),
    ("cvrd_d_plan_pd_amt", Cost::Paid),
    ("ncvrd_plan_pd_amt", Cost::Zero),
    ("othr_troop_amt", Cost::Zero),
    ("plro_amt", Cost::Zero),
    ("gdc_blw_oopt_amt", Cost::Submitted),
    ("gdc_abv_oopt_amt", Cost::Zero),
];

/// One line's costs, in cents.
struct LineCost {
    submitted: u64,
    allowed: u64,
    paid: u64,
    deductible: u64,
    coinsurance: u64,
    beneficiary: u64,
    low_income: u64,
}

impl LineCost {
    fn draw(dice: &mut Dice, ty: ClaimType) -> LineCost {
        if ty == ClaimType::Pde {
            let total = dice.range(200, 25_000);
            let beneficiary = total * dice.range(5, 40) / 100;
            let low_income = if dice.chance(0.2) { (total - beneficiary) / 4 } else { 0 };
            let paid = total - beneficiary - low_income;
            return LineCost {
                submitted: total,
                allowed: total,
                paid,
                deductible: 0,
                coinsurance: 0,
                beneficiary,
                low_income,
            };
        }
        let submitted = dice.range(2_000, 250_000);
        let allowed = submitted * dice.range(35, 100) / 100;
        let deductible = if dice.chance(0.2) { allowed.min(dice.range(0, 23_300)) } else { 0 };
        let coinsurance = (allowed - deductible) / 5;
        let paid = allowed - deductible - coinsurance;
        LineCost { submitted, allowed, paid, deductible, coinsurance, beneficiary: 0, low_income: 0 }
    }

    fn get(&self, cost: Cost) -> u64 {
        match cost {
            Cost::Submitted => self.submitted,
            Cost::Allowed => self.allowed,
            Cost::NotAllowed => self.submitted - self.allowed,
            Cost::Paid => self.paid,
            Cost::Deductible => self.deductible,
            Cost::Coinsurance => self.coinsurance,
            Cost::Beneficiary => self.beneficiary,
            Cost::LowIncome => self.low_income,
            Cost::Zero => 0,
        }
    }
}

/// Line amounts that add up: allowed ≤ submitted, Medicare paid + deductible + coinsurance =
/// allowed, and the claim's payment the sum of the line payments (Part B and the institutional
/// claims paid by line); PDE costs split between the plan, the beneficiary and the low-income
/// subsidy.
fn amounts(eob: &mut Obj, bp: &Blueprint, dice: &mut Dice, ty: ClaimType) {
    let table = match ty {
        ClaimType::Carrier | ClaimType::Dme => PART_B_LINE,
        ClaimType::Pde => PDE_LINE,
        _ => REVENUE_CENTER_LINE,
    };
    let (mut paid_total, mut charged_total) = (0, 0);
    for item in tree::entries(eob, "item") {
        let cost = LineCost::draw(dice, ty);
        for (variable, part) in table {
            put_amount(item, bp.line, variable, cost.get(*part));
        }
        paid_total += cost.paid;
        charged_total += cost.submitted;
    }
    if ty != ClaimType::Pde {
        put_amount(eob, bp.root, "clm_pmt_amt", paid_total);
        put_amount(eob, bp.root, "clm_tot_chrg_amt", charged_total);
    }
}
