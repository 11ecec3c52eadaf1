//! SQL for what the health service reads of each source: its cycles and its traffic since the first
//! request (the requests for slugs that name no source are in `unknown_slugs.rs`).
//!
//! Both are kept up to date in the same write as the activity rows (see `activity.rs`), so a
//! restart, the pruning of old rows and a window reading the log of the background service all
//! see the same figures, and reading them is a lookup, not a walk over 10,000 rows.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

use super::rows::{cycle_from, run_from_column, CYCLE_COLUMNS};
use super::SqliteStore;
use crate::store::{Result, SourceTraffic, StoreError};
use crate::traffic::{Cycle, Traffic};

/// Added by version 3 of the activity log (with `unknown_slugs.rs`'s table).
pub(super) const HEALTH_SCHEMA: &str = "
    -- Entra's cycles of each source: bursts of requests. The newest is extended as requests arrive;
    -- a silence longer than the cycle gap starts the next one (src/traffic.rs).
    CREATE TABLE IF NOT EXISTS log.cycles (
        source_id INTEGER NOT NULL,
        -- Increasing within a source.
        id        INTEGER NOT NULL,
        started   TEXT NOT NULL,
        ended     TEXT NOT NULL,
        requests  INTEGER NOT NULL,
        created   INTEGER NOT NULL,
        updated   INTEGER NOT NULL,
        deleted   INTEGER NOT NULL,
        refused   INTEGER NOT NULL,
        PRIMARY KEY (source_id, id)
    ) WITHOUT ROWID;
    -- One row per source: its traffic since the first request, which neither restarts nor the
    -- pruning of old activity rows lose (the Activity's Refused counter comes from here).
    CREATE TABLE IF NOT EXISTS log.traffic (
        source_id     INTEGER PRIMARY KEY,
        requests      INTEGER NOT NULL,
        refused       INTEGER NOT NULL,
        last_request  TEXT,
        last_accepted TEXT,
        -- The 401s since the last accepted request, as JSON {count, recent, burst}: a burst of
        -- them is a token that no longer matches the one Entra sends.
        unauthorized  TEXT NOT NULL
    );
";

/// Forget a deleted source's cycles and traffic (in the write that deletes it).
pub(super) fn delete_source_rows(conn: &Connection, source_id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM log.cycles WHERE source_id = ?")?.execute([source_id])?;
    conn.prepare_cached("DELETE FROM log.traffic WHERE source_id = ?")?.execute([source_id])?;
    Ok(())
}

impl SqliteStore {
    /// Sources (one, or all when `slug` is `None`), by name, with their traffic and newest cycle.
    pub(super) fn source_traffic(&self, slug: Option<&str>) -> Result<Vec<SourceTraffic>> {
        self.snapshot(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT s.id, s.slug, s.name, s.enabled,
                        t.requests, t.refused, t.last_request, t.last_accepted, t.unauthorized,
                        c.{}
                 FROM main.sources s
                 LEFT JOIN log.traffic t ON t.source_id = s.id
                 LEFT JOIN log.cycles c ON c.source_id = s.id
                     AND c.id = (SELECT MAX(id) FROM log.cycles WHERE source_id = s.id)
                 WHERE ?1 IS NULL OR s.slug = ?1
                 ORDER BY s.name COLLATE NOCASE, s.slug",
                CYCLE_COLUMNS.replace(", ", ", c.")
            ))?;
            let rows = stmt.query_map([slug], |r| {
                let traffic = match r.get::<_, Option<u64>>(4)? {
                    None => Traffic::default(),
                    Some(requests) => Traffic {
                        requests,
                        refused: r.get(5)?,
                        last_request: r.get(6)?,
                        last_accepted: r.get(7)?,
                        unauthorized: run_from_column(r.get(8)?)?,
                    },
                };
                let last_cycle = match r.get::<_, Option<String>>(9)? {
                    None => None,
                    Some(_) => Some(cycle_from(r, 9)?),
                };
                Ok(SourceTraffic {
                    source_id: r.get(0)?,
                    slug: r.get(1)?,
                    name: r.get(2)?,
                    enabled: r.get(3)?,
                    traffic,
                    last_cycle,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// A source's newest cycles, newest first.
    pub(super) fn cycles(&self, source_id: i64, limit: i64) -> Result<Vec<Cycle>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CYCLE_COLUMNS} FROM log.cycles WHERE source_id = ? ORDER BY id DESC LIMIT ?"
            ))?;
            let rows = stmt.query_map([source_id, limit], |r| cycle_from(r, 0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// What the newest 401 of a source said (why its token was refused).
    pub(super) fn newest_unauthorized(&self, source_id: i64) -> Result<Option<String>> {
        self.read(|conn| {
            // Walks back from the newest row; asked only while 401s are the newest refusals.
            Ok(conn
                .prepare_cached(
                    "SELECT summary FROM log.activity WHERE source_id = ? AND status = 401 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([source_id], |r| r.get(0))
                .optional()?)
        })
    }
}

/// Refused requests of each source (by slug) since its first request.
pub(super) fn refused_counts(conn: &Connection) -> Result<HashMap<String, u64>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT s.slug, t.refused FROM main.sources s JOIN log.traffic t ON t.source_id = s.id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::change::Change;
    use crate::store::{ActivityEntry, Store};
    use std::time::Duration;

    pub(crate) const MINUTE: i64 = 60_000;
    /// 2026-05-01T10:00:00Z
    pub(crate) const T0: i64 = 1_777_629_600_000;

    pub(crate) fn time_at(ms: i64) -> String {
        time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    }

    fn entry(ms: i64, status: i64, change: Change) -> ActivityEntry {
        ActivityEntry {
            id: 0,
            time: time_at(ms),
            method: "POST".into(),
            path: "/Users".into(),
            status,
            summary: if status == 401 { "refused: the bearer token is not valid".into() } else { "done".into() },
            latency_us: 1,
            change,
        }
    }

    use super::super::activity::tests::sqlite_store_with_source;

    pub(crate) async fn store_with_source(dir: &std::path::Path) -> (Store, i64) {
        super::super::activity::tests::store_with_source(dir, "entra").await
    }

    /// Two bursts ten minutes apart (Entra's default gap is five), with a check and refusals.
    fn two_bursts() -> Vec<ActivityEntry> {
        vec![
            entry(T0, 200, Change::Read),
            entry(T0 + 1_000, 201, Change::UserCreated),
            entry(T0 + 2_000, 201, Change::GroupCreated),
            entry(T0 + 4 * MINUTE, 204, Change::Checked),
            entry(T0 + 10 * MINUTE, 200, Change::UserDisabled),
            entry(T0 + 10 * MINUTE + 500, 204, Change::MembersChanged { added: 1, removed: 0 }),
            entry(T0 + 11 * MINUTE, 204, Change::UserDeleted),
            entry(T0 + 11 * MINUTE + 1, 401, Change::Refused),
        ]
    }

    #[tokio::test]
    async fn a_silence_longer_than_the_gap_starts_a_new_cycle_and_checks_count_for_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path()).await;
        for e in two_bursts() {
            store.record_activity(source_id, e);
        }
        store.flush_activity().await.unwrap();
        let cycles = store.cycles(source_id, 10).unwrap();
        let want_last = Cycle {
            started: time_at(T0 + 10 * MINUTE),
            ended: time_at(T0 + 11 * MINUTE + 1),
            requests: 4,
            created: 0,
            updated: 2,
            deleted: 1,
            refused: 1,
        };
        let want_first = Cycle {
            started: time_at(T0),
            ended: time_at(T0 + 2_000),
            requests: 3,
            created: 2,
            updated: 0,
            deleted: 0,
            refused: 0,
        };
        assert_eq!(cycles, vec![want_last.clone(), want_first], "newest first; the check is in neither");
        let source = store.source_traffic(Some("entra")).unwrap().remove(0);
        assert_eq!(source.last_cycle, Some(want_last));
        assert_eq!((source.traffic.requests, source.traffic.refused), (7, 1));
        assert_eq!(source.traffic.last_request, Some(time_at(T0 + 11 * MINUTE + 1)));
        assert_eq!(source.traffic.last_accepted, Some(time_at(T0 + 11 * MINUTE)));

        // A shorter interval (a shorter gap) applies to what is written from then on: the next
        // request, 2 s later, continues the cycle at 40 minutes, and starts one at 8 s.
        store.record_activity(source_id, entry(T0 + 11 * MINUTE + 2_001, 200, Change::Read));
        store.flush_activity().await.unwrap();
        assert_eq!(store.cycles(source_id, 10).unwrap().len(), 2);
        store.set_cycle_interval(Duration::from_secs(8));
        store.record_activity(source_id, entry(T0 + 11 * MINUTE + 4_002, 200, Change::Read));
        store.flush_activity().await.unwrap();
        let cycles = store.cycles(source_id, 10).unwrap();
        assert_eq!((cycles.len(), cycles[0].requests), (3, 1));
    }

    /// A log written before version 3 has neither cycles nor traffic: opening it computes them
    /// once from its rows, the same as if they had been recorded with this version.
    #[test]
    fn a_version_2_log_gains_the_cycles_and_refusal_counts_of_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let live = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let (store, source_id) = sqlite_store_with_source(dir.path(), "entra").await;
            for e in two_bursts() {
                store.record_activity(source_id, e);
            }
            store.flush_activity().await.unwrap();
            (store.cycles(source_id, 10).unwrap(), store.source_traffic(None).unwrap().remove(0).traffic)
        });
        assert_eq!(live.0.len(), 2);
        let old = rusqlite::Connection::open(dir.path().join(super::super::ACTIVITY_FILE)).unwrap();
        old.execute_batch("DROP TABLE cycles; DROP TABLE traffic; DROP TABLE unknown_slugs; PRAGMA user_version = 2;")
            .unwrap();
        drop(old);

        let upgraded = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = Store::open(dir.path()).await.unwrap();
            let version: i64 =
                store.sqlite().read(|conn| Ok(conn.query_row("PRAGMA log.user_version", [], |r| r.get(0))?)).unwrap();
            assert_eq!(version, 3);
            let source = store.source_traffic(None).unwrap().remove(0);
            (store.cycles(source.source_id, 10).unwrap(), source.traffic)
        });
        assert_eq!(upgraded, live);
        assert_eq!((upgraded.1.requests, upgraded.1.refused), (7, 1));
    }

    #[tokio::test]
    async fn deleting_a_source_forgets_its_cycles_and_traffic() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = sqlite_store_with_source(dir.path(), "entra").await;
        store.record_activity(source_id, entry(T0, 200, Change::Read));
        store.flush_activity().await.unwrap();
        assert_eq!(store.cycles(source_id, 10).unwrap().len(), 1);
        assert!(store.delete_source("entra").await.unwrap());
        assert!(store.cycles(source_id, 10).unwrap().is_empty());
        let left: i64 = store
            .sqlite()
            .read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM log.traffic", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(left, 0);
    }
}
