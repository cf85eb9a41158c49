//! Rare, CPU-heavy work (an import, drawing a chart) on a thread of its own at a lower CPU priority.

use std::fmt;

/// The work could not run, or panicked; the message says which.
#[derive(Debug)]
pub(crate) struct HeavyWorkFailed(String);

impl fmt::Display for HeavyWorkFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HeavyWorkFailed {}

/// Runs `work` on a new thread whose CPU priority is lowered (nice +10, at most 19).
/// On a machine with two cores an import and a chart each keep a core busy
/// for seconds; at the same priority the runtime's workers (the gateway
/// heartbeat, `/healthz`, the watchdog) queued behind them for tens of
/// milliseconds. At a lower priority the scheduler runs a worker as soon as
/// it wakes. A thread of its own, not the blocking pool, because a thread
/// cannot raise its priority back and the pool reuses its threads.
pub(crate) async fn run_heavy<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HeavyWorkFailed> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("heavy-work".into())
        .spawn(move || {
            lower_priority();
            let _ = sender.send(work());
        })
        .map_err(|e| HeavyWorkFailed(format!("starting a thread: {e}")))?;
    receiver
        .await
        .map_err(|_| HeavyWorkFailed("the work panicked".into()))
}

fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes the scheduling priority of the calling
    // thread (on Linux `PRIO_PROCESS` with 0 is the thread); it touches no memory.
    unsafe {
        // Relative to the process's own (a service may already run niced).
        let own = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, (own + 10).min(19));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_work_runs_at_a_lower_priority_and_a_panic_is_an_error() {
        let nice = run_heavy(|| {
            // SAFETY: getpriority reads the calling thread's priority.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
        })
        .await
        .unwrap();
        // SAFETY: as above, for the test's own thread.
        let own = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(nice, (own + 10).min(19));
        let failed = run_heavy(|| -> u8 { panic!("boom") }).await;
        assert!(failed.unwrap_err().to_string().contains("panicked"));
    }
}
