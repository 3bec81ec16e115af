//! Profile validation: is a resource what a Blue Button client can rely on?
//!
//! A resource is checked against the Blue Button IG's profile for it (Patient →
//! `bluebutton-patient-claim`, Coverage → `bluebutton-coverage`, an ExplanationOfBenefit → the
//! profile of its claim type), a Bundle against STU3 with each entry's resource against its
//! profile, and anything else (contained resources included) against its STU3 core definition
//! (all 119 STU3 resources are here). [`ProfileChoice`] changes that: `core` (STU3 only), a
//! known profile by URL, and under the default `auto` a resource's own `meta.profile` when it
//! names a known one; [`Options`] carries it with the [`Target`]. The
//! checks are generated from the definitions (`bluebutton-codegen`'s `validation` tables):
//! cardinality (including `max = 0` prohibitions), JSON types and choices, primitive formats
//! (the parser's own validators), fixed and pattern values, extension slices by url, required
//! and extensible bindings, references, and every invariant of the definitions, evaluated from
//! its FHIRPath expression by [`crate::fhirpath`] ([`invariants`] lists them; one whose answer
//! needs something outside the input, such as a reference to resolve elsewhere, is listed as
//! `not-evaluated` with the reason). Every problem is a [`Finding`]; nothing stops at the first.
//!
//! FHIR JSON's own rules are checked too: no `null` property values (`json-null`; `null` stands
//! only in an array of primitives, aligned with its `_name` array) and no empty objects or
//! arrays (`json-empty`). A FHIR R4 resource (what the Blue Button v2 API serves) is not checked
//! against STU3: it gets one `fhir-version` error that says so.
//!
//! [`Report`]'s text lists the errors first, then the warnings, then the information; a location
//! longer than [`LOCATION_TEXT_LIMIT`] is shortened there ([`short_location`]), never in the
//! OperationOutcome.
//!
//! Many documents one after the other (the lines of NDJSON) are best checked by one
//! [`Validator`] ([`Options::validator`]), which keeps what its checks learn from one document to
//! the next and gives each the report it gets alone.
//!
//! Two [`Target`]s: [`Target::Served`] (the default) is the IG plus the served-data errata
//! (`profiles/errata/validation.json`: the served URL map, snapshot corrections, and the
//! server's documented departures from base STU3, reported as warnings);
//! [`Target::Published`] is the IG exactly as written.
//!
//! ```
//! use bluebutton_model::validate::{validate_json, Target};
//! let input = br#"{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-13"}"#;
//! let report = validate_json(input, Target::Served).unwrap();
//! assert!(!report.is_valid());
//! let bad = report.errors().find(|f| f.rule == "primitive").unwrap();
//! assert_eq!(bad.location, "Patient.birthDate");
//! ```
use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::sync::Mutex;

mod engine;
mod finding;
mod invariants;
pub(crate) mod object;
mod options;
pub(crate) mod tables;
pub(crate) mod terminology;
mod version;

pub use finding::{short_location, Finding, Severity, Target, LOCATION_TEXT_LIMIT};
pub use invariants::{invariants, Invariant, InvariantCheck};
pub use options::{KnownProfile, Options, ProfileChoice, UnknownProfile};

use crate::json::ReadSpace;
use crate::json::{self, FromJsonOwned, ParseOptions, ToJson, Value};
use crate::resources::OperationOutcome;
use crate::stream::{in_pieces_while, parse_whole_entry, thread_count, Unit, ValueStream, WholeEntry};
use crate::Resource;
use engine::{EntryPart, EntryWalk, ValuesFrom};

impl Finding {
    /// The finding as one issue of [`Report::to_operation_outcome`], in compact JSON: written
    /// between `{"resourceType":"OperationOutcome","issue":[` and `]}`, separated by commas,
    /// the issues make the same JSON as the report's OperationOutcome (so that one can be
    /// written as the findings come, from [`validate_reader_with`]).
    pub fn to_issue_json(&self) -> String {
        let mut w = json::Writer::compact();
        self.write_issue(&mut w);
        w.into_string()
    }

    fn write_issue(&self, w: &mut json::Writer) {
        issue(w, self.severity.as_str(), issue_type(self.rule), Some(self.rule), &self.message, Some(&self.location));
    }
}

/// All findings about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The resource type of the document (empty when it has none).
    pub resource_type: String,
    /// The definition the resource was checked against (a Blue Button profile or an STU3
    /// resource), when one applied.
    pub profile: Option<&'static str>,
    pub target: Target,
}

/// The code system of the rule ids in [`Report::to_operation_outcome`]'s `issue.details`.
pub const RULE_SYSTEM: &str = "https://github.com/bluebutton-rs/bluebutton-rs/validation-rule";

impl Report {
    /// The error-level findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Warning)
    }

    /// `true` when there is no error (warnings and information allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The report as an STU3 OperationOutcome: one issue per finding (severity, an issue-type
    /// code, the rule id as `details.coding` in [`RULE_SYSTEM`], the location as `location`
    /// and `expression`, the message as `diagnostics`). A report without findings gives one
    /// `information` issue saying so.
    pub fn to_operation_outcome(&self) -> OperationOutcome<'static> {
        let text = self.operation_outcome_json();
        OperationOutcome::parse_owned(text.as_bytes(), ParseOptions::strict())
            .expect("the validator writes valid OperationOutcome JSON")
    }

    fn operation_outcome_json(&self) -> String {
        let mut w = json::Writer::compact();
        w.begin_object();
        w.key("resourceType");
        w.string("OperationOutcome");
        w.key("issue");
        w.begin_array();
        for f in &self.findings {
            f.write_issue(&mut w);
        }
        if self.findings.is_empty() {
            let message = format!("no findings ({} target)", self.target);
            issue(&mut w, "information", "informational", None, &message, None);
        }
        w.end_array();
        w.end_object();
        w.into_string()
    }
}

fn issue(w: &mut json::Writer, severity: &str, code: &str, rule: Option<&str>, message: &str, location: Option<&str>) {
    w.begin_object();
    w.key("severity");
    w.string(severity);
    w.key("code");
    w.string(code);
    if let Some(rule) = rule {
        w.key("details");
        w.begin_object();
        w.key("coding");
        w.begin_array();
        w.begin_object();
        w.key("system");
        w.string(RULE_SYSTEM);
        w.key("code");
        w.string(rule);
        w.end_object();
        w.end_array();
        w.end_object();
    }
    w.key("diagnostics");
    w.string(&fhir_string(message));
    if let Some(location) = location.filter(|l| !l.is_empty()) {
        for key in ["location", "expression"] {
            w.key(key);
            w.begin_array();
            w.string(&fhir_string(location));
            w.end_array();
        }
    }
    w.end_object();
}

/// `text` as a valid FHIR `string`: a message or location can quote the input, and the input's
/// text may hold the two characters a FHIR string may not (vertical tab, form feed); they are
/// written as `\u{b}` and `\u{c}`. (Found by the fuzzer: `tests/fuzz_regressions.rs`.)
fn fhir_string(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\u{b}', '\u{c}']) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace('\u{b}', "\\u{b}").replace('\u{c}', "\\u{c}"))
}

/// The STU3 issue-type code for a rule.
fn issue_type(rule: &str) -> &'static str {
    match rule {
        "cardinality-min" => "required",
        "cardinality-max" | "prohibited" | "slice-cardinality" | "type" | "unknown-element" | "json" | "json-null"
        | "json-empty" => "structure",
        "primitive" | "fixed" | "pattern" | "reference-shape" | "reference-target" | "reference-local" => "value",
        "binding-required" | "binding-extensible" => "code-invalid",
        "code-system-unknown" | "not-evaluated" | "fhir-version" => "not-supported",
        "extension-outside-ig" | "profile" => "informational",
        "served-deviation" => "business-rule",
        _ => "invariant",
    }
}

/// Writes the summary line, `INVALID Observation (<definition>, served): 2 error(s), 0
/// warning(s), 1 information`, then one line per finding, `error [cardinality-min] <location>:
/// <message>`: the errors first, then the warnings, then the information, each in the order
/// found. Long locations are shortened ([`short_location`]).
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [Severity::Error, Severity::Warning, Severity::Information]
            .map(|s| self.findings.iter().filter(|f| f.severity == s).count());
        write_summary(f, &self.resource_type, self.profile, self.target, counts)?;
        writeln!(f)?;
        for severity in [Severity::Error, Severity::Warning, Severity::Information] {
            for finding in self.findings.iter().filter(|f| f.severity == severity) {
                writeln!(f, "{finding}")?;
            }
        }
        Ok(())
    }
}

/// The summary of a report: `VALID|INVALID <resourceType> (<definition>, <target>): E
/// error(s), W warning(s), I information`.
fn write_summary(
    f: &mut fmt::Formatter<'_>,
    resource_type: &str,
    profile: Option<&str>,
    target: Target,
    [errors, warnings, information]: [usize; 3],
) -> fmt::Result {
    write!(
        f,
        "{} {} ({}, {target}): {errors} error(s), {warnings} warning(s), {information} information",
        if errors == 0 { "VALID" } else { "INVALID" },
        if resource_type.is_empty() { "(no resourceType)" } else { resource_type },
        profile.unwrap_or("no definition"),
    )
}

/// Validation under any [`Options`]: what the functions below do with `Options::new(target)`.
impl Options {
    /// Validates a typed resource ([`crate::validate::validate_with`] with these options).
    pub fn validate(&self, resource: &Resource<'_>) -> Report {
        let text = resource.to_json_string();
        self.validate_json(text.as_bytes()).expect("a typed resource writes valid JSON")
    }

    /// Validates a JSON document ([`crate::validate::validate_json`] with these options).
    pub fn validate_json(&self, input: &[u8]) -> Result<Report, json::Error> {
        self.validator().validate_json(input)
    }

    /// Validates a parsed JSON document ([`crate::validate::validate_value`] with these
    /// options).
    pub fn validate_value(&self, value: &Value<'_>) -> Report {
        value_report(value, *self, ValuesFrom::Code)
    }

    /// Validates what `reader` gives, in bounded memory for a Bundle
    /// ([`crate::validate::validate_reader`] with these options).
    pub fn validate_reader<R: Read>(&self, reader: R) -> Result<Report, json::Error> {
        reader_report(reader, *self)
    }

    /// Validates what `reader` gives, handing out each finding as it is made
    /// ([`crate::validate::validate_reader_with`] with these options).
    pub fn validate_reader_with<R, F>(&self, reader: R, on_finding: F) -> Result<Outline, Unfinished>
    where
        R: Read,
        F: FnMut(Finding, bool),
    {
        self.validator().validate_reader_with(reader, on_finding)
    }

    /// [`validate_reader_with`](Self::validate_reader_with) of a document in memory: the same
    /// findings, handed out in the same way, read in a window of the document's size rather
    /// than of 1 MiB, which is cleared for each document (for many small documents, such as the
    /// lines of NDJSON).
    ///
    /// ```
    /// use bluebutton_model::validate::{Options, Target};
    /// let line = br#"{"resourceType":"Patient","id":"p1","birthDate":"1970-13"}"#;
    /// let mut errors = Vec::new();
    /// let outline = Options::new(Target::Served).validate_slice_with(line, |finding, _| errors.push(finding.location))?;
    /// assert_eq!(outline.errors, errors.len());
    /// assert!(errors.iter().any(|l| l == "Patient.birthDate"));
    /// # Ok::<(), bluebutton_model::json::Error>(())
    /// ```
    pub fn validate_slice_with<F>(&self, input: &[u8], on_finding: F) -> Result<Outline, Unfinished>
    where
        F: FnMut(Finding, bool),
    {
        self.validator().validate_slice_with(input, on_finding)
    }

    /// A [`Validator`] of these options, for many documents one after the other.
    pub fn validator(self) -> Validator {
        Validator { options: self, learned: engine::Learned::default(), space: ReadSpace::default() }
    }
}

/// Validates documents one after the other under the same [`Options`] ([`Options::validator`]),
/// keeping what its checks learn from one to the next: the values walked without a finding (the
/// same codes come document after document: a Coding checked clean at an element is clean there
/// again), the messages of the extensions outside the IG, the choice elements that member names
/// stand for (`valueCoding` for an extension's `value[x]`), and the memory its documents are read
/// in. Each report is the one [`Options`] gives for the document alone; for many small
/// documents, such as the lines of NDJSON, it is made faster.
///
/// What it keeps is bounded: at most 1 MiB of values walked clean (then it starts over), the
/// messages of 4,096 extension URLs, 4,096 member names of choices, 4 MiB of spare vectors, and
/// the working space of the largest document it read (its members and items while they were
/// read).
///
/// ```
/// use bluebutton_model::validate::{Options, Target};
/// let mut validator = Options::new(Target::Served).validator();
/// for line in [
///     &br#"{"resourceType":"Patient","id":"p1","gender":"female"}"#[..],
///     &br#"{"resourceType":"Patient","id":"p2","birthDate":"1970-13"}"#[..],
/// ] {
///     let report = validator.validate_json(line)?;
///     assert_eq!(report, Options::new(Target::Served).validate_json(line)?);
/// }
/// # Ok::<(), bluebutton_model::json::Error>(())
/// ```
pub struct Validator {
    options: Options,
    learned: engine::Learned,
    space: ReadSpace,
}

/// A validator (what it keeps between documents included) goes to other threads and is shared
/// by them like the options it was made from: no build compiles otherwise.
const _: () = {
    fn send_and_sync<T: Send + Sync>() {}
    let _ = send_and_sync::<Validator>;
    let _ = send_and_sync::<Options>;
};

impl Validator {
    /// The options it validates with.
    pub fn options(&self) -> Options {
        self.options
    }

    /// [`Options::validate_json`].
    pub fn validate_json(&mut self, input: &[u8]) -> Result<Report, json::Error> {
        let value = json::value_in(input, &mut self.space)?;
        let mut engine =
            engine::Engine::with_learned(self.options, ValuesFrom::Text, std::mem::take(&mut self.learned));
        let (resource_type, profile) = engine.document(&value);
        self.learned = engine.learned();
        self.space.recycle(value);
        Ok(Report { findings: engine.findings, resource_type, profile, target: self.options.target })
    }

    /// [`Options::validate_reader_with`].
    pub fn validate_reader_with<R, F>(&mut self, reader: R, on_finding: F) -> Result<Outline, Unfinished>
    where
        R: Read,
        F: FnMut(Finding, bool),
    {
        reader_outline_in(ValueStream::new(reader), self, PARALLEL_WINDOW, on_finding)
    }

    /// [`Options::validate_slice_with`].
    pub fn validate_slice_with<F>(&mut self, input: &[u8], on_finding: F) -> Result<Outline, Unfinished>
    where
        F: FnMut(Finding, bool),
    {
        reader_outline_in(ValueStream::for_slice(input), self, PARALLEL_WINDOW, on_finding)
    }
}

/// Validates a typed resource against its profile under the served target.
///
/// ```
/// use bluebutton_model::{json, validate, Resource};
/// let input = br#"{"resourceType":"Patient","id":"p1","maritalStatus":{"text":"married"}}"#;
/// let patient: Resource = json::from_slice(input).unwrap();
/// let report = validate::validate(&patient);
/// // The Blue Button patient profile prohibits maritalStatus (no CCW variable is served there).
/// assert!(report.errors().any(|f| f.location == "Patient.maritalStatus"));
/// ```
pub fn validate(resource: &Resource<'_>) -> Report {
    validate_with(resource, Target::Served)
}

/// Validates a typed resource under `target` ([`Options`] for a [`ProfileChoice`]).
pub fn validate_with(resource: &Resource<'_>, target: Target) -> Report {
    Options::new(target).validate(resource)
}

/// Validates a JSON document under `target` ([`Options`] for a [`ProfileChoice`]).
///
/// `Err` only when the input is not JSON at all (or nests deeper than the parser's limit); a
/// JSON document that is not a valid resource gives a report with error findings (all of them).
pub fn validate_json(input: &[u8], target: Target) -> Result<Report, json::Error> {
    Options::new(target).validate_json(input)
}

/// Validates a parsed JSON document under `target`.
pub fn validate_value(value: &Value<'_>, target: Target) -> Report {
    Options::new(target).validate_value(value)
}

/// The report of `value`, which comes from `values_from`.
fn value_report(value: &Value<'_>, options: Options, values_from: ValuesFrom) -> Report {
    let mut engine = engine::Engine::new(options, values_from);
    let (resource_type, profile) = engine.document(value);
    Report { findings: engine.findings, resource_type, profile, target: options.target }
}

/// Validates the JSON document that `reader` gives under `target`: the same report as
/// [`validate_json`] on the same bytes (the same findings, in the same order), with the input
/// read in bounded memory for a Bundle of any size ([`validate_reader_with`] keeps the
/// findings out of memory too).
///
/// A Bundle (whose `resourceType` comes before its `entry`) is checked as it is read, one
/// entry at a time: memory holds the largest entry and, per entry, the little the Bundle's
/// invariants read (`fullUrl`, the resource's `meta.versionId`, whether there is a `search`,
/// `request` or `response`). Its own members are checked as they come, so one written before
/// `entry` is checked without those written after it; this matters only for a `_name` written
/// before `entry` whose `name` is written after it. Any other document is read whole and
/// checked as [`validate_json`] checks it.
///
/// `Err` when the input is not JSON (the error [`validate_json`] gives), or when it cannot be
/// read ([`json::ErrorKind::Io`]).
///
/// ```
/// use bluebutton_model::validate::{validate_json, validate_reader, Target};
/// let input = br#"{"resourceType": "Bundle", "type": "searchset", "entry": [
///     {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-13"}}]}"#;
/// let report = validate_reader(&input[..], Target::Served).unwrap();
/// assert_eq!(report, validate_json(input, Target::Served).unwrap());
/// assert!(report.errors().any(|f| f.location == "Bundle.entry[0].resource.birthDate"));
/// ```
pub fn validate_reader<R: Read>(reader: R, target: Target) -> Result<Report, json::Error> {
    reader_report(reader, Options::new(target))
}

fn reader_report<R: Read>(reader: R, options: Options) -> Result<Report, json::Error> {
    let mut findings = Vec::new();
    let outline = options.validator().validate_reader_with(reader, |finding, _| findings.push(finding))?;
    outline.amend(&mut findings);
    Ok(Report { findings, resource_type: outline.resource_type, profile: outline.profile, target: options.target })
}

/// What [`validate_reader_with`] returns besides the findings it hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The resource type of the document (empty when it has none).
    pub resource_type: String,
    /// The definition the resource was checked against, when one applied.
    pub profile: Option<&'static str>,
    /// What the resource was checked against.
    pub target: Target,
    /// How many error findings there are.
    pub errors: usize,
    /// How many warnings there are.
    pub warnings: usize,
    /// How many information findings there are.
    pub information: usize,
    /// The final text of the findings that were handed out as provisional, by their number
    /// (from 0, in the order they were handed out).
    pub amended: Vec<(usize, Finding)>,
}

/// The summary line of [`Report`]'s text: `VALID|INVALID <resourceType> (<definition>,
/// <target>): E error(s), W warning(s), I information` (no line break).
impl fmt::Display for Outline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_summary(f, &self.resource_type, self.profile, self.target, [self.errors, self.warnings, self.information])
    }
}

impl Outline {
    /// `true` when there is no error (warnings and information allowed).
    pub fn is_valid(&self) -> bool {
        self.errors == 0
    }

    /// How many findings were handed out.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.information
    }

    /// Gives the findings handed out (all of them, in the order they came) their final text:
    /// the provisional ones that were [`amended`](Outline::amended) are replaced. Panics when
    /// `findings` holds fewer than were handed out.
    pub fn amend(&self, findings: &mut [Finding]) {
        for (i, finding) in &self.amended {
            findings[*i].clone_from(finding);
        }
    }
}

/// Validates like [`validate_reader`], but hands each finding to `on_finding` as it is made
/// instead of keeping it, so that memory stays bounded whatever the number of findings (a
/// large Bundle has about one per kilobyte: its extensions outside the IG).
///
/// The findings come in the order of the report. A finding that is listed once for several
/// occurrences (a check not evaluated here) is only final at the end, when the count is
/// known: it comes with `true` (provisional), and its final text is then in the outline's
/// [`amended`](Outline::amended) when it changed ([`Outline::amend`] puts it in place in the
/// findings kept).
///
/// `Err` as [`validate_reader`] fails, as an [`Unfinished`]: for a Bundle that stops being
/// JSON, or whose input breaks off, after its entries began, with the outline of the findings
/// handed out before (those of the entries read whole).
///
/// ```
/// use bluebutton_model::validate::{validate_reader_with, Severity, Target};
/// let input = br#"{"resourceType": "Bundle", "type": "searchset", "entry": [
///     {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-13"}}]}"#;
/// let mut errors = Vec::new();
/// let outline = validate_reader_with(&input[..], Target::Served, |finding, _provisional| {
///     if finding.severity == Severity::Error {
///         errors.push(finding.location);
///     }
/// })?;
/// assert_eq!(outline.errors, errors.len());
/// assert!(errors.iter().any(|l| l == "Bundle.entry[0].resource.birthDate"));
/// # Ok::<(), bluebutton_model::json::Error>(())
/// ```
pub fn validate_reader_with<R, F>(reader: R, target: Target, on_finding: F) -> Result<Outline, Unfinished>
where
    R: Read,
    F: FnMut(Finding, bool),
{
    Options::new(target).validator().validate_reader_with(reader, on_finding)
}

/// A document that [`validate_reader_with`] could not read to its end: the error that ends it
/// (it stops being JSON, or its input broke off: [`json::ErrorKind::Io`]), and, for a Bundle
/// checked as it was read, the outline of the findings handed out before it.
///
/// Those findings stand (each entry read whole was checked whole), and the outline's
/// [`amended`](Outline::amended) gives the final text of the provisional ones, counted up to
/// the error. What only the whole document could show (the Bundle's own cardinalities and
/// invariants) was not checked. Converts into its [`json::Error`] (`?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    /// Why the document could not be read on.
    pub error: json::Error,
    /// The findings handed out before the error: `None` when the document was not being
    /// checked as it was read (then none was handed out).
    pub before: Option<Outline>,
}

impl From<json::Error> for Unfinished {
    fn from(error: json::Error) -> Self {
        Unfinished { error, before: None }
    }
}

impl From<Unfinished> for json::Error {
    fn from(unfinished: Unfinished) -> Self {
        unfinished.error
    }
}

impl fmt::Display for Unfinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Unfinished {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// What [`Validator::validate_reader_with`] does, with `stream`, and with a window of `window`
/// bytes (at least) once the entries are walked on several threads.
fn reader_outline_in<R, F>(
    mut stream: ValueStream<R>,
    validator: &mut Validator,
    window: usize,
    on_finding: F,
) -> Result<Outline, Unfinished>
where
    R: Read,
    F: FnMut(Finding, bool),
{
    let options = validator.options;
    let target = options.target;
    let threads = thread_count(options.threads);
    let mut out = HandOut { on_finding, counts: [0; 3] };
    // The values are read in the validator's space (each entry, once walked, is recycled into
    // it). The members before the entries: read until the resource type says whether this is
    // a Bundle (the whole input is kept meanwhile, to be read whole when it is not).
    let mut members: Vec<(Cow<'static, str>, Value<'static>)> = Vec::new();
    loop {
        match stream.next_unit(&mut validator.space) {
            Some(Ok(Unit::Member { key, value })) => {
                let first_type = key == "resourceType" && !members.iter().any(|(k, _)| k == "resourceType");
                let bundle = matches!(&value, Value::String(t) if t == "Bundle");
                members.push((Cow::Owned(key), value.into_owned()));
                if first_type && bundle && engine::Engine::streamable(options, "Bundle", "entry") {
                    stream.release();
                    break;
                }
                if first_type {
                    return validate_whole(stream, validator, out);
                }
            }
            Some(Err(e)) if matches!(e.kind(), json::ErrorKind::Io(_)) => return Err(e.into()),
            // Not an object, not JSON, the entries before the resource type, or no resource
            // type at all: as a whole, to give exactly what `validate_json` gives.
            _ => return validate_whole(stream, validator, out),
        }
    }
    let learned = std::mem::take(&mut validator.learned);
    let mut engine = engine::Engine::with_learned(options, ValuesFrom::Text, learned);
    let mut document = None;
    let mut entries: Vec<Value<'static>> = Vec::new();
    // How the entries are walked on the threads, while they are being read.
    let mut parallel: Option<EntryWalk> = None;
    let spares: Spares = Mutex::new(Vec::new());
    loop {
        if let (Some(walk), Some(document)) = (&parallel, &mut document) {
            let mut taken = Taken { engine: &mut engine, document, entries: &mut entries, out: &mut out };
            if entries_on_threads(&mut stream, walk, threads, &spares, &mut taken) {
                continue;
            }
        }
        let Some(unit) = stream.next_unit(&mut validator.space) else { break };
        let unit = match unit {
            Ok(unit) => unit,
            Err(error) => return Err(unfinished(error, engine, document.as_ref(), out, target)),
        };
        match unit {
            Unit::Member { key, value } => {
                members.push((Cow::Owned(key), value.into_owned()));
                if let Some(document) = &mut document {
                    engine.streamed_member(document, &members, members.len() - 1);
                }
            }
            Unit::EntriesStart => {
                let document = document.insert(engine.begin_streamed("Bundle", &members));
                engine.begin_streamed_values(document, "entry");
                parallel = engine.entry_walk(document).filter(|_| threads > 1);
                if parallel.is_some() {
                    stream.grow_window(window);
                }
            }
            Unit::Entry { index, value } => {
                if let Some(document) = &mut document {
                    engine.streamed_value(document, index, &value);
                }
                entries.push(invariants::bundle_entry_view(&value));
                validator.space.recycle(value);
            }
            Unit::EntriesEnd => {
                parallel = None;
                if let Some(document) = &mut document {
                    engine.end_streamed_values(document);
                }
                members.push((Cow::Borrowed("entry"), Value::Array(std::mem::take(&mut entries))));
            }
        }
        for (finding, provisional) in engine.take_findings() {
            out.give(finding, provisional);
        }
    }
    let document = match document {
        Some(document) => document,
        None => engine.begin_streamed("Bundle", &members),
    };
    let (resource_type, profile) = engine.end_streamed(document, &members);
    for (finding, provisional) in engine.take_findings() {
        out.give(finding, provisional);
    }
    validator.learned = engine.learned();
    Ok(out.outline(resource_type, profile, target, engine.amended))
}

/// What a streamed Bundle that ends with `error` gives: the outline of the findings handed
/// out before it, their notes counted up to there, when the document was being checked.
fn unfinished<F: FnMut(Finding, bool)>(
    error: json::Error,
    mut engine: engine::Engine,
    document: Option<&engine::StreamedDocument>,
    mut out: HandOut<F>,
    target: Target,
) -> Unfinished {
    let Some(document) = document else { return error.into() };
    let (resource_type, profile) = engine.end_unfinished(document);
    for (finding, provisional) in engine.take_findings() {
        out.give(finding, provisional);
    }
    Unfinished { error, before: Some(out.outline(resource_type, profile, target, engine.amended)) }
}

/// The window of a Bundle read as a stream whose entries are walked on several threads: the
/// entries it holds whole are shared by the threads.
const PARALLEL_WINDOW: usize = 8 << 20;

/// How many bytes of entries the threads walk at a time: this thread finds the next ones
/// meanwhile.
const BATCH: usize = 1 << 20;

/// What the entries walked on the threads go to, in order.
struct Taken<'t, F> {
    engine: &'t mut engine::Engine,
    document: &'t mut engine::StreamedDocument,
    /// What the Bundle's invariants read of each entry.
    entries: &'t mut Vec<Value<'static>>,
    out: &'t mut HandOut<F>,
}

impl<F: FnMut(Finding, bool)> Taken<'_, F> {
    /// Takes the findings of entries walked on the threads, in order, and hands them out.
    fn take(&mut self, walked: Vec<Walked>) {
        for (part, view) in walked {
            self.engine.merge_entry(self.document, part);
            self.entries.push(view);
            for (finding, provisional) in self.engine.take_findings() {
                self.out.give(finding, provisional);
            }
        }
    }
}

/// The engines of the threads, and their read spaces, kept between pieces.
type Spares = Mutex<Vec<(engine::Engine, ReadSpace)>>;

/// An entry walked on a thread: what its engine found, and what the Bundle's invariants read of
/// it.
type Walked = (EntryPart, Value<'static>);

/// Walks the entries that `stream`'s window holds whole on `threads` threads, each in an
/// engine of its own, window after window, and takes their findings in order, as the walk of
/// one entry after the other would have made them. This thread takes the findings of a
/// window's entries, and finds the entries of the next, while the threads walk the entries of
/// the window. Whether it took any: not when the next entry is not whole in the window (or not
/// JSON), which the stream then reads as a unit.
fn entries_on_threads<R: Read, F: FnMut(Finding, bool)>(
    stream: &mut ValueStream<R>,
    walk: &EntryWalk,
    threads: usize,
    spares: &Spares,
    taken: &mut Taken<'_, F>,
) -> bool {
    let mut any = false;
    // Walked, not taken yet.
    let mut pending: Vec<Walked> = Vec::new();
    let mut next = stream.whole_entries(BATCH);
    while !next.is_empty() {
        let found = std::mem::take(&mut next);
        let (window, parse) = stream.window();
        // Pieces of a few entries each, that the threads take in turn.
        let pieces: Vec<&[WholeEntry]> = found.chunks(found.len().div_ceil(threads * 4)).collect();
        let last = found[found.len() - 1];
        let (walked, after) = in_pieces_while(
            pieces.len(),
            threads,
            |i| {
                // The engines (and their caches) go from piece to piece, window to window.
                let spare = spares.lock().map_or(None, |mut spares| spares.pop());
                let (mut engine, mut space) = spare.unwrap_or_else(|| (walk.engine(), ReadSpace::default()));
                let mut walked = Vec::with_capacity(pieces[i].len());
                for &entry in pieces[i] {
                    // An entry that is not JSON ends the piece: the stream reads it, and says why.
                    let Some(value) = parse_whole_entry(window, parse, entry, &mut space) else { break };
                    walked.push((engine.walk_entry(walk, entry.index, &value), invariants::bundle_entry_view(&value)));
                    space.recycle(value);
                }
                if let Ok(mut spares) = spares.lock() {
                    spares.push((engine, space));
                }
                walked
            },
            || {
                taken.take(std::mem::take(&mut pending));
                stream.whole_entries_after(last, BATCH)
            },
        );
        let mut count = 0;
        for (piece, walked) in pieces.iter().zip(walked) {
            let whole = walked.len() == piece.len();
            count += walked.len();
            pending.extend(walked);
            if !whole {
                break;
            }
        }
        if count > 0 {
            stream.consume_entries(count, found[count - 1]);
            any = true;
        }
        if count == found.len() && !after.is_empty() {
            next = after;
        } else if count == found.len() {
            next = stream.whole_entries(BATCH);
        }
    }
    taken.take(pending);
    any
}

/// Hands findings out, counting them by severity.
struct HandOut<F> {
    on_finding: F,
    counts: [usize; 3],
}

impl<F: FnMut(Finding, bool)> HandOut<F> {
    fn give(&mut self, finding: Finding, provisional: bool) {
        let severity = match finding.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Information => 2,
        };
        self.counts[severity] += 1;
        (self.on_finding)(finding, provisional);
    }

    fn outline(
        self,
        resource_type: String,
        profile: Option<&'static str>,
        target: Target,
        amended: Vec<(usize, Finding)>,
    ) -> Outline {
        let [errors, warnings, information] = self.counts;
        Outline { resource_type, profile, target, errors, warnings, information, amended }
    }
}

/// Reads the rest of `stream` (which has kept all its input) and validates the whole document.
fn validate_whole<R: Read, F: FnMut(Finding, bool)>(
    stream: ValueStream<R>,
    validator: &mut Validator,
    mut out: HandOut<F>,
) -> Result<Outline, Unfinished> {
    let input = stream.into_input()?;
    let report = validator.validate_json(&input)?;
    for finding in report.findings {
        out.give(finding, false);
    }
    Ok(out.outline(report.resource_type, report.profile, validator.options.target, Vec::new()))
}

/// Panics, with the readable report, when `input` is not JSON or has an error-level finding
/// under the served target. For tests: the panic is located at the caller's line
/// (`#[track_caller]`); [`assert_valid_named`] names the input too.
///
/// ```
/// bluebutton_model::validate::assert_valid(br#"{"resourceType":"Bundle","type":"searchset","total":0}"#);
/// ```
#[track_caller]
pub fn assert_valid(input: &[u8]) {
    check_valid(None, input);
}

/// [`assert_valid`] for an input called `name` (a file name, a test case): the panic message
/// begins `<name> is not valid (` (or `<name> is not JSON: `), then the errors, then the full
/// report. Located at the caller's line (`#[track_caller]`).
///
/// ```should_panic
/// // Panics with "patient.json is not valid (Patient, 1 error(s), served target):" and the error.
/// bluebutton_model::validate::assert_valid_named(
///     "patient.json",
///     br#"{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-13"}"#,
/// );
/// ```
#[track_caller]
pub fn assert_valid_named(name: &str, input: &[u8]) {
    check_valid(Some(name), input);
}

#[track_caller]
fn check_valid(name: Option<&str>, input: &[u8]) {
    let report = match validate_json(input, Target::Served) {
        Ok(report) => report,
        Err(e) => panic!("{} is not JSON: {e}", name.unwrap_or("the document")),
    };
    if report.is_valid() {
        return;
    }
    let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
    let resource = if report.resource_type.is_empty() { "no resourceType" } else { &report.resource_type };
    let (name, what) = match name {
        Some(name) => (name, format!("{resource}, ")),
        None if report.resource_type.is_empty() => ("the document", String::new()),
        None => (resource, String::new()),
    };
    panic!(
        "{name} is not valid ({what}{} error(s), served target):\n{}\n\nfull report:\n{report}",
        errors.len(),
        errors.join("\n")
    );
}

#[cfg(all(test, feature = "synth"))]
mod tests {
    use super::*;
    use crate::synth::{self, Layout};

    /// The findings handed out (with whether each was provisional), the outline or the error
    /// (with the outline of the findings before it).
    type Run = (Vec<(Finding, bool)>, Result<Outline, (String, Option<Outline>)>);

    fn run(doc: &[u8], options: Options, window: usize) -> Run {
        let mut findings = Vec::new();
        let outline = reader_outline_in(ValueStream::new(doc), &mut options.validator(), window, |f, provisional| {
            findings.push((f, provisional))
        });
        let outline = outline.map_err(|Unfinished { error: e, before }| {
            (format!("{e} at {} {:?}", e.offset(), e.line_column()), before)
        });
        (findings, outline)
    }

    /// A ReferralRequest whose rfr-1 cannot be evaluated here (a note, listed once per report
    /// with its count).
    const REFERRAL: &str = r#"{"resource":{"resourceType":"ReferralRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"requester":{"agent":{"reference":"Practitioner/1"},"onBehalfOf":{"reference":"Organization/1"}}}}"#;

    /// Generated claims with, every few entries, one that gives a note, an error or a second
    /// note; `broken` puts an entry that is not JSON (but whose brackets balance) in the middle.
    fn bundle(seed: u64, broken: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let options = synth::Options { seed, patients: 3, claims_per_patient: 6, ..synth::Options::default() };
        synth::write_searchset(&mut out, &options, Layout::Compact).unwrap();
        let mut doc = json::from_slice::<Value>(&out).unwrap().into_owned();
        let Value::Object(members) = &mut doc else { panic!("not an object") };
        let Some((_, Value::Array(entries))) = members.iter_mut().find(|(k, _)| k == "entry") else { panic!() };
        let parse = |text: &str| json::from_slice::<Value>(text.as_bytes()).unwrap().into_owned();
        let mut mixed = Vec::new();
        let n = entries.len();
        for (i, entry) in std::mem::take(entries).into_iter().enumerate() {
            mixed.push(entry);
            match i % 7 {
                2 => mixed.push(parse(REFERRAL)),
                4 => mixed.push(parse(r#"{"resource":{"resourceType":"Widget","id":"w"}}"#)),
                5 => mixed.push(parse(r#"{"resource":{"resourceType":"Patient","id":"p","birthDate":"1970-13"}}"#)),
                _ => {}
            }
            if broken && i == n / 2 {
                mixed.push(parse(r#"{"resource":{"resourceType":"MARKER"}}"#));
            }
        }
        *entries = mixed;
        let mut w = json::Writer::compact();
        doc.write(&mut w);
        let text = w.into_string().replace(r#"{"resourceType":"MARKER"}"#, r#"{"resourceType":"Patient","id":tru}"#);
        text.into_bytes()
    }

    #[test]
    fn a_validator_skips_in_one_document_the_values_walked_clean_in_another() {
        let claim = crate::synth::claim(3, crate::claim_type::ClaimType::Carrier);
        let line = Resource::ExplanationOfBenefit(Box::new(claim)).to_json_string();
        let mut validator = Options::new(Target::Served).validator();
        let first = validator.validate_json(line.as_bytes()).unwrap();
        let hits = validator.learned.memo_hits();
        let second = validator.validate_json(line.as_bytes()).unwrap();
        let more = validator.learned.memo_hits() - hits;
        assert_eq!(first, second);
        // The second time, each Coding and CodeableConcept the first walked clean is skipped.
        assert!(more > hits + 20, "{hits} values skipped in the first document, {more} in the second");
    }

    #[test]
    fn entries_walked_on_threads_give_the_findings_of_one_thread() {
        for (seed, broken) in [(1, false), (2, true)] {
            let doc = bundle(seed, broken);
            assert!(doc.len() > 200_000, "{} bytes", doc.len());
            let options = Options::new(Target::Served);
            let expected = run(&doc, options, PARALLEL_WINDOW);
            assert_eq!(expected.1.is_err(), broken, "{:?}", expected.1);
            let notes = expected.0.iter().filter(|(f, _)| f.rule == "not-evaluated").count();
            assert!(broken || (notes == 1 && expected.0.len() > 100), "{notes} notes, {} findings", expected.0.len());
            // Windows that hold a few entries, or none whole (then read one by one).
            for (threads, window) in [(2, 1 << 20), (3, 64 << 10), (4, 4096), (2, 100)] {
                let parallel = run(&doc, options.threads(threads), window);
                assert_eq!(parallel.1, expected.1, "{threads} threads, window {window}: the outline");
                assert_eq!(parallel.0.len(), expected.0.len(), "{threads} threads, window {window}");
                for (i, (p, e)) in parallel.0.iter().zip(&expected.0).enumerate() {
                    assert_eq!(p, e, "{threads} threads, window {window}: finding {i}");
                }
            }
        }
    }
}
