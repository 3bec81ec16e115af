//! Validation throughput, in MB/s of input: the typed parse alone (`json::from_slice::<Resource>`)
//! against parse + validate (`validate_json(.., Target::Served)`), on the normalized Bundle
//! samples of `../shared/data` (when present); and on 10 MB Bundles (`support::input`) of
//! generated claims and of the server's recorded claims (`10MB/recorded-…`), pretty and minified, the streaming typed parse from a slice
//! (`stream_slice`, as in `benches/parse.rs`) against validation of the same bytes, whole
//! (`parse_validate`) and streamed (`validate_reader`, what `bluebutton validate` does on one
//! thread; `validate_reader_threads/N` with the entries walked on N threads), so that the ratio
//! reads directly from one run. On minified input, the same resources as NDJSON lines validated
//! by one `Validator` (`ndjson_validator`, what `bluebutton validate` does) and each alone
//! (`ndjson_each_alone`).
//!
//! ```sh
//! cargo bench --bench validate
//! cargo bench --bench validate -- 'validate/10MB/minified'   # one group
//! ```
//!
//! The invariants are evaluated from the definitions' FHIRPath expressions; to compare with a
//! commit from before that (or any other), save a baseline there and compare here:
//!
//! ```sh
//! git checkout <before> && cargo bench --bench validate -- --save-baseline before 'validate/samples'
//! git checkout - && cargo bench --bench validate -- --baseline before 'validate/samples'
//! ```
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use bluebutton::json;
use bluebutton::stream::BundleReader;
use bluebutton::validate::{validate_reader, Options};
use bluebutton::{validate_json, Resource, Target};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "support/input.rs"]
mod input;

use input::{thread_counts, Layout, Shape, Templates};

const MB: u64 = 1_000_000;

/// The Bundles of `../shared/data/samples/v1-normalized/` (none where `../shared` is absent).
fn sample_bundles() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/samples/v1-normalized");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping the sample Bundles: {} not found", dir.display());
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let is_bundle = matches!(json::from_slice::<Resource>(&bytes), Ok(Resource::Bundle(_)));
            is_bundle.then(|| (p.file_stem().unwrap().to_string_lossy().into_owned(), bytes))
        })
        .collect();
    out.sort();
    out
}

/// The sample Bundles must be valid (a validator that stops early would look fast).
fn check(name: &str, input: &[u8]) {
    let report = validate_json(input, Target::Served).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(report.is_valid(), "{name} is not valid:\n{report}");
}

/// The findings on the large Bundle, for the record: the project's example claims are not all
/// what the IG asks for, and findings cost something to build, so their number is printed.
fn summarize(name: &str, input: &[u8]) {
    let report = validate_json(input, Target::Served).unwrap_or_else(|e| panic!("{name}: {e}"));
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    eprintln!(
        "{name}: {} bytes, {errors} errors, {warnings} warnings, {} findings in all (target served)",
        input.len(),
        report.findings.len()
    );
}

fn bench_validate(c: &mut Criterion) {
    // The sample Bundles, one after the other as one input (they are small: 1.6 KB to 158 KB).
    let samples = sample_bundles();
    if !samples.is_empty() {
        for (name, bytes) in &samples {
            check(name, bytes);
        }
        let total: usize = samples.iter().map(|(_, b)| b.len()).sum();
        let mut group = c.benchmark_group(format!("validate/samples-{}bundles-{}KB", samples.len(), total / 1000));
        group.throughput(Throughput::BytesDecimal(total as u64));
        group.measurement_time(Duration::from_secs(5));
        group.bench_function("parse", |b| {
            b.iter(|| {
                for (_, bytes) in &samples {
                    black_box(json::from_slice::<Resource>(black_box(bytes)).unwrap());
                }
            })
        });
        group.bench_function("parse_validate", |b| {
            b.iter(|| {
                for (_, bytes) in &samples {
                    black_box(validate_json(black_box(bytes), Target::Served).unwrap());
                }
            })
        });
        group.finish();
    }

    // A large Bundle of generated claims, pretty and minified: the streaming typed parse (what
    // `bluebutton summary` does) against validation of the same bytes, whole and streamed.
    // The same with the server's recorded claims (`10MB/recorded-…`; they need `../shared`).
    let shapes = [Shape::Generated, Shape::Recorded];
    for (shape, layout) in shapes.into_iter().flat_map(|s| [(s, Layout::Pretty), (s, Layout::Minified)]) {
        let Some(templates) = Templates::of(shape, layout) else { continue };
        let input = templates.bundle(10 * MB);
        let name = match shape {
            Shape::Generated => format!("10MB/{}", layout.name()),
            Shape::Recorded => format!("10MB/recorded-{}", layout.name()),
        };
        summarize(&name, &input);
        let mut group = c.benchmark_group(format!("validate/{name}"));
        group.throughput(Throughput::BytesDecimal(input.len() as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
        group.bench_function("stream_slice", |b| b.iter(|| count_slice(black_box(&input))));
        group.bench_function("parse", |b| b.iter(|| json::from_slice::<Resource>(black_box(&input)).unwrap()));
        group
            .bench_function("parse_validate", |b| b.iter(|| validate_json(black_box(&input), Target::Served).unwrap()));
        group.bench_function("validate_reader", |b| {
            b.iter(|| validate_reader(black_box(&input[..]), Target::Served).unwrap())
        });
        // The entries walked on several threads (`bluebutton validate` on all cores).
        for threads in thread_counts().into_iter().filter(|&n| n > 1) {
            let options = Options::new(Target::Served).threads(threads);
            group.bench_function(BenchmarkId::new("validate_reader_threads", threads), |b| {
                b.iter(|| options.validate_reader(black_box(&input[..])).unwrap())
            });
        }
        // The same resources as NDJSON lines, each validated as a document: by one validator
        // (what `bluebutton validate` does on one thread), and each alone.
        if layout == Layout::Minified {
            let ndjson = input::ndjson_of(&input);
            let lines: Vec<&[u8]> = ndjson.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
            let options = Options::new(Target::Served);
            group.bench_function("ndjson_validator", |b| {
                b.iter(|| {
                    let mut validator = options.validator();
                    for line in &lines {
                        black_box(validator.validate_json(black_box(line)).unwrap());
                    }
                })
            });
            group.bench_function("ndjson_each_alone", |b| {
                b.iter(|| {
                    for line in &lines {
                        black_box(options.validate_json(black_box(line)).unwrap());
                    }
                })
            });
        }
        group.finish();
    }
}

/// The streaming typed parse from a slice, as `benches/parse.rs` measures it: every entry read.
fn count_slice(input: &[u8]) -> usize {
    let mut n = 0;
    for entry in BundleReader::new(input).expect("a bundle") {
        black_box(entry.expect("a good entry"));
        n += 1;
    }
    n
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
