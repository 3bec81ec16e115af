//! The progress bar of `summary`.
use std::fmt::Write as _;
use std::io::Write;
use std::time::{Duration, Instant};

use super::report::{plural, size_text};

/// A one-line progress bar on stderr, redrawn at most ten times a second.
pub(super) struct Progress<'w> {
    out: &'w mut dyn Write,
    /// `None`: off; `Some(true)`: from the start; `Some(false)`: once an input takes a while.
    show: Option<bool>,
    name: String,
    size: Option<u64>,
    started: Instant,
    last_draw: Option<Instant>,
}

impl<'w> Progress<'w> {
    pub(super) fn new(out: &'w mut dyn Write, show: Option<bool>) -> Self {
        Progress { out, show, name: String::new(), size: None, started: Instant::now(), last_draw: None }
    }

    pub(super) fn start(&mut self, name: &str, size: Option<u64>) {
        self.name = name.to_string();
        self.size = size;
        self.started = Instant::now();
        self.last_draw = None;
    }

    pub(super) fn update(&mut self, done: u64, entries: u64) {
        let Some(always) = self.show else { return };
        let now = Instant::now();
        let due = match self.last_draw {
            None => always || now - self.started >= Duration::from_millis(500),
            Some(last) => now - last >= Duration::from_millis(100),
        };
        if !due {
            return;
        }
        self.last_draw = Some(now);
        let elapsed = (now - self.started).as_secs_f64().max(1e-3);
        let rate = size_text((done as f64 / elapsed) as u64);
        let mut line = format!("\r{} ", self.name);
        match self.size.filter(|&s| s > 0) {
            Some(size) => {
                let fraction = (done as f64 / size as f64).min(1.0);
                let filled = (fraction * 30.0) as usize;
                let _ = write!(
                    line,
                    "[{}{}] {:>3}% {} / {}",
                    "#".repeat(filled),
                    "-".repeat(30 - filled),
                    (fraction * 100.0) as u32,
                    size_text(done),
                    size_text(size)
                );
            }
            None => {
                let _ = write!(line, "{}", size_text(done));
            }
        }
        let _ = write!(line, "  {rate}/s  {}\x1b[K", plural(entries, "entry", "entries"));
        let _ = self.out.write_all(line.as_bytes()).and_then(|()| self.out.flush());
    }

    /// Clears the bar, if it was drawn.
    pub(super) fn finish(&mut self) {
        if self.last_draw.take().is_some() {
            let _ = self.out.write_all(b"\r\x1b[K").and_then(|()| self.out.flush());
        }
    }
}
