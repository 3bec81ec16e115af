//! The routes, the token checks and the fault injection.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use bluebutton::api::{
    BuildError, CoverageSearch, DatePrefix, ExplanationOfBenefitSearch, PatientSearch, QueryError, MAX_PAGE_SIZE,
};
use sha2::{Digest, Sha256};

use crate::data::{Beneficiary, Stored};
use crate::{Access, Code, Fault, Mutable, State};

type Shared = Arc<State>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/o/authorize/", get(authorize))
        .route("/v1/o/token/", post(token))
        .route("/v1/connect/userinfo", get(userinfo))
        .route("/v1/fhir/Patient/{id}", get(patient_read))
        .route("/v1/fhir/Patient", get(search::<PatientSearch>))
        .route("/v1/fhir/Coverage", get(search::<CoverageSearch>))
        .route("/v1/fhir/ExplanationOfBenefit", get(search::<ExplanationOfBenefitSearch>))
        .layer(middleware::from_fn_with_state(state.clone(), faults))
        .with_state(state)
}

fn detail(status: StatusCode, text: &str) -> Response {
    json(status, serde_json::json!({ "detail": text }).to_string())
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn random() -> String {
    let mut bytes = [0u8; 24];
    // The test server's tokens only need to differ from one another.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = Instant::now().elapsed().as_nanos().to_le_bytes();
        bytes[..16].copy_from_slice(&nanos);
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Counts the request and applies the first fault rule that matches it.
async fn faults(AxumState(state): AxumState<Shared>, request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let fault = {
        let mut m = state.lock();
        m.stats.requests += 1;
        let mut chosen = None;
        // Every matching rule counts the request against its `skip`; the first one due fires.
        for rule in m.rules.iter_mut() {
            if !target.contains(&rule.matching) || rule.times == Some(0) {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if chosen.is_none() {
                if let Some(times) = rule.times.as_mut() {
                    *times -= 1;
                }
                chosen = Some(rule.fault.clone());
            }
        }
        if chosen.is_some() {
            m.stats.faults += 1;
        }
        chosen
    };
    match fault {
        None => next.run(request).await,
        Some(Fault::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            next.run(request).await
        }
        Some(Fault::Status { status, retry_after }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = detail(status, &format!("injected fault: {status}"));
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Some(Fault::Drop) => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok(r#"{"resourceType":"Bundle","type":"searchset","entry":["#),
                Err(std::io::Error::other("connection dropped on purpose")),
            ];
            let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    }
}

async fn authorize(AxumState(state): AxumState<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let config = &state.config;
    let param = |name: &str| q.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if param("response_type") != Some("code") {
        return detail(StatusCode::BAD_REQUEST, "response_type must be code");
    }
    if param("client_id") != Some(config.client_id.as_str()) {
        return detail(StatusCode::BAD_REQUEST, "unknown client_id");
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return detail(StatusCode::BAD_REQUEST, "redirect_uri is required");
    };
    let Some(state_param) = param("state") else {
        return detail(StatusCode::BAD_REQUEST, "state is required");
    };
    let Some(challenge) = param("code_challenge") else {
        return detail(StatusCode::BAD_REQUEST, "code_challenge is required (PKCE)");
    };
    if param("code_challenge_method") != Some("S256") {
        return detail(StatusCode::BAD_REQUEST, "code_challenge_method must be S256");
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    if config.deny {
        query.append_pair("error", "access_denied").append_pair("error_description", "The user denied access");
    } else {
        let patient = config
            .login_patient
            .clone()
            .or_else(|| config.beneficiaries.first().map(|b| b.id.clone()))
            .unwrap_or_default();
        let code = random();
        let entry = Code { challenge: challenge.to_owned(), redirect_uri: redirect_uri.to_owned(), patient };
        state.lock().codes.insert(code.clone(), entry);
        query.append_pair("code", &code);
    }
    query.append_pair("state", state_param);
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", query.finish());
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => detail(StatusCode::BAD_REQUEST, "redirect_uri is not a valid URI"),
    }
}

/// Issues an access and a refresh token for `patient`: the token response.
pub(crate) fn issue(state: &State, m: &mut Mutable, patient: &str) -> serde_json::Value {
    let (access, refresh) = (random(), random());
    m.access.insert(access.clone(), Access { patient: patient.to_owned(), issued: Instant::now(), uses: 0 });
    m.refresh.insert(refresh.clone(), patient.to_owned());
    serde_json::json!({
        "access_token": access,
        "expires_in": state.config.expires_in,
        "token_type": "Bearer",
        "scope": "patient/Patient.read patient/Coverage.read patient/ExplanationOfBenefit.read profile",
        "refresh_token": refresh,
        "patient": patient,
    })
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(status, serde_json::json!({ "error": error, "error_description": description }).to_string())
}

async fn token(AxumState(state): AxumState<Shared>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str);
    let config = &state.config;
    // Client authentication: HTTP Basic, or client_id alone for a public client.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let authenticated = match (&config.client_secret, basic) {
        (Some(secret), Some(pair)) => pair == format!("{}:{secret}", config.client_id),
        (None, None) => field("client_id") == Some(config.client_id.as_str()),
        (None, Some(pair)) => pair.split(':').next() == Some(config.client_id.as_str()),
        (Some(_), None) => false,
    };
    if !authenticated {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    }
    let mut m = state.lock();
    match field("grant_type") {
        Some("authorization_code") => {
            let Some(code) = field("code").and_then(|c| m.codes.remove(c)) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used authorization code");
            };
            if field("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri does not match");
            }
            let verifier = field("code_verifier").unwrap_or_default();
            if verifier.len() < 43 || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != code.challenge {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier does not match the challenge",
                );
            }
            m.stats.code_exchanges += 1;
            json(StatusCode::OK, issue(&state, &mut m, &code.patient).to_string())
        }
        Some("refresh_token") => {
            let Some(patient) = field("refresh_token").and_then(|r| m.refresh.remove(r)) else {
                return detail(StatusCode::UNAUTHORIZED, "The refresh token is invalid, expired or revoked.");
            };
            m.stats.refreshes += 1;
            json(StatusCode::OK, issue(&state, &mut m, &patient).to_string())
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type is not supported"),
    }
}

/// The patient of a valid bearer token (counting the use), or the `401`.
/// A refused bearer token: the `401`'s detail.
struct Unauthorized(&'static str);

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        detail(StatusCode::UNAUTHORIZED, self.0)
    }
}

fn authorized(state: &State, headers: &HeaderMap) -> Result<String, Unauthorized> {
    let mut m = state.lock();
    let Some(token) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    else {
        m.stats.unauthorized += 1;
        return Err(Unauthorized("Authentication credentials were not provided."));
    };
    let config = &state.config;
    let patient = match m.access.get_mut(token) {
        Some(access)
            if config.token_requests.is_none_or(|n| access.uses < n)
                && config.token_lifetime.is_none_or(|life| access.issued.elapsed() < life) =>
        {
            access.uses += 1;
            Some(access.patient.clone())
        }
        _ => None,
    };
    patient.ok_or_else(|| {
        m.stats.unauthorized += 1;
        Unauthorized("Authentication credentials were not provided or have expired.")
    })
}

async fn userinfo(AxumState(state): AxumState<Shared>, headers: HeaderMap) -> Response {
    let patient = match authorized(&state, &headers) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let body = serde_json::json!({ "sub": patient, "patient": patient, "name": "Test Beneficiary", "email": "" });
    json(StatusCode::OK, body.to_string())
}

fn fhir(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/fhir+json;charset=utf-8")], body).into_response()
}

fn beneficiary<'s>(state: &'s State, id: &str) -> Option<&'s Beneficiary> {
    state.config.beneficiaries.iter().find(|b| b.id == id)
}

async fn patient_read(AxumState(state): AxumState<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let token_patient = match authorized(&state, &headers) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match beneficiary(&state, &id) {
        Some(b) if id == token_patient => fhir(b.patient.json.clone()),
        _ => detail(StatusCode::NOT_FOUND, "Not found."),
    }
}

/// A search the server answers: parsed with the v1 rules, scoped to the token's patient (as
/// the front does), and selecting from the beneficiary's resources.
trait Search: Sized + Clone {
    fn parse(query: &str) -> Result<Self, QueryError>;
    fn scope(self, patient: &str) -> Self;
    fn select<'b>(&self, beneficiary: &'b Beneficiary) -> Vec<&'b Stored>;
    fn paging(&mut self) -> (&mut Option<u32>, &mut Option<u32>);
    fn url(&self, base: &str) -> Result<String, BuildError>;
}

impl Search for PatientSearch {
    fn parse(query: &str) -> Result<Self, QueryError> {
        PatientSearch::parse(query)
    }
    fn scope(self, patient: &str) -> Self {
        self.id(patient)
    }
    fn select<'b>(&self, b: &'b Beneficiary) -> Vec<&'b Stored> {
        vec![&b.patient]
    }
    fn paging(&mut self) -> (&mut Option<u32>, &mut Option<u32>) {
        (&mut self.count, &mut self.start_index)
    }
    fn url(&self, base: &str) -> Result<String, BuildError> {
        PatientSearch::url(self, base)
    }
}

impl Search for CoverageSearch {
    fn parse(query: &str) -> Result<Self, QueryError> {
        CoverageSearch::parse(query)
    }
    fn scope(self, patient: &str) -> Self {
        self.beneficiary(format!("Patient/{patient}"))
    }
    fn select<'b>(&self, b: &'b Beneficiary) -> Vec<&'b Stored> {
        b.coverage.iter().collect()
    }
    fn paging(&mut self) -> (&mut Option<u32>, &mut Option<u32>) {
        (&mut self.count, &mut self.start_index)
    }
    fn url(&self, base: &str) -> Result<String, BuildError> {
        CoverageSearch::url(self, base)
    }
}

impl Search for ExplanationOfBenefitSearch {
    fn parse(query: &str) -> Result<Self, QueryError> {
        ExplanationOfBenefitSearch::parse(query)
    }
    fn scope(self, patient: &str) -> Self {
        self.patient(patient)
    }
    fn select<'b>(&self, b: &'b Beneficiary) -> Vec<&'b Stored> {
        b.claims
            .iter()
            .filter(|c| self.types.is_empty() || c.claim_type.is_some_and(|t| self.types.contains(&t)))
            .filter(|c| self.last_updated.iter().all(|d| date_matches(c.last_updated.as_deref(), d)))
            .collect()
    }
    fn paging(&mut self) -> (&mut Option<u32>, &mut Option<u32>) {
        (&mut self.count, &mut self.start_index)
    }
    fn url(&self, base: &str) -> Result<String, BuildError> {
        ExplanationOfBenefitSearch::url(self, base)
    }
}

async fn search<S: Search>(AxumState(state): AxumState<Shared>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let token_patient = match authorized(&state, &headers) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let mut search = match S::parse(uri.query().unwrap_or_default()) {
        Ok(s) => s.scope(&token_patient),
        Err(e) => return detail(StatusCode::BAD_REQUEST, &e.detail().unwrap_or_else(|| e.to_string())),
    };
    let items = beneficiary(&state, &token_patient).map(|b| search.select(b)).unwrap_or_default();
    let (count, start) = search.paging();
    let (count, start) = (*count, *start);
    let fhir_base = format!("{}/v1/fhir", state.base);
    page(&state, &items, count, start, |c, s| {
        let (count, start) = search.paging();
        (*count, *start) = (Some(c), Some(s));
        search.url(&fhir_base).unwrap_or_default()
    })
}

/// Whether `last_updated` satisfies `param`, compared as text on the parameter's precision
/// (enough for the instants the data carries, all in one offset).
fn date_matches(last_updated: Option<&str>, param: &bluebutton::api::DateParam) -> bool {
    let Some(value) = last_updated else { return false };
    let bound = param.value().as_str();
    let value = &value[..bound.len().min(value.len())];
    match param.prefix() {
        DatePrefix::Lt => value < bound,
        DatePrefix::Le => value <= bound,
        DatePrefix::Gt => value > bound,
        DatePrefix::Ge => value >= bound,
    }
}

/// One page of `items` as a searchset Bundle with the v1 backend's links; `url(count, start)`
/// writes a link.
fn page(
    state: &State,
    items: &[&Stored],
    count: Option<u32>,
    start: Option<u32>,
    mut url: impl FnMut(u32, u32) -> String,
) -> Response {
    let count = count.unwrap_or(state.config.default_count).min(MAX_PAGE_SIZE);
    let start = start.unwrap_or(0);
    let total = items.len() as u32;
    let mut links = Vec::new();
    let mut link = |relation: &str, start: u32| {
        links.push(serde_json::json!({ "relation": relation, "url": url(count, start) }).to_string());
    };
    if count > 0 && total > 0 {
        let last = (total - 1) / count * count;
        link("first", 0);
        if start + count < total {
            link("next", start + count);
        }
        if start > 0 {
            link("previous", start.saturating_sub(count));
        }
        link("last", last);
    }
    link("self", start);
    let entries: Vec<String> = if count == 0 {
        Vec::new()
    } else {
        items
            .iter()
            .skip(start as usize)
            .take(count as usize)
            .map(|s| format!(r#"{{"resource":{}}}"#, s.json))
            .collect()
    };
    state.lock().stats.pages += 1;
    let entry = if entries.is_empty() { String::new() } else { format!(r#","entry":[{}]"#, entries.join(",")) };
    fhir(format!(
        r#"{{"resourceType":"Bundle","id":"{}","type":"searchset","total":{total},"link":[{}]{entry}}}"#,
        // A FHIR id has no `_`.
        random().replace('_', "."),
        links.join(",")
    ))
}
