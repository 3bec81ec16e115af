//! Builds large Bundles for the benchmarks, the memory check and the tests that need volume,
//! in one of two [`Shape`]s:
//!
//! - **generated** ([`Templates::load`]): the synthetic data generator (`bluebutton::synth`), a
//!   Patient, then the claims of one generated beneficiary after another (all eight claim types,
//!   every field of the type filled, the diagnoses as the server lists them). Fixed seed: the same size gives the same bytes.
//! - **recorded** ([`Templates::recorded`]): the server's own responses in
//!   `../shared/data/samples/v1-normalized` (the current server version), repeated: one
//!   beneficiary as the server serves them (the Patient, the Coverages, the claims of every
//!   claim type and a carrier claim with several lines), with the server's field density. Each
//!   copy's resource ids get a suffix (`-2`, `-3`…) so that no two entries are the same bytes.
//!
//! Either is written until the Bundle is about as large as asked.
#![allow(dead_code)]
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bluebutton::json::{ToJson, Writer};
use bluebutton::stream::{BundleReader, NdjsonWriter, Resources};
use bluebutton::synth::{self, Options};

/// The seed of the benchmark data.
const SEED: u64 = 2024;

/// How the Bundle is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Two-space indentation, one member per line.
    Pretty,
    /// No white space at all.
    Minified,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Pretty => "pretty",
            Layout::Minified => "minified",
        }
    }
}

/// What the entries are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Generated beneficiaries, every field filled.
    Generated,
    /// The server's recorded responses, repeated.
    Recorded,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Generated => "generated",
            Shape::Recorded => "recorded",
        }
    }
}

/// The responses of the current server version that make one beneficiary's data, in the
/// order a client fetches them.
const RECORDED_FILES: [&str; 4] = [
    "patientRead.json",
    "coverageSearchByPatientId.json",
    "eobByPatientIdAll.json",
    "eobReadCarrierMultipleLines.json",
];

/// Makes Bundles of claims in one layout.
pub struct Templates {
    layout: Layout,
    /// The recorded resources, written in the layout as entries; `None`: generated ones.
    recorded: Option<Vec<String>>,
}

/// The repository root (where `examples/` is), from the package that includes this module.
/// The thread counts of the parallel readers: 1, 2 and all (each once).
pub fn thread_counts() -> Vec<usize> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![1, 2, all];
    counts.retain(|&n| n <= all);
    counts.dedup();
    counts
}

pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("examples/data/demo-bundle.json").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

impl Templates {
    /// Bundles of generated claims written in `layout`.
    pub fn load(layout: Layout) -> Self {
        Templates { layout, recorded: None }
    }

    /// Bundles of the server's recorded claims written in `layout`, or why there are none
    /// (`../shared` is not beside the repository).
    pub fn recorded(layout: Layout) -> Result<Self, String> {
        let dir = repo_root().join("../shared/data/samples/v1-normalized");
        let mut entries = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in RECORDED_FILES {
            let path = dir.join(name);
            let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut resources = Resources::open(file).map_err(|e| format!("{}: {e}", path.display()))?;
            while let Some(entry) = resources.next_entry() {
                let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
                if let Some(resource) = entry.resource() {
                    let text = Self::write_entry(layout, resource);
                    // The carrier claim with several lines is the all-claims search's carrier
                    // claim read on its own: one id, so this one is told apart.
                    let key = (resource.resource_type(), resource_id(&text).to_string());
                    let text = if seen.insert(key) { text } else { with_id_suffix(&text, "lines") };
                    entries.push(text);
                }
            }
        }
        Ok(Templates { layout, recorded: Some(entries) })
    }

    /// Generated or recorded bundles in `layout`; `None` where recorded ones are asked for
    /// and `../shared` is absent (the reason is printed).
    pub fn of(shape: Shape, layout: Layout) -> Option<Self> {
        match shape {
            Shape::Generated => Some(Self::load(layout)),
            Shape::Recorded => Self::recorded(layout).map_err(|why| eprintln!("no recorded input: {why}")).ok(),
        }
    }

    /// The shape of the entries.
    pub fn shape(&self) -> Shape {
        if self.recorded.is_some() {
            Shape::Recorded
        } else {
            Shape::Generated
        }
    }

    /// One entry (`{"resource": …}`) written in the layout, indented to stand in the Bundle.
    fn entry(&self, resource: &bluebutton::Resource<'_>) -> String {
        Self::write_entry(self.layout, resource)
    }

    fn write_entry(layout: Layout, resource: &bluebutton::Resource<'_>) -> String {
        let mut w = match layout {
            Layout::Pretty => Writer::pretty(2),
            Layout::Minified => Writer::compact(),
        };
        w.begin_object();
        w.key("resource");
        resource.write_json(&mut w);
        w.end_object();
        let text = w.into_string();
        match layout {
            Layout::Pretty => text.replace('\n', "\n    "),
            Layout::Minified => text,
        }
    }

    /// Writes a Bundle of about `target` bytes to `out`, entry by entry (nothing large is held
    /// in memory). `total` comes after the entries, where a streaming writer knows it. Returns
    /// the number of entries and of bytes.
    pub fn write_bundle(&self, target: u64, out: &mut dyn Write) -> io::Result<(u64, u64)> {
        let mut out = Counting { inner: out, bytes: 0 };
        let (nl, ind, sep) = match self.layout {
            Layout::Pretty => ("\n", "  ", " "),
            Layout::Minified => ("", "", ""),
        };
        write!(
            out,
            "{{{nl}{ind}\"resourceType\":{sep}\"Bundle\",{nl}{ind}\"id\":{sep}\"bench-{target}\",{nl}\
             {ind}\"meta\":{sep}{{{nl}{ind}{ind}\"lastUpdated\":{sep}\"2024-03-01T09:30:00.000-05:00\"{nl}{ind}}},{nl}\
             {ind}\"type\":{sep}\"searchset\",{nl}\
             {ind}\"link\":{sep}[{nl}{ind}{ind}{{{nl}{ind}{ind}{ind}\"relation\":{sep}\"self\",{nl}\
             {ind}{ind}{ind}\"url\":{sep}\"https://sandbox.bluebutton.cms.gov/v1/fhir/ExplanationOfBenefit/?patient=-100000000000\"{nl}\
             {ind}{ind}}}{nl}{ind}],{nl}{ind}\"entry\":{sep}["
        )?;
        let options = Options { seed: SEED, patients: u64::MAX, ..Options::default() };
        let mut n = 0u64;
        let mut write_entry = |out: &mut Counting<'_>, entry: &str| -> io::Result<()> {
            if n > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{nl}{ind}{ind}{entry}")?;
            n += 1;
            Ok(())
        };
        if let Some(recorded) = &self.recorded {
            'copies: for copy in 1.. {
                for entry in recorded {
                    if copy == 1 {
                        write_entry(&mut out, entry)?;
                    } else {
                        write_entry(&mut out, &with_id_suffix(entry, &copy.to_string()))?;
                    }
                    if out.bytes + 100 >= target {
                        break 'copies;
                    }
                }
            }
            write!(out, "{nl}{ind}],{nl}{ind}\"total\":{sep}{n}{nl}}}{nl}")?;
            return Ok((n, out.bytes));
        }
        for i in 0.. {
            let bene = synth::beneficiary(&options, i);
            if i == 0 {
                write_entry(&mut out, &self.entry(&bene.patient))?;
            }
            for claim in &bene.claims {
                write_entry(&mut out, &self.entry(claim))?;
            }
            if out.bytes + 100 >= target {
                break;
            }
        }
        write!(out, "{nl}{ind}],{nl}{ind}\"total\":{sep}{n}{nl}}}{nl}")?;
        Ok((n, out.bytes))
    }

    /// A Bundle of about `target` bytes, in memory.
    pub fn bundle(&self, target: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(target as usize + (1 << 20));
        self.write_bundle(target, &mut out).expect("writing to memory");
        out
    }
}

/// Where the resource's id is in `entry` (`{"resource": {"resourceType": …, "id": "X"…`):
/// the first `"id"` member, which the writer puts right after `resourceType`.
fn id_range(entry: &str) -> Option<std::ops::Range<usize>> {
    let key = entry.find("\"id\":")?;
    let start = key + 5 + entry[key + 5..].find('"')? + 1;
    let end = start + entry[start..].find('"')?;
    Some(start..end)
}

/// The resource's id in `entry` (empty when it has none).
fn resource_id(entry: &str) -> &str {
    id_range(entry).map_or("", |range| &entry[range])
}

/// `entry` with the resource's id `X` made `X-suffix`.
fn with_id_suffix(entry: &str, suffix: &str) -> String {
    match id_range(entry) {
        Some(range) => format!("{}-{suffix}{}", &entry[..range.end], &entry[range.end..]),
        None => entry.to_string(),
    }
}

struct Counting<'w> {
    inner: &'w mut dyn Write,
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A Bundle of about `target` bytes of generated claims in `layout`.
pub fn bundle(target: u64, layout: Layout) -> Vec<u8> {
    Templates::load(layout).bundle(target)
}

/// The resources of `bundle`, one per line (NDJSON, as bulk exports write them).
pub fn ndjson_of(bundle: &[u8]) -> Vec<u8> {
    let mut out = NdjsonWriter::new(Vec::with_capacity(bundle.len()));
    for entry in BundleReader::new(bundle).expect("a bundle") {
        out.write(entry.expect("a good entry").resource().expect("a resource")).expect("in memory");
    }
    out.into_inner()
}
