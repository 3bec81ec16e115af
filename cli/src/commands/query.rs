//! `bluebutton query`: a FHIRPath expression evaluated on each input resource.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::fhirpath::{display, to_json, Context, Error, Expression, Item};
use bluebutton::json::{self, Value};
use clap::Args;

use super::Format;
use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Evaluates the FHIRPath expression on each input resource and prints one JSON array of the
results per resource and line (--format text: one value per line). A Bundle is one resource;
with --each, the expression is evaluated on each entry's resource instead (resolve() then
finds the other entries by fullUrl). Each line of NDJSON is one resource.

Decimals are exact (the text of the input; sums never round), dates compare with their
precision, and elements keep their JSON (`valueQuantity` is found as `value`).

Examples:
  bluebutton query \"Patient.name.given\" patient.json
  bluebutton query --each \"ExplanationOfBenefit.payment.amount.value.aggregate(\\$total + \\$this, 0)\" bundle.json
  bluebutton query --format text \"entry.resource.ofType(ExplanationOfBenefit).count()\" bundle.json.gz
  bluebutton query \"id\" export.ndjson

Exit status: 0 when every input was queried, 1 when an input cannot be read as FHIR, 2 on a bad
expression (its position is shown) or an input that cannot be read.";

/// Evaluate a FHIRPath expression on FHIR resources.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct QueryArgs {
    /// Evaluate on each entry's resource of a Bundle rather than on the Bundle.
    #[arg(long)]
    pub each: bool,

    /// Output format: one JSON array per resource and line, or one value per line.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,

    /// The FHIRPath expression.
    #[arg(value_name = "EXPRESSION")]
    pub expression: String,

    /// JSON or NDJSON files to read (`-`, or none, for standard input); gzip is detected.
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,
}

/// What went wrong with one input.
#[derive(Default)]
struct Status {
    not_fhir: bool,
    unreadable: bool,
    expression: bool,
}

/// Runs `query` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &QueryArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let expression = match Expression::parse(&args.expression) {
        Ok(e) => e,
        Err(e) => {
            report_expression(stderr, "", &args.expression, &e)?;
            return Ok(crate::EXIT_USAGE);
        }
    };
    let files = if args.files.is_empty() { vec![OsString::from(input::STDIN)] } else { args.files.clone() };
    let mut inputs = Inputs::for_names(stdin, &files);
    let mut status = Status::default();
    for name in &files {
        let shown = input::display_name(name);
        let read = inputs.documents(name, |document| {
            let shown = document.name(&shown);
            query(args, &expression, &shown, document.bytes, stdout, stderr, &mut status)
        })?;
        if let Err(e) = read {
            status.unreadable = true;
            writeln!(stderr, "ERROR {shown}: cannot read: {e}")?;
        }
    }
    Ok(if status.unreadable || status.expression {
        crate::EXIT_USAGE
    } else if status.not_fhir {
        crate::EXIT_INVALID
    } else {
        crate::EXIT_OK
    })
}

/// Queries one document.
fn query(
    args: &QueryArgs,
    expression: &Expression,
    shown: &str,
    bytes: &[u8],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    status: &mut Status,
) -> io::Result<()> {
    let value: Value<'_> = match json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            status.not_fhir = true;
            return writeln!(stderr, "ERROR {shown}: not FHIR JSON: {e}");
        }
    };
    let resource_type = match &value {
        Value::Object(m) => m.iter().find(|(k, _)| k == "resourceType").map(|(_, v)| v),
        _ => None,
    };
    let Some(Value::String(resource_type)) = resource_type else {
        status.not_fhir = true;
        return writeln!(
            stderr,
            "ERROR {shown}: not a FHIR resource: expected a JSON object with a `resourceType` string"
        );
    };
    let entries: Vec<&Value<'_>> = match &value {
        Value::Object(m) if args.each && resource_type == "Bundle" => {
            match m.iter().find(|(k, _)| k == "entry").map(|(_, v)| v) {
                Some(Value::Array(entries)) => entries
                    .iter()
                    .filter_map(|e| match e {
                        Value::Object(m) => m.iter().find(|(k, _)| k == "resource").map(|(_, v)| v),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    if args.each && resource_type == "Bundle" {
        for (i, resource) in entries.into_iter().enumerate() {
            let ctx = Context::entry(resource, &value);
            let at = format!("{shown}: entry[{i}]");
            print(args.format, expression, &ctx, &at, stdout, stderr, status)?;
        }
        return Ok(());
    }
    print(args.format, expression, &Context::resource(&value), shown, stdout, stderr, status)
}

fn print(
    format: Format,
    expression: &Expression,
    ctx: &Context<'_>,
    shown: &str,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    status: &mut Status,
) -> io::Result<()> {
    let items: Vec<Item<'_>> = match expression.evaluate_in(ctx) {
        Ok(items) => items,
        Err(e) => {
            status.expression = true;
            return report_expression(stderr, &format!(" on {shown}"), expression.as_str(), &e);
        }
    };
    match format {
        Format::Json => {
            let values: Vec<String> = items.iter().map(to_json).collect();
            writeln!(stdout, "[{}]", values.join(","))
        }
        Format::Text => {
            for item in &items {
                writeln!(stdout, "{}", display(item).replace('\n', "\\n"))?;
            }
            Ok(())
        }
    }
}

/// The error with the expression and a caret under the position.
fn report_expression(stderr: &mut dyn Write, on: &str, text: &str, e: &Error) -> io::Result<()> {
    let column = text.get(..e.position).map_or(e.position, |before| before.chars().count());
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    writeln!(stderr, "ERROR expression{on}: {e}\n  {one_line}\n  {}^", " ".repeat(column))
}
