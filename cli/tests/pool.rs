//! The helper threads a command reads with: rayon's global pool, sized by the command's
//! `--threads` (its own process: the pool is the process's, sized once).

#[test]
fn a_command_on_several_threads_sizes_the_pool_one_thread_smaller() {
    let summary = |threads: &str| {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let args = ["bluebutton", "summary", "--threads", threads];
        let code = bluebutton_cli::run(args, &mut std::io::empty(), &mut stdout, &mut stderr);
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));
        String::from_utf8(stdout).unwrap()
    };
    // One thread asks for no helper: the pool is left alone (and not started).
    let one = summary("1");
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return; // the environment sizes the pool
    }
    // The calling thread and four helpers (rayon's own default is one per core).
    assert_eq!(summary("5"), one);
    assert_eq!(rayon::current_num_threads(), 4);
    // Sized once: a later command gets the same pool.
    assert_eq!(summary("3"), one);
    assert_eq!(rayon::current_num_threads(), 4);
}
