//! `bluebutton summary`: streams Bundles, NDJSON (or single resources) and sums up their claims per claim
//! type: claims, claim lines (items), payments and the dates of service.
//!
//! The sums are the library's ([`bluebutton::summary`]); this command reads the inputs, keeps
//! what went wrong (`outcome`) and prints (`report`).
mod outcome;
mod progress;
mod report;

use std::cell::Cell;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::rc::Rc;

use bluebutton::json::ParseOptions;
use bluebutton::stream::{InputKind, StreamOptions};
use bluebutton::summary::ResourceDigest;
use clap::{Args, ValueEnum};

use super::Format;
use crate::input::{self, Bytes, Inputs, STDIN};
use crate::EXIT_USAGE;
use outcome::{ErrorRecord, Failed, InputInfo, Summary};
use progress::Progress;

const AFTER_HELP: &str = "\
Per claim type: claims, claim lines (items), the sum of the payment amounts (`payment.amount`,
exact; `paid` counts the claims that have one) and the first and last dates of service (the
claim's billablePeriod, or its items' serviced dates when it has none).

Bundles are streamed: memory stays small whatever their size. Bad entries are reported on
stderr (`ERROR <file>: <json-path>: <message>`) and the rest is summed up.

Examples:
  bluebutton summary                       # the built-in demo data
  bluebutton summary eob-bundle.json.gz --format json
  curl -s \"$URL\" | bluebutton summary -

Exit status: 0 when everything was read, 1 when an entry or resource could not be parsed,
2 on usage or I/O errors.";

/// Stream Bundles of Blue Button claims and sum them up per claim type.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SummaryArgs {
    /// JSON Bundles or single resources (`-` for standard input; gzip is detected). Without
    /// any, the built-in demo data.
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,

    /// Output format: sentences and a table, or one JSON object.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Keep unknown properties instead of rejecting the entries that have them.
    #[arg(long)]
    pub lenient: bool,

    /// Threads that parse (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// A progress bar on stderr: `auto` shows one for inputs that take a while when stderr is
    /// a terminal.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// When to show a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    Auto,
    Always,
    Never,
}

/// The built-in demo data: the project's example Bundles.
const BUILT_IN: [(&str, &[u8]); 2] = [
    ("demo-bundle.json (built-in)", include_bytes!("../../../../examples/data/demo-bundle.json")),
    ("claims-bundle.json (built-in)", include_bytes!("../../../../examples/data/claims-bundle.json")),
];

/// Counts the bytes read through it, for the progress bar: where reading stands, once it has
/// gone back to the start (to tell what the input holds).
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.count.set(at);
        Ok(at)
    }
}

/// Summarizes one input, read from `raw` (`size` bytes, when known).
fn summarize(
    name: &str,
    raw: Bytes<'_>,
    size: Option<u64>,
    args: &SummaryArgs,
    summary: &mut Summary,
    progress: &mut Progress<'_>,
) {
    let options = if args.lenient { ParseOptions::lenient() } else { ParseOptions::strict() };
    let count = Rc::new(Cell::new(0));
    let mut info = InputInfo { name: name.to_string(), ..InputInfo::default() };
    let stream_options = StreamOptions::with_parse(options).for_threads(args.threads);
    progress.start(name, size);
    let counted = match raw {
        Bytes::Seekable(inner) => Bytes::Seekable(Box::new(Counting { inner, count: count.clone() })),
        Bytes::Stream(inner) => Bytes::Stream(Box::new(Counting { inner, count: count.clone() })),
    };
    let mut resources = match counted.resources(stream_options) {
        Ok(resources) => resources,
        Err(e) => {
            summary.errors.push(ErrorRecord::entry(name, &e));
            summary.inputs.push(info);
            progress.finish();
            return;
        }
    };
    info.kind = Some(resources.kind());
    if resources.kind() == InputKind::Resource {
        info.resource_type = resources.single_resource_type();
        summary.entries += 1;
        match resources.next_entry() {
            Some(Ok(entry)) => summary.totals.add(&ResourceDigest::of(entry.resource())),
            Some(Err(e)) => {
                info.unreadable = 1;
                summary.errors.push(ErrorRecord::parse(name, e.error(), Failed::Resource, None));
            }
            None => {}
        }
        info.bytes = resources.bytes_read();
        summary.inputs.push(info);
        progress.finish();
        return;
    }
    let (mut entries, mut unreadable) = (0, 0);
    resources.par_for_each(args.threads, ResourceDigest::of_entry, |result| {
        match result {
            Ok(d) => {
                entries += 1;
                summary.add(&d);
            }
            Err(e) => {
                if e.index().is_some() {
                    entries += 1;
                    unreadable += 1;
                    summary.entries += 1;
                }
                summary.errors.push(ErrorRecord::entry(name, &e));
            }
        }
        progress.update(count.get(), entries);
    });
    info.entries = entries;
    info.unreadable = unreadable;
    info.bytes = resources.bytes_read();
    if let Some(header) = resources.header() {
        info.resource_type = Some("Bundle".to_string());
        info.bundle_type = header.type_().map(|t| t.to_string());
        info.total = header.total().map(|t| t.get());
    }
    summary.inputs.push(info);
    progress.finish();
}

/// Runs `summary` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(
    args: &SummaryArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<i32> {
    if args.files.iter().filter(|f| *f == STDIN).count() > 1 {
        writeln!(stderr, "error: standard input (`-`) can be read only once")?;
        return Ok(EXIT_USAGE);
    }
    let mut summary = Summary::default();
    let show = match args.progress {
        ProgressMode::Always => Some(true),
        ProgressMode::Never => None,
        ProgressMode::Auto => io::stderr().is_terminal().then_some(false),
    };
    {
        let mut progress = Progress::new(&mut *stderr, show);
        if args.files.is_empty() {
            for (name, bytes) in BUILT_IN {
                let size = bytes.len() as u64;
                let bytes = Bytes::Seekable(Box::new(io::Cursor::new(bytes)));
                summarize(name, bytes, Some(size), args, &mut summary, &mut progress);
            }
        }
        let mut inputs = Inputs::for_names(stdin, &args.files);
        for file in &args.files {
            let name = input::display_name(file);
            match inputs.open_raw(file) {
                Ok(raw) => summarize(&name, raw.bytes, raw.size, args, &mut summary, &mut progress),
                Err(e) => summary.errors.push(ErrorRecord::io(&name, &e)),
            }
        }
    }
    for e in &summary.errors {
        writeln!(stderr, "{}", e.line())?;
    }
    match args.format {
        Format::Text => stdout.write_all(report::text(&summary).as_bytes())?,
        Format::Json => stdout.write_all(report::json_text(&summary).as_bytes())?,
    }
    Ok(summary.exit_status())
}
