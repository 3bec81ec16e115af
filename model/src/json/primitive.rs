//! FHIR primitive elements in JSON: a value (`"birthDate": "1970"`) and, optionally, the element's
//! id and extensions in a sibling `_` property (`"_birthDate": {"extension": [...]}`).
use super::error::{Error, ErrorKind};
use super::lexer::Lexer;
use super::value::UnknownProperties;
use super::writer::Writer;
use super::IntoOwned;
use crate::primitives::{
    Base64Binary, Code, Date, DateTime, Decimal, FhirString, Id, Instant, Integer, Markdown, Oid, PositiveInt,
    PrimitiveError, Time, UnsignedInt, Uri, Uuid, Xhtml,
};
use crate::types::Extension;

/// A primitive FHIR element: its value and, when the JSON had a `_name` property, its id and
/// extensions. Either part may be absent (`{"_given": [{"extension": [...]}]}` has no value).
#[derive(Debug, Clone, PartialEq)]
pub struct Primitive<'a, T> {
    pub value: Option<T>,
    pub element: Option<Box<PrimitiveElement<'a>>>,
}

impl<T> Default for Primitive<'_, T> {
    fn default() -> Self {
        Primitive { value: None, element: None }
    }
}

impl<'a, T> Primitive<'a, T> {
    /// A primitive with a value and no extensions.
    pub fn new(value: T) -> Self {
        Primitive { value: Some(value), element: None }
    }

    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The extensions on the element (from the `_name` property).
    pub fn extensions(&self) -> &[Extension<'a>] {
        self.element.as_deref().map_or(&[], |e| &e.extension)
    }
}

impl<'a, T> From<T> for Primitive<'a, T> {
    fn from(value: T) -> Self {
        Primitive::new(value)
    }
}

impl<T: IntoOwned> IntoOwned for Primitive<'_, T> {
    type Owned = Primitive<'static, T::Owned>;
    fn into_owned(self) -> Self::Owned {
        Primitive {
            value: self.value.map(IntoOwned::into_owned),
            element: self.element.map(|e| Box::new(e.into_owned())),
        }
    }
}

/// The id and extensions of a primitive element (the object in a `_name` property). Read and
/// written by [`rt`](super::rt), with the helpers the generated types use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrimitiveElement<'a> {
    pub id: Option<FhirString<'a>>,
    pub extension: Vec<Extension<'a>>,
    /// Properties kept by lenient parsing.
    pub unknown: UnknownProperties<'a>,
}

impl<'a> PrimitiveElement<'a> {
    pub fn into_owned(self) -> PrimitiveElement<'static> {
        PrimitiveElement {
            id: self.id.map(FhirString::into_owned),
            extension: self.extension.into_iter().map(IntoOwned::into_owned).collect(),
            unknown: self.unknown.into_owned(),
        }
    }
}

/// A primitive value type as it appears in JSON: how to read and write it.
pub trait PrimitiveValue<'a>: Sized {
    /// The FHIR type name, for messages.
    const FHIR_TYPE: &'static str;
    /// Reads the value at the cursor.
    fn read(lx: &mut Lexer<'a>) -> Result<Self, Error>;
    /// Writes the value.
    fn write(&self, w: &mut Writer);
}

fn invalid(offset: usize, fhir_type: &'static str, found: &str, error: PrimitiveError) -> Error {
    let mut shown: String = found.chars().take(64).collect();
    if shown.len() < found.len() {
        shown.push('…');
    }
    Error::new(offset, ErrorKind::InvalidPrimitive { fhir_type, found: format!("{shown:?}"), error })
}

macro_rules! string_primitive {
    ($($ty:ident => $name:literal),* $(,)?) => {$(
        impl<'a> PrimitiveValue<'a> for $ty<'a> {
            const FHIR_TYPE: &'static str = $name;
            #[inline]
            fn read(lx: &mut Lexer<'a>) -> Result<Self, Error> {
                let (text, offset) = lx.string(concat!("a string (FHIR ", $name, ")"))?;
                match $ty::from_json_text(text) {
                    Ok(v) => Ok(v),
                    Err(e) => {
                        // Re-read the text for the message (the value was moved into `new`).
                        let end = lx.offset();
                        let raw = String::from_utf8_lossy(&lx.input()[offset + 1..end - 1]).into_owned();
                        Err(invalid(offset, $name, &raw, e))
                    }
                }
            }
            #[inline]
            fn write(&self, w: &mut Writer) {
                w.string(self.as_str());
            }
        }
        impl IntoOwned for $ty<'_> {
            type Owned = $ty<'static>;
            #[inline]
            fn into_owned(self) -> $ty<'static> {
                $ty::into_owned(self)
            }
        }
    )*};
}

string_primitive! {
    FhirString => "string", Code => "code", Id => "id", Uri => "uri", Oid => "oid", Uuid => "uuid",
    Markdown => "markdown", Base64Binary => "base64Binary", Xhtml => "xhtml", Date => "date",
    DateTime => "dateTime", Instant => "instant", Time => "time",
}

impl<'a> PrimitiveValue<'a> for Decimal<'a> {
    const FHIR_TYPE: &'static str = "decimal";
    #[inline]
    fn read(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        let (text, offset) = lx.number("a number (FHIR decimal)")?;
        Decimal::from_json_text(text.into()).map_err(|e| invalid(offset, "decimal", text, e))
    }
    #[inline]
    fn write(&self, w: &mut Writer) {
        w.raw(self.as_str());
    }
}

impl IntoOwned for Decimal<'_> {
    type Owned = Decimal<'static>;
    fn into_owned(self) -> Decimal<'static> {
        Decimal::into_owned(self)
    }
}

macro_rules! integer_primitive {
    ($($ty:ident => $name:literal),* $(,)?) => {$(
        impl<'a> PrimitiveValue<'a> for $ty {
            const FHIR_TYPE: &'static str = $name;
            #[inline]
            fn read(lx: &mut Lexer<'a>) -> Result<Self, Error> {
                let (text, offset) = lx.number(concat!("a number (FHIR ", $name, ")"))?;
                $ty::parse(text).map_err(|e| invalid(offset, $name, text, e))
            }
            #[inline]
            fn write(&self, w: &mut Writer) {
                w.display(self);
            }
        }
        impl IntoOwned for $ty {
            type Owned = $ty;
            #[inline]
            fn into_owned(self) -> $ty {
                self
            }
        }
    )*};
}

integer_primitive! { Integer => "integer", UnsignedInt => "unsignedInt", PositiveInt => "positiveInt" }

impl<'a> PrimitiveValue<'a> for bool {
    const FHIR_TYPE: &'static str = "boolean";
    #[inline]
    fn read(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        lx.boolean()
    }
    #[inline]
    fn write(&self, w: &mut Writer) {
        w.boolean(*self);
    }
}

impl IntoOwned for bool {
    type Owned = bool;
    fn into_owned(self) -> bool {
        self
    }
}
