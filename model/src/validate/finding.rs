//! The vocabulary of a validation: what a resource is checked against ([`Target`]), how
//! serious a problem is ([`Severity`]), and one problem at its location ([`Finding`]), with the
//! rule that shortens long locations in text output ([`short_location`]).
use std::borrow::Cow;
use std::fmt;

/// What a resource is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// The IG plus the served-data errata: what the Blue Button server really sends.
    #[default]
    Served,
    /// The IG exactly as published (2018).
    Published,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Served => "served",
            Target::Published => "published",
        })
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The resource does not conform.
    Error,
    /// Conforms, but something deserves attention (an extensible binding missed, a documented
    /// departure of the server from base STU3).
    Warning,
    /// For the record (an extension outside the IG, a check that could not be made).
    Information,
}

impl Severity {
    /// The STU3 `issue-severity` code.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem (or note) about a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// A stable id of the rule: `cardinality-min`, `cardinality-max`, `prohibited`, `type`,
    /// `unknown-element`, `primitive`, `fixed`, `pattern`, `binding-required`,
    /// `binding-extensible`, `code-system-unknown`, `slice-cardinality`,
    /// `extension-outside-ig`, `reference-local`, `reference-shape`, `reference-target`,
    /// `json` (not a resource, a duplicate property, misaligned `_name` arrays), `json-null`,
    /// `json-empty`, `fhir-version` (an R4 resource), `profile`, `served-deviation`,
    /// `not-evaluated`, or an invariant's key (`ele-1`, `ext-1`, `ref-1`, `dom-3`, `per-1`, ...).
    pub rule: &'static str,
    /// Where, FHIRPath-style: the resource type, then the JSON path with indexes
    /// (`ExplanationOfBenefit.item[0].extension[2].valueCoding.code`; in a Bundle,
    /// `Bundle.entry[3].resource.item[0]`). A missing element is located where it would be
    /// (`ExplanationOfBenefit.status`, `Patient.deceased[x]`), a missing slice as
    /// `<element>:<slice>`. Always whole here; text output shortens a long one
    /// ([`short_location`]).
    pub location: String,
    /// What was expected and what was found, in words.
    pub message: String,
    pub expected: Option<String>,
    pub found: Option<String>,
}

/// `<severity> [<rule>] <location>: <message>`, the location shortened by [`short_location`].
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}: {}", self.severity, self.rule, short_location(&self.location), self.message)
    }
}

/// The longest location (in characters) that text output writes whole: one line of a wide
/// terminal, with room for the severity and rule before it. A longer one (a hostile document
/// nests extensions as deep as the parser allows) is shortened by [`short_location`].
pub const LOCATION_TEXT_LIMIT: usize = 120;

/// `location` as text output writes it: whole when it has at most [`LOCATION_TEXT_LIMIT`]
/// characters, else its leading segments (split at `.`) and its last one, with the number of
/// segments left out between them. The JSON outputs
/// ([`Report::to_operation_outcome`](crate::validate::Report::to_operation_outcome),
/// [`Finding::to_issue_json`]) always keep the whole location.
///
/// ```
/// use bluebutton_model::validate::{short_location, LOCATION_TEXT_LIMIT};
/// let deep = format!("Observation{}", ".extension[0]".repeat(100_000));
/// let short = short_location(&deep);
/// let kept = format!("Observation{}", ".extension[0]".repeat(6));
/// assert_eq!(short, format!("{kept}…(99,993 more)…extension[0]"));
/// assert!(short.chars().count() <= LOCATION_TEXT_LIMIT);
/// assert_eq!(short_location("Patient.birthDate"), "Patient.birthDate");
/// ```
pub fn short_location(location: &str) -> Cow<'_, str> {
    let length = location.chars().count();
    if length <= LOCATION_TEXT_LIMIT {
        return Cow::Borrowed(location);
    }
    let segments: Vec<&str> = location.split('.').collect();
    let last = segments[segments.len() - 1];
    let inner = &segments[..segments.len() - 1];
    // As many leading segments as fit beside the marker and the last segment.
    let (mut kept, mut width) = (0, 0);
    let marker = |left_out: usize| format!("…({} more)…", thousands(left_out));
    while kept < inner.len() {
        let next = width + usize::from(kept > 0) + inner[kept].chars().count();
        let left_out = inner.len() - kept - 1;
        if left_out == 0 || next + marker(left_out).chars().count() + last.chars().count() > LOCATION_TEXT_LIMIT {
            break;
        }
        (kept, width) = (kept + 1, next);
    }
    if kept > 0 {
        return Cow::Owned(format!("{}{}{last}", inner[..kept].join("."), marker(inner.len() - kept)));
    }
    // A segment too long by itself (a hostile key): characters are left out instead. The
    // marker is sized for at most `length - tail` characters left out, so that all fits.
    let marker = |left_out: usize| format!("…({} more characters)…", thousands(left_out));
    let tail = LOCATION_TEXT_LIMIT / 4;
    let head = LOCATION_TEXT_LIMIT - tail - marker(length - tail).chars().count();
    let start: String = location.chars().take(head).collect();
    let end: String = location.chars().skip(length - tail).collect();
    Cow::Owned(format!("{start}{}{end}", marker(length - head - tail)))
}

/// `n` with a comma between thousands: `99,990`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (99_990, "99,990"), (1_234_567, "1,234,567")];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn locations_are_shortened_past_the_limit_only() {
        let at_limit = format!("Patient.{}", "a".repeat(LOCATION_TEXT_LIMIT - 8));
        assert_eq!(short_location(&at_limit), at_limit);
        // One more character: the leading segments that fit, the count, the last segment.
        let segments: Vec<String> = (0..12).map(|i| format!("element{i:02}[0]")).collect();
        let long = segments.join(".");
        assert!(long.chars().count() > LOCATION_TEXT_LIMIT);
        let short = short_location(&long);
        assert!(short.chars().count() <= LOCATION_TEXT_LIMIT, "{short}");
        let (head, rest) = short.split_once('…').unwrap();
        let (count, last) = rest.split_once('…').unwrap();
        let kept = head.split('.').count();
        assert_eq!(head, segments[..kept].join("."));
        assert_eq!(count, format!("({} more)", segments.len() - kept - 1));
        assert_eq!(last, segments[segments.len() - 1]);
    }

    #[test]
    fn a_huge_segment_loses_characters() {
        for length in [200, 10_000, 2_000_000] {
            let key = "k".repeat(length);
            // Between others, the segment is left out whole.
            assert_eq!(short_location(&format!("Patient.{key}.x")), "Patient…(1 more)…x");
            // At the end, its middle characters are.
            let location = format!("Patient.{key}");
            let short = short_location(&location);
            assert!(short.chars().count() <= LOCATION_TEXT_LIMIT, "{short}");
            let [start, marker, end] = short.split('…').collect::<Vec<_>>()[..] else { panic!("{short}") };
            assert!(start.starts_with("Patient.kkk") && end.chars().all(|c| c == 'k'), "{short}");
            let left_out: usize =
                marker.trim_start_matches('(').split(' ').next().unwrap().replace(',', "").parse().unwrap();
            assert_eq!(start.chars().count() + left_out + end.chars().count(), location.chars().count(), "{short}");
        }
    }
}
