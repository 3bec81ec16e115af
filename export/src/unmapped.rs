//! The elements of a resource that no column holds: the bluebutton URLs of the resource
//! (extension `url`s, coding and identifier `system`s, `code`s that are variable URLs) that
//! none of its present fields accounts for at the same place. The same verdicts as
//! [`views::unmapped`](bluebutton::views::unmapped), found without writing or reading JSON:
//! the typed resource's URLs are walked ([`bluebutton::urls`]), and the catalog's fields looked
//! up by URL once per occurrence (rather than each occurrence compared with each field).
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::OnceLock;

use bluebutton::claim_type::ClaimType;

use crate::hashing::{FxBuildHasher, KeyMap};
use bluebutton::urls::{Level, UrlWalker, WalkUrls, LEVELS};
use bluebutton::views::{BeneficiaryCoverage, BeneficiaryPatient, FieldInfo};

/// The bluebutton URLs of `resource` that none of its `fields` accounts for.
pub fn unmapped<T: WalkUrls + ?Sized>(resource: &T, fields: &[(Level, &'static FieldInfo)]) -> Vec<String> {
    thread_local! {
        /// The vector of the last resource's URLs, emptied, for the next one's.
        static FOUND: Cell<Vec<(Level, &'static str)>> = const { Cell::new(Vec::new()) };
    }
    let mut walker = UrlWalker::reusing(FOUND.take());
    resource.walk_urls(&mut walker);
    let found = walker.into_found();
    let out = if found.is_empty() { Vec::new() } else { verdicts(&found, fields) };
    FOUND.set(UrlWalker::reusing(found).into_found());
    out
}

/// The URLs of `found` that none of `fields` accounts for at their level.
fn verdicts(found: &[(Level, &str)], fields: &[(Level, &'static FieldInfo)]) -> Vec<String> {
    thread_local! {
        /// The work space of one resource, kept for the next.
        static SPACE: Cell<Space> = Cell::new(Space::default());
    }
    let catalog = catalog();
    let mut space = SPACE.take();
    let Space { numbers, runs, marks, generation } = &mut space;
    // The present fields by number, in runs of one level (the fields come level by level).
    let mut levels = LevelKeys::default();
    numbers.clear();
    runs.clear();
    for (i, &(level, info)) in fields.iter().enumerate() {
        let key = levels.key(level);
        numbers.push(catalog.numbers.get(&address(info)).copied().unwrap_or(u32::MAX));
        match runs.last_mut() {
            Some((k, _, end)) if *k == key => *end = i + 1,
            _ => runs.push((key, i, i + 1)),
        }
    }
    marks.resize(catalog.numbers.len(), 0);
    // The URLs in order (they too come mostly level by level); at each change of level, its
    // fields are marked with a number not used before, and a URL is covered when one of the
    // fields that list it is marked. No hashing per pair of field and URL: a field can list
    // dozens of URLs (a family such as the diagnosis codes), a URL be listed by many fields.
    let mut marked = None;
    let mut urls = LevelKeys::default();
    // The present fields by level and address, sorted: made only for a URL with a year in it
    // that no field lists as it is.
    let mut present: Option<Vec<(u8, usize, usize)>> = None;
    let mut out = Vec::new();
    for &(level, url) in found {
        let key = urls.key(level);
        if marked != Some(key) {
            *generation = generation.wrapping_add(1);
            if *generation == 0 {
                marks.fill(0);
                *generation = 1;
            }
            for &(_, start, end) in runs.iter().filter(|(k, _, _)| *k == key) {
                for &n in &numbers[start..end] {
                    if let Some(mark) = marks.get_mut(n as usize) {
                        *mark = *generation;
                    }
                }
            }
            marked = Some(key);
        }
        // A field listed under the URL itself covers it.
        let listing = catalog.ids.get(url);
        if listing.is_some_and(|fields| fields.iter().any(|n| marks[*n as usize] == *generation)) {
            continue;
        }
        // One listed under a form with a `<year>` covers it when that form's year is where
        // the field's URL has it.
        let present = present.get_or_insert_with(|| {
            let mut p: Vec<_> = fields.iter().map(|&(level, info)| place(level, address(info))).collect();
            p.sort_unstable();
            p
        });
        let (element, entry, _) = place(level, 0);
        let present_at = |f: &FieldInfo| present.binary_search(&(element, entry, address(f))).is_ok();
        let by_year = with_year_placeholders(url).iter().any(|form| {
            catalog
                .by_url
                .get(form.as_str())
                .is_some_and(|fields| fields.iter().any(|f| present_at(f) && f.covers(url)))
        });
        if !by_year {
            out.push(url.to_string());
        }
    }
    SPACE.set(space);
    out
}

/// The space [`verdicts`] works in, kept from one resource to the next.
#[derive(Default)]
struct Space {
    /// The present fields' numbers (`u32::MAX` for a field the catalog does not list).
    numbers: Vec<u32>,
    /// Runs of `numbers` at one level: its key, start and end.
    runs: Vec<(u64, usize, usize)>,
    /// Per field number, the generation that last marked it present.
    marks: Vec<u32>,
    generation: u32,
}

/// The keys of levels ([`level_key`]), the last one remembered: fields and URLs come level
/// by level, so most lookups are of the level before.
#[derive(Default)]
struct LevelKeys {
    last: Option<(Level, u64)>,
}

impl LevelKeys {
    #[inline]
    fn key(&mut self, level: Level) -> u64 {
        match self.last {
            Some((l, key)) if same_level(l, level) => key,
            _ => {
                let key = level_key(level);
                self.last = Some((level, key));
                key
            }
        }
    }
}

/// Whether two levels are the same: their element names compared by address first (static
/// texts of the generated code), then as texts.
#[inline]
fn same_level(a: Level, b: Level) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some((x, i)), Some((y, j))) => i == j && (std::ptr::eq(x, y) || x == y),
        _ => false,
    }
}

/// A level as a number: its element's place in the high bits, the entry's index below.
fn level_key(level: Level) -> u64 {
    let (element, entry, _) = place(level, 0);
    (u64::from(element) << 56) | (entry as u64 & 0xff_ffff_ffff_ffff)
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

type UrlMap<V> = HashMap<&'static str, V, FxBuildHasher>;

/// The catalog's fields (claim types at every level, Patient, Coverage) by each of their URLs
/// (a `<year>` in them as written); the fields numbered, and by each URL the numbers of the
/// fields that list it.
struct Catalog {
    by_url: UrlMap<Vec<&'static FieldInfo>>,
    ids: UrlMap<Vec<u32>>,
    numbers: KeyMap<usize, u32>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog { by_url: UrlMap::default(), ids: UrlMap::default(), numbers: HashMap::default() };
        let claim_fields = ClaimType::ALL.into_iter().flat_map(|t| {
            let f = t.fields();
            [f.root, f.line, f.care_team, f.diagnosis, f.procedure]
        });
        let lists = claim_fields.chain([BeneficiaryPatient::FIELDS, BeneficiaryCoverage::FIELDS]);
        for field in lists.flatten() {
            let next = catalog.numbers.len() as u32;
            let n = *catalog.numbers.entry(address(field)).or_insert(next);
            for url in field.urls {
                let list = catalog.by_url.entry(*url).or_default();
                if !list.iter().any(|f| std::ptr::eq(*f, *field)) {
                    list.push(field);
                }
                let listing = catalog.ids.entry(*url).or_default();
                if !listing.contains(&n) {
                    listing.push(n);
                }
            }
        }
        catalog
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

#[cfg(test)]
mod tests {
    use super::*;
    use bluebutton::json::{self, Value};
    use bluebutton::views;

    #[test]
    fn the_verdicts_are_the_views_on_every_sample() {
        let Ok(dir) =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/samples/v1-normalized"))
        else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs ../shared/data beside the checkout");
            return eprintln!("skipping the_verdicts_are_the_views_on_every_sample: no ../shared/data");
        };
        let mut found_unmapped = 0;
        for e in dir {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            // Each resource as it is, with a URL no field knows added, and with a coding of a
            // system no field knows in a line.
            let mutated = text.replacen(
                "\"extension\" : [",
                "\"extension\" : [{\"url\": \"https://bluebutton.cms.gov/resources/variables/nothing_2018\"},",
                1,
            );
            let in_line = text.replacen(
                "\"coding\" : [",
                "\"coding\" : [{\"system\": \"https://bluebutton.cms.gov/resources/codesystem/nothing\", \"code\": \"x\"},",
                1,
            );
            for text in [&text, &mutated, &in_line] {
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
                    let present: Vec<_> = fields.iter().map(|f| (f.level, f.field.info)).collect();
                    assert_eq!(unmapped(r, &present), expected);
                    found_unmapped += expected.len();
                }
            }
        }
        assert!(found_unmapped >= 40, "the added URLs are found unmapped ({found_unmapped})");
    }
}
