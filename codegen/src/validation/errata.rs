//! The served-data errata of the validator (`profiles/errata/validation.json`): rules about
//! elements, each with its evidence, that turn the IG as published into what is served.
//!
//! Each entry selects elements by definition URL and element id (globs: `*` matches within one
//! path segment, `**` across segments) and
//! says what changes under the *served* target:
//! - `min` / `max`: the cardinality served (a snapshot defect corrected);
//! - `restore`: base elements the profile's snapshot drops, taken back from the base
//!   definition (the listed element ids are the base's);
//! - `deviation`: where the server departs from base STU3; a violation of the element's
//!   cardinality or binding is reported as a warning (rule `served-deviation`), not an error;
//! - `content-deviation`: the server departs from base STU3 inside the element's values (a
//!   placeholder that breaks `ele-1` or a reference's format): an error of one of the listed
//!   `rules` at or below the element is reported as a `served-deviation` warning;
//! - `binding`: the value set served instead of the published one;
//! - `types`: the types served instead (`value`: a list of type codes);
//! - `extension-urls`: slices by url and fixed `Extension.url` values use the served URL of
//!   the IG extension (the URL map of `coding-systems/errata/url-exceptions.json` and the
//!   naming rule, see `crate::errata`);
//! - `code-systems`: value sets of the IG's CodeSystems are served as the codebook variable's
//!   code system, with the codebook's codes (see `crate::codes`).
//!
//! An entry that selects nothing is an error: errata must not go stale silently.
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// One erratum, as written.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// A stable id (`extension-id-optional`), shown in findings and listings.
    pub rule: String,
    /// What changes: `min`, `max`, `restore`, `deviation`, `binding`, `types`,
    /// `extension-urls`, `code-systems`.
    pub change: String,
    /// Definition URLs (globs) the rule applies to.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Element ids (globs) the rule applies to.
    #[serde(default)]
    pub elements: Vec<String>,
    /// The cardinality (for `min`/`max`; `*` allowed for `max`), or the type codes (`types`).
    pub value: Option<serde_json::Value>,
    /// The rules whose errors become warnings inside the element (for `content-deviation`).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The value set (for `binding`).
    #[serde(rename = "valueSet")]
    pub value_set: Option<String>,
    /// Why: a codebook variable, a data-dictionary entry, an IG inconsistency, or the server's
    /// own output in the recorded responses.
    pub evidence: String,
}

/// The file, relative to the workspace root.
pub const FILE: &str = "profiles/errata/validation.json";

/// Reads the errata (none when the file is absent, as in small test sets).
pub fn load(root: &Path) -> Result<Vec<Erratum>, String> {
    let path = root.join(FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let errata: Vec<Erratum> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for e in &errata {
        let known = [
            "min",
            "max",
            "restore",
            "deviation",
            "content-deviation",
            "binding",
            "types",
            "extension-urls",
            "code-systems",
        ];
        if !known.contains(&e.change.as_str()) {
            return Err(format!("{FILE}: {}: unknown change `{}`", e.rule, e.change));
        }
        if (e.change == "content-deviation") == e.rules.is_empty() {
            return Err(format!("{FILE}: {}: `rules` lists the rules of a content-deviation, and only there", e.rule));
        }
        if e.evidence.trim().is_empty() {
            return Err(format!("{FILE}: {}: no evidence", e.rule));
        }
    }
    Ok(errata)
}

/// Glob matching: `**` matches any text, `*` any text without a `.` (one path segment, a
/// slice name), everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    // Cheap necessary conditions first: the text starts with the first literal part and ends
    // with the last one (most element ids fail here).
    let first = pattern.split('*').next().unwrap_or_default();
    let last = pattern.rsplit('*').next().unwrap_or_default();
    if !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    matches(pattern, text)
}

fn matches(pattern: &str, text: &str) -> bool {
    if let Some(rest) = pattern.strip_prefix("**") {
        return (0..=text.len()).filter(|&i| text.is_char_boundary(i)).any(|i| matches(rest, &text[i..]));
    }
    if let Some(rest) = pattern.strip_prefix('*') {
        let stop = text.find('.').unwrap_or(text.len());
        return (0..=stop).filter(|&i| text.is_char_boundary(i)).any(|i| matches(rest, &text[i..]));
    }
    match (pattern.chars().next(), text.chars().next()) {
        (None, None) => true,
        (Some(p), Some(t)) if p == t => matches(&pattern[p.len_utf8()..], &text[t.len_utf8()..]),
        _ => false,
    }
}

impl Erratum {
    /// Whether the rule applies to the definition `url`.
    pub fn selects_profile(&self, url: &str) -> bool {
        self.profiles.iter().any(|p| glob(p, url))
    }

    /// Whether the rule applies to the element `id`.
    pub fn selects_element(&self, id: &str) -> bool {
        self.elements.iter().any(|p| glob(p, id))
    }

    /// The `value` as a list of type codes.
    pub fn type_codes(&self) -> Result<Vec<String>, String> {
        let list = self
            .value
            .as_ref()
            .and_then(|v| v.as_array())
            .ok_or_else(|| format!("{FILE}: {}: `value` must list type codes", self.rule))?;
        list.iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| format!("{FILE}: {}: a type code is a string", self.rule))
            })
            .collect()
    }

    /// The `value` as a cardinality.
    pub fn cardinality(&self) -> Result<u32, String> {
        match &self.value {
            Some(serde_json::Value::Number(n)) => {
                n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("{}: bad value", self.rule))
            }
            Some(serde_json::Value::String(s)) if s == "*" => Ok(super::tree::MANY),
            _ => Err(format!("{FILE}: {}: `value` must be a number or \"*\"", self.rule)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("a*c", "abc"));
        assert!(glob("a*c", "ac"));
        assert!(!glob("a*c", "ab"));
        assert!(!glob("a*c", "a.c"));
        assert!(glob("a**c", "a.b.c"));
        assert!(glob("**.extension:*", "ExplanationOfBenefit.item.extension:x-y"));
        assert!(!glob("**.extension:*", "ExplanationOfBenefit.item.extension:x.url"));
        assert!(!glob("**.extension:*", "ExplanationOfBenefit.item.extension"));
        assert!(glob("**.extension:*.id", "ExplanationOfBenefit.extension:x.id"));
        assert!(glob("x", "x"));
        assert!(glob("http://a/bluebutton-*-claim", "http://a/bluebutton-pde-claim"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXcYb"));
    }
}
