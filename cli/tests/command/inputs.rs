//! Every command that reads (`parse`, `fields`, `summary`, `validate`) reads a file, standard
//! input (`-`) and gzip-compressed data alike, and reports an input it cannot use as one
//! `ERROR <file>: ...` line, without panicking: a missing file, a directory, bytes that are not
//! JSON, JSON that is not a resource, truncated or broken gzip data. A named pipe reads as the
//! file does.

use crate::support::{gzip, repo_root, run, run_with_stdin, Outcome, TempFile};

const READERS: [&str; 4] = ["parse", "fields", "summary", "validate"];

/// A small Bundle that every command reads (`fields` finds a URL no accessor reads in it).
fn demo() -> Vec<u8> {
    std::fs::read(repo_root().join("examples/data/demo-bundle.json")).unwrap()
}

/// Where the command writes its `ERROR` lines.
fn errors<'o>(command: &str, out: &'o Outcome) -> &'o str {
    if command == "parse" {
        &out.stdout
    } else {
        &out.stderr
    }
}

#[test]
fn a_file_gzip_and_standard_input_give_the_same_output() {
    let bytes = demo();
    let plain = TempFile::new("demo.json", &bytes);
    let compressed = TempFile::new("demo.json.gz", &gzip(&bytes));
    for command in READERS {
        let from_file = run(&[command, plain.path()]);
        assert_eq!((from_file.code, from_file.stderr.as_str()), (0, ""), "{command}: {}", from_file.stdout);
        assert!(!from_file.stdout.is_empty(), "{command}");
        // The same output, but for the name of the input.
        let expected = normalize(&from_file.stdout, plain.path());
        let from_gzip = run(&[command, compressed.path()]);
        let from_stdin = run_with_stdin(&[command, "-"], &bytes);
        let from_gzip_stdin = run_with_stdin(&[command, "-"], &gzip(&bytes));
        for (how, out, name) in [
            ("gzip file", &from_gzip, compressed.path()),
            ("stdin", &from_stdin, "-"),
            ("gzip stdin", &from_gzip_stdin, "-"),
        ] {
            assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{command}, {how}");
            assert!(normalize(&out.stdout, name) == expected, "{command}, {how}: not the output of the file");
        }
    }
}

/// A pipe named by its path (`<(zcat claims.json.gz)` in a shell) cannot be read again from
/// its start, as a file is to tell what it holds: it is read as a stream, with the file's output.
#[cfg(target_os = "linux")]
#[test]
fn a_named_pipe_reads_as_the_file_does() {
    let bytes = demo();
    let plain = TempFile::new("demo.json", &bytes);
    for command in READERS {
        let expected = normalize(&run(&[command, plain.path()]).stdout, plain.path());
        let fifo = TempFile::reserve("demo.fifo");
        let made = std::process::Command::new("mkfifo").arg(fifo.path()).status().expect("run mkfifo");
        assert!(made.success(), "mkfifo {}", fifo.path());
        let writer = {
            let (path, bytes) = (fifo.path().to_string(), bytes.clone());
            std::thread::spawn(move || write_into_pipe(&path, &bytes))
        };
        let out = run(&[command, fifo.path()]);
        writer.join().unwrap();
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{command}: {}", out.stdout);
        assert!(normalize(&out.stdout, fifo.path()) == expected, "{command}: not the output of the file");
    }
}

/// Writes `bytes` into the named pipe at `path` once a reader has opened it; gives up after 30 s
/// rather than wait for ever (non-blocking: an open with no reader fails at once, a full pipe
/// refuses a write).
#[cfg(target_os = "linux")]
fn write_into_pipe(path: &str, bytes: &[u8]) {
    use std::io::{ErrorKind, Write};
    use std::os::unix::fs::OpenOptionsExt;
    use std::time::{Duration, Instant};
    const O_NONBLOCK: i32 = 0o4000; // Linux
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut pipe = loop {
        match std::fs::OpenOptions::new().write(true).custom_flags(O_NONBLOCK).open(path) {
            Ok(pipe) => break pipe,
            Err(e) if Instant::now() < deadline => {
                assert_eq!(e.raw_os_error(), Some(6), "{e}"); // ENXIO: no reader yet
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("nothing opened the pipe to read it: {e}"),
        }
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        match pipe.write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("the pipe was not read to its end: {e}"),
        }
    }
}

/// `text` with the input's `name` at the start of its lines (`OK <name>`, `<name>: ...`,
/// `<name> TAB ...`) written `INPUT`.
fn normalize(text: &str, name: &str) -> String {
    let ok = format!("OK {name}");
    text.lines()
        .map(|line| match (line.strip_prefix(&ok), line.strip_prefix(name)) {
            (Some(rest), _) => format!("OK INPUT{rest}\n"),
            (None, Some(rest)) => format!("INPUT{rest}\n"),
            (None, None) => format!("{line}\n"),
        })
        .collect()
}

/// Runs `command` on `name` (a file, or `-` with `stdin`) and checks that it reports one error
/// line for it, naming it, with `message` in it, and exits with `code`.
fn assert_one_error(command: &str, name: &str, stdin: &[u8], code: i32, message: &str) {
    let out = run_with_stdin(&[command, name], stdin);
    let lines: Vec<&str> = errors(command, &out).lines().filter(|l| l.starts_with("ERROR ")).collect();
    assert_eq!(lines.len(), 1, "{command} {name}: {}{}", out.stdout, out.stderr);
    assert!(lines[0].starts_with(&format!("ERROR {name}: ")), "{command}: {}", lines[0]);
    assert!(lines[0].contains(message), "{command}: {:?} does not say {message:?}", lines[0]);
    assert_eq!(out.code, code, "{command} {name}: {}{}", out.stdout, out.stderr);
}

#[test]
fn missing_files_and_directories_cannot_be_read() {
    let missing = std::env::temp_dir().join(format!("bluebutton-cli-{}-missing.json", std::process::id()));
    let directory = std::env::temp_dir();
    for command in READERS {
        assert_one_error(command, missing.to_str().unwrap(), b"", 2, "cannot read: ");
        assert_one_error(command, directory.to_str().unwrap(), b"", 2, "cannot read: ");
    }
}

#[test]
fn truncated_or_broken_gzip_cannot_be_read() {
    let compressed = gzip(&demo());
    let truncated = &compressed[..compressed.len() / 2];
    let broken = b"\x1f\x8b not really gzip";
    for command in READERS {
        for (what, bytes) in [("truncated", truncated), ("broken", &broken[..])] {
            let file = TempFile::new(&format!("{what}.json.gz"), bytes);
            assert_one_error(command, file.path(), b"", 2, "cannot read: invalid gzip data: ");
            assert_one_error(command, "-", bytes, 2, "cannot read: invalid gzip data: ");
        }
    }
}

#[test]
fn bytes_that_are_not_json_are_named_by_path() {
    for (what, bytes, message) in [
        ("text", &b"hello"[..], "$: invalid JSON: expected a value, found `hello`"),
        ("cut", &b"{\"resourceType\": \"Patient\", \"name\": [{\"family\": \"x\"}"[..], "unexpected end of input"),
    ] {
        for command in READERS {
            // `validate` tells it is not JSON at all (status 2: nothing could be checked).
            let code = if command == "validate" { 2 } else { 1 };
            let file = TempFile::new(&format!("{what}.json"), bytes);
            assert_one_error(command, file.path(), b"", code, message);
            assert_one_error(command, "-", &gzip(bytes), code, message);
        }
    }
}

#[test]
fn json_that_is_not_a_resource() {
    for (bytes, message) in [
        (&br#"{"hello": 1}"#[..], "$: expected a `resourceType` property, found none"),
        (&b"[1, 2]"[..], "$: expected an object, found an array"),
    ] {
        let file = TempFile::new("not-a-resource.json", bytes);
        for command in ["parse", "fields"] {
            assert_one_error(command, file.path(), b"", 1, message);
            assert_one_error(command, "-", bytes, 1, message);
        }
        // `summary` reads such an input as a Bundle, whose members it reports one line each.
        let out = run(&["summary", file.path()]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.lines().all(|l| l.starts_with(&format!("ERROR {}: ", file.path()))), "{}", out.stderr);
        assert!(out.stderr.contains(message), "{}", out.stderr);
        // `validate` reports it as an invalid document, with the finding that says why.
        let out = run_with_stdin(&["validate", "-"], bytes);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stdout.starts_with("-: INVALID (no resourceType) (no definition, served): 1 error(s)"),
            "{}",
            out.stdout
        );
        assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    }
}
