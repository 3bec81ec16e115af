//! What the command-line tests share: running the command in-process and temporary files.
#![allow(dead_code)]
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The exit status and the two output streams of one run.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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
