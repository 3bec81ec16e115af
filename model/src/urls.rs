//! The bluebutton URLs of a typed resource, found by walking its elements (no JSON written):
//! the same occurrences as [`views::bluebutton_urls`](crate::views::bluebutton_urls) finds in
//! the resource's JSON. A URL is a string member named `url`, `system` or `code` (an extension
//! `url`, a coding or identifier `system`, a `code` that is a variable URL) that starts with
//! `https://bluebutton.cms.gov/resources/`; strings inside arrays are not members. Each has
//! its level: the entry of `item`, `careTeam`, `diagnosis` or `procedure` of the resource
//! itself it is in, or `None`.
//!
//! ```
//! use bluebutton_model::{json, urls, Resource};
//!
//! let text = r#"{"resourceType":"Patient","extension":[{"url":"https://bluebutton.cms.gov/resources/variables/race","valueCoding":{"code":"1"}}]}"#;
//! let patient: Resource = json::from_str(text).unwrap();
//! let found = urls::bluebutton_urls(&patient);
//! assert_eq!(found, [(None, "https://bluebutton.cms.gov/resources/variables/race")]);
//! ```
use crate::json::{PrimitiveElement, UnknownProperties, Value};

/// Where Blue Button data names its fields.
pub const BLUEBUTTON: &str = "https://bluebutton.cms.gov/resources/";

/// The repeating elements of a resource whose entries are levels of their own.
pub const LEVELS: [&str; 4] = ["item", "careTeam", "diagnosis", "procedure"];

/// A level: `None` for the resource itself, `Some(("item", 2))` for an entry.
pub type Level = Option<(&'static str, usize)>;

/// Every bluebutton URL of `value` (a resource), with its level, in the order of the
/// resource's JSON.
pub fn bluebutton_urls<T: WalkUrls + ?Sized>(value: &T) -> Vec<(Level, &str)> {
    let mut walker = UrlWalker::new();
    value.walk_urls(&mut walker);
    walker.into_found()
}

/// A value whose bluebutton URLs can be walked (every generated type, and [`Resource`]).
///
/// [`Resource`]: crate::Resource
pub trait WalkUrls {
    /// Hands `w` the bluebutton URLs of the value and of everything it holds.
    fn walk_urls<'r>(&'r self, w: &mut UrlWalker<'r>);
}

/// What a walk has found so far, and where it is.
#[derive(Debug, Default)]
pub struct UrlWalker<'r> {
    /// Objects entered: 1 inside the resource's own object.
    depth: u32,
    level: Level,
    found: Vec<(Level, &'r str)>,
}

impl<'r> UrlWalker<'r> {
    /// An empty walker.
    pub fn new() -> Self {
        UrlWalker::default()
    }

    /// An empty walker that fills `spare`, the vector of an earlier walk (emptied first; of any
    /// resource's lifetime): a reader of many resources allocates it once, rather than growing
    /// a new one for each.
    pub fn reusing(spare: Vec<(Level, &str)>) -> Self {
        UrlWalker { found: crate::recycle(spare), ..UrlWalker::default() }
    }

    /// The URLs found, with their levels.
    pub fn into_found(self) -> Vec<(Level, &'r str)> {
        self.found
    }

    /// Forgets what was found (a walker kept from one resource to the next).
    pub fn clear(&mut self) {
        self.found.clear();
        (self.depth, self.level) = (0, None);
    }

    /// The URLs found so far.
    pub fn found(&self) -> &[(Level, &'r str)] {
        &self.found
    }

    /// Enters an object.
    #[doc(hidden)]
    #[inline]
    pub fn enter(&mut self) {
        self.depth += 1;
    }

    /// Leaves an object.
    #[doc(hidden)]
    #[inline]
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Whether the walk is in the resource's own object (where the levels are).
    #[doc(hidden)]
    #[inline]
    pub fn at_root(&self) -> bool {
        self.depth == 1
    }

    /// The string member `url`, `system` or `code`.
    #[doc(hidden)]
    #[inline]
    pub fn string(&mut self, text: Option<&'r str>) {
        if let Some(text) = text.filter(|t| t.starts_with(BLUEBUTTON)) {
            self.found.push((self.level, text));
        }
    }

    /// The entries of `items`, the array member `element` of the resource's own object: each
    /// walked at its level.
    #[doc(hidden)]
    pub fn levels<T: WalkUrls>(&mut self, element: &'static str, items: &'r [T]) {
        let outer = self.level;
        for (i, item) in items.iter().enumerate() {
            self.level = Some((element, i));
            item.walk_urls(self);
        }
        self.level = outer;
    }

    /// The `_name` object of a primitive element.
    #[doc(hidden)]
    #[inline]
    pub fn element(&mut self, element: Option<&'r PrimitiveElement<'_>>) {
        if let Some(e) = element {
            self.enter();
            for x in &e.extension {
                x.walk_urls(self);
            }
            self.unknown(&e.unknown);
            self.leave();
        }
    }

    /// Properties kept by lenient parsing: walked as JSON.
    #[doc(hidden)]
    #[inline]
    pub fn unknown(&mut self, unknown: &'r UnknownProperties<'_>) {
        if !unknown.is_empty() {
            for (key, value) in unknown.iter() {
                self.member(key, value);
            }
        }
    }

    fn member(&mut self, key: &str, value: &'r Value<'_>) {
        match value {
            Value::String(s) if matches!(key, "url" | "system" | "code") => self.string(Some(s.as_ref())),
            Value::Array(items) if self.at_root() && LEVELS.contains(&key) => {
                let outer = self.level;
                let element = LEVELS.into_iter().find(|l| *l == key);
                for (i, v) in items.iter().enumerate() {
                    self.level = element.map(|e| (e, i));
                    self.json(v);
                }
                self.level = outer;
            }
            v => self.json(v),
        }
    }

    /// A JSON value that is no member's string: its objects' members.
    fn json(&mut self, value: &'r Value<'_>) {
        match value {
            Value::Object(members) => {
                self.enter();
                for (key, v) in members {
                    self.member(key, v);
                }
                self.leave();
            }
            Value::Array(items) => items.iter().for_each(|v| self.json(v)),
            _ => {}
        }
    }
}

impl<T: WalkUrls + ?Sized> WalkUrls for Box<T> {
    #[inline]
    fn walk_urls<'r>(&'r self, w: &mut UrlWalker<'r>) {
        (**self).walk_urls(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{self, UrlOccurrence};

    fn walked(text: &str) -> Vec<(Option<(String, usize)>, String)> {
        let tree: Value = crate::json::from_str(text).unwrap();
        views::bluebutton_urls(&tree).into_iter().map(|UrlOccurrence { url, level, .. }| (level, url)).collect()
    }

    fn found(r: &crate::Resource<'_>) -> Vec<(Option<(String, usize)>, String)> {
        bluebutton_urls(r).into_iter().map(|(l, u)| (l.map(|(e, i)| (e.to_string(), i)), u.to_string())).collect()
    }

    /// The walk finds what the JSON walk finds in the resource's JSON, on every sample, and
    /// on unknown properties kept by lenient parsing.
    #[test]
    fn the_walk_finds_what_the_json_walk_finds() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/samples/v1-normalized");
        let Ok(entries) = std::fs::read_dir(dir) else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs ../shared/data beside the checkout");
            return eprintln!("skipping: no ../shared/data");
        };
        let (mut total, mut kept, mut reused) = (0, 0, 0);
        // The vector of the last walk, for a walker that reuses it.
        let mut spare: Vec<(Level, &'static str)> = Vec::new();
        for e in entries {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            // An unknown member holding a URL, in an item, kept by lenient parsing.
            let lenient = text.replacen(
                "\"sequence\" : 1,",
                "\"sequence\" : 1, \"odd\": {\"code\": \"https://bluebutton.cms.gov/resources/variables/odd\"},",
                1,
            );
            for text in [&text, &lenient] {
                let resource: crate::Resource =
                    crate::json::from_slice_with(text.as_bytes(), crate::json::ParseOptions::lenient()).unwrap();
                let resources: Vec<&crate::Resource> = match &resource {
                    crate::Resource::Bundle(b) => b.entry.iter().filter_map(|e| e.resource.as_ref()).collect(),
                    r => vec![r],
                };
                for r in resources {
                    let expected = walked(&crate::json::to_string(r));
                    let found = found(r);
                    assert_eq!(found, expected);
                    // A walker that reuses the last vector finds the same, in its room.
                    let (room, at) = (spare.capacity(), spare.as_ptr() as usize);
                    let mut walker = UrlWalker::reusing(std::mem::take(&mut spare));
                    r.walk_urls(&mut walker);
                    let again = walker.into_found();
                    let again_owned: Vec<_> =
                        again.iter().map(|(l, u)| (l.map(|(e, i)| (e.to_string(), i)), u.to_string())).collect();
                    assert_eq!(again_owned, found);
                    if again.len() <= room && room > 0 {
                        assert_eq!(again.as_ptr() as usize, at, "the vector's allocation is kept");
                        reused += 1;
                    }
                    spare = UrlWalker::reusing(again).into_found();
                    total += expected.len();
                    kept += found.iter().filter(|(_, u)| u.ends_with("/odd")).count();
                }
            }
        }
        assert!(total > 1000, "{total}");
        assert!(kept >= 5, "the unknown members' URLs are found ({kept})");
        assert!(reused > 5, "walks in the room of the last ({reused})");
    }
}
