//! `bluebutton fields`: every Medicare field of each resource, one tab-separated line each,
//! read through the generated profile views; bluebutton URLs no accessor accounts for are
//! printed as `UNMAPPED`.
use std::ffi::OsString;
use std::io::{self, Read, Write};

use bluebutton::json::{self, Value};
use bluebutton::views;
use bluebutton::Resource;
use clap::Args;

use crate::input::{self, Inputs};

const AFTER_HELP: &str = "\
Prints one line per Medicare field found:
  <file> TAB <resource id> TAB <FHIR location> TAB <variable> TAB <value> TAB <display>
<variable> is the CCW variable (the last segment of its served URL, e.g. `race`). A bluebutton
URL that no accessor reads is printed with the variable UNMAPPED.

Examples:
  bluebutton fields eob.json
  bluebutton fields bundle.json.gz | grep -w line_nch_pmt_amt

Exit status: 0 when nothing is unmapped, 1 when something is (or an input does not parse),
2 on usage or I/O errors.";

/// List the Medicare fields of Blue Button resources, by CCW variable name.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct FieldsArgs {
    /// JSON files to read (`-` for standard input); gzip-compressed files are detected.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// Runs `fields` and returns the exit status. `Err` only when writing `stdout` fails.
pub fn run(args: &FieldsArgs, stdin: &mut dyn Read, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let mut inputs = Inputs::new(stdin);
    let (mut any_unmapped, mut any_invalid, mut any_unreadable) = (false, false, false);
    for name in &args.files {
        let shown = input::display_name(name);
        let bytes = match inputs.read(name) {
            Ok(bytes) => bytes,
            Err(e) => {
                any_unreadable = true;
                writeln!(stderr, "ERROR {shown}: cannot read: {e}")?;
                continue;
            }
        };
        match list(&shown, &bytes, stdout)? {
            Ok(unmapped) => any_unmapped |= unmapped,
            Err(message) => {
                any_invalid = true;
                writeln!(stderr, "ERROR {shown}: {message}")?;
            }
        }
    }
    Ok(crate::exit_status(any_unreadable, any_unmapped || any_invalid))
}

/// Lists one input; `Ok(Ok(true))` when something was unmapped, `Ok(Err(_))` when it does not
/// parse.
fn list(file: &str, bytes: &[u8], out: &mut dyn Write) -> io::Result<Result<bool, String>> {
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
                    unmapped |= list_resource(file, resource, tree, out)?;
                }
            }
        }
        _ => unmapped |= list_resource(file, &resource, &tree, out)?,
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

fn list_resource(file: &str, resource: &Resource<'_>, tree: &Value<'_>, out: &mut dyn Write) -> io::Result<bool> {
    let id = resource.id().map(|i| i.as_str()).unwrap_or("");
    let fields = views::fields_of(resource).unwrap_or_default();
    for f in &fields {
        let display = f.field.display.as_deref().unwrap_or("");
        writeln!(
            out,
            "{file}\t{id}\t{}\t{}\t{}\t{}",
            f.location(),
            f.field.info.variable,
            clean(&f.field.value),
            clean(display)
        )?;
    }
    let unmapped = views::unmapped(tree, &fields);
    for u in &unmapped {
        writeln!(out, "{file}\t{id}\t{}.{}\tUNMAPPED\t{}\t", resource.resource_type(), u.path, u.url)?;
    }
    Ok(!unmapped.is_empty())
}

/// Tabs and line breaks inside a value would break the columns.
fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}
