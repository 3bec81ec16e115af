//! The choice children found for member names (`valueCoding` for an extension's `value[x]`),
//! kept so that a choice's types are searched once per name.
use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::validate::tables::{TypeRef, E};

/// A child found for a member: its index, its type, and its type slice.
pub(super) type Found = (usize, Option<&'static TypeRef>, Option<&'static E>);

/// The choice children found for member names, by the children's address and the name: the
/// types of a choice are searched once per name (an extension's `value[x]` has forty, searched
/// for each extension). Kept from document to document (it depends on the tables and the
/// target alone), up to [`Choices::MAX`] names.
#[derive(Default)]
pub(crate) struct Choices(FxHashMap<u64, Choice>);

/// A choice found: where its list of children is (address and length), the member name, and
/// what was found.
type Choice = ((usize, usize), Box<str>, Found);

impl Choices {
    const MAX: usize = 4096;

    /// What was found for `key` among `children`, if it was; else the slot to
    /// [`keep`](Self::keep) it in.
    pub(super) fn get(&self, children: &'static [E], key: &str) -> Result<Found, u64> {
        let at = (children.as_ptr() as usize, children.len());
        let mut hasher = FxHasher::default();
        hasher.write_usize(at.0);
        hasher.write_usize(at.1);
        hasher.write(key.as_bytes());
        let slot = hasher.finish();
        match self.0.get(&slot) {
            Some((a, k, found)) if *a == at && **k == *key => Ok(*found),
            _ => Err(slot),
        }
    }

    /// Keeps what was found for `key` among `children`, in the slot [`get`](Self::get) gave
    /// (unless another name has it).
    pub(super) fn keep(&mut self, slot: u64, children: &'static [E], key: &str, found: Found) {
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        let at = (children.as_ptr() as usize, children.len());
        self.0.entry(slot).or_insert_with(|| (at, key.into(), found));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tables;

    #[test]
    fn a_choice_kept_is_found_again_for_its_name_and_children_only() {
        let mut choices = Choices::default();
        let extension = tables::core("Extension").map(tables::root_of).expect("Extension").children();
        let value = extension.iter().position(|c| c.name == "value").expect("value[x]");
        let slot = choices.get(extension, "valueCoding").expect_err("nothing kept yet");
        choices.keep(slot, extension, "valueCoding", (value, None, None));
        assert_eq!(choices.get(extension, "valueCoding").map(|f| f.0), Ok(value));
        // Another name, or another list of children (the same start, shorter), is not it.
        assert!(choices.get(extension, "valueCode").is_err());
        assert!(choices.get(&extension[..value], "valueCoding").is_err());
        // Another name kept in a slot taken leaves the first one there, and is not found.
        choices.keep(slot, extension, "valueString", (value, None, None));
        assert_eq!(choices.get(extension, "valueCoding").map(|f| f.0), Ok(value));
        assert!(choices.get(extension, "valueString").is_err());
    }
}
