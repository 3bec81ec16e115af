//! The helper threads of the commands that read on several threads (`summary`, `validate`,
//! `export`).
//!
//! The library's parallel readers work on the calling thread and on rayon's global pool,
//! which, left as it is, has a thread per core: a command on all the cores then runs one
//! thread more than there are cores, and the pool's spare thread, woken for each window of
//! input and finding no piece left, spins before it sleeps again, on a core the others need.
//! On 2 cores, with the pool one thread smaller, `validate --threads 2` of a 100 MB Bundle of
//! the server's claims took 7 to 13% less time, `summary` 2 to 9% less (README, "Parallel
//! reading").

/// The number of threads `--threads N` stands for (`0`: one per core).
pub fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Sizes rayon's global pool for a command on `threads` threads (`0`: one per core): one
/// fewer, the calling thread being the other. Leaves it as it is when `RAYON_NUM_THREADS` says
/// otherwise, for one thread (no helper is asked for), and once the pool has started (an
/// earlier command run in the same process).
pub fn for_threads(threads: usize) {
    let threads = thread_count(threads);
    if threads < 2 || std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    // An error says the pool exists already: it stays as it is.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads - 1).build_global();
}
