//! Hashers for the export's own keys (field addresses, URL numbers): a multiplication, not the
//! standard library's hasher resistant to chosen keys, which the catalog's keys do not need.
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A hasher of integer keys: one multiplication, its high bits folded in.
#[derive(Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, key: u64) {
        let h = (self.0 ^ key).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }

    fn write_usize(&mut self, key: usize) {
        self.write_u64(key as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by integers.
pub type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// The hasher of the URL table: eight bytes at a time (the URLs share a long prefix, and a
/// lookup per occurrence is on the export's hot path; the default hasher, resistant to
/// chosen keys, is not needed for the catalog's own URLs).
#[derive(Default)]
pub struct UrlHasher(u64);

impl std::hash::Hasher for UrlHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        for &b in chunks.remainder() {
            self.mix(u64::from(b));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl UrlHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A map keyed by texts, hashed with [`UrlHasher`].
pub type TextMap<V> = HashMap<Box<str>, V, BuildHasherDefault<UrlHasher>>;
