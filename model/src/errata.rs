//! What the server sends versus what the IG published: the extension URL map.
//!
//! The IG names its extensions `http://hl7.org/fhir/StructureDefinition/bluebutton-…`; the
//! server sends `https://bluebutton.cms.gov/resources/variables/<variable>` (and a few
//! `http://hl7.org/fhir/sid/…` URLs). [`EXTENSION_URLS`] maps each, with its evidence (a codebook
//! variable, a data-dictionary entry, or a listed exception).
//!
//! ```
//! use bluebutton_model::errata;
//! let served = errata::served_url("http://hl7.org/fhir/StructureDefinition/bluebutton-pde-days-supply-num-extension");
//! assert_eq!(served, Some("https://bluebutton.cms.gov/resources/variables/days_suply_num"));
//! ```

/// One IG extension URL, the URL the server sends for it, and why we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlMapping {
    pub published: &'static str,
    pub served: &'static str,
    pub evidence: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/errata.rs"));

/// The URL the server sends for a published IG extension URL.
pub fn served_url(published: &str) -> Option<&'static str> {
    EXTENSION_URLS.binary_search_by(|m| m.published.cmp(published)).ok().map(|i| EXTENSION_URLS[i].served)
}

/// The published IG extension URLs a served URL stands for (one per claim type that uses it).
pub fn published_urls(served: &str) -> impl Iterator<Item = &'static str> + '_ {
    EXTENSION_URLS.iter().filter(move |m| m.served == served).map(|m| m.published)
}
