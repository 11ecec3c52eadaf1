//! The activity log's tables of cycles, traffic and unknown slugs on SQLite, for the rules of
//! `store::log_update`; and the one-time upgrade that fills them from an older log's rows.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{cycle_from, entry_from_row, run_from_column, CYCLE_COLUMNS};
use super::unknown_slugs;
use crate::store::columns::run_json;
use crate::store::log_update::{record_traffic, LogTables};
use crate::store::{ActivityEntry, Result, UnknownSlugRow};
use crate::traffic::{self, Cycle, Traffic};

/// The log's tables of traffic, cycles and unknown slugs on the writer's connection.
pub(super) struct SqliteLog<'c>(pub(super) &'c Connection);

impl LogTables for SqliteLog<'_> {
    fn source_exists(&mut self, source_id: i64) -> Result<bool> {
        Ok(self.0.prepare_cached("SELECT 1 FROM main.sources WHERE id = ?")?.exists([source_id])?)
    }

    fn traffic(&mut self, source_id: i64) -> Result<Option<Traffic>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT requests, refused, last_request, last_accepted, unauthorized FROM log.traffic WHERE source_id = ?",
            )?
            .query_row([source_id], |r| {
                Ok(Traffic {
                    requests: r.get(0)?,
                    refused: r.get(1)?,
                    last_request: r.get(2)?,
                    last_accepted: r.get(3)?,
                    unauthorized: run_from_column(r.get(4)?)?,
                })
            })
            .optional()?)
    }

    fn newest_cycle(&mut self, source_id: i64) -> Result<Option<(i64, Cycle)>> {
        Ok(self
            .0
            .prepare_cached(&format!(
                "SELECT id, {CYCLE_COLUMNS} FROM log.cycles WHERE source_id = ? ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([source_id], |r| Ok((r.get::<_, i64>(0)?, cycle_from(r, 1)?)))
            .optional()?)
    }

    fn save_cycle(&mut self, source_id: i64, id: i64, c: &Cycle) -> Result<()> {
        self.0
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO log.cycles (source_id, id, {CYCLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))?
            .execute(params![
                source_id, id, c.started, c.ended, c.requests, c.created, c.updated, c.deleted, c.refused
            ])?;
        Ok(())
    }

    fn forget_cycles_through(&mut self, source_id: i64, id: i64) -> Result<()> {
        self.0
            .prepare_cached("DELETE FROM log.cycles WHERE source_id = ? AND id <= ?")?
            .execute(params![source_id, id])?;
        Ok(())
    }

    fn save_traffic(&mut self, source_id: i64, t: &Traffic) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO log.traffic (source_id, requests, refused, last_request, last_accepted, unauthorized)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![source_id, t.requests, t.refused, t.last_request, t.last_accepted, run_json(&t.unauthorized)])?;
        Ok(())
    }

    fn unknown_slug(&mut self, slug: &str) -> Result<Option<UnknownSlugRow>> {
        unknown_slugs::unknown_slug(self.0, slug)
    }

    fn save_unknown_slug(&mut self, row: &UnknownSlugRow) -> Result<()> {
        unknown_slugs::save_unknown_slug(self.0, row)
    }

    fn forget_unknown_slugs_seen_before(&mut self, time: &str) -> Result<usize> {
        Ok(self
            .0
            .prepare_cached("DELETE FROM log.unknown_slugs WHERE slug <> '' AND last_seen < ?")?
            .execute([time])?)
    }

    fn quietest_unknown_slug_seen_before(&mut self, time: &str) -> Result<Option<(String, u64)>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT slug, requests FROM log.unknown_slugs WHERE slug <> '' AND last_seen < ?
                 ORDER BY requests, last_seen LIMIT 1",
            )?
            .query_row([time], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .optional()?)
    }

    fn delete_unknown_slug(&mut self, slug: &str) -> Result<()> {
        self.0.prepare_cached("DELETE FROM log.unknown_slugs WHERE slug = ?")?.execute([slug])?;
        Ok(())
    }

    fn count_unknown_slugs(&mut self) -> Result<usize> {
        let n: i64 = self
            .0
            .prepare_cached("SELECT COUNT(*) FROM log.unknown_slugs WHERE slug <> ''")?
            .query_row([], |r| r.get(0))?;
        Ok(n as usize)
    }
}

/// Version 2 to 3: the cycles and traffic of the rows already in the log, once, as if they had been
/// written now with Entra's default interval.
pub(super) fn fill_from_rows(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    let sources: Vec<i64> = tx
        .prepare("SELECT DISTINCT source_id FROM log.activity")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows_read = 0;
    for source_id in sources {
        let rows: Vec<(i64, ActivityEntry)> = tx
            .prepare_cached(
                "SELECT id, time, method, path, status, summary, latency_us, change FROM log.activity
                 WHERE source_id = ? ORDER BY id",
            )?
            .query_map([source_id], |r| Ok((source_id, entry_from_row(r)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows_read += rows.len();
        record_traffic(&mut SqliteLog(&tx), &rows, traffic::DEFAULT_CYCLE_INTERVAL)?;
    }
    tx.commit()?;
    if rows_read > 0 {
        tracing::info!(rows = rows_read, "activity log upgraded: cycles and refusal counts taken from its rows");
    }
    Ok(())
}
