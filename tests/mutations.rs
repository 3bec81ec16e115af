//! Mutation suite for the validator: every kind of mutation in `mutations/kinds.rs`, applied at
//! the applicable sites of every file of `../shared/data/samples/v1-normalized/` and
//! `../shared/data/samples/history-normalized/*/` (five server versions), must be
//! reported as an error (target `served`) whose location is the mutated site; the unmutated
//! files must have no error.
//!
//! Sites come from walking each sample with the project's definitions, so no cardinality, type
//! or binding is written here: `mutations/schema.rs` reads the IR the model is generated from
//! (base STU3 types, cardinalities, required bindings); `mutations/profile.rs` reads the
//! validator's own tables for the profile each resource is checked against, with the served
//! errata applied (served min >= 1 and max 0; an element whose violation is a documented server
//! deviation is a warning, so it is no site for "drop a required element"). Documents are
//! mutated as `json::Value` trees (exact number text, member order kept) and written back with
//! the model's writer.
//!
//! By default at most `CAP` sites per kind and file are tried, chosen deterministically (fixed
//! seed); `BLUEBUTTON_MUTATIONS=all` tries every site (use `--release`):
//!
//! ```sh
//! cargo test --test mutations -- --nocapture
//! BLUEBUTTON_MUTATIONS=all cargo test --release --test mutations -- --nocapture
//! BLUEBUTTON_MUTATIONS_LIST=drop-required cargo test --test mutations -- --nocapture  # its sites
//! ```
mod samples;

#[path = "mutations/kinds.rs"]
mod kinds;
#[path = "mutations/profile.rs"]
mod profile;
#[path = "mutations/schema.rs"]
mod schema;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use bluebutton::json;
use bluebutton::{validate_json, Severity, Target};

use kinds::{Ctx, Json, Mutant, MutationKind};
use profile::Profiles;
use schema::{Schema, Walk};

/// Sites tried per kind and file unless `BLUEBUTTON_MUTATIONS=all`.
const CAP: usize = 32;
/// The seed of the site sample.
const SEED: u64 = 0x6275_6c75_6562_7574;

/// A deterministic choice of at most `cap` of `n` indexes (sorted), from `seed` and `salt`.
fn sample(n: usize, cap: usize, salt: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if n <= cap {
        return idx;
    }
    // FNV-1a of the salt, then splitmix64.
    let mut state =
        salt.bytes().fold(SEED ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in 0..cap {
        let j = i + (next() % (n - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(cap);
    idx.sort_unstable();
    idx
}

struct Case<'k> {
    kind: usize,
    kind_name: &'k str,
    file: usize,
    mutant: Mutant,
}

#[derive(Default, Clone)]
struct Tally {
    sites: usize,
    tried: usize,
    detected: usize,
}

/// The error-level findings of `input` under *served*, as `(location, "rule: message")`; `Err`
/// with the parse error when `validate_json` finds no JSON at all.
fn errors_of(input: &[u8]) -> Result<Vec<(String, String)>, json::Error> {
    let report = validate_json(input, Target::Served)?;
    Ok(report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.location.clone(), format!("{}: {}", f.rule, f.message)))
        .collect())
}

/// Whether the validator reported the mutant where it must; what it reported, for a miss.
fn judge(mutant: &Mutant, baseline: &[String], outcome: Result<Vec<(String, String)>, json::Error>) -> (bool, String) {
    match outcome {
        Ok(found) => {
            let new: Vec<&(String, String)> = found.iter().filter(|(l, _)| !baseline.contains(l)).collect();
            let hit = !mutant.not_json && new.iter().any(|(l, _)| *l == mutant.expected);
            let shown: Vec<String> = new.iter().take(6).map(|(l, m)| format!("{l} ({m})")).collect();
            (hit, format!("{} new errors: {}", new.len(), shown.join("; ")))
        }
        Err(e) => {
            // Not JSON (invalid UTF-8): the parse error must name the site.
            let root = mutant.expected.split(['.', '[']).next().unwrap_or_default();
            let at = format!("{root}.{}", e.path());
            (mutant.not_json && at == mutant.expected, format!("not JSON: {e}"))
        }
    }
}

/// The served profile's rules for each object of a walk.
fn served_rules(profiles: &Profiles, doc: &Json, walk: &Walk) -> Vec<Option<Vec<profile::Rule>>> {
    let mut roots = std::collections::HashMap::new();
    walk.objects
        .iter()
        .map(|o| {
            let root = *roots
                .entry(o.resource_path.clone())
                .or_insert_with(|| profiles.root_for(kinds::at(doc, &o.resource_path)));
            let node = profiles.node_at(root?, doc, &o.resource_path, &o.path)?;
            Some(profiles.rules(node))
        })
        .collect()
}

#[test]
fn every_mutant_is_an_error_at_its_site() {
    // Every recorded server version: the current one and the four older ones.
    let files = samples::all_recorded();
    if files.is_empty() {
        return;
    }
    let exhaustive = std::env::var("BLUEBUTTON_MUTATIONS").is_ok_and(|v| v == "all");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = Schema::load(root);
    let profiles = Profiles::load(root);
    let kinds: Vec<MutationKind> = kinds::all();
    // `BLUEBUTTON_MUTATIONS_LIST=<kind>` prints every site of that kind (for review).
    let list = std::env::var("BLUEBUTTON_MUTATIONS_LIST").ok();

    // The unmutated files, as read and as this suite writes them, have no error. (Checked at
    // the end, after the mutants; meanwhile an error the file has already does not count as
    // detecting a mutant.)
    let mut docs: Vec<(String, Json)> = Vec::new();
    let mut baseline: Vec<Vec<String>> = Vec::new();
    let mut baseline_errors = Vec::new();
    for (name, bytes) in &files {
        let doc: Json = json::from_slice::<json::Value<'_>>(bytes).unwrap().into_owned();
        let written = json::ToJson::to_json_string(&doc);
        let mut errors: Vec<String> =
            errors_of(bytes).unwrap_or_else(|e| panic!("{name}: {e}")).into_iter().map(|e| e.0).collect();
        let written_errors = errors_of(written.as_bytes()).unwrap_or_else(|e| panic!("{name} (written): {e}"));
        errors.extend(written_errors.into_iter().map(|e| e.0));
        errors.sort();
        errors.dedup();
        if !errors.is_empty() {
            baseline_errors.push(format!("{name}: {errors:?}"));
        }
        baseline.push(errors);
        docs.push((name.clone(), doc));
    }

    // Every site of every kind, then the sample tried.
    let mut tallies = vec![Tally::default(); kinds.len()];
    let mut cases = Vec::new();
    for (f, (name, doc)) in docs.iter().enumerate() {
        let walk = schema.walk(doc);
        let cx = Ctx { schema: &schema, doc, walk: &walk, rules: served_rules(&profiles, doc, &walk) };
        for (k, kind) in kinds.iter().enumerate() {
            let mutants = (kind.sites)(&cx);
            if list.as_deref() == Some(kind.name) {
                for m in &mutants {
                    println!("{name}\t{}\t{:.200}", m.expected, format!("{:?}", m.op));
                }
            }
            tallies[k].sites += mutants.len();
            let chosen = if exhaustive {
                (0..mutants.len()).collect()
            } else {
                sample(mutants.len(), CAP, &format!("{}/{name}", kind.name))
            };
            for i in chosen {
                cases.push(Case { kind: k, kind_name: kind.name, file: f, mutant: mutants[i].clone() });
            }
        }
    }

    // Run them on all cores.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, bool, String)>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let (name, doc) = &docs[case.file];
                let input = kinds::apply(doc, &case.mutant.op);
                let (ok, found) = judge(&case.mutant, &baseline[case.file], errors_of(&input));
                let note = if ok {
                    String::new()
                } else {
                    format!(
                        "{} {name}: expected an error at {}; {found}\n    mutation: {:.300}",
                        case.kind_name,
                        case.mutant.expected,
                        format!("{:?}", case.mutant.op)
                    )
                };
                results.lock().unwrap().push((case.kind, ok, note));
            });
        }
    });

    let mut misses = Vec::new();
    for (k, ok, note) in results.into_inner().unwrap() {
        tallies[k].tried += 1;
        if ok {
            tallies[k].detected += 1;
        } else {
            misses.push(note);
        }
    }
    misses.sort();

    let mut table = String::new();
    let (mut tried, mut detected, mut sites) = (0, 0, 0);
    writeln!(table, "{:<30} {:>7} {:>7} {:>9} {:>8}", "mutation", "sites", "tried", "detected", "rate").unwrap();
    for (kind, t) in kinds.iter().zip(&tallies) {
        let rate =
            if t.tried == 0 { "-".to_string() } else { format!("{:.1}%", 100.0 * t.detected as f64 / t.tried as f64) };
        writeln!(table, "{:<30} {:>7} {:>7} {:>9} {:>8}", kind.name, t.sites, t.tried, t.detected, rate).unwrap();
        tried += t.tried;
        detected += t.detected;
        sites += t.sites;
    }
    writeln!(
        table,
        "{:<30} {:>7} {:>7} {:>9} {:>7.1}%",
        "all",
        sites,
        tried,
        detected,
        100.0 * detected as f64 / tried.max(1) as f64
    )
    .unwrap();
    let mode = if exhaustive { "every site".to_string() } else { format!("at most {CAP} sites per kind and file") };
    println!("mutation suite: {} files, {} kinds, {mode}\n{table}", docs.len(), kinds.len());
    for kind in &kinds {
        println!("  {:<28} {}", kind.name, kind.what);
    }
    assert!(tried > 1000, "only {tried} mutants");
    // A few misses of each kind.
    let mut shown = Vec::new();
    for kind in &kinds {
        let of_kind: Vec<&String> = misses.iter().filter(|m| m.split(' ').next() == Some(kind.name)).collect();
        shown.extend(of_kind.iter().take(4).map(|m| m.to_string()));
        if of_kind.len() > 4 {
            shown.push(format!("{} ... and {} more", kind.name, of_kind.len() - 4));
        }
    }
    assert!(misses.is_empty(), "{} of {tried} mutants not reported at their site:\n{}", misses.len(), shown.join("\n"));
    assert!(baseline_errors.is_empty(), "the unmutated samples have errors:\n{}", baseline_errors.join("\n"));
}
