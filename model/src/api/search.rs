//! Typed search requests of the v1 API — `ExplanationOfBenefit`, `Patient` and `Coverage` —
//! built into query strings and parsed back with the server's rules and error texts.
//!
//! # What the v1 server accepts
//!
//! A v1 request passes two servers. The front, CMSgov/bluebutton-web-server
//! (`apps/fhir/bluebutton/views/search.py`, `views/generic.py`, `constants.py`), checks the query
//! with a schema, answers `400 {"detail": "<message>"}` when a check fails, drops every parameter
//! its schema does not name, and sets the resource's own parameter from the access token. The
//! backend, CMSgov/beneficiary-fhir-data (`bfd-server-war`, STU3 providers on HAPI FHIR), then
//! runs the search; its `400`s come back through the front as
//! `{"detail": "An error occurred contacting the upstream server:<message>"}`
//! (`apps/fhir/bluebutton/exceptions.py`).
//!
//! | parameter | resources | what is accepted |
//! | --- | --- | --- |
//! | `patient` | EOB | a Patient id; the backend reads a reference (`-20140000008325` or `Patient/-20140000008325`); the front always sends the plain id of the token's patient, as the backend's own paging links do (`patient=567834`) |
//! | `beneficiary` | Coverage | a Patient reference; the front sends `Patient/<id>` |
//! | `_id` | Patient | the Patient id |
//! | `type` | EOB | claim types, comma-separated, case-insensitive, each optionally prefixed by the `eob-type` system and `\|`; the system alone means every type |
//! | `_lastUpdated` | all | `lt`, `le`, `gt` or `ge` and a date or dateTime; repeated for a range |
//! | `service-date` | EOB | as `_lastUpdated` |
//! | `_count` | all | 0 to 50 (the front's default is 10); `count` is taken as `_count` |
//! | `startIndex` | all | an offset, not negative |
//! | `_format` | all | `json`, `application/json`, `application/fhir+json`, `application/json+fhir` (the front replaces it with `application/json+fhir`) |
//!
//! The backend also reads `excludeSAMHSA`, `includeTaxNumbers` (EOB), `identifier`,
//! `_has:Coverage…` and `cursor` (Patient), but the front removes them, so they are not part of the
//! public v1 API and not modelled here. Unknown parameters are ignored when parsing, as the front
//! ignores them.
//!
//! # Parsing
//!
//! [`ExplanationOfBenefitSearch::parse`] and its siblings apply the checks in the order the two
//! servers do and fail with a [`QueryError`] whose `Display` is the server's message, word for
//! word; [`QueryError::detail`] gives the `detail` text of the v1 error body. A parameter given
//! several times counts once, with its last value, as the front reads it (`QueryDict.dict()`);
//! `_lastUpdated` and `service-date` keep every value.
//!
//! `type` is read strictly: every comma-separated item must be a claim type (any case), the
//! system and `|` and a claim type, or the system and `|` alone. The front's own pattern is
//! looser — it also lets through codes run together (`carrierpde`), spaces and empty items, which
//! the backend then ignores as unknown codes — so those are refused here, with the front's text,
//! rather than given a meaning the backend would not give them. The system is compared exactly,
//! as the backend compares it.
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::claim_type::{ClaimType, EOB_TYPE_SYSTEM};
use crate::primitives::{DateTime, Id, PrimitiveError};

/// The page size the front server uses when a request has no `_count`
/// (`DEFAULT_PAGE_SIZE`, bluebutton-web-server `apps/fhir/bluebutton/constants.py`).
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// The largest `_count` the front server accepts (`MAX_PAGE_SIZE`, same file).
pub const MAX_PAGE_SIZE: u32 = 50;

/// The largest `startIndex` the backend reads (a Java `int`).
pub const MAX_START_INDEX: u32 = i32::MAX as u32;

/// The text before the backend's message in the front's `detail`
/// (bluebutton-web-server `apps/fhir/bluebutton/exceptions.py`).
pub const UPSTREAM_DETAIL_PREFIX: &str = "An error occurred contacting the upstream server:";

/// The comparison prefix of a date search value (`ge2020-01-01`). The v1 front accepts exactly
/// these four, in lower case; a value without one (or with `eq`, `ne`, …) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatePrefix {
    /// `lt`: before the value (an upper bound).
    Lt,
    /// `le`: before or within the value (an upper bound).
    Le,
    /// `gt`: after the value (a lower bound).
    Gt,
    /// `ge`: within or after the value (a lower bound).
    Ge,
}

impl DatePrefix {
    /// Every prefix.
    pub const ALL: [DatePrefix; 4] = [DatePrefix::Lt, DatePrefix::Le, DatePrefix::Gt, DatePrefix::Ge];

    /// The prefix as written in the query (`lt`, `le`, `gt`, `ge`).
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrefix::Lt => "lt",
            DatePrefix::Le => "le",
            DatePrefix::Gt => "gt",
            DatePrefix::Ge => "ge",
        }
    }

    /// Whether the prefix starts a range (`gt`, `ge`) rather than ending it (`lt`, `le`).
    pub fn is_lower_bound(self) -> bool {
        matches!(self, DatePrefix::Gt | DatePrefix::Ge)
    }

    /// Splits a search value into its prefix and the rest, as the front's check
    /// `^((lt)|(le)|(gt)|(ge)).+` does: the rest must hold at least one character (not a line
    /// break).
    fn split(text: &str) -> Option<(DatePrefix, &str)> {
        DatePrefix::ALL.into_iter().find_map(|p| {
            let rest = text.strip_prefix(p.as_str())?;
            (!rest.is_empty() && !rest.starts_with('\n')).then_some((p, rest))
        })
    }
}

impl fmt::Display for DatePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value of a date search parameter: a prefix and a FHIR `date` or `dateTime`
/// (`ge2020-01-01`, `lt2021-01-01T00:00:00+00:00`). A range is two of them, one lower and one
/// upper bound.
///
/// ```
/// use bluebutton_model::api::{DateParam, DatePrefix};
/// let p = DateParam::ge("2020-01-01").unwrap();
/// assert_eq!(p.prefix(), DatePrefix::Ge);
/// assert_eq!(p.to_string(), "ge2020-01-01");
/// assert!(DateParam::lt("2020-13-01").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateParam {
    prefix: DatePrefix,
    value: DateTime<'static>,
}

impl DateParam {
    /// A value with `prefix`; `value` must be a FHIR `date` or `dateTime` (`2020`, `2020-01`,
    /// `2020-01-31`, `2020-01-31T10:00:00Z`).
    ///
    /// # Errors
    ///
    /// A [`PrimitiveError`] when `value` is not a valid `dateTime`.
    pub fn new(prefix: DatePrefix, value: &str) -> Result<Self, PrimitiveError> {
        Ok(DateParam { prefix, value: DateTime::new(value)?.into_owned() })
    }

    /// `lt` and `value`.
    ///
    /// # Errors
    ///
    /// As [`DateParam::new`].
    pub fn lt(value: &str) -> Result<Self, PrimitiveError> {
        Self::new(DatePrefix::Lt, value)
    }

    /// `le` and `value`.
    ///
    /// # Errors
    ///
    /// As [`DateParam::new`].
    pub fn le(value: &str) -> Result<Self, PrimitiveError> {
        Self::new(DatePrefix::Le, value)
    }

    /// `gt` and `value`.
    ///
    /// # Errors
    ///
    /// As [`DateParam::new`].
    pub fn gt(value: &str) -> Result<Self, PrimitiveError> {
        Self::new(DatePrefix::Gt, value)
    }

    /// `ge` and `value`.
    ///
    /// # Errors
    ///
    /// As [`DateParam::new`].
    pub fn ge(value: &str) -> Result<Self, PrimitiveError> {
        Self::new(DatePrefix::Ge, value)
    }

    /// The prefix.
    pub fn prefix(&self) -> DatePrefix {
        self.prefix
    }

    /// The date or date-time, exactly as given.
    pub fn value(&self) -> &DateTime<'static> {
        &self.value
    }
}

impl fmt::Display for DateParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefix, self.value)
    }
}

/// A `_format` value. The v1 API answers in JSON only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `json`
    Json,
    /// `application/json`
    ApplicationJson,
    /// `application/fhir+json` (the STU3 MIME type)
    FhirJson,
    /// `application/json+fhir` (the DSTU2 MIME type, which the front server sends on)
    JsonFhir,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Json, Format::ApplicationJson, Format::FhirJson, Format::JsonFhir];

    /// The value as written in the query.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::ApplicationJson => "application/json",
            Format::FhirJson => "application/fhir+json",
            Format::JsonFhir => "application/json+fhir",
        }
    }

    /// The format written exactly as `value`.
    pub fn from_value(value: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == value)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which server a [`QueryError`] reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The front, CMSgov/bluebutton-web-server: its schema check answers
    /// `400 {"detail": "<message>"}`.
    Front,
    /// The backend, CMSgov/beneficiary-fhir-data and the HAPI FHIR library it runs on: a `400`
    /// whose diagnostics the front passes on after [`UPSTREAM_DETAIL_PREFIX`].
    Backend,
    /// This library: the servers have no message of their own for it (the front drops the
    /// parameter, or the backend's message comes from HAPI's date parser and is not reproduced).
    Library,
}

/// A query that the v1 server refuses, or that this library cannot represent.
///
/// `Display` is the server's message, word for word, for the [`Origin::Front`] and
/// [`Origin::Backend`] errors; where each text comes from is given on its variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// `type` is not a list of claim types: "the type parameter value is not valid"
    /// (bluebutton-web-server `apps/fhir/bluebutton/views/search.py`, `SearchViewExplanationOfBenefit`).
    InvalidType {
        /// The value as received.
        value: String,
    },
    /// A `_lastUpdated` value without `lt`, `le`, `gt` or `ge`: "the _lastUpdated operator is not
    /// valid" (bluebutton-web-server `apps/fhir/bluebutton/views/search.py`, `SearchView`).
    InvalidLastUpdatedOperator {
        /// The value as received.
        value: String,
    },
    /// A `service-date` value without `lt`, `le`, `gt` or `ge`: "the service-date operator is not
    /// valid" (bluebutton-web-server `apps/fhir/bluebutton/views/search.py`,
    /// `SearchViewExplanationOfBenefit`).
    InvalidServiceDateOperator {
        /// The value as received.
        value: String,
    },
    /// `_count` (or `count`) or `startIndex` is not an integer: "expected int" (the front's
    /// schema `Coerce(int)`; the text is voluptuous' `Coerce`, alecthomas/voluptuous
    /// `voluptuous/validators.py`).
    NotAnInteger {
        /// `_count` or `startIndex`.
        param: &'static str,
        /// The value as received.
        value: String,
    },
    /// `_count` below 0: "value must be at least 0" (the front's `Range(min=0, max=MAX_PAGE_SIZE)`;
    /// voluptuous `Range`, `voluptuous/validators.py`).
    CountTooSmall {
        /// The value as received.
        value: String,
    },
    /// `_count` above 50: "value must be at most 50" (as [`QueryError::CountTooSmall`]).
    CountTooLarge {
        /// The value as received.
        value: String,
    },
    /// A negative `startIndex`: "Value for startIndex cannot be negative: -1"
    /// (beneficiary-fhir-data `apps/bfd-server/bfd-server-war/src/main/java/gov/cms/bfd/server/war/commons/OffsetLinkBuilder.java`).
    NegativeStartIndex {
        /// The value, as the front passes it on.
        start_index: i64,
    },
    /// A `startIndex` beyond a Java `int`: "Invalid argument in request URL: startIndex must be a
    /// number." (same file).
    StartIndexNotANumber {
        /// The value as received.
        value: String,
    },
    /// Two lower bounds (`gt`/`ge`) for one date parameter: "Can not have multiple date range
    /// parameters for the same param that specify a lower bound" (hapifhir/hapi-fhir
    /// `hapi-fhir-base/src/main/java/ca/uhn/fhir/rest/param/DateRangeParam.java`; newer HAPI
    /// versions put a code such as `HAPI-1923: ` in front).
    MultipleLowerBounds {
        /// `_lastUpdated` or `service-date`.
        param: &'static str,
    },
    /// Two upper bounds (`lt`/`le`) for one date parameter: "Can not have multiple date range
    /// parameters for the same param that specify an upper bound" (same file).
    MultipleUpperBounds {
        /// `_lastUpdated` or `service-date`.
        param: &'static str,
    },
    /// A date parameter whose value after the prefix is not a FHIR `date` or `dateTime`. The
    /// backend refuses it through HAPI's date parser; that message is not reproduced.
    InvalidDate {
        /// `_lastUpdated` or `service-date`.
        param: &'static str,
        /// The value as received, prefix included.
        value: String,
        /// Why the date is not valid.
        error: PrimitiveError,
    },
    /// `patient`, `beneficiary` or `_id` is not a FHIR id (the front replaces these parameters with
    /// the token's patient, so it has no message for them).
    InvalidId {
        /// The parameter.
        param: &'static str,
        /// The value as received.
        value: String,
        /// Why it is not an id.
        error: PrimitiveError,
    },
    /// A `_format` other than the JSON ones of [`Format`] (the front drops `_format`).
    UnsupportedFormat {
        /// The value as received.
        value: String,
    },
}

impl QueryError {
    /// Which server the error reproduces.
    pub fn origin(&self) -> Origin {
        match self {
            QueryError::InvalidType { .. }
            | QueryError::InvalidLastUpdatedOperator { .. }
            | QueryError::InvalidServiceDateOperator { .. }
            | QueryError::NotAnInteger { .. }
            | QueryError::CountTooSmall { .. }
            | QueryError::CountTooLarge { .. } => Origin::Front,
            QueryError::NegativeStartIndex { .. }
            | QueryError::StartIndexNotANumber { .. }
            | QueryError::MultipleLowerBounds { .. }
            | QueryError::MultipleUpperBounds { .. } => Origin::Backend,
            QueryError::InvalidDate { .. } | QueryError::InvalidId { .. } | QueryError::UnsupportedFormat { .. } => {
                Origin::Library
            }
        }
    }

    /// The `detail` of the v1 error body the server answers with: the message itself for the
    /// front's errors, the message after [`UPSTREAM_DETAIL_PREFIX`] for the backend's; `None`
    /// for [`Origin::Library`].
    pub fn detail(&self) -> Option<String> {
        match self.origin() {
            Origin::Front => Some(self.to_string()),
            Origin::Backend => Some(format!("{UPSTREAM_DETAIL_PREFIX}{self}")),
            Origin::Library => None,
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::InvalidType { .. } => f.write_str("the type parameter value is not valid"),
            QueryError::InvalidLastUpdatedOperator { .. } => f.write_str("the _lastUpdated operator is not valid"),
            QueryError::InvalidServiceDateOperator { .. } => f.write_str("the service-date operator is not valid"),
            QueryError::NotAnInteger { .. } => f.write_str("expected int"),
            QueryError::CountTooSmall { .. } => f.write_str("value must be at least 0"),
            QueryError::CountTooLarge { .. } => write!(f, "value must be at most {MAX_PAGE_SIZE}"),
            QueryError::NegativeStartIndex { start_index } => {
                write!(f, "Value for startIndex cannot be negative: {start_index}")
            }
            QueryError::StartIndexNotANumber { .. } => {
                f.write_str("Invalid argument in request URL: startIndex must be a number.")
            }
            QueryError::MultipleLowerBounds { .. } => {
                f.write_str("Can not have multiple date range parameters for the same param that specify a lower bound")
            }
            QueryError::MultipleUpperBounds { .. } => f.write_str(
                "Can not have multiple date range parameters for the same param that specify an upper bound",
            ),
            QueryError::InvalidDate { param, value, error } => {
                write!(f, "{param} value `{value}` is not a FHIR date or dateTime after its prefix: {error}")
            }
            QueryError::InvalidId { param, value, error } => {
                write!(f, "{param} value `{value}` is not a FHIR id: {error}")
            }
            QueryError::UnsupportedFormat { value } => write!(
                f,
                "_format `{value}` is not supported: the v1 API answers in JSON \
                 (json, application/json, application/fhir+json, application/json+fhir)"
            ),
        }
    }
}

impl std::error::Error for QueryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            QueryError::InvalidDate { error, .. } | QueryError::InvalidId { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A request that cannot be written because a value is outside what the server accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// `_count` above [`MAX_PAGE_SIZE`].
    CountOutOfRange {
        /// The page size asked for.
        count: u32,
    },
    /// `startIndex` above [`MAX_START_INDEX`].
    StartIndexOutOfRange {
        /// The offset asked for.
        start_index: u32,
    },
    /// `patient`, `beneficiary` or `_id` is not a FHIR id.
    InvalidId {
        /// The parameter.
        param: &'static str,
        /// The id given.
        value: String,
        /// Why it is not an id.
        error: PrimitiveError,
    },
    /// Two lower bounds (`gt`/`ge`) for one date parameter; the server allows one.
    MultipleLowerBounds {
        /// `_lastUpdated` or `service-date`.
        param: &'static str,
    },
    /// Two upper bounds (`lt`/`le`) for one date parameter; the server allows one.
    MultipleUpperBounds {
        /// `_lastUpdated` or `service-date`.
        param: &'static str,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::CountOutOfRange { count } => {
                write!(f, "_count must be between 0 and {MAX_PAGE_SIZE}, found {count}")
            }
            BuildError::StartIndexOutOfRange { start_index } => {
                write!(f, "startIndex must be at most {MAX_START_INDEX}, found {start_index}")
            }
            BuildError::InvalidId { param, value, error } => write!(f, "{param} `{value}` is not a FHIR id: {error}"),
            BuildError::MultipleLowerBounds { param } => {
                write!(f, "{param} has more than one lower bound (gt/ge); the server accepts one")
            }
            BuildError::MultipleUpperBounds { param } => {
                write!(f, "{param} has more than one upper bound (lt/le); the server accepts one")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::InvalidId { error, .. } => Some(error),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// The `application/x-www-form-urlencoded` query being written.
struct Writer(form_urlencoded::Serializer<'static, String>);

impl Writer {
    fn new() -> Self {
        Writer(form_urlencoded::Serializer::new(String::new()))
    }

    fn pair(&mut self, name: &str, value: &str) {
        self.0.append_pair(name, value);
    }

    fn dates(&mut self, name: &str, dates: &[DateParam]) {
        for d in dates {
            self.pair(name, &d.to_string());
        }
    }

    fn paging(&mut self, count: Option<u32>, start_index: Option<u32>, format: Option<Format>) {
        if let Some(n) = count {
            self.pair("_count", &n.to_string());
        }
        if let Some(n) = start_index {
            self.pair("startIndex", &n.to_string());
        }
        if let Some(f) = format {
            self.pair("_format", f.as_str());
        }
    }

    fn finish(mut self) -> String {
        self.0.finish()
    }
}

fn url_of(base: &str, resource: &str, query: &str) -> String {
    let base = base.trim_end_matches('/');
    if query.is_empty() {
        format!("{base}/{resource}")
    } else {
        format!("{base}/{resource}?{query}")
    }
}

fn check_id(param: &'static str, id: Option<&str>) -> Result<(), BuildError> {
    match id {
        Some(value) => {
            Id::new(value).map(|_| ()).map_err(|error| BuildError::InvalidId { param, value: value.to_owned(), error })
        }
        None => Ok(()),
    }
}

fn check_bounds(param: &'static str, dates: &[DateParam]) -> Result<(), BuildError> {
    let lower = dates.iter().filter(|d| d.prefix.is_lower_bound()).count();
    if lower > 1 {
        return Err(BuildError::MultipleLowerBounds { param });
    }
    if dates.len() - lower > 1 {
        return Err(BuildError::MultipleUpperBounds { param });
    }
    Ok(())
}

fn check_paging(count: Option<u32>, start_index: Option<u32>) -> Result<(), BuildError> {
    if let Some(count) = count.filter(|&n| n > MAX_PAGE_SIZE) {
        return Err(BuildError::CountOutOfRange { count });
    }
    if let Some(start_index) = start_index.filter(|&n| n > MAX_START_INDEX) {
        return Err(BuildError::StartIndexOutOfRange { start_index });
    }
    Ok(())
}

/// A `Patient/` prefix dropped, so a reference can be given where an id is expected.
fn strip_patient(id: String) -> String {
    match id.strip_prefix("Patient/") {
        Some(rest) => rest.to_owned(),
        None => id,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// The query as the front server reads it: decoded `(name, value)` pairs in order.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        let query = query.strip_prefix('?').unwrap_or(query);
        Query(form_urlencoded::parse(query.as_bytes()).into_owned().collect())
    }

    fn from_pairs<I, K, V>(pairs: I) -> Query
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Query(pairs.into_iter().map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())).collect())
    }

    /// The last value of `name` (`QueryDict.dict()` keeps the last one).
    fn last(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn all<'q>(&'q self, name: &'q str) -> impl Iterator<Item = &'q str> + 'q {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `_count`, or `count` when given (the front maps `count` onto `_count`, replacing it).
    fn count(&self) -> Option<&str> {
        self.last("count").or_else(|| self.last("_count"))
    }

    /// The parameter names in the order the front's schema meets them: first appearance, with
    /// `count` read as `_count` (moved to the end unless `_count` is there).
    fn schema_order(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        let mut names: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).filter(|k| seen.insert(*k)).collect();
        if let Some(i) = names.iter().position(|&n| n == "count") {
            names.remove(i);
            if !seen.contains("_count") {
                names.push("_count");
            }
        }
        names
    }
}

/// A Python `int()` of a text: surrounding white space, a sign, digits with single `_` between
/// them. `Err(())` when not an integer; values beyond `i64` saturate (they are out of every range
/// checked here anyway).
fn python_int(text: &str) -> Result<i64, ()> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let bytes = digits.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return Err(());
    }
    let mut value: i64 = 0;
    let mut previous_underscore = false;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
                previous_underscore = false;
            }
            b'_' if !previous_underscore => previous_underscore = true,
            _ => return Err(()),
        }
    }
    Ok(if negative { -value } else { value })
}

/// The front's checks of the paging parameters and `_lastUpdated`, for the parameter `name`.
fn front_common(q: &Query, name: &str) -> Result<(), QueryError> {
    match name {
        "startIndex" => {
            if let Some(v) = q.last("startIndex") {
                python_int(v).map_err(|()| QueryError::NotAnInteger { param: "startIndex", value: v.to_owned() })?;
            }
        }
        "_count" => {
            if let Some(v) = q.count() {
                let n =
                    python_int(v).map_err(|()| QueryError::NotAnInteger { param: "_count", value: v.to_owned() })?;
                if n < 0 {
                    return Err(QueryError::CountTooSmall { value: v.to_owned() });
                }
                if n > i64::from(MAX_PAGE_SIZE) {
                    return Err(QueryError::CountTooLarge { value: v.to_owned() });
                }
            }
        }
        "_lastUpdated" => {
            for v in q.all("_lastUpdated") {
                if DatePrefix::split(v).is_none() {
                    return Err(QueryError::InvalidLastUpdatedOperator { value: v.to_owned() });
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The values of a date parameter, with HAPI's checks (one lower and one upper bound at most).
/// The front has already checked the prefixes.
fn read_dates(q: &Query, param: &'static str) -> Result<Vec<DateParam>, QueryError> {
    let mut dates = Vec::new();
    let (mut lower, mut upper) = (false, false);
    for v in q.all(param) {
        let Some((prefix, rest)) = DatePrefix::split(v) else { continue };
        let date = DateParam::new(prefix, rest).map_err(|error| QueryError::InvalidDate {
            param,
            value: v.to_owned(),
            error,
        })?;
        let seen = if prefix.is_lower_bound() { &mut lower } else { &mut upper };
        if *seen {
            return Err(if prefix.is_lower_bound() {
                QueryError::MultipleLowerBounds { param }
            } else {
                QueryError::MultipleUpperBounds { param }
            });
        }
        *seen = true;
        dates.push(date);
    }
    Ok(dates)
}

/// A resource parameter holding a Patient id or `Patient/<id>`.
fn read_id(q: &Query, param: &'static str) -> Result<Option<String>, QueryError> {
    let Some(value) = q.last(param) else { return Ok(None) };
    let id = value.strip_prefix("Patient/").unwrap_or(value);
    Id::new(id).map_err(|error| QueryError::InvalidId { param, value: value.to_owned(), error })?;
    Ok(Some(id.to_owned()))
}

/// The parameters every search has besides its own and `_lastUpdated`.
struct Paging {
    count: Option<u32>,
    start_index: Option<u32>,
    format: Option<Format>,
}

/// `_count` (already checked by the front), `startIndex` with the backend's checks, `_format`.
fn read_paging(q: &Query) -> Result<Paging, QueryError> {
    let count = q.count().and_then(|v| python_int(v).ok()).and_then(|n| u32::try_from(n).ok());
    let start_index = match q.last("startIndex") {
        None => None,
        Some(v) => {
            let n =
                python_int(v).map_err(|()| QueryError::NotAnInteger { param: "startIndex", value: v.to_owned() })?;
            if n < i64::from(i32::MIN) || n > i64::from(i32::MAX) {
                return Err(QueryError::StartIndexNotANumber { value: v.to_owned() });
            }
            if n < 0 {
                return Err(QueryError::NegativeStartIndex { start_index: n });
            }
            u32::try_from(n).ok()
        }
    };
    let format = match q.last("_format") {
        None => None,
        Some(v) => Some(Format::from_value(v).ok_or_else(|| QueryError::UnsupportedFormat { value: v.to_owned() })?),
    };
    Ok(Paging { count, start_index, format })
}

/// The claim types of a `type` value: comma-separated codes (any case), each optionally after
/// `<eob-type system>|`; the system with no code stands for every type.
fn read_types(value: &str) -> Option<BTreeSet<ClaimType>> {
    let mut types = BTreeSet::new();
    for item in value.split(',') {
        let (system, code) = match item.strip_prefix(EOB_TYPE_SYSTEM) {
            Some(rest) => (true, rest.strip_prefix('|')?),
            None => (false, item),
        };
        if code.is_empty() && system {
            types.extend(ClaimType::ALL);
        } else {
            types.insert(ClaimType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(code))?);
        }
    }
    Some(types)
}

macro_rules! paging_setters {
    () => {
        /// Adds a `_lastUpdated` value (one lower and one upper bound make a range).
        pub fn last_updated(mut self, date: DateParam) -> Self {
            self.last_updated.push(date);
            self
        }

        /// Sets `_count`, the page size (0 to [`MAX_PAGE_SIZE`], checked when building).
        pub fn count(mut self, count: u32) -> Self {
            self.count = Some(count);
            self
        }

        /// Sets `startIndex`, the offset of the page's first entry.
        pub fn start_index(mut self, start_index: u32) -> Self {
            self.start_index = Some(start_index);
            self
        }

        /// Sets `_format`.
        pub fn format(mut self, format: Format) -> Self {
            self.format = Some(format);
            self
        }
    };
}

macro_rules! query_entry_points {
    ($resource:literal) => {
        /// The query string (`application/x-www-form-urlencoded`, no leading `?`).
        ///
        /// # Errors
        ///
        /// A [`BuildError`] when a value is outside what the server accepts.
        pub fn build(&self) -> Result<String, BuildError> {
            self.validate()?;
            Ok(self.write())
        }

        #[doc = concat!("The search URL: `base`, `/", $resource, "` and the query.")]
        ///
        /// # Errors
        ///
        /// As [`build`](Self::build).
        pub fn url(&self, base: &str) -> Result<String, BuildError> {
            Ok(url_of(base, $resource, &self.build()?))
        }

        /// Parses a query string (a leading `?` is allowed) with the server's rules.
        ///
        /// # Errors
        ///
        /// The first [`QueryError`] the server would answer with, in its order.
        pub fn parse(query: &str) -> Result<Self, QueryError> {
            Self::read(&Query::parse(query))
        }

        /// Parses the query of a URL (what follows the first `?`, up to a `#`).
        ///
        /// # Errors
        ///
        /// As [`parse`](Self::parse).
        pub fn parse_url(url: &str) -> Result<Self, QueryError> {
            let url = url.split('#').next().unwrap_or_default();
            Self::parse(url.split_once('?').map_or("", |(_, q)| q))
        }

        /// Parses decoded `(name, value)` pairs with the server's rules.
        ///
        /// # Errors
        ///
        /// As [`parse`](Self::parse).
        pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, QueryError>
        where
            I: IntoIterator<Item = (K, V)>,
            K: AsRef<str>,
            V: AsRef<str>,
        {
            Self::read(&Query::from_pairs(pairs))
        }
    };
}

/// `GET [base]/ExplanationOfBenefit?patient=…`: the beneficiary's claims.
///
/// The fields are public; the methods set them one at a time. Values are checked when the query
/// is written ([`build`](Self::build), [`url`](Self::url)).
///
/// ```
/// use bluebutton_model::api::{DateParam, ExplanationOfBenefitSearch};
/// use bluebutton_model::claim_type::ClaimType;
///
/// let search = ExplanationOfBenefitSearch::for_patient("-20140000008325")
///     .claim_type(ClaimType::Carrier)
///     .claim_type(ClaimType::Pde)
///     .last_updated(DateParam::ge("2020-01-01")?)
///     .last_updated(DateParam::lt("2021-01-01")?)
///     .count(50);
/// let query = search.build()?;
/// assert_eq!(
///     query,
///     "patient=-20140000008325&type=carrier%2Cpde&_lastUpdated=ge2020-01-01&_lastUpdated=lt2021-01-01&_count=50"
/// );
/// assert_eq!(ExplanationOfBenefitSearch::parse(&query)?, search);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplanationOfBenefitSearch {
    /// `patient`: the Patient id (written plain, as the front server sends it).
    pub patient: Option<String>,
    /// `type`: the claim types; empty means every type (no `type` parameter).
    pub types: BTreeSet<ClaimType>,
    /// `_lastUpdated` values.
    pub last_updated: Vec<DateParam>,
    /// `service-date` values.
    pub service_date: Vec<DateParam>,
    /// `_count`.
    pub count: Option<u32>,
    /// `startIndex`.
    pub start_index: Option<u32>,
    /// `_format`.
    pub format: Option<Format>,
}

impl ExplanationOfBenefitSearch {
    /// The resource searched.
    pub const RESOURCE: &'static str = "ExplanationOfBenefit";

    /// A search with no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A search for the claims of the patient `id`.
    pub fn for_patient(id: impl Into<String>) -> Self {
        Self::new().patient(id)
    }

    /// Sets `patient` (a `Patient/` prefix is dropped).
    pub fn patient(mut self, id: impl Into<String>) -> Self {
        self.patient = Some(strip_patient(id.into()));
        self
    }

    /// Adds a claim type to `type`.
    pub fn claim_type(mut self, claim_type: ClaimType) -> Self {
        self.types.insert(claim_type);
        self
    }

    /// Adds claim types to `type`.
    pub fn claim_types(mut self, claim_types: impl IntoIterator<Item = ClaimType>) -> Self {
        self.types.extend(claim_types);
        self
    }

    /// Adds a `service-date` value (one lower and one upper bound make a range).
    pub fn service_date(mut self, date: DateParam) -> Self {
        self.service_date.push(date);
        self
    }

    paging_setters!();
    query_entry_points!("ExplanationOfBenefit");

    /// Checks every value against what the server accepts.
    ///
    /// # Errors
    ///
    /// The first value out of bounds.
    pub fn validate(&self) -> Result<(), BuildError> {
        check_id("patient", self.patient.as_deref())?;
        check_bounds("_lastUpdated", &self.last_updated)?;
        check_bounds("service-date", &self.service_date)?;
        check_paging(self.count, self.start_index)
    }

    fn write(&self) -> String {
        let mut w = Writer::new();
        if let Some(id) = &self.patient {
            w.pair("patient", id);
        }
        if !self.types.is_empty() {
            let types: Vec<&str> = self.types.iter().map(|t| t.as_str()).collect();
            w.pair("type", &types.join(","));
        }
        w.dates("_lastUpdated", &self.last_updated);
        w.dates("service-date", &self.service_date);
        w.paging(self.count, self.start_index, self.format);
        w.finish()
    }

    fn read(q: &Query) -> Result<Self, QueryError> {
        // The front's schema, in its order.
        for name in q.schema_order() {
            match name {
                "type" => {
                    let v = q.last("type").unwrap_or_default();
                    if read_types(v).is_none() {
                        return Err(QueryError::InvalidType { value: v.to_owned() });
                    }
                }
                "service-date" => {
                    if let Some(v) = q.all("service-date").find(|v| DatePrefix::split(v).is_none()) {
                        return Err(QueryError::InvalidServiceDateOperator { value: v.to_owned() });
                    }
                }
                _ => front_common(q, name)?,
            }
        }
        // The backend, in the order of its search method's parameters.
        let patient = read_id(q, "patient")?;
        let types = q.last("type").and_then(read_types).unwrap_or_default();
        let last_updated = read_dates(q, "_lastUpdated")?;
        let service_date = read_dates(q, "service-date")?;
        let Paging { count, start_index, format } = read_paging(q)?;
        Ok(ExplanationOfBenefitSearch { patient, types, last_updated, service_date, count, start_index, format })
    }
}

impl FromStr for ExplanationOfBenefitSearch {
    type Err = QueryError;

    /// As [`ExplanationOfBenefitSearch::parse`].
    fn from_str(query: &str) -> Result<Self, QueryError> {
        Self::parse(query)
    }
}

/// `GET [base]/Patient?_id=…`: the beneficiary's Patient resource, in a Bundle.
///
/// ```
/// use bluebutton_model::api::PatientSearch;
/// let search = PatientSearch::by_id("-20140000008325");
/// assert_eq!(search.build()?, "_id=-20140000008325");
/// assert_eq!(
///     search.url("https://sandbox.bluebutton.cms.gov/v1/fhir/")?,
///     "https://sandbox.bluebutton.cms.gov/v1/fhir/Patient?_id=-20140000008325"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientSearch {
    /// `_id`: the Patient id.
    pub id: Option<String>,
    /// `_lastUpdated` values.
    pub last_updated: Vec<DateParam>,
    /// `_count`.
    pub count: Option<u32>,
    /// `startIndex`.
    pub start_index: Option<u32>,
    /// `_format`.
    pub format: Option<Format>,
}

impl PatientSearch {
    /// The resource searched.
    pub const RESOURCE: &'static str = "Patient";

    /// A search with no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A search for the Patient `id`.
    pub fn by_id(id: impl Into<String>) -> Self {
        Self::new().id(id)
    }

    /// Sets `_id` (a `Patient/` prefix is dropped).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(strip_patient(id.into()));
        self
    }

    paging_setters!();
    query_entry_points!("Patient");

    /// Checks every value against what the server accepts.
    ///
    /// # Errors
    ///
    /// The first value out of bounds.
    pub fn validate(&self) -> Result<(), BuildError> {
        check_id("_id", self.id.as_deref())?;
        check_bounds("_lastUpdated", &self.last_updated)?;
        check_paging(self.count, self.start_index)
    }

    fn write(&self) -> String {
        let mut w = Writer::new();
        if let Some(id) = &self.id {
            w.pair("_id", id);
        }
        w.dates("_lastUpdated", &self.last_updated);
        w.paging(self.count, self.start_index, self.format);
        w.finish()
    }

    fn read(q: &Query) -> Result<Self, QueryError> {
        for name in q.schema_order() {
            front_common(q, name)?;
        }
        let id = read_id(q, "_id")?;
        let last_updated = read_dates(q, "_lastUpdated")?;
        let Paging { count, start_index, format } = read_paging(q)?;
        Ok(PatientSearch { id, last_updated, count, start_index, format })
    }
}

impl FromStr for PatientSearch {
    type Err = QueryError;

    /// As [`PatientSearch::parse`].
    fn from_str(query: &str) -> Result<Self, QueryError> {
        Self::parse(query)
    }
}

/// `GET [base]/Coverage?beneficiary=Patient/…`: the beneficiary's Part A, B and D coverage.
///
/// ```
/// use bluebutton_model::api::CoverageSearch;
/// let search = CoverageSearch::for_beneficiary("-20140000008325").count(5);
/// assert_eq!(search.build()?, "beneficiary=Patient%2F-20140000008325&_count=5");
/// assert_eq!(CoverageSearch::parse("beneficiary=-20140000008325&_count=5")?, search);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageSearch {
    /// `beneficiary`: the Patient id (written as `Patient/<id>`, as the front server sends it).
    pub beneficiary: Option<String>,
    /// `_lastUpdated` values.
    pub last_updated: Vec<DateParam>,
    /// `_count`.
    pub count: Option<u32>,
    /// `startIndex`.
    pub start_index: Option<u32>,
    /// `_format`.
    pub format: Option<Format>,
}

impl CoverageSearch {
    /// The resource searched.
    pub const RESOURCE: &'static str = "Coverage";

    /// A search with no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A search for the coverage of the patient `id`.
    pub fn for_beneficiary(id: impl Into<String>) -> Self {
        Self::new().beneficiary(id)
    }

    /// Sets `beneficiary` (a `Patient/` prefix is dropped; it is written back when building).
    pub fn beneficiary(mut self, id: impl Into<String>) -> Self {
        self.beneficiary = Some(strip_patient(id.into()));
        self
    }

    paging_setters!();
    query_entry_points!("Coverage");

    /// Checks every value against what the server accepts.
    ///
    /// # Errors
    ///
    /// The first value out of bounds.
    pub fn validate(&self) -> Result<(), BuildError> {
        check_id("beneficiary", self.beneficiary.as_deref())?;
        check_bounds("_lastUpdated", &self.last_updated)?;
        check_paging(self.count, self.start_index)
    }

    fn write(&self) -> String {
        let mut w = Writer::new();
        if let Some(id) = &self.beneficiary {
            w.pair("beneficiary", &format!("Patient/{id}"));
        }
        w.dates("_lastUpdated", &self.last_updated);
        w.paging(self.count, self.start_index, self.format);
        w.finish()
    }

    fn read(q: &Query) -> Result<Self, QueryError> {
        for name in q.schema_order() {
            front_common(q, name)?;
        }
        let beneficiary = read_id(q, "beneficiary")?;
        let last_updated = read_dates(q, "_lastUpdated")?;
        let Paging { count, start_index, format } = read_paging(q)?;
        Ok(CoverageSearch { beneficiary, last_updated, count, start_index, format })
    }
}

impl FromStr for CoverageSearch {
    type Err = QueryError;

    /// As [`CoverageSearch::parse`].
    fn from_str(query: &str) -> Result<Self, QueryError> {
        Self::parse(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_follows_int() {
        assert_eq!(python_int(" 12 "), Ok(12));
        assert_eq!(python_int("+7"), Ok(7));
        assert_eq!(python_int("-0"), Ok(0));
        assert_eq!(python_int("1_000"), Ok(1000));
        assert_eq!(python_int("007"), Ok(7));
        for bad in ["", " ", "-", "1_", "_1", "1__0", "1.0", "0x10", "ten", "1 2"] {
            assert_eq!(python_int(bad), Err(()), "{bad:?}");
        }
        assert_eq!(python_int("99999999999999999999999"), Ok(i64::MAX));
    }

    #[test]
    fn schema_order_moves_count() {
        let q = Query::parse("count=5&type=x&startIndex=1");
        assert_eq!(q.schema_order(), ["type", "startIndex", "_count"]);
        let q = Query::parse("_count=5&type=x&count=7");
        assert_eq!(q.schema_order(), ["_count", "type"]);
        assert_eq!(q.count(), Some("7"));
    }

    #[test]
    fn date_prefix_split() {
        assert_eq!(DatePrefix::split("ge2020"), Some((DatePrefix::Ge, "2020")));
        assert_eq!(DatePrefix::split("ge"), None);
        assert_eq!(DatePrefix::split("GE2020"), None);
        assert_eq!(DatePrefix::split("eq2020"), None);
        assert_eq!(DatePrefix::split("2020"), None);
    }
}
