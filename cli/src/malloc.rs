//! How the process's allocator opens memory for threads other than the first, set by the
//! commands whose threads allocate and free in bulk side by side (`export`).
//!
//! glibc's allocator gives the threads other than the first arenas of their own, in heaps it
//! reserves (64 MiB each) and opens a page at a time (`mprotect`) as they fill. While several
//! threads run, each change of a mapping interrupts every other core to flush its address
//! translations: `bluebutton export --threads 2` of 211 MB of generated NDJSON made about 4,400
//! such calls (its writer thread's heap opened 4 KiB at a time), and a third of its CPU time
//! was the kernel's. With [`TOP_PAD`], a heap is opened whole when it is made: 19 calls, 10 to
//! 19% less CPU time on two threads (README, "Analytics"), the same peak memory (pages opened
//! but not used take no memory).
//!
//! It is the process's setting, not the library's: a program that exports on several threads
//! can set the same (`mallopt(M_TOP_PAD, ...)` before its threads start, or the environment's
//! `GLIBC_TUNABLES=glibc.malloc.top_pad=67108864`).

/// What a new heap is opened by beyond the allocation that makes it: the largest a thread's
/// heap can be, so all of it.
pub const TOP_PAD: i32 = 64 << 20;

/// Sets glibc's [`TOP_PAD`] (elsewhere does nothing), best before other threads start. Setting
/// it also ends glibc's own adjustment of the size from which an allocation gets a mapping of
/// its own (`M_MMAP_THRESHOLD`, then 128 KiB); `parse` of a 100 MB Bundle, on one thread, took
/// 14% longer with it, which is why only `export`, on several threads, sets it.
pub fn open_heaps_whole() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` changes a threshold of the allocator under its own lock; it has no
    // other effect. A refused value (0 returned) leaves glibc's.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);
    }
}
