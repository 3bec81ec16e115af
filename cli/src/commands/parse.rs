//! `bluebutton parse`: checks that each input parses (strictly, or leniently) as a Blue Button
//! resource and, optionally, that it round-trips losslessly.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::json::{self, Difference, JsonPath, ParseOptions, Writer};
use bluebutton::Resource;
use clap::Args;

use super::Format;
use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Prints one line per input: `OK <file>`, or `ERROR <file>: <json-path>: <message>`. NDJSON (one
resource per line, as bulk exports write it) is checked line by line: one line per resource,
named `<file>:<line>`.
With --format json, one JSON object per input and line (JSON Lines):
  {\"file\": ..., [\"line\": N,] \"ok\": true|false, \"error\": null|{\"path\", \"message\", \"line\", \"column\"},
   \"roundtrip\": null|{\"path\", \"message\"}, \"unknown\": [<json-path>...]}
`error` is why the input does not parse (`path` is null when it cannot be read), `roundtrip` the
first difference when --roundtrip finds one, `unknown` the unknown properties --lenient kept.

Examples:
  bluebutton parse --roundtrip eob.json bundle.json.gz
  curl -s \"$URL\" | bluebutton parse -
  bluebutton parse --format json samples/*.json | grep '\"ok\":false'

Exit status: 0 when every input is OK, 1 when any is rejected, 2 on usage or I/O errors.";

/// Parse Blue Button JSON resources and report the first error in each, by JSON path.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ParseArgs {
    /// Also write each resource back out and require the same JSON
    /// (member order aside, numbers by their exact text).
    #[arg(long)]
    pub roundtrip: bool,

    /// Keep unknown properties instead of rejecting them; each is reported as a WARNING.
    #[arg(long)]
    pub lenient: bool,

    /// Output format: `OK`, `WARNING` and `ERROR` lines, or one JSON object per input and line.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// JSON or NDJSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// The outcome of one input.
#[derive(Debug, Default)]
struct Checked {
    /// The JSON paths of the unknown properties kept (lenient parsing).
    unknown: Vec<JsonPath>,
    problem: Option<Problem>,
}

/// Why an input is not OK.
#[derive(Debug)]
enum Problem {
    /// It cannot be read.
    Unreadable(io::Error),
    /// It does not parse.
    Invalid(json::Error),
    /// It parses, but written back it differs.
    Differs(Difference),
}

/// Runs `parse` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &ParseArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<i32> {
    let mut inputs = Inputs::for_names(stdin, &args.files);
    let mut any_invalid = false;
    let mut any_unreadable = false;
    for name in &args.files {
        let shown = input::display_name(name);
        let read = inputs.documents(name, |document| {
            let checked = check(document.bytes, args);
            any_invalid |= checked.problem.is_some();
            report(&document.name(&shown), document.line, &checked, args.format, stdout)
        })?;
        if let Err(e) = read {
            any_unreadable = true;
            let checked = Checked { unknown: Vec::new(), problem: Some(Problem::Unreadable(e)) };
            report(&shown, None, &checked, args.format, stdout)?;
        }
    }
    Ok(crate::exit_status(any_unreadable, any_invalid))
}

/// Prints the outcome of one document (`line`: its NDJSON line).
fn report(shown: &str, line: Option<u64>, checked: &Checked, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => write_text(shown, checked, out),
        Format::Json => writeln!(out, "{}", json_line(shown, line, checked)),
    }
}

fn check(bytes: &[u8], args: &ParseArgs) -> Checked {
    let invalid = |e| Checked { unknown: Vec::new(), problem: Some(Problem::Invalid(e)) };
    let (options, unknown) = if args.lenient {
        match json::from_slice_lenient::<Resource>(bytes) {
            Ok(parsed) => (ParseOptions::lenient(), parsed.unknown),
            Err(e) => return invalid(e),
        }
    } else {
        match json::from_slice::<Resource>(bytes) {
            Ok(_) => (ParseOptions::strict(), Vec::new()),
            Err(e) => return invalid(e),
        }
    };
    let problem = if args.roundtrip {
        match json::round_trip_difference::<Resource>(bytes, options) {
            Ok(None) => None,
            Ok(Some(d)) => Some(Problem::Differs(d)),
            Err(e) => Some(Problem::Invalid(e)),
        }
    } else {
        None
    };
    Checked { unknown, problem }
}

fn write_text(shown: &str, checked: &Checked, out: &mut dyn Write) -> io::Result<()> {
    match &checked.problem {
        None => {
            writeln!(out, "OK {shown}")?;
            for path in &checked.unknown {
                writeln!(out, "WARNING {shown}: {path}: unknown property kept")?;
            }
            Ok(())
        }
        Some(Problem::Unreadable(e)) => writeln!(out, "ERROR {shown}: cannot read: {e}"),
        Some(Problem::Invalid(e)) => writeln!(out, "ERROR {shown}: {e}"),
        Some(Problem::Differs(d)) => writeln!(out, "ERROR {shown}: {}: round-trip differs: {}", d.path, d.message),
    }
}

/// The outcome as one line of JSON.
fn json_line(shown: &str, line: Option<u64>, checked: &Checked) -> String {
    let mut w = Writer::compact();
    w.begin_object();
    w.key("file");
    w.string(shown);
    if let Some(line) = line {
        w.key("line");
        w.display(line);
    }
    w.key("ok");
    w.boolean(checked.problem.is_none());
    w.key("error");
    match &checked.problem {
        Some(Problem::Unreadable(e)) => {
            w.begin_object();
            w.key("path");
            w.null();
            w.key("message");
            w.string(&format!("cannot read: {e}"));
            w.end_object();
        }
        Some(Problem::Invalid(e)) => {
            let (line, column) = e.line_column();
            w.begin_object();
            w.key("path");
            w.string(&e.path().to_string());
            w.key("message");
            w.string(&e.kind().to_string());
            w.key("line");
            w.display(line);
            w.key("column");
            w.display(column);
            w.end_object();
        }
        _ => w.null(),
    }
    w.key("roundtrip");
    match &checked.problem {
        Some(Problem::Differs(d)) => {
            w.begin_object();
            w.key("path");
            w.string(&d.path.to_string());
            w.key("message");
            w.string(&d.message);
            w.end_object();
        }
        _ => w.null(),
    }
    w.key("unknown");
    w.begin_array();
    for path in &checked.unknown {
        w.string(&path.to_string());
    }
    w.end_array();
    w.end_object();
    w.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bluebutton::json::PathSegment;

    #[test]
    fn a_round_trip_difference_is_reported_as_such() {
        let path = JsonPath(vec![PathSegment::Key("name".into()), PathSegment::Index(0)]);
        let checked = Checked {
            unknown: Vec::new(),
            problem: Some(Problem::Differs(Difference { path, message: "\"a\" became \"b\"".into() })),
        };
        let mut text = Vec::new();
        write_text("x.json", &checked, &mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "ERROR x.json: name[0]: round-trip differs: \"a\" became \"b\"\n");
        assert_eq!(
            json_line("x.json", None, &checked),
            r#"{"file":"x.json","ok":false,"error":null,"roundtrip":{"path":"name[0]","message":"\"a\" became \"b\""},"unknown":[]}"#
        );
    }
}
