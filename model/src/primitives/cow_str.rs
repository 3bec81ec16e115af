//! [`CowStr`]: the text of a string-backed primitive, borrowed from the input or owned, in 16
//! bytes.
//!
//! A parsed Bundle is mostly primitives, so their size is most of its memory. `Cow<str>` takes
//! 24 bytes and leaves no spare bit patterns once wrapped in `Option` twice (a primitive's
//! value is an `Option`, and an absent element another), which made every optional string
//! element 32 bytes. `CowStr` is a pointer, a 32-bit length and an ownership flag: 16 bytes,
//! and the flag's unused values let `Option<Primitive<Code>>` fit in 24.
//!
//! No published crate has this shape: `beef::lean::Cow` is 16 bytes but its only spare bit
//! pattern is the null pointer (so the element stays 32 bytes), and the small-string crates
//! either cannot borrow or give the text a different address on every move.
//!
//! Texts are limited to `u32::MAX` bytes (4 GiB); the constructors say so with `None` and the
//! primitives turn that into a [`PrimitiveError`](super::PrimitiveError).
use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Text borrowed for `'a` or owned (a `Box<str>`), 16 bytes.
pub(crate) struct CowStr<'a> {
    raw: Raw,
    _text: PhantomData<&'a str>,
}

/// The parts of a [`CowStr`]. Kept apart so that the `Drop` impl is on a type without the
/// lifetime: like `Cow<'a, str>`, a `CowStr<'a>` may then be dropped after `'a` has ended
/// (its owned text is all it frees, and that does not borrow).
struct Raw {
    /// The first byte (dangling, but non-null and aligned, for an empty text).
    ptr: NonNull<u8>,
    /// The length in bytes.
    len: u32,
    /// Whether `ptr` and `len` are a `Box<str>` this value must free.
    owned: bool,
}

// SAFETY: a `Raw` is either a `&str` or a `Box<str>`, both of which are `Send` and `Sync`;
// it has no interior mutability and its owned text is never shared.
unsafe impl Send for Raw {}
// SAFETY: as above.
unsafe impl Sync for Raw {}

impl<'a> CowStr<'a> {
    /// Borrows `text`; `None` if it is longer than `u32::MAX` bytes.
    #[inline]
    pub(crate) fn borrowed(text: &'a str) -> Option<Self> {
        let len = u32::try_from(text.len()).ok()?;
        Some(Self::from_raw(Raw { ptr: NonNull::from(text.as_bytes()).cast(), len, owned: false }))
    }

    /// Takes ownership of `text` (giving back its unused capacity); `None` if it is longer than
    /// `u32::MAX` bytes.
    pub(crate) fn owned(text: String) -> Option<Self> {
        let len = u32::try_from(text.len()).ok()?;
        Some(Self::from_box(text.into_boxed_str(), len))
    }

    /// Owns `text`, whose length is `len`.
    fn from_box(text: Box<str>, len: u32) -> Self {
        debug_assert_eq!(text.len(), len as usize);
        let raw: *mut str = Box::into_raw(text);
        // SAFETY: `Box::into_raw` never returns null.
        let ptr = unsafe { NonNull::new_unchecked(raw.cast::<u8>()) };
        Self::from_raw(Raw { ptr, len, owned: true })
    }

    #[inline]
    fn from_raw(raw: Raw) -> Self {
        CowStr { raw, _text: PhantomData }
    }

    /// From a `Cow`, keeping borrowed text borrowed; `None` if it is too long.
    #[inline]
    pub(crate) fn from_cow(text: Cow<'a, str>) -> Option<Self> {
        match text {
            Cow::Borrowed(text) => Self::borrowed(text),
            Cow::Owned(text) => Self::owned(text),
        }
    }

    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: `ptr` and `len` come from a `&'a str` that outlives `self` or from a
        // `Box<str>` that `self` owns; either way they describe `len` bytes of valid UTF-8.
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.raw.ptr.as_ptr(), self.raw.len as usize))
        }
    }

    /// Whether the text is borrowed.
    #[inline]
    pub(crate) fn is_borrowed(&self) -> bool {
        !self.raw.owned
    }

    /// The same text, owned: no copy if it already is.
    pub(crate) fn into_owned(self) -> CowStr<'static> {
        if self.raw.owned {
            // The box moves to the result (the lifetime was the only difference).
            CowStr::from_raw(self.raw)
        } else {
            CowStr::from_box(self.as_str().into(), self.raw.len)
        }
    }
}

impl Drop for Raw {
    // Inlined: every text of a parsed value is dropped, and for the borrowed ones (nearly all)
    // the test of `owned` is all there is to do.
    #[inline]
    fn drop(&mut self) {
        if self.owned {
            let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len as usize) as *mut str;
            // SAFETY: an owned `CowStr` is a `Box<str>` taken apart by `owned` (or moved by
            // `into_owned`/`clone`), dropped only here and only once.
            drop(unsafe { Box::from_raw(raw) });
        }
    }
}

impl Clone for CowStr<'_> {
    fn clone(&self) -> Self {
        if self.raw.owned {
            CowStr::from_box(self.as_str().into(), self.raw.len)
        } else {
            CowStr::from_raw(Raw { ptr: self.raw.ptr, len: self.raw.len, owned: false })
        }
    }
}

impl std::fmt::Debug for CowStr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for CowStr<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for CowStr<'_> {}

impl PartialOrd for CowStr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CowStr<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for CowStr<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sixteen_bytes_with_room_for_two_options() {
        use std::mem::size_of;
        assert_eq!(size_of::<CowStr<'static>>(), 16);
        assert_eq!(size_of::<Option<CowStr<'static>>>(), 16);
        assert_eq!(size_of::<Option<Option<CowStr<'static>>>>(), 16);
        assert_eq!(size_of::<Option<(Option<CowStr<'static>>, Option<Box<u8>>)>>(), 24);
    }

    #[test]
    fn borrowed_stays_borrowed_and_owned_is_freed_once() {
        let input = String::from("in the input");
        let b = CowStr::borrowed(&input).unwrap();
        assert!(b.is_borrowed());
        assert_eq!(b.as_str().as_ptr(), input.as_ptr());
        let copy = b.clone();
        assert_eq!(copy.as_str().as_ptr(), input.as_ptr());
        let owned = b.into_owned();
        assert!(!owned.is_borrowed());
        assert_ne!(owned.as_str().as_ptr(), input.as_ptr());
        let again = owned.clone();
        assert_ne!(again.as_str().as_ptr(), owned.as_str().as_ptr());
        let moved_ptr = again.as_str().as_ptr();
        let moved = again.into_owned();
        assert_eq!(moved.as_str().as_ptr(), moved_ptr, "into_owned of owned text does not copy");
        assert_eq!(moved.as_str(), "in the input");
    }

    #[test]
    fn empty_texts() {
        let e = CowStr::owned(String::new()).unwrap();
        assert_eq!(e.as_str(), "");
        let e2 = e.clone().into_owned();
        assert_eq!(e2, CowStr::borrowed("").unwrap());
    }

    proptest! {
        #[test]
        fn behaves_like_cow(a in ".{0,40}", b in ".{0,40}", owned_a: bool, owned_b: bool) {
            fn make(s: &str, owned: bool) -> CowStr<'_> {
                if owned { CowStr::owned(s.to_owned()).unwrap() } else { CowStr::borrowed(s).unwrap() }
            }
            let (x, y) = (make(&a, owned_a), make(&b, owned_b));
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(x.is_borrowed(), !owned_a);
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            let hash = |v: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                v(&mut h);
                h.finish()
            };
            prop_assert_eq!(hash(&|h| x.hash(h)), hash(&|h| a.as_str().hash(h)));
            let detached = x.clone().into_owned();
            prop_assert_eq!(detached.as_str(), a.as_str());
            let from_cow = CowStr::from_cow(if owned_b { Cow::Owned(b.clone()) } else { Cow::Borrowed(&b) }).unwrap();
            prop_assert_eq!(from_cow.is_borrowed(), !owned_b);
            prop_assert_eq!(from_cow.as_str(), b.as_str());
        }
    }
}
