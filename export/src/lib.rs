//! Blue Button claims, beneficiaries and coverage as Parquet tables, for SQL engines (DuckDB,
//! DataFusion, Spark, Trino).
//!
//! An export is a folder with one sub-folder per table, Parquet files in each; `claims` and
//! `claim_lines` are partitioned by claim type, hive-style (`claims/claim_type=carrier/`). The
//! columns ([`Schema`]) come from the views' field catalog: key columns (ids, claim type,
//! billable period, payment and the claim totals of each cost role), then one column per
//! Medicare field, named by its CCW variable. Amounts are exact `Decimal128`, dates `Date32`,
//! codes strings with a dictionary-encoded `<variable>_display` column, counts `Int64`.
//!
//! [`extract()`] turns a resource into rows on any thread; an [`Exporter`] writes them in order,
//! flushing row groups as they fill:
//!
//! ```
//! use bluebutton::{claim_type::ClaimType, synth, Resource};
//! use bluebutton_export::{extract, Exporter};
//!
//! let dir = std::env::temp_dir().join(format!("bluebutton-export-doc-{}", std::process::id()));
//! let mut exporter = Exporter::create(&dir)?;
//! let claim = Resource::ExplanationOfBenefit(Box::new(synth::claim(1, ClaimType::Carrier)));
//! let rows = extract(exporter.schema(), &claim).expect("synthetic values fit their columns");
//! exporter.add(rows)?;
//! let report = exporter.finish()?;
//! assert_eq!(report.rows["claims/claim_type=carrier"], 1);
//! assert!(dir.join("claims/claim_type=carrier/part-0.parquet").is_file());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod extract;
mod hashing;
pub mod schema;
mod terms;
pub mod unmapped;
pub mod values;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

pub use extract::{extract, Extracted, FieldError, Row, Rows, RowsIter};
pub use schema::{Column, ColumnType, Schema, Table, TableKind};
pub use write::WriteError;

use write::DatasetWriter;

/// What an export wrote and met.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows per table folder (`claims/claim_type=carrier`); tables without rows are absent.
    pub rows: BTreeMap<String, u64>,
    /// Exported resources per type.
    pub exported: BTreeMap<&'static str, u64>,
    /// Resources of other types (not held by any table), per type.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Elements no column holds, per bluebutton URL (or variable), with their number.
    pub unmapped: BTreeMap<String, u64>,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Writes the tables of an export.
pub struct Exporter {
    schema: Arc<Schema>,
    writers: Writers,
    report: Report,
}

/// Where rows are encoded and written: on the thread that adds them, or on threads of their
/// own, each with its share of the tables (a table's rows stay in order, on one thread).
enum Writers {
    Here(DatasetWriter, usize),
    Pool(Pool),
}

/// Writer threads, and the rows on their way to each.
struct Pool {
    /// The thread of each table.
    owner: Vec<usize>,
    pending: Vec<Rows>,
    /// The threads and their channels; `None` once a thread has failed (its error returned).
    sends: Vec<Option<mpsc::SyncSender<Rows>>>,
    /// The batches the writer threads have written, emptied, to be filled again: the rows'
    /// buffers are then made and freed on this thread alone (freeing memory another thread's
    /// allocator arena holds takes that arena's lock, which the thread making rows then waits
    /// for).
    spare: mpsc::Receiver<Rows>,
    threads: Vec<Option<std::thread::JoinHandle<Result<DatasetWriter, WriteError>>>>,
    dir: PathBuf,
    /// The threads that close the tables at the end.
    closers: usize,
}

/// What a writer thread wrote: rows per table, and the files.
type Written = (Vec<(usize, u64)>, Vec<PathBuf>);

/// Rows handed to a writer thread at a time, and the batches that may wait for each: what
/// the threads that add rows can be ahead of the writers by (memory stays bounded).
const POOL_BATCH: usize = 1024;
const POOL_BATCHES_AHEAD: usize = 4;

/// How an export spreads its work over threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    /// Threads that encode and write the tables while rows are added, each with its share of
    /// the tables (0: on the thread that adds them).
    pub writers: usize,
    /// Threads that close the tables at the end (encoding their last row groups), the tables
    /// of all writers together, the largest first.
    pub closers: usize,
}

impl Threads {
    /// Everything on the thread that adds the rows.
    pub const ONE: Threads = Threads { writers: 0, closers: 1 };
}

impl Exporter {
    /// An export into `dir`, which must be absent or empty (so that no earlier export's files
    /// mix with this one's), with the program's tables ([`Schema::shared`]).
    pub fn create(dir: &Path) -> Result<Exporter, WriteError> {
        Self::with_schema(Schema::shared(), dir)
    }

    /// An export with the tables of `schema` (the same for every exporter: made once, shared
    /// with the threads that [`extract()`]).
    pub fn with_schema(schema: Arc<Schema>, dir: &Path) -> Result<Exporter, WriteError> {
        Self::with_threads(schema, dir, Threads::ONE)
    }

    /// An export with the tables of `schema`, encoded and written on `threads`. The rows and
    /// values are the same whatever the threads (the row groups may be cut at other rows).
    pub fn with_threads(schema: Arc<Schema>, dir: &Path, threads: Threads) -> Result<Exporter, WriteError> {
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                let e = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the export folder is not empty");
                return Err(WriteError::Io(dir.to_path_buf(), e));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| WriteError::Io(dir.to_path_buf(), e))?;
        let writers = match threads.writers {
            0 => Writers::Here(DatasetWriter::new(schema.clone(), dir), threads.closers),
            n => Writers::Pool(Pool::new(&schema, dir, n, threads.closers)),
        };
        Ok(Exporter { schema, writers, report: Report::default() })
    }

    /// The tables.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Writes what a resource contributes. With writer threads, an error of theirs comes at a
    /// later call, or from [`finish`](Self::finish).
    pub fn add(&mut self, extracted: Extracted) -> Result<(), WriteError> {
        if let Some(t) = extracted.exported {
            *self.report.exported.entry(t).or_default() += 1;
        }
        if let Some(t) = extracted.skipped {
            *self.report.skipped.entry(t).or_default() += 1;
        }
        for u in extracted.unmapped {
            *self.report.unmapped.entry(u).or_default() += 1;
        }
        match &mut self.writers {
            Writers::Here(writer, _) => {
                for (table, row) in &extracted.rows {
                    writer.push(table, row)?;
                }
            }
            Writers::Pool(pool) => pool.add(extracted.rows)?,
        }
        Ok(())
    }

    /// Writes the rows still pending, closes the files, and reports.
    pub fn finish(self) -> Result<Report, WriteError> {
        let mut report = self.report;
        let (written, files) = match self.writers {
            Writers::Here(writer, closers) => (writer.written(), writer.finish(closers)?),
            Writers::Pool(pool) => pool.finish()?,
        };
        for (t, n) in written {
            if n > 0 {
                report.rows.insert(self.schema.tables[t].dir(), n);
            }
        }
        report.files = files;
        Ok(report)
    }
}

impl Pool {
    fn new(schema: &Arc<Schema>, dir: &Path, writers: usize, closers: usize) -> Pool {
        let owner: Vec<usize> = (0..schema.tables.len()).map(|t| t % writers).collect();
        let (mut sends, mut threads) = (Vec::new(), Vec::new());
        let (give_back, spare) = mpsc::channel::<Rows>();
        for w in 0..writers {
            let tables: Vec<usize> = (0..owner.len()).filter(|t| owner[*t] == w).collect();
            let mut writer =
                DatasetWriter::for_tables(schema.clone(), dir, tables.clone(), write::MEMORY_BUDGET / writers);
            let (send, receive) = mpsc::sync_channel::<Rows>(POOL_BATCHES_AHEAD);
            let give_back = give_back.clone();
            sends.push(Some(send));
            threads.push(Some(std::thread::spawn(move || {
                for rows in receive {
                    for (table, row) in &rows {
                        // On an error the receiver goes: the next send fails, and the join says why.
                        writer.push(table, row)?;
                    }
                    // Emptied where it was filled (a closed channel: the export is ending).
                    let _ = give_back.send(rows);
                }
                Ok(writer)
            })));
        }
        let pending = (0..writers).map(|_| Rows::default()).collect();
        Pool { owner, pending, sends, spare, threads, dir: dir.to_path_buf(), closers }
    }

    /// Adds the rows of a resource; the rows of a failed writer are dropped (its error was
    /// returned).
    fn add(&mut self, mut rows: Rows) -> Result<(), WriteError> {
        let mut full = Vec::new();
        rows.drain(|table, cells| {
            let w = self.owner[table];
            if self.sends[w].is_some() {
                self.pending[w].push(table, cells);
                if self.pending[w].len() == POOL_BATCH {
                    full.push(w);
                }
            }
        });
        for w in full {
            let spare = match self.spare.try_recv() {
                Ok(mut spare) => {
                    spare.clear();
                    spare
                }
                Err(_) => Rows::with_capacity(POOL_BATCH, self.pending[w].cell_count()),
            };
            let rows = std::mem::replace(&mut self.pending[w], spare);
            let Some(send) = &self.sends[w] else { continue };
            if send.send(rows).is_err() {
                // The thread has ended on an error: it says which.
                self.sends[w] = None;
                if let Some(Err(e)) = self.threads[w].take().map(join) {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Ends the writer threads (once they have written all rows), and closes all their
    /// tables on one pool of threads.
    fn finish(self) -> Result<Written, WriteError> {
        let Pool { pending, sends, threads, dir, closers, .. } = self;
        for (rows, send) in pending.into_iter().zip(sends) {
            // A writer that has failed says why when joined.
            let _ = send.map(|s| s.send(rows));
        }
        let mut writers = Vec::new();
        let mut first_error = None;
        for thread in threads {
            let Some(thread) = thread else {
                let e = std::io::Error::other("a table writer failed earlier");
                first_error = first_error.or(Some(WriteError::Io(dir.clone(), e)));
                continue;
            };
            match join(thread) {
                Ok(writer) => writers.push(writer),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let written = writers.iter().flat_map(DatasetWriter::written).collect();
        Ok((written, DatasetWriter::finish_all(writers, closers)?))
    }
}

fn join<T>(thread: std::thread::JoinHandle<T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
