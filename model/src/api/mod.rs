//! Typed requests of the Blue Button 2.0 v1 API, without an HTTP client: the caller sends them.
//!
//! - [`search`]: the `ExplanationOfBenefit`, `Patient` and `Coverage` searches, written as query
//!   strings and URLs ([`ExplanationOfBenefitSearch::build`], [`url`](ExplanationOfBenefitSearch::url))
//!   and parsed back with the server's rules, failing with the server's own error texts
//!   ([`QueryError`]).
//! - [`paging`]: the pages of a search, followed by their `next` links through a fetch function
//!   the caller supplies ([`Pages`], [`entries`]), with loops detected.
//! - [`auth`]: the token response ([`TokenResponse`]) and the v1 error body ([`ErrorBody`]).
//! - [`pkce`]: PKCE `S256` code verifiers and challenges ([`CodeVerifier`]).
//!
//! # Example
//!
//! A beneficiary's carrier and Part D claims of 2020, 50 per page, walked page by page. Here
//! the "server" is a map of canned pages; a real caller would send a `GET` with the access
//! token in the `Authorization: Bearer …` header.
//!
//! ```
//! use std::collections::HashMap;
//!
//! use bluebutton_model::api::{self, DateParam, ExplanationOfBenefitSearch, QueryError};
//! use bluebutton_model::claim_type::ClaimType;
//! use bluebutton_model::Resource;
//!
//! let search = ExplanationOfBenefitSearch::for_patient("-20140000008325")
//!     .claim_types([ClaimType::Carrier, ClaimType::Pde])
//!     .service_date(DateParam::ge("2020-01-01")?)
//!     .service_date(DateParam::lt("2021-01-01")?)
//!     .count(50);
//! let first = search.url(api::SANDBOX_V1)?;
//! assert_eq!(
//!     first,
//!     "https://sandbox.bluebutton.cms.gov/v1/fhir/ExplanationOfBenefit?patient=-20140000008325\
//!      &type=carrier%2Cpde&service-date=ge2020-01-01&service-date=lt2021-01-01&_count=50"
//! );
//!
//! // Parsing applies the server's checks and gives its error text.
//! assert_eq!(ExplanationOfBenefitSearch::parse_url(&first)?, search);
//! let error = ExplanationOfBenefitSearch::parse("type=carrier,hospital").unwrap_err();
//! assert_eq!(error.to_string(), "the type parameter value is not valid");
//! assert!(matches!(error, QueryError::InvalidType { .. }));
//!
//! // Two canned pages: the first links to the second, which has no `next`.
//! let second = format!("{first}&startIndex=50");
//! let page = |next: Option<&str>, id: &str| {
//!     let link = next.map(|u| format!(r#","link":[{{"relation":"next","url":"{u}"}}]"#)).unwrap_or_default();
//!     format!(
//!         r#"{{"resourceType":"Bundle","type":"searchset"{link},"entry":[{{"resource":
//!            {{"resourceType":"ExplanationOfBenefit","id":"{id}"}}}}]}}"#
//!     )
//! };
//! let server: HashMap<String, String> = HashMap::from([
//!     (first.clone(), page(Some(&second), "carrier-1")),
//!     (second.clone(), page(None, "pde-2")),
//! ]);
//! let fetch = |url: &str| server.get(url).map(|body| body.clone().into_bytes()).ok_or_else(|| std::io::Error::other("404"));
//!
//! let mut ids = Vec::new();
//! for entry in api::entries(first, fetch) {
//!     if let Some(Resource::ExplanationOfBenefit(eob)) = entry?.resource {
//!         ids.push(eob.id().unwrap().to_string());
//!     }
//! }
//! assert_eq!(ids, ["carrier-1", "pde-2"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod auth;
pub mod paging;
pub mod pkce;
pub mod search;

pub use auth::{ErrorBody, ResponseError, TokenResponse};
pub use paging::{entries, pages, Entries, Page, PageError, Pages};
pub use pkce::{CodeChallenge, CodeVerifier, VerifierError};
pub use search::{
    BuildError, CoverageSearch, DateParam, DatePrefix, ExplanationOfBenefitSearch, Format, Origin, PatientSearch,
    QueryError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_START_INDEX, UPSTREAM_DETAIL_PREFIX,
};

/// The v1 FHIR base URL of the sandbox (synthetic beneficiaries).
pub const SANDBOX_V1: &str = "https://sandbox.bluebutton.cms.gov/v1/fhir";

/// The v1 FHIR base URL of production.
pub const PRODUCTION_V1: &str = "https://api.bluebutton.cms.gov/v1/fhir";
