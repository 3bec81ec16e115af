//! The Codings and CodeableConcepts already walked without a finding: the same value of the
//! same element again (the same codes come claim after claim: adjudication categories, claim
//! and line types, coded extensions) is not walked again.
//!
//! A value's walk depends only on the value and on where it stands: its element, type and
//! slice, the content deviation it is under, and whether it is in a contained resource. Its
//! effects are its findings (a note's repeats count too) and the resource's scope, which a
//! reference reads and adds to and some invariants read; the engine counts each as it happens
//! (`Engine::effects`). A value whose walk had none is kept here, encoded byte for byte with
//! where it stood (each string with whether it had escapes, as the primitives' checks tell
//! them apart): another value with the same encoding is exactly as clean, and is skipped.
//! Encodings longer than 1 KiB are neither looked up nor kept.
use std::borrow::Cow;
use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::json::Value;
use crate::validate::object::Members;

/// Where a value stands: its element, type and slice, and the content deviation above it, by
/// address (the tables are static, `0` for none), and whether it is in a contained resource.
pub(super) type Place = [usize; 5];

/// Encodings longer than this are not looked up or kept.
const VALUE_MAX: usize = 1024;
/// Bytes of encodings kept before the memo starts over. With 8 MiB, `validate --threads 1` of
/// 211 MB of generated claims (codes drawn at random, so many values looked up once and kept)
/// took 5% longer (README).
const KEPT_MAX: usize = 1 << 20;

/// Encodings of the values walked without effects, by hash.
#[derive(Default)]
pub(super) struct Memo {
    /// Hash of an encoding → where in `kept` the encoding is. Of two encodings with one hash,
    /// the first is kept (the second is walked each time): the range is in the table itself,
    /// not in a vector of its own per hash, whose reading was a second cache miss per lookup.
    seen: FxHashMap<u64, (u32, u32)>,
    kept: Vec<u8>,
    /// Counts the times the memo started over: a [`Lookup::Unseen`] of an earlier one is stale.
    generation: u32,
    /// Values found clean here (for the tests).
    #[cfg(test)]
    pub hits: usize,
}

/// What [`Memo::look`] found.
pub(super) enum Lookup {
    /// The value was walked here before without effects.
    Clean,
    /// Not seen: its encoding, kept at this place of `kept` (to be remembered if its walk has
    /// no effects).
    Unseen { hash: u64, start: u32, end: u32, generation: u32 },
    /// Too large to look up.
    Skipped,
}

impl Memo {
    /// Looks `members` up at `place`. An unseen value's encoding is kept already (at the end of
    /// the kept bytes, where [`remember`](Self::remember) finds it).
    pub fn look(&mut self, place: Place, members: &Members<'_>) -> Lookup {
        #[cfg(test)]
        if tests::OFF.load(std::sync::atomic::Ordering::Relaxed) {
            return Lookup::Skipped;
        }
        if self.kept.len() > KEPT_MAX {
            self.seen.clear();
            self.kept.clear();
            self.generation = self.generation.wrapping_add(1);
        }
        let start = self.kept.len();
        // Room for the longest encoding looked up: no growing while encoding.
        self.kept.reserve(5 * 8 + VALUE_MAX);
        let mut at = [0; 5 * 8];
        for (bytes, a) in at.chunks_exact_mut(8).zip(place) {
            bytes.copy_from_slice(&a.to_le_bytes());
        }
        self.kept.extend_from_slice(&at);
        if !encode_members(members, &mut self.kept, start + VALUE_MAX) {
            self.kept.truncate(start);
            return Lookup::Skipped;
        }
        let encoding = &self.kept[start..];
        let mut hasher = FxHasher::default();
        hasher.write(encoding);
        let hash = hasher.finish();
        let kept = &self.kept;
        if let Some(&(s, e)) = self.seen.get(&hash) {
            if &kept[s as usize..e as usize] == encoding {
                #[cfg(test)]
                {
                    tests::CLEAN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.hits += 1;
                }
                self.kept.truncate(start);
                return Lookup::Clean;
            }
        }
        Lookup::Unseen { hash, start: start as u32, end: self.kept.len() as u32, generation: self.generation }
    }

    /// Remembers a value [`look`](Self::look) did not find, once its walk had no effects.
    pub fn remember(&mut self, unseen: Lookup) {
        if let Lookup::Unseen { hash, start, end, generation } = unseen {
            if generation == self.generation {
                self.seen.entry(hash).or_insert((start, end));
            }
        }
    }
}

/// Appends the encoding of an object's members to `out`: `false` (and a partial encoding) once
/// `out` would pass `limit`. Each string keeps whether it was borrowed from the JSON text (no
/// escapes) or not, as the primitives' checks do.
fn encode_members(members: &Members<'_>, out: &mut Vec<u8>, limit: usize) -> bool {
    let [a, b, c, d] = (members.len() as u32).to_le_bytes();
    out.extend_from_slice(&[b'{', a, b, c, d]);
    for (key, value) in members {
        if !encode_text(b'k', key, escaped(key), out, limit) || !encode(value, out, limit) {
            return false;
        }
    }
    out.len() <= limit
}

fn encode(value: &Value<'_>, out: &mut Vec<u8>, limit: usize) -> bool {
    match value {
        Value::Null => out.push(b'z'),
        Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
        Value::Number(n) => return encode_text(b'n', n, escaped(n), out, limit),
        Value::String(s) => return encode_text(b's', s, escaped(s), out, limit),
        Value::Array(items) => {
            let [a, b, c, d] = (items.len() as u32).to_le_bytes();
            out.extend_from_slice(&[b'[', a, b, c, d]);
            for item in items {
                if !encode(item, out, limit) {
                    return false;
                }
            }
        }
        Value::Object(members) => return encode_members(members, out, limit),
    }
    out.len() <= limit
}

/// Whether a string was unescaped (not borrowed from the JSON text): the variant is the
/// question, so the `Cow` itself is taken.
#[allow(clippy::ptr_arg)]
fn escaped(text: &Cow<'_, str>) -> bool {
    matches!(text, Cow::Owned(_))
}

/// Appends a string: its tag (upper case for a string that had escapes), length and bytes.
fn encode_text(tag: u8, text: &str, escaped: bool, out: &mut Vec<u8>, limit: usize) -> bool {
    let len = text.len();
    if out.len() + len + 5 > limit {
        return false;
    }
    let tag = if escaped { tag.to_ascii_uppercase() } else { tag };
    let [a, b, c, d] = (len as u32).to_le_bytes();
    out.extend_from_slice(&[tag, a, b, c, d]);
    out.extend_from_slice(text.as_bytes());
    true
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::json;
    use crate::json::ToJson;
    use crate::validate::{Options, Target};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Turns the memo off (every value is walked), for the test that compares the findings
    /// with it and without it. Other tests running meanwhile only get slower.
    pub static OFF: AtomicBool = AtomicBool::new(false);
    /// Values found clean (skipped), in all engines.
    pub static CLEAN: AtomicUsize = AtomicUsize::new(0);

    fn members(text: &str) -> Vec<(std::borrow::Cow<'_, str>, Value<'_>)> {
        match json::from_str::<Value>(text).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_value_is_clean_only_once_remembered_and_only_where_it_stood() {
        let mut memo = Memo::default();
        let a = members(r#"{"system":"s","code":"c","display":"d"}"#);
        let place = [1, 2, 0, 0, 0];
        let first = memo.look(place, &a);
        assert!(matches!(first, Lookup::Unseen { .. }));
        // Not remembered (its walk had effects): still unseen.
        assert!(matches!(memo.look(place, &a), Lookup::Unseen { .. }));
        let unseen = memo.look(place, &a);
        memo.remember(unseen);
        assert!(matches!(memo.look(place, &a), Lookup::Clean));
        // Elsewhere, or with anything changed (a string, a number's text, the order, a key, an
        // escaped string), it is unseen.
        assert!(matches!(memo.look([1, 3, 0, 0, 0], &a), Lookup::Unseen { .. }));
        for other in [
            r#"{"system":"s","code":"C","display":"d"}"#,
            r#"{"code":"c","system":"s","display":"d"}"#,
            r#"{"system":"s","code":"c"}"#,
            r#"{"system":"s","code":"c","display":"d","userSelected":true}"#,
            r#"{"system":"s","cod":"c","display":"d"}"#,
            r#"{"system":"s","code":"c","display":"\u0064"}"#,
        ] {
            assert!(matches!(memo.look(place, &members(other)), Lookup::Unseen { .. }), "{other}");
        }
        let (x, y) = (members(r#"{"value":1.0}"#), members(r#"{"value":1.00}"#));
        let unseen = memo.look(place, &x);
        memo.remember(unseen);
        assert!(matches!(memo.look(place, &x), Lookup::Clean));
        assert!(matches!(memo.look(place, &y), Lookup::Unseen { .. }));
    }

    #[test]
    fn large_values_are_not_looked_up() {
        let mut memo = Memo::default();
        let text = format!(r#"{{"text":"{}"}}"#, "x".repeat(VALUE_MAX));
        let large = members(&text);
        assert!(matches!(memo.look([0; 5], &large), Lookup::Skipped));
        assert!(memo.kept.is_empty());
    }

    #[test]
    fn an_unseen_value_of_a_memo_that_started_over_is_not_remembered() {
        let mut memo = Memo::default();
        let a = members(r#"{"code":"c"}"#);
        let unseen = memo.look([0; 5], &a);
        memo.kept.resize(KEPT_MAX + 1, 0);
        let b = members(r#"{"code":"b"}"#);
        let _ = memo.look([0; 5], &b);
        memo.remember(unseen);
        assert!(memo.seen.is_empty());
    }

    /// Every finding, in order, of each way of validating `text`: whole, and streamed on one
    /// and two threads; under both targets.
    fn all_findings(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for target in [Target::Served, Target::Published] {
            let options = Options::new(target);
            match options.validate_json(text.as_bytes()) {
                Ok(report) => out.push(report.to_string()),
                Err(e) => out.push(e.to_string()),
            }
            for threads in [1, 2] {
                let options = Options { threads, ..options };
                let mut findings = Vec::new();
                let outline = options.validate_reader_with(text.as_bytes(), |f, _| findings.push(f));
                match outline {
                    Ok(outline) => {
                        outline.amend(&mut findings);
                        out.push(format!("{} findings", outline.findings()));
                    }
                    Err(e) => out.push(e.error.to_string()),
                }
                out.extend(findings.iter().map(|f| f.to_string()));
            }
        }
        out
    }

    /// `text` with every `k`-th occurrence of `from` (from the `first`) replaced by `to`.
    fn every(text: &str, from: &str, to: &str, first: usize, k: usize) -> String {
        let mut out = String::new();
        let mut rest = text;
        let mut n = 0;
        while let Some(at) = rest.find(from) {
            out.push_str(&rest[..at]);
            out.push_str(if n >= first && (n - first) % k == 0 { to } else { from });
            rest = &rest[at + from.len()..];
            n += 1;
        }
        out.push_str(rest);
        out
    }

    /// A Bundle's text with its entries three times; `None` for another resource.
    fn thrice(text: &str) -> Option<String> {
        let Ok(Value::Object(mut members)) = json::from_str::<Value>(text) else { return None };
        let (_, Value::Array(entries)) = members.iter_mut().find(|(k, _)| k == "entry")? else { return None };
        let once = entries.clone();
        entries.extend(once.iter().cloned().chain(once.iter().cloned()));
        Some(json::to_string(&Value::Object(members)))
    }

    #[test]
    fn the_findings_are_the_same_with_the_memo_and_without() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/samples");
        let mut texts: Vec<String> = Vec::new();
        if data.is_dir() {
            for folder in ["v1-normalized", "history-normalized/2020-10"] {
                let mut files: Vec<_> =
                    std::fs::read_dir(data.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
                files.sort();
                for f in files {
                    let text = std::fs::read_to_string(&f).unwrap();
                    if text.contains("\"ExplanationOfBenefit\"") || text.contains("\"Coverage\"") {
                        // Compact, as the server sends by default (and as the changes below expect).
                        texts.push(json::to_string(&json::from_str::<Value>(&text).unwrap()));
                    }
                }
            }
        } else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs ../shared/data beside the checkout");
        }
        // Generated claims of every type, several of a type in one Bundle.
        let entries: Vec<String> = (0..16)
            .map(|i| crate::synth::claim(i, crate::claim_type::ClaimType::ALL[i as usize % 8]))
            .map(|c| {
                format!("{{\"resource\":{}}}", crate::Resource::ExplanationOfBenefit(Box::new(c)).to_json_string())
            })
            .collect();
        texts
            .push(format!("{{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{}]}}", entries.join(",")));
        // Each Bundle's entries three times (a note counted at each occurrence, in codings that
        // come again).
        let repeated: Vec<String> = texts.iter().filter_map(|t| thrice(t)).collect();
        texts.extend(repeated);
        let mut inputs = Vec::new();
        for text in &texts {
            inputs.push(text.clone());
            // Some of the same codes made wrong (binding findings on some occurrences only).
            inputs.push(every(text, "\"code\":\"", "\"code\":\"zz-", 1, 3));
            // A member no Coding has, and an extension outside the IG, on some of the codings.
            let bogus = every(text, "\"system\":\"", "\"bogus\":1,\"system\":\"", 0, 4);
            let outside = "\"extension\":[{\"url\":\"https://example.org/x\",\"valueString\":\"x\"}],\"system\":\"";
            inputs.push(every(&bogus, "\"system\":\"", outside, 2, 4));
            // The same codings escaped (no longer borrowed text).
            inputs.push(every(text, "\"display\":\"", "\"display\":\"\\u0041", 0, 2));
        }
        let clean_before = CLEAN.load(Ordering::Relaxed);
        let with: Vec<Vec<String>> = inputs.iter().map(|t| all_findings(t)).collect();
        assert!(CLEAN.load(Ordering::Relaxed) > clean_before + 1000, "the memo skipped values");
        OFF.store(true, Ordering::Relaxed);
        let without: Vec<Vec<String>> = inputs.iter().map(|t| all_findings(t)).collect();
        OFF.store(false, Ordering::Relaxed);
        let mut findings = 0;
        for ((w, wo), input) in with.iter().zip(&without).zip(&inputs) {
            assert_eq!(w, wo, "{}", &input[..input.len().min(300)]);
            findings += w.len();
        }
        assert!(findings > 5000, "{findings}");
    }
}
