//! The type stage: definitions → plain-data IR ([`ir`], built by [`resolve`], laid out by
//! [`layout`]) → Rust source ([`emit`]). The IR is printed by `bluebutton-codegen check --ir`
//! and snapshot-tested on the mini fixtures (`codegen/tests/snapshots.rs`).
pub mod emit;
pub mod ir;
pub mod layout;
pub mod resolve;
