//! Gzip-compressed bytes, as bulk exports and saved responses often come.
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}
