//! Reading the activity log's rows and columns: entries, cycles, and the JSON columns.

use crate::change::Change;
use crate::store::activity_entry::change_from_json;
use crate::store::columns::run_from_json;
use crate::store::ActivityEntry;
use crate::traffic::{Cycle, RefusalRun};

pub(super) const CYCLE_COLUMNS: &str = "started, ended, requests, created, updated, deleted, refused";

/// A refusal run kept as JSON.
pub(super) fn run_from_column(text: String) -> rusqlite::Result<RefusalRun> {
    run_from_json(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

pub(super) fn cycle_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Cycle> {
    Ok(Cycle {
        started: r.get(first)?,
        ended: r.get(first + 1)?,
        requests: r.get(first + 2)?,
        created: r.get(first + 3)?,
        updated: r.get(first + 4)?,
        deleted: r.get(first + 5)?,
        refused: r.get(first + 6)?,
    })
}

/// The `Change` a row kept as JSON (column 7 of [`entry_from_row`]'s columns).
pub(super) fn change_from_column(text: Option<String>) -> rusqlite::Result<Change> {
    let text =
        text.ok_or_else(|| rusqlite::Error::InvalidColumnType(7, "change".into(), rusqlite::types::Type::Null))?;
    change_from_json(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e)))
}

/// A row of `id, time, method, path, status, summary, latency_us, change`.
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
