//! A beneficiary's `Patient` and the four `Coverage` resources (Parts A, B, C, D), filled
//! from the Patient and Coverage views' fields.
use chrono::Duration;

use super::claim::last_updated;
use super::fields::{self, Scene};
use super::person::Person;
use super::tree::{self, Obj};
use super::values::{self, Dice};
use crate::views::{BeneficiaryCoverage, BeneficiaryPatient, FieldInfo};

/// Fields the resource's own id carries (written by the generator, not drawn).
fn is_id(info: &FieldInfo) -> bool {
    info.steps.first().is_some_and(|s| s.name == "id")
}

fn scene<'d>(dice: &'d mut Dice, person: &'d Person) -> Scene<'d> {
    Scene { dice, bene_id: &person.bene_id, from: person.coverage_start, thru: person.claims_until, claim_type: None }
}

/// The beneficiary's `Patient`.
pub(super) fn patient(dice: &mut Dice, person: &Person) -> Obj {
    let mut patient: Obj = vec![
        ("resourceType".into(), tree::s("Patient")),
        ("id".into(), tree::s(person.bene_id.clone())),
        ("meta".into(), tree::o(vec![("lastUpdated".into(), tree::s(last_updated(dice, person.claims_until)))])),
    ];
    let mut scene = scene(dice, person);
    for info in BeneficiaryPatient::FIELDS.iter().filter(|f| !is_id(f)) {
        fields::place(&mut patient, info, &mut scene);
    }
    for name in tree::entries(&mut patient, "name") {
        tree::set_default(name, "use", || tree::s("usual"));
    }
    tree::set(&mut patient, "birthDate", tree::s(values::date_text(person.birth)));
    // One in ten has died, after the last claim.
    let alive = scene.dice.chance(0.9);
    if alive {
        tree::remove(&mut patient, "deceasedDateTime");
    } else {
        let death = person.claims_until + Duration::days(30);
        tree::set(&mut patient, "deceasedDateTime", tree::s(values::date_text(death)));
    }
    tree::order_periods(&mut patient);
    patient
}

/// The `Coverage` of Medicare `part` (`A`, `B`, `C`, `D`).
pub(super) fn coverage(dice: &mut Dice, person: &Person, part: char) -> Obj {
    let lower = part.to_ascii_lowercase();
    let label = format!("Part {part}");
    let mut coverage: Obj = vec![
        ("resourceType".into(), tree::s("Coverage")),
        ("id".into(), tree::s(format!("part-{lower}-{}", person.bene_id))),
        ("meta".into(), tree::o(vec![("lastUpdated".into(), tree::s(last_updated(dice, person.claims_until)))])),
        ("status".into(), tree::s("active")),
        (
            "type".into(),
            tree::o(vec![(
                "coding".into(),
                crate::json::Value::Array(vec![tree::o(vec![
                    ("system".into(), tree::s("Medicare")),
                    ("code".into(), tree::s(label.clone())),
                ])]),
            )]),
        ),
        ("beneficiary".into(), tree::o(vec![("reference".into(), tree::s(format!("Patient/{}", person.bene_id)))])),
        (
            "grouping".into(),
            tree::o(vec![("subGroup".into(), tree::s("Medicare")), ("subPlan".into(), tree::s(label))]),
        ),
    ];
    let applies = format!("Part-{part}");
    let mut scene = scene(dice, person);
    for info in BeneficiaryCoverage::FIELDS.iter().filter(|f| !is_id(f) && f.applies_to.contains(&applies.as_str())) {
        fields::place(&mut coverage, info, &mut scene);
    }
    if tree::get(&coverage, "period").is_some() {
        let start = values::date_text(person.coverage_start);
        tree::set(&mut coverage, "period", tree::o(vec![("start".into(), tree::s(start))]));
    }
    tree::order_periods(&mut coverage);
    coverage
}
