//! Errors of the importer: each names the file and what was wrong with it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why an import failed. Every variant names the file it is about.
#[derive(Debug)]
pub enum ImportError {
    /// A file or directory could not be read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message (it carries line and column).
        source: serde_json::Error,
    },
    /// A file is valid JSON or XML but not shaped as expected.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What was expected and what was found, with the place where it matters.
        message: String,
    },
}

impl ImportError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ImportError::Io { path: path.to_path_buf(), source }
    }

    /// A file whose content is not what the importer expects.
    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        ImportError::Invalid { path: path.to_path_buf(), message: message.into() }
    }

    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ImportError::Io { path, .. } | ImportError::Json { path, .. } | ImportError::Invalid { path, .. } => path,
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            ImportError::Json { path, source } => {
                write!(f, "{}: invalid JSON: {}", path.display(), source)
            }
            ImportError::Invalid { path, message } => write!(f, "{}: {}", path.display(), message),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::Io { source, .. } => Some(source),
            ImportError::Json { source, .. } => Some(source),
            ImportError::Invalid { .. } => None,
        }
    }
}
