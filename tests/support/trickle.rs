//! A reader that hands out a few bytes at a time, as a socket or a slow pipe does.
use std::io::{self, Read};

/// Hands out at most `step` bytes per read, cycling through sizes 1..=step.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub step: usize,
    pub n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.n = self.n % self.step + 1;
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}
