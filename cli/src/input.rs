//! Reading the command's inputs: files or standard input (`-`), gzip-compressed or not.
use std::ffi::OsStr;
use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

/// The name that stands for standard input.
pub const STDIN: &str = "-";

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads the inputs named on the command line. Standard input is read at most once; a second
/// `-` gets the same bytes.
pub struct Inputs<'s> {
    stdin: &'s mut dyn Read,
    stdin_bytes: Option<Vec<u8>>,
}

impl<'s> Inputs<'s> {
    pub fn new(stdin: &'s mut dyn Read) -> Self {
        Inputs { stdin, stdin_bytes: None }
    }

    /// The bytes of `name` (a path, or `-` for standard input), decompressed when they are
    /// gzip data.
    pub fn read(&mut self, name: &OsStr) -> io::Result<Vec<u8>> {
        let raw = if name == STDIN {
            if self.stdin_bytes.is_none() {
                let mut buf = Vec::new();
                self.stdin.read_to_end(&mut buf)?;
                self.stdin_bytes = Some(buf);
            }
            self.stdin_bytes.clone().unwrap_or_default()
        } else {
            std::fs::read(name)?
        };
        decompress(raw)
    }
}

/// `bytes` decompressed when they start with the gzip magic bytes, else unchanged.
pub fn decompress(bytes: Vec<u8>) -> io::Result<Vec<u8>> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| io::Error::new(e.kind(), format!("invalid gzip data: {e}")))?;
    Ok(out)
}

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// How an input is named in messages.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}
