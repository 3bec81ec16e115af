//! What the command-line tests share: running the command in-process, temporary files, gzip,
//! and the real Blue Button data in `../shared/data`.
#![allow(dead_code)]
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::write::GzEncoder;
use flate2::Compression;

/// The exit status and the two output streams of one run.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The lines of standard output.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// Runs `bluebutton <args>` with `stdin`.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Outcome {
    let mut stdin = stdin;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let argv = std::iter::once("bluebutton").chain(args.iter().copied());
    let code = bluebutton_cli::run(argv, &mut stdin, &mut stdout, &mut stderr);
    Outcome { code, stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
}

/// Runs `bluebutton <args>` with an empty standard input.
pub fn run(args: &[&str]) -> Outcome {
    run_with_stdin(args, b"")
}

/// A file in the system temp directory, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    /// A new file named after `name` holding `contents`.
    pub fn new(name: &str, contents: &[u8]) -> Self {
        let path = Self::path_for(name);
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    /// A path for a file the command will write (removed when dropped).
    pub fn reserve(name: &str) -> Self {
        TempFile(Self::path_for(name))
    }

    fn path_for(name: &str) -> PathBuf {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        std::env::temp_dir().join(format!("bluebutton-cli-{}-{n}-{name}", std::process::id()))
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `bytes`, gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// `ndjson` gzip-compressed and cut to `keep` of its bytes, as a download that stopped: the cut
/// file, and the lines that a gzip decoder gives whole from it before its error.
pub fn cut_gzip(ndjson: &str, keep: impl FnOnce(usize) -> usize) -> (Vec<u8>, Vec<&str>) {
    let compressed = gzip(ndjson.as_bytes());
    let cut = compressed[..keep(compressed.len())].to_vec();
    let complete = came_from(&cut).iter().filter(|&&b| b == b'\n').count();
    (cut, ndjson.lines().take(complete).collect())
}

/// What a gzip decoder gives of the cut gzip file `cut` before its error.
pub fn came_from(cut: &[u8]) -> Vec<u8> {
    let mut came = Vec::new();
    let decoded = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(cut), &mut came);
    assert!(decoded.is_err(), "the cut file is not whole gzip");
    came
}

/// The workspace root (the checkout).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[path = "../../../../tests/support/shared_data.rs"]
mod rule;

/// `../shared/data` beside the checkout, or `None` (with a printed notice naming `test`) where
/// it is absent.
///
/// # Panics
/// Where it is absent and the environment variable `CI` is `true`: CI never passes a test
/// without having run it.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    rule::found(repo_root().join("../shared/data"), test)
}

/// A path as the command-line argument it is given as.
pub fn path_str(path: &Path) -> String {
    path.to_str().expect("paths are UTF-8").to_owned()
}

/// The `.json` files of `dir`, sorted, as paths.
pub fn json_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| path_str(&e.unwrap().path()))
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    files
}
