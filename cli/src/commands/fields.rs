//! `bluebutton fields`: every Medicare field of each resource, one tab-separated line each,
//! read through the generated profile views; bluebutton URLs no accessor accounts for are
//! printed as `UNMAPPED`.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::json::{self, Value, Writer};
use bluebutton::views;
use bluebutton::Resource;
use clap::Args;

use super::Format;
use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Prints one line per Medicare field found:
  <file> TAB <resource id> TAB <FHIR location> TAB <variable> TAB <value> TAB <display>
<variable> is the CCW variable (the last segment of its served URL, e.g. `race`). A bluebutton
URL that no accessor reads is printed with the variable UNMAPPED (its value is the URL).
With --format json, the same as JSON Lines, one object per field:
  {\"file\": ..., \"id\": ..., \"location\": ..., \"variable\": ..., \"value\": ..., \"display\": ...}
(`id` and `display` are null when there is none). In NDJSON input (one resource per line), <file>
is `<file>:<line>`.

Examples:
  bluebutton fields eob.json
  bluebutton fields bundle.json.gz | grep -w line_nch_pmt_amt
  bluebutton fields --format json eob.json

Exit status: 0 when nothing is unmapped, 1 when something is (or an input does not parse),
2 on usage or I/O errors.";

/// List the Medicare fields of Blue Button resources, by CCW variable name.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct FieldsArgs {
    /// Output format: tab-separated columns, or one JSON object per field and line (JSON Lines).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// JSON or NDJSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// One line of the output.
struct Line<'a> {
    file: &'a str,
    id: Option<&'a str>,
    location: String,
    variable: &'a str,
    value: &'a str,
    display: Option<&'a str>,
}

impl Line<'_> {
    fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Text => writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                self.file,
                self.id.unwrap_or(""),
                self.location,
                self.variable,
                clean(self.value),
                clean(self.display.unwrap_or(""))
            ),
            Format::Json => {
                let mut w = Writer::compact();
                w.begin_object();
                for (key, value) in [
                    ("file", Some(self.file)),
                    ("id", self.id),
                    ("location", Some(self.location.as_str())),
                    ("variable", Some(self.variable)),
                    ("value", Some(self.value)),
                    ("display", self.display),
                ] {
                    w.key(key);
                    match value {
                        Some(v) => w.string(v),
                        None => w.null(),
                    }
                }
                w.end_object();
                writeln!(out, "{}", w.into_string())
            }
        }
    }
}

/// Runs `fields` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &FieldsArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let mut inputs = Inputs::for_names(stdin, &args.files);
    let (mut any_unmapped, mut any_invalid, mut any_unreadable) = (false, false, false);
    for name in &args.files {
        let shown = input::display_name(name);
        let read = inputs.documents(name, |document| {
            let shown = document.name(&shown);
            match list(&shown, document.bytes, args.format, stdout)? {
                Ok(unmapped) => any_unmapped |= unmapped,
                Err(message) => {
                    any_invalid = true;
                    writeln!(stderr, "ERROR {shown}: {message}")?;
                }
            }
            Ok(())
        })?;
        if let Err(e) = read {
            any_unreadable = true;
            writeln!(stderr, "ERROR {shown}: cannot read: {e}")?;
        }
    }
    Ok(crate::exit_status(any_unreadable, any_unmapped || any_invalid))
}

/// Lists one input; `Ok(Ok(true))` when something was unmapped, `Ok(Err(_))` when it does not
/// parse.
fn list(file: &str, bytes: &[u8], format: Format, out: &mut dyn Write) -> io::Result<Result<bool, String>> {
    let resource: Resource = match json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let tree: Value = match json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let mut unmapped = false;
    match (&resource, entries(&tree)) {
        (Resource::Bundle(bundle), Some(trees)) => {
            for (entry, tree) in bundle.entry.iter().zip(trees) {
                if let (Some(resource), Some(tree)) = (&entry.resource, tree) {
                    unmapped |= list_resource(file, resource, tree, format, out)?;
                }
            }
        }
        _ => unmapped |= list_resource(file, &resource, &tree, format, out)?,
    }
    Ok(Ok(unmapped))
}

/// The `resource` trees of a Bundle's entries, in order.
fn entries<'v, 'a>(bundle: &'v Value<'a>) -> Option<Vec<Option<&'v Value<'a>>>> {
    let Value::Array(entries) = member(bundle, "entry")? else { return None };
    Some(entries.iter().map(|e| member(e, "resource")).collect())
}

fn member<'v, 'a>(value: &'v Value<'a>, name: &str) -> Option<&'v Value<'a>> {
    match value {
        Value::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    }
}

fn list_resource(
    file: &str,
    resource: &Resource<'_>,
    tree: &Value<'_>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let id = resource.id().map(|i| i.as_str());
    let fields = views::fields_of(resource).unwrap_or_default();
    for f in &fields {
        let line = Line {
            file,
            id,
            location: f.location(),
            variable: f.field.info.variable,
            value: &f.field.value,
            display: f.field.display.as_deref(),
        };
        line.write(format, out)?;
    }
    let unmapped = views::unmapped(tree, &fields);
    for u in &unmapped {
        let location = format!("{}.{}", resource.resource_type(), u.path);
        let line = Line { file, id, location, variable: "UNMAPPED", value: &u.url, display: None };
        line.write(format, out)?;
    }
    Ok(!unmapped.is_empty())
}

/// Tabs and line breaks inside a value would break the columns.
fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}
