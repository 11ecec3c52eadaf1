//! SQL for the activity log on PostgreSQL: its rows from every instance, the Activity chart's
//! counts, each source's cycles and traffic, and the requests for unknown slugs.
//!
//! Instances write the log one at a time (a transaction-level advisory lock): each source's row
//! ids then increase in commit order, as they do in SQLite's single writer, so a reader that
//! follows the log by id never skips a row, and the cycles and traffic read-modify-write of
//! `store::log_update` never loses another instance's update.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, Row, Transaction};
use tokio::runtime::Handle;

use super::error::store_error;
use crate::store::activity_entry::{change_from_json, change_json};
use crate::store::columns::{run_from_json, run_json};
use crate::store::histogram::buckets;
use crate::store::log_update::LogTables;
use crate::store::{
    ActivityEntry, ActivityHistogram, Result as StoreResult, SourceTraffic, UnknownSlugRow, ACTIVITY_RETENTION,
};
use crate::traffic::{Cycle, Traffic};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The advisory lock that the instances' log writes take in turn ("SD" "log" in ASCII).
const LOG_LOCK: i64 = 0x0053_446c_6f67;

fn decode<T>(result: serde_json::Result<T>) -> Result<T> {
    result.map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn entry_from_row(r: &PgRow) -> Result<ActivityEntry> {
    Ok(ActivityEntry {
        id: r.try_get(0)?,
        time: r.try_get(1)?,
        method: r.try_get(2)?,
        path: r.try_get(3)?,
        status: r.try_get(4)?,
        summary: r.try_get(5)?,
        latency_us: r.try_get(6)?,
        change: decode(change_from_json(r.try_get::<&str, _>(7)?))?,
    })
}

/// Take the log for this transaction (until it commits or rolls back).
pub(super) async fn lock_log(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOG_LOCK).execute(conn).await?;
    Ok(())
}

/// Write `rows` (in order), continuing each source's ids, and prune each source to the newest
/// [`ACTIVITY_RETENTION`] rows. Rows of a source deleted meanwhile are left out.
pub(super) async fn insert_rows(conn: &mut PgConnection, rows: &[(i64, ActivityEntry)], instance: &str) -> Result<()> {
    let mut next_id: HashMap<i64, i64> = HashMap::new();
    let mut ids = Vec::with_capacity(rows.len());
    for (source_id, _) in rows {
        let next = match next_id.get_mut(source_id) {
            Some(next) => next,
            None => {
                let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM activity WHERE source_id = $1")
                    .bind(source_id)
                    .fetch_one(&mut *conn)
                    .await?;
                next_id.entry(*source_id).or_insert(last + 1)
            }
        };
        ids.push(*next);
        *next += 1;
    }
    // A request's path or summary may quote a NUL it was sent; the log keeps U+FFFD in its place.
    let column =
        |f: fn(&ActivityEntry) -> String| rows.iter().map(|(_, e)| f(e).replace('\0', "\u{fffd}")).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO activity (source_id, id, time, method, path, status, summary, latency_us, change, instance)
         SELECT u.*, $10 FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                                     $7::text[], $8::bigint[], $9::text[])
              AS u(source_id, id, time, method, path, status, summary, latency_us, change)
         WHERE EXISTS (SELECT 1 FROM sources s WHERE s.id = u.source_id)",
    )
    .bind(rows.iter().map(|(s, _)| *s).collect::<Vec<_>>())
    .bind(&ids)
    .bind(column(|e| e.time.clone()))
    .bind(column(|e| e.method.clone()))
    .bind(column(|e| e.path.clone()))
    .bind(rows.iter().map(|(_, e)| e.status).collect::<Vec<_>>())
    .bind(column(|e| e.summary.clone()))
    .bind(rows.iter().map(|(_, e)| e.latency_us).collect::<Vec<_>>())
    .bind(column(|e| change_json(&e.change)))
    .bind(instance)
    .execute(&mut *conn)
    .await?;
    for source_id in next_id.keys() {
        sqlx::query(
            "DELETE FROM activity WHERE source_id = $1 AND id <=
               (SELECT id FROM activity WHERE source_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        )
        .bind(source_id)
        .bind(ACTIVITY_RETENTION)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

const ENTRY_COLUMNS: &str = "id, time, method, path, status, summary, latency_us, change";

pub(super) async fn recent_activity(pool: &PgPool, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM activity WHERE source_id = $1 ORDER BY id DESC LIMIT $2"
    ));
    sqlx::query(sql).bind(source_id).bind(limit).fetch_all(pool).await?.iter().map(entry_from_row).collect()
}

/// A source's rows after row `after`, oldest first; with `not_from`, rows written by that
/// instance are left out (an instance follows the others' rows).
pub(super) async fn activity_after(
    pool: &PgPool,
    source_id: i64,
    after: i64,
    limit: i64,
    not_from: Option<String>,
) -> Result<Vec<ActivityEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM activity WHERE source_id = $1 AND id > $2
           AND ($4::text IS NULL OR instance <> $4) ORDER BY id LIMIT $3"
    ));
    let rows = sqlx::query(sql).bind(source_id).bind(after).bind(limit).bind(not_from).fetch_all(pool).await?;
    rows.iter().map(entry_from_row).collect()
}

async fn refused_counts(conn: &mut PgConnection) -> Result<HashMap<String, u64>> {
    let rows = sqlx::query("SELECT s.slug, t.refused FROM sources s JOIN traffic t ON t.source_id = s.id")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? as u64))).collect()
}

pub(super) async fn refused_counts_now(pool: &PgPool) -> Result<HashMap<String, u64>> {
    refused_counts(&mut *pool.acquire().await?).await
}

/// Each source's newest row id and the refusal counts, as of one moment.
#[allow(clippy::type_complexity)]
pub(super) async fn activity_position(pool: &PgPool) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)> {
    let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let rows = sqlx::query("SELECT source_id, MAX(id) FROM activity GROUP BY source_id").fetch_all(&mut *tx).await?;
    let last = rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<HashMap<i64, i64>>>()?;
    let refused = refused_counts(&mut tx).await?;
    tx.commit().await?;
    Ok((last, refused))
}

pub(super) async fn activity_per_bucket(
    pool: &PgPool,
    source_id: i64,
    since: i64,
    bucket_seconds: i64,
) -> Result<ActivityHistogram> {
    let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let rows = sqlx::query(
        "SELECT floor(extract(epoch FROM time::timestamptz))::bigint / $3 * $3 AS start, change, COUNT(*)
         FROM activity WHERE source_id = $1 AND floor(extract(epoch FROM time::timestamptz))::bigint >= $2
         GROUP BY start, change ORDER BY start",
    )
    .bind(source_id)
    .bind(since)
    .bind(bucket_seconds)
    .fetch_all(&mut *tx)
    .await?;
    let counts = rows
        .iter()
        .map(|r| {
            Ok((r.try_get(0)?, decode(change_from_json(r.try_get::<&str, _>(1)?))?, r.try_get::<i64, _>(2)? as u64))
        })
        .collect::<Result<Vec<_>>>()?;
    let latest = sqlx::query_scalar("SELECT time FROM activity WHERE source_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(source_id)
        .fetch_optional(&mut *tx)
        .await?;
    // Ids start at 1 and only pruning removes rows: a first id above 1 means some were.
    let oldest: Option<(i64, String)> =
        sqlx::query_as("SELECT id, time FROM activity WHERE source_id = $1 ORDER BY id LIMIT 1")
            .bind(source_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    let oldest_kept = oldest.filter(|(id, _)| *id > 1).map(|(_, time)| time);
    Ok(ActivityHistogram { since, bucket_seconds, buckets: buckets(counts), latest, oldest_kept })
}

const CYCLE_COLUMNS: &str = "started, ended, requests, created, updated, deleted, refused";

fn cycle_from(r: &PgRow, first: usize) -> Result<Cycle> {
    let count = |i: usize| -> Result<u64> { Ok(r.try_get::<i64, _>(first + i)? as u64) };
    Ok(Cycle {
        started: r.try_get(first)?,
        ended: r.try_get(first + 1)?,
        requests: count(2)?,
        created: count(3)?,
        updated: count(4)?,
        deleted: count(5)?,
        refused: count(6)?,
    })
}

fn traffic_from(r: &PgRow, first: usize) -> Result<Traffic> {
    Ok(Traffic {
        requests: r.try_get::<i64, _>(first)? as u64,
        refused: r.try_get::<i64, _>(first + 1)? as u64,
        last_request: r.try_get(first + 2)?,
        last_accepted: r.try_get(first + 3)?,
        unauthorized: decode(run_from_json(r.try_get::<&str, _>(first + 4)?))?,
    })
}

/// Sources (one, or all when `slug` is `None`), by name, with their traffic and newest cycle.
pub(super) async fn source_traffic(pool: &PgPool, slug: Option<String>) -> Result<Vec<SourceTraffic>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.slug, s.name, s.enabled,
                t.requests, t.refused, t.last_request, t.last_accepted, t.unauthorized,
                c.{}
         FROM sources s
         LEFT JOIN traffic t ON t.source_id = s.id
         LEFT JOIN cycles c ON c.source_id = s.id
             AND c.id = (SELECT MAX(id) FROM cycles WHERE source_id = s.id)
         WHERE $1::text IS NULL OR s.slug = $1
         ORDER BY lower(s.name) COLLATE \"C\", s.slug COLLATE \"C\"",
        CYCLE_COLUMNS.replace(", ", ", c.")
    ));
    let rows = sqlx::query(sql).bind(slug).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let traffic = match r.try_get::<Option<i64>, _>(4)? {
                None => Traffic::default(),
                Some(_) => traffic_from(r, 4)?,
            };
            let last_cycle = match r.try_get::<Option<String>, _>(9)? {
                None => None,
                Some(_) => Some(cycle_from(r, 9)?),
            };
            Ok(SourceTraffic {
                source_id: r.try_get(0)?,
                slug: r.try_get(1)?,
                name: r.try_get(2)?,
                enabled: r.try_get(3)?,
                traffic,
                last_cycle,
            })
        })
        .collect()
}

pub(super) async fn cycles(pool: &PgPool, source_id: i64, limit: i64) -> Result<Vec<Cycle>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {CYCLE_COLUMNS} FROM cycles WHERE source_id = $1 ORDER BY id DESC LIMIT $2"
    ));
    sqlx::query(sql).bind(source_id).bind(limit).fetch_all(pool).await?.iter().map(|r| cycle_from(r, 0)).collect()
}

pub(super) async fn newest_unauthorized(pool: &PgPool, source_id: i64) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT summary FROM activity WHERE source_id = $1 AND status = 401 ORDER BY id DESC LIMIT 1")
        .bind(source_id)
        .fetch_optional(pool)
        .await
}

const SLUG_COLUMNS: &str = "slug, first_seen, last_seen, requests, run";

fn unknown_slug_from(r: &PgRow) -> Result<UnknownSlugRow> {
    Ok(UnknownSlugRow {
        slug: r.try_get(0)?,
        first_seen: r.try_get(1)?,
        last_seen: r.try_get(2)?,
        requests: r.try_get::<i64, _>(3)? as u64,
        run: decode(run_from_json(r.try_get::<&str, _>(4)?))?,
    })
}

/// The slugs requested though no source has them, most recently requested first.
pub(super) async fn unknown_slugs(pool: &PgPool) -> Result<Vec<UnknownSlugRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {SLUG_COLUMNS} FROM unknown_slugs ORDER BY last_seen DESC"));
    sqlx::query(sql).fetch_all(pool).await?.iter().map(unknown_slug_from).collect()
}

/// The log's tables inside a log write's transaction, statement by statement on a blocking
/// thread (the rules of `store::log_update` are synchronous).
pub(super) struct PgLog {
    pub(super) handle: Handle,
    pub(super) tx: Transaction<'static, Postgres>,
    pub(super) target: Arc<str>,
}

impl PgLog {
    fn done<T>(&self, result: Result<T>) -> StoreResult<T> {
        result.map_err(|e| store_error(e, &self.target))
    }
}

impl LogTables for PgLog {
    fn source_exists(&mut self, source_id: i64) -> StoreResult<bool> {
        let found = self.handle.block_on(
            sqlx::query_scalar::<_, i32>("SELECT 1 FROM sources WHERE id = $1")
                .bind(source_id)
                .fetch_optional(&mut *self.tx),
        );
        self.done(found.map(|f| f.is_some()))
    }

    fn traffic(&mut self, source_id: i64) -> StoreResult<Option<Traffic>> {
        let row = self.handle.block_on(
            sqlx::query(
                "SELECT requests, refused, last_request, last_accepted, unauthorized FROM traffic WHERE source_id = $1",
            )
            .bind(source_id)
            .fetch_optional(&mut *self.tx),
        );
        self.done(row.and_then(|r| r.as_ref().map(|r| traffic_from(r, 0)).transpose()))
    }

    fn newest_cycle(&mut self, source_id: i64) -> StoreResult<Option<(i64, Cycle)>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id, {CYCLE_COLUMNS} FROM cycles WHERE source_id = $1 ORDER BY id DESC LIMIT 1"
        ));
        let row = self.handle.block_on(sqlx::query(sql).bind(source_id).fetch_optional(&mut *self.tx));
        self.done(row.and_then(|r| r.as_ref().map(|r| Ok((r.try_get(0)?, cycle_from(r, 1)?))).transpose()))
    }

    fn save_cycle(&mut self, source_id: i64, id: i64, c: &Cycle) -> StoreResult<()> {
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO cycles (source_id, id, {CYCLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (source_id, id) DO UPDATE SET started = excluded.started, ended = excluded.ended,
               requests = excluded.requests, created = excluded.created, updated = excluded.updated,
               deleted = excluded.deleted, refused = excluded.refused"
        ));
        let done = self.handle.block_on(
            sqlx::query(sql)
                .bind(source_id)
                .bind(id)
                .bind(&c.started)
                .bind(&c.ended)
                .bind(c.requests as i64)
                .bind(c.created as i64)
                .bind(c.updated as i64)
                .bind(c.deleted as i64)
                .bind(c.refused as i64)
                .execute(&mut *self.tx),
        );
        self.done(done.map(drop))
    }

    fn forget_cycles_through(&mut self, source_id: i64, id: i64) -> StoreResult<()> {
        let done = self.handle.block_on(
            sqlx::query("DELETE FROM cycles WHERE source_id = $1 AND id <= $2")
                .bind(source_id)
                .bind(id)
                .execute(&mut *self.tx),
        );
        self.done(done.map(drop))
    }

    fn save_traffic(&mut self, source_id: i64, t: &Traffic) -> StoreResult<()> {
        let done = self.handle.block_on(
            sqlx::query(
                "INSERT INTO traffic (source_id, requests, refused, last_request, last_accepted, unauthorized)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (source_id) DO UPDATE SET requests = excluded.requests, refused = excluded.refused,
                   last_request = excluded.last_request, last_accepted = excluded.last_accepted,
                   unauthorized = excluded.unauthorized",
            )
            .bind(source_id)
            .bind(t.requests as i64)
            .bind(t.refused as i64)
            .bind(&t.last_request)
            .bind(&t.last_accepted)
            .bind(run_json(&t.unauthorized))
            .execute(&mut *self.tx),
        );
        self.done(done.map(drop))
    }

    fn unknown_slug(&mut self, slug: &str) -> StoreResult<Option<UnknownSlugRow>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {SLUG_COLUMNS} FROM unknown_slugs WHERE slug = $1"));
        let row = self.handle.block_on(sqlx::query(sql).bind(slug).fetch_optional(&mut *self.tx));
        self.done(row.and_then(|r| r.as_ref().map(unknown_slug_from).transpose()))
    }

    fn save_unknown_slug(&mut self, row: &UnknownSlugRow) -> StoreResult<()> {
        let done = self.handle.block_on(
            sqlx::query(
                "INSERT INTO unknown_slugs (slug, first_seen, last_seen, requests, run) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (slug) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                   requests = excluded.requests, run = excluded.run",
            )
            .bind(&row.slug)
            .bind(&row.first_seen)
            .bind(&row.last_seen)
            .bind(row.requests as i64)
            .bind(run_json(&row.run))
            .execute(&mut *self.tx),
        );
        self.done(done.map(drop))
    }

    fn forget_unknown_slugs_seen_before(&mut self, time: &str) -> StoreResult<usize> {
        let done = self.handle.block_on(
            sqlx::query("DELETE FROM unknown_slugs WHERE slug <> '' AND last_seen < $1")
                .bind(time)
                .execute(&mut *self.tx),
        );
        self.done(done.map(|d| d.rows_affected() as usize))
    }

    fn quietest_unknown_slug_seen_before(&mut self, time: &str) -> StoreResult<Option<(String, u64)>> {
        let row: Result<Option<(String, i64)>> = self.handle.block_on(
            sqlx::query_as(
                "SELECT slug, requests FROM unknown_slugs WHERE slug <> '' AND last_seen < $1
                 ORDER BY requests, last_seen LIMIT 1",
            )
            .bind(time)
            .fetch_optional(&mut *self.tx),
        );
        self.done(row.map(|r| r.map(|(slug, n)| (slug, n as u64))))
    }

    fn delete_unknown_slug(&mut self, slug: &str) -> StoreResult<()> {
        let done = self
            .handle
            .block_on(sqlx::query("DELETE FROM unknown_slugs WHERE slug = $1").bind(slug).execute(&mut *self.tx));
        self.done(done.map(drop))
    }

    fn count_unknown_slugs(&mut self) -> StoreResult<usize> {
        let n: Result<i64> = self.handle.block_on(
            sqlx::query_scalar("SELECT COUNT(*) FROM unknown_slugs WHERE slug <> ''").fetch_one(&mut *self.tx),
        );
        self.done(n.map(|n| n as usize))
    }
}
