//! Errors of parsing and evaluation, with the byte offset in the expression.
use std::fmt;

/// A problem with an expression or its evaluation, at a byte offset of the expression's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Byte offset in the expression where the problem is.
    pub position: usize,
    /// What was expected there (and what was found).
    pub message: String,
    /// Whether the answer needs information that is not in the input (a value set or code
    /// system that is not available here).
    pub needs_outside: bool,
}

impl Error {
    pub(crate) fn at(position: usize, expected: impl Into<String>) -> Error {
        Error { position, message: format!("expected {}", expected.into()), needs_outside: false }
    }

    pub(crate) fn outside(position: usize, why: String) -> Error {
        Error { position, message: why, needs_outside: true }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.position, self.message)
    }
}

impl std::error::Error for Error {}
