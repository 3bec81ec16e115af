//! `bluebutton fetch`: a beneficiary's Patient, Coverage and every ExplanationOfBenefit from
//! the API, written once each as NDJSON (or one Bundle).
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use bluebutton::api::{DateParam, ExplanationOfBenefitSearch};
use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ParseOptions, ToJson, Value, Writer};
use bluebutton::stream::NdjsonWriter;
use bluebutton::Resource;
use bluebutton_client::{blocking, Config, Error, FileTokenStore, Page};
use clap::{Args, ValueEnum};
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};

const AFTER_HELP: &str = "\
Fetches the Patient (the token file's `patient` unless --patient), its Coverage and every page
of its ExplanationOfBenefit search, and writes every resource once: one compact JSON resource a
line (NDJSON), or with --format bundle one Bundle of type collection. --out FILE.gz is
gzip-compressed. The access token is renewed (and the token file rewritten) when it expires or
the server answers 401; that needs --client-id (and --client-secret for a confidential client).
Requests answered 429, 500, 502, 503 or 504, or left unanswered, are retried with backoff,
honouring Retry-After. Progress goes to standard error when it is a terminal.

Examples:
  bluebutton fetch --base https://sandbox.bluebutton.cms.gov --token-file bluebutton-token.json \\
      --client-id ID --client-secret S --out claims.ndjson.gz
  bluebutton fetch --base URL --token-file t.json --type carrier,pde --since 2021-01-01

Exit status: 0 when everything was fetched, 1 when the server refused (its status and detail
are printed) or could not be reached, 2 on usage or I/O errors.";

/// What `fetch` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FetchFormat {
    /// One resource a line, compact JSON.
    Ndjson,
    /// One Bundle (type collection) with every resource.
    Bundle,
}

/// Fetch a beneficiary's data from the Blue Button API.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct FetchArgs {
    /// The API server, without a path (`https://sandbox.bluebutton.cms.gov`).
    #[arg(long, value_name = "URL")]
    pub base: String,

    /// The token file `bluebutton login` wrote; rewritten when the token is renewed.
    #[arg(long, value_name = "FILE")]
    pub token_file: OsString,

    /// The application's client id, to renew the token.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// The application's client secret, to renew the token.
    #[arg(long, value_name = "S", requires = "client_id")]
    pub client_secret: Option<String>,

    /// The Patient id (default: the token file's `patient`).
    #[arg(long, value_name = "ID")]
    pub patient: Option<String>,

    /// Only these claim types, comma-separated: carrier, dme, hha, hospice, inpatient,
    /// outpatient, pde, snf.
    #[arg(long = "type", value_delimiter = ',', value_name = "TYPES", value_parser = super::generate::claim_type)]
    pub types: Vec<ClaimType>,

    /// Only claims updated on or after this date or dateTime (`_lastUpdated=ge…`).
    #[arg(long, value_name = "DATE", value_parser = since)]
    pub since: Option<DateParam>,

    /// Entries per page, 1 to 50 (the server's default is 10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub count: Option<u32>,

    /// Write to this file instead of standard output (gzip-compressed when it ends with `.gz`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<OsString>,

    /// The output format.
    #[arg(long, value_enum, default_value_t = FetchFormat::Ndjson)]
    pub format: FetchFormat,
}

fn since(text: &str) -> Result<DateParam, String> {
    DateParam::ge(text).map_err(|e| format!("`{text}` is not a FHIR date or dateTime: {e}"))
}

/// Where the resources go: NDJSON lines (the model's [`NdjsonWriter`]) or a Bundle's entries.
enum Sink<'w> {
    Ndjson(NdjsonWriter<&'w mut dyn Write>),
    Bundle(&'w mut dyn Write),
}

/// The output, writing each resource once (by type and id).
struct Output<'w> {
    sink: Sink<'w>,
    seen: HashSet<String>,
    written: u64,
}

impl<'w> Output<'w> {
    fn new(out: &'w mut dyn Write, format: FetchFormat) -> io::Result<Self> {
        let sink = match format {
            FetchFormat::Ndjson => Sink::Ndjson(NdjsonWriter::new(out)),
            FetchFormat::Bundle => {
                out.write_all(br#"{"resourceType":"Bundle","type":"collection","entry":["#)?;
                Sink::Bundle(out)
            }
        };
        Ok(Output { sink, seen: HashSet::new(), written: 0 })
    }

    /// Writes a resource as compact JSON unless a resource with its type and id was written.
    fn resource(&mut self, key: String, resource: &dyn ToJson) -> io::Result<()> {
        if !self.seen.insert(key) {
            return Ok(());
        }
        match &mut self.sink {
            Sink::Ndjson(writer) => writer.write(resource)?,
            Sink::Bundle(out) => {
                if self.written > 0 {
                    out.write_all(b",")?;
                }
                write!(out, r#"{{"resource":{}}}"#, resource.to_json_string())?;
            }
        }
        self.written += 1;
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Ndjson(writer) => writer.flush(),
            Sink::Bundle(out) => {
                out.write_all(b"]}\n")?;
                out.flush()
            }
        }
    }
}

fn key(resource: &Resource<'_>) -> String {
    format!("{}/{}", resource.resource_type(), resource.id().map(|i| i.as_str()).unwrap_or_default())
}

/// A resource of a page: typed, or (where the model refuses it) the generic JSON tree.
enum PageResource<'p> {
    Typed(Resource<'p>),
    Tree(Value<'p>),
}

impl ToJson for PageResource<'_> {
    fn write_json(&self, w: &mut Writer) {
        match self {
            PageResource::Typed(resource) => resource.write_json(w),
            PageResource::Tree(tree) => tree.write_json(w),
        }
    }
}

/// The member `name` of an object, taken out of it.
fn take_member<'p>(value: &mut Value<'p>, name: &str) -> Option<Value<'p>> {
    match value {
        Value::Object(members) => {
            let i = members.iter().position(|(k, _)| k == name)?;
            Some(members.swap_remove(i).1)
        }
        _ => None,
    }
}

/// The text of the string member `name`.
fn text_member(value: &Value<'_>, name: &str) -> String {
    match value {
        Value::Object(members) => match members.iter().find(|(k, _)| k == name) {
            Some((_, Value::String(s))) => s.to_string(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// A page's resources with their keys: typed, through the streaming reader; where an entry does
/// not read as the model, every resource of the page as the generic JSON tree (which keeps
/// each byte of meaning), with a warning naming the entry's JSON path.
fn page_resources<'p>(page: &'p Page, stderr: &mut dyn Write) -> Result<Vec<(String, PageResource<'p>)>, Error> {
    let mut resources = Vec::new();
    let mut bad = None;
    for entry in page.entries()? {
        match entry {
            Ok(entry) => {
                if let Some(resource) = entry.into_resource() {
                    resources.push((key(&resource), PageResource::Typed(resource)));
                }
            }
            Err(e) => {
                bad = Some(e);
                break;
            }
        }
    }
    let Some(bad) = bad else { return Ok(resources) };
    let _ = writeln!(stderr, "warning: {}: {bad}; the page's resources are written as received", page.url());
    let mut tree: Value<'p> = json::from_slice_with(page.body(), ParseOptions::lenient())
        .map_err(|e| Error::Body { url: page.url().to_owned(), message: e.to_string() })?;
    let entries = match take_member(&mut tree, "entry") {
        Some(Value::Array(entries)) => entries,
        _ => Vec::new(),
    };
    Ok(entries
        .into_iter()
        .filter_map(|mut e| take_member(&mut e, "resource"))
        .map(|r| {
            let key = format!("{}/{}", text_member(&r, "resourceType"), text_member(&r, "id"));
            (key, PageResource::Tree(r))
        })
        .collect())
}

/// Runs `fetch` and returns the exit status. `Err` only when writing standard output fails.
pub fn run(args: &FetchArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let store = FileTokenStore::new(PathBuf::from(&args.token_file));
    let token = match store.load() {
        Ok(token) => token,
        Err(e) => {
            writeln!(stderr, "error: {}: {e}", store.path().display())?;
            return Ok(EXIT_USAGE);
        }
    };
    let Some(patient) = args.patient.clone().or_else(|| token.patient().map(str::to_owned)) else {
        writeln!(stderr, "error: {}: no `patient` in the token file; give --patient", store.path().display())?;
        return Ok(EXIT_USAGE);
    };
    let mut config = Config::new(&args.base, args.client_id.clone().unwrap_or_default());
    config.client_secret.clone_from(&args.client_secret);
    // Properties newer than the model are kept and written back.
    config.parse = ParseOptions::lenient();
    let client = match blocking::Client::with_token(config, token, Some(Box::new(store.clone()))) {
        Ok(c) => c,
        Err(e) => {
            writeln!(stderr, "error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let mut search = ExplanationOfBenefitSearch::for_patient(&patient).claim_types(args.types.iter().copied());
    search.count = args.count;
    search.last_updated.extend(args.since.clone());
    if let Err(e) = search.validate() {
        writeln!(stderr, "error: {e}")?;
        return Ok(EXIT_USAGE);
    }

    let progress = io::stderr().is_terminal();
    let outcome = match &args.out {
        None => fetch_into(&client, &patient, &search, args.format, &mut *stdout, stderr, progress),
        Some(path) => {
            let path = PathBuf::from(path);
            let file = match File::create(&path) {
                Ok(f) => BufWriter::new(f),
                Err(e) => {
                    writeln!(stderr, "error: {}: {e}", path.display())?;
                    return Ok(EXIT_USAGE);
                }
            };
            let written = if path.extension().is_some_and(|e| e == "gz") {
                let mut gzip = GzEncoder::new(file, Compression::default());
                let outcome = fetch_into(&client, &patient, &search, args.format, &mut gzip, stderr, progress);
                gzip.finish().and_then(|mut f| f.flush()).map(|()| outcome)
            } else {
                let mut file = file;
                let outcome = fetch_into(&client, &patient, &search, args.format, &mut file, stderr, progress);
                file.flush().map(|()| outcome)
            };
            match written {
                Ok(outcome) => outcome,
                Err(e) => Outcome::Output(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            }
        }
    };
    match outcome {
        Outcome::Done(n) => {
            writeln!(stderr, "{n} resources fetched")?;
            Ok(EXIT_OK)
        }
        Outcome::Refused(e, n) => {
            writeln!(stderr, "error: {e} ({n} resources written before it)")?;
            Ok(if matches!(e, Error::Store(_) | Error::Config(_)) { EXIT_USAGE } else { EXIT_INVALID })
        }
        Outcome::Output(e) => {
            writeln!(stderr, "error: cannot write output: {e}")?;
            Ok(EXIT_USAGE)
        }
    }
}

enum Outcome {
    Done(u64),
    Refused(Error, u64),
    Output(io::Error),
}

fn fetch_into(
    client: &blocking::Client,
    patient: &str,
    search: &ExplanationOfBenefitSearch,
    format: FetchFormat,
    out: &mut dyn Write,
    stderr: &mut dyn Write,
    progress: bool,
) -> Outcome {
    let mut output = match Output::new(out, format) {
        Ok(output) => output,
        Err(e) => return Outcome::Output(e),
    };
    let result = (|| -> Result<Result<(), Error>, io::Error> {
        let resource = match client.patient(patient) {
            Ok(p) => Resource::Patient(Box::new(p)),
            Err(e) => return Ok(Err(e)),
        };
        output.resource(key(&resource), &resource)?;
        let searches = [client.coverage(patient), client.explanation_of_benefit(search)];
        for pages in searches {
            let pages = match pages {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            for page in pages {
                let page = match page {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                let resources = match page_resources(&page, stderr) {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                for (key, resource) in resources {
                    output.resource(key, &resource)?;
                }
                if progress {
                    let _ = write!(stderr, "\r{} resources", output.written);
                }
            }
        }
        if progress {
            let _ = writeln!(stderr);
        }
        output.end()?;
        Ok(Ok(()))
    })();
    let written = output.written;
    match result {
        Ok(Ok(())) => Outcome::Done(written),
        Ok(Err(e)) => {
            // What was fetched stays readable: close the Bundle or flush the lines.
            match output.end() {
                Ok(()) => Outcome::Refused(e, written),
                Err(io) => Outcome::Output(io),
            }
        }
        Err(e) => Outcome::Output(e),
    }
}
