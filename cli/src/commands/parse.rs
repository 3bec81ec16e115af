//! `bluebutton parse`: checks that each input parses (strictly, or leniently) as a Blue Button
//! resource and, optionally, that it round-trips losslessly.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::json::{self, ParseOptions};
use bluebutton::Resource;
use clap::Args;

use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Prints one line per input: `OK <file>`, or `ERROR <file>: <json-path>: <message>`.

Examples:
  bluebutton parse --roundtrip eob.json bundle.json.gz
  curl -s \"$URL\" | bluebutton parse -

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

    /// JSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// The outcome of one input.
enum Outcome {
    /// Parsed (and round-tripped, if asked); the JSON paths of kept unknown properties.
    Ok(Vec<json::JsonPath>),
    /// Rejected; the rest of the `ERROR` line (`<json-path>: <message>`).
    Invalid(String),
}

/// Runs `parse` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &ParseArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<i32> {
    let mut inputs = Inputs::new(stdin);
    let mut any_invalid = false;
    let mut any_unreadable = false;
    for name in &args.files {
        let shown = input::display_name(name);
        let bytes = match inputs.read(name) {
            Ok(bytes) => bytes,
            Err(e) => {
                any_unreadable = true;
                writeln!(stdout, "ERROR {shown}: cannot read: {e}")?;
                continue;
            }
        };
        match check(&bytes, args) {
            Outcome::Ok(unknown) => {
                writeln!(stdout, "OK {shown}")?;
                for path in unknown {
                    writeln!(stdout, "WARNING {shown}: {path}: unknown property kept")?;
                }
            }
            Outcome::Invalid(message) => {
                any_invalid = true;
                writeln!(stdout, "ERROR {shown}: {message}")?;
            }
        }
    }
    Ok(crate::exit_status(any_unreadable, any_invalid))
}

fn check(bytes: &[u8], args: &ParseArgs) -> Outcome {
    let (options, unknown) = if args.lenient {
        match json::from_slice_lenient::<Resource>(bytes) {
            Ok(parsed) => (ParseOptions::lenient(), parsed.unknown),
            Err(e) => return Outcome::Invalid(e.to_string()),
        }
    } else {
        match json::from_slice::<Resource>(bytes) {
            Ok(_) => (ParseOptions::strict(), Vec::new()),
            Err(e) => return Outcome::Invalid(e.to_string()),
        }
    };
    if args.roundtrip {
        match json::round_trip_difference::<Resource>(bytes, options) {
            Ok(None) => {}
            Ok(Some(d)) => return Outcome::Invalid(format!("{}: round-trip differs: {}", d.path, d.message)),
            Err(e) => return Outcome::Invalid(e.to_string()),
        }
    }
    Outcome::Ok(unknown)
}
