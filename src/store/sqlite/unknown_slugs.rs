//! SQL for the requests for `/source/scim/<slug>/v2` where no source has the slug (a wrong Tenant
//! URL in Entra, or a scanner guessing): they have no source's Activity to go to, so they are
//! counted per slug (the bounds are `store::log_update`'s). Written with the activity rows.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::run_from_column;
use super::SqliteStore;
use crate::store::columns::run_json;
use crate::store::{Result, UnknownSlugRow};

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

pub(super) fn unknown_slug(conn: &Connection, slug: &str) -> Result<Option<UnknownSlugRow>> {
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
        run: run_from_column(r.get(4)?)?,
    })
}

pub(super) fn save_unknown_slug(conn: &Connection, row: &UnknownSlugRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO log.unknown_slugs (slug, first_seen, last_seen, requests, run) VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![row.slug, row.first_seen, row.last_seen, row.requests, run_json(&row.run)])?;
    Ok(())
}

impl SqliteStore {
    /// The slugs requested though no source has them, most recently requested first.
    pub(super) fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT slug, first_seen, last_seen, requests, run FROM log.unknown_slugs ORDER BY last_seen DESC",
            )?;
            let rows = stmt.query_map([], unknown_slug_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::health::tests::{store_with_source, time_at, MINUTE, T0};
    use crate::store::{MAX_UNKNOWN_SLUGS, OTHER_SLUGS};

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
