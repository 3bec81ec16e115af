//! Builds large Bundles for the benchmarks and the memory check, from the project's own example
//! data: the entries of `examples/data/demo-bundle.json` and `examples/data/claims-bundle.json`
//! (a Patient, then EOBs of every claim type), repeated with distinct ids until the Bundle is
//! about as large as asked.
//!
//! Everything that decides what the inputs look like is in this module, so that a synthetic
//! generator can take its place later by changing [`Templates::load`] alone.
#![allow(dead_code)]
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bluebutton::json::{self, ToJson, Writer};
use bluebutton::resources::Bundle;

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

/// One entry, written out, split around the value of its resource's `id`.
struct Template {
    before_id: String,
    id: String,
    after_id: String,
}

/// The entries to repeat: the first is written once, the others in turn.
pub struct Templates {
    first: Template,
    cycle: Vec<Template>,
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

fn entries_of(path: &Path, layout: Layout) -> Vec<Template> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bundle: Bundle = json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bundle
        .entry
        .iter()
        .map(|entry| {
            let mut w = match layout {
                Layout::Pretty => Writer::pretty(2),
                Layout::Minified => Writer::compact(),
            };
            entry.write_json(&mut w);
            let text = w.into_string();
            // Entries stand two levels deep in the Bundle.
            let text = match layout {
                Layout::Pretty => text.replace('\n', "\n    "),
                Layout::Minified => text,
            };
            let id = entry.resource.as_ref().and_then(|r| r.id()).expect("example resources have ids").to_string();
            let needle = format!("\"{id}\"");
            let at = text.find(&needle).expect("the id is written");
            let after_id = text[at + 1 + id.len()..].to_string();
            Template { before_id: text[..at + 1].to_string(), id, after_id }
        })
        .collect()
}

impl Templates {
    /// The project's example entries, written in `layout`.
    pub fn load(layout: Layout) -> Self {
        let data = repo_root().join("examples/data");
        let mut demo = entries_of(&data.join("demo-bundle.json"), layout);
        let claims = entries_of(&data.join("claims-bundle.json"), layout);
        let first = demo.remove(0); // the Patient
        demo.extend(claims);
        Templates { first, cycle: demo, layout }
    }

    fn template(&self, i: u64) -> &Template {
        if i == 0 {
            &self.first
        } else {
            &self.cycle[((i - 1) % self.cycle.len() as u64) as usize]
        }
    }

    fn entry_len(&self, i: u64) -> u64 {
        let t = self.template(i);
        (t.before_id.len() + t.id.len() + 1 + digits(i) + t.after_id.len()) as u64
    }

    /// The number of entries that makes a Bundle of about `target` bytes.
    fn entries_for(&self, target: u64) -> u64 {
        let mut n = 0;
        let mut size = 400;
        while size < target {
            size += self.entry_len(n) + 6;
            n += 1;
        }
        n.max(1)
    }

    /// Writes a Bundle of about `target` bytes to `out`, entry by entry (nothing large is held
    /// in memory). Returns the number of entries and of bytes.
    pub fn write_bundle(&self, target: u64, out: &mut dyn Write) -> io::Result<(u64, u64)> {
        let n = self.entries_for(target);
        let mut out = Counting { inner: out, bytes: 0 };
        let (nl, ind, sep) = match self.layout {
            Layout::Pretty => ("\n", "  ", " "),
            Layout::Minified => ("", "", ""),
        };
        write!(
            out,
            "{{{nl}{ind}\"resourceType\":{sep}\"Bundle\",{nl}{ind}\"id\":{sep}\"bench-{n}\",{nl}\
             {ind}\"meta\":{sep}{{{nl}{ind}{ind}\"lastUpdated\":{sep}\"2024-03-01T09:30:00.000-05:00\"{nl}{ind}}},{nl}\
             {ind}\"type\":{sep}\"searchset\",{nl}{ind}\"total\":{sep}{n},{nl}\
             {ind}\"link\":{sep}[{nl}{ind}{ind}{{{nl}{ind}{ind}{ind}\"relation\":{sep}\"self\",{nl}\
             {ind}{ind}{ind}\"url\":{sep}\"https://sandbox.bluebutton.cms.gov/v1/fhir/ExplanationOfBenefit/?patient=-19990000000001\"{nl}\
             {ind}{ind}}}{nl}{ind}],{nl}{ind}\"entry\":{sep}["
        )?;
        for i in 0..n {
            let t = self.template(i);
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{nl}{ind}{ind}{}{}-{i}{}", t.before_id, t.id, t.after_id)?;
        }
        write!(out, "{nl}{ind}]{nl}}}{nl}")?;
        Ok((n, out.bytes))
    }

    /// A Bundle of about `target` bytes, in memory.
    pub fn bundle(&self, target: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(target as usize + (64 << 10));
        self.write_bundle(target, &mut out).expect("writing to memory");
        out
    }
}

fn digits(mut i: u64) -> usize {
    let mut d = 1;
    while i >= 10 {
        i /= 10;
        d += 1;
    }
    d
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
