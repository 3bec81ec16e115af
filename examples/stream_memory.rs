//! The memory check: streams a large Bundle from a file and reports the entries, the bytes, the
//! time and the peak memory (resident set) of the process.
//!
//! ```sh
//! cargo run --release --example stream_memory                        # builds a 1 GB bundle in the temp dir
//! cargo run --release --example stream_memory -- --size 200MB --mode whole
//! cargo run --release --example stream_memory -- --size 64MB --minified --mode whole   # in-memory typed parse
//! cargo run --release --example stream_memory -- /data/eob-bundle.json --mode parallel
//! ```
//! Modes: `stream` (default: [`BundleStream`] over the file, one entry at a time), `parallel`
//! (the same, each window parsed on all cores), `slice` (the file read into memory, then
//! [`BundleReader`]), `whole` (the file read into memory, then parsed as one typed `Bundle`).
//!
//! When no file is named (or it does not exist yet), a Bundle of `--size` bytes is written first
//! (`benches/support/input.rs`): generated claims, or with `--recorded` the server's recorded
//! claims repeated (they need `../shared` beside the repository); a file made in the temp dir
//! is removed afterwards unless `--keep` (a kept one is used again by the next run). The peak is the kernel's `VmHWM`, reset after writing
//! the file (`/proc/self/clear_refs`), so it covers the reading alone (Linux only).
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use bluebutton::json;
use bluebutton::resources::Bundle;
use bluebutton::stream::{BundleReader, BundleStream};

#[path = "../benches/support/input.rs"]
mod input;

fn usage() -> ! {
    eprintln!("usage: stream_memory [--size BYTES[kB|MB|GB]] [--mode stream|parallel|slice|whole] [--pretty|--minified] [--recorded] [--keep] [FILE]");
    std::process::exit(2)
}

fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len()));
    let n: f64 = digits.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        _ => return None,
    };
    Some((n * factor) as u64)
}

/// A line of `/proc/self/status`, in kB.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Resets the peak resident set size to the current one.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn main() {
    let mut size = 1_000_000_000;
    let mut mode = "stream".to_string();
    let mut layout = input::Layout::Pretty;
    let mut shape = input::Shape::Generated;
    let mut keep = false;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size" => size = args.next().as_deref().and_then(parse_size).unwrap_or_else(|| usage()),
            "--mode" => mode = args.next().unwrap_or_else(|| usage()),
            "--pretty" => layout = input::Layout::Pretty,
            "--minified" => layout = input::Layout::Minified,
            "--recorded" => shape = input::Shape::Recorded,
            "--keep" => keep = true,
            "-h" | "--help" => usage(),
            _ if arg.starts_with('-') => usage(),
            _ => file = Some(PathBuf::from(arg)),
        }
    }
    let temp = file.is_none();
    let path = file.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("bluebutton-{}-{}-{}.json", shape.name(), layout.name(), size))
    });
    let made_here = !path.exists();
    if made_here {
        let started = Instant::now();
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).expect("creating the bundle file"));
        let templates = input::Templates::of(shape, layout).unwrap_or_else(|| std::process::exit(2));
        let (entries, bytes) = templates.write_bundle(size, &mut out).expect("writing the bundle");
        out.flush().expect("writing the bundle");
        eprintln!(
            "wrote {} ({} entries, {}) in {:.1} s",
            path.display(),
            entries,
            mb(bytes),
            started.elapsed().as_secs_f64()
        );
    }
    let file_len = std::fs::metadata(&path).expect("the bundle file").len();
    let peak_reset = reset_peak();
    let rss_before = status_kb("VmRSS:").unwrap_or(0) * 1024;

    let started = Instant::now();
    let (entries, errors, extra) = match mode.as_str() {
        "stream" => {
            let mut stream = BundleStream::new(File::open(&path).expect("opening the bundle")).expect("a Bundle");
            let (mut entries, mut errors) = (0u64, 0u64);
            while let Some(entry) = stream.next_entry() {
                match entry {
                    Ok(_) => entries += 1,
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            (entries, errors, format!("window {}", mb(stream.peak_window() as u64)))
        }
        "parallel" => {
            let options = bluebutton::stream::StreamOptions { buffer_size: 8 << 20, ..Default::default() };
            let file = File::open(&path).expect("opening the bundle");
            let mut stream = BundleStream::with_options(file, options).expect("a Bundle");
            let (mut entries, mut errors) = (0u64, 0u64);
            stream.par_for_each(
                0,
                |_| (),
                |r| match r {
                    Ok(()) => entries += 1,
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                },
            );
            (entries, errors, format!("window {}", mb(stream.peak_window() as u64)))
        }
        "slice" | "whole" => {
            let mut bytes = Vec::with_capacity(file_len as usize);
            File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).expect("reading the bundle");
            let after_read = status_kb("VmHWM:").unwrap_or(0) * 1024;
            let (entries, errors) = if mode == "slice" {
                let (mut entries, mut errors) = (0u64, 0u64);
                for entry in BundleReader::new(&bytes).expect("a Bundle") {
                    match entry {
                        Ok(_) => entries += 1,
                        Err(_) => errors += 1,
                    }
                }
                (entries, errors)
            } else {
                let bundle: Bundle = json::from_slice(&bytes).expect("a valid Bundle");
                (bundle.entry.len() as u64, 0)
            };
            let peak = status_kb("VmHWM:").unwrap_or(0) * 1024;
            let parsed = peak.saturating_sub(after_read);
            // What reading took in all: the input buffer and the parse (the process's
            // memory before reading left out).
            let with_input = peak.saturating_sub(rss_before);
            (
                entries,
                errors,
                format!(
                    "input buffer {}, parsing added {} ({:.2}x the input); with the input buffer {:.2}x the input",
                    mb(bytes.len() as u64),
                    mb(parsed),
                    parsed as f64 / bytes.len() as f64,
                    with_input as f64 / bytes.len() as f64
                ),
            )
        }
        _ => usage(),
    };
    let seconds = started.elapsed().as_secs_f64();
    let peak = status_kb("VmHWM:").map(|kb| kb * 1024);
    println!("mode:    {mode}");
    println!("file:    {}", path.display());
    println!("bytes:   {file_len} ({})", mb(file_len));
    println!("entries: {entries} ({errors} errors)");
    println!("time:    {seconds:.2} s ({:.0} MB/s)", file_len as f64 / seconds / 1e6);
    match peak {
        Some(peak) => println!(
            "peak:    {} resident{} (before reading: {}); {extra}",
            mb(peak),
            if peak_reset { "" } else { " (peak not reset: includes writing the file)" },
            mb(rss_before)
        ),
        None => println!("peak:    unknown (no /proc/self/status); {extra}"),
    }
    if temp && made_here && !keep {
        let _ = std::fs::remove_file(&path);
    }
}
