//! A reader that breaks off, for the targets that read through one.
use std::io::{self, Read};

/// Hands out at most `step` bytes a read, failing with [`BREAK`] once `left` bytes have been
/// handed out, as a dropped connection or a truncated gzip file does.
pub struct Breaks<'a> {
    pub data: &'a [u8],
    pub step: usize,
    pub left: usize,
}

pub const BREAK: &str = "the input broke here";

impl Read for Breaks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, BREAK));
        }
        let n = buf.len().min(self.data.len()).min(self.step).min(self.left);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.left -= n;
        Ok(n)
    }
}
