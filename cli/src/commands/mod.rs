//! The subcommands, one module each.
pub mod fields;
pub mod generate;
pub mod parse;
pub mod summary;
pub mod validate;
