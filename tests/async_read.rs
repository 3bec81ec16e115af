//! The asynchronous reader (feature `tokio`): a gzip-compressed body arriving in small pieces
//! through a tokio pipe reads as the same entries as the synchronous reader, for NDJSON and for
//! a Bundle; errors are the same, a body cut off too; reading stops when the reader is dropped.
#[path = "support/gzip.rs"]
mod gzip;
mod samples;

use std::future::poll_fn;
use std::pin::Pin;

use bluebutton::json::{IntoOwned, ToJson};
use bluebutton::stream::tokio::AsyncResources;
use bluebutton::stream::{Entry, EntryError, InputKind, Resources};
use gzip::gzip;
use tokio::io::AsyncWriteExt;

/// An entry read, comparably: the owned entry, or the error's text, index, line and fatality.
type Item = Result<Entry<'static>, (String, Option<usize>, Option<u64>, bool)>;

fn comparable(item: Result<Entry<'_>, EntryError>) -> Item {
    item.map(IntoOwned::into_owned).map_err(|e| (e.to_string(), e.index(), e.line(), e.is_fatal()))
}

/// `body` sent through a small pipe in pieces of 1000 bytes, as an HTTP body arrives.
async fn read_async(
    body: Vec<u8>,
) -> (InputKind, bool, Vec<Result<Entry<'static>, (String, Option<usize>, Option<u64>, bool)>>) {
    let (mut tx, rx) = tokio::io::duplex(4096);
    let writer = tokio::spawn(async move {
        for piece in body.chunks(1000) {
            tx.write_all(piece).await.unwrap();
            tokio::task::yield_now().await;
        }
    });
    let mut resources = AsyncResources::open(rx).await.unwrap();
    let (kind, gzip) = (resources.kind(), resources.is_gzip());
    let mut items = Vec::new();
    // Half through `next`, half through the `Stream` impl.
    while let Some(item) = resources.next().await {
        items.push(comparable(item));
        match poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut resources), cx)).await {
            Some(item) => items.push(comparable(item)),
            None => break,
        }
    }
    writer.await.unwrap();
    (kind, gzip, items)
}

fn read_sync(body: &[u8]) -> Vec<Item> {
    let mut resources = Resources::open(body).unwrap();
    let mut items = Vec::new();
    while let Some(item) = resources.next_entry() {
        items.push(comparable(item));
    }
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_compressed_body_reads_as_the_synchronous_reader_reads_it() {
    let Some(bundle) = samples::normalized("eobByPatientIdAll.json") else { return };
    let mut ndjson = Vec::new();
    for entry in Resources::open(&bundle[..]).unwrap() {
        bluebutton::stream::write_ndjson(&mut ndjson, [entry.unwrap().resource().unwrap()]).unwrap();
    }
    // A bad line in the middle: reported, and reading goes on.
    let mut with_error = ndjson.clone();
    with_error.splice(0..0, b"{\"resourceType\":\"Patient\",\"gender\":7}\n".iter().copied());
    for (name, body, kind) in [
        ("Bundle", bundle.clone(), InputKind::Bundle),
        ("NDJSON", ndjson, InputKind::Ndjson),
        ("NDJSON with an error", with_error, InputKind::Ndjson),
    ] {
        let expected = read_sync(&body);
        assert!(expected.len() >= 8, "{name}");
        let (found_kind, gzipped, items) = read_async(gzip(&body)).await;
        assert_eq!((found_kind, gzipped), (kind, true), "{name}");
        assert_eq!(items, expected, "{name}");
        let (_, gzipped, items) = read_async(body).await;
        assert!(!gzipped);
        assert_eq!(items, expected, "{name}, plain");
    }
}

/// A gzip-compressed body cut off (the connection dropped, a download stopped) reads as the
/// synchronous reader reads the same bytes: the entries that came whole, then the break, a
/// fatal I/O error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_off_reads_as_the_synchronous_reader_reads_it() {
    let Some(bundle) = samples::normalized("eobByPatientIdAll.json") else { return };
    let ndjson = samples::lines_of(&bundle).join("\n") + "\n";
    let minified = bluebutton::json::from_slice::<bluebutton::json::Value>(&bundle).unwrap().to_json_string();
    for (name, body) in [("Bundle", minified.into_bytes()), ("NDJSON", ndjson.into_bytes())] {
        let compressed = gzip(&body);
        let cut = compressed[..compressed.len() * 2 / 3].to_vec();
        let expected = read_sync(&cut);
        assert!(expected.iter().any(Result::is_ok), "{name}: entries came whole before the break");
        match expected.last() {
            Some(Err((text, _, _, true))) if text.contains("I/O error") => {}
            other => panic!("{name}: the last item is not the break: {other:?}"),
        }
        let (_, gzipped, items) = read_async(cut).await;
        assert!(gzipped, "{name}");
        assert_eq!(items, expected, "{name}");
    }
}

#[tokio::test]
async fn dropping_the_reader_stops_the_reading() {
    // An endless body: the reading thread must stop once nobody reads.
    let (mut tx, rx) = tokio::io::duplex(1 << 16);
    let line = b"{\"resourceType\":\"Patient\",\"id\":\"p\"}\n";
    let writer = tokio::spawn(async move {
        let mut written = 0u64;
        while tx.write_all(line).await.is_ok() {
            written += 1;
        }
        written
    });
    let mut resources = AsyncResources::open(rx).await.unwrap();
    for _ in 0..10 {
        assert!(resources.next().await.unwrap().is_ok());
    }
    drop(resources);
    // The writer ends when the reading side is gone, after at most the window and the waiting
    // entries were read.
    let written = tokio::time::timeout(std::time::Duration::from_secs(30), writer).await.unwrap().unwrap();
    assert!(written < 1 << 20, "{written} lines written after the reader was dropped");
}

#[tokio::test]
async fn an_input_that_cannot_be_read_is_an_error() {
    let (tx, rx) = tokio::io::duplex(64);
    drop(tx);
    let mut resources = AsyncResources::open(rx).await.unwrap();
    // Nothing at all: one error naming what was expected.
    let e = resources.next().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("expected"), "{e}");
    assert!(resources.next().await.is_none());
}
