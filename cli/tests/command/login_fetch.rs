//! `bluebutton login` and `bluebutton fetch` against the local test server (127.0.0.1 only).
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::support::{run, TempFile};
use bluebutton_test_server::{synthetic, test_beneficiaries, Config, Fault, Rule, TestServer};

/// `GET url` as a browser would send it: the status and the `Location` header.
fn browser_get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(stream, "GET /{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let location = answer
        .lines()
        .find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: ")))
        .map(str::to_owned);
    (status, location)
}

/// Runs `bluebutton login` with `secret`, following its authorize URL like a browser: the
/// exit status, the standard output's lines, standard error and the callback's status.
fn login(server: &TestServer, token_file: &str, secret: &str) -> (i32, Vec<String>, String, Option<u16>) {
    login_with(server, token_file, secret, |location| location)
}

/// As [`login`], with the callback URL passed through `tamper` before the "browser" opens it.
fn login_with(
    server: &TestServer,
    token_file: &str,
    secret: &str,
    tamper: impl FnOnce(String) -> String,
) -> (i32, Vec<String>, String, Option<u16>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bluebutton"))
        .args(["login", "--base", server.base(), "--client-id", "test-client", "--client-secret", secret])
        .args(["--redirect-uri", "http://127.0.0.1:0/callback", "--token-file", token_file, "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let (status, location) = browser_get(first.trim_end());
    let callback_status = match (status, location) {
        (302, Some(location)) => Some(browser_get(&tamper(location)).0),
        _ => None,
    };
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let code = child.wait().unwrap().code().unwrap();
    let lines = std::iter::once(first.trim_end().to_owned()).chain(rest.lines().map(str::to_owned)).collect();
    (code, lines, stderr, callback_status)
}

/// Only the owner may read or write the file (Unix).
fn assert_private(path: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600, "{path}");
    }
}

fn token_json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn login_follows_the_browser_flow_and_writes_a_private_token_file() {
    let server = TestServer::start(Config::new(test_beneficiaries("login").unwrap())).unwrap();
    let token_file = TempFile::reserve("token.json");
    let (code, lines, stderr, callback) = login(&server, token_file.path(), "test-secret");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(callback, Some(200));
    assert!(
        lines[0].starts_with(&format!("{}/v1/o/authorize/?response_type=code&client_id=test-client", server.base()))
    );
    assert!(lines[0].contains("code_challenge_method=S256") && lines[0].contains("&state="), "{}", lines[0]);
    let id = &server.config().beneficiaries[0].id;
    assert_eq!(lines[1..], [id.as_str()]);
    let token = token_json(token_file.path());
    assert_eq!(token["patient"], id.as_str());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let expires_at = token["expires_at"].as_u64().unwrap();
    assert!((now + 36_000 - 5..=now + 36_000 + 5).contains(&expires_at), "{expires_at} vs {now}");
    assert_private(token_file.path());
    assert_eq!(server.stats().code_exchanges, 1);
}

#[test]
fn a_denied_login_exits_1_with_the_reason() {
    let mut config = Config::new(test_beneficiaries("denied login").unwrap());
    config.deny = true;
    let server = TestServer::start(config).unwrap();
    let token_file = TempFile::reserve("token.json");
    let (code, _, stderr, callback) = login(&server, token_file.path(), "test-secret");
    assert_eq!((code, callback), (1, Some(400)));
    assert!(stderr.contains("access_denied (The user denied access)"), "{stderr}");
    assert!(!std::path::Path::new(token_file.path()).exists());
}

#[test]
fn a_callback_with_another_state_exits_1_without_an_exchange() {
    let server = TestServer::start(Config::new(test_beneficiaries("wrong state").unwrap())).unwrap();
    let token_file = TempFile::reserve("token.json");
    let (code, _, stderr, callback) =
        login_with(&server, token_file.path(), "test-secret", |location| format!("{location}x"));
    assert_eq!((code, callback), (1, Some(400)), "{stderr}");
    assert!(stderr.contains("state is not the one sent with the authorize URL"), "{stderr}");
    assert_eq!(server.stats().code_exchanges, 0);
    assert!(!std::path::Path::new(token_file.path()).exists());
}

#[test]
fn a_wrong_client_secret_fails_the_exchange() {
    let server = TestServer::start(Config::new(test_beneficiaries("bad secret").unwrap())).unwrap();
    let token_file = TempFile::reserve("token.json");
    let (code, _, stderr, _) = login(&server, token_file.path(), "wrong-secret");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("answered 401: client authentication failed"), "{stderr}");
    assert!(!stderr.contains("wrong-secret"), "{stderr}");
}

/// A server with two generated beneficiaries of 23 claims each, and a token file for the
/// first.
fn fetch_server(adjust: impl FnOnce(&mut Config)) -> (TestServer, TempFile) {
    let options = bluebutton::synth::Options { patients: 2, claims_per_patient: 23, ..Default::default() };
    let mut config = Config::new(synthetic(&options));
    adjust(&mut config);
    let server = TestServer::start(config).unwrap();
    let response: serde_json::Value =
        serde_json::from_str(&server.issue_token(&server.config().beneficiaries[0].id)).unwrap();
    let mut token = response.as_object().unwrap().clone();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    token.insert("expires_at".into(), (now + 36_000).into());
    let file = TempFile::new("token.json", serde_json::to_string(&token).unwrap().as_bytes());
    (server, file)
}

fn fetch(server: &TestServer, token_file: &TempFile, extra: &[&str]) -> crate::support::Outcome {
    let mut args = vec!["fetch", "--base", server.base(), "--token-file", token_file.path()];
    args.extend(["--client-id", "test-client", "--client-secret", "test-secret"]);
    args.extend(extra);
    run(&args)
}

/// The first beneficiary's resources, compact JSON, sorted.
fn expected(server: &TestServer) -> Vec<String> {
    let mut lines: Vec<String> = server.config().beneficiaries[0].resources().map(|s| s.json.clone()).collect();
    lines.sort();
    lines
}

fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn fetch_writes_every_resource_once_and_renews_the_token_midway() {
    let (server, token_file) = fetch_server(|c| c.token_requests = Some(3));
    let before = token_json(token_file.path());
    let out = fetch(&server, &token_file, &["--count", "5"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = sorted(&out.stdout);
    assert_eq!(lines, expected(&server));
    assert_eq!(lines.len(), 1 + 4 + 23);
    // Patient, 1 Coverage page, 5 claim pages: 7 requests on tokens good for 3.
    assert_eq!(server.stats().refreshes, 2);
    let after = token_json(token_file.path());
    assert_ne!(after["access_token"], before["access_token"]);
    assert_ne!(after["refresh_token"], before["refresh_token"]);
    assert!(after["expires_at"].as_u64().is_some());
    assert_private(token_file.path());
    assert_eq!(out.stderr, "28 resources fetched\n");
}

#[test]
fn fetch_retries_429_503_and_dropped_connections() {
    let (server, token_file) = fetch_server(|_| {});
    server.inject(Rule::new("startIndex=10", Fault::Status { status: 429, retry_after: Some(0) }, Some(2)));
    server.inject(Rule::new("startIndex=20", Fault::Status { status: 503, retry_after: Some(0) }, Some(1)));
    server.inject(Rule::new("/Coverage", Fault::Status { status: 503, retry_after: None }, Some(1)));
    server.inject(Rule::new("/Patient/", Fault::Drop, Some(1)));
    let out = fetch(&server, &token_file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(sorted(&out.stdout), expected(&server));
    assert_eq!(server.stats().faults, 5);
}

#[test]
fn a_revoked_refresh_token_exits_1_with_the_detail() {
    let (server, token_file) = fetch_server(|_| {});
    let token = token_json(token_file.path());
    server.revoke_refresh_tokens();
    server.expire_access_tokens();
    let out = fetch(&server, &token_file, &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("/v1/o/token/: the server answered 401: The refresh token is invalid, expired or revoked."),
        "{}",
        out.stderr
    );
    for secret in [&token["access_token"], &token["refresh_token"]] {
        assert!(!out.stderr.contains(secret.as_str().unwrap()), "{}", out.stderr);
    }
    assert!(!out.stderr.contains("test-secret"));
}

#[test]
fn a_page_failing_for_good_exits_1_after_the_retries() {
    let (server, token_file) = fetch_server(|_| {});
    server.inject(Rule::new("startIndex=10", Fault::Status { status: 500, retry_after: Some(0) }, None));
    let out = fetch(&server, &token_file, &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("startIndex=10: the server answered 500 (after 6 attempts): injected fault"),
        "{}",
        out.stderr
    );
    // What came before the failing page is written, once.
    let lines = sorted(&out.stdout);
    assert_eq!(lines.len(), 1 + 4 + 10);
    assert!(lines.iter().all(|l| expected(&server).contains(l)));
}

#[test]
fn fetch_filters_by_type_and_writes_gzip_and_bundles() {
    let (server, token_file) = fetch_server(|_| {});
    let out_file = TempFile::reserve("out.ndjson.gz");
    let out = fetch(&server, &token_file, &["--type", "carrier,pde", "--out", out_file.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(out_file.path()).unwrap()).read_to_string(&mut text).unwrap();
    let beneficiary = &server.config().beneficiaries[0];
    let mut wanted: Vec<String> = beneficiary
        .resources()
        .filter(|s| s.claim_type.is_none_or(|t| matches!(t.as_str(), "carrier" | "pde")))
        .map(|s| s.json.clone())
        .collect();
    wanted.sort();
    assert!(wanted.len() < 28 && wanted.len() > 5);
    assert_eq!(sorted(&text), wanted);

    let out = fetch(&server, &token_file, &["--format", "bundle"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut counts = BTreeMap::new();
    for entry in bundle["entry"].as_array().unwrap() {
        *counts.entry(entry["resource"]["resourceType"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from([("Coverage".into(), 4), ("ExplanationOfBenefit".into(), 23), ("Patient".into(), 1)])
    );
}

#[test]
fn usage_errors_exit_2() {
    let (server, token_file) = fetch_server(|_| {});
    assert_eq!(fetch(&server, &token_file, &["--count", "51"]).code, 2);
    assert_eq!(fetch(&server, &token_file, &["--type", "hospital"]).code, 2);
    assert_eq!(fetch(&server, &token_file, &["--since", "yesterday"]).code, 2);
    let missing = TempFile::reserve("missing.json");
    let out = fetch(&server, &missing, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("missing.json"), "{}", out.stderr);
    let bad = TempFile::new("bad.json", br#"{"token_type":"Bearer"}"#);
    let out = fetch(&server, &bad, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("access_token: missing required member"), "{}", out.stderr);
    assert_eq!(server.stats().requests, 0);
}

/// The JSON of `line`, for comparing resources whatever the order of their members.
fn parsed(lines: &[String]) -> Vec<serde_json::Value> {
    lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn resources_the_model_does_not_know_are_written_whole() {
    // Mutations of a real claim: one with a member newer than the model, one with a value the
    // model refuses (the samples' raw placeholder as `meta.lastUpdated`).
    let mut beneficiaries = test_beneficiaries("unknown members").unwrap();
    let claim = beneficiaries[0].claims[0].json.clone();
    let newer = claim.replacen('{', r#"{"futureElement":{"amount":1.50,"flags":[true,null]},"#, 1);
    let newer = newer.replacen(
        &format!(r#""id":"{}""#, beneficiaries[0].claims[0].key.split('/').nth(1).unwrap()),
        r#""id":"carrier-newer""#,
        1,
    );
    let refused = claim.replacen('{', r#"{"meta":{"lastUpdated":"IGNORED_FIELD"},"#, 1);
    let refused = refused.replacen(r#""id":""#, r#""id":"refused-"#, 1);
    for json in [newer, refused] {
        beneficiaries[0].claims.push(bluebutton_test_server::Stored::from_json(json).unwrap());
    }
    let server = TestServer::start(Config::new(beneficiaries)).unwrap();
    let token =
        serde_json::from_str::<serde_json::Value>(&server.issue_token(&server.config().beneficiaries[0].id)).unwrap();
    let token_file = TempFile::new("token.json", token.to_string().as_bytes());
    // Pages of 3: the newer claim (the 9th) is read typed, the refused one (the 10th) alone on
    // the last page, written from the generic JSON tree.
    assert_eq!(server.config().beneficiaries[0].claims.len(), 10);
    let out = fetch(&server, &token_file, &["--count", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr.matches("warning: ").count(), 1, "{}", out.stderr);
    let mut got = parsed(&sorted(&out.stdout));
    let mut wanted = parsed(&expected(&server));
    got.sort_by_key(|v| v.to_string());
    wanted.sort_by_key(|v| v.to_string());
    assert_eq!(got, wanted);
    assert!(out.stdout.contains(r#""futureElement":{"amount":1.50,"flags":[true,null]}"#), "{}", out.stdout);
    assert!(out.stderr.contains("warning: ") && out.stderr.contains("meta.lastUpdated"), "{}", out.stderr);
}
