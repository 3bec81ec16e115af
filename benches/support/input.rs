//! Builds large Bundles for the benchmarks, the memory check and the tests that need volume,
//! with the synthetic data generator (`bluebutton::synth`): a Patient, then the claims of one
//! generated beneficiary after another (all eight claim types, every field filled), until the
//! Bundle is about as large as asked. Fixed seed: the same size gives the same bytes.
#![allow(dead_code)]
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bluebutton::json::{ToJson, Writer};
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

/// Makes Bundles of generated claims in one layout.
pub struct Templates {
    layout: Layout,
}

/// The repository root (where `examples/` is), from the package that includes this module.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("examples/data/demo-bundle.json").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

impl Templates {
    /// Bundles written in `layout`.
    pub fn load(layout: Layout) -> Self {
        Templates { layout }
    }

    /// One entry (`{"resource": …}`) written in the layout, indented to stand in the Bundle.
    fn entry(&self, resource: &bluebutton::Resource<'_>) -> String {
        let mut w = match self.layout {
            Layout::Pretty => Writer::pretty(2),
            Layout::Minified => Writer::compact(),
        };
        w.begin_object();
        w.key("resource");
        resource.write_json(&mut w);
        w.end_object();
        let text = w.into_string();
        match self.layout {
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
        let mut write_entry = |out: &mut Counting<'_>, resource: &bluebutton::Resource<'_>| -> io::Result<()> {
            if n > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{nl}{ind}{ind}{}", self.entry(resource))?;
            n += 1;
            Ok(())
        };
        for i in 0.. {
            let bene = synth::beneficiary(&options, i);
            if i == 0 {
                write_entry(&mut out, &bene.patient)?;
            }
            for claim in &bene.claims {
                write_entry(&mut out, claim)?;
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

/// A Bundle of about `target` bytes in `layout`.
pub fn bundle(target: u64, layout: Layout) -> Vec<u8> {
    Templates::load(layout).bundle(target)
}
