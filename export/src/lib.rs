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
pub mod unmapped;
pub mod values;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use extract::{extract, Extracted, FieldError, Row};
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
    writer: DatasetWriter,
    report: Report,
}

impl Exporter {
    /// An export into `dir`, which must be absent or empty (so that no earlier export's files
    /// mix with this one's).
    pub fn create(dir: &Path) -> Result<Exporter, WriteError> {
        Self::with_schema(Arc::new(Schema::new()), dir)
    }

    /// An export with the tables of `schema` (the same for every exporter: made once, shared
    /// with the threads that [`extract()`]).
    pub fn with_schema(schema: Arc<Schema>, dir: &Path) -> Result<Exporter, WriteError> {
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                let e = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the export folder is not empty");
                return Err(WriteError::Io(dir.to_path_buf(), e));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| WriteError::Io(dir.to_path_buf(), e))?;
        let writer = DatasetWriter::new(schema.clone(), dir);
        Ok(Exporter { schema, writer, report: Report::default() })
    }

    /// The tables.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Writes what a resource contributes.
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
        for (table, row) in extracted.rows {
            self.writer.push(table, row)?;
        }
        Ok(())
    }

    /// Writes the rows still pending, closes the files, and reports.
    pub fn finish(self) -> Result<Report, WriteError> {
        let mut report = self.report;
        for (t, n) in self.writer.written() {
            if n > 0 {
                report.rows.insert(t.dir(), n);
            }
        }
        report.files = self.writer.finish()?;
        Ok(report)
    }
}
