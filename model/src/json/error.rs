//! Parse errors that name the JSON path, what was expected and what was found.
use std::fmt;

use crate::primitives::PrimitiveError;

/// The kind of a JSON value, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Boolean => "a boolean",
            JsonKind::Null => "null",
        })
    }
}

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A location in a JSON document, written like `entry[3].resource.item[0].quantity.value`.
/// The document root is written `$`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath(pub Vec<PathSegment>);

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("$");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Key(k) if i == 0 => f.write_str(k)?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not JSON: something else stood where `expected` had to.
    Syntax { expected: &'static str, found: String },
    /// The input ended early.
    Eof { expected: &'static str },
    /// A string is not valid UTF-8.
    InvalidUtf8,
    /// The input is in another encoding than UTF-8, as its byte order mark says (`UTF-16LE`:
    /// what Windows PowerShell 5 writes with `>`).
    NotUtf8 { encoding: &'static str },
    /// A raw control character inside a string.
    ControlCharacter,
    /// A malformed `\` escape.
    InvalidEscape,
    /// Objects and arrays nest deeper than the limit.
    TooDeep { limit: u32 },
    /// A JSON value of the wrong kind for the element.
    WrongType { expected: &'static str, found: JsonKind },
    /// A property the element does not define (strict mode).
    UnknownProperty { name: String, of: &'static str },
    /// The same property twice in one object (or two choices of one `[x]` element).
    DuplicateProperty { name: String },
    /// A second property for one `[x]` element (`valueString` after `valueBoolean`).
    MultipleChoices { name: String, element: &'static str },
    /// A primitive value that breaks its FHIR type's rules.
    InvalidPrimitive { fhir_type: &'static str, found: String, error: PrimitiveError },
    /// An empty array (FHIR JSON never has one).
    EmptyArray,
    /// `field` and `_field` arrays of different lengths.
    ArrayLengthMismatch { values: usize, extensions: usize },
    /// A `field` or `_field` array of nothing but `null`s.
    AllNull,
    /// An array entry that is `null` in both `field` and `_field`.
    NullInBoth,
    /// A resource without `resourceType`.
    MissingResourceType,
    /// A `resourceType` this model does not know.
    UnknownResourceType { found: String },
    /// A `resourceType` other than the one asked for.
    ResourceTypeMismatch { expected: &'static str, found: String },
    /// An I/O error while reading the input.
    Io(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax { expected, found } => write!(f, "invalid JSON: expected {expected}, found {found}"),
            ErrorKind::Eof { expected } => write!(f, "unexpected end of input: expected {expected}"),
            ErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8 in a string"),
            ErrorKind::NotUtf8 { encoding } => write!(
                f,
                "the input is {encoding} (it begins with that encoding's byte order mark), not UTF-8 as JSON is: \
                 convert it first, for example with `iconv -f {encoding} -t UTF-8`"
            ),
            ErrorKind::ControlCharacter => f.write_str("unescaped control character in a string"),
            ErrorKind::InvalidEscape => f.write_str("invalid escape sequence in a string"),
            ErrorKind::TooDeep { limit } => write!(f, "nesting deeper than {limit} levels"),
            ErrorKind::WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            ErrorKind::UnknownProperty { name, of } => write!(f, "unknown property `{name}` (not an element of {of})"),
            ErrorKind::DuplicateProperty { name } => write!(f, "duplicate property `{name}`"),
            ErrorKind::MultipleChoices { name, element } => {
                write!(f, "expected one value for {element}, found another in `{name}`")
            }
            ErrorKind::InvalidPrimitive { fhir_type, found, error } => {
                write!(f, "invalid {fhir_type} {found}: {error}")
            }
            ErrorKind::EmptyArray => f.write_str("expected a non-empty array, found []"),
            ErrorKind::ArrayLengthMismatch { values, extensions } => write!(
                f,
                "expected the value and `_` extension arrays to have the same length, found {values} and {extensions}"
            ),
            ErrorKind::AllNull => f.write_str("expected at least one non-null entry, found only null"),
            ErrorKind::NullInBoth => f.write_str("expected a value or an extension, found null in both arrays"),
            ErrorKind::MissingResourceType => f.write_str("expected a `resourceType` property, found none"),
            ErrorKind::UnknownResourceType { found } => {
                write!(f, "unsupported resourceType `{found}` (expected one of {})", crate::RESOURCE_TYPES.join(", "))
            }
            ErrorKind::ResourceTypeMismatch { expected, found } => {
                write!(f, "expected resourceType `{expected}`, found `{found}`")
            }
            ErrorKind::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

/// A parse error: where (byte offset, JSON path, line and column) and what.
///
/// One pointer wide, so the `Result`s on the parser's hot path stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorData>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorData {
    offset: usize,
    kind: ErrorKind,
    path: JsonPath,
    line: usize,
    column: usize,
}

impl Error {
    /// An error at a byte offset; its path is filled in by `Error::locate` (in `locate.rs`,
    /// which rescans the input).
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        Error(Box::new(ErrorData { offset, kind, path: JsonPath::default(), line: 0, column: 0 }))
    }

    /// The same error, of kind `kind`.
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// Sets the location: found by rescanning the whole input (`Error::locate`), or by a reader
    /// that located the error itself (the streaming Bundle reader, which only holds part of
    /// the input).
    pub(crate) fn with_location(mut self, offset: usize, path: JsonPath, line: usize, column: usize) -> Self {
        let this = &mut *self.0;
        this.offset = offset;
        this.path = path;
        this.line = line;
        this.column = column;
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The JSON path of the offending value or property.
    pub fn path(&self) -> &JsonPath {
        &self.0.path
    }

    /// Byte offset into the input.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// 1-based line and column of the offending token.
    pub fn line_column(&self) -> (usize, usize) {
        (self.0.line, self.0.column)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.path, self.0.kind)
    }
}

impl std::error::Error for Error {}
