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
