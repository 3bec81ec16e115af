//! NDJSON (one resource per line, as bulk exports deliver them) goes through `summary`,
//! `validate`, `parse --roundtrip` and `fields` exactly as the same resources in a Bundle:
//! the same sums, the same findings per resource, the same fields; plain, gzip-compressed or on
//! standard input. A bad line is reported by its line number and the others are read.

use std::collections::BTreeMap;

use crate::support::{came_from, cut_gzip, gzip, run, run_with_stdin, shared_data, TempFile};
use bluebutton::json::{self, ToJson, Value};

/// The recorded searchset Bundles with several entries: (name, Bundle bytes).
fn recorded_bundles(test: &str) -> Vec<Named> {
    let Some(data) = shared_data(test) else { return Vec::new() };
    let dir = data.join("samples/v1-normalized");
    let mut out = Vec::new();
    for name in ["eobByPatientIdAll.json", "eobByPatientIdAllWithSamhsa.json", "coverageSearchByPatientId.json"] {
        out.push((name.to_string(), std::fs::read(dir.join(name)).unwrap()));
    }
    out
}

/// A file's name and its bytes.
type Named = (String, Vec<u8>);

/// The recorded Bundles ([`recorded_bundles`]) and their resources as one NDJSON text; `None`
/// without `../shared/data`.
fn recorded_ndjson(test: &str) -> Option<(Vec<Named>, String)> {
    let bundles = recorded_bundles(test);
    let ndjson = bundles.iter().map(|(_, bundle)| ndjson_of(bundle)).collect();
    (!bundles.is_empty()).then_some((bundles, ndjson))
}

/// The resources of a Bundle's entries as compact JSON lines, written through the generic JSON
/// tree (not the typed model, not the NDJSON writer).
fn ndjson_of(bundle: &[u8]) -> String {
    let tree: Value = json::from_slice(bundle).unwrap();
    let Value::Object(members) = tree else { panic!("a Bundle") };
    let Some((_, Value::Array(entries))) = members.into_iter().find(|(k, _)| k == "entry") else { panic!("entries") };
    let mut out = String::new();
    for entry in entries {
        let Value::Object(m) = entry else { panic!("an entry") };
        let (_, resource) = m.into_iter().find(|(k, _)| k == "resource").expect("a resource");
        out.push_str(&resource.to_json_string());
        out.push('\n');
    }
    out
}

/// `summary --format json` without its list of inputs (which names them).
fn sums(out: &str) -> String {
    let tree: Value = json::from_str(out).unwrap();
    let Value::Object(members) = tree else { panic!("an object") };
    let kept: Vec<String> =
        members.iter().filter(|(k, _)| k != "inputs").map(|(k, v)| format!("{k}: {}", v.to_json_string())).collect();
    kept.join("\n")
}

/// [`sums`] without its `errors` line: what an input that broke off or failed its checksum
/// still summed.
fn sums_without_errors(out: &str) -> String {
    sums(out).lines().filter(|l| !l.starts_with("errors:")).collect::<Vec<_>>().join("\n")
}

#[test]
fn summary_sums_ndjson_as_the_bundle() {
    for (name, bundle) in recorded_bundles("summary_sums_ndjson_as_the_bundle") {
        let ndjson = ndjson_of(&bundle);
        let bundle_file = TempFile::new(&name, &bundle);
        let plain = TempFile::new("export.ndjson", ndjson.as_bytes());
        let compressed = TempFile::new("export.ndjson.gz", &gzip(ndjson.as_bytes()));
        let expected = run(&["summary", "--format", "json", bundle_file.path()]);
        assert_eq!(expected.code, 0, "{name}: {}", expected.stderr);
        for (how, out) in [
            ("file", run(&["summary", "--format", "json", plain.path()])),
            ("gzip", run(&["summary", "--format", "json", compressed.path()])),
            ("stdin", run_with_stdin(&["summary", "--format", "json", "-"], ndjson.as_bytes())),
            ("one thread", run(&["summary", "--format", "json", "--threads", "1", plain.path()])),
        ] {
            assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{name}, {how}");
            assert_eq!(sums(&out.stdout), sums(&expected.stdout), "{name}, {how}");
            assert!(out.stdout.contains("\"kind\": \"ndjson\""), "{name}, {how}: {}", out.stdout);
        }
        let text = run(&["summary", plain.path()]);
        let lines = ndjson.lines().count();
        assert!(text.stdout.starts_with(&format!("{}: NDJSON, {lines} resources", plain.path())), "{}", text.stdout);
    }
}

/// The finding lines of `validate`'s text output, by resource: for a Bundle, those located in
/// `Bundle.entry[i].resource` (relocated to the resource); for NDJSON, those under line `i + 1`.
/// The checks reported once per document are under `usize::MAX`.
fn findings_by_resource(out: &str, ndjson: bool) -> BTreeMap<usize, Vec<String>> {
    let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in out.lines() {
        if let Some(finding) = line.strip_prefix("  ") {
            if ndjson {
                found.entry(current.expect("a finding after its summary line")).or_default().push(finding.to_string());
                continue;
            }
            // `<severity> [<rule>] Bundle.entry[i].resource.<rest>`: the resource's own location.
            let Some(at) = finding.find(" Bundle.entry[") else { continue };
            let rest = &finding[at + " Bundle.entry[".len()..];
            let close = rest.find(']').unwrap();
            let index: usize = rest[..close].parse().unwrap();
            let Some(inner) = rest[close..].strip_prefix("].resource") else { continue };
            found.entry(index).or_default().push(format!("{} <resource>{inner}", &finding[..at]));
        } else if ndjson {
            let (head, _) = line.split_once(": ").unwrap();
            let number: usize = head.rsplit(':').next().unwrap().parse().unwrap();
            current = Some(number - 1);
            found.entry(number - 1).or_default();
        }
    }
    if ndjson {
        // `<severity> [<rule>] <ResourceType>.<rest>` the same way.
        for findings in found.values_mut() {
            for f in findings.iter_mut() {
                let at = f.find("] ").map_or(0, |i| i + 2);
                let dot = f[at..].find(['.', ':']).map_or(f.len(), |i| at + i);
                *f = format!("{}<resource>{}", &f[..at], &f[dot..]);
            }
        }
    }
    // Checks listed once per document for all their occurrences (not evaluated here, a value
    // set not available): a Bundle lists each once, NDJSON once per line. Compared by what they
    // say, wherever they are.
    let mut once: Vec<String> = Vec::new();
    for findings in found.values_mut() {
        findings.retain(|f| {
            if !(f.contains("[not-evaluated]") || f.contains("[code-system-unknown]")) {
                return true;
            }
            let said = f.split_once(": ").map_or(f.as_str(), |(_, message)| message);
            once.push(said.split(" (").next().unwrap_or(said).to_string());
            false
        });
    }
    once.sort();
    once.dedup();
    found.insert(usize::MAX, once);
    found.retain(|_, v| !v.is_empty());
    found.values_mut().for_each(|v| v.sort());
    found
}

#[test]
fn validate_finds_in_each_line_what_it_finds_in_each_entry() {
    for (name, bundle) in recorded_bundles("validate_finds_in_each_line_what_it_finds_in_each_entry") {
        let ndjson = ndjson_of(&bundle);
        let bundle_file = TempFile::new(&name, &bundle);
        let plain = TempFile::new("export.ndjson", ndjson.as_bytes());
        let from_bundle = run(&["validate", bundle_file.path()]);
        let from_ndjson = run(&["validate", plain.path()]);
        assert_eq!((from_bundle.code, from_ndjson.code), (0, 0), "{name}: {}", from_ndjson.stdout);
        let headers: Vec<&str> = from_ndjson.stdout.lines().filter(|l| !l.starts_with("  ")).collect();
        assert_eq!(headers.len(), ndjson.lines().count(), "{name}: one report per line");
        for (i, header) in headers.iter().enumerate() {
            assert!(header.starts_with(&format!("{}:{}: VALID ", plain.path(), i + 1)), "{name}: {header}");
        }
        let expected = findings_by_resource(&from_bundle.stdout, false);
        assert!(!expected.is_empty(), "{name}: the entries have findings to compare");
        assert_eq!(findings_by_resource(&from_ndjson.stdout, true), expected, "{name}");
        // JSON: one OperationOutcome per line.
        let json = run(&["validate", "--format", "json", plain.path()]);
        assert_eq!(json.stdout.lines().count(), ndjson.lines().count(), "{name}");
    }
}

#[test]
fn parse_and_fields_read_each_line() {
    for (name, bundle) in recorded_bundles("parse_and_fields_read_each_line") {
        let ndjson = ndjson_of(&bundle);
        let bundle_file = TempFile::new(&name, &bundle);
        let plain = TempFile::new("export.ndjson", ndjson.as_bytes());
        let parsed = run(&["parse", "--roundtrip", plain.path()]);
        assert_eq!(parsed.code, 0, "{name}: {}", parsed.stdout);
        let expected: Vec<String> = (1..=ndjson.lines().count()).map(|n| format!("OK {}:{n}", plain.path())).collect();
        assert_eq!(parsed.lines(), expected, "{name}");
        // The same fields, but for the file column (`<file>:<line>` in NDJSON).
        let rows = |out: &str| -> Vec<String> {
            let mut rows: Vec<String> = out.lines().map(|l| l.split_once('\t').unwrap().1.to_string()).collect();
            rows.sort();
            rows
        };
        let from_bundle = run(&["fields", bundle_file.path()]);
        let from_ndjson = run(&["fields", plain.path()]);
        assert_eq!(from_ndjson.code, from_bundle.code, "{name}");
        assert!(!from_bundle.stdout.is_empty());
        assert_eq!(rows(&from_ndjson.stdout), rows(&from_bundle.stdout), "{name}");
        assert!(from_ndjson.stdout.lines().all(|l| l.starts_with(&format!("{}:", plain.path()))));
    }
}

#[test]
fn a_bad_line_is_reported_by_its_number_and_the_others_are_read() {
    let Some((_, bundle)) = recorded_bundles("a_bad_line_is_reported_by_its_number_and_the_others_are_read").pop()
    else {
        return;
    };
    let mut lines: Vec<String> = ndjson_of(&bundle).lines().map(str::to_string).collect();
    let n = lines.len();
    lines.insert(1, "{\"resourceType\": \"Coverage\", \"status\": 7}".to_string());
    let file = TempFile::new("bad.ndjson", (lines.join("\n") + "\n").as_bytes());
    let parsed = run(&["parse", file.path()]);
    assert_eq!(parsed.code, 1);
    assert_eq!(parsed.lines().len(), n + 1);
    assert!(
        parsed.lines()[1].starts_with(&format!("ERROR {}:2: status: expected a string", file.path())),
        "{}",
        parsed.stdout
    );
    let summary = run(&["summary", file.path()]);
    assert_eq!(summary.code, 1);
    assert!(summary.stderr.contains("status: expected a string"), "{}", summary.stderr);
    assert!(summary.stderr.contains("(line 2, column "), "{}", summary.stderr);
    assert!(summary.stdout.contains(&format!("NDJSON, {} resources, 1 unreadable", n + 1)), "{}", summary.stdout);
    let validated = run(&["validate", file.path()]);
    assert_eq!(validated.code, 1);
    assert!(validated.stdout.contains(&format!("{}:2: INVALID Coverage", file.path())), "{}", validated.stdout);
    assert_eq!(validated.stdout.lines().filter(|l| l.contains(": VALID ")).count(), n);
}

#[test]
fn generate_writes_ndjson_that_every_command_reads() {
    let out = TempFile::reserve("generated.ndjson.gz");
    let generated = run(&["generate", "--seed", "3", "--patients", "3", "--format", "ndjson", "--out", out.path()]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let bundle = run(&["generate", "--seed", "3", "--patients", "3"]);
    let bundle_file = TempFile::new("generated.json", bundle.stdout.as_bytes());
    let from_ndjson = run(&["summary", "--format", "json", out.path()]);
    let from_bundle = run(&["summary", "--format", "json", bundle_file.path()]);
    assert_eq!(sums(&from_ndjson.stdout), sums(&from_bundle.stdout));
    let validated = run(&["validate", out.path()]);
    assert_eq!(validated.code, 0, "{}", validated.stdout);
}

#[test]
fn validate_gives_the_same_report_on_any_number_of_threads() {
    // About 3 MB of generated NDJSON (the window's lines are shared by the threads in pieces of
    // 64 KiB or more), with a blank line, a line that is not JSON and an invalid resource.
    let generated = run(&["generate", "--seed", "11", "--patients", "12", "--format", "ndjson"]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let mut lines: Vec<&str> = generated.stdout.lines().collect();
    let n = lines.len();
    assert!(generated.stdout.len() > 2 << 20 && n > 100, "{} bytes, {n} lines", generated.stdout.len());
    lines.insert(n / 3, "");
    lines.insert(n / 2, "{\"resourceType\": \"Coverage\", \"status\": 7}");
    lines.insert(2 * n / 3, "{\"resourceType\": \"Patient\",");
    let file = TempFile::new("threads.ndjson", (lines.join("\r\n") + "\r\n").as_bytes());
    for format in ["text", "json"] {
        let one = run(&["validate", "--threads", "1", "--format", format, file.path()]);
        assert_eq!(one.code, 2, "{}", one.stderr);
        assert_eq!(
            one.stdout.lines().filter(|l| l.contains(": INVALID Coverage")).count(),
            usize::from(format == "text")
        );
        for threads in ["2", "3", "0"] {
            let many = run(&["validate", "--threads", threads, "--format", format, file.path()]);
            assert_eq!(many.code, one.code, "{format}, {threads} threads");
            assert!(many.stdout == one.stdout, "{format}, {threads} threads: the reports differ");
            assert_eq!(many.stderr, one.stderr, "{format}, {threads} threads");
        }
    }
}

/// A gzip file whose data is whole but whose checksum (CRC-32 in its trailer) does not match
/// what it decompresses to: every line is read and summed, and the mismatch is an error naming
/// the file; the exit status says that an input could not be read.
#[test]
fn a_gzip_file_whose_checksum_does_not_match_is_an_error() {
    let Some((_, ndjson)) = recorded_ndjson("a_gzip_file_whose_checksum_does_not_match_is_an_error") else { return };
    let mut compressed = gzip(ndjson.as_bytes());
    let whole = TempFile::new("whole.ndjson.gz", &compressed);
    let expected = run(&["summary", "--format", "json", whole.path()]);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    let crc = compressed.len() - 8;
    compressed[crc] ^= 0xff;
    let file = TempFile::new("bad-checksum.ndjson.gz", &compressed);
    let error = format!(
        "ERROR {}: cannot read: invalid gzip data: corrupt gzip stream does not have a matching checksum",
        file.path()
    );
    for threads in ["1", "2"] {
        let out = run(&["summary", "--format", "json", "--threads", threads, file.path()]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(&error), "{}", out.stderr);
        assert_eq!(sums_without_errors(&out.stdout), sums_without_errors(&expected.stdout), "{threads} thread(s)");
    }
}

/// A bulk export whose download stopped (its gzip file cut off): the lines that came whole are
/// summed, validated and exported as the same lines alone would be, and the break is an error
/// naming the line it cut off; the exit status says that an input could not be read.
#[test]
fn a_truncated_gzip_file_is_read_up_to_the_line_it_breaks_off() {
    let Some((bundles, ndjson)) = recorded_ndjson("a_truncated_gzip_file_is_read_up_to_the_line_it_breaks_off") else {
        return;
    };
    let (cut, whole_lines) = cut_gzip(&ndjson, |len| len * 2 / 3);
    let complete = whole_lines.len();
    assert!(complete >= 3 && complete < ndjson.lines().count(), "{complete} lines came whole");
    let file = TempFile::new("cut.ndjson.gz", &cut);
    let lines = TempFile::new("lines.ndjson", (whole_lines.join("\n") + "\n").as_bytes());
    let broken_at = format!("line {}", complete + 1);

    let expected = run(&["summary", "--format", "json", lines.path()]);
    for threads in ["1", "2"] {
        let out = run(&["summary", "--format", "json", "--threads", threads, file.path()]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert_eq!(sums_without_errors(&out.stdout), sums_without_errors(&expected.stdout), "{threads} thread(s)");
        let sums_read = sums(&out.stdout);
        let errors = sums_read.lines().find(|l| l.starts_with("errors:")).unwrap();
        assert!(errors.contains(&format!("\"line\":{}", complete + 1)), "{errors}");
        assert!(errors.contains("\"failed\":\"io\"") && errors.contains("invalid gzip data"), "{errors}");
        assert!(out.stderr.contains(&format!("({broken_at}, column 1)")), "{}", out.stderr);
    }

    let out = run(&["validate", file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stdout.lines().filter(|l| !l.starts_with("  ")).count(), complete, "{}", out.stdout);
    let error = format!("ERROR {}:{}: cannot read: I/O error: invalid gzip data", file.path(), complete + 1);
    assert!(out.stderr.contains(&error), "{}", out.stderr);

    // The same claims as a Bundle, cut off: validated as one document, which cannot be read
    // whole, the error says how far the input came; the findings of the entries read before
    // the break are printed, under a line that says the document was not read whole.
    let bundle = gzip(&bundles[0].1);
    let cut_bundle = &bundle[..bundle.len() * 2 / 3];
    let bundle_file = TempFile::new("cut.json.gz", cut_bundle);
    let out = run(&["validate", bundle_file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let came = came_from(cut_bundle).len();
    let message = format!("cannot read: invalid gzip data: incomplete deflate stream (after {came} bytes)");
    assert!(out.stderr.contains(&format!("ERROR {}: {message}", bundle_file.path())), "{}", out.stderr);
    let (summary, findings) = out.stdout.split_once('\n').unwrap();
    let counted = format!(
        "{}: NOT READ WHOLE Bundle (http://hl7.org/fhir/StructureDefinition/Bundle, served): ",
        bundle_file.path()
    );
    assert!(summary.starts_with(&counted) && summary.ends_with(" before it could not be read on"), "{summary}");
    let counts: Vec<usize> =
        summary[counted.len()..].split(", ").map(|c| c.split(' ').next().unwrap().parse().unwrap()).collect();
    let lines: Vec<&str> = findings.lines().collect();
    assert!(lines.len() > 10 && counts.iter().sum::<usize>() == lines.len(), "{summary}: {} lines", lines.len());
    // Entries of the first part only: the break fell before the last entry.
    let last_entry = bundles[0].1.windows(10).filter(|w| w == b"\"resource\"").count() - 1;
    assert!(lines.iter().all(|l| l.contains("Bundle.entry[") && !l.contains(&format!("Bundle.entry[{last_entry}]"))));
    // In JSON, the same findings as issues, then the fatal one.
    let out = run(&["validate", "--format", "json", bundle_file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let outcome: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let issues = outcome["issue"].as_array().unwrap();
    assert_eq!(issues.len(), lines.len() + 1);
    assert_eq!(issues[lines.len()]["severity"], "fatal");
    assert_eq!(issues[lines.len()]["diagnostics"], message.as_str());

    let out = run(&["parse", file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.contains(&format!("OK {}:{complete}", file.path())), "{}", out.stdout);
    let error = format!("ERROR {}: cannot read: {broken_at}: $: I/O error: invalid gzip data", file.path());
    assert!(out.stdout.contains(&error), "{}", out.stdout);
}
