//! ProvisioningEvent: what happened on a source, published after each committed change and
//! each refused request, in sequence, for the window's live view. Per-source request counters:
//! requests in the last minute are this process's own; refusals continue the count kept in the
//! activity log, so that a restart does not reset them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::broadcast;

pub use crate::change::Change;

/// One event on the broadcast channel. `seq` increases by one per event of this engine.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningEvent {
    pub seq: u64,
    pub source: String,
    /// RFC 3339 time.
    pub time: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub change: Change,
    /// The resource the change was about (id), when there is one.
    pub resource_id: Option<String>,
    pub summary: String,
    pub latency_ms: f64,
}

/// The event channel and the in-memory request counters.
pub struct Events {
    sender: broadcast::Sender<ProvisioningEvent>,
    /// Held while numbering and sending, so subscribers receive events in `seq` order.
    seq: Mutex<u64>,
    requests: Mutex<HashMap<String, RequestCounter>>,
    started: Instant,
}

/// Requests per second over the last minute, in a ring of 60 one-second buckets, so counting
/// costs the same at 10 or 10,000 requests a second.
struct RequestCounter {
    /// (second since `Events::started`, counted from 1 so that 0 means unused; requests in it)
    buckets: [(u64, u64); 60],
    errors: u64,
    last_request: Option<String>,
}

impl Default for RequestCounter {
    fn default() -> Self {
        RequestCounter { buckets: [(0, 0); 60], errors: 0, last_request: None }
    }
}

impl RequestCounter {
    fn count(&mut self, second: u64) {
        let bucket = &mut self.buckets[(second % 60) as usize];
        if bucket.0 != second {
            *bucket = (second, 0);
        }
        bucket.1 += 1;
    }

    fn last_minute(&self, second: u64) -> u64 {
        self.buckets.iter().filter(|(s, _)| second.saturating_sub(*s) < 60 && *s <= second).map(|(_, n)| n).sum()
    }
}

/// Request figures of one source.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStats {
    /// Requests served (or followed) by this process in the last minute.
    pub requests_last_minute: u64,
    /// Refused requests (4xx, 5xx) since the source's first request, across restarts.
    pub errors: u64,
    pub last_request: Option<String>,
}

impl Events {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(65_536);
        Self { sender, seq: Mutex::new(0), requests: Mutex::new(HashMap::new()), started: Instant::now() }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ProvisioningEvent> {
        self.sender.subscribe()
    }

    /// Stamp `event` with the next sequence number, count it and send it to every subscriber.
    pub fn publish(&self, mut event: ProvisioningEvent) {
        // The admin's changes and reachability checks are not the source's requests.
        let counted = event.change.request_kind().is_some();
        if event.change == Change::SourceDeleted {
            // A source created later under the same slug starts from nothing.
            self.requests.lock().expect("counter lock").remove(&event.source);
        }
        if counted {
            let mut requests = self.requests.lock().expect("counter lock");
            let counter = requests.entry(event.source.clone()).or_default();
            counter.count(self.started.elapsed().as_secs() + 1);
            if event.status >= 400 {
                counter.errors += 1;
            }
            counter.last_request = Some(event.time.clone());
        }
        let mut seq = self.seq.lock().expect("seq lock");
        *seq += 1;
        event.seq = *seq;
        // No subscriber is not an error: the headless server runs without a window.
        let _ = self.sender.send(event);
    }

    /// Continue each source's refusal count from `refused` (by slug; as the activity log has them):
    /// at open, and whenever this process starts counting the log's rows from a new position.
    pub fn set_refused(&self, refused: &HashMap<String, u64>) {
        let mut requests = self.requests.lock().expect("counter lock");
        for (slug, counter) in requests.iter_mut() {
            counter.errors = refused.get(slug).copied().unwrap_or(0);
        }
        for (slug, n) in refused {
            requests.entry(slug.clone()).or_default().errors = *n;
        }
    }

    pub fn request_stats(&self, source: &str) -> RequestStats {
        let requests = self.requests.lock().expect("counter lock");
        let Some(counter) = requests.get(source) else { return RequestStats::default() };
        RequestStats {
            requests_last_minute: counter.last_minute(self.started.elapsed().as_secs() + 1),
            errors: counter.errors,
            last_request: counter.last_request.clone(),
        }
    }

    pub fn last_seq(&self) -> u64 {
        *self.seq.lock().expect("seq lock")
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_last_minute_counts_only_the_last_sixty_seconds() {
        let mut c = RequestCounter::default();
        for second in 1..=100 {
            c.count(second);
            c.count(second);
        }
        assert_eq!(c.last_minute(100), 120);
        assert_eq!(c.last_minute(130), 60, "seconds 71..=100 remain");
        assert_eq!(c.last_minute(200), 0);
    }
}
