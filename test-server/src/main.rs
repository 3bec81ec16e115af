//! `bluebutton-test-server`: the local server as a process, for trying `bluebutton login` and
//! `bluebutton fetch` by hand and for process benchmarks. It prints its base URL on the first
//! line of standard output and serves until standard input closes.
//!
//! ```text
//! bluebutton-test-server [--samples DIR] [--patients N] [--claims M] [--token-file FILE]
//!     [--token-requests N] [--expires-in SECONDS] [--fault-every K]
//! ```
//!
//! `--samples DIR` serves the real sample beneficiary (first), `--patients`/`--claims` generated
//! ones; `--token-file` writes a token file for the first beneficiary, as `bluebutton login`
//! would; `--fault-every K` answers every K-th FHIR request 503 (`Retry-After: 0`) once and
//! drops every (K+1)-th connection once. Client id `test-client`, secret `test-secret`.
use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bluebutton_test_server::{samples, synthetic, Config, Fault, Rule, TestServer};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut samples_dir, mut patients, mut claims, mut token_file) = (None, 0u64, 8u32, None);
    let (mut token_requests, mut expires_in, mut fault_every) = (None, 36_000u64, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|_| format!("{flag}: `{text}` is not a number"));
        match flag.as_str() {
            "--samples" => samples_dir = Some(value()?),
            "--patients" => patients = number(value()?)?,
            "--claims" => claims = number(value()?)?.try_into().map_err(|_| "--claims: too many".to_owned())?,
            "--token-file" => token_file = Some(value()?),
            "--token-requests" => token_requests = Some(number(value()?)? as u32),
            "--expires-in" => expires_in = number(value()?)?,
            "--fault-every" => fault_every = Some(number(value()?)?.max(1)),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    let mut beneficiaries = Vec::new();
    if let Some(dir) = samples_dir {
        beneficiaries.push(samples(dir.as_ref()).map_err(|e| e.to_string())?);
    }
    let options = bluebutton::synth::Options { patients, claims_per_patient: claims, ..Default::default() };
    beneficiaries.extend(synthetic(&options));
    if beneficiaries.is_empty() {
        return Err("nothing to serve: give --samples DIR or --patients N".into());
    }
    let mut config = Config::new(beneficiaries);
    config.token_requests = token_requests;
    config.expires_in = expires_in;
    let server = TestServer::start(config).map_err(|e| e.to_string())?;
    if let Some(every) = fault_every {
        let fhir_requests = 3 + server.config().beneficiaries[0].claims.len() as u32;
        for n in (every as u32..=fhir_requests).step_by(every as usize) {
            let status = Fault::Status { status: 503, retry_after: Some(0) };
            server.inject(Rule::new("/v1/fhir/", status, Some(1)).after(n - 1));
            server.inject(Rule::new("/v1/fhir/", Fault::Drop, Some(1)).after(n));
        }
    }
    if let Some(path) = token_file {
        let mut token: serde_json::Value =
            serde_json::from_str(&server.issue_token(&server.config().beneficiaries[0].id))
                .map_err(|e| e.to_string())?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        token["expires_at"] = (now + expires_in).into();
        std::fs::write(&path, token.to_string()).map_err(|e| format!("{path}: {e}"))?;
    }
    println!("{}", server.base());
    // Serve until standard input closes.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    Ok(())
}
