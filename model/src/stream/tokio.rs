//! Reading resources from an [`AsyncRead`] (an HTTP body, a file, a socket in a tokio program),
//! behind the feature `tokio`.
//!
//! Parsing is CPU work that must not hold up the runtime's worker threads, so the input is read
//! and parsed on a blocking thread ([`tokio::task::spawn_blocking`]) by the same readers as the
//! synchronous API ([`Resources`]: a Bundle, NDJSON or a single resource, gzip-compressed or
//! not), and the entries come back owned through a bounded channel. Memory stays bounded: the
//! reader's window, and at most [`AsyncResources::CAPACITY`] entries waiting (reading pauses
//! while they wait). Dropping the [`AsyncResources`] stops the reading at the next entry.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use bluebutton_model::stream::tokio::AsyncResources;
//! use bluebutton_model::stream::InputKind;
//!
//! let file = tokio::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo-bundle.json")).await?;
//! let mut resources = AsyncResources::open(file).await?;
//! assert_eq!(resources.kind(), InputKind::Bundle);
//! let mut ids = Vec::new();
//! while let Some(entry) = resources.next().await {
//!     ids.push(entry?.resource().and_then(|r| r.id()).unwrap().to_string());
//! }
//! assert_eq!(ids.len(), 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncRead;
use tokio::sync::{mpsc, oneshot};
use tokio_util::io::SyncIoBridge;

use crate::json::{Error, ErrorKind, IntoOwned, JsonPath};

use super::read::StreamOptions;
use super::{Entry, EntryError, InputKind, Resources};

/// The resources of an asynchronous input, one at a time, owned: see the [module](self).
///
/// It is also a [`futures_core::Stream`] of them.
#[derive(Debug)]
pub struct AsyncResources {
    kind: InputKind,
    gzip: bool,
    entries: mpsc::Receiver<Result<Entry<'static>, EntryError>>,
}

impl AsyncResources {
    /// How many entries may wait, read but not taken, before reading pauses.
    pub const CAPACITY: usize = 64;

    /// Starts reading `reader` strictly. Must be called within a tokio runtime.
    pub async fn open<R>(reader: R) -> Result<Self, EntryError>
    where
        R: AsyncRead + Send + Unpin + 'static,
    {
        Self::with_options(reader, StreamOptions::default()).await
    }

    /// Starts reading `reader` with `options`. Fails as [`Resources::with_options`] does: when
    /// the input cannot be read, or is a Bundle broken from the start.
    pub async fn with_options<R>(reader: R, options: StreamOptions) -> Result<Self, EntryError>
    where
        R: AsyncRead + Send + Unpin + 'static,
    {
        let (sender, entries) = mpsc::channel(Self::CAPACITY);
        let (opened, kind) = oneshot::channel();
        let bridge = SyncIoBridge::new(reader);
        tokio::task::spawn_blocking(move || {
            let mut resources = match Resources::with_options(bridge, options) {
                Ok(resources) => resources,
                Err(e) => {
                    let _ = opened.send(Err(e));
                    return;
                }
            };
            if opened.send(Ok((resources.kind(), resources.is_gzip()))).is_err() {
                return;
            }
            while let Some(item) = resources.next_entry() {
                if sender.blocking_send(item.map(IntoOwned::into_owned)).is_err() {
                    return; // Nobody reads any more.
                }
            }
        });
        match kind.await {
            Ok(Ok((kind, gzip))) => Ok(AsyncResources { kind, gzip, entries }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(stopped()),
        }
    }

    /// What the input holds.
    pub fn kind(&self) -> InputKind {
        self.kind
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The next resource, or the error that made it unreadable; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Entry<'static>, EntryError>> {
        self.entries.recv().await
    }
}

impl futures_core::Stream for AsyncResources {
    type Item = Result<Entry<'static>, EntryError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.entries.poll_recv(cx)
    }
}

/// The reading thread ended before it said what the input is (it panicked).
fn stopped() -> EntryError {
    let error =
        Error::new(0, ErrorKind::Io("the reading thread stopped".into())).with_location(0, JsonPath::default(), 0, 0);
    EntryError::bundle(error).fatal()
}
