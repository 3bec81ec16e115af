//! Lossless FHIR JSON: a pull lexer, a writer, errors with JSON paths, and the traits the
//! generated types implement.
//!
//! Parsing is strict by default: an unknown property, a wrong JSON type, an invalid primitive, a
//! duplicate key or a missing `resourceType` is an error naming the JSON path. Lenient parsing
//! keeps unknown properties in the value (they are written back out) and lists them.
//!
//! With the `serde` feature, every generated type, primitive and code enum (and [`Value`])
//! also implements `serde::Serialize` and `serde::Deserialize` through this writer and this
//! strict reader: decimals keep their text through serde_json (as its `RawValue`, not
//! `arbitrary_precision`), and a deserialization error names the JSON path inside the value.
//! The owned forms (`Patient<'static>`) are `DeserializeOwned`. The README's "serde" section
//! says how other formats fare.
mod error;
mod lexer;
mod locate;
mod primitive;
pub mod rt;
mod value;
mod writer;

use std::io::Read;

pub use error::{Error, ErrorKind, JsonKind, JsonPath, PathSegment};
pub(crate) use lexer::bom_len;
/// The word-at-a-time byte tests, for the scanner's fallback where there is no SSE2.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) use lexer::{splat, zero_bytes};
pub use lexer::{ArrayCursor, Key, Lexer, ObjectCursor, ParseOptions};
pub use locate::path_at;
pub use primitive::{Primitive, PrimitiveElement, PrimitiveValue};
#[cfg(feature = "validate")]
pub(crate) use value::ReadSpace;
pub use value::{Difference, UnknownProperties, Value};
pub use writer::Writer;

/// A type read from FHIR JSON. Implemented by every generated type.
pub trait FromJson<'a>: Sized {
    /// Reads one value at the lexer's cursor.
    fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error>;
}

/// A type written as FHIR JSON. Implemented by every generated type.
pub trait ToJson {
    /// Writes the value at the writer's cursor.
    fn write_json(&self, w: &mut Writer);

    /// Compact JSON text.
    fn to_json_string(&self) -> String {
        let mut w = Writer::compact();
        self.write_json(&mut w);
        w.into_string()
    }

    /// Pretty-printed JSON text (two spaces).
    fn to_json_pretty(&self) -> String {
        let mut w = Writer::pretty(2);
        self.write_json(&mut w);
        w.into_string()
    }
}

/// Turns a value that may borrow from its input into one that owns all its data.
pub trait IntoOwned {
    type Owned: 'static;
    fn into_owned(self) -> Self::Owned;
}

/// The result of a lenient parse: the value and the JSON paths of the unknown properties it kept.
#[derive(Debug, Clone)]
pub struct Lenient<T> {
    pub value: T,
    pub unknown: Vec<JsonPath>,
}

/// Parses `input` strictly. The result borrows unescaped strings from `input`. A UTF-8 byte
/// order mark before the value is passed over; one of UTF-16 or UTF-32 is an error
/// ([`ErrorKind::NotUtf8`]).
///
/// ```
/// use bluebutton_model::{json, resources::Patient};
/// let patient: Patient = json::from_slice(br#"{"resourceType":"Patient","id":"p1"}"#).unwrap();
/// assert_eq!(patient.id().unwrap().as_str(), "p1");
/// ```
pub fn from_slice<'a, T: FromJson<'a>>(input: &'a [u8]) -> Result<T, Error> {
    from_slice_with(input, ParseOptions::strict())
}

/// Parses `input` with the given options (unknown properties, if kept, stay in the value).
pub fn from_slice_with<'a, T: FromJson<'a>>(input: &'a [u8], options: ParseOptions) -> Result<T, Error> {
    whole(&mut Lexer::new(input, options), input, T::from_json)
}

/// [`from_slice`] of a [`Value`], read in the working space of earlier reads ([`ReadSpace`]).
#[cfg(feature = "validate")]
pub(crate) fn value_in<'a>(input: &'a [u8], space: &mut ReadSpace) -> Result<Value<'a>, Error> {
    whole(&mut Lexer::new(input, ParseOptions::strict()), input, |lx| Value::read_in(lx, space))
}

/// What `read` reads from `lx` (over `input`), which must be the whole input (white space
/// aside); an error is located in `input`.
fn whole<'a, T>(
    lx: &mut Lexer<'a>,
    input: &'a [u8],
    read: impl FnOnce(&mut Lexer<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    read(lx).and_then(|v| lx.finish().map(|()| v)).map_err(|e| e.locate(input))
}

/// Parses `input` leniently: unknown properties are kept and their paths listed.
pub fn from_slice_lenient<'a, T: FromJson<'a>>(input: &'a [u8]) -> Result<Lenient<T>, Error> {
    let mut lx = Lexer::new(input, ParseOptions::lenient());
    let value = whole(&mut lx, input, T::from_json)?;
    let unknown = lx.unknown_offsets.iter().map(|&o| path_at(input, o)).collect();
    Ok(Lenient { value, unknown })
}

/// Parses a string strictly.
pub fn from_str<'a, T: FromJson<'a>>(input: &'a str) -> Result<T, Error> {
    from_slice(input.as_bytes())
}

/// Reads everything from `reader` and parses it strictly into an owned value
/// (`Patient<'static>`, `Resource<'static>`, ...).
pub fn from_reader<T: FromJsonOwned, R: Read>(mut reader: R) -> Result<T, Error> {
    let mut buf = Vec::new();
    reader.read_to_end(&mut buf).map_err(|e| Error::new(0, ErrorKind::Io(e.to_string())))?;
    T::parse_owned(&buf, ParseOptions::strict())
}

/// Owned values (`T<'static>`) parsed from a short-lived buffer: parsed borrowing, then
/// converted. Implemented for every generated type.
pub trait FromJsonOwned: Sized + 'static {
    fn parse_owned(input: &[u8], options: ParseOptions) -> Result<Self, Error>;
}

/// Writes `value` as compact JSON.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    value.to_json_string()
}

/// Writes `value` as pretty JSON.
pub fn to_string_pretty<T: ToJson + ?Sized>(value: &T) -> String {
    value.to_json_pretty()
}

/// Parses `input` as a `T`, writes it back, and compares the two documents as FHIR JSON
/// (objects regardless of member order, arrays in order, numbers by their exact text).
/// `Ok(None)` means the round trip is lossless.
pub fn round_trip_difference<'a, T: FromJson<'a> + ToJson>(
    input: &'a [u8],
    options: ParseOptions,
) -> Result<Option<Difference>, Error> {
    let typed: T = from_slice_with(input, options)?;
    let written = typed.to_json_string();
    let before: Value<'_> = from_slice_with(input, options)?;
    let after: Value<'_> = from_slice_with(written.as_bytes(), options)?;
    Ok(before.first_difference(&after))
}

impl<'a> FromJson<'a> for Value<'a> {
    fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        Value::read(lx)
    }
}

impl ToJson for Value<'_> {
    fn write_json(&self, w: &mut Writer) {
        self.write(w)
    }
}
