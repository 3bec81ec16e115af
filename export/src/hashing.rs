//! The hash maps of the export's own keys (field addresses, URL numbers, texts of the
//! catalog and the codebooks): FxHash, a multiplication per word, not the standard library's
//! hasher resistant to chosen keys, which tables that input only looks up do not need.
use std::collections::HashMap;

pub use rustc_hash::FxBuildHasher;

/// A map keyed by integers (or by the catalog's static texts).
pub type KeyMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// A map keyed by texts.
pub type TextMap<V> = HashMap<Box<str>, V, FxBuildHasher>;
