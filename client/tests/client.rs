//! The client against the local test server (127.0.0.1 only): sign-in, paging, token renewal,
//! retries and errors.
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bluebutton::api::{ExplanationOfBenefitSearch, TokenResponse};
use bluebutton::json::ToJson;
use bluebutton_client::{Client, Config, Error, RetryPolicy, Token, TokenStore};
use bluebutton_test_server::{Config as ServerConfig, Fault, Rule, TestServer};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(10),
    }
}

fn server(adjust: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let mut config = ServerConfig::new(bluebutton_test_server::test_beneficiaries("bluebutton-client tests").unwrap());
    adjust(&mut config);
    TestServer::start(config).unwrap()
}

/// The signed-in beneficiary's Patient id.
fn id(server: &TestServer) -> String {
    server.config().beneficiaries[0].id.clone()
}

/// A token the server issued just now.
fn issued(server: &TestServer) -> Token {
    let response = TokenResponse::from_json_str(&server.issue_token(&id(server))).unwrap();
    Token::from_response(response, SystemTime::now())
}

fn config(server: &TestServer) -> Config {
    Config::new(server.base(), "test-client")
        .client_secret("test-secret")
        .redirect_uri("http://127.0.0.1:9/callback")
        .retry(fast_retries())
        .timeout(Duration::from_secs(5))
}

/// Follows the authorize URL as a browser would and returns the callback's query pairs.
async fn follow(url: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = http.get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302, "{:?}", answer.text().await);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let (target, query) = location.split_once('?').unwrap();
    assert_eq!(target, "http://127.0.0.1:9/callback");
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

async fn signed_in(server: &TestServer, store: Option<Box<dyn TokenStore>>) -> Client {
    Client::with_token(config(server), issued(server), store).unwrap()
}

/// The compact JSON of every EOB entry of a search, page by page.
async fn eob_lines(client: &Client, count: u32) -> Result<(Vec<String>, usize), Error> {
    let mut pages = client.explanation_of_benefit(&ExplanationOfBenefitSearch::new().count(count))?;
    let (mut lines, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next_page().await {
        let page = page?;
        n += 1;
        for entry in page.entries()? {
            lines.push(entry.unwrap().resource().unwrap().to_json_string());
        }
    }
    Ok((lines, n))
}

fn server_claims(server: &TestServer) -> Vec<String> {
    server.config().beneficiaries[0].claims.iter().map(|s| s.json.clone()).collect()
}

#[derive(Default, Clone)]
struct Saved(Arc<Mutex<Vec<Token>>>);

impl TokenStore for Saved {
    fn save(&self, token: &Token) -> std::io::Result<()> {
        self.0.lock().unwrap().push(token.clone());
        Ok(())
    }
}

#[tokio::test]
async fn sign_in_with_pkce_and_state() {
    let server = server(|_| {});
    let client = Client::new(config(&server)).unwrap();
    let authorization = client.authorize_url().unwrap();
    assert!(authorization
        .url
        .starts_with(&format!("{}/v1/o/authorize/?response_type=code&client_id=test-client", server.base())));
    assert!(authorization.url.contains("&code_challenge_method=S256"));
    let pairs = follow(&authorization.url).await;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("state"), authorization.state);

    // A wrong state is refused before anything is sent.
    let wrong = client.exchange_code(&get("code"), "not-the-state").await.unwrap_err();
    assert!(matches!(wrong, Error::StateMismatch), "{wrong}");
    let token = client.exchange_code(&get("code"), &authorization.state).await.unwrap();
    assert_eq!(token.patient(), Some(id(&server).as_str()));
    assert!(token.expires_at().is_some());
    assert_eq!(server.stats().code_exchanges, 1);
    // The code and verifier are used up: a second exchange has no pending authorization.
    assert!(matches!(client.exchange_code(&get("code"), &authorization.state).await, Err(Error::StateMismatch)));

    let info = client.userinfo().await.unwrap();
    assert_eq!(info.patient, Some(id(&server)));
    let patient = client.patient(&id(&server)).await.unwrap();
    assert_eq!(patient.to_json_string(), server.config().beneficiaries[0].patient.json);
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_with_the_servers_reason() {
    let server = server(|_| {});
    let one = Client::new(config(&server)).unwrap();
    let two = Client::new(config(&server)).unwrap();
    let first = one.authorize_url().unwrap();
    let second = two.authorize_url().unwrap();
    let pairs = follow(&first.url).await;
    let code = &pairs.iter().find(|(k, _)| k == "code").unwrap().1;
    // `two` sends its own verifier for `one`'s code.
    let error = two.exchange_code(code, &second.state).await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.detail(), Some("code_verifier does not match the challenge"));
}

#[tokio::test]
async fn every_page_once_in_order() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    let (lines, pages) = eob_lines(&client, 3).await.unwrap();
    assert_eq!(pages, 3);
    assert_eq!(lines, server_claims(&server));
    let mut coverage = client.coverage(&id(&server)).unwrap();
    let mut n = 0;
    while let Some(page) = coverage.next_page().await {
        n += page.unwrap().entries().unwrap().count();
    }
    assert_eq!(n, 4);
}

#[tokio::test]
async fn retries_honour_retry_after_and_survive_dropped_connections() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    server.inject(Rule::new("startIndex=3", Fault::Status { status: 429, retry_after: Some(0) }, Some(1)));
    server.inject(Rule::new("startIndex=3", Fault::Status { status: 503, retry_after: None }, Some(1)));
    server.inject(Rule::new("startIndex=6", Fault::Drop, Some(1)));
    server.inject(Rule::new("ExplanationOfBenefit?patient", Fault::Status { status: 502, retry_after: None }, Some(1)));
    let (lines, pages) = eob_lines(&client, 3).await.unwrap();
    assert_eq!((pages, lines), (3, server_claims(&server)));
    assert_eq!(server.stats().faults, 4);
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let server = server(|_| {});
    let mut config = config(&server);
    config.retry.max_retry_after = Duration::from_secs(5);
    let token = issued(&server);
    let client = Client::with_token(config, token, None).unwrap();
    server.inject(Rule::new("/Patient/", Fault::Status { status: 429, retry_after: Some(1) }, Some(1)));
    let started = std::time::Instant::now();
    client.patient(&id(&server)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_page_failing_for_good_ends_with_status_and_detail() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    server.inject(Rule::new("startIndex=3", Fault::Status { status: 500, retry_after: None }, None));
    let error = eob_lines(&client, 3).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.detail(), Some("injected fault: 500 Internal Server Error"));
    assert!(matches!(error, Error::Status { attempts: 4, .. }), "{error:?}");
    assert!(error.to_string().contains("startIndex=3") && error.to_string().contains("after 4 attempts"), "{error}");
    // A status that is not retried is sent once.
    server.clear_faults();
    server.inject(Rule::new("startIndex=3", Fault::Status { status: 404, retry_after: None }, None));
    let error = eob_lines(&client, 3).await.unwrap_err();
    assert!(matches!(error, Error::Status { status: 404, attempts: 1, .. }), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let server = server(|_| {});
    let token = issued(&server);
    let client = Client::with_token(config(&server).timeout(Duration::from_millis(200)), token, None).unwrap();
    server.inject(Rule::new("/Patient/", Fault::Slow(Duration::from_millis(600)), Some(1)));
    client.patient(&id(&server)).await.unwrap();
    server.inject(Rule::new("/Patient/", Fault::Slow(Duration::from_millis(600)), None));
    let error = client.patient(&id(&server)).await.unwrap_err();
    assert!(matches!(error, Error::Transport { timeout: true, attempts: 4, .. }), "{error:?}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_mid_search_and_saved() {
    let server = server(|c| c.token_requests = Some(2));
    let saved = Saved::default();
    let client = signed_in(&server, Some(Box::new(saved.clone()))).await;
    let before = client.token().await.unwrap();
    let (lines, pages) = eob_lines(&client, 2).await.unwrap();
    assert_eq!((pages, lines), (4, server_claims(&server)));
    // Four pages on tokens good for two requests each: one renewal, after a 401.
    assert_eq!(server.stats().refreshes, 1);
    assert_eq!(server.stats().unauthorized, 1);
    let after = client.token().await.unwrap();
    assert_ne!(after.access_token(), before.access_token());
    assert_eq!(after.patient(), Some(id(&server).as_str()));
    assert_eq!(saved.0.lock().unwrap().as_slice(), [after]);
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_before_use() {
    let server = server(|c| c.expires_in = 40);
    let response = TokenResponse::from_json_str(&server.issue_token(&id(&server))).unwrap();
    // Received 35 s ago, it has 5 s left: inside a quarter of its life (10 s).
    let token = Token::from_response(response, SystemTime::now() - Duration::from_secs(35));
    let client = Client::with_token(config(&server), token, None).unwrap();
    client.patient(&id(&server)).await.unwrap();
    assert_eq!((server.stats().refreshes, server.stats().unauthorized), (1, 0));
    // The renewed token, with 40 s to live, is used as it is.
    client.patient(&id(&server)).await.unwrap();
    assert_eq!(server.stats().refreshes, 1);
}

#[tokio::test]
async fn a_revoked_refresh_token_is_a_clear_error_without_tokens() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    let token = client.token().await.unwrap();
    server.revoke_refresh_tokens();
    server.expire_access_tokens();
    let error = client.patient(&id(&server)).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.detail(), Some("The refresh token is invalid, expired or revoked."));
    let texts = [error.to_string(), format!("{error:?}"), format!("{client:?}"), format!("{token:?}")];
    for text in texts {
        assert!(!text.contains(token.access_token()), "{text}");
        assert!(!text.contains(token.refresh_token().unwrap()), "{text}");
        assert!(!text.contains("test-secret"), "{text}");
    }
}

#[tokio::test]
async fn a_refused_search_carries_the_servers_detail() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    let url = format!("{}/v1/fhir/ExplanationOfBenefit?type=carrier,hospital", server.base());
    let error = client.get(&url).await.unwrap_err();
    assert_eq!((error.status(), error.detail()), (Some(400), Some("the type parameter value is not valid")));
}

#[test]
fn the_blocking_client_walks_the_same_pages() {
    let server = server(|_| {});
    let token = issued(&server);
    let client = bluebutton_client::blocking::Client::with_token(config(&server), token, None).unwrap();
    let mut lines = Vec::new();
    for page in client.explanation_of_benefit(&ExplanationOfBenefitSearch::new().count(5)).unwrap() {
        for entry in page.unwrap().entries().unwrap() {
            lines.push(entry.unwrap().resource().unwrap().to_json_string());
        }
    }
    assert_eq!(lines, server_claims(&server));
    assert_eq!(client.userinfo().unwrap().patient, Some(id(&server)));
}

#[tokio::test]
async fn every_matching_request_counts_against_each_rules_skip() {
    let server = server(|_| {});
    let client = signed_in(&server, None).await;
    server.inject(Rule::new("/v1/fhir/", Fault::Status { status: 404, retry_after: None }, Some(1)).after(1));
    server.inject(Rule::new("/v1/fhir/", Fault::Status { status: 410, retry_after: None }, Some(1)).after(2));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(client.patient(&id(&server)).await.err().and_then(|e| e.status()));
    }
    assert_eq!(statuses, [None, Some(404), Some(410), None]);
}
