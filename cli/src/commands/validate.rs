//! `bluebutton validate`: checks each input against its Blue Button profile (the IG plus the
//! served-data errata, or the IG as published), the STU3 core definitions or a profile named
//! by `--profile`, and prints every finding.
use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use bluebutton::json::{ErrorKind, ToJson};
use bluebutton::stream::{InputKind, NdjsonStream, Sniffed, StreamOptions};
use bluebutton::validate::{
    short_location, Finding, Options, Outline, ProfileChoice, Report, Severity, Target, Validator,
};
use clap::{Args, ValueEnum};

use super::Format;
use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Text output, per file: a summary line, then one line per finding, the errors first, then the
warnings, then the information (each in the order found):
  <file>: VALID|INVALID <resourceType> (<profile>, <target>): E error(s), W warning(s), I information
    <severity> [<rule>] <location>: <message>
A location longer than 120 characters is shortened in text (its first and last parts, with the
number of parts left out); JSON output keeps it whole. --severity warning (or error) leaves the
less severe findings out of both outputs; the summary line still counts every finding, and a
JSON OperationOutcome left without issues gets one information issue that says how many were
left out.
JSON output: one STU3 OperationOutcome per file, one per line, in the order of the files (a file
that cannot be read or is not JSON gets an OperationOutcome with one `fatal` issue).

A Bundle that cannot be read to its end (a download cut short, or JSON that breaks off) is
reported with the findings of the entries read before the break, under a summary line that
says so, `<file>: NOT READ WHOLE Bundle (...): E error(s), ...`, and in JSON with the `fatal`
issue after them; the error itself goes to standard error. The checks that need the whole
Bundle (its own members' cardinalities and invariants) are not made.

Profiles (--profile): `auto` checks Patient, Coverage and each claim type's ExplanationOfBenefit
against their Blue Button profile, a resource whose meta.profile names a known profile against
that one, and any other STU3 resource against its core definition; `core` checks every resource
against its STU3 core definition only (meta.profile is not followed); a profile URL (a Blue
Button profile, or http://hl7.org/fhir/StructureDefinition/<resource type>) checks the resources
of its type against it and the others against STU3. In a Bundle the choice applies to each entry.

NDJSON (one resource per line, as bulk exports write it) is checked line by line, each line a
document of its own named `<file>:<line>`. A Bundle is read as a stream and checked entry by
entry, and the findings wait in a temporary file when there are many: memory stays small
whatever the size of the input. The entries of each 8 MiB of a Bundle, and the lines of each
window of NDJSON (1 MiB per thread), are shared by the threads (--threads); the report is the
same on any number.

Examples:
  bluebutton validate eob.json patient.json.gz
  bluebutton validate --published --format json bundle.json
  bluebutton validate --profile core medication-dispense.json
  bluebutton validate --profile http://hl7.org/fhir/StructureDefinition/bluebutton-coverage coverage.json
  curl -s \"$URL\" | bluebutton validate -

Exit status: 0 when no file has an error-level finding, 1 when any has one (including JSON that
is not a valid resource), 2 when a file cannot be read or is not JSON (or on usage errors).";

/// Validate Blue Button resources against the IG's profiles and report every finding.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// Check against the IG exactly as published, instead of what the server serves (the IG
    /// plus the served-data errata).
    #[arg(long)]
    pub published: bool,

    /// What each resource is checked against: `auto` (its Blue Button profile, or the one its
    /// meta.profile names, else STU3), `core` (STU3 core definitions only), or the URL of a
    /// known profile.
    #[arg(long, value_name = "auto|core|URL", default_value = "auto")]
    pub profile: ProfileChoice,

    /// Output format: readable lines, or one OperationOutcome per file and line.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// The least severe findings printed: `warning` leaves out the information (an extension
    /// outside the IG is one, and a large Bundle has one per kilobyte), `error` the warnings
    /// too. The counts and the exit status are those of every finding.
    #[arg(long, value_enum, default_value_t = Shown::Information, value_name = "error|warning|information")]
    pub severity: Shown,

    /// Threads that validate the entries of a Bundle and the lines of NDJSON (0: one per
    /// core); the report is the same on any number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// JSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// The least severe findings `validate` prints (`--severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shown {
    Error,
    Warning,
    Information,
}

impl Shown {
    /// Whether a finding of `severity` is printed.
    fn shows(self, severity: Severity) -> bool {
        let least = match self {
            Shown::Error => Severity::Error,
            Shown::Warning => Severity::Warning,
            Shown::Information => Severity::Information,
        };
        // Errors, warnings, information: the order of `Severity`.
        severity as usize <= least as usize
    }
}

/// Runs `validate` and returns the exit status. `Err` only when writing fails.
///
/// Each input is read as a stream (a Bundle is checked entry by entry) and its findings are
/// written out as they are made, to be printed after the line that counts them (in text, by
/// severity: errors first): memory stays bounded whatever the size of the input.
pub fn run(
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<i32> {
    let target = if args.published { Target::Published } else { Target::Served };
    let options = Options::new(target).profile(args.profile).threads(args.threads);
    let output = Output { format: args.format, shown: args.severity };
    let mut inputs = Inputs::for_names(stdin, &args.files);
    let (mut any_invalid, mut any_unreadable) = (false, false);
    // One validator for the files, one after the other (what it learns from one serves the next).
    let mut validator = options.validator();
    for name in &args.files {
        let shown = input::display_name(name);
        let mut print = |shown: &str, validated: Result<(Outline, Findings), Unread>| -> io::Result<()> {
            match validated {
                Ok((outline, findings)) => {
                    any_invalid |= !outline.is_valid();
                    print_document(shown, &outline, findings, None, stdout)
                }
                Err(Unread { message, before }) => {
                    any_unreadable = true;
                    writeln!(stderr, "ERROR {shown}: {message}")?;
                    match before {
                        Some(before) => {
                            let (outline, findings) = *before;
                            print_document(shown, &outline, findings, Some(&message), stdout)
                        }
                        None if args.format == Format::Json => writeln!(stdout, "{}", fatal_outcome(&message)),
                        None => Ok(()),
                    }
                }
            }
        };
        match open_input(&mut inputs, name) {
            Err(message) => print(&shown, Err(message.into()))?,
            Ok(Sniffed { kind: InputKind::Ndjson, reader, .. }) => {
                // One resource per line, each validated as a document of its own, the lines of
                // each window of input on all the threads; printed in line order.
                let stream_options = StreamOptions::default().for_threads(args.threads);
                let mut lines = NdjsonStream::with_options(reader, stream_options);
                let mut printed = Ok(());
                // The validators of the lines, each used by one thread at a time: what one
                // learns from a line (the codes it checked clean) serves the next it takes.
                let validators = Mutex::new(Vec::new());
                lines.par_map_lines(
                    args.threads,
                    // Each line is a resource of its own, on one of the threads.
                    |line| {
                        let spare = validators.lock().ok().and_then(|mut spare| spare.pop());
                        let mut validator = spare.unwrap_or_else(|| options.threads(1).validator());
                        let validated = validate_input(Source::Slice(line.text), &mut validator, output);
                        if let Ok(mut spare) = validators.lock() {
                            spare.push(validator);
                        }
                        (line.number, validated)
                    },
                    |line| {
                        printed = match line {
                            Ok((number, validated)) => print(&format!("{shown}:{number}"), validated),
                            // The input broke (or a line was too long): at that line.
                            Err(e) => {
                                let at = e.line().map_or_else(|| shown.clone(), |line| format!("{shown}:{line}"));
                                print(&at, Err(Unread::from(format!("cannot read: {}", e.error().kind()))))
                            }
                        };
                        // A write error (a closed pipe) stops reading.
                        if printed.is_ok() {
                            ControlFlow::Continue(())
                        } else {
                            ControlFlow::Break(())
                        }
                    },
                );
                printed?;
            }
            Ok(mut sniffed) => {
                let validated = validate_input(Source::Reader(&mut sniffed.reader), &mut validator, output);
                print(&shown, validated)?
            }
        }
    }
    Ok(crate::exit_status(any_unreadable, any_invalid))
}

/// Prints the outcome of one document: its summary line and findings, or its OperationOutcome.
/// `unread`: why a document was not read whole, its findings those made before (then always
/// an OperationOutcome with the `fatal` issue last).
fn print_document(
    shown: &str,
    outline: &Outline,
    findings: Findings,
    unread: Option<&str>,
    stdout: &mut dyn Write,
) -> io::Result<()> {
    match (findings.output.format, unread) {
        (Format::Text, Some(_)) => {
            let [errors, warnings, information] = [outline.errors, outline.warnings, outline.information];
            writeln!(
                stdout,
                "{shown}: NOT READ WHOLE {} ({}, {}): {errors} error(s), {warnings} warning(s), {information} information before it could not be read on",
                outline.resource_type,
                outline.profile.unwrap_or("no definition"),
                outline.target,
            )?;
            findings.copy_to(stdout, &outline.amended)?;
        }
        (Format::Text, None) => {
            write_summary_line(shown, outline, stdout)?;
            findings.copy_to(stdout, &outline.amended)?;
        }
        (Format::Json, Some(why)) => {
            let fatal = issue_json("fatal", "structure", why);
            stdout.write_all(br#"{"resourceType":"OperationOutcome","issue":["#)?;
            let any = findings.printed > 0;
            findings.copy_to(stdout, &outline.amended)?;
            if any {
                stdout.write_all(b",")?;
            }
            stdout.write_all(fatal.as_bytes())?;
            stdout.write_all(b"]}\n")?;
        }
        (Format::Json, None) if outline.findings() == 0 => {
            let report = Report {
                findings: Vec::new(),
                resource_type: outline.resource_type.clone(),
                profile: outline.profile,
                target: outline.target,
            };
            writeln!(stdout, "{}", report.to_operation_outcome().to_json_string())?;
        }
        // Every finding left out: an OperationOutcome has at least one issue.
        (Format::Json, None) if findings.printed == 0 => {
            let message = format!(
                "{} finding(s) less severe than {} left out (--severity)",
                findings.left_out,
                findings.output.shown.to_possible_value().expect("no variant is skipped").get_name()
            );
            writeln!(stdout, "{}", one_issue_outcome("information", "informational", &message))?;
        }
        (Format::Json, None) => {
            stdout.write_all(br#"{"resourceType":"OperationOutcome","issue":["#)?;
            findings.copy_to(stdout, &outline.amended)?;
            stdout.write_all(b"]}\n")?;
        }
    }
    Ok(())
}

/// Opens an input and tells what it holds; `Err` with the reason when it cannot be read.
fn open_input<'i>(inputs: &'i mut Inputs<'_>, name: &OsStr) -> Result<Sniffed<'i>, String> {
    let raw = inputs.open_raw(name).map_err(|e| format!("cannot read: {e}"))?;
    raw.bytes.sniff().map_err(|e| format!("cannot read: {e}"))
}

/// An input that could not be read to its end: why, and for a Bundle checked as it was read,
/// the findings of the entries before.
struct Unread {
    message: String,
    before: Option<Box<(Outline, Findings)>>,
}

impl From<String> for Unread {
    fn from(message: String) -> Self {
        Unread { message, before: None }
    }
}

/// Where a document comes from: a reader (a file, standard input), or memory (a line of NDJSON).
enum Source<'a> {
    Reader(&'a mut dyn Read),
    Slice(&'a [u8]),
}

/// Validates one input, its findings written out as they come; `Err` with the reason when it
/// cannot be read or is not JSON.
fn validate_input(
    source: Source<'_>,
    validator: &mut Validator,
    output: Output,
) -> Result<(Outline, Findings), Unread> {
    let mut findings = Findings::new(output);
    let add = |finding: Finding, provisional| findings.add(&finding, provisional);
    let validated = match source {
        Source::Reader(reader) => validator.validate_reader_with(reader, add),
        Source::Slice(text) => validator.validate_slice_with(text, add),
    };
    let (unfinished, kept) = match (validated, findings.failed.take()) {
        (Ok(outline), None) => return Ok((outline, findings)),
        (Ok(_), Some(e)) => return Err(format!("cannot keep the findings in a temporary file: {e}").into()),
        // The findings before are printed only when they were all kept.
        (Err(unfinished), failed) => (unfinished, failed.is_none()),
    };
    let e = &unfinished.error;
    let message = match e.kind() {
        // Where the input broke, when some of it came.
        ErrorKind::Io(message) if e.offset() > 0 => format!("cannot read: {message} (after {} bytes)", e.offset()),
        ErrorKind::Io(message) => format!("cannot read: {message}"),
        _ => format!("not JSON: {e}"),
    };
    let before = unfinished.before.filter(|_| kept).map(|outline| Box::new((outline, findings)));
    Err(Unread { message, before })
}

/// `  <finding>\n`, the finding as its `Display` writes it, put together without the formatting
/// machinery (a large input has a finding per kilobyte).
fn text_line(finding: &Finding) -> String {
    let location = short_location(&finding.location);
    let severity = finding.severity.as_str();
    let parts = ["  ", severity, " [", finding.rule, "] ", &location, ": ", &finding.message, "\n"];
    // Made at its length: a line that outgrew its room was copied once more.
    let mut line = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        line.push_str(part);
    }
    line
}

fn write_summary_line(shown: &str, outline: &Outline, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{shown}: {outline}")
}

/// How the findings are printed: `--format` and `--severity`.
#[derive(Debug, Clone, Copy)]
struct Output {
    format: Format,
    shown: Shown,
}

/// The findings of one input as they will be printed (text lines, or OperationOutcome issues),
/// written as they are made. Text has one [`Spool`] per severity, printed errors first; JSON one,
/// in the order found.
struct Findings {
    output: Output,
    spools: Vec<Spool>,
    /// Findings handed out (printed or left out): the numbers of the amended ones count them.
    count: usize,
    /// Findings written, and findings less severe than `--severity` left out.
    printed: usize,
    left_out: usize,
    /// The first error writing a temporary file.
    failed: Option<io::Error>,
}

/// Findings written in memory up to [`SPILL_AT`] bytes, then in a temporary file.
#[derive(Default)]
struct Spool {
    memory: Vec<u8>,
    file: Option<TempFile>,
    /// Bytes written.
    len: u64,
    /// The provisional findings: their number (among all the input's findings), whether it
    /// was the first written, and where it was written.
    provisional: Vec<(usize, bool, u64, u64)>,
}

/// How many bytes of findings a spool keeps in memory before they go to a temporary file.
const SPILL_AT: usize = 1 << 20;

impl Findings {
    fn new(output: Output) -> Self {
        let spools = match output.format {
            Format::Text => 3,
            Format::Json => 1,
        };
        let spools = (0..spools).map(|_| Spool::default()).collect();
        Findings { output, spools, count: 0, printed: 0, left_out: 0, failed: None }
    }

    /// How a finding is printed (`first`: the first one printed).
    fn render(format: Format, first: bool, finding: &Finding) -> String {
        match format {
            Format::Text => text_line(finding),
            Format::Json if first => finding.to_issue_json(),
            Format::Json => format!(",{}", finding.to_issue_json()),
        }
    }

    fn add(&mut self, finding: &Finding, provisional: bool) {
        let index = self.count;
        self.count += 1;
        if !self.output.shown.shows(finding.severity) {
            self.left_out += 1;
            return;
        }
        let first = self.printed == 0;
        self.printed += 1;
        let text = Self::render(self.output.format, first, finding);
        let spool = match self.output.format {
            // Errors, warnings, information: the order of `Severity`.
            Format::Text => &mut self.spools[finding.severity as usize],
            Format::Json => &mut self.spools[0],
        };
        let start = spool.len;
        spool.len += text.len() as u64;
        if provisional {
            spool.provisional.push((index, first, start, spool.len));
        }
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = spool.write(text.as_bytes()) {
            self.failed = Some(e);
        }
    }

    /// Writes the findings to `out`, the provisional ones that were `amended` as amended.
    fn copy_to(self, out: &mut dyn Write, amended: &[(usize, Finding)]) -> io::Result<()> {
        let format = self.output.format;
        for spool in self.spools {
            spool.copy_to(out, amended, |first, finding| Self::render(format, first, finding))?;
        }
        Ok(())
    }
}

impl Spool {
    fn write(&mut self, text: &[u8]) -> io::Result<()> {
        self.memory.extend_from_slice(text);
        if self.memory.len() < SPILL_AT {
            return Ok(());
        }
        let spilled = match &mut self.file {
            Some(file) => file.writer.write_all(&self.memory),
            None => TempFile::create().and_then(|mut file| {
                file.writer.write_all(&self.memory)?;
                self.file = Some(file);
                Ok(())
            }),
        };
        self.memory.clear();
        spilled
    }

    /// Writes what was written to `out`, the provisional findings that were `amended` rendered
    /// anew.
    fn copy_to(
        mut self,
        out: &mut dyn Write,
        amended: &[(usize, Finding)],
        render: impl Fn(bool, &Finding) -> String,
    ) -> io::Result<()> {
        match self.file.take() {
            Some(mut file) => {
                file.writer.write_all(&self.memory)?;
                // Read back (and written out) a spill's size at a time: 8 KiB at a time, the
                // 36 MB of findings of a 100 MB Bundle took 4,400 reads and as many writes.
                let written = io::BufReader::with_capacity(SPILL_AT, file.rewind()?);
                self.copy_from(written, out, amended, render)
            }
            None => self.copy_from(&self.memory[..], out, amended, render),
        }
    }

    fn copy_from(
        &self,
        mut written: impl Read,
        out: &mut dyn Write,
        amended: &[(usize, Finding)],
        render: impl Fn(bool, &Finding) -> String,
    ) -> io::Result<()> {
        let mut at = 0;
        for &(index, first, start, end) in &self.provisional {
            let Some((_, finding)) = amended.iter().find(|(i, _)| *i == index) else { continue };
            io::copy(&mut (&mut written).take(start - at), out)?;
            io::copy(&mut (&mut written).take(end - start), &mut io::sink())?;
            out.write_all(render(first, finding).as_bytes())?;
            at = end;
        }
        io::copy(&mut written, out)?;
        Ok(())
    }
}

/// A file in the system's temporary directory, removed when dropped.
struct TempFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl TempFile {
    fn create() -> io::Result<Self> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("bluebutton-validate-{}-{n}.tmp", std::process::id()));
            match OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(TempFile { path, writer: BufWriter::new(file) }),
                // Left over by another process that had this id.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The file, with what was written, to be read from its start.
    fn rewind(&mut self) -> io::Result<&mut File> {
        self.writer.flush()?;
        let file = self.writer.get_mut();
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An OperationOutcome with one fatal issue (for an input that is not a resource at all).
fn fatal_outcome(message: &str) -> String {
    one_issue_outcome("fatal", "structure", message)
}

/// An OperationOutcome with one issue.
fn one_issue_outcome(severity: &str, code: &str, message: &str) -> String {
    format!(r#"{{"resourceType":"OperationOutcome","issue":[{}]}}"#, issue_json(severity, code, message))
}

/// An OperationOutcome issue, as JSON.
fn issue_json(severity: &str, code: &str, message: &str) -> String {
    let mut w = bluebutton::json::Writer::compact();
    w.begin_object();
    w.key("severity");
    w.string(severity);
    w.key("code");
    w.string(code);
    w.key("diagnostics");
    w.string(message);
    w.end_object();
    w.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(message: String) -> Finding {
        Finding {
            severity: Severity::Warning,
            rule: "fixed",
            location: "Patient.gender".to_string(),
            message,
            expected: None,
            found: None,
        }
    }

    /// A spool of more than three times [`SPILL_AT`] (kept in a temporary file, read back in
    /// chunks) gives back what was written, its amended findings rendered anew wherever they
    /// fall: at the start, astride a chunk's end, at the end.
    #[test]
    fn a_spilled_spool_reads_back_with_its_amended_findings() {
        let mut spool = Spool::default();
        let (mut expected, mut amended) = (String::new(), Vec::new());
        let lines = 3 * SPILL_AT / 40 + 7;
        for i in 0..lines {
            let text = format!("finding {i:>8} of the spool, as written\n");
            let start = spool.len;
            spool.len += text.len() as u64;
            // The first and last, one every few thousand, and each that a chunk's end cuts.
            let astride = start / SPILL_AT as u64 != (spool.len - 1) / SPILL_AT as u64;
            let provisional = i == 0 || i % 2917 == 5 || astride || i == lines - 1;
            if provisional {
                spool.provisional.push((i, i == 0, start, spool.len));
            }
            spool.write(text.as_bytes()).unwrap();
            // Every other provisional finding is amended; the others stay as written.
            if provisional && spool.provisional.len() % 2 == 1 {
                amended.push((i, finding(format!("amended {i}"))));
                expected.push_str(&format!("AMENDED {i}\n"));
            } else {
                expected.push_str(&text);
            }
        }
        assert!(spool.file.is_some(), "the findings went to a temporary file");
        let mut out = Vec::new();
        spool.copy_to(&mut out, &amended, |_, f| format!("{}\n", f.message.to_uppercase())).unwrap();
        assert!(amended.len() >= 8);
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
