//! What the generated view accessors call: matching helpers and the rendering of field values
//! for listings (`bluebutton fields`).
use std::borrow::Cow;

use crate::coded::{CodeEnum, Coded};
use crate::primitives::*;
use crate::types::{CodeableConcept, Coding, Identifier, Money, Period, Quantity, Reference};

/// Whether one of `concepts` has a coding with `code` (and `system`, when given).
pub fn has_coding<'x, 'a: 'x>(
    concepts: impl IntoIterator<Item = &'x CodeableConcept<'a>>,
    code: &str,
    system: Option<&str>,
) -> bool {
    concepts.into_iter().flat_map(|c| &c.coding).any(|c| {
        c.code().is_some_and(|v| v.as_str() == code)
            && system.map_or(true, |s| c.system().is_some_and(|v| v.as_str() == s))
    })
}

/// Whether `url` is `<prefix><4-digit year><suffix>`: the server's monthly Part D URLs
/// (`…/ptdcntrct01/2018-1`).
pub fn url_with_year(url: &str, prefix: &str, suffix: &str) -> bool {
    // Most URLs are not that long, which settles it without comparing text.
    url.len() == prefix.len() + 4 + suffix.len()
        && url
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
}

/// A Medicare field of a view: its variable, label and where it lives.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The CCW variable (`carr_line_prvdr_type_cd`): the last segment of its served URL.
    pub variable: &'static str,
    /// Every variable served at this place (ICD_DGNS_CD1…25 share one), usually just one.
    pub variables: &'static [&'static str],
    /// The data dictionary's (or codebook's) label.
    pub label: &'static str,
    /// The resource type (`ExplanationOfBenefit`).
    pub resource: &'static str,
    /// The repeating element it belongs to (`item`, `careTeam`, `diagnosis`, `procedure`) or
    /// empty for the resource itself.
    pub level: &'static str,
    /// FHIRPath-like location: `ExplanationOfBenefit.item.extension(url='…').valueCoding`.
    pub location: &'static str,
    /// The bluebutton URL that identifies the field in the data (empty for core elements).
    pub url: &'static str,
    /// Every bluebutton URL the accessor selects on (extension urls, systems, category codes
    /// and their code systems, at every place it reads) and the variable's own URL. A `<year>`
    /// stands for any year.
    pub urls: &'static [&'static str],
    /// The claim types (`Carrier`, `PDE`) or Coverage parts (`Part-A`) the data dictionary
    /// lists the field for; empty for Patient fields.
    pub applies_to: &'static [&'static str],
    /// The path from the level's element to the value, step by step: what
    /// [`location`](Self::location) says, as data.
    pub steps: &'static [PathStep],
    /// Whether the current server sends the field at [`steps`](Self::steps); `false` for a
    /// field only older server versions sent (its `steps` are then those of `older[0]`).
    pub current: bool,
    /// Where older server versions sent the field, newest first, with the recorded versions
    /// and the evidence (`coding-systems/errata/history.json`). The accessor reads `steps`
    /// first, then each of these, and returns the value of the first place that has one.
    pub older: &'static [Placement],
}

/// A place where older server versions sent a field.
#[derive(Debug, PartialEq, Eq)]
pub struct Placement {
    /// FHIRPath-like location, as [`FieldInfo::location`].
    pub location: &'static str,
    /// The recorded server versions (`2020-10`) that send the field here.
    pub versions: &'static [&'static str],
    /// How we know: the responses and elements of those versions.
    pub evidence: &'static str,
    /// The path from the level's element to the value, as [`FieldInfo::steps`].
    pub steps: &'static [PathStep],
}

/// One step of a field's path: an element, whether it repeats, its type, and how one entry is
/// chosen among the repeats.
#[derive(Debug, PartialEq, Eq)]
pub struct PathStep {
    /// The JSON name (`extension`, `valueCoding`, `code`).
    pub name: &'static str,
    /// Whether the element is an array.
    pub many: bool,
    /// The type: a datatype or backbone struct of [`crate::types`] (`Coding`,
    /// `ExplanationOfBenefitItem`), a resource (`Observation`), or a primitive of
    /// [`crate::primitives`] (`Code`, `Decimal`, `Date`).
    pub ty: &'static str,
    /// What selects the entry (all must hold).
    pub filters: &'static [PathFilter],
}

/// How a [`PathStep`] selects one entry of a repeating element.
#[derive(Debug, PartialEq, Eq)]
pub enum PathFilter {
    /// An extension with this `url` (a `<year>` stands for any year).
    Url(&'static str),
    /// A Coding or Identifier with this `system`.
    System(&'static str),
    /// An entry whose CodeableConcept `element` (`category`, `type`, `role`; `many` when that
    /// element is itself an array) has a coding with `code` and, when given, `system`.
    Coded { element: &'static str, many: bool, code: &'static str, system: Option<&'static str> },
    /// A contained resource of this type.
    ResourceType(&'static str),
    /// An entry carrying an extension with `url` (and, when given, a `valueCoding` `code`).
    HasExtension { url: &'static str, code: Option<&'static str> },
}

impl FieldInfo {
    /// Whether the accessor accounts for `url` (a `<year>` in its URLs matches any year).
    pub fn covers(&self, url: &str) -> bool {
        // Lengths first: a URL with a `<year>` (six bytes for the year's four) can only match
        // one two bytes shorter, any other only one of its length. Looking for the placeholder
        // in every URL of every field cost more than the rest of `views::unmapped`.
        self.urls.iter().any(|u| {
            if u.len() == url.len() + 2 && u.contains('<') {
                if let Some((prefix, suffix)) = u.split_once("<year>") {
                    return url_with_year(url, prefix, suffix);
                }
            }
            *u == url && !(u.contains('<') && u.contains("<year>"))
        })
    }
}

/// One present field, rendered for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    pub info: &'static FieldInfo,
    /// Where the value was read: [`FieldInfo::location`], or the location of one of its
    /// [`older`](FieldInfo::older) placements.
    pub location: &'static str,
    /// The value as text (a code, an amount, a date, an identifier).
    pub value: String,
    /// The code's display, from the data or the CMS code systems.
    pub display: Option<String>,
}

impl FieldValue {
    /// A value read at the field's current place.
    pub fn new<T: FieldText + ?Sized>(info: &'static FieldInfo, value: &T) -> FieldValue {
        FieldValue::at(info, info.location, value)
    }

    /// A value read at `location` (the field's own or an older placement's).
    pub fn at<T: FieldText + ?Sized>(info: &'static FieldInfo, location: &'static str, value: &T) -> FieldValue {
        FieldValue { info, location, value: value.value_text(), display: value.display_text() }
    }
}

/// How a field's value is shown as text.
pub trait FieldText {
    fn value_text(&self) -> String;
    fn display_text(&self) -> Option<String> {
        None
    }
    /// [`value_text`](Self::value_text), borrowed from the data where the text is there as it
    /// is (a code, an identifier, a date), made only where it is not (an amount with its unit).
    fn value_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.value_text())
    }
    /// [`display_text`](Self::display_text), borrowed where it can be.
    fn display_str(&self) -> Option<Cow<'_, str>> {
        self.display_text().map(Cow::Owned)
    }
    /// Whether the display is the code system's own text (from the CMS code systems, not the
    /// data), and then that text, which lives as long as the program.
    fn display_static(&self) -> Option<&'static str> {
        None
    }
    /// The number of an amount (a Money, a Quantity) as written, without its unit: the first
    /// word of [`value_text`](Self::value_text), borrowed. `None` for other values and for an
    /// amount without a number.
    fn value_number(&self) -> Option<&str> {
        None
    }
}

impl<T: FieldText + ?Sized> FieldText for &T {
    fn value_text(&self) -> String {
        (**self).value_text()
    }
    fn display_text(&self) -> Option<String> {
        (**self).display_text()
    }
    fn value_str(&self) -> Cow<'_, str> {
        (**self).value_str()
    }
    fn display_str(&self) -> Option<Cow<'_, str>> {
        (**self).display_str()
    }
    fn display_static(&self) -> Option<&'static str> {
        (**self).display_static()
    }
    fn value_number(&self) -> Option<&str> {
        (**self).value_number()
    }
}

impl<E: CodeEnum> FieldText for Coded<'_, E> {
    fn value_text(&self) -> String {
        self.code().to_string()
    }
    fn display_text(&self) -> Option<String> {
        self.display().map(str::to_string)
    }
    fn value_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.code())
    }
    fn display_str(&self) -> Option<Cow<'_, str>> {
        self.display().map(Cow::Borrowed)
    }
    fn display_static(&self) -> Option<&'static str> {
        self.display()
    }
}

impl FieldText for Coding<'_> {
    fn value_text(&self) -> String {
        self.code().map(|c| c.as_str().to_string()).unwrap_or_default()
    }
    fn display_text(&self) -> Option<String> {
        self.display().map(|d| d.as_str().to_string())
    }
    fn value_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.code().map_or("", |c| c.as_str()))
    }
    fn display_str(&self) -> Option<Cow<'_, str>> {
        self.display().map(|d| Cow::Borrowed(d.as_str()))
    }
}

fn amount_text(value: Option<&Decimal<'_>>, unit: Option<&str>) -> String {
    match (value, unit) {
        (Some(v), Some(u)) => format!("{} {u}", v.as_str()),
        (Some(v), None) => v.as_str().to_string(),
        (None, Some(u)) => u.to_string(),
        (None, None) => String::new(),
    }
}

impl FieldText for Quantity<'_> {
    fn value_text(&self) -> String {
        amount_text(self.value(), self.unit().map(|u| u.as_str()).or(self.code().map(|c| c.as_str())))
    }
    fn value_number(&self) -> Option<&str> {
        self.value().map(|v| v.as_str())
    }
}

impl FieldText for Money<'_> {
    fn value_text(&self) -> String {
        amount_text(self.value(), self.code().map(|c| c.as_str()))
    }
    fn value_number(&self) -> Option<&str> {
        self.value().map(|v| v.as_str())
    }
    fn value_str(&self) -> Cow<'_, str> {
        match (self.value(), self.code()) {
            (Some(v), None) => Cow::Borrowed(v.as_str()),
            (None, None) => Cow::Borrowed(""),
            _ => Cow::Owned(self.value_text()),
        }
    }
}

impl FieldText for Identifier<'_> {
    fn value_text(&self) -> String {
        self.value().map(|v| v.as_str().to_string()).unwrap_or_default()
    }
    fn value_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.value().map_or("", |v| v.as_str()))
    }
}

impl FieldText for Reference<'_> {
    fn value_text(&self) -> String {
        self.reference().map(|v| v.as_str().to_string()).unwrap_or_default()
    }
    fn display_text(&self) -> Option<String> {
        self.display().map(|d| d.as_str().to_string())
    }
    fn value_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.reference().map_or("", |v| v.as_str()))
    }
    fn display_str(&self) -> Option<Cow<'_, str>> {
        self.display().map(|d| Cow::Borrowed(d.as_str()))
    }
}

impl FieldText for Period<'_> {
    fn value_text(&self) -> String {
        let start = self.start().map(|d| d.as_str()).unwrap_or("");
        let end = self.end().map(|d| d.as_str()).unwrap_or("");
        format!("{start}/{end}")
    }
}

macro_rules! text_field {
    ($($ty:ident),*) => {$(
        impl FieldText for $ty<'_> {
            fn value_text(&self) -> String {
                self.as_str().to_string()
            }
            fn value_str(&self) -> Cow<'_, str> {
                Cow::Borrowed(self.as_str())
            }
        }
    )*};
}

text_field!(FhirString, Code, Id, Uri, Oid, Uuid, Markdown, Date, DateTime, Instant, Time, Decimal);

macro_rules! number_field {
    ($($ty:ident),*) => {$(
        impl FieldText for $ty {
            fn value_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

number_field!(Integer, UnsignedInt, PositiveInt);

impl FieldText for bool {
    fn value_text(&self) -> String {
        self.to_string()
    }
}

/// Whether `extensions` has one with `url` (and, when given, a `valueCoding` with `code`).
pub fn has_extension(extensions: &[crate::types::Extension<'_>], url: &str, code: Option<&str>) -> bool {
    extensions.iter().any(|e| {
        e.url.as_ref().is_some_and(|u| u.as_str() == url)
            && code.map_or(true, |code| match &e.value {
                Some(crate::types::ExtensionValue::Coding(c)) => c.code().is_some_and(|v| v.as_str() == code),
                _ => false,
            })
    })
}

/// Whether `extension` has this `url`.
#[inline]
pub fn url_is(extension: &crate::types::Extension<'_>, url: &str) -> bool {
    extension.url.as_ref().is_some_and(|u| same_text(u.as_str(), url))
}

/// The extensions of one element, sorted once by the URLs a view level's fields select: the
/// single pass behind the generated `for_each_field`. Each of the level's URLs has a slot
/// (given by the level's generated `extension_slot`); the scan records the first extension
/// in each slot and whether another follows, so a field reads only the extensions with its
/// URL instead of comparing every URL of the element.
pub struct ExtensionSlots<'e, 'a, const N: usize> {
    extensions: &'e [crate::types::Extension<'a>],
    slot_of: fn(&str) -> Option<usize>,
    /// The index of the first extension in each slot; `usize::MAX` when none.
    first: [usize; N],
    /// Whether a slot has more than one extension.
    several: [bool; N],
}

impl<'e, 'a, const N: usize> ExtensionSlots<'e, 'a, N> {
    /// Sorts `extensions` into the slots `slot_of` gives their URLs (`None`: a URL no field of
    /// the level selects, or no URL).
    #[inline]
    pub fn scan(extensions: &'e [crate::types::Extension<'a>], slot_of: fn(&str) -> Option<usize>) -> Self {
        let mut first = [usize::MAX; N];
        let mut several = [false; N];
        for (i, e) in extensions.iter().enumerate() {
            if let Some(slot) = e.url.as_ref().and_then(|u| slot_of(u.as_str())) {
                if first[slot] == usize::MAX {
                    first[slot] = i;
                } else {
                    several[slot] = true;
                }
            }
        }
        ExtensionSlots { extensions, slot_of, first, several }
    }

    /// The extensions in `slot`, in their order: those whose URL is the slot's, as the
    /// accessor's `url_is` filter selects them.
    #[inline]
    pub fn matching(&self, slot: usize) -> impl Iterator<Item = &'e crate::types::Extension<'a>> + 'e {
        let (first, several) = (self.first[slot], self.several[slot]);
        let from = match first {
            usize::MAX => &[][..],
            i if several => &self.extensions[i..],
            i => &self.extensions[i..=i],
        };
        let slot_of = self.slot_of;
        from.iter().filter(move |e| !several || e.url.as_ref().and_then(|u| slot_of(u.as_str())) == Some(slot))
    }
}

/// Whether `value` is present and reads `text`.
#[inline]
pub fn text_is<T: std::ops::Deref<Target = str>>(value: Option<&T>, text: &str) -> bool {
    value.is_some_and(|v| same_text(v, text))
}

/// Whether `a` and `b` are the same text, their last eight bytes compared first: the URLs an
/// accessor looks for share long prefixes (`https://bluebutton.cms.gov/resources/variables/`)
/// and differ at their ends, where most comparisons are settled without a `memcmp`.
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if let (Some(x), Some(y)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        if u64::from_ne_bytes(*x) != u64::from_ne_bytes(*y) {
            return false;
        }
    }
    a == b
}

/// A present field as the views' visitors (`for_each_field`) hand it out: its value borrowed
/// from the resource, nothing rendered.
#[derive(Clone, Copy)]
pub struct FieldRef<'v> {
    pub info: &'static FieldInfo,
    /// Where the value was read, as [`FieldValue::location`].
    pub location: &'static str,
    /// The value ([`FieldText::value_str`] for its text without making one).
    pub value: &'v dyn FieldText,
}

impl FieldRef<'_> {
    /// The field rendered, as [`FieldValue`].
    pub fn to_value(&self) -> FieldValue {
        FieldValue::at(self.info, self.location, self.value)
    }
}

/// An entry of a level (`Some(("item", 2))`), or `None` for the resource itself.
pub use crate::urls::Level;

/// A present field and the entry of its level it was found in (`Some(("item", 2))`), or
/// `None` for the resource itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedField {
    pub level: Option<(&'static str, usize)>,
    pub field: FieldValue,
}

impl LocatedField {
    /// The location with the entry index filled in: `ExplanationOfBenefit.item[2].adjudication(…)`.
    pub fn location(&self) -> String {
        match self.level {
            Some((element, i)) => {
                let plain = format!("{}.{element}", self.field.info.resource);
                let indexed = format!("{plain}[{i}]");
                self.field.location.replacen(&plain, &indexed, 1)
            }
            None => self.field.location.to_string(),
        }
    }
}

#[cfg(test)]
mod covers_tests {
    use super::FieldInfo;

    fn field(urls: &'static [&'static str]) -> FieldInfo {
        FieldInfo {
            variable: "x",
            variables: &[],
            label: "",
            resource: "Coverage",
            level: "",
            location: "",
            url: "",
            urls,
            applies_to: &[],
            steps: &[],
            current: true,
            older: &[],
        }
    }

    /// A URL is covered by an equal one, or by a form with a `<year>` where four digits stand.
    #[test]
    fn covers_an_equal_url_or_a_year_in_place_of_the_placeholder() {
        const V: &str = "https://bluebutton.cms.gov/resources/variables/";
        let f = field(&[
            "https://bluebutton.cms.gov/resources/variables/dual_01",
            "https://bluebutton.cms.gov/resources/variables/ptdcntrct01/<year>-1",
        ]);
        let covered = |rest: &str| f.covers(&format!("{V}{rest}"));
        assert!(covered("dual_01"));
        assert!(!covered("dual_02"), "same length, other text");
        assert!(!covered("dual_0"), "a prefix");
        assert!(covered("ptdcntrct01/2018-1"));
        assert!(covered("ptdcntrct01/1999-1"));
        assert!(!covered("ptdcntrct01/20x8-1"), "not a year");
        assert!(!covered("ptdcntrct01/2018-2"), "another month");
        assert!(!covered("ptdcntrct01/018-1"), "three digits");
        assert!(!covered("ptdcntrct01/20188-1"), "five digits");
        assert!(!covered("ptdcntrct01/<year>-1"), "the placeholder itself is no year");
    }
}
