//! The bulk lane: requests whose work grows with their size (bodies over 64 KiB, long filters)
//! run on one thread of their own, with a single-threaded runtime, at a lower OS priority.
//! Entra's requests are a few KiB and never come here; a client sending the largest requests
//! the limits allow, as fast as they are answered, then gets at most one core's spare time, and
//! the async workers stay free for everyone else's requests (BENCHMARKS.md, "Hostile load").

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::scim::ScimError;

/// Bodies larger than this go to the bulk lane (parsing and applying them takes milliseconds).
pub(super) const BULK_BODY_BYTES: usize = 64 * 1024;
/// Filters longer than this go to the bulk lane (a 4 KiB filter takes milliseconds to match).
pub(super) const BULK_FILTER_BYTES: usize = 1024;

/// Bulk requests in progress at once, of all sources; more wait their turn. This bounds what the
/// largest requests can put in the writer's queue ahead of everyone else's writes.
const BULK_IN_PROGRESS: usize = 2;

/// How much lower than the server's other threads the lane runs (nice value; Linux).
#[cfg(target_os = "linux")]
const NICENESS: i32 = 10;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

pub(super) struct BulkLane {
    /// `None` when the lane's thread could not be started: bulk work then runs where it is.
    jobs: Option<mpsc::UnboundedSender<Job>>,
    turns: Semaphore,
}

impl BulkLane {
    /// Start the lane's thread; it ends when the lane is dropped.
    pub fn start() -> Self {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let started = tokio::runtime::Builder::new_current_thread().enable_time().build().and_then(|runtime| {
            std::thread::Builder::new().name("scimdesk-bulk".into()).spawn(move || {
                lower_priority();
                runtime.block_on(async move {
                    while let Some(job) = rx.recv().await {
                        tokio::spawn(job);
                    }
                });
            })
        });
        match started {
            Ok(_) => BulkLane { jobs: Some(jobs), turns: Semaphore::new(BULK_IN_PROGRESS) },
            Err(e) => {
                tracing::error!(error = %e, "could not start the bulk lane; large requests run with the others");
                BulkLane { jobs: None, turns: Semaphore::new(BULK_IN_PROGRESS) }
            }
        }
    }

    /// Run `work` here when `size` (bytes of the body or filter) is over `threshold`, else where
    /// the caller is.
    pub async fn run_if<T, F>(&self, size: usize, threshold: usize, work: F) -> Result<T, ScimError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, ScimError>> + Send + 'static,
    {
        if size <= threshold {
            return work.await;
        }
        let Ok(_turn) = self.turns.acquire().await else { return Err(stopping()) };
        let Some(jobs) = self.jobs.as_ref() else { return work.await };
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::pin(async move {
            let _ = tx.send(work.await);
        });
        if jobs.send(job).is_err() {
            return Err(stopping());
        }
        rx.await.unwrap_or_else(|_| Err(stopping()))
    }
}

fn stopping() -> ScimError {
    ScimError::new(503, None, "the server is stopping; send the request again")
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // With `PRIO_PROCESS` and 0, Linux sets the priority of the calling thread only.
    // SAFETY: setpriority has no memory effects; a failure leaves the priority as it was.
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS) } != 0;
    if failed {
        tracing::debug!("the bulk lane runs at normal priority (setpriority failed)");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
