//! The activity service: what each SCIM request did becomes an activity row (kept in
//! `activity.db`) and a [`ProvisioningEvent`] for the window's live view. A window attached to
//! the background service follows the rows the service writes and publishes them as events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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

    /// Record a request for `/source/scim/{slug}/v2/...` where no source has that slug (refused
    /// with 404). It has no Activity to go to: it is counted per slug, one row per slug however
    /// many requests, and at most a hundred slugs (see [`crate::store::MAX_UNKNOWN_SLUGS`]).
    pub fn record_unknown_slug(&self, slug: &str) {
        self.store.record_unknown_slug(slug);
    }

    /// Continue each source's refusal counter from the log: when this process starts serving, the
    /// log holds everything the previous server wrote.
    pub fn recount_refused(&self) -> Result<(), StoreError> {
        self.events.set_refused(&self.store.refused_counts()?);
        Ok(())
    }

    /// Publish, as events, the rows another process on this data folder (the background service)
    /// adds to the activity log, looking every `interval`; rows already there are not events.
    /// Following stops when the returned value is dropped.
    pub fn follow(&self, interval: Duration) -> Result<Following, StoreError> {
        self.follow_rows(interval, Rows::All)
    }

    /// Publish, as events, the rows the other instances on this database (PostgreSQL) add to the
    /// activity log, looking every `interval`: a server then shows every instance's requests,
    /// as one window would. Following stops when the returned value is dropped.
    pub fn follow_other_instances(&self, interval: Duration) -> Result<Following, StoreError> {
        self.follow_rows(interval, Rows::OtherInstances)
    }

    fn follow_rows(&self, interval: Duration, rows: Rows) -> Result<Following, StoreError> {
        // The refusal counters start from the rows up to the cursors; the rows after them are
        // counted as their events are published.
        let (mut cursors, refused) = self.store.activity_position()?;
        self.events.set_refused(&refused);
        let (store, events) = (self.store.clone(), self.events.clone());
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(e) = publish_new_rows(&store, &events, &mut cursors, rows) {
                    tracing::warn!(error = %e, "could not read the activity log");
                }
            }
        });
        Ok(Following(task))
    }

    /// Write the buffered rows now (when the server stops).
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.store.flush_activity().await
    }
}

/// Whose rows a follower publishes.
#[derive(Clone, Copy)]
enum Rows {
    All,
    OtherInstances,
}

/// Following the activity log; stops when dropped.
pub struct Following(tokio::task::JoinHandle<()>);

impl Drop for Following {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The rows each source gained since `cursors` (source id → last row seen), as events, in order.
fn publish_new_rows(
    store: &Store,
    events: &Events,
    cursors: &mut HashMap<i64, i64>,
    whose: Rows,
) -> Result<(), StoreError> {
    const ROWS_PER_READ: i64 = 1_000;
    let sources = store.list_sources()?;
    cursors.retain(|id, _| sources.iter().any(|s| s.id == *id));
    for source in sources {
        let cursor = cursors.entry(source.id).or_insert(0);
        loop {
            let rows = match whose {
                Rows::All => store.activity_after(source.id, *cursor, ROWS_PER_READ)?,
                Rows::OtherInstances => store.other_instances_activity_after(source.id, *cursor, ROWS_PER_READ)?,
            };
            let Some(last) = rows.last() else { break };
            *cursor = last.id;
            let full = rows.len() as i64 == ROWS_PER_READ;
            for row in rows {
                events.publish(ProvisioningEvent {
                    seq: 0,
                    source: source.slug.clone(),
                    time: row.time,
                    method: row.method,
                    path: row.path,
                    status: row.status as u16,
                    change: row.change,
                    // The log does not keep it; the window reloads what it shows instead.
                    resource_id: None,
                    summary: row.summary,
                    latency_ms: row.latency_us as f64 / 1000.0,
                });
            }
            if !full {
                break;
            }
        }
    }
    Ok(())
}
