//! The served-URL map: each IG extension definition's published URL and the URL the server
//! sends for it, with the evidence.
//!
//! The IG (2018) names extensions `http://hl7.org/fhir/StructureDefinition/bluebutton-<claim>-<var>-extension`;
//! the server sends `https://bluebutton.cms.gov/resources/variables/<var>` with `-` written `_`.
//! That rule maps all but a few; the exceptions are listed, each with its evidence, in
//! `coding-systems/errata/url-exceptions.json`. Every rule-mapped entry names the codebook
//! variable or data-dictionary entry that shows the variable exists as served.
use std::fmt;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::catalog::{Catalog, VARIABLES};
use crate::codes::CodeSystems;
use crate::definitions::Definitions;

const PUBLISHED_PREFIX: &str = "http://hl7.org/fhir/StructureDefinition/bluebutton-";

/// One published extension URL and the URL the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UrlMapping {
    pub published: String,
    pub served: String,
    pub evidence: String,
}

/// The whole map, sorted by published URL, and the IG extensions that could not be mapped.
#[derive(Debug, Clone, Default)]
pub struct UrlMap {
    pub mappings: Vec<UrlMapping>,
    pub unmapped: Vec<String>,
}

impl UrlMap {
    /// Maps every IG extension definition of `defs`, with evidence from the codebook variables
    /// (`systems`) or the field catalog.
    pub fn build(
        root: &Path,
        defs: &Definitions,
        catalog: &Catalog,
        systems: &CodeSystems,
    ) -> Result<UrlMap, Box<dyn std::error::Error>> {
        let path = root.join("coding-systems/errata/url-exceptions.json");
        let exceptions: Vec<UrlMapping> =
            if path.exists() { serde_json::from_str(&fs::read_to_string(&path)?)? } else { Vec::new() };
        let mut map = UrlMap::default();
        // The profiles' names (`carrier` of `bluebutton-carrier-claim`, `coverage`), which the
        // extension URLs start with.
        let profiles: Vec<&str> = defs
            .ig
            .values()
            .filter(|sd| sd.type_ != "Extension")
            .filter_map(|sd| sd.url.strip_prefix(PUBLISHED_PREFIX)?.split('-').next())
            .collect();
        for sd in defs.ig.values().filter(|sd| sd.type_ == "Extension") {
            if let Some(e) = exceptions.iter().find(|e| e.published == sd.url) {
                map.mappings.push(e.clone());
                continue;
            }
            let Some(variable) = variable_of(&sd.url, &profiles) else {
                map.unmapped.push(sd.url.clone());
                continue;
            };
            let served = format!("{VARIABLES}{variable}");
            let codebook = systems.variable(&variable).and_then(|v| Some((&v.source_id, v.codebooks.first()?)));
            let evidence = match (codebook, catalog.fields.iter().find(|f| f.variable == variable)) {
                (Some((id, book)), _) => format!("codebook variable {id} ({book})"),
                (None, Some(field)) => field.source.clone(),
                (None, None) => {
                    map.unmapped.push(sd.url.clone());
                    continue;
                }
            };
            map.mappings.push(UrlMapping { published: sd.url.clone(), served, evidence });
        }
        map.mappings.sort_by(|a, b| a.published.cmp(&b.published));
        Ok(map)
    }
}

/// `bluebutton-carrier-line-pmt-80-100-cd-extension` → `line_pmt_80_100_cd`, where `carrier`
/// is one of the IG's `profiles`.
fn variable_of(url: &str, profiles: &[&str]) -> Option<String> {
    let rest = url.strip_prefix(PUBLISHED_PREFIX)?.strip_suffix("-extension")?;
    let (claim, var) = rest.split_once('-')?;
    profiles.contains(&claim).then(|| var.replace('-', "_"))
}

impl fmt::Display for UrlMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.mappings {
            writeln!(f, "{} -> {} ({})", m.published, m.served, m.evidence)?;
        }
        for u in &self.unmapped {
            writeln!(f, "UNMAPPED {u}")?;
        }
        Ok(())
    }
}

/// The map as Rust: `pub static EXTENSION_URLS: &[UrlMapping]`, sorted by published URL.
pub fn emit(map: &UrlMap) -> String {
    let rows = map.mappings.iter().map(|m| {
        let (p, s, e) = (&m.published, &m.served, &m.evidence);
        quote::quote! { UrlMapping { published: #p, served: #s, evidence: #e }, }
    });
    let tokens = quote::quote! {
        /// Every IG extension definition's published URL, the URL the server sends for it, and
        /// the evidence; sorted by published URL.
        pub static EXTENSION_URLS: &[UrlMapping] = &[#(#rows)*];
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("the table is valid Rust"))
}
