//! The choice children found for member names (`valueCoding` for an extension's `value[x]`),
//! kept so that a choice's types are searched once per name.
use std::cell::RefCell;
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
pub(crate) struct Choices(RefCell<FxHashMap<u64, Choice>>);

/// A choice found: where its list of children is (address and length), the member name, and
/// what was found.
type Choice = ((usize, usize), Box<str>, Found);

impl Choices {
    const MAX: usize = 4096;

    /// What `search` finds for `key` among `children`, found here when it was before.
    pub(super) fn find(
        &self,
        children: &'static [E],
        key: &str,
        search: impl FnOnce() -> Option<Found>,
    ) -> Option<Found> {
        let at = (children.as_ptr() as usize, children.len());
        let mut hasher = FxHasher::default();
        hasher.write_usize(at.0);
        hasher.write_usize(at.1);
        hasher.write(key.as_bytes());
        let hash = hasher.finish();
        if let Some((a, k, found)) = self.0.borrow().get(&hash) {
            if *a == at && **k == *key {
                return Some(*found);
            }
        }
        let found = search()?;
        let mut known = self.0.borrow_mut();
        if known.len() >= Self::MAX {
            known.clear();
        }
        known.entry(hash).or_insert_with(|| (at, key.into(), found));
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tables;

    #[test]
    fn a_choice_found_again_is_the_one_found_first() {
        let choices = Choices::default();
        let extension = tables::core("Extension").map(tables::root_of).expect("Extension").children();
        let value = extension.iter().position(|c| c.name == "value").expect("value[x]");
        let searches = std::cell::Cell::new(0);
        let search = |key: &str| {
            searches.set(searches.get() + 1);
            (key == "valueCoding").then_some((value, None, None))
        };
        for _ in 0..3 {
            assert_eq!(choices.find(extension, "valueCoding", || search("valueCoding")).map(|f| f.0), Some(value));
            assert!(choices.find(extension, "valueNope", || search("valueNope")).is_none());
        }
        // Found once; what is not found is searched each time.
        assert_eq!(searches.get(), 4);
        // Another list of children is another key.
        assert!(choices.find(&extension[..value], "valueCoding", || None).is_none());
    }
}
