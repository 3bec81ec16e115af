//! Writing generated beneficiaries as one searchset `Bundle`, streamed: memory stays at one
//! beneficiary's resources whatever the number of patients.
use std::io::{self, Write};

use super::{beneficiary, Options};
use crate::json::{ToJson, Writer};

/// How the JSON is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Indented by two spaces, like the server's responses.
    #[default]
    Pretty,
    /// No whitespace.
    Compact,
}

/// What [`write_searchset`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteStats {
    pub patients: u64,
    pub entries: u64,
    pub bytes: u64,
}

/// The size at which buffered JSON is handed to the output.
const FLUSH_AT: usize = 1 << 20;

/// Writes the beneficiaries of `options` (Patient, Coverages, claims each) as the entries of
/// one searchset Bundle. `total` is known before the first entry, so it comes first.
pub fn write_searchset<W: Write>(mut out: W, options: &Options, layout: Layout) -> io::Result<WriteStats> {
    let mut w = match layout {
        Layout::Pretty => Writer::pretty(2),
        Layout::Compact => Writer::compact(),
    };
    let total = options.patients.saturating_mul(options.resources_per_patient());
    let mut stats = WriteStats::default();
    w.begin_object();
    w.key("resourceType");
    w.string("Bundle");
    w.key("id");
    w.string(&format!("synthetic-{}", options.seed));
    w.key("type");
    w.string("searchset");
    w.key("total");
    w.display(total);
    w.key("entry");
    w.begin_array();
    for i in 0..options.patients {
        let bene = beneficiary(options, i);
        for resource in bene.resources() {
            w.begin_object();
            w.key("resource");
            resource.write_json(&mut w);
            w.end_object();
            stats.entries += 1;
        }
        stats.patients += 1;
        if w.buffered() >= FLUSH_AT {
            let chunk = w.take();
            stats.bytes += chunk.len() as u64;
            out.write_all(&chunk)?;
        }
    }
    w.end_array();
    w.end_object();
    let mut chunk = w.take();
    if layout == Layout::Pretty {
        chunk.push(b'\n');
    }
    stats.bytes += chunk.len() as u64;
    out.write_all(&chunk)?;
    out.flush()?;
    Ok(stats)
}

/// Writes the beneficiaries of `options` as NDJSON, one resource per line (Patient, Coverages,
/// claims of each beneficiary in turn), as a bulk export delivers them: the same resources as
/// [`write_searchset`], in the same order.
///
/// ```
/// use bluebutton_model::stream::NdjsonReader;
/// use bluebutton_model::synth::{write_ndjson, Options};
/// let options = Options { patients: 2, ..Options::default() };
/// let mut out = Vec::new();
/// let stats = write_ndjson(&mut out, &options)?;
/// assert_eq!(stats.entries, 2 * options.resources_per_patient());
/// assert_eq!(NdjsonReader::new(&out).filter(Result::is_ok).count() as u64, stats.entries);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_ndjson<W: Write>(out: W, options: &Options) -> io::Result<WriteStats> {
    let mut lines = crate::stream::NdjsonWriter::new(io::BufWriter::with_capacity(FLUSH_AT, out));
    let mut stats = WriteStats::default();
    for i in 0..options.patients {
        for resource in beneficiary(options, i).resources() {
            lines.write(resource)?;
            stats.entries += 1;
        }
        stats.patients += 1;
    }
    lines.flush()?;
    stats.bytes = lines.bytes();
    Ok(stats)
}
