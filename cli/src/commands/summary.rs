//! `bluebutton summary`: streams Bundles (or single resources) and sums up their claims per claim
//! type: claims, claim lines (items), payments and the dates of service.
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ErrorKind, Lexer, ParseOptions, Writer};
use bluebutton::primitives::Decimal;
use bluebutton::resources::{BundleEntry, ExplanationOfBenefit, ExplanationOfBenefitItemServiced};
use bluebutton::stream::{BundleStream, EntryError, StreamOptions};
use bluebutton::Resource;
use clap::{Args, ValueEnum};

use super::Format;
use crate::input::{self, STDIN};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};

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
    ("demo-bundle.json (built-in)", include_bytes!("../../../examples/data/demo-bundle.json")),
    ("claims-bundle.json (built-in)", include_bytes!("../../../examples/data/claims-bundle.json")),
];

/// How much input the parallel mode takes at a time.
const WINDOW: usize = 8 << 20;

// ----- exact sums of money -----

/// An exact decimal sum: `units` × 10^-`scale`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    units: i128,
    scale: u32,
}

impl Amount {
    /// The value of a FHIR decimal, exactly; `None` past 38 digits.
    pub fn of(d: &Decimal<'_>) -> Option<Amount> {
        let text = d.as_str();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        Some(Amount { units: if negative { -units } else { units }, scale: frac.len() as u32 })
    }

    fn rescaled(self, scale: u32) -> Option<i128> {
        self.units.checked_mul(10i128.checked_pow(scale - self.scale)?)
    }

    /// The same value with at least `scale` digits after the point (saturating).
    pub fn with_scale_at_least(self, scale: u32) -> Amount {
        if self.scale >= scale {
            return self;
        }
        match self.rescaled(scale) {
            Some(units) => Amount { units, scale },
            None => self,
        }
    }

    /// The exact sum; `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        let scale = self.scale.max(other.scale);
        Some(Amount { units: self.rescaled(scale)?.checked_add(other.rescaled(scale)?)?, scale })
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let digits = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

// ----- what one entry contributes -----

/// The kind of a claim: a Blue Button claim type, or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ClaimKind {
    Known(ClaimType),
    Unknown,
}

impl ClaimKind {
    fn name(self) -> &'static str {
        match self {
            ClaimKind::Known(t) => t.as_str(),
            ClaimKind::Unknown => "unknown",
        }
    }
}

/// What a claim contributes to the summary.
#[derive(Debug, Clone)]
struct ClaimDigest {
    kind: ClaimKind,
    lines: u64,
    /// `Some(None)`: a payment amount too large to add up exactly.
    payment: Option<Option<Amount>>,
    first: Option<String>,
    last: Option<String>,
}

/// What an entry contributes to the summary (made on any thread).
#[derive(Debug, Clone)]
struct Digest {
    resource_type: Option<&'static str>,
    claim: Option<ClaimDigest>,
}

/// The date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) of a date or dateTime text: its first ten
/// characters, which order as the dates do.
fn date_part(text: &str) -> &str {
    &text[..text.len().min(10)]
}

fn widen(range: &mut (Option<String>, Option<String>), date: &str) {
    let date = date_part(date);
    if range.0.as_deref().map_or(true, |d| date < d) {
        range.0 = Some(date.to_string());
    }
    if range.1.as_deref().map_or(true, |d| date > d) {
        range.1 = Some(date.to_string());
    }
}

fn digest_claim(eob: &ExplanationOfBenefit<'_>) -> ClaimDigest {
    let kind = ClaimType::of(eob).map_or(ClaimKind::Unknown, ClaimKind::Known);
    let payment = eob.payment.as_ref().and_then(|p| p.amount.as_ref()).and_then(|m| m.value()).map(Amount::of);
    let mut range = (None, None);
    if let Some(period) = &eob.billable_period {
        for date in [period.start(), period.end()].into_iter().flatten() {
            widen(&mut range, date.as_str());
        }
    }
    if range.0.is_none() {
        for item in &eob.item {
            match &item.serviced {
                Some(ExplanationOfBenefitItemServiced::Date(d)) => {
                    if let Some(d) = d.value() {
                        widen(&mut range, d.as_str());
                    }
                }
                Some(ExplanationOfBenefitItemServiced::Period(p)) => {
                    for date in [p.start(), p.end()].into_iter().flatten() {
                        widen(&mut range, date.as_str());
                    }
                }
                None => {}
            }
        }
    }
    ClaimDigest { kind, lines: eob.item.len() as u64, payment, first: range.0, last: range.1 }
}

fn digest_resource(resource: Option<&Resource<'_>>) -> Digest {
    match resource {
        None => Digest { resource_type: None, claim: None },
        Some(Resource::ExplanationOfBenefit(eob)) => {
            Digest { resource_type: Some("ExplanationOfBenefit"), claim: Some(digest_claim(eob)) }
        }
        Some(r) => Digest { resource_type: Some(r.resource_type()), claim: None },
    }
}

fn digest(entry: BundleEntry<'_>) -> Digest {
    digest_resource(entry.resource.as_ref())
}

// ----- the summary -----

/// The sums for one claim type (or all).
#[derive(Debug, Clone, Default)]
struct ClaimStats {
    claims: u64,
    lines: u64,
    payment: Amount,
    paid_claims: u64,
    /// A payment too large to add up exactly was met.
    overflow: bool,
    first: Option<String>,
    last: Option<String>,
}

impl ClaimStats {
    fn add(&mut self, c: &ClaimDigest) {
        self.claims += 1;
        self.lines += c.lines;
        if let Some(amount) = c.payment {
            self.paid_claims += 1;
            match amount.and_then(|a| self.payment.checked_add(a)) {
                Some(sum) => self.payment = sum,
                None => self.overflow = true,
            }
        }
        let mut range = (self.first.take(), self.last.take());
        for date in [&c.first, &c.last].into_iter().flatten() {
            widen(&mut range, date);
        }
        (self.first, self.last) = range;
    }

    /// The sum of the payments, with cents at least (`564.00`, not `564.0`).
    fn payment_text(&self) -> Option<String> {
        match (self.paid_claims, self.overflow) {
            (0, _) => None,
            (_, true) => Some("overflow".to_string()),
            (_, false) => Some(self.payment.with_scale_at_least(2).to_string()),
        }
    }
}

/// One input as read.
#[derive(Debug, Default)]
struct InputInfo {
    name: String,
    resource_type: Option<String>,
    bundle_type: Option<String>,
    total: Option<u32>,
    /// Entries read (for a Bundle), good or bad.
    entries: u64,
    /// Entries (or the resource) that could not be read.
    unreadable: u64,
    bytes: u64,
}

/// What an error was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    /// An entry of a Bundle (left out of the sums).
    Entry,
    /// A single resource (left out of the sums).
    Resource,
    /// The Bundle itself: one of its members, or its JSON structure.
    Bundle,
    /// Reading the input.
    Io,
}

/// An error met, for the report.
#[derive(Debug)]
struct ErrorRecord {
    input: String,
    failed: Failed,
    index: Option<usize>,
    path: Option<String>,
    message: String,
    line_column: Option<(usize, usize)>,
}

impl ErrorRecord {
    fn parse(input: &str, e: &json::Error, failed: Failed, index: Option<usize>) -> Self {
        if let ErrorKind::Io(message) = e.kind() {
            return ErrorRecord::io(input, message);
        }
        let (line, column) = e.line_column();
        ErrorRecord {
            input: input.to_string(),
            failed,
            index,
            path: Some(e.path().to_string()),
            message: e.kind().to_string(),
            line_column: (line > 0).then_some((line, column)),
        }
    }

    fn entry(input: &str, e: &EntryError) -> Self {
        let failed = if e.index().is_some() { Failed::Entry } else { Failed::Bundle };
        Self::parse(input, e.error(), failed, e.index())
    }

    fn io(input: &str, e: &dyn std::fmt::Display) -> Self {
        ErrorRecord {
            input: input.to_string(),
            failed: Failed::Io,
            index: None,
            path: None,
            message: format!("cannot read: {e}"),
            line_column: None,
        }
    }

    fn line(&self) -> String {
        let mut s = format!("ERROR {}: ", self.input);
        if let Some(path) = &self.path {
            let _ = write!(s, "{path}: ");
        }
        s.push_str(&self.message);
        if let Some((line, column)) = self.line_column {
            let _ = write!(s, " (line {line}, column {column})");
        }
        s
    }
}

#[derive(Debug, Default)]
struct Summary {
    inputs: Vec<InputInfo>,
    entries: u64,
    resources: BTreeMap<&'static str, u64>,
    by_kind: BTreeMap<ClaimKind, ClaimStats>,
    all: ClaimStats,
    errors: Vec<ErrorRecord>,
}

impl Summary {
    /// Counts an entry read.
    fn add(&mut self, d: &Digest) {
        self.entries += 1;
        self.count(d);
    }

    /// Adds what an entry or resource holds to the sums.
    fn count(&mut self, d: &Digest) {
        if let Some(t) = d.resource_type {
            *self.resources.entry(t).or_default() += 1;
        }
        if let Some(c) = &d.claim {
            self.by_kind.entry(c.kind).or_default().add(c);
            self.all.add(c);
        }
    }
}

// ----- reading -----

/// Counts the bytes read through it, for the progress bar.
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

/// Reads up to `limit` bytes (fewer only at the end of the input).
fn read_prefix(r: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(limit);
    r.take(limit as u64).read_to_end(&mut prefix)?;
    Ok(prefix)
}

/// The `resourceType` of the JSON object `prefix` starts, if it is in there.
fn peek_resource_type(prefix: &[u8]) -> Option<String> {
    let mut lx = Lexer::new(prefix, ParseOptions::lenient());
    let mut cursor = lx.begin_object().ok()?;
    while let Some(key) = lx.next_key(&mut cursor).ok()? {
        if key.as_bytes() == b"resourceType" {
            return lx.string("a string").ok().map(|(s, _)| s.into_owned());
        }
        lx.skip_value().ok()?;
    }
    None
}

/// Summarizes one input, read from `raw` (`size` bytes, when known).
fn summarize(
    name: &str,
    raw: &mut dyn Read,
    size: Option<u64>,
    args: &SummaryArgs,
    summary: &mut Summary,
    progress: &mut Progress<'_>,
) {
    let options = if args.lenient { ParseOptions::lenient() } else { ParseOptions::strict() };
    let count = Rc::new(Cell::new(0));
    let mut info = InputInfo { name: name.to_string(), ..InputInfo::default() };
    let mut reader = match input::decompressing(Box::new(Counting { inner: raw, count: count.clone() })) {
        Ok(reader) => reader,
        Err(e) => {
            summary.errors.push(ErrorRecord::io(name, &e));
            summary.inputs.push(info);
            return;
        }
    };
    let prefix = match read_prefix(&mut reader, 64 << 10) {
        Ok(p) => p,
        Err(e) => {
            summary.errors.push(ErrorRecord::io(name, &e));
            summary.inputs.push(info);
            return;
        }
    };
    progress.start(name, size);
    let peeked = peek_resource_type(&prefix);
    if peeked.as_deref().is_some_and(|t| t != "Bundle") {
        // A single resource: small enough to read whole.
        let mut text = prefix;
        if let Err(e) = reader.read_to_end(&mut text) {
            summary.errors.push(ErrorRecord::io(name, &e));
        } else {
            info.bytes = text.len() as u64;
            info.resource_type = peeked;
            summary.entries += 1;
            match json::from_slice_with::<Resource>(&text, options) {
                Ok(resource) => summary.count(&digest_resource(Some(&resource))),
                Err(e) => {
                    info.unreadable = 1;
                    summary.errors.push(ErrorRecord::parse(name, &e, Failed::Resource, None));
                }
            }
        }
        summary.inputs.push(info);
        progress.finish();
        return;
    }

    let stream_options = StreamOptions { parse: options, buffer_size: WINDOW, ..StreamOptions::default() };
    let mut stream = match BundleStream::with_options(io::Cursor::new(prefix).chain(reader), stream_options) {
        Ok(stream) => stream,
        Err(e) => {
            summary.errors.push(ErrorRecord::entry(name, &e));
            summary.inputs.push(info);
            progress.finish();
            return;
        }
    };
    info.resource_type = Some("Bundle".to_string());
    let (mut entries, mut unreadable) = (0, 0);
    stream.par_for_each(args.threads, digest, |result| {
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
    info.bytes = stream.bytes_read();
    let header = stream.header();
    info.bundle_type = header.type_().map(|t| t.to_string());
    info.total = header.total().map(|t| t.get());
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
                let mut bytes = bytes;
                summarize(name, &mut bytes, Some(size), args, &mut summary, &mut progress);
            }
        }
        for file in &args.files {
            let name = input::display_name(file);
            if file == STDIN {
                summarize(&name, &mut *stdin, None, args, &mut summary, &mut progress);
                continue;
            }
            match std::fs::File::open(file) {
                Ok(mut f) => {
                    let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                    summarize(&name, &mut f, size, args, &mut summary, &mut progress);
                }
                Err(e) => summary.errors.push(ErrorRecord::io(&name, &e)),
            }
        }
    }
    for e in &summary.errors {
        writeln!(stderr, "{}", e.line())?;
    }
    match args.format {
        Format::Text => stdout.write_all(text(&summary).as_bytes())?,
        Format::Json => stdout.write_all(json_text(&summary).as_bytes())?,
    }
    Ok(if summary.errors.iter().any(|e| e.failed == Failed::Io) {
        EXIT_USAGE
    } else if summary.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_INVALID
    })
}

// ----- output -----

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.2} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

fn text(s: &Summary) -> String {
    let mut out = String::new();
    for input in &s.inputs {
        let _ = write!(out, "{}: ", input.name);
        match (input.resource_type.as_deref(), &input.bundle_type) {
            (Some("Bundle"), bundle_type) => {
                let _ = write!(out, "Bundle");
                if let Some(t) = bundle_type {
                    let _ = write!(out, " ({t})");
                }
                let _ = write!(out, ", {}", plural(input.entries, "entry", "entries"));
                if let Some(total) = input.total {
                    let _ = write!(out, " (total {total})");
                }
                if input.unreadable > 0 {
                    let _ = write!(out, ", {} unreadable", input.unreadable);
                }
            }
            (Some(t), _) => {
                let _ = write!(out, "{t}");
                if input.unreadable > 0 {
                    let _ = write!(out, ", unreadable");
                }
            }
            (None, _) => {
                let _ = write!(out, "not read");
            }
        }
        let _ = writeln!(out, ", {}", size_text(input.bytes));
    }
    let mut kinds: Vec<String> = s.resources.iter().map(|(t, n)| format!("{n} {t}")).collect();
    let unreadable: u64 = s.inputs.iter().map(|i| i.unreadable).sum();
    if unreadable > 0 {
        kinds.push(format!("{unreadable} unreadable"));
    }
    let _ = write!(
        out,
        "{} in {}",
        plural(s.entries, "resource", "resources"),
        plural(s.inputs.len() as u64, "input", "inputs")
    );
    if !kinds.is_empty() {
        let _ = write!(out, ": {}", kinds.join(", "));
    }
    out.push('\n');
    let per_kind: Vec<String> = s
        .by_kind
        .iter()
        .map(|(k, c)| format!("{} {} ({})", k.name(), c.claims, plural(c.lines, "line", "lines")))
        .collect();
    let _ = write!(out, "{} ({})", plural(s.all.claims, "claim", "claims"), plural(s.all.lines, "line", "lines"));
    if !per_kind.is_empty() {
        let _ = write!(out, ": {}", per_kind.join(", "));
    }
    out.push('\n');
    if s.all.claims > 0 {
        out.push('\n');
        let rows: Vec<(&str, &ClaimStats)> =
            s.by_kind.iter().map(|(k, c)| (k.name(), c)).chain(std::iter::once(("total", &s.all))).collect();
        let pay: Vec<String> = rows.iter().map(|(_, c)| c.payment_text().unwrap_or_else(|| "-".into())).collect();
        let pay_width = pay.iter().map(String::len).max().unwrap_or(0).max("payment".len());
        let mut table = format!(
            "{:<10} {:>8} {:>8}  {:>pay_width$} {:>8}  {:<13}  {:<13}\n",
            "claim type", "claims", "lines", "payment", "paid", "first service", "last service"
        );
        for ((name, c), pay) in rows.iter().zip(&pay) {
            let _ = writeln!(
                table,
                "{:<10} {:>8} {:>8}  {:>pay_width$} {:>8}  {:<13}  {:<13}",
                name,
                c.claims,
                c.lines,
                pay,
                c.paid_claims,
                c.first.as_deref().unwrap_or("-"),
                c.last.as_deref().unwrap_or("-"),
            );
        }
        for line in table.lines() {
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let count = |failed| s.errors.iter().filter(|e| e.failed == failed).count() as u64;
    let (entries, resources, bundle) = (count(Failed::Entry), count(Failed::Resource), count(Failed::Bundle));
    if entries + resources > 0 {
        let mut what = Vec::new();
        if entries > 0 {
            what.push(plural(entries, "entry", "entries"));
        }
        if resources > 0 {
            what.push(plural(resources, "resource", "resources"));
        }
        let verb = if entries + resources == 1 { "was" } else { "were" };
        let _ = writeln!(
            out,
            "\n{} could not be read and {verb} left out (see the ERROR lines on stderr)",
            what.join(" and ")
        );
    }
    if bundle > 0 {
        let _ = writeln!(
            out,
            "{} in the Bundles themselves (see the ERROR lines on stderr)",
            plural(bundle, "error", "errors")
        );
    }
    out
}

fn json_claims(w: &mut Writer, c: &ClaimStats) {
    w.begin_object();
    w.key("claims");
    w.display(c.claims);
    w.key("lines");
    w.display(c.lines);
    w.key("payment");
    match c.payment_text() {
        Some(p) if !c.overflow => w.raw(&p),
        Some(p) => w.string(&p),
        None => w.null(),
    }
    w.key("paid_claims");
    w.display(c.paid_claims);
    for (key, date) in [("first_date", &c.first), ("last_date", &c.last)] {
        w.key(key);
        match date {
            Some(d) => w.string(d),
            None => w.null(),
        }
    }
    w.end_object();
}

fn json_text(s: &Summary) -> String {
    let mut w = Writer::pretty(2);
    w.begin_object();
    w.key("inputs");
    w.begin_array();
    for input in &s.inputs {
        w.begin_object();
        w.key("name");
        w.string(&input.name);
        w.key("resource_type");
        match &input.resource_type {
            Some(t) => w.string(t),
            None => w.null(),
        }
        if let Some(t) = &input.bundle_type {
            w.key("bundle_type");
            w.string(t);
        }
        if let Some(t) = input.total {
            w.key("total");
            w.display(t);
        }
        w.key("entries");
        w.display(input.entries);
        w.key("unreadable");
        w.display(input.unreadable);
        w.key("bytes");
        w.display(input.bytes);
        w.end_object();
    }
    w.end_array();
    w.key("entries");
    w.display(s.entries);
    w.key("resources");
    w.begin_object();
    for (t, n) in &s.resources {
        w.key(t);
        w.display(n);
    }
    w.end_object();
    w.key("claims");
    json_claims(&mut w, &s.all);
    w.key("by_claim_type");
    w.begin_object();
    for (k, c) in &s.by_kind {
        w.key(k.name());
        json_claims(&mut w, c);
    }
    w.end_object();
    w.key("errors");
    w.begin_array();
    for e in &s.errors {
        w.begin_object();
        w.key("input");
        w.string(&e.input);
        w.key("failed");
        w.string(match e.failed {
            Failed::Entry => "entry",
            Failed::Resource => "resource",
            Failed::Bundle => "bundle",
            Failed::Io => "io",
        });
        w.key("index");
        match e.index {
            Some(i) => w.display(i),
            None => w.null(),
        }
        w.key("path");
        match &e.path {
            Some(p) => w.string(p),
            None => w.null(),
        }
        w.key("message");
        w.string(&e.message);
        if let Some((line, column)) = e.line_column {
            w.key("line");
            w.display(line);
            w.key("column");
            w.display(column);
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    let mut text = w.into_string();
    text.push('\n');
    text
}

// ----- the progress bar -----

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct Progress<'w> {
    out: &'w mut dyn Write,
    /// `None`: off; `Some(true)`: from the start; `Some(false)`: once an input takes a while.
    show: Option<bool>,
    name: String,
    size: Option<u64>,
    started: Instant,
    last_draw: Option<Instant>,
}

impl<'w> Progress<'w> {
    fn new(out: &'w mut dyn Write, show: Option<bool>) -> Self {
        Progress { out, show, name: String::new(), size: None, started: Instant::now(), last_draw: None }
    }

    fn start(&mut self, name: &str, size: Option<u64>) {
        self.name = name.to_string();
        self.size = size;
        self.started = Instant::now();
        self.last_draw = None;
    }

    fn update(&mut self, done: u64, entries: u64) {
        let Some(always) = self.show else { return };
        let now = Instant::now();
        let due = match self.last_draw {
            None => always || now - self.started >= Duration::from_millis(500),
            Some(last) => now - last >= Duration::from_millis(100),
        };
        if !due {
            return;
        }
        self.last_draw = Some(now);
        let elapsed = (now - self.started).as_secs_f64().max(1e-3);
        let rate = size_text((done as f64 / elapsed) as u64);
        let mut line = format!("\r{} ", self.name);
        match self.size.filter(|&s| s > 0) {
            Some(size) => {
                let fraction = (done as f64 / size as f64).min(1.0);
                let filled = (fraction * 30.0) as usize;
                let _ = write!(
                    line,
                    "[{}{}] {:>3}% {} / {}",
                    "#".repeat(filled),
                    "-".repeat(30 - filled),
                    (fraction * 100.0) as u32,
                    size_text(done),
                    size_text(size)
                );
            }
            None => {
                let _ = write!(line, "{}", size_text(done));
            }
        }
        let _ = write!(line, "  {rate}/s  {}\x1b[K", plural(entries, "entry", "entries"));
        let _ = self.out.write_all(line.as_bytes()).and_then(|()| self.out.flush());
    }

    /// Clears the bar, if it was drawn.
    fn finish(&mut self) {
        if self.last_draw.take().is_some() {
            let _ = self.out.write_all(b"\r\x1b[K").and_then(|()| self.out.flush());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Amount {
        Amount::of(&Decimal::new(text).unwrap()).unwrap()
    }

    #[test]
    fn amounts_add_up_exactly() {
        let sum = ["0.1", "0.2", "96.50", "-1", "100"]
            .iter()
            .fold(Amount::default(), |s, t| s.checked_add(amount(t)).unwrap());
        assert_eq!(sum.to_string(), "195.80");
        assert_eq!(amount("-0.05").to_string(), "-0.05");
        assert_eq!(amount("7").to_string(), "7");
        assert!(Amount::of(&Decimal::new("1".repeat(40)).unwrap()).is_none());
        let big = amount(&"9".repeat(38));
        assert!(big.checked_add(big).is_none());
    }

    #[test]
    fn resource_types_are_peeked() {
        assert_eq!(peek_resource_type(br#"{"id": "x", "resourceType": "Patient"}"#).as_deref(), Some("Patient"));
        assert_eq!(peek_resource_type(br#"{"entry": [{"resourceType": "Patient"}], "resourceType""#), None);
        assert_eq!(peek_resource_type(b"[]"), None);
    }
}
