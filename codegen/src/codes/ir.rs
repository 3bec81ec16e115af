//! The code systems as plain data: what `codes.rs` will contain, decided but not yet Rust.
//!
//! [`CodeSystems`]'s `Display` is a compact listing (one line per variable and per value, then
//! the codes left out and the IG disagreements), snapshot-tested on a small fixture.
use std::collections::BTreeMap;
use std::fmt;

/// Every CMS variable, sorted by [`Variable::id`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeSystems {
    pub variables: Vec<Variable>,
}

/// One variable: a codebook variable (possibly defined by several codebooks), or an IG
/// CodeSystem that no codebook defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The codebook id lower-cased (`race`), or the IG id with `-` → `_`.
    pub id: String,
    /// The id as written in the source (`RACE`, `adjudication-categories`).
    pub source_id: String,
    /// The label of the winning codebook (or the IG name).
    pub label: String,
    /// `CHAR`, `NUM`, `DATE`... (codebook variables).
    pub data_type: Option<String>,
    /// The declared length, as written.
    pub length: Option<String>,
    /// The codebooks that define the variable, in precedence order.
    pub codebooks: Vec<String>,
    /// `https://bluebutton.cms.gov/resources/variables/<id>`.
    pub system: String,
    /// The IG's CodeSystem URL, where the IG has one for this variable.
    pub published_system: Option<String>,
    /// The generated enum's name; `Some` exactly when `values` is not empty.
    pub enum_name: Option<String>,
    /// One per variant, in declaration order.
    pub values: Vec<Value>,
    /// What an absent value means (`Blank` and its spellings), where a codebook says.
    pub blank: Option<Blank>,
    /// Entries of the codebooks that did not become values, and why.
    pub skipped: Vec<Skipped>,
    /// Where the IG's CodeSystem and the codebooks differ.
    pub ig_disagreements: Vec<Disagreement>,
}

/// One value: a variant of the enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The variant name.
    pub name: String,
    /// The code, exactly as the data carries it.
    pub code: String,
    /// The display that won.
    pub display: String,
    /// Where the code and the winning display come from.
    pub origin: Origin,
    /// Other displays the sources give the same code (a second value group, another
    /// codebook), in source order; kept in the variant's rustdoc.
    pub also: Vec<AltDisplay>,
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Listed in this codebook.
    Listed { codebook: String },
    /// Implied by a range such as `81-99` in this codebook.
    Range { codebook: String, range: String },
    /// Only in the IG's CodeSystem.
    Ig,
}

/// Another display for the same code.
#[derive(Debug, Clone, PartialEq)]
pub struct AltDisplay {
    /// The codebook that gives it.
    pub codebook: String,
    pub display: String,
}

/// What an absent value means.
#[derive(Debug, Clone, PartialEq)]
pub struct Blank {
    pub codebook: String,
    /// As written: `Blank`, `Null/missing`, `Spaces`...
    pub written: String,
    pub display: String,
}

/// A codebook entry that is not a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub codebook: String,
    pub code: String,
    pub display: String,
    pub reason: SkipReason,
}

/// Why an entry is not a value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A marker for an absent value (`Blank`, `Null/missing`, ...): the server sends no coding.
    Absent,
    /// A fragment of the previous value's text that the codebook's conversion split off as a
    /// code; joined back to the display of `previous`.
    Continuation { previous: String },
    /// The variable's entries describe part of a value, not values (see `NOT_VALUE_LISTS`).
    NotValues,
}

/// A difference between the IG's CodeSystem and the codebooks.
#[derive(Debug, Clone, PartialEq)]
pub enum Disagreement {
    /// A code the IG lists and no codebook does (it becomes a value, origin [`Origin::Ig`]).
    OnlyInIg { code: String, display: String },
    /// Codes the codebooks list and the IG does not.
    OnlyInCodebooks { codes: Vec<String> },
    /// The same code with different displays (the codebook's wins).
    Display { code: String, ig: String, codebook: String },
    /// The IG lists the same code more than once (as the codebook's value groups do); the
    /// codebook's winning display agrees when it is any of them.
    ListedTwiceInIg { code: String, displays: Vec<String> },
    /// The IG lists an absent-value marker (`Blank`) as a code; it is no variant, and its display
    /// is compared with the codebooks' blank display.
    BlankAsCode { written: String, ig: String, codebook: Option<String> },
}

impl CodeSystems {
    /// The variable with this (lower-cased) id.
    pub fn variable(&self, id: &str) -> Option<&Variable> {
        self.variables.binary_search_by(|v| v.id.as_str().cmp(id)).ok().map(|i| &self.variables[i])
    }

    /// The variables that get an enum.
    pub fn coded(&self) -> impl Iterator<Item = &Variable> {
        self.variables.iter().filter(|v| v.enum_name.is_some())
    }

    /// Counts for reports: variables, enums, variants by origin, skipped entries by reason and
    /// as written, blank displays, IG disagreements by kind.
    pub fn summary(&self) -> Summary {
        let mut s = Summary { variables: self.variables.len(), ..Summary::default() };
        for v in &self.variables {
            if v.enum_name.is_some() {
                s.enums += 1;
            }
            if v.blank.is_some() {
                s.blank_displays += 1;
            }
            for value in &v.values {
                s.variants += 1;
                let origin = match &value.origin {
                    Origin::Listed { .. } => "listed",
                    Origin::Range { .. } => "from a range",
                    Origin::Ig => "only in the IG",
                };
                *s.variants_by_origin.entry(origin).or_default() += 1;
                s.alternative_displays += value.also.len();
            }
            for skipped in &v.skipped {
                let (reason, key) = match &skipped.reason {
                    SkipReason::Absent => ("absent-value marker", skipped.code.clone()),
                    SkipReason::Continuation { .. } => ("continuation fragment", skipped.code.clone()),
                    SkipReason::NotValues => ("not a value list", v.id.clone()),
                };
                *s.skipped.entry((reason, key)).or_default() += 1;
            }
            for d in &v.ig_disagreements {
                let kind = match d {
                    Disagreement::OnlyInIg { .. } => "code only in the IG",
                    Disagreement::OnlyInCodebooks { .. } => "codes only in the codebooks",
                    Disagreement::Display { .. } => "display differs",
                    Disagreement::BlankAsCode { .. } => "absent-value marker as an IG code",
                    Disagreement::ListedTwiceInIg { .. } => "code listed more than once by the IG",
                };
                *s.ig_disagreements.entry(kind).or_default() += 1;
            }
        }
        s
    }
}

/// See [`CodeSystems::summary`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub variables: usize,
    pub enums: usize,
    pub variants: usize,
    pub variants_by_origin: BTreeMap<&'static str, usize>,
    pub alternative_displays: usize,
    pub blank_displays: usize,
    /// (reason, code as written or variable) → entries.
    pub skipped: BTreeMap<(&'static str, String), usize>,
    pub ig_disagreements: BTreeMap<&'static str, usize>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "variables: {}", self.variables)?;
        writeln!(f, "enums: {}", self.enums)?;
        writeln!(f, "variants: {}", self.variants)?;
        for (origin, n) in &self.variants_by_origin {
            writeln!(f, "  {origin}: {n}")?;
        }
        writeln!(f, "alternative displays kept in rustdoc: {}", self.alternative_displays)?;
        writeln!(f, "variables with a blank display: {}", self.blank_displays)?;
        writeln!(f, "skipped entries: {}", self.skipped.values().sum::<usize>())?;
        for ((reason, key), n) in &self.skipped {
            writeln!(f, "  {reason} {key:?}: {n}")?;
        }
        writeln!(f, "IG disagreements: {}", self.ig_disagreements.values().sum::<usize>())?;
        for (kind, n) in &self.ig_disagreements {
            writeln!(f, "  {kind}: {n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CodeSystems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.variables {
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.id, self.label)?;
        if let Some(t) = &self.data_type {
            write!(f, " {t}")?;
        }
        if let Some(l) = &self.length {
            write!(f, "({l})")?;
        }
        write!(f, " [{}]", self.codebooks.join(", "))?;
        if let Some(name) = &self.enum_name {
            write!(f, " enum {name}")?;
        }
        writeln!(f)?;
        if let Some(url) = &self.published_system {
            writeln!(f, "  published {url}")?;
        }
        if let Some(b) = &self.blank {
            writeln!(f, "  blank {:?} (written {:?} in {})", b.display, b.written, b.codebook)?;
        }
        for value in &self.values {
            write!(f, "  {} = {:?} {:?}", value.name, value.code, value.display)?;
            match &value.origin {
                Origin::Listed { codebook } if self.codebooks.len() > 1 => write!(f, " ({codebook})")?,
                Origin::Listed { .. } => {}
                Origin::Range { codebook, range } => write!(f, " (range {range} in {codebook})")?,
                Origin::Ig => write!(f, " (IG only)")?,
            }
            writeln!(f)?;
            for alt in &value.also {
                writeln!(f, "    also {:?} ({})", alt.display, alt.codebook)?;
            }
        }
        for s in &self.skipped {
            let why = match &s.reason {
                SkipReason::Absent => "absent value".to_string(),
                SkipReason::Continuation { previous } => format!("continuation of {previous:?}"),
                SkipReason::NotValues => "not a value list".to_string(),
            };
            writeln!(f, "  skipped {:?} {:?} ({}): {why}", s.code, s.display, s.codebook)?;
        }
        for d in &self.ig_disagreements {
            write!(f, "  ig: ")?;
            match d {
                Disagreement::OnlyInIg { code, display } => writeln!(f, "only in the IG {code:?} {display:?}")?,
                Disagreement::OnlyInCodebooks { codes } => writeln!(f, "only in the codebooks {codes:?}")?,
                Disagreement::Display { code, ig, codebook } => {
                    writeln!(f, "display of {code:?}: IG {ig:?}, codebook {codebook:?}")?
                }
                Disagreement::ListedTwiceInIg { code, displays } => {
                    writeln!(f, "{code:?} listed {} times: {displays:?}", displays.len())?
                }
                Disagreement::BlankAsCode { written, ig, codebook: Some(codebook) } => writeln!(
                    f,
                    "code {written:?} {ig:?} stands for an absent value; codebook blank display {codebook:?}"
                )?,
                Disagreement::BlankAsCode { written, ig, codebook: None } => {
                    writeln!(f, "code {written:?} {ig:?} stands for an absent value; the codebooks give none")?
                }
            }
        }
        Ok(())
    }
}
