//! SQL for the activity log: one row per SCIM request, with bounded retention.
//!
//! Requests do not write their rows themselves: rows are buffered in memory and a flusher writes
//! each batch as a few multi-row INSERTs every [`FLUSH_INTERVAL`], so reads stay reads and the
//! writer spends its time on the directory.
//!
//! The log lives in its own file, [`ACTIVITY_FILE`], attached to every connection as `log`. A
//! commit that only adds log rows leaves the directory's file as it was, so the readers of the
//! directory keep their page caches (SQLite drops a reader's cache whenever its file changed;
//! with the log in the same file that was every 100 ms under load). The log is written with
//! `synchronous=NORMAL`: a power cut may lose its last rows, never a directory change.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, ToSql};
use serde::Serialize;

use super::connection::Access;
use super::{Result, Store, StoreError, Writer};

/// The activity log's file, next to the directory's.
pub const ACTIVITY_FILE: &str = "activity.db";

/// The log's schema; `user_version` says which one a file has.
const LOG_SCHEMA_VERSION: i64 = 1;
/// Rows are kept in (source, id) order in the table itself: each row is one B-tree insert when
/// written and one delete when pruned, with no index to keep beside it.
const LOG_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS log.activity (
        source_id  INTEGER NOT NULL,
        -- Increasing within a source.
        id         INTEGER NOT NULL,
        time       TEXT NOT NULL,
        method     TEXT NOT NULL,
        path       TEXT NOT NULL,
        status     INTEGER NOT NULL,
        -- What changed, in the admin's words (\"created user alice@contoso.com\"), or why refused.
        summary    TEXT NOT NULL,
        latency_us INTEGER NOT NULL,
        PRIMARY KEY (source_id, id)
    ) WITHOUT ROWID;
";

/// Attach the log file as `log` (the writer creates it and its schema; readers only read it).
pub(super) fn attach_log(conn: &Connection, path: &Path, access: Access) -> Result<()> {
    let name = path.to_str().ok_or_else(|| StoreError::DataDir(path.to_path_buf(), "the path is not valid UTF-8".into()))?;
    conn.execute("ATTACH DATABASE ?1 AS log", [name])?;
    if access == Access::ReadWrite {
        super::connection::use_wal(conn, "log", path)?;
        conn.pragma_update(Some("log"), "synchronous", "NORMAL")?;
        let version: i64 = conn.query_row("PRAGMA log.user_version", [], |r| r.get(0))?;
        if version > LOG_SCHEMA_VERSION {
            return Err(StoreError::NewerSchema(version));
        }
        conn.execute_batch(LOG_SCHEMA)?;
        conn.pragma_update(Some("log"), "user_version", LOG_SCHEMA_VERSION)?;
    }
    Ok(())
}

/// Rows kept per source; older ones are pruned as new ones arrive.
pub const ACTIVITY_RETENTION: i64 = 10_000;
/// How often buffered rows are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Rows held in memory at most; past this (the disk cannot keep up) rows are dropped and logged.
const MAX_BUFFERED: usize = 100_000;
/// Rows per INSERT statement (8 parameters each, well under SQLite's limit).
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
    // Each source's rows continue its ids (the writer is the only one adding rows).
    let mut next_id: HashMap<i64, i64> = HashMap::new();
    let mut last_id = conn.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM log.activity WHERE source_id = ?")?;
    let mut ids = Vec::with_capacity(rows.len());
    for (source_id, _) in rows {
        let next = match next_id.entry(*source_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(last_id.query_row([source_id], |r| r.get::<_, i64>(0))? + 1),
        };
        ids.push(*next);
        *next += 1;
    }
    for (chunk, ids) in rows.chunks(ROWS_PER_INSERT).zip(ids.chunks(ROWS_PER_INSERT)) {
        // Rows of a source deleted meanwhile are left out rather than failing the batch.
        let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO log.activity (source_id, id, time, method, path, status, summary, latency_us)
             SELECT * FROM (VALUES {values}) AS v WHERE v.column1 IN (SELECT id FROM main.sources)"
        );
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 8);
        for ((source_id, e), id) in chunk.iter().zip(ids) {
            args.extend([source_id as &dyn ToSql, id, &e.time, &e.method, &e.path, &e.status, &e.summary, &e.latency_us]);
        }
        conn.prepare_cached(&sql)?.execute(&args[..])?;
    }
    let mut sources: Vec<i64> = rows.iter().map(|(s, _)| *s).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut prune = conn.prepare_cached(
        "DELETE FROM log.activity WHERE source_id = ?1 AND id <= (SELECT id FROM log.activity WHERE source_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?;
    for source_id in sources {
        prune.execute(params![source_id, ACTIVITY_RETENTION])?;
    }
    Ok(())
}

/// Forget the log rows of a deleted source (in the write that deletes it).
pub(super) fn delete_source_rows(conn: &Connection, source_id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM log.activity WHERE source_id = ?")?.execute([source_id])?;
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
                "SELECT id, time, method, path, status, summary, latency_us FROM log.activity
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewSource;

    fn entry(path: &str) -> ActivityEntry {
        ActivityEntry {
            id: 0,
            time: crate::store::now(),
            method: "GET".into(),
            path: path.into(),
            status: 200,
            summary: "read".into(),
            latency_us: 1,
        }
    }

    async fn store_with_source(dir: &Path, slug: &str) -> (Store, i64) {
        let store = Store::open(dir).await.unwrap();
        let source = store
            .insert_source(NewSource { uid: slug.into(), name: slug.into(), slug: slug.into(), token_hash: [0; 32], token_prefix: "x".into() })
            .await
            .unwrap();
        (store, source.id)
    }

    /// The point of the separate file: a reader of the directory sees no change (and so keeps
    /// its page cache) when only log rows were written.
    #[tokio::test]
    async fn log_writes_leave_the_directory_file_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path(), "entra").await;
        let directory = rusqlite::Connection::open(dir.path().join(crate::store::DATABASE_FILE)).unwrap();
        let data_version = || -> i64 { directory.query_row("PRAGMA data_version", [], |r| r.get(0)).unwrap() };
        let before = data_version();
        store.record_activity(source_id, entry("/Users"));
        store.flush_activity().await.unwrap();
        assert_eq!(store.recent_activity(source_id, 10).unwrap().len(), 1, "the row was written");
        assert_eq!(data_version(), before, "the directory's file changed");
        // A directory write does change it (the check above can fail).
        store.set_setting("public_url", Some("https://example.test".into())).await.unwrap();
        assert_ne!(data_version(), before);
    }

    #[tokio::test]
    async fn a_source_keeps_its_newest_rows_up_to_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path(), "entra").await;
        let extra = 25;
        for batch in 0..2 {
            for n in 0..(ACTIVITY_RETENTION + extra) / 2 + 1 {
                store.record_activity(source_id, entry(&format!("/Users/{batch}-{n}")));
            }
            store.flush_activity().await.unwrap();
        }
        let rows = store.recent_activity(source_id, 2 * ACTIVITY_RETENTION).unwrap();
        assert_eq!(rows.len() as i64, ACTIVITY_RETENTION);
        let newest = format!("/Users/1-{}", (ACTIVITY_RETENTION + extra) / 2);
        assert_eq!(rows[0].path, newest, "newest first, and the newest is kept");
        assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "ids increase across flushes");
    }

    #[tokio::test]
    async fn deleting_a_source_deletes_its_log_rows_only() {
        let dir = tempfile::tempdir().unwrap();
        let (store, gone) = store_with_source(dir.path(), "gone").await;
        let kept = store
            .insert_source(NewSource { uid: "kept".into(), name: "kept".into(), slug: "kept".into(), token_hash: [0; 32], token_prefix: "x".into() })
            .await
            .unwrap()
            .id;
        store.record_activity(gone, entry("/Users"));
        store.record_activity(kept, entry("/Groups"));
        store.flush_activity().await.unwrap();
        assert!(store.delete_source("gone").await.unwrap());
        assert!(store.recent_activity(gone, 10).unwrap().is_empty());
        assert_eq!(store.recent_activity(kept, 10).unwrap().len(), 1);
        // Rows buffered for a source deleted meanwhile are left out, not an error.
        store.record_activity(gone, entry("/Users"));
        store.flush_activity().await.unwrap();
        assert!(store.recent_activity(gone, 10).unwrap().is_empty());
    }
}
