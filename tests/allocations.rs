//! How many heap allocations a typed parse makes (issue 5): allocation was a fifth of the time
//! of a streaming parse, so the model is laid out to need few. Counts, not times: these
//! hold on any machine.
//!
//! `cargo test --test allocations -- --nocapture` prints the counts per entry.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bluebutton::json;
use bluebutton::resources::Bundle;
use bluebutton::types::{CodeableConcept, Extension, ExtensionValue};

/// Counts the allocations of the current thread (the test harness runs tests on several).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a thread-local `Cell` of a `Copy`
// type, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The value `f` returns and the number of allocations it made.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn a_codeable_concept_with_one_coding_allocates_nothing() {
    let input = br#"{"coding":[{"system":"https://bluebutton.cms.gov/resources/variables/line_prcsg_ind_cd","code":"A","display":"Allowed"}]}"#;
    let (cc, n) = allocations(|| json::from_slice::<CodeableConcept>(input).unwrap());
    assert_eq!(n, 0, "the one Coding is held inline");
    assert_eq!(cc.coding.len(), 1);
    assert!(cc.coding[0].code.as_ref().is_some_and(|c| c.value.as_ref().is_some_and(|v| v.is_borrowed())));

    // `text` is one of the members the server rarely sends: the rare part is made for it.
    let with_text = br#"{"coding":[{"code":"A"}],"text":"Allowed"}"#;
    let (cc, n) = allocations(|| json::from_slice::<CodeableConcept>(with_text).unwrap());
    assert_eq!(n, 1, "the rare part, and nothing else");
    assert_eq!(cc.text().map(|t| t.as_str()), Some("Allowed"));

    let two = br#"{"coding":[{"code":"A"},{"code":"B"}]}"#;
    let (cc, n) = allocations(|| json::from_slice::<CodeableConcept>(two).unwrap());
    assert_eq!(cc.coding.len(), 2);
    assert!(n <= 2, "two or more go to one Vec (one allocation and a shrink at most), got {n}");
}

#[test]
fn an_extension_with_a_coding_or_money_allocates_nothing() {
    for input in [
        &br#"{"url":"https://bluebutton.cms.gov/resources/variables/carr_line_mtus_cd","valueCoding":{"system":"https://bluebutton.cms.gov/resources/variables/carr_line_mtus_cd","code":"3"}}"#[..],
        br#"{"url":"https://bluebutton.cms.gov/resources/variables/prpayamt","valueMoney":{"value":0.00,"system":"urn:iso:std:iso:4217","code":"USD"}}"#,
        br#"{"url":"https://bluebutton.cms.gov/resources/variables/carr_num","valueIdentifier":{"system":"https://bluebutton.cms.gov/resources/variables/carr_num","value":"99999"}}"#,
    ] {
        let (ext, n) = allocations(|| json::from_slice::<Extension>(input).unwrap());
        assert_eq!(n, 0, "{}", String::from_utf8_lossy(input));
        assert!(matches!(
            ext.value,
            Some(ExtensionValue::Coding(_) | ExtensionValue::Money(_) | ExtensionValue::Identifier(_))
        ));
    }
}

/// A bound on the whole: the generated claims of the built-in data (every field of every
/// claim type filled) take 81 allocations and reallocations an entry. Boxing again the
/// `Coding` of each extension or of each `CodeableConcept` (about 37 an entry each) would
/// break the bound.
#[test]
fn a_claim_entry_takes_about_a_hundred_allocations() {
    let input = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/claims-bundle.json")).unwrap();
    let (bundle, n) = allocations(|| json::from_slice::<Bundle>(&input).unwrap());
    let entries = bundle.entry.len();
    println!("{n} allocations for {entries} entries ({} per entry)", n / entries);
    assert!(entries >= 8);
    assert!(n / entries <= 100, "{n} allocations for {entries} entries");
}

/// Arrays get the room the last array of their field had (a hint, to grow once rather than
/// double), and are trimmed to their length: read after longer and after shorter arrays of the
/// same field, each ends with its capacity equal to its length, and a long array read after
/// one as long makes fewer allocations than after a short one.
#[test]
fn arrays_end_with_no_room_to_spare_whatever_came_before() {
    let extension = |n: usize| {
        let one =
            r#"{"url":"https://bluebutton.cms.gov/resources/variables/carr_line_mtus_cd","valueCoding":{"code":"3"}}"#;
        format!(r#"{{"url":"https://example.org/outer","extension":[{}]}}"#, vec![one; n].join(","))
    };
    for n in [12, 3, 1, 40, 2, 70, 5] {
        let text = extension(n);
        let ext = json::from_slice::<Extension>(text.as_bytes()).unwrap();
        assert_eq!(ext.rare.extension.len(), n);
        assert_eq!(ext.rare.extension.capacity(), n, "after reading {n}");
    }
    // After a short array of the field, a long one grows step by step; after a long one, it
    // gets its room at once. (No other test here reads an extension's own extensions.)
    let text = extension(30);
    json::from_slice::<Extension>(extension(2).as_bytes()).unwrap();
    let (ext, growing) = allocations(|| json::from_slice::<Extension>(text.as_bytes()).unwrap());
    let (again, hinted) = allocations(|| json::from_slice::<Extension>(text.as_bytes()).unwrap());
    assert_eq!(ext, again);
    assert!(hinted < growing, "{hinted} allocations with the hint, {growing} growing");
    // An extension's own extensions are among its rare members: their array is in the rare part.
    assert!(hinted <= 3, "the rare part, then one allocation and one reservation, got {hinted}");
}
