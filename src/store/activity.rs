//! SQL for the activity log: one row per SCIM request, with bounded retention.
//!
//! Requests do not write their rows themselves: rows are buffered in memory and a flusher writes
//! each batch as a few multi-row INSERTs every [`FLUSH_INTERVAL`], so reads stay reads and the
//! writer spends its time on the directory.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, ToSql};
use serde::Serialize;

use super::{Result, Store, Writer};

/// Rows kept per source; older ones are pruned as new ones arrive.
pub const ACTIVITY_RETENTION: i64 = 10_000;
/// How often buffered rows are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Rows held in memory at most; past this (the disk cannot keep up) rows are dropped and logged.
const MAX_BUFFERED: usize = 100_000;
/// Rows per INSERT statement (7 parameters each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 200;

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
}

/// Activity rows waiting to be written: (source id, row).
#[derive(Clone, Default)]
pub(super) struct ActivityBuffer {
    rows: Arc<Mutex<Vec<(i64, ActivityEntry)>>>,
    dropped: Arc<std::sync::atomic::AtomicU64>,
}

impl ActivityBuffer {
    fn push(&self, source_id: i64, entry: ActivityEntry) {
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
    pub(super) async fn flush(&self, writer: &Writer) -> Result<()> {
        let rows = self.take();
        if rows.is_empty() {
            return Ok(());
        }
        writer.write(move |conn| insert_rows(conn, &rows)).await
    }

    /// Flush every [`FLUSH_INTERVAL`] for as long as the process runs.
    pub(super) fn start_flusher(&self, writer: Writer) {
        let buffer = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_INTERVAL).await;
                if let Err(e) = buffer.flush(&writer).await {
                    tracing::error!(error = %e, "activity rows could not be written");
                }
            }
        });
    }
}

fn insert_rows(conn: &Connection, rows: &[(i64, ActivityEntry)]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // Rows of a source deleted meanwhile are left out rather than failing the batch.
        let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO activity (source_id, time, method, path, status, summary, latency_us)
             SELECT * FROM (VALUES {values}) AS v WHERE v.column1 IN (SELECT id FROM sources)"
        );
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 7);
        for (source_id, e) in chunk {
            args.extend([source_id as &dyn ToSql, &e.time, &e.method, &e.path, &e.status, &e.summary, &e.latency_us]);
        }
        conn.prepare_cached(&sql)?.execute(&args[..])?;
    }
    let mut sources: Vec<i64> = rows.iter().map(|(s, _)| *s).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut prune = conn.prepare_cached(
        "DELETE FROM activity WHERE source_id = ?1 AND id <= (SELECT id FROM activity WHERE source_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?;
    for source_id in sources {
        prune.execute(params![source_id, ACTIVITY_RETENTION])?;
    }
    Ok(())
}

impl Store {
    /// Buffer an activity row; it is written within [`FLUSH_INTERVAL`].
    pub fn record_activity(&self, source_id: i64, entry: ActivityEntry) {
        self.activity.push(source_id, entry);
    }

    /// Write buffered activity rows now (before a graceful stop).
    pub async fn flush_activity(&self) -> Result<()> {
        self.activity.flush(&self.writer).await
    }

    /// The newest `limit` activity rows of a source, newest first.
    pub fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, time, method, path, status, summary, latency_us FROM activity
                 WHERE source_id = ? ORDER BY id DESC LIMIT ?",
            )?;
            let rows = stmt.query_map([source_id, limit], |r| {
                Ok(ActivityEntry {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    method: r.get(2)?,
                    path: r.get(3)?,
                    status: r.get(4)?,
                    summary: r.get(5)?,
                    latency_us: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
