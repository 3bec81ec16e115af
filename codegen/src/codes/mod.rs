//! Code systems: the CMS codebooks and the IG's CodeSystems, as enums with code and display.
//!
//! Reads `coding-systems/codebooks/codebook-*.json` (the four CCW codebooks) and
//! `coding-systems/bb2ig/CodeSystem-*.json` (the IG's 53 CodeSystems), builds [`CodeSystems`]
//! ([`ir`], plain data with a `Display` listing) and emits `codes.rs` ([`emit()`]): for every
//! variable with coded values an enum implementing the model's `CodeEnum`, and for every
//! variable (coded or not) an entry of `VARIABLES` with the dynamic lookups over it.
//! `coding-systems/CODES.md` says the same for readers of the data.
//!
//! # The rules
//!
//! **Which system.** One code system per CCW variable, identified by the codebook id
//! lower-cased and served as `https://bluebutton.cms.gov/resources/variables/<id>`. An IG
//! CodeSystem (`http://hl7.org/fhir/CodeSystem/<name>`) belongs to the variable `<name>` with
//! `-` → `_`; its URL is kept as the *published* system. The two IG CodeSystems that no
//! codebook defines (`adjudication-categories`, `information-categories`) get their own enums
//! under the same mapping, named from their codes (their displays are defective copies).
//!
//! **Variables in several codebooks** (87: 84 in both MBSF codebooks, `DOB_DT` and `GNDR_CD` in
//! claims and PDE, `BENE_ID` in all four): the union of the codes. Label and each display come from the first codebook in the
//! order `ffs-claims`, `pde`, `mbsf-abcd`, `mbsf-abd` (claims and Part D events first; the
//! newer beneficiary summary codebook, April 2019, before the older one, May 2017), except that
//! a text containing U+FFFD (a character lost in the source's conversion, e.g. `survivor�s`)
//! loses to the next codebook's clean text. The other displays are kept in the variant's
//! rustdoc ("Also listed as").
//!
//! **Absent-value markers** — `Blank`, `BLANK`, `Space`, `Spaces`, `Null`, `Null/missing`,
//! `Null/Missing`, `Null/blank` (case-insensitive): the field is empty in the CCW data and the
//! server then sends no coding at all, so these are no variants (a variant would claim a code
//! that never arrives, and `Coded::Unknown("Blank")` stays possible for a sender that does use
//! the word). Their display, which often carries meaning (`Blank` = "Original PDE", "ICD-9"),
//! becomes `CodeEnum::BLANK_DISPLAY` / `VariableInfo::blank_display` (first codebook wins).
//!
//! **Symbols** (`*`, `**`, `!`, `@`, `#`, `$`, `%`, `&`, `(`, `)`, `+`, `<`, `>`) are real
//! codes: the MBSF stores `*`/`**` for "enrolled in A/B but no Part D data" since 2010 (`X`/`XX`
//! before), and the claim payment-denial codes `!`...`&` are the historical one-byte forms of
//! `00`...`26`. They are variants; their names spell the symbol when needed (`...Star`, `...Bang`).
//!
//! **Ranges** (`81-99`, `35-40`, `1-4`, ...: two numbers, the first smaller): one variant per
//! code in the range, zero-padded to the width of the wider end, all with the range's display
//! (so `code()` is always the code received; a range variant would lose it). A code listed on
//! its own wins over the same code implied by a range.
//!
//! **Continuation fragments** — a lower-case word longer than the variable's length (`not` in
//! `CLM_PRCR_RTRN_CD`, `switch` in `DEMO_ID_NUM`) is text the codebook's conversion split off
//! the previous value; it is joined back (`previous display + " " + word + " " + its display`).
//!
//! **Not value lists** ([`rules::NOT_VALUE_LISTS`]): `PRVDR_NUM`'s letters describe the third
//! character of a provider number (and its two `TOB` entries are fragments): no enum.
//!
//! **Duplicate codes within a variable** (different value groups or periods, e.g.
//! `CLM_PRCR_RTRN_CD` per bill type, `CARR_LINE_PRVDR_TYPE_CD` before and after version H): one
//! variant; the first display listed wins (the codebooks list the current, general meaning
//! first), except that a display marked "(Obsolete)" loses to a later one that is not
//! (`CLM_MDCR_NON_PMT_RSN_CD` `E`). The others are kept in the variant's rustdoc.
//!
//! **IG versus codebook**: the codebook wins for displays, because the server sends the
//! codebook system (`.../resources/variables/<id>`) and never the IG's canonical URL; the IG
//! (2018) is a partial copy of the codebooks with defects: a typo (`ESRDm`), the pre-version-H
//! list of `CARR_LINE_PRVDR_TYPE_CD`, only the symbol codes of `CARR_CLM_PMT_DNL_CD`, and codes
//! listed twice (as in the codebooks' value groups; a display agrees when the codebook's
//! winning display is any of them). A code only the IG lists would be added (origin `Ig`; none
//! occur). The IG's `Blank`/`Null` concepts are the absent-value markers above. Every difference
//! is recorded ([`ir::Disagreement`]) and snapshot-tested.
//!
//! **Codes match exactly**: case, spaces and leading zeros matter (`1` is not `01`); anything
//! else decodes to `Coded::Unknown` with the text as received.
//!
//! # Names
//!
//! Enum: the variable id in UpperCamelCase (`carr_line_prvdr_type_cd` → `CarrLinePrvdrTypeCd`).
//! Variant ([`naming`]): from the display (from the code for the IG-only systems): cut at the
//! first ` (`, ` -- `, ` – `, `; `, `: ` or `. `; apostrophes dropped, `%` → "percent",
//! `&` → "and"; at most 6 ASCII words, each capitalized (`A` "Assigned claim" → `AssignedClaim`,
//! "MSP cost avoided - COB Contractor (...)" → `MspCostAvoidedCobContractor`); `V` in front of a
//! leading digit (`2011` → `V2011`). When that name is shared by several codes of the enum
//! (`Kansas` for `17` and `70`), is empty (`*`) or is `Self`, every such variant gets its code
//! appended (`Kansas17`, `Kansas70`; symbols spelled: `!` → `Bang`, `*` → `Star`; an empty name
//! becomes `Code`: `CodeStar`). Names therefore depend only on the enum's own codes and
//! displays, and change only when those do.
use std::path::{Path, PathBuf};

pub mod emit;
pub mod ir;
pub mod naming;
pub mod rules;
pub mod source;

pub use emit::emit;
pub use ir::CodeSystems;

impl CodeSystems {
    /// Loads `<root>/coding-systems` (a missing directory gives no code systems) and applies
    /// the rules above.
    pub fn load(root: &Path) -> Result<Self, Box<dyn std::error::Error>> {
        let sources = source::read(root)?;
        Ok(rules::build(&sources)?)
    }

    /// Every file [`load`](Self::load) reads (for build scripts' `rerun-if-changed`).
    pub fn input_files(root: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
        source::input_files(root)
    }
}
