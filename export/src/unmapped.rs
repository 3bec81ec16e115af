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

use crate::hashing::{FxBuildHasher, KeyMap, KeySet};
use bluebutton::urls::{self, Level, WalkUrls, LEVELS};
use bluebutton::views::{BeneficiaryCoverage, BeneficiaryPatient, FieldInfo};

/// The bluebutton URLs of `resource` that none of its `fields` accounts for.
pub fn unmapped<T: WalkUrls + ?Sized>(resource: &T, fields: &[(Level, &'static FieldInfo)]) -> Vec<String> {
    let found = urls::bluebutton_urls(resource);
    if found.is_empty() {
        return Vec::new();
    }
    verdicts(&found, fields)
}

/// The URLs of `found` that none of `fields` accounts for at their level.
fn verdicts(found: &[(Level, &str)], fields: &[(Level, &'static FieldInfo)]) -> Vec<String> {
    thread_local! {
        /// The set of the present fields' URLs at their levels, kept for the next resource.
        static COVERED: Cell<KeySet<u64>> = Cell::new(KeySet::default());
    }
    let catalog = catalog();
    // Each present field's URLs (as numbers), at its level.
    let mut covered = COVERED.take();
    covered.clear();
    for &(level, info) in fields {
        if let Some(ids) = catalog.field_urls.get(&address(info)) {
            let level = level_key(level);
            covered.extend(ids.iter().map(|id| level | u64::from(*id)));
        }
    }
    // The present fields by level and address, sorted: made only for a URL with a year in it
    // that no field lists as it is.
    let mut present: Option<Vec<(u8, usize, usize)>> = None;
    let mut out = Vec::new();
    for &(level, url) in found {
        // A field listed under the URL itself covers it.
        if catalog.ids.get(url).is_some_and(|id| covered.contains(&(level_key(level) | u64::from(*id)))) {
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
    COVERED.set(covered);
    out
}

/// A level as the high bits of a key whose low 24 bits are a URL's number.
fn level_key(level: Level) -> u64 {
    let (element, entry, _) = place(level, 0);
    (u64::from(element) << 56) | ((entry as u64 & 0xff_ffff_ffff) << 24)
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
/// (a `<year>` in them as written); the URLs numbered, and each field's URLs as numbers.
struct Catalog {
    by_url: UrlMap<Vec<&'static FieldInfo>>,
    ids: UrlMap<u32>,
    field_urls: KeyMap<usize, Vec<u32>>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog { by_url: UrlMap::default(), ids: UrlMap::default(), field_urls: HashMap::default() };
        let claim_fields = ClaimType::ALL.into_iter().flat_map(|t| {
            let f = t.fields();
            [f.root, f.line, f.care_team, f.diagnosis, f.procedure]
        });
        let lists = claim_fields.chain([BeneficiaryPatient::FIELDS, BeneficiaryCoverage::FIELDS]);
        for field in lists.flatten() {
            let mut ids = Vec::new();
            for url in field.urls {
                let list = catalog.by_url.entry(*url).or_default();
                if !list.iter().any(|f| std::ptr::eq(*f, *field)) {
                    list.push(field);
                }
                let next = catalog.ids.len() as u32;
                ids.push(*catalog.ids.entry(*url).or_insert(next));
            }
            catalog.field_urls.insert(address(field), ids);
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
