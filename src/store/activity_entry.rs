//! One activity row as the store reads and writes it: the request, its answer, and the kind of
//! change it made (kept as the `Change`'s JSON).

use serde::Serialize;

use crate::change::Change;

/// One request in a source's activity log.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub id: i64,
    pub time: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub summary: String,
    pub latency_us: i64,
    /// What the request changed: the `change` its ProvisioningEvent carried.
    pub change: Change,
}

pub(super) fn change_json(change: &Change) -> String {
    serde_json::to_string(change).expect("a Change serialises")
}

/// The `Change` a log row kept as JSON.
pub(super) fn change_from_json(text: &str) -> serde_json::Result<Change> {
    serde_json::from_str(text)
}
