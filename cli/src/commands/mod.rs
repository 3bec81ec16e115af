//! The subcommands, one module each.
#[cfg(feature = "export")]
pub mod export;
#[cfg(feature = "client")]
pub mod fetch;
pub mod fields;
pub mod generate;
#[cfg(feature = "client")]
pub mod login;
pub mod parse;
pub mod query;
pub mod summary;
pub mod validate;

use clap::ValueEnum;

/// How a command prints what it found (`--format`); each command's help says what its JSON is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Lines for people to read.
    Text,
    /// JSON for programs.
    Json,
}
