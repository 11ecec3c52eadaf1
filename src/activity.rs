//! The activity service: what each SCIM request did becomes an activity row (kept in
//! `activity.db`) and a [`ProvisioningEvent`] for the window's live view.

use std::sync::Arc;

use crate::change::Change;
use crate::events::{Events, ProvisioningEvent};
use crate::store::{ActivityEntry, Store, StoreError};

/// One request as the server saw it, for its source's Activity.
#[derive(Debug, Clone)]
pub struct RequestActivity {
    pub source_id: i64,
    pub slug: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub change: Change,
    pub resource_id: Option<String>,
    pub summary: String,
    pub latency: std::time::Duration,
}

pub struct Activity {
    store: Store,
    events: Arc<Events>,
}

impl Activity {
    pub(crate) fn new(store: Store, events: Arc<Events>) -> Self {
        Activity { store, events }
    }

    /// Record a request: its row is buffered (written within 100 ms) and its event published.
    pub fn record(&self, request: RequestActivity) {
        let time = crate::store::now();
        self.store.record_activity(
            request.source_id,
            ActivityEntry {
                id: 0,
                time: time.clone(),
                method: request.method.clone(),
                path: request.path.clone(),
                status: request.status as i64,
                summary: request.summary.clone(),
                latency_us: request.latency.as_micros() as i64,
                change: request.change.clone(),
            },
        );
        self.events.publish(ProvisioningEvent {
            seq: 0,
            source: request.slug,
            time,
            method: request.method,
            path: request.path,
            status: request.status,
            change: request.change,
            resource_id: request.resource_id,
            summary: request.summary,
            latency_ms: request.latency.as_secs_f64() * 1000.0,
        });
    }

    /// Write the buffered rows now (when the server stops).
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.store.flush_activity().await
    }
}
