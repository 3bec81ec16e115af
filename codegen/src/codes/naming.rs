//! Rust names for code-system enums and their variants (rules in the module docs of
//! [`crate::codes`]).
use std::collections::{BTreeMap, BTreeSet};

/// A display is cut at the first of these (a parenthesis, a dash pair, a clause end).
pub const CUT_AT: &[&str] = &[" (", " -- ", " – ", "; ", ": ", ". "];
/// At most this many words of the display make a name.
pub const MAX_WORDS: usize = 6;

/// The words of `text` that make a name: up to the first [`CUT_AT`] separator, apostrophes
/// dropped, `%` read as "percent" and `&` as "and", split at every other non-ASCII-alphanumeric
/// character, at most [`MAX_WORDS`].
pub fn words(text: &str) -> Vec<String> {
    let cut = CUT_AT.iter().filter_map(|sep| text.find(sep).filter(|&i| i > 0)).min().unwrap_or(text.len());
    let mut spaced = String::new();
    for ch in text[..cut].chars() {
        match ch {
            '\'' | '\u{2019}' | '\u{2018}' => {}
            '%' => spaced.push_str(" percent "),
            '&' => spaced.push_str(" and "),
            c if c.is_ascii_alphanumeric() => spaced.push(c),
            _ => spaced.push(' '),
        }
    }
    spaced.split_whitespace().take(MAX_WORDS).map(str::to_string).collect()
}

/// `words` in UpperCamelCase: each word capitalized, the rest lower-cased (`MSP cost` → `MspCost`).
pub fn upper_camel(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// The name a text gives, before disambiguation: `V` in front when it would start with a digit;
/// empty when the text has no letters or digits.
pub fn base_name(text: &str) -> String {
    let name = upper_camel(&words(text));
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

/// A code as a name suffix: letters and digits as they are, symbols spelled out
/// (`*` → `Star`, `!` → `Bang`), anything else as `U` and its hex code point.
pub fn code_suffix(code: &str) -> String {
    let mut out = String::new();
    for ch in code.chars() {
        let word = match ch {
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            '!' => "Bang",
            '@' => "At",
            '#' => "Hash",
            '$' => "Dollar",
            '%' => "Percent",
            '&' => "Amp",
            '*' => "Star",
            '(' => "LParen",
            ')' => "RParen",
            '+' => "Plus",
            '<' => "Lt",
            '>' => "Gt",
            '=' => "Eq",
            '-' => "Dash",
            '/' => "Slash",
            '.' => "Dot",
            ',' => "Comma",
            ' ' => "Space",
            c => {
                out.push_str(&format!("U{:X}", c as u32));
                continue;
            }
        };
        out.push_str(word);
    }
    out
}

/// Names for `(code, text)` pairs of one enum, in order: [`base_name`] of the text; where that
/// is empty, `Self`, or shared by several codes, the code is appended ([`code_suffix`]; an empty
/// base becomes `Code`). A name still taken after that (never seen in the CMS data) gets `X` and
/// its position appended.
pub fn variant_names(items: &[(&str, &str)]) -> Vec<String> {
    let bases: Vec<String> = items.iter().map(|(_, text)| base_name(text)).collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &bases {
        *counts.entry(b.as_str()).or_default() += 1;
    }
    let mut taken = BTreeSet::new();
    let mut names = Vec::with_capacity(items.len());
    for (i, ((code, _), base)) in items.iter().zip(&bases).enumerate() {
        let mut name = if base.is_empty() || base == "Self" || counts[base.as_str()] > 1 {
            let base = if base.is_empty() { "Code" } else { base.as_str() };
            let suffixed = format!("{base}{}", code_suffix(code));
            if suffixed.starts_with(|c: char| c.is_ascii_digit()) {
                format!("V{suffixed}")
            } else {
                suffixed
            }
        } else {
            base.clone()
        };
        if taken.contains(&name) {
            name = format!("{name}X{i}");
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// The enum name of a variable id: UpperCamelCase of the lower-cased id
/// (`carr_line_prvdr_type_cd` → `CarrLinePrvdrTypeCd`).
pub fn enum_name(id: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_displays() {
        assert_eq!(base_name("Assigned claim"), "AssignedClaim");
        assert_eq!(
            base_name("MSP cost avoided - COB Contractor (converted to '00' 2-byte code)"),
            "MspCostAvoidedCobContractor"
        );
        assert_eq!(base_name("Workman's Compensation"), "WorkmansCompensation");
        assert_eq!(base_name("65% of payment"), "V65PercentOfPayment");
        assert_eq!(base_name("2011"), "V2011");
        assert_eq!(base_name("Canada & Islands"), "CanadaAndIslands");
        assert_eq!(base_name("Paid as a day outlier (Note: day outlier no longer being paid)"), "PaidAsADayOutlier");
        assert_eq!(
            base_name("Transfer paid on a per diem basis up to and including the full DRG"),
            "TransferPaidOnAPerDiem"
        );
        assert_eq!(base_name("*"), "");
    }

    #[test]
    fn collisions_take_the_code() {
        let names = variant_names(&[
            ("17", "Kansas"),
            ("70", "Kansas (eff. 10/2005)"),
            ("!", "MSP cost avoided - COB Contractor (converted)"),
            ("00", "MSP cost avoided - COB Contractor"),
            ("A", "Self"),
            ("*", "**"),
            ("1", "Male"),
        ]);
        assert_eq!(
            names,
            [
                "Kansas17",
                "Kansas70",
                "MspCostAvoidedCobContractorBang",
                "MspCostAvoidedCobContractor00",
                "SelfA",
                "CodeStar",
                "Male"
            ]
        );
        assert_eq!(variant_names(&[("1", "A"), ("1", "A")]), ["A1", "A1X1"]);
    }

    #[test]
    fn enum_names() {
        assert_eq!(enum_name("carr_line_prvdr_type_cd"), "CarrLinePrvdrTypeCd");
        assert_eq!(enum_name("rev_cntr_1st_ansi_cd"), "RevCntr1stAnsiCd");
        assert_eq!(enum_name("ptc_plan_type_cd_01"), "PtcPlanTypeCd01");
    }
}
