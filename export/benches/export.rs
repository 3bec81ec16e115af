//! Export throughput beside `summary`'s, in one run on the same bytes, in MB/s of input:
//!
//! - `summary`: the typed parse and the summary's digest of each resource, added up (what
//!   `bluebutton summary --threads 1` does for each resource);
//! - `rows`: the typed parse and the conversion to rows ([`extract`]: the views' fields as typed
//!   cells, the claim totals, the unmapped check), nothing written;
//! - `write`: the writing alone, of the rows `rows` makes (made beforehand): Arrow columns,
//!   Parquet files ([`Exporter`], one thread, into a temporary folder), closed;
//! - `export`: the parse, the conversion and the writing (`rows`, then `write`).
//!
//! ```sh
//! cargo bench -p bluebutton-export --bench export               # generated and recorded, NDJSON and minified Bundle
//! cargo bench -p bluebutton-export --bench export -- recorded   # the server's claims only
//! ```
//! The issue's target is the export at half of `summary`'s speed: the `export` line at half the
//! `summary` line's MB/s in the same group. The inputs are those of the model's benchmarks
//! (`benches/support/input.rs`, 40 MB): generated claims with every field filled, and the
//! server's recorded claims of every type, repeated with their real field density (they need
//! `../shared` beside the repository). `benches/export_vs_summary.sh` compares the two
//! commands as whole processes, on one thread and on all, with their peak memory.
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bluebutton::resources::BundleEntry;
use bluebutton::stream::{BundleReader, NdjsonReader};
use bluebutton::summary::{ResourceDigest, Totals};
use bluebutton_export::{extract, Exporter, Schema, Threads};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

#[path = "../../benches/support/input.rs"]
mod input;

use input::{ndjson_of, Layout, Shape, Templates};

/// Large enough that what an export costs once (its files created and closed, about 5 to 20 ms
/// with the disk) is a small part of it, as on the inputs it is meant for.
const SIZE: u64 = 40_000_000;

/// An input: a Bundle, or the same resources as NDJSON.
#[derive(Clone, Copy)]
enum Form {
    Bundle,
    Ndjson,
}

/// Hands each entry of `input` to `each`, in order.
fn for_each_entry(form: Form, input: &[u8], mut each: impl FnMut(BundleEntry<'_>)) {
    match form {
        Form::Bundle => BundleReader::new(input).expect("a bundle").for_each(|e| each(e.expect("a good entry").entry)),
        Form::Ndjson => NdjsonReader::new(input).for_each(|e| each(e.expect("a good line").entry)),
    }
}

/// A folder for one export, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(n: usize) -> Self {
        Folder(std::env::temp_dir().join(format!("bluebutton-bench-export-{}-{n}", std::process::id())))
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bench(c: &mut Criterion) {
    let schema = Arc::new(Schema::new());
    let mut exports = 0;
    for shape in [Shape::Generated, Shape::Recorded] {
        let Some(templates) = Templates::of(shape, Layout::Minified) else { continue };
        let bundle = templates.bundle(SIZE);
        let ndjson = ndjson_of(&bundle);
        for (form, name, input) in [(Form::Ndjson, "ndjson", &ndjson), (Form::Bundle, "minified", &bundle)] {
            let mut group = c.benchmark_group(format!("export/40MB/{}-{name}", shape.name()));
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.sample_size(10).measurement_time(Duration::from_secs(10));
            group.bench_function("summary", |b| {
                b.iter(|| {
                    let mut totals = Totals::default();
                    for_each_entry(form, input, |entry| totals.add(&ResourceDigest::of_entry(entry)));
                    black_box(totals)
                })
            });
            group.bench_function("rows", |b| {
                b.iter(|| {
                    let mut cells = 0;
                    for_each_entry(form, input, |entry| {
                        if let Some(resource) = &entry.resource {
                            cells += extract(&schema, resource).expect("every value fits").rows.cell_count();
                        }
                    });
                    black_box(cells)
                })
            });
            // The writing alone: the rows made beforehand, each export given a copy of them.
            let mut extracted = Vec::new();
            for_each_entry(form, input, |entry| {
                if let Some(resource) = &entry.resource {
                    extracted.push(extract(&schema, resource).expect("every value fits"));
                }
            });
            group.bench_function("write", |b| {
                b.iter_batched(
                    || extracted.clone(),
                    |extracted| {
                        exports += 1;
                        let folder = Folder::new(exports);
                        let mut exporter =
                            Exporter::with_threads(schema.clone(), &folder.0, Threads::ONE).expect("a new folder");
                        for rows in extracted {
                            exporter.add(rows).expect("written");
                        }
                        black_box(exporter.finish().expect("closed"))
                    },
                    BatchSize::PerIteration,
                )
            });
            drop(extracted);
            group.bench_function("export", |b| {
                b.iter(|| {
                    exports += 1;
                    let folder = Folder::new(exports);
                    let mut exporter =
                        Exporter::with_threads(schema.clone(), &folder.0, Threads::ONE).expect("a new folder");
                    for_each_entry(form, input, |entry| {
                        if let Some(resource) = &entry.resource {
                            exporter.add(extract(&schema, resource).expect("every value fits")).expect("written");
                        }
                    });
                    black_box(exporter.finish().expect("closed"))
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
