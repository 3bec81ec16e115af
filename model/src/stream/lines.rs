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

/// The number of `\n` in `bytes`. A stream counts every byte it lets go, so this is written to
/// vectorize: a byte-wide sum over blocks short enough not to overflow it.
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.chunks(255).map(|block| u64::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))).sum()
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
            self.newlines += count_newlines(chunk);
            if let Some(p) = memchr::memrchr(b'\n', chunk) {
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
