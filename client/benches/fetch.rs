//! Fetch throughput against the local test server, with and without injected faults, and the
//! client's peak heap against the size of one page.
//!
//! `cargo bench -p bluebutton-client --bench fetch` (a process benchmark: it prints its
//! figures). The server runs on its own threads; the blocking client runs on this one, and
//! only this thread's allocations are counted, so the peak is the client's alone.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bluebutton::api::{ExplanationOfBenefitSearch, TokenResponse};
use bluebutton::synth;
use bluebutton_client::{blocking, Config, RetryPolicy, Token};
use bluebutton_test_server::{synthetic, Fault, Rule, TestServer};

struct Counting;

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call goes to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| Some(l.saturating_sub(layout.size())));
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| Some(l.saturating_sub(layout.size())));
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Run {
    entries: u64,
    pages: u64,
    largest_page: usize,
    elapsed: Duration,
    /// Of `elapsed`, the time spent reading entries from pages already received.
    reading: Duration,
    peak: usize,
}

fn fetch(server: &TestServer, count: u32) -> Run {
    let patient = server.config().beneficiaries[0].id.clone();
    let response = TokenResponse::from_json_str(&server.issue_token(&patient)).expect("a token response");
    let retry = RetryPolicy { initial_backoff: Duration::from_millis(20), ..RetryPolicy::default() };
    let config = Config::new(server.base(), "test-client").client_secret("test-secret").retry(retry);
    let client = blocking::Client::with_token(config, Token::from_response(response, SystemTime::now()), None)
        .expect("a client");
    let search = ExplanationOfBenefitSearch::for_patient(&patient).count(count);
    let (mut entries, mut pages, mut largest_page, mut reading) = (0, 0, 0, Duration::ZERO);
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTED.with(|c| c.set(true));
    let started = Instant::now();
    for page in client.explanation_of_benefit(&search).expect("a search") {
        let page = page.expect("every page");
        pages += 1;
        largest_page = largest_page.max(page.body().len());
        let read = Instant::now();
        for entry in page.entries().expect("a bundle") {
            let entry = entry.expect("a typed entry");
            std::hint::black_box(&entry);
            entries += 1;
        }
        reading += read.elapsed();
    }
    let elapsed = started.elapsed();
    COUNTED.with(|c| c.set(false));
    Run { entries, pages, largest_page, elapsed, reading, peak: PEAK.load(Ordering::Relaxed) }
}

fn report(label: &str, run: &Run) {
    let rate = run.entries as f64 / run.elapsed.as_secs_f64();
    println!(
        "{label:<36} {:>5} entries {:>4} pages {:>6.3} s ({:.3} s reading) {:>6.0} entries/s  peak heap {:>5.2} MB = {:>3.1} x largest page ({:.2} MB)",
        run.entries,
        run.pages,
        run.elapsed.as_secs_f64(),
        run.reading.as_secs_f64(),
        rate,
        run.peak as f64 / 1e6,
        run.peak as f64 / run.largest_page as f64,
        run.largest_page as f64 / 1e6,
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less arguments; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let claims: &[u32] = if quick { &[200] } else { &[1000, 4000] };
    for &n in claims {
        let options = synth::Options { patients: 1, claims_per_patient: n, ..Default::default() };
        let server = TestServer::start(bluebutton_test_server::Config::new(synthetic(&options))).expect("a server");
        for count in [10, 50] {
            report(&format!("{n} claims, _count={count}, no faults"), &fetch(&server, count));
        }
        // Every 5th request of the search refused once (429 with Retry-After 0, 503, 500),
        // and every 7th connection dropped mid-body, all retried.
        let pages = u64::from(n.div_ceil(50));
        for (i, fault) in [
            Fault::Status { status: 429, retry_after: Some(0) },
            Fault::Status { status: 503, retry_after: Some(0) },
            Fault::Status { status: 500, retry_after: None },
        ]
        .into_iter()
        .enumerate()
        {
            for k in (i as u64..pages).step_by(5) {
                server.inject(Rule::new(format!("startIndex={}", k * 50), fault.clone(), Some(1)));
            }
        }
        for k in (3..pages).step_by(7) {
            server.inject(Rule::new(format!("startIndex={}", k * 50), Fault::Drop, Some(1)));
        }
        let before = server.stats().faults;
        let run = fetch(&server, 50);
        report(&format!("{n} claims, _count=50, faults"), &run);
        println!("{:<36} {} faults injected and retried", "", server.stats().faults - before);
    }
}
