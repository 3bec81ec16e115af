//! The `bluebutton` command, run in-process on real and made-up inputs: one module per
//! subcommand or concern. They form one test binary, so the command and its dependencies are
//! linked once rather than once per file.
mod support;

#[cfg(feature = "export")]
mod export;
mod fields;
mod generate;
mod help;
mod inputs;
#[cfg(feature = "client")]
mod login_fetch;
mod ndjson;
mod parse;
mod query;
mod summary;
mod validate;
mod validate_profile;
