//! ProvisioningEvent: what happened on a source, published after each committed change and
//! each refused request, in sequence, for the window's live view. Per-source request counters.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

/// What a request changed, in the SCIM vocabulary the Activity feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Change {
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupRenamed,
    GroupDeleted,
    MembersChanged { added: u64, removed: u64 },
    /// The request was refused (4xx/5xx); `summary` says why.
    Refused,
    /// The request read data and changed nothing.
    Read,
    SourceCreated,
    SourceUpdated,
    SourceDeleted,
    TokenRotated,
}

/// One event on the broadcast channel. `seq` increases by one per event of this engine.
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
}

#[derive(Default)]
struct RequestCounter {
    recent: VecDeque<Instant>,
    errors: u64,
    last_request: Option<String>,
}

/// Request figures of one source since the engine started.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStats {
    pub requests_last_minute: u64,
    pub errors: u64,
    pub last_request: Option<String>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl Events {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(65_536);
        Self { sender, seq: Mutex::new(0), requests: Mutex::new(HashMap::new()) }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ProvisioningEvent> {
        self.sender.subscribe()
    }

    /// Stamp `event` with the next sequence number, count it and send it to every subscriber.
    pub fn publish(&self, mut event: ProvisioningEvent) {
        let counted = !matches!(
            event.change,
            Change::SourceCreated | Change::SourceUpdated | Change::SourceDeleted | Change::TokenRotated
        );
        if counted {
            let mut requests = self.requests.lock().expect("counter lock");
            let counter = requests.entry(event.source.clone()).or_default();
            let now = Instant::now();
            counter.recent.push_back(now);
            while counter.recent.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
                counter.recent.pop_front();
            }
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

    pub fn request_stats(&self, source: &str) -> RequestStats {
        let mut requests = self.requests.lock().expect("counter lock");
        let Some(counter) = requests.get_mut(source) else { return RequestStats::default() };
        let now = Instant::now();
        while counter.recent.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            counter.recent.pop_front();
        }
        RequestStats {
            requests_last_minute: counter.recent.len() as u64,
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
