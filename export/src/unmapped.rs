//! The elements of a resource that no column holds: the bluebutton URLs of its JSON (extension
//! `url`s, coding and identifier `system`s, `code`s that are variable URLs) that none of its
//! present fields accounts for at the same place. The same verdicts as
//! [`views::unmapped`](bluebutton::views::unmapped), found without building a JSON tree: one
//! pass over the resource's JSON text, and the catalog's fields looked up by URL once per
//! occurrence (rather than each occurrence compared with each field).
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ToJson};
use bluebutton::views::{BeneficiaryCoverage, BeneficiaryPatient, FieldInfo, LocatedField};

/// Where Blue Button data names its fields.
const BLUEBUTTON: &[u8] = b"https://bluebutton.cms.gov/resources/";

/// The repeating elements whose entries are levels of their own.
const LEVELS: [&str; 4] = ["item", "careTeam", "diagnosis", "procedure"];

/// A level: `None` for the resource itself, `Some(("item", 2))` for an entry.
type Level = Option<(&'static str, usize)>;

/// The bluebutton URLs of `resource` that none of its `fields` accounts for.
pub fn unmapped<T: ToJson + ?Sized>(resource: &T, fields: &[LocatedField]) -> Vec<String> {
    thread_local! {
        /// The buffer of the resources' JSON, kept for the next resource of the thread.
        static TEXT: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    // The bytes as written (the scan needs no UTF-8 check of the whole text, only of its URLs).
    let mut writer = json::Writer::compact_into(TEXT.take());
    resource.write_json(&mut writer);
    let text = writer.into_bytes();
    let found = unmapped_in(&text, fields);
    TEXT.set(text);
    found
}

/// The bluebutton URLs of a resource's JSON `text` that none of its `fields` accounts for.
fn unmapped_in(text: &[u8], fields: &[LocatedField]) -> Vec<String> {
    let mut scan = Scan { b: text, pos: 0, out: Vec::new() };
    scan.value(0, None, b"");
    if scan.out.is_empty() {
        return Vec::new();
    }
    // The present fields, by level and address, sorted for lookups.
    let mut present: Vec<(u8, usize, usize)> = fields.iter().map(|f| place(f.level, address(f.field.info))).collect();
    present.sort_unstable();
    let by_url = fields_by_url();
    scan.out
        .into_iter()
        .filter_map(|(level, url)| {
            let url = std::str::from_utf8(url).ok()?;
            let (element, entry, _) = place(level, 0);
            let present_at = |f: &&FieldInfo| present.binary_search(&(element, entry, address(f))).is_ok();
            // A field listed under the URL itself covers it; one listed under a form with a
            // `<year>` covers it when that form's year is where the field's URL has it.
            let covered = by_url.get(url).is_some_and(|candidates| candidates.iter().any(present_at))
                || with_year_placeholders(url).iter().any(|form| {
                    by_url
                        .get(form.as_str())
                        .is_some_and(|candidates| candidates.iter().any(|f| present_at(f) && f.covers(url)))
                });
            (!covered).then(|| url.to_string())
        })
        .collect()
}

fn address(f: &FieldInfo) -> usize {
    f as *const FieldInfo as usize
}

/// A field at a level as numbers (compared without comparing the level names): the level's
/// place in [`LEVELS`] (0 for the resource itself, `LEVELS.len() + 1` for another element),
/// the entry index and the field's address.
fn place(level: Level, address: usize) -> (u8, usize, usize) {
    match level {
        None => (0, 0, address),
        Some((name, i)) => {
            let element = LEVELS.iter().position(|l| *l == name).unwrap_or(LEVELS.len());
            (element as u8 + 1, i, address)
        }
    }
}

/// The hasher of the URL table: eight bytes at a time (the URLs share a long prefix, and a
/// lookup per occurrence is on the export's hot path; the default hasher, resistant to
/// chosen keys, is not needed for the catalog's own URLs).
#[derive(Default)]
struct UrlHasher(u64);

impl std::hash::Hasher for UrlHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        for &b in chunks.remainder() {
            self.mix(u64::from(b));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl UrlHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type UrlMap = HashMap<&'static str, Vec<&'static FieldInfo>, BuildHasherDefault<UrlHasher>>;

/// Every field of the catalog (claim types at every level, Patient, Coverage) by each of its
/// URLs (a `<year>` in them as written).
fn fields_by_url() -> &'static UrlMap {
    static MAP: OnceLock<UrlMap> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = UrlMap::default();
        let claim_fields = ClaimType::ALL.into_iter().flat_map(|t| {
            let f = t.fields();
            [f.root, f.line, f.care_team, f.diagnosis, f.procedure]
        });
        let lists = claim_fields.chain([BeneficiaryPatient::FIELDS, BeneficiaryCoverage::FIELDS]);
        for field in lists.flatten() {
            for url in field.urls {
                let list = map.entry(*url).or_default();
                if !list.iter().any(|f| std::ptr::eq(*f, *field)) {
                    list.push(field);
                }
            }
        }
        map
    })
}

/// `url` with one run of four digits (a year) replaced by `<year>`, for each such run: the
/// forms a field's URL with a year placeholder can take (`…/ptdcntrct01/<year>-1`).
fn with_year_placeholders(url: &str) -> Vec<String> {
    let b = url.as_bytes();
    (0..b.len().saturating_sub(3))
        .filter(|&i| b[i..i + 4].iter().all(u8::is_ascii_digit))
        .map(|i| format!("{}<year>{}", &url[..i], &url[i + 4..]))
        .collect()
}

/// A pass over JSON text (the model's own output: valid JSON), collecting the bluebutton URLs
/// with their levels.
struct Scan<'t> {
    b: &'t [u8],
    pos: usize,
    out: Vec<(Level, &'t [u8])>,
}

impl<'t> Scan<'t> {
    fn skip_ws(&mut self) {
        while self.b.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.pos).copied()
    }

    /// The raw text of the string at `pos` (escapes left as written), past its closing quote.
    fn string(&mut self) -> &'t [u8] {
        let start = self.pos + 1;
        let mut i = start;
        // Jumps from quote or backslash to the next one (most strings have neither inside).
        loop {
            match self.b.get(i..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
                Some(at) if self.b[i + at] == b'"' => {
                    i += at;
                    break;
                }
                Some(at) => i += at + 2,
                None => {
                    i = self.b.len();
                    break;
                }
            }
        }
        self.pos = (i + 1).min(self.b.len());
        &self.b[start..i.min(self.b.len())]
    }

    /// A value: an object's members at `depth` 0 are the resource's own; `key` is the member
    /// name the value belongs to.
    fn value(&mut self, depth: usize, level: Level, key: &[u8]) {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                while let Some(c) = self.peek() {
                    if c == b'}' {
                        self.pos += 1;
                        break;
                    }
                    if c == b',' {
                        self.pos += 1;
                        continue;
                    }
                    let k = self.string();
                    if self.peek() == Some(b':') {
                        self.pos += 1;
                    }
                    let entry_level = (depth == 0).then(|| LEVELS.iter().find(|l| l.as_bytes() == k)).flatten();
                    match entry_level {
                        Some(name) if self.peek() == Some(b'[') => self.array(depth + 1, |i| Some((*name, i)), k),
                        _ => self.value(depth + 1, level, k),
                    }
                }
            }
            Some(b'[') => self.array(depth, |_| level, key),
            Some(b'"') => {
                let s = self.string();
                if matches!(key, b"url" | b"system" | b"code") && s.starts_with(BLUEBUTTON) {
                    self.out.push((level, s));
                }
            }
            Some(_) => {
                while self.b.get(self.pos).is_some_and(|c| !matches!(c, b',' | b'}' | b']')) {
                    self.pos += 1;
                }
            }
            None => {}
        }
    }

    /// The array at `pos`: its `i`-th element at level `level_of(i)`, each at `depth`.
    fn array(&mut self, depth: usize, level_of: impl Fn(usize) -> Level, key: &[u8]) {
        self.pos += 1;
        let mut i = 0;
        while let Some(c) = self.peek() {
            match c {
                b']' => {
                    self.pos += 1;
                    break;
                }
                b',' => self.pos += 1,
                _ => {
                    // Arrays of strings are not fields' URLs (the views' walk takes members).
                    self.value(depth, level_of(i), if self.b[self.pos] == b'"' { b"" } else { key });
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bluebutton::json::Value;
    use bluebutton::views::{self, UrlOccurrence};

    fn scanned(text: &str) -> Vec<(Option<(String, usize)>, String)> {
        let mut scan = Scan { b: text.as_bytes(), pos: 0, out: Vec::new() };
        scan.value(0, None, b"");
        scan.out
            .into_iter()
            .map(|(l, u)| (l.map(|(e, i)| (e.to_string(), i)), String::from_utf8(u.to_vec()).unwrap()))
            .collect()
    }

    fn walked(text: &str) -> Vec<(Option<(String, usize)>, String)> {
        let tree: Value = json::from_str(text).unwrap();
        views::bluebutton_urls(&tree).into_iter().map(|UrlOccurrence { url, level, .. }| (level, url)).collect()
    }

    #[test]
    fn the_scan_finds_what_the_views_walk_finds() {
        let text = r#"{"resourceType":"ExplanationOfBenefit","extension":[{"url":"https://bluebutton.cms.gov/resources/variables/a","valueString":"x"}],
            "item":[{"sequence":1},{"adjudication":[{"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/adjudication",
            "code":"https://bluebutton.cms.gov/resources/variables/line_nch_pmt_amt"}]},"amount":{"value":1.5}}]}],
            "diagnosis":[{"sequence":1,"type":[{"coding":[{"code":"principal","system":"https://bluebutton.cms.gov/resources/codesystem/diagnosis-type"}]}]}],
            "contained":[{"resourceType":"Observation","code":{"coding":[{"system":"https://bluebutton.cms.gov/resources/variables/x","code":"1"}]}}],
            "identifier":[{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":"\"https://bluebutton.cms.gov/resources/\""}],
            "note":["https://bluebutton.cms.gov/resources/not-a-member"], "total": [1, true, null, -2.5e3]}"#;
        let found = scanned(text);
        assert_eq!(found, walked(text));
        assert_eq!(found.len(), 6);
        assert_eq!(found[1].0, Some(("item".to_string(), 1)));
    }

    #[test]
    fn the_scan_agrees_with_the_walk_on_every_sample() {
        let Ok(dir) =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/samples/v1-normalized"))
        else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs ../shared/data beside the checkout");
            return eprintln!("skipping the_scan_agrees_with_the_walk_on_every_sample: no ../shared/data");
        };
        let mut found_unmapped = 0;
        for e in dir {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            assert_eq!(scanned(&text), walked(&text));
            // The verdicts too, on each resource and on it with a URL no field knows added.
            let mutated = text.replacen(
                "\"extension\" : [",
                "\"extension\" : [{\"url\": \"https://bluebutton.cms.gov/resources/variables/nothing_2018\"},",
                1,
            );
            for text in [&text, &mutated] {
                let resource: bluebutton::Resource = json::from_str(text).unwrap();
                let resources: Vec<&bluebutton::Resource> = match &resource {
                    bluebutton::Resource::Bundle(b) => b.entry.iter().filter_map(|e| e.resource.as_ref()).collect(),
                    r => vec![r],
                };
                for r in resources {
                    let fields = views::fields_of(r).unwrap_or_default();
                    let written = json::to_string(r);
                    let tree: Value = json::from_str(&written).unwrap();
                    let expected: Vec<String> = views::unmapped(&tree, &fields).into_iter().map(|u| u.url).collect();
                    assert_eq!(unmapped(r, &fields), expected);
                    found_unmapped += expected.len();
                }
            }
        }
        assert!(found_unmapped >= 20, "the added URL is found unmapped ({found_unmapped})");
    }
}
