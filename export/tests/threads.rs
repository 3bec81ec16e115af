//! An export written by writer threads (each with its share of the tables, closed on several
//! threads at the end) has the same files, byte for byte, as one written on the adding thread.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bluebutton::claim_type::ClaimType;
use bluebutton::synth;
use bluebutton_export::{extract, Exporter, Report, Schema, Threads};

/// Exports generated beneficiaries with `threads` into a new folder named after `name`.
fn export(name: &str, threads: Threads) -> (PathBuf, Report) {
    let dir = std::env::temp_dir().join(format!("bluebutton-export-threads-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let schema = Arc::new(Schema::new());
    let mut exporter = Exporter::with_threads(schema.clone(), &dir, threads).unwrap();
    // Enough rows that the coverage, diagnosis and line tables are handed on in several
    // batches, to writers and to the Parquet encoders.
    let options = synth::Options { patients: 100, ..synth::Options::default() };
    for b in synth::beneficiaries(&options) {
        for resource in std::iter::once(&b.patient).chain(&b.coverage).chain(&b.claims) {
            exporter.add(extract(&schema, resource).unwrap()).unwrap();
        }
    }
    (dir.clone(), exporter.finish().unwrap())
}

fn relative(dir: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    files.iter().map(|f| f.strip_prefix(dir).unwrap().to_path_buf()).collect()
}

#[test]
fn writer_threads_write_the_same_files() {
    let (one_dir, one) = export("one", Threads::ONE);
    assert_eq!(one.rows["coverage"], 400);
    assert!(one.rows["diagnoses"] > 1024, "{:?}", one.rows);
    for (name, threads) in [
        ("closers", Threads { writers: 0, closers: 3 }),
        ("pool", Threads { writers: 3, closers: 2 }),
        ("pool-of-one", Threads { writers: 1, closers: 1 }),
    ] {
        let (dir, report) = export(name, threads);
        assert_eq!(report.rows, one.rows, "{name}");
        assert_eq!(report.exported, one.exported, "{name}");
        assert_eq!(relative(&dir, &report.files), relative(&one_dir, &one.files), "{name}");
        for file in relative(&dir, &report.files) {
            let (a, b) = (std::fs::read(one_dir.join(&file)).unwrap(), std::fs::read(dir.join(&file)).unwrap());
            assert!(a == b, "{name}: {} differs", file.display());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::remove_dir_all(&one_dir).unwrap();
}

#[test]
fn a_table_that_cannot_be_written_is_an_error_naming_its_folder() {
    for (name, threads) in [("one-failing", Threads::ONE), ("pool-failing", Threads { writers: 2, closers: 2 })] {
        let dir = std::env::temp_dir().join(format!("bluebutton-export-threads-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let schema = Arc::new(Schema::new());
        let mut exporter = Exporter::with_threads(schema.clone(), &dir, threads).unwrap();
        // A file where the carrier claims' folder goes; the beneficiaries are made until the
        // error comes.
        std::fs::write(dir.join("claims"), b"").unwrap();
        let options = synth::Options { patients: 2000, claim_types: vec![ClaimType::Carrier], ..Default::default() };
        let mut first_error = None;
        for b in synth::beneficiaries(&options) {
            for claim in &b.claims {
                if let Err(e) = exporter.add(extract(&schema, claim).unwrap()) {
                    first_error = Some(e);
                    break;
                }
            }
            if first_error.is_some() {
                break;
            }
        }
        // The rows go to the writer 1,024 at a time: the error comes while they are added
        // (from the writer thread, once it has stopped), and the export can still be ended.
        let error = first_error.unwrap_or_else(|| panic!("{name}: no error while adding")).to_string();
        assert!(error.contains(&dir.join("claims").display().to_string()), "{name}: {error}");
        let _ = exporter.finish();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
