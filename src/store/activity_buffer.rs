//! Activity rows and requests for unknown slugs, buffered in memory and written every
//! [`FLUSH_INTERVAL`] as one write of the log: requests do not write their rows themselves, so
//! reads stay reads and the writer spends its time on the directory.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::backend::Backend;
use super::unknown_slug_buffer::UnknownSlugBuffer;
use super::{ActivityEntry, Result};
use crate::traffic::DEFAULT_CYCLE_INTERVAL;

/// Rows kept per source; older ones are pruned as new ones arrive.
pub const ACTIVITY_RETENTION: i64 = 10_000;
/// How often buffered rows are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Rows held in memory at most; past this (the disk cannot keep up) rows are dropped and logged.
const MAX_BUFFERED: usize = 100_000;

/// Activity rows waiting to be written: (source id, row); and the requests for unknown slugs.
#[derive(Clone)]
pub(super) struct ActivityBuffer {
    rows: Arc<Mutex<Vec<(i64, ActivityEntry)>>>,
    unknown_slugs: Arc<Mutex<UnknownSlugBuffer>>,
    dropped: Arc<std::sync::atomic::AtomicU64>,
    /// Entra's cycle interval in ms (the setting), which tells where a cycle ends.
    cycle_interval_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for ActivityBuffer {
    fn default() -> Self {
        ActivityBuffer {
            rows: Arc::default(),
            unknown_slugs: Arc::default(),
            dropped: Arc::default(),
            cycle_interval_ms: Arc::new((DEFAULT_CYCLE_INTERVAL.as_millis() as u64).into()),
        }
    }
}

impl ActivityBuffer {
    pub(super) fn push_unknown_slug(&self, slug: &str, time: String) {
        self.unknown_slugs.lock().expect("unknown slugs buffer").push(slug, time);
    }

    pub(super) fn set_cycle_interval(&self, interval: Duration) {
        self.cycle_interval_ms.store(interval.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    fn cycle_interval(&self) -> Duration {
        Duration::from_millis(self.cycle_interval_ms.load(std::sync::atomic::Ordering::Relaxed))
    }

    pub(super) fn push(&self, source_id: i64, entry: ActivityEntry) {
        let mut rows = self.rows.lock().expect("activity buffer");
        if rows.len() >= MAX_BUFFERED {
            let n = self.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n.is_multiple_of(10_000) {
                tracing::warn!(dropped = n + 1, "activity rows dropped: the disk is not keeping up");
            }
            return;
        }
        rows.push((source_id, entry));
    }

    fn take(&self) -> Vec<(i64, ActivityEntry)> {
        std::mem::take(&mut *self.rows.lock().expect("activity buffer"))
    }

    /// Write what is buffered now; returns when it is committed.
    pub(super) async fn flush(&self, backend: &dyn Backend) -> Result<()> {
        let rows = self.take();
        let unknown_slugs = {
            let mut buffer = self.unknown_slugs.lock().expect("unknown slugs buffer");
            (!buffer.is_empty()).then(|| buffer.take())
        };
        if rows.is_empty() && unknown_slugs.is_none() {
            return Ok(());
        }
        let interval = self.cycle_interval();
        backend.write_log(rows, unknown_slugs, interval).await
    }

    /// Flush every [`FLUSH_INTERVAL`] for as long as the process runs.
    pub(super) fn start_flusher(&self, backend: Arc<dyn Backend>) {
        let buffer = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_INTERVAL).await;
                if let Err(e) = buffer.flush(backend.as_ref()).await {
                    tracing::error!(error = %e, "activity rows could not be written");
                }
            }
        });
    }
}
