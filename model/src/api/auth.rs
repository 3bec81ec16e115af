//! The JSON bodies around the data: the OAuth 2.0 token response and the v1 error body
//! `{"detail": "..."}`.
//!
//! Both are read with this crate's JSON lexer: a body that is not JSON, a member of the wrong
//! JSON type, a duplicate member or a missing required member is an error naming the JSON path.
//! Members this module does not know are kept, in order, in `other`.
use std::fmt;

use crate::json::{self, ErrorKind, JsonKind, JsonPath, Lexer, ParseOptions, PathSegment, Value};

/// A token or error body that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// Not JSON, not an object, a duplicate member, or a member of the wrong type; the error
    /// names the JSON path (`expires_in: expected a non-negative integer, found a string`).
    Json(json::Error),
    /// A required member is absent.
    Missing {
        /// Where the member should be (`access_token`).
        path: JsonPath,
    },
}

impl ResponseError {
    /// The JSON path of the problem.
    pub fn path(&self) -> &JsonPath {
        match self {
            ResponseError::Json(e) => e.path(),
            ResponseError::Missing { path } => path,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Json(e) => e.fmt(f),
            ResponseError::Missing { path } => write!(f, "{path}: missing required member"),
        }
    }
}

impl std::error::Error for ResponseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResponseError::Json(e) => Some(e),
            ResponseError::Missing { .. } => None,
        }
    }
}

impl From<json::Error> for ResponseError {
    fn from(e: json::Error) -> Self {
        ResponseError::Json(e)
    }
}

/// Members this module does not model, in input order.
pub type OtherMembers = Vec<(String, Value<'static>)>;

/// Reads the top-level object of `input`, handing each member to `known` (which returns whether
/// it read the value) and keeping the others.
fn read_object<'a>(
    input: &'a [u8],
    mut known: impl FnMut(&str, &mut Lexer<'a>) -> Result<bool, json::Error>,
) -> Result<OtherMembers, ResponseError> {
    let mut lx = Lexer::new(input, ParseOptions::strict());
    let result = (|| {
        let mut cursor = lx.begin_object()?;
        let mut names: Vec<String> = Vec::new();
        let mut other = Vec::new();
        while let Some(key) = lx.next_key(&mut cursor)? {
            if names.iter().any(|n| *n == key.text) {
                return Err(lx.error_at(key.offset, ErrorKind::DuplicateProperty { name: key.text.into_owned() }));
            }
            names.push(key.text.to_string());
            if !known(&key.text, &mut lx)? {
                other.push((key.text.into_owned(), Value::read(&mut lx)?.into_owned()));
            }
        }
        lx.finish()?;
        Ok(other)
    })();
    result.map_err(|e: json::Error| ResponseError::Json(e.locate(input)))
}

/// A string member; `null` reads as absent.
fn read_string(lx: &mut Lexer<'_>) -> Result<Option<String>, json::Error> {
    if lx.null()? {
        return Ok(None);
    }
    Ok(Some(lx.string("a string")?.0.into_owned()))
}

/// A whole, non-negative number of seconds; `null` reads as absent.
fn read_seconds(lx: &mut Lexer<'_>) -> Result<Option<u64>, json::Error> {
    const EXPECTED: &str = "a non-negative integer";
    if lx.null()? {
        return Ok(None);
    }
    let (text, offset) = lx.number(EXPECTED)?;
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| lx.error_at(offset, ErrorKind::WrongType { expected: EXPECTED, found: JsonKind::Number }))
}

fn missing(name: &str) -> ResponseError {
    ResponseError::Missing { path: JsonPath(vec![PathSegment::Key(name.to_owned())]) }
}

/// The body of a successful token request (RFC 6749 §5.1), as the Blue Button authorization
/// server sends it: the standard members and `patient`, the beneficiary's Patient id, which
/// bluebutton-web-server adds (`apps/dot_ext/oauth2_backends.py`, SMART on FHIR style).
///
/// `Debug` does not show the tokens.
///
/// ```
/// use bluebutton_model::api::TokenResponse;
/// let body = br#"{"access_token": "a1", "expires_in": 36000, "token_type": "Bearer",
///     "scope": "patient/Patient.read profile", "refresh_token": "r1",
///     "patient": "-20140000008325"}"#;
/// let token = TokenResponse::from_slice(body)?;
/// assert_eq!(token.access_token, "a1");
/// assert_eq!(token.scopes().collect::<Vec<_>>(), ["patient/Patient.read", "profile"]);
/// assert_eq!(token.patient.as_deref(), Some("-20140000008325"));
///
/// let error = TokenResponse::from_slice(br#"{"token_type": "Bearer"}"#).unwrap_err();
/// assert_eq!(error.to_string(), "access_token: missing required member");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// `access_token` (required).
    pub access_token: String,
    /// `token_type` (required): `Bearer`.
    pub token_type: String,
    /// `expires_in`: the access token's lifetime in seconds.
    pub expires_in: Option<u64>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope`: the granted scopes, space-separated. Absent means the scopes asked for.
    pub scope: Option<String>,
    /// `patient`: the id of the beneficiary's Patient resource.
    pub patient: Option<String>,
    /// Members not listed above, kept in input order.
    pub other: OtherMembers,
}

impl TokenResponse {
    /// Reads a token response.
    ///
    /// # Errors
    ///
    /// A [`ResponseError`] naming the JSON path: the body is not a JSON object, a member has
    /// the wrong type or comes twice, or `access_token` or `token_type` is missing.
    pub fn from_slice(input: &[u8]) -> Result<Self, ResponseError> {
        let (mut access_token, mut token_type, mut expires_in) = (None, None, None);
        let (mut refresh_token, mut scope, mut patient) = (None, None, None);
        let other = read_object(input, |name, lx| {
            match name {
                "access_token" => access_token = Some(lx.string("a string")?.0.into_owned()),
                "token_type" => token_type = Some(lx.string("a string")?.0.into_owned()),
                "expires_in" => expires_in = read_seconds(lx)?,
                "refresh_token" => refresh_token = read_string(lx)?,
                "scope" => scope = read_string(lx)?,
                "patient" => patient = read_string(lx)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(TokenResponse {
            access_token: access_token.ok_or_else(|| missing("access_token"))?,
            token_type: token_type.ok_or_else(|| missing("token_type"))?,
            expires_in,
            refresh_token,
            scope,
            patient,
            other,
        })
    }

    /// Reads a token response from text.
    ///
    /// # Errors
    ///
    /// As [`TokenResponse::from_slice`].
    pub fn from_json_str(input: &str) -> Result<Self, ResponseError> {
        Self::from_slice(input.as_bytes())
    }

    /// The granted scopes, one by one (`scope` split at spaces).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split(' ').filter(|s| !s.is_empty())
    }

    /// Whether `scope` lists `scope_name`.
    pub fn has_scope(&self, scope_name: &str) -> bool {
        self.scopes().any(|s| s == scope_name)
    }

    /// Whether the token is a bearer token (`token_type` is compared without regard to case).
    pub fn is_bearer(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("bearer")
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("scope", &self.scope)
            .field("patient", &self.patient)
            .field("other", &self.other)
            .finish()
    }
}

/// The v1 error body, `{"detail": "..."}`, which the front server (Django REST framework)
/// answers with for `400`, `401`, `403`, `404`, `429` and `502`. For a search refused by the
/// server's checks, `detail` is a [`QueryError`](super::QueryError)'s text
/// ([`QueryError::detail`](super::QueryError::detail)).
///
/// ```
/// use bluebutton_model::api::ErrorBody;
/// let body = ErrorBody::from_slice(br#"{"detail": "the type parameter value is not valid"}"#)?;
/// assert_eq!(body.detail, "the type parameter value is not valid");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// `detail` (required): the message.
    pub detail: String,
    /// Members other than `detail`, kept in input order.
    pub other: OtherMembers,
}

impl ErrorBody {
    /// Reads an error body.
    ///
    /// # Errors
    ///
    /// A [`ResponseError`] naming the JSON path: the body is not a JSON object, `detail` is not
    /// a string or comes twice, or it is missing.
    pub fn from_slice(input: &[u8]) -> Result<Self, ResponseError> {
        let mut detail = None;
        let other = read_object(input, |name, lx| {
            if name != "detail" {
                return Ok(false);
            }
            detail = Some(lx.string("a string")?.0.into_owned());
            Ok(true)
        })?;
        Ok(ErrorBody { detail: detail.ok_or_else(|| missing("detail"))?, other })
    }

    /// Reads an error body from text.
    ///
    /// # Errors
    ///
    /// As [`ErrorBody::from_slice`].
    pub fn from_json_str(input: &str) -> Result<Self, ResponseError> {
        Self::from_slice(input.as_bytes())
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}
