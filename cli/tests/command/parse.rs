//! `bluebutton parse` on the real Blue Button data in `../shared/data` and on small made-up
//! inputs. Tests that need `../shared` print a notice and skip where it is absent.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{gzip, json_files, path_str, run, run_with_stdin, shared_data as data, TempFile};

#[test]
fn roundtrip_all_normalized_samples_and_the_ig_example() {
    let Some(data) = data("roundtrip_all_normalized_samples_and_the_ig_example") else {
        return;
    };
    let mut files = json_files(&data.join("samples/v1-normalized"));
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

/// The members of one line of `--format json` output.
fn json_members(line: &str) -> Vec<(String, String)> {
    let value: bluebutton::json::Value<'_> = bluebutton::json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let bluebutton::json::Value::Object(members) = value else { panic!("not an object: {line}") };
    members
        .into_iter()
        .map(|(k, v)| {
            let mut w = bluebutton::json::Writer::compact();
            v.write(&mut w);
            (k.into_owned(), w.into_string())
        })
        .collect()
}

#[test]
fn json_output_is_one_object_per_input() {
    let good = TempFile::new("good.json", UNKNOWN_PROPERTY);
    let bad = TempFile::new("bad.json", b"{\"resourceType\":\"Patient\",\n\"birthDate\":\"1970-13\"}");
    let missing = format!("{}.missing", good.path());
    let out = run(&["parse", "--format", "json", "--lenient", "--roundtrip", good.path(), bad.path(), &missing]);
    assert_eq!(out.code, 2);
    let lines = out.lines();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    let quoted = |s: &str| format!("{s:?}");
    let expected = |file: &str, ok: &str, error: &str, unknown: &str| {
        vec![
            ("file".to_string(), quoted(file)),
            ("ok".to_string(), ok.to_string()),
            ("error".to_string(), error.to_string()),
            ("roundtrip".to_string(), "null".to_string()),
            ("unknown".to_string(), unknown.to_string()),
        ]
    };
    assert_eq!(json_members(lines[0]), expected(good.path(), "true", "null", r#"["name[1].nickname"]"#));
    assert_eq!(
        json_members(lines[1]),
        expected(
            bad.path(),
            "false",
            r#"{"path":"birthDate","message":"invalid date \"1970-13\": expected a date: YYYY, YYYY-MM or YYYY-MM-DD: month 13 out of range (01-12)","line":2,"column":13}"#,
            "[]"
        )
    );
    let unreadable = json_members(lines[2]);
    assert_eq!(unreadable[1], ("ok".to_string(), "false".to_string()));
    assert!(unreadable[2].1.starts_with(r#"{"path":null,"message":"cannot read: "#), "{}", lines[2]);

    // The same outcomes as text.
    let text = run(&["parse", "--lenient", "--roundtrip", good.path(), bad.path(), &missing]);
    assert_eq!(text.code, 2);
    assert_eq!(text.lines()[0], format!("OK {}", good.path()));
    assert!(
        text.lines()[2].starts_with(&format!("ERROR {}: birthDate: invalid date \"1970-13\"", bad.path())),
        "{}",
        text.stdout
    );
}
