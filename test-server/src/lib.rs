//! A local Blue Button 2.0 v1 server for tests and benchmarks, on 127.0.0.1 only.
//!
//! It serves beneficiaries (the real samples of `../shared/data/samples/v1-normalized/` and
//! [`bluebutton::synth`] data) behind the v1 routes:
//!
//! | route | what |
//! | --- | --- |
//! | `GET /v1/o/authorize/` | checks `response_type=code`, `client_id`, `redirect_uri`, `state`, `code_challenge` and `code_challenge_method=S256`, then redirects (`302`) to `redirect_uri?code=…&state=…` as if the user had agreed |
//! | `POST /v1/o/token/` | `authorization_code` (verifies the PKCE `S256` verifier and the redirect URI) and `refresh_token` (rotates the refresh token); client authentication by HTTP Basic, or `client_id` in the form for a public client |
//! | `GET /v1/connect/userinfo` | the token's patient |
//! | `GET /v1/fhir/Patient/{id}` | the Patient |
//! | `GET /v1/fhir/Patient?_id=` | a searchset of it |
//! | `GET /v1/fhir/Coverage?beneficiary=` | the Coverages, paged |
//! | `GET /v1/fhir/ExplanationOfBenefit?patient=` | the claims, filtered by `type` and `_lastUpdated`, paged with `_count` and `startIndex` and real `first`/`next`/`previous`/`last`/`self` links |
//!
//! Errors are v1 bodies `{"detail": …}` (query errors with the server's own texts). Access tokens
//! expire after [`Config::token_requests`] uses or [`Config::token_lifetime`]; faults are
//! injected by rule ([`TestServer::inject`]). The server stops when the [`TestServer`] is
//! dropped.
mod data;
mod routes;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use data::{samples, synthetic, Beneficiary, Stored};

#[path = "../../tests/support/shared_data.rs"]
mod shared_data;

/// `../shared/data/samples/v1-normalized` beside the checkout, or `None` (with a printed notice
/// naming `test`) where it is absent.
///
/// # Panics
///
/// Where it is absent and the environment variable `CI` is `true`.
pub fn samples_dir(test: &str) -> Option<PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    shared_data::found(root.join("../shared/data"), test).map(|d| d.join("samples/v1-normalized"))
}

/// The beneficiaries tests use: the real sample beneficiary (Patient `567834`, 4 Coverages,
/// 8 claims, one of each type) where `../shared/data` is found, else one generated
/// beneficiary with 8 claims (with the notice [`samples_dir`] prints).
///
/// # Errors
///
/// When the samples are there but cannot be read.
pub fn test_beneficiaries(test: &str) -> io::Result<Vec<Beneficiary>> {
    match samples_dir(test) {
        Some(dir) => Ok(vec![samples(&dir)?]),
        None => Ok(synthetic(&bluebutton::synth::Options { patients: 1, ..Default::default() })),
    }
}

/// What the server holds and how it behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The beneficiaries; the first is the one who signs in unless [`Config::login_patient`]
    /// names another.
    pub beneficiaries: Vec<Beneficiary>,
    /// The Patient id of the user who agrees at the authorize endpoint.
    pub login_patient: Option<String>,
    /// The registered application.
    pub client_id: String,
    /// Its secret; `None` for a public client (then `client_id` comes in the form).
    pub client_secret: Option<String>,
    /// `expires_in` of issued tokens.
    pub expires_in: u64,
    /// An access token stops working after this many FHIR/userinfo requests.
    pub token_requests: Option<u32>,
    /// An access token stops working this long after it was issued.
    pub token_lifetime: Option<Duration>,
    /// The page size when `_count` is absent (the v1 default is 10).
    pub default_count: u32,
    /// Answer the authorize endpoint with `error=access_denied`.
    pub deny: bool,
}

impl Config {
    /// Holding `beneficiaries`, client `test-client` with secret `test-secret`, tokens for
    /// 10 hours, pages of 10.
    pub fn new(beneficiaries: Vec<Beneficiary>) -> Self {
        Config {
            beneficiaries,
            login_patient: None,
            client_id: "test-client".into(),
            client_secret: Some("test-secret".into()),
            expires_in: 36_000,
            token_requests: None,
            token_lifetime: None,
            default_count: 10,
            deny: false,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answers with this status and a `{"detail": …}` body, with `Retry-After` (whole
    /// seconds) when given.
    Status {
        /// The status.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Starts a `200` answer and drops the connection in the middle of the body.
    Drop,
    /// Waits this long, then answers normally.
    Slow(Duration),
}

/// When a fault applies: requests whose path and query contain `matching`, after letting
/// `skip` of them through, `times` times (`None`: for ever). Every matching request counts
/// against `skip`, whichever rule answers it; of the rules due, the first added answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// A substring of the request's path and query (`""` matches all).
    pub matching: String,
    /// Matching requests to let through first.
    pub skip: u32,
    /// How many matching requests get the fault; `None` for all of them.
    pub times: Option<u32>,
    /// The fault.
    pub fault: Fault,
}

impl Rule {
    /// `fault` for the next `times` requests matching `matching`.
    pub fn new(matching: impl Into<String>, fault: Fault, times: Option<u32>) -> Self {
        Rule { matching: matching.into(), skip: 0, times, fault }
    }

    /// After letting `skip` matching requests through.
    pub fn after(mut self, skip: u32) -> Self {
        self.skip = skip;
        self
    }
}

/// Counts of what the server answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received, faults included.
    pub requests: u64,
    /// Faults injected.
    pub faults: u64,
    /// Code exchanges that issued tokens.
    pub code_exchanges: u64,
    /// Refreshes that issued tokens.
    pub refreshes: u64,
    /// FHIR and userinfo requests refused with `401`.
    pub unauthorized: u64,
    /// Pages of searches served.
    pub pages: u64,
}

pub(crate) struct Code {
    pub challenge: String,
    pub redirect_uri: String,
    pub patient: String,
}

pub(crate) struct Access {
    pub patient: String,
    pub issued: Instant,
    pub uses: u32,
}

#[derive(Default)]
pub(crate) struct Mutable {
    pub codes: HashMap<String, Code>,
    pub access: HashMap<String, Access>,
    /// Refresh token → patient.
    pub refresh: HashMap<String, String>,
    pub rules: Vec<Rule>,
    pub stats: Stats,
}

pub(crate) struct State {
    pub config: Config,
    pub base: String,
    pub mutable: Mutex<Mutable>,
}

impl State {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.mutable.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running server on `127.0.0.1` (a free port), on a thread of its own; dropping it stops it.
pub struct TestServer {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl TestServer {
    /// Binds `127.0.0.1:0` and serves `config`.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound or the runtime cannot start.
    pub fn start(config: Config) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let state = Arc::new(State { config, base, mutable: Mutex::new(Mutable::default()) });
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = routes::router(state.clone());
        let thread = std::thread::Builder::new().name("bluebutton-test-server".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                // Not a graceful shutdown: open connections are dropped with the runtime.
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = rx => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_millis(100));
        })?;
        Ok(TestServer { state, addr, shutdown: Some(tx), thread: Some(thread) })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.state.base
    }

    /// The address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// Adds a fault rule (rules are tried in the order added).
    pub fn inject(&self, rule: Rule) {
        self.state.lock().rules.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.lock().rules.clear();
    }

    /// Revokes every refresh token.
    pub fn revoke_refresh_tokens(&self) {
        self.state.lock().refresh.clear();
    }

    /// Makes every access token invalid at once.
    pub fn expire_access_tokens(&self) {
        self.state.lock().access.clear();
    }

    /// What the server answered so far.
    pub fn stats(&self) -> Stats {
        self.state.lock().stats.clone()
    }

    /// Issues tokens for `patient` directly, as a code exchange would: the token response's
    /// JSON.
    pub fn issue_token(&self, patient: &str) -> String {
        routes::issue(&self.state, &mut self.state.lock(), patient).to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
