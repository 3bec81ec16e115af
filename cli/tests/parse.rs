//! `bluebutton parse` on the real Blue Button data in `../shared/data` and on small made-up
//! inputs. Tests that need `../shared` print a notice and skip where it is absent.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::write::GzEncoder;
use flate2::Compression;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data");

/// The shared data directory, or `None` (with a printed notice) where `../shared` is absent.
fn data(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(DATA);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {test} skipped: {} is absent", dir.display());
        None
    }
}

/// What one in-process run printed and returned.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// Runs `bluebutton <args>` in-process with `stdin` as standard input.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Outcome {
    let mut stdin = stdin;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let argv = std::iter::once("bluebutton").chain(args.iter().copied());
    let code = bluebutton_cli::run(argv, &mut stdin, &mut stdout, &mut stderr);
    Outcome {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

fn run(args: &[&str]) -> Outcome {
    run_with_stdin(args, b"")
}

/// A file in the system temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("bluebutton-cli-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write a temp file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temp paths are UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("data paths are UTF-8").to_owned()
}

#[test]
fn roundtrip_all_normalized_samples_and_the_ig_example() {
    let Some(data) = data("roundtrip_all_normalized_samples_and_the_ig_example") else {
        return;
    };
    let mut files: Vec<String> = std::fs::read_dir(data.join("samples/v1-normalized"))
        .expect("read samples/v1-normalized")
        .map(|e| path_str(&e.expect("directory entry").path()))
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 25, "samples/v1-normalized holds 25 files");
    files.push(path_str(&data.join("bb2ig/examples/ExplanationOfBenefit-pde-89.json")));

    let mut args = vec!["parse", "--roundtrip"];
    args.extend(files.iter().map(String::as_str));
    let out = run(&args);
    let not_ok: Vec<&str> = out.lines().into_iter().filter(|l| !l.starts_with("OK ")).collect();
    assert!(not_ok.is_empty(), "not OK:\n{}", not_ok.join("\n"));
    let expected: Vec<String> = files.iter().map(|f| format!("OK {f}")).collect();
    assert_eq!(out.lines(), expected, "stderr: {}", out.stderr);
    assert_eq!(out.code, 0);
}

#[test]
fn raw_sample_placeholder_instant_is_named_by_path() {
    let Some(data) = data("raw_sample_placeholder_instant_is_named_by_path") else {
        return;
    };
    let file = path_str(&data.join("samples/v1/eobReadCarrier.json"));
    let out = run(&["parse", &file]);
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let prefix = format!("ERROR {file}: meta.lastUpdated: ");
    assert!(lines[0].starts_with(&prefix), "{:?} does not start with {prefix:?}", lines[0]);
}

#[test]
fn raw_bundle_placeholder_id_is_named_by_path() {
    let Some(data) = data("raw_bundle_placeholder_id_is_named_by_path") else {
        return;
    };
    let file = path_str(&data.join("samples/v1/eobByPatientIdAll.json"));
    let out = run(&["parse", "--roundtrip", &file]);
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let prefix = format!("ERROR {file}: id: ");
    assert!(lines[0].starts_with(&prefix), "{:?} does not start with {prefix:?}", lines[0]);
}

#[test]
fn gzip_file_is_decompressed() {
    let Some(data) = data("gzip_file_is_decompressed") else {
        return;
    };
    let bytes = std::fs::read(data.join("samples/v1-normalized/eobReadInpatient.json")).expect("read sample");
    let gz = TempFile::new("eobReadInpatient.json.gz", &gzip(&bytes));
    let out = run(&["parse", "--roundtrip", gz.path()]);
    assert_eq!(out.lines(), vec![format!("OK {}", gz.path())]);
    assert_eq!(out.code, 0);
}

#[test]
fn stdin_is_read_for_dash() {
    let Some(data) = data("stdin_is_read_for_dash") else {
        return;
    };
    let bytes = std::fs::read(data.join("samples/v1-normalized/patientRead.json")).expect("read sample");
    let out = run_with_stdin(&["parse", "--roundtrip", "-"], &bytes);
    assert_eq!(out.lines(), vec!["OK -"]);
    assert_eq!(out.code, 0);
}

#[test]
fn gzip_through_stdin() {
    let Some(data) = data("gzip_through_stdin") else {
        return;
    };
    let bytes = std::fs::read(data.join("samples/v1-normalized/eobByPatientIdPaged.json")).expect("read sample");
    let out = run_with_stdin(&["parse", "--roundtrip", "-"], &gzip(&bytes));
    assert_eq!(out.lines(), vec!["OK -"]);
    assert_eq!(out.code, 0);
}

#[test]
fn gzip_of_a_raw_sample_still_names_the_path() {
    let Some(data) = data("gzip_of_a_raw_sample_still_names_the_path") else {
        return;
    };
    let bytes = std::fs::read(data.join("samples/v1/eobReadCarrier.json")).expect("read sample");
    let out = run_with_stdin(&["parse", "-"], &gzip(&bytes));
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("ERROR -: meta.lastUpdated: "), "{}", out.stdout);
}

#[test]
fn missing_file_is_exit_2() {
    let missing = std::env::temp_dir().join(format!("bluebutton-cli-{}-does-not-exist.json", std::process::id()));
    let missing = path_str(&missing);
    let out = run(&["parse", &missing]);
    assert_eq!(out.code, 2);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("ERROR {missing}: cannot read: ")), "{}", lines[0]);
}

#[test]
fn unreadable_wins_over_invalid() {
    let bad = TempFile::new("bad.json", b"[1, 2");
    let missing = format!("{}.missing", bad.path());
    let out = run(&["parse", bad.path(), &missing]);
    assert_eq!(out.code, 2);
    let lines = out.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(&format!("ERROR {}: ", bad.path())), "{}", lines[0]);
    assert!(lines[1].starts_with(&format!("ERROR {missing}: cannot read: ")), "{}", lines[1]);
}

#[test]
fn no_files_is_a_usage_error() {
    let out = run(&["parse"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("<FILE>"), "{}", out.stderr);
}

#[test]
fn unknown_option_and_no_command_are_usage_errors() {
    assert_eq!(run(&["parse", "--frobnicate", "x.json"]).code, 2);
    assert_eq!(run(&[]).code, 2);
    assert_eq!(run(&["nonsense"]).code, 2);
}

#[test]
fn help_and_version_go_to_stdout() {
    for args in [&["--help"][..], &["parse", "--help"], &["help", "parse"]] {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("bluebutton parse"), "{args:?}: no example in {}", out.stdout);
    }
    let out = run(&["--version"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.trim(), format!("bluebutton {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn non_json_file_is_an_error_line() {
    let file = TempFile::new("not-json.json", b"this is not JSON\n");
    let out = run(&["parse", file.path()]);
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("ERROR {}: $: ", file.path())), "{}", lines[0]);
}

#[test]
fn empty_input_is_an_error_line() {
    let out = run_with_stdin(&["parse", "-"], b"");
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("ERROR -: $: "), "{}", out.stdout);
}

const UNKNOWN_PROPERTY: &[u8] =
    br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"},{"family":"Roe","nickname":"R"}]}"#;

#[test]
fn unknown_property_is_an_error_when_strict() {
    let file = TempFile::new("unknown.json", UNKNOWN_PROPERTY);
    let out = run(&["parse", file.path()]);
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let prefix = format!("ERROR {}: name[1].nickname: ", file.path());
    assert!(lines[0].starts_with(&prefix), "{:?} does not start with {prefix:?}", lines[0]);
}

#[test]
fn unknown_property_is_a_warning_when_lenient() {
    let file = TempFile::new("unknown.json", UNKNOWN_PROPERTY);
    for args in [&["parse", "--lenient"][..], &["parse", "--lenient", "--roundtrip"]] {
        let mut args = args.to_vec();
        args.push(file.path());
        let out = run(&args);
        assert_eq!(
            out.lines(),
            vec![
                format!("OK {}", file.path()),
                format!("WARNING {}: name[1].nickname: unknown property kept", file.path())
            ],
            "{args:?}"
        );
        assert_eq!(out.code, 0, "{args:?}");
    }
}

#[test]
fn dash_twice_reads_stdin_once() {
    let out = run_with_stdin(&["parse", "-", "-"], br#"{"resourceType":"Patient","id":"p1"}"#);
    assert_eq!(out.lines(), vec!["OK -", "OK -"]);
    assert_eq!(out.code, 0);
}

#[test]
fn the_binary_end_to_end() {
    let Some(data) = data("the_binary_end_to_end") else {
        return;
    };
    let good = path_str(&data.join("samples/v1-normalized/eobReadPde.json"));
    let bad = path_str(&data.join("samples/v1/eobReadPde.json"));
    let stdin = std::fs::read(data.join("samples/v1-normalized/coverageRead.json")).expect("read sample");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bluebutton"))
        .args(["parse", "--roundtrip", &good, "-", &bad])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the bluebutton binary");
    child.stdin.take().expect("piped stdin").write_all(&gzip(&stdin)).expect("write stdin");
    let output = child.wait_with_output().expect("wait for the bluebutton binary");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(output.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], format!("OK {good}"));
    assert_eq!(lines[1], "OK -");
    assert!(lines[2].starts_with(&format!("ERROR {bad}: meta.lastUpdated: ")), "{}", lines[2]);

    let output = Command::new(env!("CARGO_BIN_EXE_bluebutton")).arg("parse").output().expect("run the binary");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
