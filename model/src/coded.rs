//! Decoded values of the CMS code systems: [`Coded`], the [`CodeEnum`] trait that every
//! generated code-system enum in [`crate::codes`] implements, and [`VariableInfo`], the
//! per-variable facts behind the dynamic lookups (`codes::display`, `codes::label`, ...).
//!
//! A code read from the data is either a known value of its code system or something the
//! codebooks do not list; both are kept, and the unknown one exactly as received:
//!
//! ```
//! use bluebutton_model::codes::{CodeEnum, Coded, Race};
//!
//! let white: Coded<Race> = Coded::from_code("1");
//! assert_eq!(white.known(), Some(Race::White));
//! assert_eq!((white.code(), white.display()), ("1", Some("White")));
//! assert_eq!(Race::SYSTEM, "https://bluebutton.cms.gov/resources/variables/race");
//!
//! let odd: Coded<Race> = Coded::from_code("01");
//! assert_eq!((odd.code(), odd.display(), odd.known()), ("01", None, None));
//! ```
use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;

/// A generated code-system enum: one variant per code of a CMS codebook variable (or of an IG
/// CodeSystem the codebooks lack), with its code, display and coding-system URL.
///
/// The rules that turn the codebooks into variants (absent-value markers such as `Blank`,
/// ranges such as `81-99`, duplicate codes, variables in several codebooks, variant names) are
/// described in `coding-systems/CODES.md`.
pub trait CodeEnum: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// The coding-system URL the server sends:
    /// `https://bluebutton.cms.gov/resources/variables/<variable>`.
    const SYSTEM: &'static str;
    /// The variable: the codebook id lower-cased (`race`, `carr_line_prvdr_type_cd`), the last
    /// segment of [`SYSTEM`](Self::SYSTEM).
    const VARIABLE: &'static str;
    /// The variable's label in the codebook (`Race Code`).
    const LABEL: &'static str;
    /// The IG's canonical CodeSystem URL (`http://hl7.org/fhir/CodeSystem/<name>`), where the
    /// IG defines one; the server never sends it.
    const PUBLISHED_SYSTEM: Option<&'static str>;
    /// What an absent value means, where the codebook says (`Blank` = "Original PDE"). The
    /// server sends no coding then, so this is not a variant.
    const BLANK_DISPLAY: Option<&'static str>;
    /// `(code, display)` of every variant, in declaration order (the order of
    /// [`all`](Self::all)).
    const VALUES: &'static [(&'static str, &'static str)];

    /// Every variant, in declaration order.
    fn all() -> &'static [Self];

    /// The position of this variant in [`all`](Self::all) and [`VALUES`](Self::VALUES).
    fn index(self) -> usize;

    /// The code, exactly as the codebook lists it (`"1"`).
    #[inline]
    fn code(&self) -> &'static str {
        Self::VALUES[self.index()].0
    }

    /// The codebook's display text (`"White"`).
    #[inline]
    fn display(&self) -> &'static str {
        Self::VALUES[self.index()].1
    }

    /// The positions in [`VALUES`](Self::VALUES) sorted by code (bytewise), for a code system
    /// with many codes (the revenue center codes have 554, the APC/HIPPS codes 1,179): a code
    /// is then found by a binary search instead of a comparison with every code before it.
    /// Empty for a short list, which is searched in order.
    const BY_CODE: &'static [u16] = &[];

    /// The variant whose code is exactly `code` (case and leading zeros matter), if any.
    #[inline]
    fn from_code(code: &str) -> Option<Self> {
        let at = if Self::BY_CODE.is_empty() {
            Self::VALUES.iter().position(|(c, _)| *c == code)?
        } else {
            let k = Self::BY_CODE.binary_search_by(|&i| Self::VALUES[usize::from(i)].0.cmp(code)).ok()?;
            usize::from(Self::BY_CODE[k])
        };
        Some(Self::all()[at])
    }
}

/// A code decoded with the code system `E`: a known variant, or the code exactly as received
/// when `E` does not list it. Decoding never fails and never loses the text.
///
/// `Coded<'a, E>` borrows an unknown code from the input; [`into_owned`](Self::into_owned)
/// detaches it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Coded<'a, E> {
    /// A code the code system lists.
    Known(E),
    /// A code the code system does not list, exactly as received.
    Unknown(Cow<'a, str>),
}

impl<'a, E: CodeEnum> Coded<'a, E> {
    /// Decodes `code` (no copy: an unknown code borrows `code`).
    pub fn from_code(code: &'a str) -> Self {
        match E::from_code(code) {
            Some(known) => Coded::Known(known),
            None => Coded::Unknown(Cow::Borrowed(code)),
        }
    }

    /// Decodes an owned code (kept as is when unknown).
    pub fn from_string(code: String) -> Coded<'static, E> {
        match E::from_code(&code) {
            Some(known) => Coded::Known(known),
            None => Coded::Unknown(Cow::Owned(code)),
        }
    }

    /// The code: the variant's code, or the unknown code exactly as received. For a known
    /// value this is the same text that was decoded (codes match exactly).
    pub fn code(&self) -> &str {
        match self {
            Coded::Known(known) => known.code(),
            Coded::Unknown(code) => code,
        }
    }

    /// The display text of a known code; `None` for an unknown one.
    pub fn display(&self) -> Option<&'static str> {
        match self {
            Coded::Known(known) => Some(known.display()),
            Coded::Unknown(_) => None,
        }
    }

    /// The variant, if the code is known.
    pub fn known(&self) -> Option<E> {
        match self {
            Coded::Known(known) => Some(*known),
            Coded::Unknown(_) => None,
        }
    }

    /// `true` when the code system lists the code.
    pub fn is_known(&self) -> bool {
        matches!(self, Coded::Known(_))
    }

    /// The coding-system URL (`E::SYSTEM`).
    pub fn system(&self) -> &'static str {
        E::SYSTEM
    }

    /// Detaches the value from the input, copying an unknown code only if it is borrowed.
    pub fn into_owned(self) -> Coded<'static, E> {
        match self {
            Coded::Known(known) => Coded::Known(known),
            Coded::Unknown(code) => Coded::Unknown(Cow::Owned(code.into_owned())),
        }
    }
}

impl<E: CodeEnum> From<E> for Coded<'_, E> {
    fn from(known: E) -> Self {
        Coded::Known(known)
    }
}

impl<'a, E: CodeEnum> From<&'a str> for Coded<'a, E> {
    fn from(code: &'a str) -> Self {
        Coded::from_code(code)
    }
}

impl<'a, E: CodeEnum> From<&'a crate::primitives::Code<'_>> for Coded<'a, E> {
    /// Decodes a FHIR `code` value, borrowing its text.
    fn from(code: &'a crate::primitives::Code<'_>) -> Self {
        Coded::from_code(code.as_str())
    }
}

impl<E: CodeEnum> fmt::Debug for Coded<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coded::Known(known) => write!(f, "Known({known:?} = {:?})", known.code()),
            Coded::Unknown(code) => write!(f, "Unknown({code:?})"),
        }
    }
}

/// Writes the code (not the display), so that writing a value back reproduces the input.
impl<E: CodeEnum> fmt::Display for Coded<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One CMS variable (a codebook variable, or an IG CodeSystem the codebooks lack), as listed
/// in [`codes::VARIABLES`](crate::codes::VARIABLES): coded or not, every variable has a label
/// and a coding-system URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableInfo {
    /// The codebook id lower-cased (`race`): the last segment of [`system`](Self::system).
    pub id: &'static str,
    /// The codebook label (`Race Code`).
    pub label: &'static str,
    /// `https://bluebutton.cms.gov/resources/variables/<id>`.
    pub system: &'static str,
    /// The IG's canonical CodeSystem URL, where the IG defines one.
    pub published_system: Option<&'static str>,
    /// The codebooks that define the variable, the one whose label and displays win first
    /// (`ffs-claims`, `pde`, `mbsf-abcd`, `mbsf-abd`); empty for an IG-only code system.
    pub codebooks: &'static [&'static str],
    /// The codebook's data type (`CHAR`, `NUM`, `DATE`), where given.
    pub data_type: Option<&'static str>,
    /// The generated enum in [`codes`](crate::codes) (`Race`), for a coded variable.
    pub enum_name: Option<&'static str>,
    /// `(code, display)` of every value, as in the enum's [`CodeEnum::VALUES`]; empty when the
    /// variable is not coded.
    pub values: &'static [(&'static str, &'static str)],
    /// What an absent value means, where the codebook says ([`CodeEnum::BLANK_DISPLAY`]).
    pub blank_display: Option<&'static str>,
}

impl VariableInfo {
    /// `true` when the codebooks list coded values for the variable (it has an enum).
    pub fn is_coded(&self) -> bool {
        !self.values.is_empty()
    }

    /// The display of `code` (matched exactly), if the variable lists it.
    pub fn display(&self, code: &str) -> Option<&'static str> {
        self.values.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
    }
}

/// The entry of `variables` (sorted by id) whose id is `id`.
#[doc(hidden)]
pub fn find_variable(variables: &'static [VariableInfo], id: &str) -> Option<&'static VariableInfo> {
    variables.binary_search_by(|v| v.id.cmp(id)).ok().map(|i| &variables[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    enum Yn {
        Yes,
        No,
    }

    impl CodeEnum for Yn {
        const SYSTEM: &'static str = "https://bluebutton.cms.gov/resources/variables/yn";
        const VARIABLE: &'static str = "yn";
        const LABEL: &'static str = "Yes or no";
        const PUBLISHED_SYSTEM: Option<&'static str> = None;
        const BLANK_DISPLAY: Option<&'static str> = Some("Not asked");
        const VALUES: &'static [(&'static str, &'static str)] = &[("Y", "Yes"), ("N", "No")];
        fn all() -> &'static [Self] {
            &[Yn::Yes, Yn::No]
        }
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn known_and_unknown_codes() {
        let yes = Coded::<Yn>::from_code("Y");
        assert_eq!((yes.known(), yes.code(), yes.display()), (Some(Yn::Yes), "Y", Some("Yes")));
        assert_eq!(yes.system(), Yn::SYSTEM);
        let input = String::from("y");
        let lower = Coded::<Yn>::from_code(&input);
        assert!(matches!(&lower, Coded::Unknown(Cow::Borrowed("y"))), "case matters, and nothing is copied");
        assert_eq!((lower.code(), lower.display(), lower.is_known()), ("y", None, false));
        let owned: Coded<'static, Yn> = lower.into_owned();
        drop(input);
        assert_eq!(owned.to_string(), "y");
        assert_eq!(format!("{:?}", Coded::<Yn>::from(Yn::No)), "Known(No = \"N\")");
        assert_eq!(Coded::<Yn>::from_string(" Y".into()).code(), " Y");
    }

    #[test]
    fn variable_lookup() {
        static VARS: [VariableInfo; 2] = [
            VariableInfo {
                id: "a_cd",
                label: "A",
                system: "https://bluebutton.cms.gov/resources/variables/a_cd",
                published_system: None,
                codebooks: &["ffs-claims"],
                data_type: Some("CHAR"),
                enum_name: None,
                values: &[],
                blank_display: None,
            },
            VariableInfo {
                id: "yn",
                label: "Yes or no",
                system: Yn::SYSTEM,
                published_system: None,
                codebooks: &["pde"],
                data_type: Some("CHAR"),
                enum_name: Some("Yn"),
                values: Yn::VALUES,
                blank_display: Yn::BLANK_DISPLAY,
            },
        ];
        let yn = find_variable(&VARS, "yn").unwrap();
        assert_eq!((yn.display("N"), yn.display("n"), yn.is_coded()), (Some("No"), None, true));
        assert!(!find_variable(&VARS, "a_cd").unwrap().is_coded());
        assert!(find_variable(&VARS, "b_cd").is_none());
    }
}
