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
use std::time::Duration;

use rusqlite::{params, Connection, ToSql};

use super::connection::Access;
use super::health::{self, HEALTH_SCHEMA};
use super::log_tables::{self, SqliteLog};
use super::rows::entry_from_row;
use super::unknown_slugs::UNKNOWN_SLUGS_SCHEMA;
use super::SqliteStore;
use crate::change::Change;
use crate::store::activity_entry::change_json;
use crate::store::log_update::record_traffic;
use crate::store::{ActivityEntry, Result, StoreError, ACTIVITY_RETENTION};

/// The activity log's file, next to the directory's.
pub const ACTIVITY_FILE: &str = "activity.db";

/// The log's schema; `user_version` says which one a file has. 2 added `change`; 3 added the
/// cycles and traffic of `health.rs` and the table of `unknown_slugs.rs`.
const LOG_SCHEMA_VERSION: i64 = 3;
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
        -- The kind of change as JSON (`{\"type\":\"membersChanged\",\"added\":2,\"removed\":0}`), so the
        -- window shows stored rows as it shows live events instead of guessing from method and path.
        -- Nullable only because version 1 files gain it through ALTER TABLE; the upgrade fills it.
        change     TEXT,
        PRIMARY KEY (source_id, id)
    ) WITHOUT ROWID;
";

/// Attach the log file as `log` (the writer creates it and its schema; readers only read it).
pub(super) fn attach_log(conn: &Connection, path: &Path, access: Access) -> Result<()> {
    let name =
        path.to_str().ok_or_else(|| StoreError::DataDir(path.to_path_buf(), "the path is not valid UTF-8".into()))?;
    conn.execute("ATTACH DATABASE ?1 AS log", [name])?;
    if access == Access::ReadWrite {
        super::connection::use_wal(conn, "log", path)?;
        conn.pragma_update(Some("log"), "synchronous", "NORMAL")?;
        let version: i64 = conn.query_row("PRAGMA log.user_version", [], |r| r.get(0))?;
        if version > LOG_SCHEMA_VERSION {
            return Err(StoreError::NewerSchema(version));
        }
        conn.execute_batch(LOG_SCHEMA)?;
        conn.execute_batch(HEALTH_SCHEMA)?;
        conn.execute_batch(UNKNOWN_SLUGS_SCHEMA)?;
        if version == 1 {
            add_change_column(conn)?;
        }
        if (1..3).contains(&version) {
            log_tables::fill_from_rows(conn)?;
        }
        conn.pragma_update(Some("log"), "user_version", LOG_SCHEMA_VERSION)?;
    }
    Ok(())
}

/// Version 1 to 2: add `change` and fill it once for the rows already there, from what they kept.
fn add_change_column(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch("ALTER TABLE log.activity ADD COLUMN change TEXT")?;
    let rows = {
        let mut stmt = tx.prepare("SELECT source_id, id, method, path, status, summary FROM log.activity")?;
        let rows = stmt.query_map([], |r| {
            let change =
                change_of_old_row(&r.get::<_, String>(2)?, &r.get::<_, String>(3)?, r.get(4)?, &r.get::<_, String>(5)?);
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, change))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    {
        let mut update = tx.prepare("UPDATE log.activity SET change = ?1 WHERE source_id = ?2 AND id = ?3")?;
        for (source_id, id, change) in &rows {
            update.execute(params![change_json(change), source_id, id])?;
        }
    }
    tx.commit()?;
    tracing::info!(rows = rows.len(), "activity log upgraded: each row now keeps its kind of change");
    Ok(())
}

/// The change a row written before version 2 stood for, from its status, method and the summary
/// the directory wrote (`created user ...`, `added 2 members to Sales; removed 1 member from Sales`).
fn change_of_old_row(method: &str, path: &str, status: i64, summary: &str) -> Change {
    if status >= 400 {
        return Change::Refused;
    }
    if method.eq_ignore_ascii_case("GET") {
        return Change::Read;
    }
    let starts = |prefix: &str| summary.starts_with(prefix);
    let members = |verb: &str| -> u64 {
        summary.split("; ").find_map(|part| part.strip_prefix(verb)?.split(' ').next()?.parse().ok()).unwrap_or(0)
    };
    match () {
        _ if starts("created user") => Change::UserCreated,
        _ if starts("deleted user") => Change::UserDeleted,
        _ if starts("disabled user") => Change::UserDisabled,
        _ if starts("enabled user") => Change::UserEnabled,
        _ if starts("updated user") || starts("user ") => Change::UserUpdated,
        _ if starts("created group") => Change::GroupCreated,
        _ if starts("deleted group") => Change::GroupDeleted,
        _ if starts("renamed group") => Change::GroupRenamed,
        _ if starts("updated group") || starts("group ") => Change::GroupUpdated,
        _ if starts("added ") || starts("removed ") => {
            Change::MembersChanged { added: members("added "), removed: members("removed ") }
        }
        _ if path.contains("/Groups") => Change::GroupUpdated,
        _ if path.contains("/Users") => Change::UserUpdated,
        _ => Change::Read,
    }
}

/// Rows per INSERT statement (9 parameters each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 200;

/// Write `rows` and extend their sources' cycles and traffic; Entra's cycles are `interval` apart.
pub(super) fn insert_rows(conn: &Connection, rows: &[(i64, ActivityEntry)], interval: Duration) -> Result<()> {
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
        let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO log.activity (source_id, id, time, method, path, status, summary, latency_us, change)
             SELECT * FROM (VALUES {values}) AS v WHERE v.column1 IN (SELECT id FROM main.sources)"
        );
        let changes: Vec<String> = chunk.iter().map(|(_, e)| change_json(&e.change)).collect();
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 9);
        for (((source_id, e), id), change) in chunk.iter().zip(ids).zip(&changes) {
            args.extend([
                source_id as &dyn ToSql,
                id,
                &e.time,
                &e.method,
                &e.path,
                &e.status,
                &e.summary,
                &e.latency_us,
                change,
            ]);
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
    record_traffic(&mut SqliteLog(conn), rows, interval)
}

/// Forget the log rows of a deleted source (in the write that deletes it).
pub(super) fn delete_source_rows(conn: &Connection, source_id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM log.activity WHERE source_id = ?")?.execute([source_id])?;
    health::delete_source_rows(conn, source_id)
}

impl SqliteStore {
    /// The newest `limit` activity rows of a source, newest first.
    pub(super) fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, time, method, path, status, summary, latency_us, change FROM log.activity
                 WHERE source_id = ? ORDER BY id DESC LIMIT ?",
            )?;
            let rows = stmt.query_map([source_id, limit], entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// A source's rows written after row `after` (as another process writes them), oldest first,
    /// at most `limit`.
    pub(super) fn activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, time, method, path, status, summary, latency_us, change FROM log.activity
                 WHERE source_id = ? AND id > ? ORDER BY id LIMIT ?",
            )?;
            let rows = stmt.query_map([source_id, after, limit], entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Each source's newest row id and the refusal counts, as of one moment: the counts
    /// include exactly the rows up to those ids.
    pub(super) fn activity_position(&self) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)> {
        self.snapshot(|conn| Ok((last_activity_ids(conn)?, health::refused_counts(conn)?)))
    }
}

fn last_activity_ids(conn: &Connection) -> Result<HashMap<i64, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, (SELECT a.id FROM log.activity a WHERE a.source_id = s.id ORDER BY a.id DESC LIMIT 1)
         FROM main.sources s",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))?;
    let mut last = HashMap::new();
    for row in rows {
        if let (source_id, Some(id)) = row? {
            last.insert(source_id, id);
        }
    }
    Ok(last)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::store::{NewSource, Store};

    pub(in crate::store) fn entry(path: &str) -> ActivityEntry {
        ActivityEntry {
            id: 0,
            time: crate::store::now(),
            method: "GET".into(),
            path: path.into(),
            status: 200,
            summary: "read".into(),
            latency_us: 1,
            change: Change::Read,
        }
    }

    /// A SQLite store in `dir` with a source, for tests that look at its files.
    pub(in crate::store) async fn sqlite_store_with_source(dir: &Path, slug: &str) -> (Store, i64) {
        let store = Store::open(dir).await.unwrap();
        let id = add_source(&store, slug).await;
        (store, id)
    }

    pub(in crate::store) async fn store_with_source(dir: &Path, slug: &str) -> (Store, i64) {
        let store = crate::store::open_for_test(dir).await;
        let id = add_source(&store, slug).await;
        (store, id)
    }

    /// A source named and slugged `slug`; its id.
    pub(in crate::store) async fn add_source(store: &Store, slug: &str) -> i64 {
        let new = NewSource {
            uid: slug.into(),
            name: slug.into(),
            slug: slug.into(),
            token_hash: [0; 32],
            token_prefix: "x".into(),
            provider: "entra".into(),
        };
        store.insert_source(new).await.unwrap().id
    }

    /// The point of the separate file: a reader of the directory sees no change (and so keeps
    /// its page cache) when only log rows were written.
    #[tokio::test]
    async fn log_writes_leave_the_directory_file_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = sqlite_store_with_source(dir.path(), "entra").await;
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
        let kept = add_source(&store, "kept").await;
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

    #[tokio::test]
    async fn every_kind_of_change_is_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path(), "entra").await;
        let changes = vec![
            Change::UserCreated,
            Change::UserDisabled,
            Change::GroupRenamed,
            Change::MembersChanged { added: 3, removed: 1 },
            Change::Refused,
            Change::Read,
        ];
        for change in &changes {
            store.record_activity(source_id, ActivityEntry { change: change.clone(), ..entry("/Users") });
        }
        store.flush_activity().await.unwrap();
        let mut read: Vec<Change> =
            store.recent_activity(source_id, 10).unwrap().into_iter().map(|e| e.change).collect();
        read.reverse();
        assert_eq!(read, changes);
    }

    /// A log written before version 2 has no `change`: opening it adds the column and fills it
    /// once from what each row kept.
    #[tokio::test]
    async fn a_version_1_log_gains_the_kind_of_change_of_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let old = rusqlite::Connection::open(dir.path().join(ACTIVITY_FILE)).unwrap();
        old.execute_batch(
            "CREATE TABLE activity (source_id INTEGER NOT NULL, id INTEGER NOT NULL, time TEXT NOT NULL,
                 method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, summary TEXT NOT NULL,
                 latency_us INTEGER NOT NULL, PRIMARY KEY (source_id, id)) WITHOUT ROWID;
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let rows = [
            ("GET", "/Users", 200, "read users", Change::Read),
            ("POST", "/Users", 201, "created user alice@contoso.com", Change::UserCreated),
            ("PATCH", "/Users/u1", 200, "disabled user alice@contoso.com", Change::UserDisabled),
            ("PUT", "/Users/u1", 200, "updated user alice@contoso.com (title)", Change::UserUpdated),
            ("POST", "/Users", 409, "a user with the userName \"alice\" already exists", Change::Refused),
            ("PATCH", "/Groups/g1", 200, "renamed group Sales to Sales EU", Change::GroupRenamed),
            (
                "PATCH",
                "/Groups/g1",
                200,
                "added 2 members to Sales EU; removed 1 member from Sales EU",
                Change::MembersChanged { added: 2, removed: 1 },
            ),
            ("DELETE", "/Groups/g1", 204, "deleted group Sales EU", Change::GroupDeleted),
        ];
        for (id, (method, path, status, summary, _)) in rows.iter().enumerate() {
            old.execute(
                "INSERT INTO activity VALUES (1, ?1, '2026-01-01T00:00:00Z', ?2, ?3, ?4, ?5, 10)",
                params![id as i64 + 1, method, path, status, summary],
            )
            .unwrap();
        }
        drop(old);

        let (store, source_id) = sqlite_store_with_source(dir.path(), "entra").await;
        assert_eq!(source_id, 1, "the old rows belong to the first source");
        let mut read = store.recent_activity(source_id, 20).unwrap();
        read.reverse();
        let got: Vec<(&str, Change)> = read.iter().map(|e| (e.summary.as_str(), e.change.clone())).collect();
        let want: Vec<(&str, Change)> = rows.iter().map(|r| (r.3, r.4.clone())).collect();
        assert_eq!(got, want);
        let version: i64 =
            store.sqlite().read(|conn| Ok(conn.query_row("PRAGMA log.user_version", [], |r| r.get(0))?)).unwrap();
        assert_eq!(version, LOG_SCHEMA_VERSION);

        // New rows continue after the old ones and keep their own change.
        store.record_activity(source_id, ActivityEntry { change: Change::GroupCreated, ..entry("/Groups") });
        store.flush_activity().await.unwrap();
        let newest = &store.recent_activity(source_id, 1).unwrap()[0];
        assert_eq!((newest.id, &newest.change), (rows.len() as i64 + 1, &Change::GroupCreated));
    }
}
