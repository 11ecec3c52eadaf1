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

pub(super) fn change_from_column(text: Option<String>) -> rusqlite::Result<Change> {
    let text =
        text.ok_or_else(|| rusqlite::Error::InvalidColumnType(7, "change".into(), rusqlite::types::Type::Null))?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e)))
}

pub(super) fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityEntry> {
    Ok(ActivityEntry {
        id: r.get(0)?,
        time: r.get(1)?,
        method: r.get(2)?,
        path: r.get(3)?,
        status: r.get(4)?,
        summary: r.get(5)?,
        latency_us: r.get(6)?,
        change: change_from_column(r.get(7)?)?,
    })
}
