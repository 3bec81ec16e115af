//! The tokens of a signed-in client, their absolute expiry, and where renewed ones are saved.
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bluebutton::api::TokenResponse;
use bluebutton::json::{JsonPath, Writer};

/// The member of a token file that holds the absolute expiry, in seconds since 1970-01-01 UTC.
pub const EXPIRES_AT: &str = "expires_at";

/// A token response and when its access token expires. `Debug` shows no token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    response: TokenResponse,
    expires_at: Option<SystemTime>,
}

impl Token {
    /// The token of a response received at `received`: it expires `expires_in` seconds later.
    pub fn from_response(mut response: TokenResponse, received: SystemTime) -> Self {
        response.other.retain(|(name, _)| name != EXPIRES_AT);
        let expires_at = response.expires_in.map(|s| received + Duration::from_secs(s));
        Token { response, expires_at }
    }

    /// Reads a token file: the token response with [`EXPIRES_AT`] added (as [`Token::to_json`]
    /// writes it).
    ///
    /// # Errors
    ///
    /// A message naming the JSON path: not a token response, or `expires_at` not a whole number.
    pub fn from_json(input: &[u8]) -> Result<Self, String> {
        let mut response = TokenResponse::from_slice(input).map_err(|e| e.to_string())?;
        let mut expires_at = None;
        if let Some(i) = response.other.iter().position(|(name, _)| name == EXPIRES_AT) {
            let (_, value) = response.other.remove(i);
            let mut w = Writer::compact();
            value.write(&mut w);
            let text = w.into_string();
            let seconds: u64 = text
                .parse()
                .map_err(|_| format!("{}: expected whole seconds since 1970-01-01, found {text}", path(EXPIRES_AT)))?;
            expires_at = Some(UNIX_EPOCH + Duration::from_secs(seconds));
        }
        Ok(Token { response, expires_at })
    }

    /// The token file's JSON: the token response's members (unknown ones kept) and
    /// [`EXPIRES_AT`].
    pub fn to_json(&self) -> String {
        let r = &self.response;
        let mut w = Writer::pretty(2);
        w.begin_object();
        let strings = [
            ("access_token", Some(&r.access_token)),
            ("token_type", Some(&r.token_type)),
            ("refresh_token", r.refresh_token.as_ref()),
            ("scope", r.scope.as_ref()),
            ("patient", r.patient.as_ref()),
        ];
        for (name, value) in strings {
            if let Some(value) = value {
                w.key(name);
                w.string(value);
            }
        }
        if let Some(seconds) = r.expires_in {
            w.key("expires_in");
            w.display(seconds);
        }
        for (name, value) in &r.other {
            w.key(name);
            value.write(&mut w);
        }
        if let Some(at) = self.expires_at {
            w.key(EXPIRES_AT);
            w.display(unix_seconds(at));
        }
        w.end_object();
        let mut text = w.into_string();
        text.push('\n');
        text
    }

    /// The token response.
    pub fn response(&self) -> &TokenResponse {
        &self.response
    }

    /// The access token, for `Authorization: Bearer`.
    pub fn access_token(&self) -> &str {
        &self.response.access_token
    }

    /// The refresh token, if the server gave one.
    pub fn refresh_token(&self) -> Option<&str> {
        self.response.refresh_token.as_deref()
    }

    /// The beneficiary's Patient id (`patient`).
    pub fn patient(&self) -> Option<&str> {
        self.response.patient.as_deref()
    }

    /// When the access token expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Whether the access token has expired at `now`, or will within `margin`.
    pub fn expires_within(&self, margin: Duration, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|at| now + margin >= at)
    }

    /// The secrets in this token, to keep them out of messages.
    pub(crate) fn secrets(&self) -> [&str; 2] {
        [self.access_token(), self.refresh_token().unwrap_or_default()]
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("response", &self.response)
            .field("expires_at", &self.expires_at.map(unix_seconds))
            .finish()
    }
}

fn path(name: &str) -> JsonPath {
    JsonPath(vec![bluebutton::json::PathSegment::Key(name.to_owned())])
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Where a client saves a token it received (after a code exchange or a refresh).
pub trait TokenStore: Send + Sync {
    /// Saves `token`, replacing the one saved before.
    ///
    /// # Errors
    ///
    /// When it cannot be saved; the client then fails the call with
    /// [`Error::Store`](crate::Error::Store).
    fn save(&self, token: &Token) -> io::Result<()>;
}

/// A token file ([`Token::to_json`]), readable and writable by its owner only (mode `0600` on
/// Unix). Saving writes a new file beside it and renames it over the old one, so a reader never
/// sees half a file.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// The store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the token saved in the file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a token file (the message names the file and
    /// the JSON path).
    pub fn load(&self) -> io::Result<Token> {
        let bytes = fs::read(&self.path)?;
        Token::from_json(&bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl TokenStore for FileTokenStore {
    fn save(&self, token: &Token) -> io::Result<()> {
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = self.path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temporary).and_then(|mut file| {
            file.write_all(token.to_json().as_bytes())?;
            file.sync_all()
        });
        let result = written.and_then(|()| fs::rename(&temporary, &self.path));
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response() -> TokenResponse {
        TokenResponse::from_slice(
            br#"{"access_token":"acc-123456","token_type":"Bearer","expires_in":36000,
                "refresh_token":"ref-654321","scope":"patient/Patient.read profile","patient":"-20140000008325",
                "extra":{"a":[1,2.50]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn token_file_keeps_every_member_and_the_absolute_expiry() {
        let received = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = Token::from_response(response(), received);
        assert_eq!(token.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(1_700_036_000)));
        let text = token.to_json();
        assert!(text.contains(r#""expires_at": 1700036000"#), "{text}");
        let back = Token::from_json(text.as_bytes()).unwrap();
        assert_eq!(back, token);
        assert!(back.expires_within(Duration::from_secs(60), received + Duration::from_secs(35_950)));
        assert!(!back.expires_within(Duration::from_secs(60), received + Duration::from_secs(35_900)));
    }

    #[test]
    fn a_bad_expiry_names_its_member() {
        let error = Token::from_json(br#"{"access_token":"a","token_type":"Bearer","expires_at":"soon"}"#).unwrap_err();
        assert_eq!(error, r#"expires_at: expected whole seconds since 1970-01-01, found "soon""#);
        let error = Token::from_json(br#"{"token_type":"Bearer"}"#).unwrap_err();
        assert_eq!(error, "access_token: missing required member");
    }

    #[test]
    fn debug_shows_no_token() {
        let token = Token::from_response(response(), SystemTime::now());
        let debug = format!("{token:?}");
        assert!(!debug.contains("acc-123456") && !debug.contains("ref-654321"), "{debug}");
        assert!(debug.contains("-20140000008325"));
    }
}
