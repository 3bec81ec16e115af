//! `bluebutton validate`: checks each input against its Blue Button profile (the IG plus the
//! served-data errata, or the IG as published) and prints every finding.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::json::ToJson;
use bluebutton::validate::{validate_json, Report, Severity, Target};
use clap::{Args, ValueEnum};

use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Text output, per file: a summary line, then one line per finding:
  <file>: VALID|INVALID <resourceType> (<profile>, <target>): E error(s), W warning(s), I information
    <severity> [<rule>] <location>: <message>
JSON output: one STU3 OperationOutcome per file, one per line, in the order of the files (a file
that cannot be read or is not JSON gets an OperationOutcome with one `fatal` issue).

Examples:
  bluebutton validate eob.json patient.json.gz
  bluebutton validate --published --format json bundle.json
  curl -s \"$URL\" | bluebutton validate -

Exit status: 0 when no file has an error-level finding, 1 when any has one (including JSON that
is not a valid resource), 2 when a file cannot be read or is not JSON (or on usage errors).";

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable lines.
    Text,
    /// One OperationOutcome per file, one per line.
    Json,
}

/// Validate Blue Button resources against the IG's profiles and report every finding.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// Check against the IG exactly as published, instead of what the server serves (the IG
    /// plus the served-data errata).
    #[arg(long)]
    pub published: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// JSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// Runs `validate` and returns the exit status. `Err` only when writing fails.
pub fn run(
    args: &ValidateArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<i32> {
    let target = if args.published { Target::Published } else { Target::Served };
    let mut inputs = Inputs::new(stdin);
    let (mut any_invalid, mut any_unreadable) = (false, false);
    for name in &args.files {
        let shown = input::display_name(name);
        let report = inputs
            .read(name)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| validate_json(&bytes, target).map_err(|e| format!("not JSON: {e}")));
        let report = match report {
            Ok(report) => report,
            Err(message) => {
                any_unreadable = true;
                writeln!(stderr, "ERROR {shown}: {message}")?;
                if args.format == Format::Json {
                    writeln!(stdout, "{}", fatal_outcome(&message))?;
                }
                continue;
            }
        };
        any_invalid |= !report.is_valid();
        match args.format {
            Format::Text => write_text(&shown, &report, stdout)?,
            Format::Json => writeln!(stdout, "{}", report.to_operation_outcome().to_json_string())?,
        }
    }
    Ok(crate::exit_status(any_unreadable, any_invalid))
}

fn write_text(shown: &str, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let verdict = if report.is_valid() { "VALID" } else { "INVALID" };
    let resource = if report.resource_type.is_empty() { "(no resourceType)" } else { &report.resource_type };
    let profile = report.profile.unwrap_or("no definition");
    writeln!(
        out,
        "{shown}: {verdict} {resource} ({profile}, {}): {} error(s), {} warning(s), {} information",
        report.target,
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Information)
    )?;
    for finding in &report.findings {
        writeln!(out, "  {finding}")?;
    }
    Ok(())
}

/// An OperationOutcome with one fatal issue (for an input that is not a resource at all).
fn fatal_outcome(message: &str) -> String {
    let mut w = bluebutton::json::Writer::compact();
    w.begin_object();
    w.key("resourceType");
    w.string("OperationOutcome");
    w.key("issue");
    w.begin_array();
    w.begin_object();
    w.key("severity");
    w.string("fatal");
    w.key("code");
    w.string("structure");
    w.key("diagnostics");
    w.string(message);
    w.end_object();
    w.end_array();
    w.end_object();
    w.into_string()
}
