//! The asynchronous client.
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant, SystemTime};

use bluebutton::api::{CodeVerifier, CoverageSearch, ExplanationOfBenefitSearch, TokenResponse};
use bluebutton::json::{self, ParseOptions};
use bluebutton::resources::Patient;
use bluebutton::stream::{BundleLinks, BundleReader};
use reqwest::header::{HeaderMap, ACCEPT, RETRY_AFTER};
use tokio::sync::Mutex;

use crate::error::{detail_of, redact, transport_message};
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::token::{Token, TokenStore};
use crate::Error;

/// The sandbox's base URL (synthetic beneficiaries).
pub const SANDBOX: &str = "https://sandbox.bluebutton.cms.gov";

/// The media type asked for FHIR reads.
const FHIR_JSON: &str = "application/fhir+json, application/json+fhir;q=0.9, application/json;q=0.8";

/// How a [`Client`] reaches the API and how hard it tries.
#[derive(Clone)]
pub struct Config {
    /// The server, without a path: `https://sandbox.bluebutton.cms.gov`. The client uses
    /// `{base}/v1/o/authorize/`, `{base}/v1/o/token/`, `{base}/v1/connect/userinfo` and
    /// `{base}/v1/fhir/`.
    pub base: String,
    /// The application's client id.
    pub client_id: String,
    /// The client secret, for HTTP Basic authentication at the token endpoint. Without one,
    /// `client_id` is sent in the form (a public client). `Debug` does not show it.
    pub client_secret: Option<String>,
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// The scopes to ask for (space-separated); none means the application's defaults.
    pub scope: Option<String>,
    /// Retries of failed requests.
    pub retry: RetryPolicy,
    /// The longest time one request may take, answer included.
    pub timeout: Duration,
    /// The longest time to connect.
    pub connect_timeout: Duration,
    /// An access token this close to its expiry is renewed before it is used (at most a
    /// quarter of the token's lifetime, so that a short-lived token is not renewed on every
    /// use).
    pub refresh_margin: Duration,
    /// How searches' Bundles are parsed (strict by default).
    pub parse: ParseOptions,
}

impl Config {
    /// Defaults for `base` and `client_id`: redirect URI `http://127.0.0.1:8765/callback`,
    /// [`RetryPolicy::default`], 60 s per request, 10 s to connect, renewal 60 s before expiry.
    pub fn new(base: impl Into<String>, client_id: impl Into<String>) -> Self {
        Config {
            base: base.into().trim_end_matches('/').to_owned(),
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: "http://127.0.0.1:8765/callback".into(),
            scope: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(60),
            parse: ParseOptions::strict(),
        }
    }

    /// With a client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// With a redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = uri.into();
        self
    }

    /// With a retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// With a timeout per request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The FHIR base: `{base}/v1/fhir`.
    pub fn fhir_base(&self) -> String {
        format!("{}/v1/fhir", self.base)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base", &self.base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

/// An authorization request: the URL to open in the user's browser and the `state` it
/// carries. The PKCE verifier stays in the client, for [`Client::exchange_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `{base}/v1/o/authorize/?response_type=code&client_id=…&redirect_uri=…&state=…&code_challenge=…&code_challenge_method=S256`.
    pub url: String,
    /// The `state` the callback must carry back.
    pub state: String,
}

/// What `userinfo` says about the signed-in user (OpenID Connect claims).
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    /// `sub`.
    pub sub: Option<String>,
    /// `patient`: the beneficiary's Patient id.
    pub patient: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// Every claim, as sent.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

struct Pending {
    state: String,
    verifier: CodeVerifier,
}

struct Inner {
    http: reqwest::Client,
    config: Config,
    token: Mutex<Option<Token>>,
    pending: SyncMutex<Option<Pending>>,
    store: Option<Box<dyn TokenStore>>,
}

/// The asynchronous Blue Button client (on tokio). Cheap to clone: clones share the tokens.
///
/// Every request is retried as [`Config::retry`] says. Calls that need a token renew it first
/// when it expires within [`Config::refresh_margin`], and once more when the server answers
/// `401`; a renewed token is handed to the [`TokenStore`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// A body received with its status.
struct Answer {
    status: u16,
    body: Vec<u8>,
    attempts: u32,
}

impl Client {
    /// A client for `config`, not signed in.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the HTTP client cannot be built or the base URL is not http(s).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::build(config, None, None)
    }

    /// A client with a token (from a token file) and where to save renewed ones.
    ///
    /// # Errors
    ///
    /// As [`Client::new`].
    pub fn with_token(config: Config, token: Token, store: Option<Box<dyn TokenStore>>) -> Result<Self, Error> {
        Self::build(config, Some(token), store)
    }

    fn build(config: Config, token: Option<Token>, store: Option<Box<dyn TokenStore>>) -> Result<Self, Error> {
        if !(config.base.starts_with("http://") || config.base.starts_with("https://")) {
            return Err(Error::Config(format!("the base URL `{}` is not an http(s) URL", config.base)));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bluebutton-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot make the HTTP client: {e}")))?;
        let inner = Inner { http, config, token: Mutex::new(token), pending: SyncMutex::new(None), store };
        Ok(Client { inner: Arc::new(inner) })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current token, if signed in.
    pub async fn token(&self) -> Option<Token> {
        self.inner.token.lock().await.clone()
    }

    /// A new authorization request: a fresh PKCE `S256` verifier and `state` (each 32 random
    /// octets), kept by the client until [`Client::exchange_code`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the system has no random source.
    pub fn authorize_url(&self) -> Result<Authorization, Error> {
        let no_random = |e: std::io::Error| Error::Config(format!("no random source for PKCE: {e}"));
        let verifier = CodeVerifier::generate().map_err(no_random)?;
        let state = CodeVerifier::generate().map_err(no_random)?.as_str().to_owned();
        let config = &self.inner.config;
        let challenge = verifier.challenge();
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", &config.redirect_uri)
            .append_pair("state", &state)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", challenge.method());
        if let Some(scope) = &config.scope {
            query.append_pair("scope", scope);
        }
        let url = format!("{}/v1/o/authorize/?{}", config.base, query.finish());
        *self.inner.pending.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Pending { state: state.clone(), verifier });
        Ok(Authorization { url, state })
    }

    /// Exchanges the authorization code of the callback for tokens, after checking that
    /// `state` is the one of the last [`Client::authorize_url`]. The token is kept and saved.
    ///
    /// # Errors
    ///
    /// [`Error::StateMismatch`] for another (or no) `state`; [`Error::Status`] with the
    /// server's `detail` when the exchange is refused; [`Error::Body`] for an answer that is
    /// not a token response.
    pub async fn exchange_code(&self, code: &str, state: &str) -> Result<Token, Error> {
        let verifier = {
            let mut pending = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
            match pending.as_ref() {
                Some(p) if constant_time_eq(p.state.as_bytes(), state.as_bytes()) => {}
                _ => return Err(Error::StateMismatch),
            }
            pending.take().map(|p| p.verifier).ok_or(Error::StateMismatch)?
        };
        let config = &self.inner.config;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &config.redirect_uri),
            ("code_verifier", verifier.as_str()),
        ];
        let token = self.token_request(&form, &[code, verifier.as_str()]).await?;
        *self.inner.token.lock().await = Some(token.clone());
        self.save(&token)?;
        Ok(token)
    }

    /// Renews the access token with the refresh token; the new token is kept and saved.
    ///
    /// # Errors
    ///
    /// [`Error::NotSignedIn`], [`Error::NoRefreshToken`], or [`Error::Status`] when the server
    /// refuses (an expired or revoked grant: `400`/`401` with its `detail`).
    pub async fn refresh(&self) -> Result<Token, Error> {
        let mut guard = self.inner.token.lock().await;
        self.refresh_locked(&mut guard).await
    }

    async fn refresh_locked(&self, slot: &mut Option<Token>) -> Result<Token, Error> {
        let current = slot.as_ref().ok_or(Error::NotSignedIn)?;
        let refresh_token = current.refresh_token().ok_or(Error::NoRefreshToken)?.to_owned();
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())];
        let mut token = self.token_request(&form, &current.secrets()).await?;
        if token.refresh_token().is_none() || token.patient().is_none() {
            // A refresh answer may leave out what stays the same.
            let mut response: TokenResponse = token.response().clone();
            response.refresh_token = response.refresh_token.or_else(|| current.refresh_token().map(str::to_owned));
            response.patient = response.patient.or_else(|| current.patient().map(str::to_owned));
            token = Token::from_response(response, SystemTime::now());
        }
        *slot = Some(token.clone());
        self.save(&token)?;
        Ok(token)
    }

    fn save(&self, token: &Token) -> Result<(), Error> {
        match &self.inner.store {
            Some(store) => store.save(token).map_err(Error::Store),
            None => Ok(()),
        }
    }

    async fn token_request(&self, form: &[(&str, &str)], secrets: &[&str]) -> Result<Token, Error> {
        let config = &self.inner.config;
        let url = format!("{}/v1/o/token/", config.base);
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if config.client_secret.is_none() {
            fields.push(("client_id", &config.client_id));
        }
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&fields).finish();
        let mut all_secrets: Vec<&str> = secrets.to_vec();
        all_secrets.extend(config.client_secret.as_deref());
        let received = SystemTime::now();
        let answer = self
            .send(&url, || {
                let request = self
                    .inner
                    .http
                    .post(&url)
                    .header(ACCEPT, "application/json")
                    .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body.clone());
                match &config.client_secret {
                    Some(secret) => request.basic_auth(&config.client_id, Some(secret)),
                    None => request,
                }
            })
            .await?;
        let answer = ok_or_status(answer, &url, &all_secrets)?;
        let response = TokenResponse::from_slice(&answer.body)
            .map_err(|e| Error::Body { url: url.clone(), message: format!("not a token response: {e}") })?;
        Ok(Token::from_response(response, received))
    }

    /// The signed-in user's claims from `{base}/v1/connect/userinfo`.
    ///
    /// # Errors
    ///
    /// As [`Client::get`], and [`Error::Body`] when the answer is not a JSON object.
    pub async fn userinfo(&self) -> Result<UserInfo, Error> {
        let url = format!("{}/v1/connect/userinfo", self.inner.config.base);
        let body = self.get(&url).await?;
        let claims = match serde_json::from_slice(&body) {
            Ok(serde_json::Value::Object(claims)) => claims,
            _ => return Err(Error::Body { url, message: "userinfo: expected a JSON object".into() }),
        };
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(UserInfo { sub: text("sub"), patient: text("patient"), name: text("name"), claims })
    }

    /// The Patient `id` (`{base}/v1/fhir/Patient/{id}`), typed.
    ///
    /// # Errors
    ///
    /// As [`Client::get`], and [`Error::Body`] naming the JSON path when it is not a Patient.
    pub async fn patient(&self, id: &str) -> Result<Patient<'static>, Error> {
        let url = format!("{}/Patient/{}", self.inner.config.fhir_base(), encode_segment(id));
        let body = self.get(&url).await?;
        json::from_slice_with::<Patient<'_>>(&body, self.inner.config.parse)
            .map(json::IntoOwned::into_owned)
            .map_err(|e| Error::Body { url, message: e.to_string() })
    }

    /// The patient's Coverage search (`Coverage?beneficiary=Patient/{id}`), page by page.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an id the search cannot carry.
    pub fn coverage(&self, patient_id: &str) -> Result<SearchPages, Error> {
        let url = CoverageSearch::for_beneficiary(format!("Patient/{patient_id}"))
            .url(&self.inner.config.fhir_base())
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(self.search_pages(url))
    }

    /// An ExplanationOfBenefit search, page by page, following every `next` link.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a search that cannot be sent.
    pub fn explanation_of_benefit(&self, search: &ExplanationOfBenefitSearch) -> Result<SearchPages, Error> {
        let url = search.url(&self.inner.config.fhir_base()).map_err(|e| Error::Config(e.to_string()))?;
        Ok(self.search_pages(url))
    }

    /// The pages of any search, from its first URL.
    pub fn search_pages(&self, first_url: impl Into<String>) -> SearchPages {
        SearchPages { client: self.clone(), next: Some(first_url.into()), seen: HashSet::new(), index: 0 }
    }

    /// An authorized `GET` of `url`: the body of a `2xx` answer. The token is renewed first
    /// when it is about to expire, and once when the server answers `401`.
    ///
    /// # Errors
    ///
    /// [`Error::NotSignedIn`]; [`Error::Status`] (status and `detail`) for a refusal or when
    /// retries run out; [`Error::Transport`] when no answer came.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, Error> {
        let mut token = {
            let mut slot = self.inner.token.lock().await;
            let current = slot.as_ref().ok_or(Error::NotSignedIn)?;
            // A short-lived token is renewed a quarter of its life early at most, not on every use.
            let life = current.response().expires_in.map_or(Duration::MAX, Duration::from_secs);
            let margin = self.inner.config.refresh_margin.min(life / 4);
            if current.expires_within(margin, SystemTime::now()) && current.refresh_token().is_some() {
                self.refresh_locked(&mut slot).await?
            } else {
                current.clone()
            }
        };
        let mut renewed = false;
        loop {
            let answer = self
                .send(url, || self.inner.http.get(url).header(ACCEPT, FHIR_JSON).bearer_auth(token.access_token()))
                .await
                .map_err(|e| scrub(e, &token.secrets()))?;
            if answer.status == 401 && !renewed {
                renewed = true;
                let mut slot = self.inner.token.lock().await;
                token = match slot.as_ref() {
                    // Another task renewed it meanwhile.
                    Some(now) if now.access_token() != token.access_token() => now.clone(),
                    Some(now) if now.refresh_token().is_some() => self.refresh_locked(&mut slot).await?,
                    _ => return ok_or_status(answer, url, &token.secrets()).map(|a| a.body),
                };
                continue;
            }
            return ok_or_status(answer, url, &token.secrets()).map(|a| a.body);
        }
    }

    /// Sends the request `make` builds, retrying as the policy says, and reads the whole body
    /// (a connection dropped while reading is retried too).
    async fn send(&self, url: &str, make: impl Fn() -> reqwest::RequestBuilder) -> Result<Answer, Error> {
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = async {
                let response = make().send().await?;
                let status = response.status().as_u16();
                let retry_after = retry_after(response.headers());
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, retry_after, body))
            }
            .await;
            let (failure, retry_after) = match result {
                Ok((status, retry_after, body)) => {
                    let answer = Answer { status, body: body.to_vec(), attempts: attempt };
                    if !RetryPolicy::is_retried_status(status) {
                        return Ok(answer);
                    }
                    (Ok(answer), retry_after)
                }
                Err(e) => {
                    let message = transport_message(&e, self.inner.config.timeout);
                    let error =
                        Error::Transport { url: url.to_owned(), message, timeout: e.is_timeout(), attempts: attempt };
                    if !(e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()) {
                        return Err(error);
                    }
                    (Err(error), None)
                }
            };
            let delay = policy.delay(attempt, retry_after);
            if attempt >= policy.max_attempts || started.elapsed() + delay > policy.max_elapsed {
                return failure;
            }
            tokio::time::sleep(delay).await;
        }
    }
}

/// The answer when it is a success, else [`Error::Status`] with the server's detail.
fn ok_or_status(answer: Answer, url: &str, secrets: &[&str]) -> Result<Answer, Error> {
    if (200..300).contains(&answer.status) {
        return Ok(answer);
    }
    let detail = detail_of(&answer.body).map(|d| redact(d, secrets));
    Err(Error::Status { status: answer.status, url: url.to_owned(), detail, attempts: answer.attempts })
}

fn scrub(error: Error, secrets: &[&str]) -> Error {
    match error {
        Error::Transport { url, message, timeout, attempts } => {
            Error::Transport { url, message: redact(message, secrets), timeout, attempts }
        }
        other => other,
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, SystemTime::now())
}

fn encode_segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The pages of a search, fetched one at a time by following each page's `next` link. Only
/// the current page is held; its entries are read with the streaming reader
/// ([`Page::entries`]).
#[derive(Debug)]
pub struct SearchPages {
    client: Client,
    next: Option<String>,
    seen: HashSet<String>,
    index: usize,
}

impl SearchPages {
    /// Fetches the next page; `None` after the last one (the first without a `next` link) or
    /// after an error.
    pub async fn next_page(&mut self) -> Option<Result<Page, Error>> {
        let url = self.next.take()?;
        if !self.seen.insert(url.clone()) {
            return Some(Err(Error::PageLoop { url }));
        }
        let index = self.index;
        self.index += 1;
        let body = match self.client.get(&url).await {
            Ok(body) => body,
            Err(e) => return Some(Err(e)),
        };
        let options = self.client.inner.config.parse;
        let next = match BundleReader::with_options(&body, options) {
            Ok(mut reader) => reader.read_header_ahead().next_link().map(|u| u.as_str().to_owned()),
            Err(e) => return Some(Err(Error::Body { url, message: format!("not a Bundle: {e}") })),
        };
        self.next.clone_from(&next);
        Some(Ok(Page { url, index, body, next, options }))
    }

    /// The URL of the page the next call fetches.
    pub fn next_url(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

/// One page of a search: the Bundle's bytes, read entry by entry.
pub struct Page {
    url: String,
    index: usize,
    body: Vec<u8>,
    next: Option<String>,
    options: ParseOptions,
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("url", &self.url)
            .field("index", &self.index)
            .field("bytes", &self.body.len())
            .field("next", &self.next)
            .finish()
    }
}

impl Page {
    /// The URL it was fetched from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its position in the search (0 for the first page).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The Bundle as the server sent it.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Its `next` link.
    pub fn next_url(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// A streaming reader over its entries: typed, borrowing from the page, one at a time.
    /// A bad entry is an error naming its index and JSON path, and reading goes on.
    ///
    /// # Errors
    ///
    /// [`Error::Body`] when the page is not a Bundle (it was checked when fetched, so only
    /// for a page built otherwise).
    pub fn entries(&self) -> Result<BundleReader<'_>, Error> {
        BundleReader::with_options(&self.body, self.options)
            .map_err(|e| Error::Body { url: self.url.clone(), message: format!("not a Bundle: {e}") })
    }
}
