//! How the process's allocator opens memory for threads other than the first, set by the
//! commands whose threads allocate and free in bulk side by side (`export`).
//!
//! glibc's allocator gives a thread that allocates while another holds the lock an arena of
//! its own, in heaps it reserves (64 MiB each) and opens a page at a time (`mprotect`) as they
//! fill. While several threads run, each change of a mapping interrupts every other core to
//! flush its address translations: `bluebutton export --threads 2` of 211 MB of generated
//! NDJSON made about 4,400 such calls (a writer thread's heap opened 4 KiB at a time), and a
//! third of its CPU time was the kernel's. With [`TOP_PAD`], a heap is opened whole when it is
//! made: 19 calls, 11 to 18% less time on two threads, the same peak memory (pages opened but
//! not used take no memory).
//!
//! It is the process's setting, not the library's: a program that exports on several threads
//! can set the same (`mallopt(M_TOP_PAD, ...)` before its threads start, or the environment's
//! `GLIBC_TUNABLES=glibc.malloc.top_pad=67108864`).

/// What a new heap is opened by beyond the allocation that makes it: the largest a thread's
/// heap can be, so all of it.
pub const TOP_PAD: i32 = 64 << 20;

/// Sets glibc's [`TOP_PAD`] (elsewhere does nothing), best before other threads start. It
/// also ends glibc's own adjustment of the size from which an allocation gets a mapping of its
/// own (`M_MMAP_THRESHOLD`, then 128 KiB): why the commands that read one input on one thread
/// (`parse`: 14% slower on a 100 MB Bundle, whose growing vectors are then copied instead of
/// remapped) leave it as it is.
pub fn open_heaps_whole() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` changes a threshold of the allocator under its own lock; it has no
    // other effect. A refused value (0 returned) leaves glibc's.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);
    }
}
