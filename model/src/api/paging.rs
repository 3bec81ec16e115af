//! Walking a search's pages by their `Bundle.link` `next` URLs, with a fetch function that the
//! caller supplies (this crate does no HTTP).
//!
//! The v1 backend writes `first`, `next` (while more entries follow), `previous` (after the first
//! page), `last` and `self` links; the last page has no `next`. [`Pages`] fetches the first URL,
//! parses the Bundle, and follows `next` until there is none. A URL met twice is reported as a
//! loop instead of being fetched again.
use std::collections::HashSet;
use std::fmt;

use crate::json::{self, FromJsonOwned, ParseOptions};
use crate::resources::{Bundle, BundleEntry};
use crate::stream::BundleLinks;

/// One page of search results: the URL it was fetched from and its Bundle (owned).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    url: String,
    index: usize,
    bundle: Bundle<'static>,
}

impl Page {
    /// The URL the page was fetched from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The page's position, from 0 for the first.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The Bundle.
    pub fn bundle(&self) -> &Bundle<'static> {
        &self.bundle
    }

    /// The Bundle, by value.
    pub fn into_bundle(self) -> Bundle<'static> {
        self.bundle
    }

    /// The `next` link: where the following page is (none on the last page).
    pub fn next_url(&self) -> Option<&str> {
        self.bundle.next_link().map(|u| u.as_str())
    }
}

/// Why walking the pages stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum PageError<E> {
    /// The fetch function failed.
    Fetch {
        /// The URL being fetched.
        url: String,
        /// The page's position, from 0.
        index: usize,
        /// The fetch function's error.
        error: E,
    },
    /// The body is not a Bundle (not JSON, or not valid FHIR): the error names the JSON path.
    Json {
        /// The URL it was fetched from.
        url: String,
        /// The page's position, from 0.
        index: usize,
        /// The parse error.
        error: json::Error,
    },
    /// A `next` link leads to a URL fetched before.
    Loop {
        /// The URL met again.
        url: String,
        /// The position the repeated page would have had.
        index: usize,
    },
}

impl<E> PageError<E> {
    /// The URL concerned.
    pub fn url(&self) -> &str {
        match self {
            PageError::Fetch { url, .. } | PageError::Json { url, .. } | PageError::Loop { url, .. } => url,
        }
    }

    /// The position of the page concerned, from 0.
    pub fn index(&self) -> usize {
        match self {
            PageError::Fetch { index, .. } | PageError::Json { index, .. } | PageError::Loop { index, .. } => *index,
        }
    }
}

impl<E: fmt::Display> fmt::Display for PageError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Fetch { url, index, error } => write!(f, "page {index} ({url}): fetch failed: {error}"),
            PageError::Json { url, index, error } => write!(f, "page {index} ({url}): {error}"),
            PageError::Loop { url, index } => {
                write!(f, "page {index}: the next link leads back to {url}, which was already fetched")
            }
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for PageError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PageError::Fetch { error, .. } => Some(error),
            PageError::Json { error, .. } => Some(error),
            PageError::Loop { .. } => None,
        }
    }
}

/// An iterator over the pages of a search: fetches a URL with `fetch`, parses the Bundle, then
/// follows its `next` link. It ends after the page without `next`, or after the first error.
///
/// ```
/// use bluebutton_model::api::Pages;
///
/// let page1 = r#"{"resourceType": "Bundle", "type": "searchset", "link": [
///     {"relation": "next", "url": "https://example.org/fhir/Patient?startIndex=1"}],
///     "entry": [{"resource": {"resourceType": "Patient", "id": "a"}}]}"#;
/// let page2 = r#"{"resourceType": "Bundle", "type": "searchset",
///     "entry": [{"resource": {"resourceType": "Patient", "id": "b"}}]}"#;
/// let fetch = |url: &str| -> std::io::Result<Vec<u8>> {
///     match url {
///         "https://example.org/fhir/Patient" => Ok(page1.as_bytes().to_vec()),
///         "https://example.org/fhir/Patient?startIndex=1" => Ok(page2.as_bytes().to_vec()),
///         other => Err(std::io::Error::other(format!("no page at {other}"))),
///     }
/// };
/// let pages = Pages::new("https://example.org/fhir/Patient", fetch).collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(pages.len(), 2);
/// assert_eq!(pages[1].url(), "https://example.org/fhir/Patient?startIndex=1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Pages<F> {
    fetch: F,
    next: Option<String>,
    seen: HashSet<String>,
    index: usize,
    options: ParseOptions,
}

impl<F> Pages<F> {
    /// Pages starting at `first_url`, fetched with `fetch` (`FnMut(&str) -> Result<Vec<u8>, E>`).
    /// Bundles are parsed strictly.
    pub fn new(first_url: impl Into<String>, fetch: F) -> Self {
        Pages { fetch, next: Some(first_url.into()), seen: HashSet::new(), index: 0, options: ParseOptions::strict() }
    }

    /// Parses the Bundles with `options` (e.g. [`ParseOptions::lenient`] to keep unknown
    /// properties instead of failing on them).
    pub fn with_options(mut self, options: ParseOptions) -> Self {
        self.options = options;
        self
    }

    /// The entries of every page, in order, instead of the pages.
    pub fn entries(self) -> Entries<F> {
        Entries { pages: self, current: Vec::new().into_iter() }
    }
}

impl<F> fmt::Debug for Pages<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").field("next", &self.next).field("index", &self.index).finish_non_exhaustive()
    }
}

impl<F, E> Iterator for Pages<F>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    type Item = Result<Page, PageError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        let url = self.next.take()?;
        let index = self.index;
        self.index += 1;
        if !self.seen.insert(url.clone()) {
            return Some(Err(PageError::Loop { url, index }));
        }
        let bytes = match (self.fetch)(&url) {
            Ok(bytes) => bytes,
            Err(error) => return Some(Err(PageError::Fetch { url, index, error })),
        };
        let bundle = match Bundle::parse_owned(&bytes, self.options) {
            Ok(bundle) => bundle,
            Err(error) => return Some(Err(PageError::Json { url, index, error })),
        };
        self.next = bundle.next_link().map(|u| u.as_str().to_owned());
        Some(Ok(Page { url, index, bundle }))
    }
}

/// An iterator over the entries of every page of a search, in order (see [`Pages::entries`]).
/// An error ends it, after the entries of the pages read before.
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Entries<F> {
    pages: Pages<F>,
    current: std::vec::IntoIter<BundleEntry<'static>>,
}

impl<F> fmt::Debug for Entries<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries").field("pages", &self.pages).finish_non_exhaustive()
    }
}

impl<F, E> Iterator for Entries<F>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    type Item = Result<BundleEntry<'static>, PageError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.current.next() {
                return Some(Ok(entry));
            }
            match self.pages.next()? {
                Ok(page) => self.current = page.into_bundle().entry.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The pages of the search at `first_url`; as [`Pages::new`].
pub fn pages<F, E>(first_url: impl Into<String>, fetch: F) -> Pages<F>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    Pages::new(first_url, fetch)
}

/// The entries of every page of the search at `first_url`, in order; as [`Pages::entries`].
pub fn entries<F, E>(first_url: impl Into<String>, fetch: F) -> Entries<F>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    Pages::new(first_url, fetch).entries()
}
