//! SQL for the activity log: one row per SCIM request, with bounded retention.

use serde::Serialize;
use sqlx::FromRow;

use super::{Result, Store};

/// Rows kept per source; older ones are pruned as new ones arrive.
pub const ACTIVITY_RETENTION: i64 = 10_000;
/// Pruning runs once per this many inserted rows (on average), not on every insert.
const PRUNE_EVERY: i64 = 500;

#[derive(Debug, Clone, FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub id: i64,
    pub time: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub summary: String,
    pub latency_us: i64,
}

impl Store {
    /// Queue an activity row; it is committed with the next write batch.
    pub fn record_activity(&self, source_id: i64, entry: ActivityEntry) {
        self.writer.submit(move |conn| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO activity (source_id, time, method, path, status, summary, latency_us)
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(source_id)
                .bind(&entry.time)
                .bind(&entry.method)
                .bind(&entry.path)
                .bind(entry.status)
                .bind(&entry.summary)
                .bind(entry.latency_us)
                .fetch_one(&mut *conn)
                .await?;
                if id % PRUNE_EVERY == 0 {
                    sqlx::query("DELETE FROM activity WHERE source_id = ? AND id <= (SELECT id FROM activity WHERE source_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
                        .bind(source_id)
                        .bind(source_id)
                        .bind(ACTIVITY_RETENTION)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        });
    }

    /// The newest `limit` activity rows of a source, newest first.
    pub async fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, time, method, path, status, summary, latency_us FROM activity
             WHERE source_id = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(source_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }
}
