//! [`InlineVec`]: an array that holds a single element without an allocation.
//!
//! Used for the arrays that nearly always hold exactly one element, so that the usual one costs
//! no allocation of its own: `CodeableConcept.coding` (1,114 of the 1,143 `coding` arrays
//! in the real Blue Button responses hold one `Coding`). Everything else reads it as a slice
//! (`Deref<Target = [T]>`), like the `Vec`s of the other arrays.
//!
//! Unlike `smallvec::SmallVec<[T; 1]>`, it keeps the types that hold it covariant in their
//! lifetime (a `CodeableConcept<'static>` is a `CodeableConcept<'a>`), and it has no unsafe
//! code.
use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::json::IntoOwned;

/// A growable array that holds zero or one element inline and two or more in a `Vec`.
///
/// ```
/// use bluebutton_model::InlineVec;
///
/// let mut codes: InlineVec<&str> = InlineVec::new();
/// codes.push("A");
/// assert_eq!(codes.as_slice(), ["A"]);
/// codes.push("B");
/// assert_eq!(codes.len(), 2);
/// let from_vec: InlineVec<&str> = vec!["A", "B"].into();
/// assert_eq!(codes, from_vec);
/// ```
#[derive(Clone)]
pub struct InlineVec<T>(Repr<T>);

#[derive(Clone)]
enum Repr<T> {
    Empty,
    One(T),
    /// Any length (`From<Vec<T>>` keeps the `Vec` it is given).
    Many(Vec<T>),
}

impl<T> InlineVec<T> {
    /// An empty array.
    pub const fn new() -> Self {
        InlineVec(Repr::Empty)
    }

    /// The elements.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            Repr::Empty => &[],
            Repr::One(one) => std::slice::from_ref(one),
            Repr::Many(many) => many,
        }
    }

    /// The elements, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.0 {
            Repr::Empty => &mut [],
            Repr::One(one) => std::slice::from_mut(one),
            Repr::Many(many) => many,
        }
    }

    /// Appends an element; the second one moves both into a `Vec`.
    #[inline]
    pub fn push(&mut self, value: T) {
        if let Repr::Many(many) = &mut self.0 {
            many.push(value);
            return;
        }
        self.0 = match std::mem::replace(&mut self.0, Repr::Empty) {
            Repr::One(first) => Repr::Many(vec![first, value]),
            Repr::Empty | Repr::Many(_) => Repr::One(value),
        };
    }

    /// Appends `T::default()` and returns it, to be filled in place (the parser's way of
    /// reading an element without moving it).
    #[inline]
    pub(crate) fn push_default(&mut self) -> &mut T
    where
        T: Default,
    {
        // The first element, the usual case, is made where it stays (`push` would build it
        // aside and move it in, and move the empty array out first).
        if let Repr::Empty = self.0 {
            self.0 = Repr::One(T::default());
        } else {
            self.push(T::default());
        }
        let slice = self.as_mut_slice();
        let last = slice.len() - 1;
        &mut slice[last]
    }

    /// Gives back the unused room of the `Vec` of two or more.
    pub(crate) fn shrink_to_fit(&mut self) {
        if let Repr::Many(many) = &mut self.0 {
            many.shrink_to_fit();
        }
    }

    /// The elements, as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        match self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => vec![one],
            Repr::Many(many) => many,
        }
    }
}

impl<T> Default for InlineVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Deref for InlineVec<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for InlineVec<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: fmt::Debug> fmt::Debug for InlineVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: PartialEq> PartialEq for InlineVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for InlineVec<T> {}

impl<T> From<Vec<T>> for InlineVec<T> {
    fn from(many: Vec<T>) -> Self {
        InlineVec(Repr::Many(many))
    }
}

impl<T> From<InlineVec<T>> for Vec<T> {
    fn from(items: InlineVec<T>) -> Self {
        items.into_vec()
    }
}

impl<T> FromIterator<T> for InlineVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut out = InlineVec::new();
        out.extend(iter);
        out
    }
}

impl<T> Extend<T> for InlineVec<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for item in iter {
            self.push(item);
        }
    }
}

impl<T> IntoIterator for InlineVec<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'s, T> IntoIterator for &'s InlineVec<T> {
    type Item = &'s T;
    type IntoIter = std::slice::Iter<'s, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<'s, T> IntoIterator for &'s mut InlineVec<T> {
    type Item = &'s mut T;
    type IntoIter = std::slice::IterMut<'s, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_mut_slice().iter_mut()
    }
}

impl<T: IntoOwned> IntoOwned for InlineVec<T> {
    type Owned = InlineVec<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        InlineVec(match self.0 {
            Repr::Empty => Repr::Empty,
            Repr::One(one) => Repr::One(one.into_owned()),
            Repr::Many(many) => Repr::Many(many.into_iter().map(IntoOwned::into_owned).collect()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_element_is_inline() {
        let mut v = InlineVec::new();
        v.push(String::from("A"));
        assert!(matches!(v.0, Repr::One(_)));
        v.push(String::from("B"));
        assert!(matches!(&v.0, Repr::Many(m) if m.len() == 2));
        assert_eq!(v.as_slice(), ["A", "B"]);
    }

    #[test]
    fn size_is_the_element_and_a_tag() {
        assert!(std::mem::size_of::<InlineVec<[u64; 20]>>() <= 168);
    }

    /// Covariance: a value borrowing for longer can stand where a shorter borrow is expected.
    #[test]
    fn covariant() {
        fn shorten<'a>(v: InlineVec<&'static str>) -> InlineVec<&'a str> {
            v
        }
        assert_eq!(shorten(vec!["x"].into()).as_slice(), ["x"]);
    }

    proptest! {
        #[test]
        fn behaves_like_a_vec(items in proptest::collection::vec(any::<u16>(), 0..6), extra: u16) {
            let mut v: InlineVec<u16> = items.iter().copied().collect();
            prop_assert_eq!(v.as_slice(), items.as_slice());
            prop_assert_eq!(v.clone(), InlineVec::from(items.clone()));
            let mut expected = items.clone();
            expected.push(extra);
            v.push(extra);
            prop_assert_eq!(v.as_slice(), expected.as_slice());
            *v.push_default() = 7;
            expected.push(7);
            v.shrink_to_fit();
            prop_assert_eq!(v.as_slice(), expected.as_slice());
            prop_assert_eq!(v.iter().count(), expected.len());
            prop_assert_eq!(v.into_vec(), expected);
        }
    }
}
