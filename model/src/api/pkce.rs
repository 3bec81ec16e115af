//! PKCE (RFC 7636) with the `S256` method: a code verifier and its challenge.
//!
//! The client makes a [`CodeVerifier`] (43 to 128 characters of `A-Z a-z 0-9 - . _ ~`), sends
//! its [`challenge`](CodeVerifier::challenge) with `code_challenge_method=S256` in the
//! authorization request, and the verifier itself with the token request.
//!
//! ```
//! use bluebutton_model::api::CodeVerifier;
//! // RFC 7636, Appendix B.
//! let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
//! assert_eq!(verifier.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//!
//! let fresh = CodeVerifier::generate()?;
//! assert_eq!(fresh.as_str().len(), 43);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The `code_challenge_method` of [`CodeChallenge`]s.
pub const S256: &str = "S256";

/// The fewest characters in a code verifier.
pub const MIN_VERIFIER_LEN: usize = 43;

/// The most characters in a code verifier.
pub const MAX_VERIFIER_LEN: usize = 128;

/// Octets of randomness [`CodeVerifier::generate`] encodes (32, as RFC 7636 §4.1 recommends).
pub const GENERATED_OCTETS: usize = 32;

/// Why a text or an octet sequence does not make a code verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifierError {
    /// Fewer than 43 or more than 128 characters.
    Length {
        /// The number of characters.
        len: usize,
    },
    /// A character outside `A-Z a-z 0-9 - . _ ~`.
    Character {
        /// The character.
        character: char,
        /// Its byte offset.
        offset: usize,
    },
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifierError::Length { len } => write!(
                f,
                "a code verifier has {MIN_VERIFIER_LEN} to {MAX_VERIFIER_LEN} characters, found {len} (RFC 7636 §4.1)"
            ),
            VerifierError::Character { character, offset } => write!(
                f,
                "a code verifier has only the characters A-Z a-z 0-9 - . _ ~, found {character:?} at byte {offset} \
                 (RFC 7636 §4.1)"
            ),
        }
    }
}

impl std::error::Error for VerifierError {}

/// A PKCE code verifier: 43 to 128 characters of the unreserved set `A-Z a-z 0-9 - . _ ~`
/// (RFC 7636 §4.1). `Debug` does not show it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Checks `verifier` against RFC 7636 §4.1.
    ///
    /// # Errors
    ///
    /// A [`VerifierError`] for a wrong length or character.
    pub fn new(verifier: impl Into<String>) -> Result<Self, VerifierError> {
        let verifier = verifier.into();
        if let Some((offset, character)) =
            verifier.char_indices().find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(VerifierError::Character { character, offset });
        }
        // Only ASCII is left, so bytes are characters.
        if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len()) {
            return Err(VerifierError::Length { len: verifier.len() });
        }
        Ok(CodeVerifier(verifier))
    }

    /// The verifier that encodes `octets` as base64url without padding (RFC 7636 §4.1):
    /// 32 to 96 octets make 43 to 128 characters.
    ///
    /// # Errors
    ///
    /// [`VerifierError::Length`] for fewer than 32 or more than 96 octets.
    pub fn from_bytes(octets: &[u8]) -> Result<Self, VerifierError> {
        Self::new(URL_SAFE_NO_PAD.encode(octets))
    }

    /// A verifier of 32 octets from the operating system's random source (`getrandom`).
    ///
    /// # Errors
    ///
    /// When no random octets can be had.
    pub fn generate() -> std::io::Result<Self> {
        let mut octets = [0u8; GENERATED_OCTETS];
        getrandom::fill(&mut octets).map_err(std::io::Error::other)?;
        Self::from_bytes(&octets).map_err(std::io::Error::other)
    }

    /// The verifier, for the token request's `code_verifier`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`, for the authorization request's
    /// `code_challenge` with `code_challenge_method=S256` (RFC 7636 §4.2).
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

impl std::str::FromStr for CodeVerifier {
    type Err = VerifierError;

    /// As [`CodeVerifier::new`].
    fn from_str(s: &str) -> Result<Self, VerifierError> {
        Self::new(s)
    }
}

/// An `S256` code challenge: 43 characters of base64url.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The challenge, for `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method, for `code_challenge_method`: always [`S256`].
    pub fn method(&self) -> &'static str {
        S256
    }
}

impl fmt::Display for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
