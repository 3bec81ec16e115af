//! The `bluebutton` command line: argument parsing and dispatch to the subcommands.
//!
//! [`run`] takes the arguments and the three standard streams explicitly, so the whole command
//! can be driven in-process (tests) as well as from `main`.
use std::ffi::OsString;
use std::io::{Read, Write};

use clap::{Parser, Subcommand};

pub mod commands;
pub mod input;
pub mod malloc;
pub mod pool;

/// Exit status: every input was fine.
pub const EXIT_OK: i32 = 0;
/// Exit status: at least one input was rejected (parse error, round-trip difference).
pub const EXIT_INVALID: i32 = 1;
/// Exit status: a usage error or an input that could not be read.
pub const EXIT_USAGE: i32 = 2;

/// The exit status of a command over several inputs: an unreadable input wins over a rejected one.
pub fn exit_status(any_unreadable: bool, any_rejected: bool) -> i32 {
    if any_unreadable {
        EXIT_USAGE
    } else if any_rejected {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

const MAIN_AFTER_HELP: &str = "\
Every command reads files, `-` for standard input, and gzip-compressed data (detected).

Examples:
  bluebutton parse --roundtrip eob.json patient.json.gz
  bluebutton fields --format json eob.json
  bluebutton summary                      # the built-in demo data
  bluebutton validate --published bundle.json
  bluebutton generate --seed 7 --patients 10 --out small.json.gz
  bluebutton export --to tables bundle.json   # Parquet tables for SQL engines
  bluebutton query --each \"ExplanationOfBenefit.payment.amount.value\" bundle.json
  bluebutton login --base https://sandbox.bluebutton.cms.gov --client-id ID --client-secret S
  bluebutton fetch --base https://sandbox.bluebutton.cms.gov --token-file bluebutton-token.json \\
      --client-id ID --client-secret S --out claims.ndjson.gz

  A session on generated data (a 470 MB Bundle, read as a stream):
  bluebutton generate --seed 1 --patients 1000 > bundle.json
  bluebutton summary bundle.json
  bluebutton validate bundle.json

Exit status: 0 when every input is OK, 1 when any is rejected, 2 on usage or I/O errors.
`bluebutton <command> --help` tells more.";

/// Read, check and process CMS Blue Button 2.0 (FHIR STU3) data.
#[derive(Debug, Parser)]
#[command(name = "bluebutton", version, after_help = MAIN_AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Parse(commands::parse::ParseArgs),
    Summary(commands::summary::SummaryArgs),
    Fields(commands::fields::FieldsArgs),
    Validate(commands::validate::ValidateArgs),
    Generate(commands::generate::GenerateArgs),
    #[cfg(feature = "export")]
    Export(commands::export::ExportArgs),
    #[cfg(feature = "export")]
    Schema(commands::export::SchemaArgs),
    Query(commands::query::QueryArgs),
    #[cfg(feature = "client")]
    Login(commands::login::LoginArgs),
    #[cfg(feature = "client")]
    Fetch(commands::fetch::FetchArgs),
}

impl Command {
    /// The `--threads` of a command that reads on several threads.
    fn threads(&self) -> Option<usize> {
        match self {
            Command::Summary(args) => Some(args.threads),
            Command::Validate(args) => Some(args.threads),
            #[cfg(feature = "export")]
            Command::Export(args) => Some(args.threads),
            _ => None,
        }
    }
}

/// Runs the command line `args` (the first item is the program name, as from
/// [`std::env::args_os`]) and returns the exit status.
///
/// Help and version go to `stdout` with status 0; other usage errors go to `stderr` with
/// status 2.
pub fn run<I, T>(args: I, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let (stream, code): (&mut dyn Write, i32) =
                if e.use_stderr() { (&mut *stderr, EXIT_USAGE) } else { (&mut *stdout, EXIT_OK) };
            // Nothing sensible is left to do if even this write fails.
            let _ = stream.write_all(text.as_bytes()).and_then(|()| stream.flush());
            return code;
        }
    };
    if let Some(threads) = cli.command.threads() {
        pool::for_threads(threads);
    }
    let result = match cli.command {
        Command::Parse(args) => commands::parse::run(&args, stdin, stdout),
        Command::Summary(args) => commands::summary::run(&args, stdin, stdout, stderr),
        Command::Fields(args) => commands::fields::run(&args, stdin, stdout, stderr),
        Command::Validate(args) => commands::validate::run(&args, stdin, stdout, stderr),
        Command::Generate(args) => commands::generate::run(&args, stdout, stderr),
        #[cfg(feature = "export")]
        Command::Export(args) => commands::export::run(&args, stdin, stdout, stderr),
        #[cfg(feature = "export")]
        Command::Schema(_) => commands::export::run_schema(stdout),
        Command::Query(args) => commands::query::run(&args, stdin, stdout, stderr),
        #[cfg(feature = "client")]
        Command::Login(args) => commands::login::run(&args, stdout, stderr),
        #[cfg(feature = "client")]
        Command::Fetch(args) => commands::fetch::run(&args, stdout, stderr),
    };
    match result.and_then(|code| stdout.flush().map(|()| code)) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: cannot write output: {e}");
            EXIT_USAGE
        }
    }
}
