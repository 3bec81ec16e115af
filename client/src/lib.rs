//! A client for the CMS Blue Button 2.0 API (v1, FHIR STU3): sign-in with OAuth 2.0 and PKCE,
//! tokens that renew themselves, retries, and searches read page by page as typed entries.
//!
//! - [`Client`] (async, on tokio and reqwest with rustls) and [`blocking::Client`].
//! - Sign-in: [`Client::authorize_url`] makes the authorize URL with a PKCE `S256` challenge
//!   and a random `state`, both kept; [`Client::exchange_code`] checks the callback's `state`
//!   and exchanges the code with the verifier; [`Client::refresh`] renews the tokens.
//! - Tokens: a [`Token`] knows its absolute expiry. A call renews it first when it expires
//!   within [`Config::refresh_margin`], and once when the server answers `401`; renewed tokens
//!   go to a [`TokenStore`] ([`FileTokenStore`] writes a `0600` token file).
//! - Data: [`Client::userinfo`], [`Client::patient`], [`Client::coverage`] and
//!   [`Client::explanation_of_benefit`]. Searches follow every `next` link, holding one page
//!   at a time; [`Page::entries`] streams its entries with
//!   [`BundleReader`](bluebutton::stream::BundleReader).
//! - Retries ([`RetryPolicy`]): `429`, `500`, `502`, `503`, `504` and connection errors,
//!   honouring `Retry-After`, else exponential backoff with jitter, bounded in attempts and time.
//! - Errors ([`Error`]) carry the status and the server's `detail` (`{"detail": ...}` or an
//!   OperationOutcome). No token, secret, verifier or code ever appears in `Debug` output or
//!   error messages.
//!
//! ```no_run
//! use bluebutton::api::ExplanationOfBenefitSearch;
//! use bluebutton_client::{blocking, Config, FileTokenStore};
//!
//! let config = Config::new(bluebutton_client::SANDBOX, "my-client-id").client_secret("my-secret");
//! let store = FileTokenStore::new("bluebutton-token.json");
//! let token = store.load()?;
//! let patient = token.patient().unwrap_or_default().to_owned();
//! let client = blocking::Client::with_token(config, token, Some(Box::new(store)))?;
//! for page in client.explanation_of_benefit(&ExplanationOfBenefitSearch::for_patient(&patient))? {
//!     let page = page?;
//!     for entry in page.entries()? {
//!         println!("{:?}", entry?.resource().map(|r| r.id()));
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod blocking;
mod client;
mod error;
mod retry;
mod token;

pub use client::{Authorization, Client, Config, Page, SearchPages, UserInfo, SANDBOX};
pub use error::Error;
pub use retry::{parse_retry_after, RetryPolicy};
pub use token::{FileTokenStore, Token, TokenStore, EXPIRES_AT};
