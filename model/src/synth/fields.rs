//! Filling one Medicare field: walk its [`PathStep`]s (creating the entries its filters select,
//! so the extension gets its `url`, the adjudication its category) and write a plausible value
//! of the right type at the end.
use std::borrow::Cow;

use chrono::NaiveDate;

use super::tree::{self, Obj};
use super::values::{self, Dice};
use crate::claim_type::ClaimType;
use crate::codes;
use crate::json::Value;
use crate::views::{FieldInfo, PathStep};

/// The `Coding` system of ICD-10 codes.
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
/// The `Coding` system of National Drug Codes.
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
/// The identifier system of NPIs.
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
/// ISO 4217, the system of `Money.code`.
pub const CURRENCY: &str = "urn:iso:std:iso:4217";
/// The id the generator gives a contained resource of `resource_type`; references to it are
/// `#` and this id.
pub fn contained_id(resource_type: &str) -> &'static str {
    match resource_type {
        "ReferralRequest" => "referral",
        "Observation" => "hct-hgb",
        _ => "contained",
    }
}

/// What a resource's values are drawn around.
pub struct Scene<'d> {
    pub dice: &'d mut Dice,
    /// The beneficiary's id (`Patient/<id>` is referenced).
    pub bene_id: &'d str,
    /// Dates fall in `from..=thru`.
    pub from: NaiveDate,
    pub thru: NaiveDate,
    /// The claim type, for an `ExplanationOfBenefit`.
    pub claim_type: Option<ClaimType>,
}

impl Scene<'_> {
    fn year(&self) -> i32 {
        use chrono::Datelike;
        self.from.year()
    }

    fn date(&mut self) -> Value<'static> {
        tree::s(values::date_text(self.dice.date_between(self.from, self.thru)))
    }
}

/// The display of a code that selects an entry: the label of a variable used as an
/// information, adjudication or benefit-balance category, or a care team role.
pub fn display_of(system: &str, code: &str) -> Option<&'static str> {
    if system.starts_with("https://bluebutton.cms.gov/resources/codesystem/") {
        let variable = code.strip_prefix("https://bluebutton.cms.gov/resources/variables/")?;
        return codes::variable(variable).map(|v| v.label);
    }
    match (system, code) {
        ("http://hl7.org/fhir/claimcareteamrole", "primary") => Some("Primary provider"),
        ("http://hl7.org/fhir/claimcareteamrole", "assist") => Some("Assisting Provider"),
        ("http://hl7.org/fhir/claimcareteamrole", "supervisor") => Some("Supervising Provider"),
        ("http://hl7.org/fhir/claimcareteamrole", "other") => Some("Other"),
        _ => None,
    }
}

/// The code system of adjudication categories.
const ADJUDICATION: &str = "https://bluebutton.cms.gov/resources/codesystem/adjudication";

/// Places `info` in `obj` (the element of its level) with a generated value, at the place the
/// current server sends it; a field only older server versions sent is left out.
pub fn place(obj: &mut Obj, info: &'static FieldInfo, scene: &mut Scene<'_>) {
    if !info.current {
        return;
    }
    let mut steps = info.steps;
    let mut obj = obj;
    if steps.first().is_some_and(|s| s.name == "adjudication" && s.filters.is_empty()) {
        // A reason code (`adjudication.reason`) lives in the adjudication whose category is the
        // variable itself, as the server writes it.
        // The PDE coverage status is the reason of the plan's payment.
        let category = match info.variable {
            "drug_cvrg_stus_cd" => "cvrd_d_plan_pd_amt",
            other => other,
        };
        let url = format!("https://bluebutton.cms.gov/resources/variables/{category}");
        let items = tree::array(obj, "adjudication");
        let found = items.iter().position(|e| match e {
            Value::Object(m) => tree::get(m, "category").is_some_and(|c| tree::has_coding(c, &url, Some(ADJUDICATION))),
            _ => false,
        });
        let i = match found {
            Some(i) => i,
            None => {
                let label = codes::variable(category).map(|v| v.label);
                items.push(tree::o(vec![("category".into(), tree::concept(ADJUDICATION, url, label))]));
                items.len() - 1
            }
        };
        obj = tree::as_obj(&mut items[i]).expect("entries are objects");
        steps = &steps[1..];
    }
    place_at(obj, steps, info, scene);
}

/// Places `info`, a field in an entry of a repeating element that its first step selects (an
/// external cause: a `diagnosis` of that role), in a new entry of that element, though one
/// with the same selection may be there: a claim's second external cause.
pub fn place_in_new_entry(obj: &mut Obj, info: &'static FieldInfo, scene: &mut Scene<'_>) {
    let Some((first, rest)) = info.steps.split_first().filter(|(first, _)| first.many) else { return };
    let mut entry = tree::new_entry(first.filters, scene.year(), &display_of);
    place_at(&mut entry, rest, info, scene);
    tree::array(obj, first.name).push(tree::o(entry));
}

fn place_at(obj: &mut Obj, steps: &'static [PathStep], info: &'static FieldInfo, scene: &mut Scene<'_>) {
    let Some(last) = steps.last() else { return };
    let parent_ty = match steps.len() {
        0 => return,
        1 if info.level.is_empty() => info.resource,
        1 => "",
        n => steps[n - 2].ty,
    };
    let year = scene.year();
    let parent = tree::locate(obj, steps, year, &display_of);
    if !last.many && tree::get(parent, last.name).is_some() {
        // Two fields at one place (a claim-level diagnosis filled again by the diagnosis
        // level): the first value stays.
        return;
    }
    if let Some(value) = leaf(parent, parent_ty, last, info, scene) {
        if last.many {
            tree::array(parent, last.name).push(value);
        } else {
            tree::set(parent, last.name, value);
        }
    }
}

/// The value of the last step; may also complete its parent (a Coding's system and display,
/// a Money's currency). `None` leaves the parent as it is.
fn leaf(
    parent: &mut Obj,
    parent_ty: &str,
    step: &PathStep,
    info: &FieldInfo,
    scene: &mut Scene<'_>,
) -> Option<Value<'static>> {
    let variable = info.variable;
    if step.ty == "Reference" {
        let target = match variable {
            "line_hct_hgb_rslt_num" => format!("#{}", contained_id("Observation")),
            _ => format!("Patient/{}", scene.bene_id),
        };
        return Some(tree::o(vec![("reference".into(), tree::s(target))]));
    }
    if step.ty == "Identifier" {
        let system = codes_system(variable);
        let value = identifier_for(variable, Some(&system), scene);
        return Some(tree::o(vec![("system".into(), tree::s(system)), ("value".into(), tree::s(value))]));
    }
    if step.ty == "Coding" {
        let (code, display, system) = code_for(variable, scene);
        let mut coding: Obj = vec![];
        if let Some(system) = system {
            coding.push(("system".into(), tree::s(system)));
        }
        coding.push(("code".into(), tree::s(code)));
        if let Some(d) = display {
            coding.push(("display".into(), tree::s(d)));
        }
        return Some(tree::o(coding));
    }
    Some(match (parent_ty, step.name) {
        ("Coding", "code") => {
            let (code, display, system) = code_for(variable, scene);
            let system = tree::text(parent, "system").map(str::to_string).map_or(system, |s| Some(Cow::Owned(s)));
            if let Some(system) = system {
                tree::set_default(parent, "system", || tree::s(system));
            }
            if let Some(d) = display {
                tree::set_default(parent, "display", || tree::s(d));
            }
            tree::s(code)
        }
        ("Coding", "system") => {
            if tree::get(parent, "system").is_some() {
                return None;
            }
            tree::s(ICD10)
        }
        ("Coding", "version") => match values::variable_code(scene.dice, variable) {
            Some((code, _)) => tree::s(code),
            None => tree::s(scene.dice.range(0, 9).to_string()),
        },
        ("Money", "value") => {
            tree::set_default(parent, "system", || tree::s(CURRENCY));
            tree::set_default(parent, "code", || tree::s("USD"));
            tree::n(values::money_text(scene.dice.range(0, 50_000)))
        }
        ("Quantity", "value") => tree::n(scene.dice.range(1, 30).to_string()),
        ("Quantity", "code") => {
            let (code, _, system) = code_for(variable, scene);
            tree::set_default(parent, "system", || tree::s(system.unwrap_or_else(|| codes_system(variable))));
            tree::s(code)
        }
        ("Identifier", "value") => {
            let npi_like = matches!(variable, "srvc_prvdr_id" | "prscrbr_id");
            let system = match tree::text(parent, "system") {
                Some(system) => system.to_string(),
                None if npi_like => NPI.to_string(),
                // The server names an identifier of a variable by the variable's URL.
                None => codes_system(variable).to_string(),
            };
            tree::set_default(parent, "system", || tree::s(system.clone()));
            tree::s(identifier_for(variable, Some(&system), scene))
        }
        ("Identifier", "system") => {
            if tree::get(parent, "system").is_some() {
                return None;
            }
            tree::s(NPI)
        }
        ("Address", "state") => tree::s(*scene.dice.pick(values::STATES)),
        ("Address", "postalCode") => tree::s(scene.dice.digits(5)),
        ("Address", "city") => tree::s(*scene.dice.pick(values::CITIES)),
        ("Address", "line") => tree::s(format!("{} {}", scene.dice.range(1, 9999), scene.dice.pick(values::STREETS))),
        ("HumanName", "family") => tree::s(*scene.dice.pick(values::FAMILY_NAMES)),
        ("HumanName", "given") => tree::s(*scene.dice.pick(values::GIVEN_NAMES)),
        ("Patient", "gender") => tree::s(*scene.dice.pick(&["female", "male"])),
        ("ExplanationOfBenefit", "status") | ("Coverage", "status") => tree::s("active"),
        _ => match step.ty {
            "Date" | "DateTime" => scene.date(),
            "Decimal" => tree::n(values::money_text(scene.dice.range(0, 50_000))),
            "UnsignedInt" | "Integer" => tree::n(scene.dice.range(0, 30).to_string()),
            "PositiveInt" => tree::n(scene.dice.range(1, 30).to_string()),
            "Boolean" => Value::Bool(true),
            "Code" | "FhirString" | "Id" => tree::s(code_for(variable, scene).0),
            "Uri" => tree::s(codes_system(variable)),
            // A struct leaf this generator does not know how to fill.
            _ => return None,
        },
    })
}

/// The served code-system URL of `variable`: `https://bluebutton.cms.gov/resources/variables/`
/// and the variable, for the codebooks' variables and the data dictionary's others alike.
fn codes_system(variable: &str) -> Cow<'static, str> {
    match codes::variable(variable) {
        Some(v) => Cow::Borrowed(v.system),
        None => Cow::Owned(format!("https://bluebutton.cms.gov/resources/variables/{variable}")),
    }
}

/// A code for `variable`: from its CMS code system when the codebooks list values, else from
/// the clinical code lists; with its display and the system to write when the path sets none.
fn code_for(
    variable: &str,
    scene: &mut Scene<'_>,
) -> (Cow<'static, str>, Option<&'static str>, Option<Cow<'static, str>>) {
    if variable == "cmpnd_cd" {
        // The compound code is served as the invoice type of the prescription's detail.
        let (code, display) = *scene.dice.pick(&[("RXDINV", "Rx dispense invoice"), ("RXCINV", "Rx compound invoice")]);
        return (Cow::Borrowed(code), Some(display), None);
    }
    if let Some((code, display)) = values::variable_code(scene.dice, variable) {
        return (Cow::Borrowed(code), Some(display), Some(codes_system(variable)));
    }
    let dice = &mut *scene.dice;
    let clinical = |list: &'static [(&'static str, &'static str)], dice: &mut Dice| {
        let (code, display) = *dice.pick(list);
        (Cow::Borrowed(code), Some(display), Some(Cow::Borrowed(ICD10)))
    };
    if variable.contains("dgns_e") {
        return clinical(values::ICD10_EXTERNAL_CAUSES, dice);
    }
    if variable.contains("dgns") || variable.starts_with("rsn_visit") {
        return clinical(values::ICD10_DIAGNOSES, dice);
    }
    if variable.contains("prcdr") {
        return clinical(values::ICD10_PROCEDURES, dice);
    }
    if variable == "prod_srvc_id" || variable == "ndc" || variable.ends_with("ndc_cd") {
        let (code, display) = *dice.pick(values::NDC_DRUGS);
        return (Cow::Borrowed(code), Some(display), Some(Cow::Borrowed(NDC)));
    }
    if variable.contains("mdfr") {
        return (Cow::Borrowed(*dice.pick(values::HCPCS_MODIFIERS)), None, None);
    }
    if variable.contains("hcpcs") {
        let list = if scene.claim_type == Some(ClaimType::Dme) { values::HCPCS_DME } else { values::HCPCS_SERVICES };
        return (Cow::Borrowed(*dice.pick(list)), None, None);
    }
    let numeric = codes::variable(variable).and_then(|v| v.data_type).is_some_and(|t| t == "NUM");
    let code = if variable.contains("zip") {
        dice.digits(9)
    } else if numeric {
        dice.digits(3)
    } else {
        format!("{}{}", *dice.pick(&["A", "B", "C", "H", "S"]), dice.digits(4))
    };
    (Cow::Owned(code), None, Some(codes_system(variable)))
}

/// An identifier value for `variable` under `system`.
fn identifier_for(variable: &str, system: Option<&str>, scene: &mut Scene<'_>) -> String {
    let dice = &mut *scene.dice;
    if system.is_some_and(|s| s.ends_with("-hash")) {
        return (0..64).map(|_| char::from(b"0123456789abcdef"[dice.range(0, 15) as usize])).collect();
    }
    if system == Some(NPI) || variable.contains("npi") {
        return values::npi(dice);
    }
    match variable {
        "bene_id" => scene.bene_id.to_string(),
        "mbi_num" => mbi(dice),
        "bene_crnt_hic_num" => format!("{}A", dice.digits(9)),
        "claim-group" => dice.digits(3),
        "carr_num" => dice.digits(5),
        "tax_num" => dice.digits(9),
        "prvdr_num" => dice.digits(6),
        "plan_cntrct_rec_id" | "plan_pbp_rec_num" => format!("H{}", dice.digits(4)),
        _ => dice.digits(10),
    }
}

/// A Medicare Beneficiary Identifier in the CMS format (11 characters, positions 2, 5, 8 and
/// 9 letters without S, L, O, I, B, Z).
fn mbi(dice: &mut Dice) -> String {
    const LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    let letter = |dice: &mut Dice| char::from(*dice.pick(LETTERS));
    let digit = |dice: &mut Dice, lo: u64| char::from(b'0' + dice.range(lo, 9) as u8);
    let mut s = String::new();
    s.push(digit(dice, 1));
    s.push(letter(dice));
    s.push(if dice.chance(0.5) { letter(dice) } else { digit(dice, 0) });
    s.push(digit(dice, 0));
    s.push(letter(dice));
    s.push(if dice.chance(0.5) { letter(dice) } else { digit(dice, 0) });
    s.push(digit(dice, 0));
    s.push(letter(dice));
    s.push(letter(dice));
    s.push(digit(dice, 0));
    s.push(digit(dice, 0));
    s
}
