//! A reader that breaks off, as a dropped connection or a truncated download does.
use std::io::{self, Read};

/// The message of the reader's failure.
pub const RESET: &str = "connection reset by peer";

/// Hands out `data` at most `step` bytes per read until `left` bytes have been handed out, then
/// fails with [`RESET`] at every read, as a dropped connection does.
pub struct BreaksAfter<'a> {
    pub data: &'a [u8],
    pub left: usize,
    pub step: usize,
}

impl Read for BreaksAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, RESET));
        }
        let k = buf.len().min(self.step).min(self.left).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        self.left -= k;
        Ok(k)
    }
}

/// `data`, breaking after its first `at` bytes (handed out a few kilobytes a read).
pub fn breaks_after(data: &[u8], at: usize) -> BreaksAfter<'_> {
    BreaksAfter { data, left: at, step: 4093 }
}
