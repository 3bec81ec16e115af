//! Rows into Parquet files: one writer per table (or partition), created at its first row,
//! fed in batches, its row groups flushed as they fill so that memory stays bounded.
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Date32Builder, Decimal128Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::extract::Row;
use crate::hashing::{KeyMap, TextMap};
use crate::schema::{ColumnType, Schema, Table};
use crate::values::{Cell, Text};

/// Rows kept per table before they are handed to its Parquet writer as one batch.
const BATCH_ROWS: usize = 1024;
/// Rows per row group.
const ROW_GROUP_ROWS: usize = 65536;
/// A row group is flushed once its encoded data reaches this size, however few its rows.
const ROW_GROUP_BYTES: usize = 16 << 20;
/// What the writers of all tables may hold together (their in-progress row groups, as
/// [`ArrowWriter::memory_size`] estimates): past it, the largest is flushed as a row group.
/// Memory stays bounded whatever the input size, with many tables or few.
pub(crate) const MEMORY_BUDGET: usize = 32 << 20;

/// Rows and row groups per file: past either, a table's next rows go to a new file
/// (`part-1.parquet`, ...), so that the footer a writer keeps until the end (the metadata of
/// every row group) stays small.
const FILE_ROWS: u64 = 1 << 20;
const FILE_ROW_GROUPS: usize = 32;

/// What went wrong writing the dataset.
#[derive(Debug)]
pub enum WriteError {
    Io(PathBuf, io::Error),
    Parquet(PathBuf, ParquetError),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            WriteError::Parquet(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for WriteError {}

/// One table's pending rows and its current file.
struct TableFile {
    /// The rows not yet handed to the writer, already in columns.
    pending: Option<Batch>,
    writer: Option<ArrowWriter<File>>,
    /// The table's folder.
    dir: PathBuf,
    /// The number of the current file, and its path.
    part: usize,
    path: PathBuf,
    /// Rows written, in all files and in the current one.
    written: u64,
    in_file: u64,
}

impl TableFile {
    /// Hands the pending rows to the table's writer as one batch (opening its file, or its
    /// next file when the current one is full); files closed on the way go to `closed`.
    fn write_rows(&mut self, table: &Table, closed: &mut Vec<PathBuf>) -> Result<(), WriteError> {
        let pending = self.pending.take();
        let row_groups = self.writer.as_ref().map_or(0, |w| w.flushed_row_groups().len());
        if self.in_file >= FILE_ROWS || row_groups >= FILE_ROW_GROUPS {
            if let Some(w) = self.writer.take() {
                w.close().map_err(|e| WriteError::Parquet(self.path.clone(), e))?;
                closed.push(self.path.clone());
            }
            (self.part, self.in_file) = (self.part + 1, 0);
        }
        if self.writer.is_none() {
            self.path = self.dir.join(format!("part-{}.parquet", self.part));
            self.writer = Some(open(table, &self.path)?);
        }
        let Some(writer) = self.writer.as_mut() else { unreachable!("opened above") };
        if let Some(pending) = pending {
            let rows = pending.rows as u64;
            let batch = pending.finish(table).map_err(|e| WriteError::Parquet(self.path.clone(), e.into()))?;
            writer.write(&batch).map_err(|e| WriteError::Parquet(self.path.clone(), e))?;
            self.written += rows;
            self.in_file += rows;
        }
        Ok(())
    }

    /// Writes the pending rows and closes the file; a table that is not partitioned gets a
    /// file even when it has no rows, so that it can be queried.
    fn close(&mut self, table: &Table, closed: &mut Vec<PathBuf>) -> Result<(), WriteError> {
        if self.pending.is_some() || (!table.kind.partitioned() && self.writer.is_none()) {
            self.write_rows(table, closed)?;
        }
        if let Some(w) = self.writer.take() {
            w.close().map_err(|e| WriteError::Parquet(self.path.clone(), e))?;
            closed.push(self.path.clone());
        }
        Ok(())
    }

    /// What closing the table will encode: its in-progress row group and pending rows
    /// (an estimate, to close the largest tables first).
    fn pending_work(&self) -> usize {
        self.writer.as_ref().map_or(0, ArrowWriter::memory_size) + self.pending_rows() * 256
    }

    fn pending_rows(&self) -> usize {
        self.pending.as_ref().map_or(0, |b| b.rows)
    }
}

/// The writers of the tables of a dataset (all of them, or the share of one thread).
pub struct DatasetWriter {
    schema: Arc<Schema>,
    files: Vec<TableFile>,
    /// The tables this writer writes (by index in the schema).
    tables: Vec<usize>,
    /// What the in-progress row groups of its tables may hold together.
    budget: usize,
    /// The files closed so far.
    closed: Vec<PathBuf>,
}

impl DatasetWriter {
    /// Writers for the tables of `schema` under `dir`, each table's rows in
    /// `<table>/part-<n>.parquet`.
    pub fn new(schema: Arc<Schema>, dir: &Path) -> Self {
        let tables = (0..schema.tables.len()).collect();
        Self::for_tables(schema, dir, tables, MEMORY_BUDGET)
    }

    /// Writers for the tables numbered `tables` only, whose in-progress row groups may hold
    /// `budget` bytes together (one share of an export written by several threads).
    pub(crate) fn for_tables(schema: Arc<Schema>, dir: &Path, tables: Vec<usize>, budget: usize) -> Self {
        let files = schema
            .tables
            .iter()
            .map(|t| TableFile {
                pending: None,
                writer: None,
                dir: dir.join(t.dir()),
                part: 0,
                path: PathBuf::new(),
                written: 0,
                in_file: 0,
            })
            .collect();
        DatasetWriter { schema, files, tables, budget, closed: Vec::new() }
    }

    /// Adds a row to table `table`.
    pub fn push(&mut self, table: usize, row: &Row) -> Result<(), WriteError> {
        let f = &mut self.files[table];
        let pending = f.pending.get_or_insert_with(|| Batch::new(&self.schema.tables[table]));
        pending.push(&self.schema.tables[table], row);
        if pending.rows >= BATCH_ROWS {
            f.write_rows(&self.schema.tables[table], &mut self.closed)?;
            self.keep_to_budget()?;
        }
        Ok(())
    }

    /// Flushes the largest in-progress row groups until the writers hold at most their budget
    /// ([`MEMORY_BUDGET`] for a whole dataset).
    fn keep_to_budget(&mut self) -> Result<(), WriteError> {
        loop {
            let sizes = self.files.iter().map(|f| f.writer.as_ref().map_or(0, ArrowWriter::memory_size));
            let (total, largest) = sizes.enumerate().fold((0, (0, 0)), |(total, largest), (i, size)| {
                (total + size, if size > largest.1 { (i, size) } else { largest })
            });
            if total <= self.budget || largest.1 == 0 {
                return Ok(());
            }
            let f = &mut self.files[largest.0];
            if let Some(w) = f.writer.as_mut() {
                w.flush().map_err(|e| WriteError::Parquet(f.path.clone(), e))?;
            }
        }
    }

    /// Writes the pending rows and closes the files, on `threads` threads (tables are
    /// independent: each is closed by one thread, the largest first), and returns the files
    /// written. A table that is not partitioned gets a file even when it has no rows, so that
    /// it can be queried.
    pub fn finish(self, threads: usize) -> Result<Vec<PathBuf>, WriteError> {
        Self::finish_all(vec![self], threads)
    }

    /// [`finish`](Self::finish) for the writers of several threads' shares of a dataset
    /// together: their tables closed on one pool of `threads` threads.
    pub(crate) fn finish_all(writers: Vec<DatasetWriter>, threads: usize) -> Result<Vec<PathBuf>, WriteError> {
        let Some(schema) = writers.first().map(|w| w.schema.clone()) else { return Ok(Vec::new()) };
        let mut closed = Vec::new();
        let mut shares = Vec::new();
        for w in writers {
            closed.extend(w.closed);
            shares.push((w.files, w.tables));
        }
        let mut work: Vec<(usize, &mut TableFile)> = Vec::new();
        for (files, tables) in &mut shares {
            work.extend(files.iter_mut().enumerate().filter(|(i, _)| tables.contains(i)));
        }
        work.sort_by_key(|(i, f)| (std::cmp::Reverse(f.pending_work()), *i));
        let threads = threads.clamp(1, work.len().max(1));
        let queue = std::sync::Mutex::new(work.into_iter());
        let close_some = || {
            let (mut paths, mut errors) = (Vec::new(), Vec::new());
            loop {
                let next = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
                let Some((i, f)) = next else { break };
                if let Err(e) = f.close(&schema.tables[i], &mut paths) {
                    errors.push((i, e));
                }
            }
            (paths, errors)
        };
        let results: Vec<_> = if threads == 1 {
            vec![close_some()]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads).map(|_| s.spawn(close_some)).collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
            })
        };
        let mut errors = Vec::new();
        for (paths, e) in results {
            closed.extend(paths);
            errors.extend(e);
        }
        // The first table's error, whatever the thread that met it.
        if let Some((_, e)) = errors.into_iter().min_by_key(|(i, _)| *i) {
            return Err(e);
        }
        closed.sort();
        Ok(closed)
    }

    /// Rows written so far (handed to the writer) of the tables this writer writes, by table
    /// index in the schema.
    pub fn written(&self) -> Vec<(usize, u64)> {
        self.tables.iter().map(|&t| (t, self.files[t].written + self.files[t].pending_rows() as u64)).collect()
    }
}

/// Creates a file of `table`. The table's Arrow schema is embedded (`ARROW:schema` in the
/// footer): an Arrow reader gets the display columns as dictionaries and each column's label
/// as its field's metadata. (Leaving it out saves a tenth of the instructions of exporting a
/// page of claims, 0.6% of a 42.5 MB export: not worth files that describe themselves less.)
fn open(table: &Table, path: &Path) -> Result<ArrowWriter<File>, WriteError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| WriteError::Io(dir.to_path_buf(), e))?;
    }
    let file = File::create(path).map_err(|e| WriteError::Io(path.to_path_buf(), e))?;
    ArrowWriter::try_new(file, table.arrow_schema(), Some(properties(table)))
        .map_err(|e| WriteError::Parquet(path.to_path_buf(), e))
}

/// How a table's files are written. Snappy (fast, and what every engine reads). Dictionary
/// encoding only for the code columns and their displays, where few values repeat over many
/// rows; ids, amounts and dates are mostly distinct, and the dictionary only costs (a hash per
/// value, then a fallback to plain encoding). Statistics per row group (what engines prune
/// with), not per page, and no page index: no column index (page statistics), nor the offset
/// index, whose page locations let a reader skip pages, by those statistics or after a filter
/// on other columns (DataFusion's filter pushdown, off by default). A column of a row group
/// (at most 65,536 rows) is a few pages (each at most 20,000 rows or 1 MB), so there is little
/// to skip; without the index nothing is held in memory until the file is closed, and less is
/// written per column.
fn properties(table: &Table) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_created_by(format!("bluebutton-export {}", env!("CARGO_PKG_VERSION")))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_dictionary_enabled(false)
        .set_offset_index_disabled(true);
    for c in table.columns.iter().filter(|c| c.ty == ColumnType::Code) {
        props = props
            .set_column_dictionary_enabled(ColumnPath::from(c.name.as_str()), true)
            .set_column_dictionary_enabled(ColumnPath::from(format!("{}_display", c.name)), true);
    }
    props.build()
}

/// A column being built.
enum Builder {
    Text(StringBuilder),
    Code(StringBuilder, Box<Displays>),
    Decimal(Decimal128Builder, u8, i8),
    Date(Date32Builder),
    Int(Int64Builder),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Text => Builder::Text(StringBuilder::new()),
            ColumnType::Code => Builder::Code(StringBuilder::new(), Box::default()),
            ColumnType::Decimal { precision, scale } => Builder::Decimal(Decimal128Builder::new(), precision, scale),
            ColumnType::Date => Builder::Date(Date32Builder::new()),
            ColumnType::Int | ColumnType::Year => Builder::Int(Int64Builder::new()),
        }
    }

    /// Appends `cell`. The extraction typed every cell for its column.
    fn append(&mut self, cell: &Cell) {
        match (self, cell) {
            (Builder::Text(b), Cell::Text(s)) => b.append_value(s.as_str()),
            (Builder::Code(c, d), Cell::Code(code, display)) => {
                c.append_value(code.as_str());
                d.append(display.as_ref());
            }
            (Builder::Decimal(b, ..), Cell::Decimal(v)) => b.append_value(*v),
            (Builder::Date(b), Cell::Date(v)) => b.append_value(*v),
            (Builder::Int(b), Cell::Int(v)) => b.append_value(*v),
            (b, _) => b.append_nulls(1),
        }
    }

    /// Appends `n` nulls.
    fn append_nulls(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self {
            Builder::Text(b) => b.append_nulls(n),
            Builder::Code(c, d) => {
                c.append_nulls(n);
                d.append_nulls(n);
            }
            Builder::Decimal(b, ..) => b.append_nulls(n),
            Builder::Date(b) => b.append_nulls(n),
            Builder::Int(b) => b.append_nulls(n),
        }
    }

    fn finish(self, out: &mut Vec<ArrayRef>) -> Result<(), arrow_schema::ArrowError> {
        match self {
            Builder::Text(mut b) => out.push(Arc::new(b.finish())),
            Builder::Code(mut c, d) => {
                out.push(Arc::new(c.finish()));
                out.push(Arc::new(d.finish()?));
            }
            Builder::Decimal(mut b, p, s) => out.push(Arc::new(b.finish().with_precision_and_scale(p, s)?)),
            Builder::Date(mut b) => out.push(Arc::new(b.finish())),
            Builder::Int(mut b) => out.push(Arc::new(b.finish())),
        }
        Ok(())
    }
}

/// The display column of a code column, dictionary-encoded as Arrow's dictionary builder makes
/// it (keys in the order the texts first come), where a code system's display (the same text at
/// the same address, row after row) is found by its address instead of hashing its text again.
#[derive(Default)]
struct Displays {
    keys: Int32Builder,
    values: StringBuilder,
    by_text: TextMap<i32>,
    by_address: KeyMap<(usize, usize), i32>,
}

impl Displays {
    fn append(&mut self, display: Option<&Text>) {
        let Some(display) = display else { return self.keys.append_null() };
        let address = display.as_static().map(|s| (s.as_ptr() as usize, s.len()));
        if let Some(key) = address.and_then(|a| self.by_address.get(&a)) {
            return self.keys.append_value(*key);
        }
        let key = match self.by_text.get(display.as_str()) {
            Some(key) => *key,
            None => {
                let key = i32::try_from(self.by_text.len()).expect("fewer displays than rows in a batch");
                self.values.append_value(display.as_str());
                self.by_text.insert(display.as_str().into(), key);
                key
            }
        };
        if let Some(address) = address {
            self.by_address.insert(address, key);
        }
        self.keys.append_value(key);
    }

    fn append_nulls(&mut self, n: usize) {
        self.keys.append_nulls(n);
    }

    fn finish(mut self) -> Result<DictionaryArray<Int32Type>, arrow_schema::ArrowError> {
        DictionaryArray::try_new(self.keys.finish(), Arc::new(self.values.finish()))
    }
}

/// A table's pending rows in columns, each cell appended to its column as its row comes (the
/// row is then dropped): a row has a few of its table's hundreds of columns, so a column gets
/// the nulls before its next cell at once, and a column no row has a cell in gets its builder
/// only at the end, for its nulls.
struct Batch {
    columns: Vec<Option<Builder>>,
    /// The rows each column has so far.
    filled: Vec<usize>,
    rows: usize,
}

impl Batch {
    fn new(table: &Table) -> Batch {
        Batch { columns: table.columns.iter().map(|_| None).collect(), filled: vec![0; table.columns.len()], rows: 0 }
    }

    fn push(&mut self, table: &Table, row: &Row) {
        let r = self.rows;
        for (c, cell) in row {
            let c = usize::from(*c);
            let b = self.columns[c].get_or_insert_with(|| Builder::new(table.columns[c].ty));
            b.append_nulls(r.saturating_sub(self.filled[c]));
            b.append(cell);
            self.filled[c] = r + 1;
        }
        self.rows += 1;
    }

    /// The rows as one Arrow record batch of `table`'s schema.
    fn finish(self, table: &Table) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let mut arrays = Vec::with_capacity(table.arrow_schema().fields().len());
        for ((column, b), filled) in table.columns.iter().zip(self.columns).zip(self.filled) {
            let mut b = b.unwrap_or_else(|| Builder::new(column.ty));
            b.append_nulls(self.rows.saturating_sub(filled));
            b.finish(&mut arrays)?;
        }
        RecordBatch::try_new(table.arrow_schema(), arrays)
    }
}
