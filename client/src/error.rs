//! What can go wrong talking to the API: the server's refusal (status and its `detail`), no
//! answer at all, a body that cannot be read, or a sign-in that does not add up.
use std::fmt;
use std::time::Duration;

/// An error of the client. Its `Display` and `Debug` never contain a token, a client secret, a
/// PKCE verifier or an authorization code.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status (after the retries, for a status that is
    /// retried).
    Status {
        /// The HTTP status.
        status: u16,
        /// The request URL.
        url: String,
        /// The server's message: `detail` of a `{"detail": ...}` body, the diagnostics of an
        /// OperationOutcome, an OAuth `error_description` / `error`, or a short text body.
        detail: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// No answer: the connection failed, was dropped, or the request timed out (after the
    /// retries).
    Transport {
        /// The request URL.
        url: String,
        /// What happened (without the URL).
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// An answer with a body that is not what the request returns.
    Body {
        /// The request URL.
        url: String,
        /// What is wrong, naming the JSON path.
        message: String,
    },
    /// A search's `next` link leads back to a page already fetched.
    PageLoop {
        /// The URL met twice.
        url: String,
    },
    /// The authorization callback's `state` is not the one this client sent (or none was
    /// sent).
    StateMismatch,
    /// The authorization server answered the callback with `error=`.
    Authorization {
        /// The `error` code (`access_denied`, ...).
        error: String,
        /// `error_description`, when given.
        description: Option<String>,
    },
    /// The call needs a token and the client has none.
    NotSignedIn,
    /// The access token expired (or was refused) and there is no refresh token to renew it.
    NoRefreshToken,
    /// A setting that cannot work (a base URL that is not a URL, a bad search).
    Config(String),
    /// The token store could not save the renewed token.
    Store(std::io::Error),
}

impl Error {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `detail` of a refusal.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Status { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tries = |attempts: u32| if attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() };
        match self {
            Error::Status { status, url, detail, attempts } => {
                write!(f, "{url}: the server answered {status}{}", tries(*attempts))?;
                match detail {
                    Some(detail) => write!(f, ": {detail}"),
                    None => Ok(()),
                }
            }
            Error::Transport { url, message, attempts, .. } => write!(f, "{url}: {message}{}", tries(*attempts)),
            Error::Body { url, message } => write!(f, "{url}: {message}"),
            Error::PageLoop { url } => write!(f, "the next link leads back to {url}, which was already fetched"),
            Error::StateMismatch => {
                f.write_str("the authorization callback's state is not the one sent with the authorize URL")
            }
            Error::Authorization { error, description } => {
                write!(f, "the authorization server refused: {error}")?;
                match description {
                    Some(d) => write!(f, " ({d})"),
                    None => Ok(()),
                }
            }
            Error::NotSignedIn => f.write_str("no access token: sign in first (bluebutton login)"),
            Error::NoRefreshToken => f.write_str("the access token expired and there is no refresh token to renew it"),
            Error::Config(message) => f.write_str(message),
            Error::Store(e) => write!(f, "cannot save the renewed token: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// The server's message in an error body: `{"detail": ...}` (read with the model's
/// [`ErrorBody`](bluebutton::api::ErrorBody)), an OperationOutcome's issues
/// (`diagnostics`, else `details.text`), an OAuth error (`error_description`, else `error`), or
/// a short body of plain text.
pub(crate) fn detail_of(body: &[u8]) -> Option<String> {
    if let Ok(error) = bluebutton::api::ErrorBody::from_slice(body) {
        return Some(error.detail);
    }
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<serde_json::Value>(body) {
        if object.get("resourceType").and_then(|t| t.as_str()) == Some("OperationOutcome") {
            let issues = object.get("issue").and_then(|i| i.as_array()).map(Vec::as_slice).unwrap_or_default();
            let texts: Vec<&str> = issues
                .iter()
                .filter_map(|issue| {
                    issue
                        .get("diagnostics")
                        .and_then(|d| d.as_str())
                        .or_else(|| issue.get("details")?.get("text")?.as_str())
                })
                .collect();
            return (!texts.is_empty()).then(|| texts.join("; "));
        }
        let text = |name: &str| object.get(name).and_then(|v| v.as_str());
        return text("error_description").or_else(|| text("error")).map(str::to_owned);
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 300 && !text.starts_with('<')).then(|| text.to_owned())
}

/// `text` with each of `secrets` replaced by `<redacted>`.
pub(crate) fn redact(text: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text, |t, s| if t.contains(s) { t.replace(s, "<redacted>") } else { t })
}

/// A transport error's text, with its causes, without the URL (reqwest puts it in front).
pub(crate) fn transport_message(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s (timeout)", timeout.as_secs_f64());
    }
    let what = if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the connection was dropped while reading the answer"
    } else {
        "the request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_from_each_body_kind() {
        assert_eq!(detail_of(br#"{"detail": "Not found."}"#).as_deref(), Some("Not found."));
        let outcome = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",
            "diagnostics":"Unsupported search parameter"},{"severity":"error","code":"x","details":{"text":"second"}}]}"#;
        assert_eq!(detail_of(outcome).as_deref(), Some("Unsupported search parameter; second"));
        assert_eq!(
            detail_of(br#"{"error":"invalid_grant","error_description":"Token revoked"}"#).as_deref(),
            Some("Token revoked")
        );
        assert_eq!(detail_of(br#"{"error":"invalid_grant"}"#).as_deref(), Some("invalid_grant"));
        assert_eq!(detail_of(b"Bad Gateway\n").as_deref(), Some("Bad Gateway"));
        assert_eq!(detail_of(b"<html>502</html>"), None);
        assert_eq!(detail_of(b""), None);
    }

    #[test]
    fn redaction_replaces_every_secret() {
        assert_eq!(
            redact("bad token abcd1234 and abcd1234".into(), &["abcd1234"]),
            "bad token <redacted> and <redacted>"
        );
    }
}
