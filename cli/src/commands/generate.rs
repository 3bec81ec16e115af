//! `bluebutton generate`: synthetic Blue Button data (Patients, Coverage, claims of every type)
//! as searchset Bundles, deterministic for a seed, streamed whatever the size.
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use bluebutton::claim_type::ClaimType;
use bluebutton::synth::{self, Layout, Options};
use clap::{Args, ValueEnum};
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::{EXIT_OK, EXIT_USAGE};

const AFTER_HELP: &str = "\
Writes one searchset Bundle (or, with --format ndjson, one resource per line): per beneficiary a Patient, Coverage for Parts A, B, C and D, and
the claims, cycling through the claim types from a random start. Every resource is valid under
the served profiles (`bluebutton validate`), and the same options always give the same bytes.
Output is streamed: a bundle of any size is written in a few megabytes of memory. With
`--out FILE.gz` it is gzip-compressed (every command reads gzip).

Examples:
  bluebutton generate --seed 1 --patients 1000 | bluebutton validate -
  bluebutton generate --seed 7 --patients 10 --types carrier,pde --out bundle.json
  bluebutton generate --patients 100000 --compact --out big.json.gz
  bluebutton generate --patients 1000 --format ndjson --out export.ndjson.gz

Exit status: 0 on success, 2 on usage or I/O errors.";

/// Write synthetic Blue Button data as a searchset Bundle.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GenerateArgs {
    /// The seed: the same seed and options give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// How many beneficiaries.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub patients: u64,

    /// Claims per beneficiary.
    #[arg(long, default_value_t = 8, value_name = "M")]
    pub claims_per_patient: u32,

    /// The claim types to draw from, comma-separated: carrier, dme, hha, hospice, inpatient,
    /// outpatient, pde, snf (default: all eight).
    #[arg(long, value_delimiter = ',', value_name = "TYPES", value_parser = claim_type)]
    pub types: Vec<ClaimType>,

    /// Write to this file instead of standard output (gzip-compressed when its name ends with
    /// `.gz`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<OsString>,

    /// No indentation (for a Bundle; NDJSON has none).
    #[arg(long)]
    pub compact: bool,

    /// What to write: one searchset Bundle, or NDJSON (one resource per line, as bulk exports
    /// deliver them).
    #[arg(long, value_enum, default_value_t = OutputFormat::Bundle)]
    pub format: OutputFormat,

    /// Print what was written (patients, entries, bytes) on stderr.
    #[arg(long)]
    pub stats: bool,
}

/// What `generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One searchset Bundle.
    Bundle,
    /// One resource per line.
    Ndjson,
}

/// A claim type named as in the API's `type` parameter (`carrier`, `pde`, ...), any case.
pub(crate) fn claim_type(name: &str) -> Result<ClaimType, String> {
    ClaimType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(name)).ok_or_else(|| {
        let names: Vec<&str> = ClaimType::ALL.iter().map(|t| t.as_str()).collect();
        format!("unknown claim type `{name}` (expected one of {})", names.join(", "))
    })
}

/// Runs `generate` and returns the exit status. `Err` only when writing standard output fails.
pub fn run(args: &GenerateArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    // Each type once, in the order given (a repeat would weigh the cycle towards it).
    let mut claim_types: Vec<ClaimType> = Vec::new();
    for t in &args.types {
        if !claim_types.contains(t) {
            claim_types.push(*t);
        }
    }
    if claim_types.is_empty() {
        claim_types = ClaimType::ALL.to_vec();
    }
    let options =
        Options { seed: args.seed, patients: args.patients, claims_per_patient: args.claims_per_patient, claim_types };
    let layout = if args.compact { Layout::Compact } else { Layout::Pretty };
    let write = |out: &mut dyn Write| match args.format {
        OutputFormat::Bundle => synth::write_searchset(out, &options, layout),
        OutputFormat::Ndjson => synth::write_ndjson(out, &options),
    };
    let stats = match &args.out {
        Some(path) => {
            let path = PathBuf::from(path);
            let written = File::create(&path).and_then(|file| {
                let file = BufWriter::new(file);
                if path.extension().is_some_and(|e| e == "gz") {
                    let mut gzip = GzEncoder::new(file, Compression::default());
                    let stats = write(&mut gzip)?;
                    gzip.finish()?.flush()?;
                    Ok(stats)
                } else {
                    write(&mut { file })
                }
            });
            match written {
                Ok(stats) => stats,
                Err(e) => {
                    writeln!(stderr, "error: {}: {e}", path.display())?;
                    return Ok(EXIT_USAGE);
                }
            }
        }
        None => write(&mut *stdout)?,
    };
    if args.stats {
        writeln!(stderr, "{} patients, {} entries, {} bytes", stats.patients, stats.entries, stats.bytes)?;
    }
    Ok(EXIT_OK)
}
