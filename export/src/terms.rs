//! The long texts of the data's vocabularies (code systems' URLs, codes' displays as the data
//! writes them), kept once for the life of the program. The same such texts come row after
//! row: a cell refers to the kept text instead of copying it to the heap, to be freed
//! when its rows are written (with several threads, on another thread than the one that made
//! it, which takes the lock of that thread's allocator arena). The display columns' dictionaries
//! then find them by address too.
//!
//! What is kept is bounded ([`LIMIT`] bytes for the whole program): once that is reached, a new
//! text is copied as before. The texts come from the input, so they are hashed with a hasher
//! keyed at random for each run (aHash's): input made to collide cannot make the lookups slow.
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{OnceLock, PoisonError, RwLock};

use ahash::RandomState;

/// The bytes of text kept at most, for the whole program.
pub(crate) const LIMIT: usize = 4 << 20;

/// Texts kept for the life of the program, up to a number of bytes.
pub(crate) struct Terms {
    kept: HashSet<&'static str, RandomState>,
    bytes: usize,
    limit: usize,
}

impl Terms {
    pub(crate) fn new(limit: usize, hasher: RandomState) -> Terms {
        Terms { kept: HashSet::with_hasher(hasher), bytes: 0, limit }
    }

    /// The kept text equal to `text`, if it is kept.
    pub(crate) fn get(&self, text: &str) -> Option<&'static str> {
        self.kept.get(text).copied()
    }

    /// The kept text equal to `text`, kept now if there is room; `None` when there is not.
    pub(crate) fn keep(&mut self, text: &str) -> Option<&'static str> {
        if let Some(kept) = self.get(text) {
            return Some(kept);
        }
        if self.bytes + text.len() > self.limit {
            return None;
        }
        let kept: &'static str = Box::leak(Box::from(text));
        self.bytes += text.len();
        self.kept.insert(kept);
        Some(kept)
    }
}

/// The program's terms (read by many threads at once, written when a text is new), and the
/// hasher of each thread's view of them.
fn program() -> &'static (RwLock<Terms>, RandomState) {
    static PROGRAM: OnceLock<(RwLock<Terms>, RandomState)> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let hasher = RandomState::new();
        (RwLock::new(Terms::new(LIMIT, hasher.clone())), hasher)
    })
}

/// What one thread has looked up: the kept texts it has seen (looked up without the lock), and
/// whether the program's terms had no room for one of its texts (then it no longer asks).
struct Seen {
    kept: HashSet<&'static str, RandomState>,
    full: bool,
}

thread_local! {
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// `text` kept for the life of the program (the same address for the same text, on every
/// thread), or `None` when the program's terms are full.
pub(crate) fn term(text: &str) -> Option<&'static str> {
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let seen = seen.get_or_insert_with(|| Seen { kept: HashSet::with_hasher(program().1.clone()), full: false });
        if let Some(kept) = seen.kept.get(text) {
            return Some(*kept);
        }
        if seen.full {
            return None;
        }
        let terms = &program().0;
        let known = terms.read().unwrap_or_else(PoisonError::into_inner).get(text);
        let kept = known.or_else(|| terms.write().unwrap_or_else(PoisonError::into_inner).keep(text));
        match kept {
            Some(kept) => {
                seen.kept.insert(kept);
            }
            None => seen.full = true,
        }
        kept
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_kept_once_until_the_limit() {
        let mut terms = Terms::new(100, RandomState::new());
        let url = "http://hl7.org/fhir/sid/icd-10-cm";
        let first = terms.keep(url).unwrap();
        // The same text at another address.
        let copy: String = url.chars().collect();
        let again = terms.keep(&copy).unwrap();
        assert_eq!(first, url);
        assert!(std::ptr::eq(first, again), "the same text, kept once");
        assert_eq!(terms.bytes, url.len());
        // 33 bytes kept, 67 left: a text of 67 fits, then nothing new does (one kept does).
        let long = "x".repeat(67);
        assert_eq!(terms.keep(&long), Some(long.as_str()));
        assert_eq!(terms.keep("y"), None);
        assert!(std::ptr::eq(terms.keep(url).unwrap(), first));
    }

    #[test]
    fn every_thread_gets_the_same_kept_text() {
        let text = "Essential (primary) hypertension, kept for the threads";
        let here = term(text).unwrap() as *const str as *const u8 as usize;
        let there: Vec<usize> = (0..3)
            .map(|_| std::thread::spawn(move || term(text).unwrap() as *const str as *const u8 as usize))
            .map(|t| t.join().unwrap())
            .collect();
        assert!(there.iter().all(|a| *a == here), "{here:x} {there:x?}");
        assert_eq!(term(text), Some(text));
    }
}
