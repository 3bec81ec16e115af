//! Line and column numbers for errors, counted forward and only as far as needed.
//!
//! A stream only holds a window of its input, so the newlines of the bytes it lets go are
//! counted before they go ([`Lines::advance`]); errors are then located in the window.
use crate::json::bom_len;

/// Newlines counted up to an offset.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lines {
    /// Absolute offset up to which newlines are counted.
    counted_to: u64,
    /// Newlines before `counted_to`.
    newlines: u64,
    /// Absolute offset of the last newline before `counted_to`.
    last_newline: Option<u64>,
    /// Where the first line's columns start: after the byte order mark the input may begin with.
    first_line_start: u64,
}

/// The number of `\n` in `bytes`. A stream counts every byte it lets go: sixty-four at a time
/// with SSE2 (which every x86-64 has), in byte-wide counters added up every 252 vectors;
/// elsewhere, and for the last bytes, a byte-wide sum over blocks short enough not to overflow
/// it (which the compiler vectorizes).
fn count_newlines(bytes: &[u8]) -> u64 {
    let split = if cfg!(target_arch = "x86_64") { bytes.len() / 64 * 64 } else { 0 };
    let (vectors, rest) = bytes.split_at(split);
    let sum = |block: &[u8]| u64::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')));
    newlines_in_vectors(vectors) + rest.chunks(255).map(sum).sum::<u64>()
}

/// The `\n` in `bytes`, whose length is a multiple of 64.
#[cfg(target_arch = "x86_64")]
fn newlines_in_vectors(bytes: &[u8]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi64, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_sad_epu8, _mm_set1_epi8,
        _mm_setzero_si128, _mm_srli_si128, _mm_sub_epi8,
    };
    debug_assert_eq!(bytes.len() % 64, 0);
    let blocks = bytes.chunks(64 * 63);
    // SAFETY: SSE2 is part of x86-64; each load reads 16 bytes of a 64-byte chunk of `bytes`.
    unsafe {
        let (newline, zero) = (_mm_set1_epi8(b'\n' as i8), _mm_setzero_si128());
        let mut sums = zero;
        // At most 63 times 4 vectors per block: no byte-wide counter passes 252.
        for block in blocks {
            let mut counts = zero;
            for chunk in block.chunks_exact(64) {
                let p = chunk.as_ptr().cast::<__m128i>();
                // A match is all ones (-1): subtracting it counts it.
                let is = |k: usize| _mm_cmpeq_epi8(_mm_loadu_si128(p.add(k)), newline);
                counts = _mm_sub_epi8(counts, is(0));
                counts = _mm_sub_epi8(counts, is(1));
                counts = _mm_sub_epi8(counts, is(2));
                counts = _mm_sub_epi8(counts, is(3));
            }
            sums = _mm_add_epi64(sums, _mm_sad_epu8(counts, zero));
        }
        (_mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_srli_si128(sums, 8))) as u64
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn newlines_in_vectors(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.is_empty());
    0
}

impl Lines {
    /// Counts the newlines up to absolute offset `to`, in `bytes` that start at absolute `base`
    /// (they must hold everything from the last counted offset on).
    pub fn advance(&mut self, bytes: &[u8], base: u64, to: u64) {
        if to <= self.counted_to {
            return;
        }
        if self.counted_to == 0 && base == 0 {
            self.first_line_start = bom_len(bytes) as u64;
        }
        let from = (self.counted_to.max(base) - base) as usize;
        let end = ((to - base) as usize).min(bytes.len());
        if from < end {
            let chunk = &bytes[from..end];
            let newlines = count_newlines(chunk);
            self.newlines += newlines;
            // Minified JSON has none: then the bytes are not read again for the last one.
            if let Some(p) = (newlines > 0).then(|| memchr::memrchr(b'\n', chunk)).flatten() {
                self.last_newline = Some(base + (from + p) as u64);
            }
        }
        self.counted_to = base + end as u64;
    }

    /// The 1-based line and column of absolute `offset`, in `bytes` that start at `base`.
    pub fn line_column(&mut self, bytes: &[u8], base: u64, offset: u64) -> (usize, usize) {
        let (newlines, last_newline) = if offset >= self.counted_to {
            self.advance(bytes, base, offset);
            (self.newlines, self.last_newline)
        } else if offset >= base {
            // Behind the count (rare): take back the newlines between the offset and the count.
            let (from, to) = ((offset - base) as usize, ((self.counted_to - base) as usize).min(bytes.len()));
            let before = &bytes[..from];
            let last = memchr::memrchr(b'\n', before).map(|p| base + p as u64);
            (self.newlines - count_newlines(&bytes[from..to]), last.or(self.last_newline.filter(|&l| l < offset)))
        } else {
            return (0, 0);
        };
        let column = offset.saturating_sub(last_newline.map_or(self.first_line_start, |p| p + 1)) + 1;
        (newlines as usize + 1, column as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_newlines_in_long_inputs() {
        let text: Vec<u8> = (0..100_000).map(|i| if i % 7 == 0 { b'\n' } else { b'x' }).collect();
        assert_eq!(count_newlines(&text), text.iter().filter(|&&b| b == b'\n').count() as u64);
        assert_eq!(count_newlines(b""), 0);
        // Only newlines: every byte-wide counter as full as it gets, in every block.
        assert_eq!(count_newlines(&[b'\n'; 100_000]), 100_000);
        // Every length and start around the 64-byte vectors and their blocks.
        let text: Vec<u8> = (0..9000).map(|i| if i % 3 == 0 || i % 64 == 63 { b'\n' } else { b'{' }).collect();
        for (start, len) in (0..70).flat_map(|s| [0, 1, 63, 64, 65, 200, 4031, 4032, 4033, 8100].map(|l| (s, l))) {
            let bytes = &text[start..start + len];
            assert_eq!(count_newlines(bytes), bytes.iter().filter(|&&b| b == b'\n').count() as u64, "{start}+{len}");
        }
    }

    #[test]
    fn lines_and_columns_across_windows() {
        let text = b"ab\ncd\n\nefg";
        let mut lines = Lines::default();
        assert_eq!(lines.line_column(text, 0, 4), (2, 2));
        assert_eq!(lines.line_column(text, 0, 0), (1, 1));
        assert_eq!(lines.line_column(text, 0, 8), (4, 2));
        // A window that starts at 3 after the first 3 bytes were counted and dropped.
        let mut lines = Lines::default();
        lines.advance(text, 0, 3);
        assert_eq!(lines.line_column(&text[3..], 3, 7), (4, 1));
    }
}
