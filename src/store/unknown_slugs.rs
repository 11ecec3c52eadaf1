//! SQL for the requests for `/source/scim/<slug>/v2` where no source has the slug (a wrong Tenant
//! URL in Entra, or a scanner guessing): they have no source's Activity to go to, so they are
//! counted per slug, with bounds that no number of requests or of distinct slugs can push: one row
//! per slug, at most [`MAX_UNKNOWN_SLUGS`] slugs, the rest counted together under [`OTHER_SLUGS`].
//! Written with the activity rows (see `activity.rs`).

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::columns::{run_from_json, run_json};
use super::{Result, Store};
use crate::traffic::{self, RefusalRun, BURST_REFUSALS, BURST_WINDOW};

/// Added by version 3 of the activity log.
pub(super) const UNKNOWN_SLUGS_SCHEMA: &str = "
    -- Requests for /source/scim/<slug>/v2 where no source has that slug (a wrong Tenant URL, or a
    -- scanner): one row per slug whatever the number of requests, at most MAX_UNKNOWN_SLUGS slugs;
    -- the slug '' collects the requests of the slugs past that.
    CREATE TABLE IF NOT EXISTS log.unknown_slugs (
        slug       TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL,
        requests   INTEGER NOT NULL,
        -- The requests since the slug was last quiet for two cycles, as JSON {count, recent, burst}.
        run        TEXT NOT NULL
    ) WITHOUT ROWID;
";

/// Slugs of their own in `unknown_slugs`; the requests for any more are counted under [`OTHER_SLUGS`].
pub const MAX_UNKNOWN_SLUGS: usize = 100;
/// The row of `unknown_slugs` that counts the slugs past [`MAX_UNKNOWN_SLUGS`] (no slug is empty).
pub const OTHER_SLUGS: &str = "";
/// Slugs are recorded up to this many characters (a slug is at most 63).
const MAX_SLUG_CHARS: usize = 64;
/// Distinct slugs held between two writes; more go to [`OTHER_SLUGS`] at once.
const MAX_PENDING_SLUGS: usize = 256;
/// An unknown slug not requested for this long is forgotten.
const UNKNOWN_SLUG_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// A slug that was requested though no source has it.
#[derive(Debug, Clone)]
pub struct UnknownSlugRow {
    /// [`OTHER_SLUGS`] for the slugs past the limit.
    pub slug: String,
    pub first_seen: String,
    pub last_seen: String,
    pub requests: u64,
    pub run: RefusalRun,
}

/// Requests for unknown slugs waiting to be written, one entry per slug however many requests.
#[derive(Default)]
pub(super) struct UnknownSlugBuffer {
    slugs: HashMap<String, PendingSlug>,
}

pub(super) struct PendingSlug {
    first: String,
    last: String,
    count: u64,
    /// Unix ms of the newest few, oldest first.
    recent: Vec<i64>,
}

impl UnknownSlugBuffer {
    pub(super) fn push(&mut self, slug: &str, time: String) {
        let slug: String = slug.chars().filter(|c| !c.is_control()).take(MAX_SLUG_CHARS).collect();
        let key = if self.slugs.contains_key(&slug) || self.slugs.len() < MAX_PENDING_SLUGS {
            slug
        } else {
            OTHER_SLUGS.to_owned()
        };
        let at = traffic::unix_ms(&time).unwrap_or(0);
        let pending = self.slugs.entry(key).or_insert_with(|| PendingSlug {
            first: time.clone(),
            last: time.clone(),
            count: 0,
            recent: Vec::with_capacity(BURST_REFUSALS),
        });
        pending.last = time;
        pending.count += 1;
        if pending.recent.len() == BURST_REFUSALS {
            pending.recent.remove(0);
        }
        pending.recent.push(at);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.slugs.is_empty()
    }

    pub(super) fn take(&mut self) -> HashMap<String, PendingSlug> {
        std::mem::take(&mut self.slugs)
    }
}

fn unknown_slug(conn: &Connection, slug: &str) -> Result<Option<UnknownSlugRow>> {
    Ok(conn
        .prepare_cached("SELECT slug, first_seen, last_seen, requests, run FROM log.unknown_slugs WHERE slug = ?")?
        .query_row([slug], unknown_slug_from_row)
        .optional()?)
}

fn unknown_slug_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UnknownSlugRow> {
    Ok(UnknownSlugRow {
        slug: r.get(0)?,
        first_seen: r.get(1)?,
        last_seen: r.get(2)?,
        requests: r.get(3)?,
        run: run_from_json(r.get(4)?)?,
    })
}

fn save_unknown_slug(conn: &Connection, row: &UnknownSlugRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO log.unknown_slugs (slug, first_seen, last_seen, requests, run) VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![row.slug, row.first_seen, row.last_seen, row.requests, run_json(&row.run)])?;
    Ok(())
}

/// Make room for a new slug: forget the slugs not requested for a month, else the one with the
/// fewest requests among those not requested within the burst window (a scanner's one-off guesses
/// go first; the slug a misconfigured Entra keeps calling stays). Its requests stay counted under
/// [`OTHER_SLUGS`]. Whether there is room now.
fn make_room(conn: &Connection, now: i64) -> Result<bool> {
    let time_of = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    };
    let forgotten = conn
        .prepare_cached("DELETE FROM log.unknown_slugs WHERE slug <> '' AND last_seen < ?")?
        .execute([time_of(now - UNKNOWN_SLUG_RETENTION.as_millis() as i64)])?;
    if forgotten > 0 {
        return Ok(true);
    }
    let victim = conn
        .prepare_cached(
            "SELECT slug, requests FROM log.unknown_slugs WHERE slug <> '' AND last_seen < ?
             ORDER BY requests, last_seen LIMIT 1",
        )?
        .query_row([time_of(now - BURST_WINDOW.as_millis() as i64)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
        })
        .optional()?;
    let Some((slug, requests)) = victim else { return Ok(false) };
    conn.prepare_cached("DELETE FROM log.unknown_slugs WHERE slug = ?")?.execute([&slug])?;
    add_to_other_slugs(conn, requests, None)?;
    Ok(true)
}

/// Count `requests` under [`OTHER_SLUGS`] (with their times, when they are new requests).
fn add_to_other_slugs(conn: &Connection, requests: u64, pending: Option<&PendingSlug>) -> Result<()> {
    let mut row = unknown_slug(conn, OTHER_SLUGS)?.unwrap_or_else(|| UnknownSlugRow {
        slug: OTHER_SLUGS.to_owned(),
        first_seen: pending.map_or_else(super::now, |p| p.first.clone()),
        last_seen: pending.map_or_else(super::now, |p| p.last.clone()),
        requests: 0,
        run: RefusalRun::default(),
    });
    row.requests += requests;
    if let Some(p) = pending {
        row.last_seen = p.last.clone();
        row.run.refused(p.count, &p.recent);
    }
    save_unknown_slug(conn, &row)
}

/// The slugs that have a row of their own.
fn count_unknown_slugs(conn: &Connection) -> Result<usize> {
    let n: i64 =
        conn.prepare_cached("SELECT COUNT(*) FROM log.unknown_slugs WHERE slug <> ''")?.query_row([], |r| r.get(0))?;
    Ok(n as usize)
}

/// Write the requests for unknown slugs held since the last write; a slug's run of requests starts
/// again after a silence of two cycles of `interval`.
pub(super) fn record_unknown_slugs(
    conn: &Connection,
    pending: HashMap<String, PendingSlug>,
    interval: Duration,
) -> Result<()> {
    let quiet = traffic::quiet_after(interval).as_millis() as i64;
    let mut kept = count_unknown_slugs(conn)?;
    // The slugs with the most requests get the free places first.
    let mut pending: Vec<(String, PendingSlug)> = pending.into_iter().collect();
    pending.sort_by_key(|(_, p)| std::cmp::Reverse(p.count));
    for (slug, p) in pending {
        let existing = unknown_slug(conn, &slug)?;
        let mut row = match existing {
            Some(row) => row,
            None if slug == OTHER_SLUGS => {
                add_to_other_slugs(conn, p.count, Some(&p))?;
                continue;
            }
            None => {
                if kept >= MAX_UNKNOWN_SLUGS {
                    if !make_room(conn, p.recent.last().copied().unwrap_or(0))? {
                        add_to_other_slugs(conn, p.count, Some(&p))?;
                        continue;
                    }
                    kept = count_unknown_slugs(conn)?;
                }
                kept += 1;
                UnknownSlugRow {
                    slug,
                    first_seen: p.first.clone(),
                    last_seen: p.first.clone(),
                    requests: 0,
                    run: RefusalRun::default(),
                }
            }
        };
        let silence = traffic::unix_ms(&p.first).zip(traffic::unix_ms(&row.last_seen)).map(|(a, b)| a - b);
        if silence.is_some_and(|s| s > quiet) {
            row.run = RefusalRun::default();
        }
        row.last_seen = p.last.clone();
        row.requests += p.count;
        row.run.refused(p.count, &p.recent);
        save_unknown_slug(conn, &row)?;
    }
    Ok(())
}

impl Store {
    /// The slugs requested though no source has them, most recently requested first.
    pub fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT slug, first_seen, last_seen, requests, run FROM log.unknown_slugs ORDER BY last_seen DESC",
            )?;
            let rows = stmt.query_map([], unknown_slug_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Buffer a request for `slug`, which names no source; written with the activity rows.
    pub fn record_unknown_slug(&self, slug: &str) {
        self.activity.push_unknown_slug(slug, super::now());
    }
}

#[cfg(test)]
mod tests {
    use super::super::health::tests::{store_with_source, time_at, MINUTE, T0};
    use super::*;

    #[tokio::test]
    async fn unknown_slugs_keep_one_row_each_and_at_most_the_limit_however_many_requests() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_source(dir.path()).await;
        store.record_unknown_slug("bad\nslug\u{7}");
        store.flush_activity().await.unwrap();
        for n in 0..3_000 {
            store.record_unknown_slug("entra-prod");
            // A scanner's guesses, one request each, between Entra's.
            store.record_unknown_slug(&format!("guess-{n}"));
            if n % 500 == 499 {
                store.flush_activity().await.unwrap();
            }
        }
        store.flush_activity().await.unwrap();
        let rows = store.unknown_slugs().unwrap();
        assert!(rows.len() <= MAX_UNKNOWN_SLUGS + 1, "{} rows", rows.len());
        assert_eq!(rows.iter().map(|r| r.requests).sum::<u64>(), 6_001, "every request is counted");
        let entra = rows.iter().find(|r| r.slug == "entra-prod").expect("the slug Entra calls is kept");
        assert_eq!(entra.requests, 3_000);
        assert!(entra.run.burst);
        assert!(rows.iter().any(|r| r.slug == OTHER_SLUGS && r.requests > 0), "the rest are counted together");
        assert!(rows.iter().any(|r| r.slug == "badslug"), "control characters are not kept");
    }

    #[tokio::test]
    async fn a_new_slug_takes_the_place_of_the_least_requested_one_that_went_silent() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_source(dir.path()).await;
        for n in 0..MAX_UNKNOWN_SLUGS {
            store.activity.push_unknown_slug(&format!("old-{n}"), time_at(T0));
        }
        store.activity.push_unknown_slug("old-0", time_at(T0 + 1));
        store.flush_activity().await.unwrap();
        for n in 0..10 {
            store.activity.push_unknown_slug(&format!("new-{n}"), time_at(T0 + 10 * MINUTE));
        }
        store.flush_activity().await.unwrap();
        let rows = store.unknown_slugs().unwrap();
        let has = |slug: &str| rows.iter().any(|r| r.slug == slug);
        assert!((0..10).all(|n| has(&format!("new-{n}"))), "the new slugs got places");
        assert!(has("old-0"), "the most requested old slug stays");
        assert_eq!(rows.iter().filter(|r| r.slug != OTHER_SLUGS).count(), MAX_UNKNOWN_SLUGS);
        assert_eq!(rows.iter().map(|r| r.requests).sum::<u64>(), MAX_UNKNOWN_SLUGS as u64 + 11);
    }
}
