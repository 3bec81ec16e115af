//! From the codebooks and the IG's CodeSystems to [`CodeSystems`]: the rules of the module
//! docs of [`crate::codes`], applied in this order per variable:
//! 1. per codebook, clean the listed entries (absent-value markers out, continuation fragments
//!    joined back, ranges expanded);
//! 2. merge the codebooks in precedence order (union of codes, first display wins);
//! 3. compare with the IG's CodeSystem (codebook wins, IG-only codes added);
//! 4. name the enum and its variants.
use std::collections::{BTreeMap, HashMap};

use super::ir::{AltDisplay, Blank, CodeSystems, Disagreement, Origin, SkipReason, Skipped, Value, Variable};
use super::naming;
use super::source::{CodebookVariable, IgCodeSystem, Sources};

/// Codebooks in precedence order (label and displays are taken from the first that has them).
/// Claims first, then Part D events, then the newer beneficiary summary file before the older.
/// Codebooks not named here follow, by key.
pub const CODEBOOK_PRECEDENCE: &[&str] = &["ffs-claims", "pde", "mbsf-abcd", "mbsf-abd"];

/// The spellings of "no value" in the codebooks (compared case-insensitively).
pub const ABSENT_MARKERS: &[&str] = &["blank", "space", "spaces", "null", "null/missing", "null/blank"];

/// Variables whose entries describe part of a value rather than values; they get no enum.
pub const NOT_VALUE_LISTS: &[(&str, &str)] = &[(
    "prvdr_num",
    "the letters describe the third character of a provider number, and the two `TOB` entries are \
     fragments of the text before them",
)];

/// The served coding-system URL of a variable.
pub fn served_system(id: &str) -> String {
    format!("https://bluebutton.cms.gov/resources/variables/{id}")
}

/// `true` for `Blank`, `BLANK`, `Null/missing`, `Spaces`...
pub fn is_absent_marker(code: &str) -> bool {
    ABSENT_MARKERS.iter().any(|m| m.eq_ignore_ascii_case(code))
}

/// `81-99` → `["81", ..., "99"]`: both ends numeric, the first smaller; codes are zero-padded to
/// the width of the wider end.
pub fn expand_range(code: &str) -> Option<Vec<String>> {
    let (lo, hi) = code.split_once('-')?;
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !numeric(lo) || !numeric(hi) {
        return None;
    }
    let (from, to): (u32, u32) = (lo.parse().ok()?, hi.parse().ok()?);
    if from >= to || to - from > 1000 {
        return None;
    }
    let width = lo.len().max(hi.len());
    Some((from..=to).map(|n| format!("{n:0width$}")).collect())
}

/// A lower-case word longer than the variable's length can only be text that the codebook's
/// conversion split off the previous value (`not`, `switch`).
fn is_continuation(code: &str, length: Option<&str>) -> bool {
    let Some(length) = length.and_then(|l| l.parse::<usize>().ok()) else { return false };
    code.len() > length && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// A text with U+FFFD (an encoding defect in the source) loses to one without.
fn is_defective(text: &str) -> bool {
    text.contains('\u{FFFD}')
}

/// A meaning the codebook marks `(Obsolete)` loses to a current one for the same code.
fn is_obsolete(text: &str) -> bool {
    text.to_ascii_lowercase().contains("obsolete")
}

/// One codebook's entries for one variable, cleaned (step 1).
struct Cleaned {
    /// (code, display, range it came from).
    items: Vec<(String, String, Option<String>)>,
    /// (as written, display).
    absent: Vec<(String, String)>,
    skipped: Vec<Skipped>,
}

fn clean(codebook: &str, var: &CodebookVariable) -> Cleaned {
    let mut out = Cleaned { items: Vec::new(), absent: Vec::new(), skipped: Vec::new() };
    let skip = |code: &str, display: &str, reason| Skipped {
        codebook: codebook.to_string(),
        code: code.to_string(),
        display: display.to_string(),
        reason,
    };
    for value in var.value_groups.iter().flatten() {
        let (code, display) = (value.code.as_str(), value.display.as_str());
        if is_absent_marker(code) {
            out.absent.push((code.to_string(), display.to_string()));
            out.skipped.push(skip(code, display, SkipReason::Absent));
        } else if let (true, Some(previous)) = (is_continuation(code, var.length.as_deref()), out.items.last_mut()) {
            previous.1 = format!("{} {code} {display}", previous.1);
            out.skipped.push(skip(code, display, SkipReason::Continuation { previous: previous.0.clone() }));
        } else if let Some(codes) = expand_range(code) {
            out.items.extend(codes.into_iter().map(|c| (c, display.to_string(), Some(code.to_string()))));
        } else {
            out.items.push((code.to_string(), display.to_string(), None));
        }
    }
    out
}

/// A value being merged (step 2).
struct Merging {
    code: String,
    display: String,
    origin: Origin,
    also: Vec<AltDisplay>,
}

impl Merging {
    fn offer(&mut self, codebook: &str, display: &str, range: Option<&str>) {
        let listed_beats_range = matches!(self.origin, Origin::Range { .. }) && range.is_none();
        let clean_beats_defective = is_defective(&self.display) && !is_defective(display);
        let current_beats_obsolete = is_obsolete(&self.display) && !is_obsolete(display);
        if display == self.display {
            if listed_beats_range {
                self.origin = Origin::Listed { codebook: codebook.to_string() };
            }
        } else if listed_beats_range || clean_beats_defective || current_beats_obsolete {
            let (old_book, old) = match &self.origin {
                Origin::Listed { codebook } | Origin::Range { codebook, .. } => {
                    (codebook.clone(), self.display.clone())
                }
                Origin::Ig => (String::new(), self.display.clone()),
            };
            self.also.insert(0, AltDisplay { codebook: old_book, display: old });
            self.display = display.to_string();
            self.origin = match range {
                Some(range) => Origin::Range { codebook: codebook.to_string(), range: range.to_string() },
                None => Origin::Listed { codebook: codebook.to_string() },
            };
        } else if !self.also.iter().any(|a| a.display == display) {
            self.also.push(AltDisplay { codebook: codebook.to_string(), display: display.to_string() });
        }
    }
}

fn precedence(key: &str) -> (usize, String) {
    (CODEBOOK_PRECEDENCE.iter().position(|k| *k == key).unwrap_or(CODEBOOK_PRECEDENCE.len()), key.to_string())
}

/// Builds the IR from what [`super::source::read`] found.
pub fn build(sources: &Sources) -> Result<CodeSystems, String> {
    let mut books: Vec<_> = sources.codebooks.iter().collect();
    books.sort_by_key(|b| precedence(&b.key));
    let mut by_id: BTreeMap<String, Vec<(&str, &CodebookVariable)>> = BTreeMap::new();
    for book in &books {
        for var in &book.variables {
            by_id.entry(var.id.to_ascii_lowercase()).or_default().push((book.key.as_str(), var));
        }
    }
    let mut ig_by_id: BTreeMap<String, &IgCodeSystem> = BTreeMap::new();
    for system in &sources.ig {
        ig_by_id.insert(system.id.replace('-', "_").to_ascii_lowercase(), system);
    }

    let mut variables = Vec::new();
    for (id, defs) in &by_id {
        let mut var = from_codebooks(id, defs);
        if let Some(ig) = ig_by_id.get(id) {
            compare_with_ig(&mut var, ig);
        }
        variables.push(var);
    }
    for (id, ig) in &ig_by_id {
        if !by_id.contains_key(id) {
            variables.push(from_ig_only(id, ig));
        }
    }
    variables.sort_by(|a, b| a.id.cmp(&b.id));

    let mut enums: HashMap<String, String> = HashMap::new();
    for var in &mut variables {
        if var.values.is_empty() {
            continue;
        }
        let name = naming::enum_name(&var.id);
        if ["CodeEnum", "Coded", "VariableInfo"].contains(&name.as_str()) {
            return Err(format!("variable {}: its enum name {name} is taken by the runtime", var.id));
        }
        if let Some(other) = enums.insert(name.clone(), var.id.clone()) {
            return Err(format!("variables {other} and {} would both be enum {name}", var.id));
        }
        let ig_only = var.codebooks.is_empty();
        let items: Vec<(&str, &str)> = var
            .values
            .iter()
            .map(|v| (v.code.as_str(), if ig_only { v.code.as_str() } else { v.display.as_str() }))
            .collect();
        let names = naming::variant_names(&items);
        for (value, name) in var.values.iter_mut().zip(names) {
            value.name = name;
        }
        var.enum_name = Some(name);
    }
    Ok(CodeSystems { variables })
}

/// Pick the first text (in precedence order) without an encoding defect, else the first.
fn pick<'a>(texts: impl Iterator<Item = &'a str> + Clone) -> String {
    texts.clone().find(|t| !t.is_empty() && !is_defective(t)).or_else(|| texts.clone().next()).unwrap_or("").to_string()
}

fn from_codebooks(id: &str, defs: &[(&str, &CodebookVariable)]) -> Variable {
    let first = defs[0].1;
    let mut var = Variable {
        id: id.to_string(),
        source_id: first.id.clone(),
        label: pick(defs.iter().map(|(_, v)| v.label.as_str())),
        data_type: defs.iter().find_map(|(_, v)| v.data_type.clone()),
        length: defs.iter().find_map(|(_, v)| v.length.clone()),
        codebooks: defs.iter().map(|(k, _)| k.to_string()).collect(),
        system: served_system(id),
        published_system: None,
        enum_name: None,
        values: Vec::new(),
        blank: None,
        skipped: Vec::new(),
        ig_disagreements: Vec::new(),
    };
    if NOT_VALUE_LISTS.iter().any(|(v, _)| *v == id) {
        for (book, def) in defs {
            for value in def.value_groups.iter().flatten() {
                var.skipped.push(Skipped {
                    codebook: book.to_string(),
                    code: value.code.clone(),
                    display: value.display.clone(),
                    reason: SkipReason::NotValues,
                });
            }
        }
        return var;
    }
    let mut merging: Vec<Merging> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut absent: Vec<(String, String, String)> = Vec::new();
    for (book, def) in defs {
        let cleaned = clean(book, def);
        var.skipped.extend(cleaned.skipped);
        absent.extend(cleaned.absent.into_iter().map(|(w, d)| (book.to_string(), w, d)));
        for (code, display, range) in cleaned.items {
            match index.get(&code) {
                Some(&i) => merging[i].offer(book, &display, range.as_deref()),
                None => {
                    index.insert(code.clone(), merging.len());
                    let origin = match range {
                        Some(range) => Origin::Range { codebook: book.to_string(), range },
                        None => Origin::Listed { codebook: book.to_string() },
                    };
                    merging.push(Merging { code, display, origin, also: Vec::new() });
                }
            }
        }
    }
    let chosen = absent.iter().find(|(_, _, d)| !is_defective(d)).or(absent.first());
    var.blank = chosen.map(|(codebook, written, display)| Blank {
        codebook: codebook.clone(),
        written: written.clone(),
        display: display.clone(),
    });
    var.values = merging
        .into_iter()
        .map(|m| Value { name: String::new(), code: m.code, display: m.display, origin: m.origin, also: m.also })
        .collect();
    var
}

fn compare_with_ig(var: &mut Variable, ig: &IgCodeSystem) {
    var.published_system = Some(ig.url.clone());
    if NOT_VALUE_LISTS.iter().any(|(v, _)| *v == var.id) {
        return;
    }
    // The IG lists some codes twice (copying the codebook's value groups): group by code.
    let mut by_code: Vec<(&str, Vec<String>)> = Vec::new();
    for concept in &ig.concept {
        let display = concept.display.clone().unwrap_or_default();
        match by_code.iter_mut().find(|(code, _)| *code == concept.code) {
            Some((_, displays)) => displays.push(display),
            None => by_code.push((concept.code.as_str(), vec![display])),
        }
    }
    let mut in_ig = Vec::new();
    for (code, displays) in by_code {
        if displays.len() > 1 {
            var.ig_disagreements
                .push(Disagreement::ListedTwiceInIg { code: code.to_string(), displays: displays.clone() });
        }
        if is_absent_marker(code) {
            let codebook = var.blank.as_ref().map(|b| b.display.clone());
            if !codebook.as_ref().is_some_and(|c| displays.contains(c)) {
                var.ig_disagreements.push(Disagreement::BlankAsCode {
                    written: code.to_string(),
                    ig: displays[0].clone(),
                    codebook,
                });
            }
            continue;
        }
        in_ig.push(code);
        match var.values.iter().find(|v| v.code == code) {
            Some(value) if !displays.contains(&value.display) => var.ig_disagreements.push(Disagreement::Display {
                code: code.to_string(),
                ig: displays.join(" | "),
                codebook: value.display.clone(),
            }),
            Some(_) => {}
            None => {
                var.ig_disagreements
                    .push(Disagreement::OnlyInIg { code: code.to_string(), display: displays[0].clone() });
                var.values.push(Value {
                    name: String::new(),
                    code: code.to_string(),
                    display: displays[0].clone(),
                    origin: Origin::Ig,
                    also: displays[1..]
                        .iter()
                        .map(|d| AltDisplay { codebook: String::new(), display: d.clone() })
                        .collect(),
                });
            }
        }
    }
    let only_in_codebooks: Vec<String> = var
        .values
        .iter()
        .filter(|v| !matches!(v.origin, Origin::Ig) && !in_ig.contains(&v.code.as_str()))
        .map(|v| v.code.clone())
        .collect();
    if !only_in_codebooks.is_empty() {
        var.ig_disagreements.push(Disagreement::OnlyInCodebooks { codes: only_in_codebooks });
    }
}

fn from_ig_only(id: &str, ig: &IgCodeSystem) -> Variable {
    Variable {
        id: id.to_string(),
        source_id: ig.id.clone(),
        label: ig.name.clone().unwrap_or_else(|| ig.id.clone()),
        data_type: None,
        length: None,
        codebooks: Vec::new(),
        system: served_system(id),
        published_system: Some(ig.url.clone()),
        enum_name: None,
        values: ig
            .concept
            .iter()
            .map(|c| Value {
                name: String::new(),
                code: c.code.clone(),
                display: c.display.clone().unwrap_or_default(),
                origin: Origin::Ig,
                also: Vec::new(),
            })
            .collect(),
        blank: None,
        skipped: Vec::new(),
        ig_disagreements: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(expand_range("81-84").unwrap(), ["81", "82", "83", "84"]);
        assert_eq!(expand_range("1-3").unwrap(), ["1", "2", "3"]);
        assert_eq!(expand_range("8-10").unwrap(), ["08", "09", "10"]);
        assert!(expand_range("99-81").is_none());
        assert!(expand_range("A-B").is_none());
        assert!(expand_range("-1").is_none());
    }

    #[test]
    fn markers_and_fragments() {
        for m in ["Blank", "BLANK", "Null/missing", "Null/Missing", "Null/blank", "Spaces", "Space", "Null"] {
            assert!(is_absent_marker(m), "{m}");
        }
        assert!(!is_absent_marker("*") && !is_absent_marker("N"));
        assert!(is_continuation("not", Some("2")));
        assert!(
            !is_continuation("not", Some("3")) && !is_continuation("TOB", Some("2")) && !is_continuation("ab", None)
        );
    }
}
