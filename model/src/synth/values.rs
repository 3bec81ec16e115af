//! Plausible values for Medicare fields: codes from the CMS code systems, amounts, dates,
//! NPIs, and small project-authored lists of clinical codes (ICD-10, HCPCS, NDC) with their
//! descriptions.
use chrono::{Duration, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;

use crate::codes;

/// The generator's randomness: a small, portable PRNG whose output for a seed never changes
/// (`XorShiftRng` is specified to be reproducible across platforms and versions).
#[derive(Debug, Clone)]
pub struct Dice(XorShiftRng);

impl Dice {
    /// Dice for `seed`, on an independent stream `stream` (one per beneficiary, so that any
    /// beneficiary can be made without the ones before it).
    pub fn new(seed: u64, stream: u64) -> Dice {
        // SplitMix64 finalizer over (seed, stream): nearby inputs give unrelated states.
        let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x6A09_E667_F3BC_C909);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Dice(XorShiftRng::seed_from_u64(z ^ (z >> 31)))
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.random_range(lo..=hi)
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p)
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.0.random_range(0..items.len())]
    }

    /// `n` decimal digits (the first one not zero).
    pub fn digits(&mut self, n: usize) -> String {
        (0..n).map(|i| char::from(b'0' + self.range(u64::from(i == 0), 9) as u8)).collect()
    }

    /// A date in `from..=to`.
    pub fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0) as u64;
        from + Duration::days(self.range(0, days) as i64)
    }
}

/// A date as FHIR writes it.
pub fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Cents as a decimal amount with two places (`12345` → `123.45`).
pub fn money_text(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A National Provider Identifier: ten digits whose last is the Luhn check digit computed
/// with the `80840` prefix, as CMS assigns them.
pub fn npi(dice: &mut Dice) -> String {
    let mut body = String::from(if dice.chance(0.5) { "1" } else { "2" });
    body.push_str(&dice.digits(8));
    body.push(char::from(b'0' + npi_check_digit(&body)));
    body
}

/// The Luhn check digit of the nine-digit NPI `body` under the `80840` prefix.
pub fn npi_check_digit(body: &str) -> u8 {
    let digits: Vec<u32> = format!("80840{body}").chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A code of `variable`'s CMS code system and its display, if the codebooks list values.
pub fn variable_code(dice: &mut Dice, variable: &str) -> Option<(&'static str, &'static str)> {
    let info = codes::variable(variable)?;
    if info.values.is_empty() {
        return None;
    }
    Some(*dice.pick(info.values))
}

/// ICD-10-CM diagnosis codes (as the server writes them, without the dot) and descriptions.
pub const ICD10_DIAGNOSES: &[(&str, &str)] = &[
    ("I10", "ESSENTIAL (PRIMARY) HYPERTENSION"),
    ("E119", "TYPE 2 DIABETES MELLITUS WITHOUT COMPLICATIONS"),
    ("E785", "HYPERLIPIDEMIA, UNSPECIFIED"),
    ("J449", "CHRONIC OBSTRUCTIVE PULMONARY DISEASE, UNSPECIFIED"),
    ("I480", "PAROXYSMAL ATRIAL FIBRILLATION"),
    ("N390", "URINARY TRACT INFECTION, SITE NOT SPECIFIED"),
    ("M545", "LOW BACK PAIN"),
    ("I509", "HEART FAILURE, UNSPECIFIED"),
    ("N183", "CHRONIC KIDNEY DISEASE, STAGE 3 (MODERATE)"),
    ("F0390", "UNSPECIFIED DEMENTIA WITHOUT BEHAVIORAL DISTURBANCE"),
    ("J189", "PNEUMONIA, UNSPECIFIED ORGANISM"),
    ("M1711", "UNILATERAL PRIMARY OSTEOARTHRITIS, RIGHT KNEE"),
    ("R0789", "OTHER CHEST PAIN"),
    ("Z7901", "LONG TERM (CURRENT) USE OF ANTICOAGULANTS"),
    ("K219", "GASTRO-ESOPHAGEAL REFLUX DISEASE WITHOUT ESOPHAGITIS"),
    ("I2510", "ATHEROSCLEROTIC HEART DISEASE OF NATIVE CORONARY ARTERY WITHOUT ANGINA PECTORIS"),
];

/// External cause codes (for the `external` diagnosis roles).
pub const ICD10_EXTERNAL_CAUSES: &[(&str, &str)] = &[
    ("W010XXA", "FALL ON SAME LEVEL FROM SLIPPING, TRIPPING AND STUMBLING WITHOUT SUBSEQUENT STRIKING AGAINST OBJECT, INITIAL ENCOUNTER"),
    ("W1830XA", "FALL ON SAME LEVEL, UNSPECIFIED, INITIAL ENCOUNTER"),
    ("Y929", "UNSPECIFIED PLACE OR NOT APPLICABLE"),
];

/// ICD-10-PCS procedure codes and descriptions.
pub const ICD10_PROCEDURES: &[(&str, &str)] = &[
    ("0SRD0JZ", "REPLACEMENT OF LEFT KNEE JOINT WITH SYNTHETIC SUBSTITUTE, OPEN APPROACH"),
    ("02703ZZ", "DILATION OF CORONARY ARTERY, ONE ARTERY, PERCUTANEOUS APPROACH"),
    ("5A1955Z", "RESPIRATORY VENTILATION, GREATER THAN 96 CONSECUTIVE HOURS"),
    ("0DB68ZX", "EXCISION OF STOMACH, VIA NATURAL OR ARTIFICIAL OPENING ENDOSCOPIC, DIAGNOSTIC"),
    ("B2111ZZ", "FLUOROSCOPY OF MULTIPLE CORONARY ARTERIES USING LOW OSMOLAR CONTRAST"),
];

/// HCPCS / CPT codes of professional and outpatient services.
pub const HCPCS_SERVICES: &[&str] =
    &["99213", "99214", "99232", "36415", "80053", "85025", "93000", "71046", "G0439", "97110", "J1100", "99285"];

/// HCPCS codes of durable medical equipment and supplies.
pub const HCPCS_DME: &[&str] = &["E0601", "E1390", "A4253", "A4259", "K0001", "E0114", "L3908"];

/// HCPCS modifiers.
pub const HCPCS_MODIFIERS: &[&str] = &["25", "59", "LT", "RT", "GA", "KX", "NU", "RR"];

/// National Drug Codes (11 digits) and the drug names written with them.
pub const NDC_DRUGS: &[(&str, &str)] = &[
    ("00093715410", "ATORVASTATIN CALCIUM 20 MG TABLET"),
    ("00378018101", "METFORMIN HCL 500 MG TABLET"),
    ("68180051301", "LISINOPRIL 10 MG TABLET"),
    ("00172208880", "AMLODIPINE BESYLATE 5 MG TABLET"),
    ("00054327099", "LEVOTHYROXINE SODIUM 50 MCG TABLET"),
    ("00781520810", "OMEPRAZOLE DR 20 MG CAPSULE"),
    ("59762333001", "SERTRALINE HCL 50 MG TABLET"),
];

/// United States Postal Service state abbreviations.
pub const STATES: &[&str] =
    &["AL", "AZ", "CA", "CO", "FL", "GA", "IL", "MA", "MD", "MI", "MO", "NC", "NY", "OH", "PA", "TX", "VA", "WA"];

/// Family names for generated people (fictional data).
pub const FAMILY_NAMES: &[&str] =
    &["Doe", "Smith", "Johnson", "Garcia", "Nguyen", "Okafor", "Kowalski", "Haddad", "Lindqvist", "Moreau"];

/// Given names for generated people.
pub const GIVEN_NAMES: &[&str] =
    &["Alex", "Jordan", "Maria", "Wei", "Fatima", "John", "Grace", "Samuel", "Ana", "Robert", "Linh", "Omar"];

/// Street names for generated addresses.
pub const STREETS: &[&str] = &["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Rd", "Elm St"];

/// City names for generated addresses.
pub const CITIES: &[&str] = &["Springfield", "Riverton", "Fairview", "Georgetown", "Salem", "Franklin"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npis_carry_a_valid_luhn_check_digit() {
        // CMS's published example: 123456789 → check digit 3.
        assert_eq!(npi_check_digit("123456789"), 3);
        let mut dice = Dice::new(7, 0);
        for _ in 0..100 {
            let npi = npi(&mut dice);
            assert_eq!(npi.len(), 10);
            assert_eq!(npi_check_digit(&npi[..9]), npi.as_bytes()[9] - b'0');
        }
    }

    #[test]
    fn dice_are_reproducible_and_streams_differ() {
        let roll = |seed, stream| {
            let mut d = Dice::new(seed, stream);
            (0..8).map(|_| d.range(0, 1_000_000)).collect::<Vec<_>>()
        };
        assert_eq!(roll(1, 0), roll(1, 0));
        assert_ne!(roll(1, 0), roll(1, 1));
        assert_ne!(roll(1, 0), roll(2, 0));
    }

    #[test]
    fn amounts_keep_two_decimal_places() {
        assert_eq!(money_text(12345), "123.45");
        assert_eq!(money_text(7), "0.07");
    }
}
