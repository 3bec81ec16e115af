//! Throughput of the typed parse, the streaming readers and the parallel mode on large EOB
//! Bundles and on the same resources as NDJSON, against generic JSON parsers, in MB/s of input.
//!
//! ```sh
//! cargo bench --bench parse                          # 1 MB and 10 MB, pretty and minified
//! BLUEBUTTON_BENCH_100MB=1 cargo bench --bench parse # also 100 MB
//! cargo bench --bench parse -- 10MB/pretty           # one group
//! cargo bench --bench parse -- 10MB/ndjson           # NDJSON
//! cargo bench --bench parse -- 10MB/recorded         # the server's claims, all three forms
//! cargo bench --bench parse -- 'parallel'            # the parallel readers on 1, 2 and all threads
//! cargo bench --bench parse -- 'stream_gzip|ndjson_stream' # the streams from gzip (and NDJSON's from a file)
//! ```
//! The inputs are built at start-up by `support::input`: generated claims with every field
//! filled (groups `SIZE/pretty`, `SIZE/minified`, `SIZE/ndjson`), and the server's recorded
//! claims of every type, repeated, with their real field density (groups
//! `SIZE/recorded-pretty`, `SIZE/recorded-minified`, `SIZE/recorded-ndjson`, from 10 MB; they
//! need `../shared` beside the repository). The parallel readers run on 1, 2 and all threads
//! (`parallel/1threads`…), so one run gives the speed-up.
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use bluebutton::json::{self, FromJsonOwned, ParseOptions};
use bluebutton::resources::Bundle;
use bluebutton::stream::{BundleReader, BundleStream, NdjsonReader, NdjsonStream};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "support/input.rs"]
mod input;

use input::{ndjson_of, thread_counts, Layout, Shape, Templates};

const MB: u64 = 1_000_000;

fn sizes() -> Vec<(u64, &'static str)> {
    let mut sizes = vec![(MB, "1MB"), (10 * MB, "10MB")];
    if std::env::var_os("BLUEBUTTON_BENCH_100MB").is_some() {
        sizes.push((100 * MB, "100MB"));
    }
    sizes
}

/// The input also as a file, for the file reader (read from the page cache).
struct InputFile(PathBuf);

impl InputFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!("bluebutton-bench-{}-{name}.json", std::process::id()));
        std::fs::File::create(&path).and_then(|mut f| f.write_all(bytes)).expect("writing the bench input");
        InputFile(path)
    }
}

impl Drop for InputFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The group of a size, shape and form: `10MB/minified`, `10MB/recorded-ndjson`.
fn group_name(size_name: &str, shape: Shape, form: &str) -> String {
    match shape {
        Shape::Generated => format!("{size_name}/{form}"),
        Shape::Recorded => format!("{size_name}/{}-{form}", shape.name()),
    }
}

/// The sizes at which `shape` is measured, with its templates (none where `../shared` is
/// absent for the recorded shape).
fn inputs(shape: Shape, layout: Layout) -> Vec<(u64, &'static str, Templates)> {
    sizes()
        .into_iter()
        .filter(|&(size, _)| shape == Shape::Generated || size >= 10 * MB)
        .filter_map(|(size, name)| Some((size, name, Templates::of(shape, layout)?)))
        .collect()
}

fn count_slice(input: &[u8]) -> usize {
    let mut n = 0;
    for entry in BundleReader::new(input).expect("a bundle") {
        black_box(entry.expect("a good entry"));
        n += 1;
    }
    n
}

fn count_file(path: &PathBuf) -> usize {
    let file = std::fs::File::open(path).expect("the bench input");
    let mut stream = BundleStream::new(file).expect("a bundle");
    let mut n = 0;
    while let Some(entry) = stream.next_entry() {
        black_box(entry.expect("a good entry"));
        n += 1;
    }
    n
}

fn bench_parse(c: &mut Criterion) {
    for shape in [Shape::Generated, Shape::Recorded] {
        for layout in [Layout::Pretty, Layout::Minified] {
            for (size, size_name, templates) in inputs(shape, layout) {
                let input = templates.bundle(size);
                let file = InputFile::new(&format!("{size_name}-{}-{}", shape.name(), layout.name()), &input);
                let entries = count_slice(&input);
                assert_eq!(count_file(&file.0), entries);

                let mut group = c.benchmark_group(group_name(size_name, shape, layout.name()));
                group.throughput(Throughput::BytesDecimal(input.len() as u64));
                group.sample_size(if size >= 100 * MB { 10 } else { 20 });
                group.measurement_time(Duration::from_secs(if size >= 100 * MB { 20 } else { 8 }));
                group.warm_up_time(Duration::from_secs(2));

                group.bench_function("typed_owned", |b| {
                    b.iter(|| Bundle::parse_owned(black_box(&input), ParseOptions::strict()).unwrap())
                });
                group.bench_function("typed_borrowed", |b| {
                    b.iter(|| json::from_slice::<Bundle>(black_box(&input)).unwrap())
                });
                group.bench_function("stream_slice", |b| b.iter(|| count_slice(black_box(&input))));
                group.bench_function("stream_file", |b| b.iter(|| count_file(&file.0)));
                for threads in thread_counts() {
                    group.bench_function(BenchmarkId::new("parallel", format!("{threads}threads")), |b| {
                        b.iter(|| {
                            let out = BundleReader::new(black_box(&input)).unwrap().par_map(threads, |entry| {
                                black_box(entry);
                            });
                            assert_eq!(out.items.len(), entries);
                        })
                    });
                }
                // The stream from gzip on several threads: the next window is read (decompressed)
                // while the threads parse one.
                let gzip = gzip(&input);
                for threads in thread_counts() {
                    group.bench_function(BenchmarkId::new("stream_gzip", format!("{threads}threads")), |b| {
                        b.iter(|| {
                            let reader = flate2::read::GzDecoder::new(black_box(&gzip[..]));
                            let mut stream = BundleStream::new(reader).expect("a bundle");
                            let mut n = 0;
                            stream.par_for_each(
                                threads,
                                |entry| black_box(entry).resource.is_some(),
                                |r| n += usize::from(r.expect("a good entry")),
                            );
                            assert_eq!(n, entries);
                        })
                    });
                }
                group.bench_function("serde_json_value", |b| {
                    b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&input)).unwrap())
                });
                group.bench_function("serde_json_ignored_any", |b| {
                    b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&input)).unwrap())
                });
                group.bench_function("sonic_rs_value", |b| {
                    b.iter(|| sonic_rs::from_slice::<sonic_rs::Value>(black_box(&input)).unwrap())
                });
                group.finish();
            }
        }
    }
}

/// The resources of `bundle`, one per line.
fn count_ndjson_file(path: &PathBuf) -> usize {
    let file = std::fs::File::open(path).expect("the bench input");
    let mut stream = NdjsonStream::new(file);
    let mut n = 0;
    while let Some(entry) = stream.next_entry() {
        black_box(entry.expect("a good line"));
        n += 1;
    }
    n
}

/// The resources `stream` reads on `threads` threads.
fn stream_count<R: std::io::Read>(mut stream: NdjsonStream<R>, threads: usize) -> usize {
    let mut n = 0;
    stream.par_for_each(
        threads,
        |entry| black_box(entry).resource.is_some(),
        |r| n += usize::from(r.expect("a good line")),
    );
    n
}

/// `bytes` compressed as bulk exports often come (`.ndjson.gz`).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    out.write_all(bytes).expect("compressing in memory");
    out.finish().expect("compressing in memory")
}

/// NDJSON, as bulk exports deliver it (minified, one resource per line): the readers, and
/// sonic-rs parsing each line into a `Value`, on the same bytes.
fn bench_ndjson(c: &mut Criterion) {
    for shape in [Shape::Generated, Shape::Recorded] {
        for (size, size_name, templates) in inputs(shape, Layout::Minified) {
            let input = ndjson_of(&templates.bundle(size));
            let file = InputFile::new(&format!("{size_name}-{}-ndjson", shape.name()), &input);
            let lines = NdjsonReader::new(&input).count();
            assert_eq!(count_ndjson_file(&file.0), lines);

            let mut group = c.benchmark_group(group_name(size_name, shape, "ndjson"));
            group.throughput(Throughput::BytesDecimal(input.len() as u64));
            group.sample_size(if size >= 100 * MB { 10 } else { 20 });
            group.measurement_time(Duration::from_secs(if size >= 100 * MB { 20 } else { 8 }));
            group.warm_up_time(Duration::from_secs(2));
            group.bench_function("ndjson_slice", |b| {
                b.iter(|| {
                    for entry in NdjsonReader::new(black_box(&input)) {
                        black_box(entry.expect("a good line"));
                    }
                })
            });
            group.bench_function("ndjson_file", |b| b.iter(|| count_ndjson_file(&file.0)));
            for threads in thread_counts() {
                group.bench_function(BenchmarkId::new("ndjson_parallel", format!("{threads}threads")), |b| {
                    b.iter(|| {
                        let out = NdjsonReader::new(black_box(&input)).par_map(threads, |entry| {
                            black_box(entry);
                        });
                        assert_eq!(out.items.len(), lines);
                    })
                });
            }
            // The stream on several threads, from the file and from gzip (decompressed as it is
            // read): the next window is read while the threads parse one.
            let gzip = gzip(&input);
            for threads in thread_counts() {
                let label = format!("{threads}threads");
                group.bench_function(BenchmarkId::new("ndjson_stream_file", &label), |b| {
                    b.iter(|| {
                        let file = std::fs::File::open(&file.0).expect("the bench input");
                        assert_eq!(stream_count(NdjsonStream::new(file), threads), lines);
                    })
                });
                group.bench_function(BenchmarkId::new("ndjson_stream_gzip", &label), |b| {
                    b.iter(|| {
                        let reader = flate2::read::GzDecoder::new(black_box(&gzip[..]));
                        assert_eq!(stream_count(NdjsonStream::new(reader), threads), lines);
                    })
                });
            }
            group.bench_function("sonic_rs_value_per_line", |b| {
                b.iter(|| {
                    for line in black_box(&input).split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                        black_box(sonic_rs::from_slice::<sonic_rs::Value>(line).unwrap());
                    }
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_parse, bench_ndjson);
criterion_main!(benches);
