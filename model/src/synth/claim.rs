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

/// How long a claim of the type spans (days from its first to its last date of service).
fn span_days(ty: ClaimType, dice: &mut Dice) -> i64 {
    let (lo, hi) = ty.info().synthetic.span_days;
    dice.range(lo, hi) as i64
}

/// The NCH claim type code of the claim type (the codebook's `nch_clm_type_cd`).
fn nch_claim_type(ty: ClaimType, dice: &mut Dice) -> Option<&'static str> {
    match ty.info().synthetic.nch_claim_types {
        [] => None,
        [code] => Some(code),
        codes => Some(*dice.pick(codes)),
    }
}

/// Makes claim number `n` of `person`, of type `ty`, as a JSON object.
pub(super) fn claim(dice: &mut Dice, person: &Person, ty: ClaimType, n: u64) -> Obj {
    let bp = ty.fields();
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
    let lines = match ty.info().synthetic.lines {
        (lo, hi) if lo == hi => lo,
        (lo, hi) => scene.dice.range(lo, hi),
    };
    for _ in 0..lines {
        let mut item = Obj::new();
        for info in bp.line {
            fields::place(&mut item, info, &mut scene);
        }
        tree::array(&mut eob, "item").push(tree::o(item));
    }
    if !bp.diagnosis.is_empty() {
        diagnoses(&mut eob, bp, &mut scene);
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
    amounts(&mut eob, bp, dice, ty);
    tree::order_periods(&mut eob);
    eob
}

/// The code system of diagnosis roles (`diagnosis.type`).
const DIAGNOSIS_TYPE: &str = "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type";

/// The diagnoses as the server lists them, after the claim-level fields have placed the
/// diagnoses of a role (principal, admitting, first external cause, external cause, reason
/// for visit): the secondary diagnoses, the DRG in an entry of its own ahead of them, and,
/// on inpatient claims, one present-on-admission indicator per diagnosis, the variable of its
/// number (`clm_poa_ind_sw1` the principal's, `…sw2` on the other diagnoses', the first
/// external cause's `clm_e_poa_ind_sw1` and so on), as in the server's inpatient claims.
///
/// A secondary diagnosis of an inpatient claim has the role `other`; elsewhere it has none.
/// An inpatient claim has up to as many other diagnoses and external causes as there are
/// indicators for them.
fn diagnoses(eob: &mut Obj, bp: &ClaimFields, scene: &mut Scene<'_>) {
    let poa = |prefix: &str| -> Vec<&'static FieldInfo> {
        let number = |f: &FieldInfo| f.variable.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
        let mut found: Vec<(usize, &'static FieldInfo)> =
            bp.diagnosis.iter().filter_map(|f| Some((number(f)?, *f))).collect();
        found.sort_by_key(|(n, _)| *n);
        found.into_iter().map(|(_, f)| f).collect()
    };
    let (poa, external_poa) = (poa("clm_poa_ind_sw"), poa("clm_e_poa_ind_sw"));
    let inpatient = !poa.is_empty();

    // The secondary diagnoses: a code and its system (the fields in `diagnosisCodeableConcept`).
    let secondary = match inpatient {
        true => scene.dice.range(1, poa.len().saturating_sub(1).max(1) as u64),
        false => scene.dice.range(1, 3),
    };
    for _ in 0..secondary {
        let mut entry = Obj::new();
        for info in bp.diagnosis.iter().filter(|f| f.steps[0].name == "diagnosisCodeableConcept") {
            fields::place(&mut entry, info, scene);
        }
        if inpatient {
            entry.push(("type".into(), Value::Array(vec![tree::concept(DIAGNOSIS_TYPE, "other", None)])));
        }
        tree::array(eob, "diagnosis").push(tree::o(entry));
    }
    // More external causes than the claim-level fields' one, now and then.
    let external = bp.root.iter().find(|f| f.variable == "icd_dgns_e_cd");
    if let Some(external) = external.filter(|_| inpatient && scene.dice.chance(0.25)) {
        for _ in 0..scene.dice.range(1, external_poa.len().saturating_sub(2).max(1) as u64) {
            fields::place_in_new_entry(eob, external, scene);
        }
    }

    let items = tree::array(eob, "diagnosis");
    items.sort_by_cached_key(role_rank);
    let (mut principal_or_other, mut external) = (poa.iter(), external_poa.iter());
    for entry in items.iter_mut() {
        let indicator = match role_rank(entry) {
            ADMITTING | REASON_FOR_VISIT => None,
            FIRST_EXTERNAL | EXTERNAL => external.next(),
            _ => principal_or_other.next(),
        };
        if let (Some(info), Some(entry)) = (indicator, tree::as_obj(entry)) {
            fields::place(entry, info, scene);
        }
    }
    if let Some(drg) = bp.diagnosis.iter().find(|f| f.steps[0].name == "packageCode") {
        let mut entry = Obj::new();
        fields::place(&mut entry, drg, scene);
        items.insert(0, tree::o(entry));
    }
}

/// The roles of diagnoses in the order the server lists them; a diagnosis without a role
/// comes with the `other` ones.
const ROLES: [&str; 6] = ["admitting", "principal", "other", "external-first", "external", "reason-for-visit"];
const ADMITTING: usize = 0;
const OTHER: usize = 2;
const FIRST_EXTERNAL: usize = 3;
const EXTERNAL: usize = 4;
const REASON_FOR_VISIT: usize = 5;

/// The place of `diagnosis`'s role in [`ROLES`].
fn role_rank(diagnosis: &Value<'static>) -> usize {
    let types = match diagnosis {
        Value::Object(m) => tree::get(m, "type"),
        _ => None,
    };
    let Some(Value::Array(types)) = types else { return OTHER };
    ROLES.iter().position(|role| types.iter().any(|t| tree::has_coding(t, role, Some(DIAGNOSIS_TYPE)))).unwrap_or(OTHER)
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
    let (code, display) = ty.info().synthetic.fhir_claim_type;
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
    tree::set(coverage, "reference", tree::s(format!("Coverage/{}-{}", ty.info().synthetic.coverage, person.bene_id)));
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
    // Only the professional claims' lines point at diagnoses.
    let diagnoses = match ty.info().synthetic.lines_link_diagnoses {
        true => sequences(eob, "diagnosis"),
        false => Vec::new(),
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

/// Writes `cents` as the amount of the field `info` in `obj`.
fn put_amount(obj: &mut Obj, info: &'static FieldInfo, cents: u64) {
    let Some(last) = info.steps.last().filter(|s| s.ty == "Decimal") else { return };
    let parent = tree::locate(obj, info.steps, 2000, &fields::display_of);
    tree::set(parent, last.name, tree::n(values::money_text(cents)));
}

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

    /// The amount of `role`, in cents; other payers pay nothing in generated data, all of a
    /// drug's cost is below the out-of-pocket threshold, and a revenue center's rate is its
    /// charge per unit (`units`, at least one).
    fn get(&self, role: CostRole, units: u64) -> u64 {
        match role {
            CostRole::Submitted | CostRole::BelowOutOfPocketThreshold => self.submitted,
            // Allowed amounts only carrier and DME lines have; the institutional lines' is the
            // covered charge.
            CostRole::Allowed | CostRole::PrimaryPayerAllowed => self.allowed,
            CostRole::NotCovered => self.submitted - self.allowed,
            CostRole::Rate => self.submitted / units.max(1),
            CostRole::MedicarePaid | CostRole::ProviderPaid => self.paid,
            CostRole::Deductible => self.deductible,
            CostRole::Coinsurance => self.coinsurance,
            CostRole::BeneficiaryPaid => self.beneficiary,
            CostRole::LowIncomeSubsidy => self.low_income,
            CostRole::PrimaryPayerPaid
            | CostRole::NotCoveredPlanPaid
            | CostRole::OtherTroop
            | CostRole::OtherPayerReduction
            | CostRole::AboveOutOfPocketThreshold => 0,
        }
    }
}

/// Line amounts that add up: allowed ≤ submitted, Medicare paid + deductible + coinsurance =
/// allowed, and each claim-level amount the sum of its role's line amounts (the claim's payment
/// the sum of the line payments, its total charge the sum of the line charges); PDE costs split
/// between the plan, the beneficiary and the low-income subsidy. Which variable carries which
/// amount is the claim type's cost fields ([`ClaimFields::costs`]).
fn amounts(eob: &mut Obj, bp: &ClaimFields, dice: &mut Dice, ty: ClaimType) {
    let (lines, claim): (Vec<&CostField>, Vec<&CostField>) = bp.costs.iter().partition(|c| c.field.level == "item");
    // The claim's amounts add up every line's, whether or not the lines carry that amount.
    let mut totals = vec![0; claim.len()];
    for item in tree::entries(eob, "item") {
        let cost = LineCost::draw(dice, ty);
        let units = units(item);
        for c in &lines {
            put_amount(item, c.field, cost.get(c.role, units));
        }
        for (total, c) in totals.iter_mut().zip(&claim) {
            *total += cost.get(c.role, units);
        }
    }
    for (total, c) in totals.into_iter().zip(&claim) {
        put_amount(eob, c.field, total);
    }
}

/// The units of service of a line (`quantity.value`), if it has a whole number of them.
fn units(item: &Obj) -> u64 {
    match tree::get(item, "quantity") {
        Some(Value::Object(q)) => match tree::get(q, "value") {
            Some(Value::Number(n)) => n.parse().unwrap_or(1),
            _ => 1,
        },
        _ => 1,
    }
}
