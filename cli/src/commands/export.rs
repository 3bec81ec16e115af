//! `bluebutton export`: claims, beneficiaries and coverage as Parquet tables for SQL engines,
//! and `bluebutton schema` (or `export --schema`): the tables' columns as Markdown.
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::mpsc;

use bluebutton::json::{ErrorKind, ParseOptions};
use bluebutton::stream::{EntryError, StreamOptions};
use bluebutton::Resource;
use bluebutton_export::{extract, Exporter, Extracted, FieldError, Report, Schema, Threads, WriteError};
use clap::{Args, ValueEnum};

use crate::input::{self, Bytes, Inputs, STDIN};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};

const AFTER_HELP: &str = "\
Writes one folder per table under DIR, Parquet files in each: patients/, coverage/,
claims/claim_type=<type>/, claim_lines/claim_type=<type>/, diagnoses/, procedures/,
care_team/. Columns are named by CCW variable; amounts are exact decimals, dates are dates,
codes have a <variable>_display column. `bluebutton schema` lists every table and column.

Bundles and NDJSON are streamed and their resources converted on --threads threads: memory stays bounded
whatever the input size. An entry that cannot be read, or a value that does not fit its
column, is reported on stderr (`ERROR <file>: <where>: <message>`) and its resource left out;
elements no column holds are counted and listed.

Examples:
  bluebutton export --to claims-db eob-bundle.json.gz patient.json
  duckdb -c \"SELECT claim_type, count(*) FROM 'claims-db/claims/*/*.parquet' GROUP BY 1\"

Exit status: 0 when every resource was exported, 1 when one was left out, 2 on usage or I/O
errors.";

/// Export Blue Button data as Parquet tables (for DuckDB, DataFusion, Spark).
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ExportArgs {
    /// JSON Bundles, NDJSON or single resources (`-` for standard input; gzip is detected).
    #[arg(value_name = "INPUT", required_unless_present = "schema")]
    pub files: Vec<OsString>,

    /// The folder to write the tables into (absent or empty).
    #[arg(long, value_name = "DIR", required_unless_present = "schema")]
    pub to: Option<PathBuf>,

    /// The file format of the tables.
    #[arg(long, value_enum, default_value_t = TableFormat::Parquet)]
    pub format: TableFormat,

    /// Threads that parse and convert (0: one per core); with more than one, a quarter as many
    /// more (at least one) encode and write the tables meanwhile.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Keep unknown properties instead of rejecting the entries that have them.
    #[arg(long)]
    pub lenient: bool,

    /// Print the tables and their columns (Markdown) instead of exporting.
    #[arg(long, conflicts_with_all = ["files", "to"])]
    pub schema: bool,
}

/// The file formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Apache Parquet.
    Parquet,
}

/// Print the tables that `export` writes and their columns, as Markdown.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// Runs `schema`.
pub fn run_schema(stdout: &mut dyn Write) -> io::Result<i32> {
    stdout.write_all(Schema::new().markdown().as_bytes())?;
    Ok(EXIT_OK)
}

/// What one resource gave: its rows, or the value that did not fit.
type Converted = Result<Extracted, FieldError>;

/// Reads one input (a Bundle or NDJSON, streamed, or a single resource; gzip or not) and
/// hands `each` what `convert` makes of each resource, in order, or the error that made an
/// entry (or the input) unreadable. Resources are converted on `threads`
/// threads. Reading stops when `each` says so.
fn read_resources(
    raw: Bytes<'_>,
    parse: ParseOptions,
    threads: usize,
    convert: &(dyn Fn(&Resource<'_>) -> Converted + Sync),
    each: &mut dyn FnMut(Result<Converted, EntryError>) -> ControlFlow<()>,
) {
    let options = StreamOptions::with_parse(parse).for_threads(threads);
    let mut resources = match raw.resources(options) {
        Ok(resources) => resources,
        Err(e) => {
            let _ = each(Err(e));
            return;
        }
    };
    let map = |entry: bluebutton::resources::BundleEntry<'_>| entry.resource.as_ref().map(convert);
    resources.try_par_for_each(threads, map, |result| match result {
        Ok(Some(converted)) => each(Ok(converted)),
        Ok(None) => ControlFlow::Continue(()),
        Err(e) => each(Err(e)),
    });
}

/// Where converted resources go: the exporter (which encodes and writes on this thread or on
/// writer threads of its own), and the error that stopped it.
struct Sink {
    exporter: Exporter,
    error: Option<WriteError>,
}

impl Sink {
    /// Whether writing has failed (the export stops).
    fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Hands `rows` to the exporter; `Break` once writing has failed.
    fn add(&mut self, rows: Extracted) -> ControlFlow<()> {
        if self.error.is_none() {
            if let Err(e) = self.exporter.add(rows) {
                self.error = Some(e);
            }
        }
        if self.failed() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Writes what is pending and closes the files.
    fn finish(self) -> Result<Report, WriteError> {
        match self.error {
            None => self.exporter.finish(),
            Some(e) => Err(e),
        }
    }
}

/// The threads of an export: `threads` (`--threads`, 0: one per core) convert resources; with
/// more than one, a quarter as many more (at least one) encode and write the tables while the
/// next resources are parsed (each with its share of the tables), and at the end the tables'
/// last row groups are encoded on as many threads as convert.
fn thread_split(threads: usize) -> (usize, Threads) {
    let threads = crate::pool::thread_count(threads);
    if threads == 1 {
        return (1, Threads::ONE);
    }
    (threads, Threads { writers: (threads / 4).max(1), closers: threads })
}

/// Runs `export` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &ExportArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    if args.schema {
        return run_schema(stdout);
    }
    let Some(dir) = &args.to else {
        writeln!(stderr, "error: --to DIR is required")?;
        return Ok(EXIT_USAGE);
    };
    if args.files.iter().filter(|f| *f == STDIN).count() > 1 {
        writeln!(stderr, "error: standard input (`-`) can be read only once")?;
        return Ok(EXIT_USAGE);
    }
    let schema = Schema::shared();
    let (threads, split) = thread_split(args.threads);
    if threads > 1 {
        crate::malloc::open_heaps_whole();
    }
    let exporter = match Exporter::with_threads(schema.clone(), dir, split) {
        Ok(e) => e,
        Err(e) => {
            writeln!(stderr, "error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let parse = if args.lenient { ParseOptions::lenient() } else { ParseOptions::strict() };
    let convert = |r: &Resource<'_>| extract(&schema, r);
    let (mut rejected, mut unreadable) = (0u64, false);
    let mut sink = Sink { exporter, error: None };
    let mut inputs = Inputs::for_names(stdin, &args.files);
    // Several files (standard input aside) on several threads: each file on threads of its
    // own, the files read side by side (many small files, such as pages of a search or the
    // parts of a bulk export, are then read on every core, not one after the other).
    let files: Vec<(usize, &OsString)> = args.files.iter().enumerate().filter(|(_, f)| *f != STDIN).collect();
    let mut outcomes: Vec<Option<FileOutcome>> = args.files.iter().map(|_| None).collect();
    if threads > 1 && files.len() > 1 {
        for (i, outcome) in read_side_by_side(&files, threads, parse, &convert, &mut sink) {
            outcomes[i] = Some(outcome);
        }
    }
    for (i, file) in args.files.iter().enumerate() {
        let name = input::display_name(file);
        let outcome = match outcomes[i].take() {
            Some(outcome) => outcome,
            None if sink.failed() => break,
            None => {
                let mut outcome = FileOutcome::default();
                match inputs.open_raw(file) {
                    Ok(raw) => {
                        read_file(raw.bytes, &name, parse, threads, &convert, &mut outcome, &mut |r| sink.add(r))
                    }
                    Err(e) => outcome.unreadable(format!("ERROR {name}: {e}")),
                }
                outcome
            }
        };
        rejected += outcome.rejected;
        unreadable |= outcome.unreadable;
        for line in outcome.lines {
            writeln!(stderr, "{line}")?;
        }
    }
    let report = match sink.finish() {
        Ok(report) => report,
        Err(e) => {
            writeln!(stderr, "error: cannot write the tables: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    write_report(stdout, dir, &report, rejected)?;
    Ok(if unreadable {
        EXIT_USAGE
    } else if rejected > 0 {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}

/// What reading one input gave, besides its rows: the error lines, the entries or resources
/// left out, and whether it could not be read on.
#[derive(Debug, Default)]
struct FileOutcome {
    lines: Vec<String>,
    rejected: u64,
    unreadable: bool,
}

impl FileOutcome {
    fn unreadable(&mut self, line: String) {
        self.unreadable = true;
        self.lines.push(line);
    }
}

/// Reads one input named `name` on `threads` threads, handing `add` the rows of each
/// resource in order, and noting in `outcome` what was left out. Reading stops when `add`
/// says so (writing has failed: the rest of the input would be read for nothing).
fn read_file(
    raw: Bytes<'_>,
    name: &str,
    parse: ParseOptions,
    threads: usize,
    convert: &(dyn Fn(&Resource<'_>) -> Converted + Sync),
    outcome: &mut FileOutcome,
    add: &mut dyn FnMut(Extracted) -> ControlFlow<()>,
) {
    read_resources(raw, parse, threads, convert, &mut |r| match r {
        Ok(Ok(rows)) => add(rows),
        Ok(Err(e)) => {
            outcome.rejected += 1;
            outcome.lines.push(format!("ERROR {name}: {e}"));
            ControlFlow::Continue(())
        }
        Err(e) => {
            // An entry that cannot be read is left out; an input that cannot be read on (not
            // JSON, an I/O error, inside an entry too) is a usage error.
            if e.index().is_some() || !e.is_fatal() {
                outcome.rejected += 1;
            }
            let io = matches!(e.error().kind(), ErrorKind::Io(_));
            outcome.unreadable |= e.is_fatal() && (e.index().is_none() || io);
            outcome.lines.push(format!("ERROR {name}: {e}"));
            ControlFlow::Continue(())
        }
    });
}

/// Resources whose rows a file's reader hands over at a time, and the batches that may wait:
/// what the readers can be ahead of the exporter by (memory stays bounded).
const BATCH: usize = 256;
const BATCHES_AHEAD: usize = 4;

/// Reads `files` (their index among the inputs, and name) side by side: as many at a time
/// as there are `threads` (each file then on `threads` divided by that number), their rows
/// handed in batches to `sink` on this thread. Returns each file's outcome. A file's rows
/// stay in order; the files' rows are interleaved as they come.
fn read_side_by_side(
    files: &[(usize, &OsString)],
    threads: usize,
    parse: ParseOptions,
    convert: &(dyn Fn(&Resource<'_>) -> Converted + Sync),
    sink: &mut Sink,
) -> Vec<(usize, FileOutcome)> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let readers = threads.min(files.len());
    let each = (threads / readers).max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (send, receive) = mpsc::sync_channel::<Vec<Extracted>>(BATCHES_AHEAD * readers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                let send = send.clone();
                let (next, stop) = (&next, &stop);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    let mut batch = Vec::with_capacity(BATCH);
                    let flush = |batch: &mut Vec<Extracted>| {
                        let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
                        if send.send(full).is_err() {
                            stop.store(true, Ordering::Relaxed);
                        }
                    };
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= files.len() || stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let (index, file) = files[k];
                        let name = input::display_name(file);
                        let mut outcome = FileOutcome::default();
                        match input::open_file(file) {
                            Ok(raw) => read_file(raw.bytes, &name, parse, each, convert, &mut outcome, &mut |rows| {
                                batch.push(rows);
                                if batch.len() >= BATCH {
                                    flush(&mut batch);
                                }
                                if stop.load(Ordering::Relaxed) {
                                    ControlFlow::Break(())
                                } else {
                                    ControlFlow::Continue(())
                                }
                            }),
                            Err(e) => outcome.unreadable(format!("ERROR {name}: {e}")),
                        }
                        done.push((index, outcome));
                    }
                    if !batch.is_empty() {
                        flush(&mut batch);
                    }
                    done
                })
            })
            .collect();
        // The readers hold the only senders now: the batches end when the last reader does.
        drop(send);
        for batch in receive {
            if batch.into_iter().try_for_each(|rows| sink.add(rows)).is_break() {
                // Writing failed: the readers stop at their next resource (the batches on
                // their way are dropped with the receiver).
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

fn write_report(out: &mut dyn Write, dir: &std::path::Path, report: &Report, rejected: u64) -> io::Result<()> {
    let count = |m: &BTreeMap<&str, u64>| m.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ");
    writeln!(
        out,
        "Exported to {}: {}.",
        dir.display(),
        if report.exported.is_empty() { "nothing".to_string() } else { count(&report.exported) }
    )?;
    if rejected > 0 {
        writeln!(out, "Left out: {rejected} entries or resources (see the errors).")?;
    }
    if !report.skipped.is_empty() {
        writeln!(out, "Not exported (no table for them): {}.", count(&report.skipped))?;
    }
    writeln!(out, "\n{:<40} {:>10}", "table", "rows")?;
    for (table, rows) in &report.rows {
        writeln!(out, "{table:<40} {rows:>10}")?;
    }
    let total: u64 = report.unmapped.values().sum();
    if total > 0 {
        writeln!(out, "\nUnmapped: {total} elements that no column holds ({} kinds):", report.unmapped.len())?;
        for (url, n) in &report.unmapped {
            writeln!(out, "  {n:>8}  {url}")?;
        }
    } else {
        writeln!(out, "\nUnmapped: none (every Medicare element has its column).")?;
    }
    Ok(())
}
