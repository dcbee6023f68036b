//! One core for a batch that writes to SQLite statement by statement: `tracker import`,
//! `tracker seed` and `tracker regions import`.
//!
//! Replaces: the scheduler's choice of cores for these commands. sqlx runs each SQLite
//! statement on the connection's own thread, so every statement crosses from the async task
//! to that thread and back. With the two on different cores each crossing wakes an idle
//! core, and on a virtual machine (where counties run the tracker) that wake-up costs more
//! than the statement: 62 % of an import's time was the kernel's `futex`, 1.5 % was SQLite.
//! On one core a crossing is a plain switch from one thread to the other.
//!
//! Gains (release, 2 cores; docs/performance.md, session 19): 10,000 projects with their
//! funds import in 32 s instead of 120 s; `tracker seed demo` takes 0.6 s instead of 1.5 s.
//! A batch is one writer in one transaction, so it leaves no work for a second core; the
//! server, which answers many requests at once, is never pinned.

/// Pins this thread — and so every thread started after it: the runtime's, sqlx's — to the
/// first core it may run on. Call it before the runtime is built. Where it cannot be done
/// the batch runs as before, only slower.
pub fn pin() {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
        use nix::unistd::Pid;
        let this = Pid::from_raw(0);
        let Ok(allowed) = sched_getaffinity(this) else { return };
        let Some(first) = (0..CpuSet::count()).find(|&cpu| allowed.is_set(cpu).unwrap_or(false)) else {
            return;
        };
        let mut one = CpuSet::new();
        if one.set(first).is_ok()
            && let Err(e) = sched_setaffinity(this, &one)
        {
            tracing::debug!("could not pin the batch to one core: {e}");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    fn cores_allowed() -> usize {
        use nix::sched::{CpuSet, sched_getaffinity};
        let set = sched_getaffinity(nix::unistd::Pid::from_raw(0)).expect("affinity");
        (0..CpuSet::count()).filter(|&c| set.is_set(c).unwrap_or(false)).count()
    }

    #[test]
    fn a_pinned_thread_and_the_threads_it_starts_run_on_one_core() {
        // On a thread of its own: affinity is per thread, and the test's threads run others.
        std::thread::spawn(|| {
            super::pin();
            let started_after = std::thread::spawn(cores_allowed).join().expect("thread");
            assert_eq!((cores_allowed(), started_after), (1, 1));
        })
        .join()
        .expect("pinned thread");
    }
}
