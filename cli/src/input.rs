//! Reading the command's inputs: files or standard input (`-`), gzip-compressed or not.
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Seek};

use bluebutton::stream::{self, EntryError, InputKind, NdjsonStream, Resources, Sniffed, StreamOptions};

/// The longest NDJSON line read (as the library's streams default to).
pub const MAX_LINE: usize = 256 << 20;

/// The name that stands for standard input.
pub const STDIN: &str = "-";

/// Reads the inputs named on the command line. Standard input is read at most once; a second
/// `-` gets the same bytes.
pub struct Inputs<'s> {
    stdin: &'s mut dyn Read,
    stdin_bytes: Option<Vec<u8>>,
    /// Standard input is named once: it is read as a stream, keeping nothing.
    stream_stdin: bool,
}

impl<'s> Inputs<'s> {
    /// Inputs for the command-line `names`, read as streams: standard input
    /// too when it is named once (when it is named more than once, its bytes are kept for the
    /// next `-`).
    pub fn for_names(stdin: &'s mut dyn Read, names: &[OsString]) -> Self {
        let stream_stdin = names.iter().filter(|n| *n == STDIN).count() == 1;
        Inputs { stdin, stdin_bytes: None, stream_stdin }
    }

    /// A reader of the bytes of `name` as they are (not decompressed: see
    /// [`stream::decompressing`]),
    /// and their number when `name` is a regular file.
    pub fn open_raw(&mut self, name: &OsStr) -> io::Result<RawInput<'_>> {
        if name != STDIN {
            return open_file(name);
        }
        let bytes = if self.stream_stdin {
            Bytes::Stream(Box::new(&mut *self.stdin))
        } else {
            Bytes::Seekable(Box::new(io::Cursor::new(self.stdin_bytes()?)))
        };
        Ok(RawInput { bytes, size: None })
    }

    /// Hands `each` the documents of `name`: the whole input, or, when it is NDJSON, each
    /// non-blank line as it is read (so that memory holds one line, not the file). Returns what
    /// the input holds, or (inside) the error that stopped reading it, after the documents read
    /// until then; the outer `Err` is an error that `each` returned (writing the output).
    pub fn documents(
        &mut self,
        name: &OsStr,
        mut each: impl FnMut(Document<'_>) -> io::Result<()>,
    ) -> io::Result<io::Result<InputKind>> {
        let (sniffed, size) = match self.open_raw(name).and_then(|raw| Ok((raw.bytes.sniff()?, raw.size))) {
            Ok(sniffed) => sniffed,
            Err(e) => return Ok(Err(e)),
        };
        if sniffed.kind != InputKind::Ndjson {
            let mut bytes = whole_input_buffer(size.filter(|_| !sniffed.gzip));
            let mut reader = sniffed.reader;
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Ok(Err(e));
            }
            // A stream's reader holds the bytes read to tell the kind (the whole first line: on
            // a minified Bundle, megabytes); they are in `bytes` now. (A file's reader is the
            // file, read again from its start.)
            drop(reader);
            each(Document { line: None, bytes: &bytes })?;
            return Ok(Ok(sniffed.kind));
        }
        let mut lines = NdjsonStream::new(sniffed.reader);
        while let Some(line) = lines.next_line() {
            match line {
                Ok(line) => each(Document { line: Some(line.number), bytes: line.text })?,
                Err(e) => return Ok(Err(io::Error::other(e.to_string()))),
            }
        }
        Ok(Ok(InputKind::Ndjson))
    }

    /// All of standard input, read the first time.
    fn stdin_bytes(&mut self) -> io::Result<&[u8]> {
        if self.stdin_bytes.is_none() {
            let mut buf = Vec::new();
            self.stdin.read_to_end(&mut buf)?;
            self.stdin_bytes = Some(buf);
        }
        Ok(self.stdin_bytes.as_deref().unwrap_or_default())
    }
}

/// One document of an input: see [`Inputs::documents`].
pub struct Document<'a> {
    /// Its line, when the input is NDJSON.
    pub line: Option<u64>,
    /// Its JSON text.
    pub bytes: &'a [u8],
}

impl Document<'_> {
    /// How the document is named in messages: the input's name, with `:LINE` in NDJSON.
    pub fn name(&self, input: &str) -> String {
        match self.line {
            Some(line) => format!("{input}:{line}"),
            None => input.to_string(),
        }
    }
}

/// The file `name` (not standard input) as a raw input, with its size when it is a regular
/// file: what [`Inputs::open_raw`] opens, for threads that open files of their own.
pub fn open_file(name: &OsStr) -> io::Result<RawInput<'static>> {
    let file = File::open(name)?;
    let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Ok(RawInput { bytes: Bytes::Seekable(Box::new(file)), size })
}

/// An input opened by [`Inputs::open_raw`].
pub struct RawInput<'r> {
    /// Its bytes, as they are.
    pub bytes: Bytes<'r>,
    /// Their number, when it is known before reading (a regular file).
    pub size: Option<u64>,
}

/// The bytes of an input: a file (or bytes in memory), which can be read again from its start,
/// or a stream (standard input), which cannot.
pub enum Bytes<'r> {
    Seekable(Box<dyn ReadSeek + 'r>),
    Stream(Box<dyn Read + 'r>),
}

/// What can be read, and read again from its start.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

impl<'r> Bytes<'r> {
    /// Tells what they hold: a file without holding a minified Bundle's first line
    /// ([`stream::sniff_seekable`]), a stream as [`stream::sniff`] tells it.
    pub fn sniff(self) -> io::Result<Sniffed<'r>> {
        match self {
            Bytes::Seekable(reader) => stream::sniff_seekable(reader, MAX_LINE),
            Bytes::Stream(reader) => stream::sniff(reader, MAX_LINE),
        }
    }

    /// Their resources, read with `options`; the kind told as [`sniff`](Self::sniff) tells it.
    pub fn resources(self, options: StreamOptions) -> Result<Resources<'r>, EntryError> {
        match self {
            Bytes::Seekable(reader) => Resources::with_options_seekable(reader, options),
            Bytes::Stream(reader) => Resources::with_options(reader, options),
        }
    }
}

/// How an input is named in messages.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}

/// The memory to read a whole input of `size` bytes into (when known). On Linux, a large one is
/// advised to be held in huge pages (`MADV_HUGEPAGE`, which the system follows where its
/// transparent huge pages are on `madvise` or `always`): the input is then faulted in 2 MiB at
/// a time rather than 4 KiB. (`bluebutton parse` of a 42.5 MB Bundle, on 2 cores: 10,245 page
/// faults instead of 19,968, and a fifth less CPU time.)
fn whole_input_buffer(size: Option<u64>) -> Vec<u8> {
    let Some(size) = size.and_then(|s| usize::try_from(s).ok()) else { return Vec::new() };
    // One more byte, so that `read_to_end` sees the end without growing the buffer.
    let buffer: Vec<u8> = Vec::with_capacity(size.saturating_add(1));
    #[cfg(target_os = "linux")]
    if buffer.capacity() >= HUGE_PAGE {
        // The whole pages of the allocation (`madvise` takes a page-aligned start).
        let (start, end) = (buffer.as_ptr() as usize, buffer.as_ptr() as usize + buffer.capacity());
        let first = start.next_multiple_of(PAGE);
        // SAFETY: advice on pages inside the buffer's own allocation: it changes how they are
        // backed, never their contents nor who may use them. Its failure changes nothing.
        unsafe {
            libc::madvise(first as *mut libc::c_void, (end - first) / PAGE * PAGE, libc::MADV_HUGEPAGE);
        }
    }
    buffer
}

/// The size of a huge page on x86-64 and arm64 Linux (with 4 KiB pages).
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// The size of a page (4 KiB; on a system with larger pages the advice may fail, which changes
/// nothing).
#[cfg(target_os = "linux")]
const PAGE: usize = 4 << 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_input_buffer_holds_the_input_without_growing() {
        for size in [0, 10, 3 << 20] {
            let mut buffer = whole_input_buffer(Some(size));
            let capacity = buffer.capacity();
            assert!(capacity > size as usize, "{size} bytes: capacity {capacity}");
            io::repeat(b'x').take(size).read_to_end(&mut buffer).unwrap();
            assert_eq!((buffer.len(), buffer.capacity()), (size as usize, capacity), "{size} bytes");
        }
        assert_eq!(whole_input_buffer(None).capacity(), 0);
    }

    /// The large buffer's pages are advised to be huge (`hg` in the flags of its mapping).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_whole_input_buffer_is_advised_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            // A kernel without transparent huge pages takes no such advice.
            return eprintln!("skipping: no transparent huge pages here");
        }
        let buffer = whole_input_buffer(Some(8 << 20));
        let inside = (buffer.as_ptr() as usize).next_multiple_of(PAGE) + PAGE;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut flags = None;
        let mut in_range = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ').filter(|(r, _)| r.contains('-') && !r.ends_with(':')) {
                let (from, to) = range.split_once('-').unwrap();
                let (from, to) = (usize::from_str_radix(from, 16).unwrap(), usize::from_str_radix(to, 16).unwrap());
                in_range = (from..to).contains(&inside);
            } else if in_range && line.starts_with("VmFlags:") {
                flags = Some(line.to_string());
            }
        }
        let flags = flags.expect("the buffer's mapping in /proc/self/smaps");
        assert!(flags.split_whitespace().any(|f| f == "hg"), "{flags}");
    }
}
