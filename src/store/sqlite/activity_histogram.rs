//! The Activity chart's 24 hours: a source's requests since a time, counted per bucket of time
//! and per kind from the activity log.

use rusqlite::{params, OptionalExtension};

use super::rows::change_from_column;
use super::SqliteStore;
use crate::store::histogram::buckets;
use crate::store::{ActivityHistogram, Result};

impl SqliteStore {
    pub(super) fn activity_per_bucket(
        &self,
        source_id: i64,
        since: i64,
        bucket_seconds: i64,
    ) -> Result<ActivityHistogram> {
        // At most ACTIVITY_RETENTION rows of the source are visited: one range of the primary key.
        self.read_many(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT unixepoch(time) / ?3 * ?3 AS start, change, COUNT(*) FROM log.activity
                 WHERE source_id = ?1 AND unixepoch(time) >= ?2 AND change IS NOT NULL
                 GROUP BY start, change ORDER BY start",
            )?;
            let counts = stmt
                .query_map(params![source_id, since, bucket_seconds], |r| {
                    Ok((r.get::<_, i64>(0)?, change_from_column(r.get(1)?)?, r.get::<_, i64>(2)? as u64))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let buckets = buckets(counts);
            let latest = conn
                .prepare_cached("SELECT time FROM log.activity WHERE source_id = ? ORDER BY id DESC LIMIT 1")?
                .query_row([source_id], |r| r.get(0))
                .optional()?;
            // Ids start at 1 and only pruning removes rows: a first id above 1 means some were.
            let oldest_kept = conn
                .prepare_cached("SELECT id, time FROM log.activity WHERE source_id = ? ORDER BY id LIMIT 1")?
                .query_row([source_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .optional()?
                .filter(|(id, _)| *id > 1)
                .map(|(_, time)| time);
            Ok(ActivityHistogram { since, bucket_seconds, buckets, latest, oldest_kept })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::activity::tests::{add_source, entry, store_with_source};
    use crate::change::Change;
    use crate::store::{ActivityBucket, ActivityEntry, ACTIVITY_RETENTION};

    fn at(time: &str, change: Change) -> ActivityEntry {
        ActivityEntry { time: time.into(), change, ..entry("/Users") }
    }

    fn unix(time: &str) -> i64 {
        time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).unwrap().unix_timestamp()
    }

    #[tokio::test]
    async fn rows_are_counted_per_bucket_and_kind_from_since_on() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path(), "entra").await;
        let other_id = add_source(&store, "okta").await;
        let rows = [
            // Before `since` (10:00): not counted, however close (SQLite reads times to the millisecond).
            at("2026-03-01T09:45:00Z", Change::UserCreated),
            at("2026-03-01T09:59:59.999Z", Change::Read),
            // 10:00 to 10:15.
            at("2026-03-01T10:00:00Z", Change::UserCreated),
            at("2026-03-01T10:03:10.5Z", Change::UserDisabled),
            at("2026-03-01T10:07:00.123456Z", Change::MembersChanged { added: 2, removed: 0 }),
            at("2026-03-01T10:08:00Z", Change::MembersChanged { added: 0, removed: 1 }),
            at("2026-03-01T10:09:00Z", Change::GroupRenamed),
            at("2026-03-01T10:14:59.999Z", Change::Read),
            // The admin's changes and checks are not requests.
            at("2026-03-01T10:10:00Z", Change::TokenRotated),
            at("2026-03-01T10:11:00Z", Change::Checked),
            // 10:15 to 10:30.
            at("2026-03-01T10:15:00Z", Change::Refused),
            at("2026-03-01T10:29:59Z", Change::Refused),
            at("2026-03-01T10:16:00Z", Change::UserDeleted),
            // Nothing from 10:30 to 11:45; then one read, the newest row.
            at("2026-03-01T11:50:30.25Z", Change::Read),
        ];
        for row in &rows {
            store.record_activity(source_id, row.clone());
        }
        // Another source's rows are its own.
        store.record_activity(other_id, at("2026-03-01T10:05:00Z", Change::UserCreated));
        store.flush_activity().await.unwrap();

        let since = unix("2026-03-01T10:00:00Z");
        let histogram = store.activity_per_bucket(source_id, since, 900).unwrap();
        let bucket = |start: &str, users, groups, reads, refused| ActivityBucket {
            start: unix(start),
            users,
            groups,
            reads,
            refused,
        };
        assert_eq!(
            histogram.buckets,
            vec![
                bucket("2026-03-01T10:00:00Z", 2, 3, 1, 0),
                bucket("2026-03-01T10:15:00Z", 1, 0, 0, 2),
                bucket("2026-03-01T11:45:00Z", 0, 0, 1, 0),
            ]
        );
        assert_eq!((histogram.since, histogram.bucket_seconds), (since, 900));
        assert_eq!(histogram.latest.as_deref(), Some("2026-03-01T11:50:30.25Z"), "the newest row read");
        assert_eq!(histogram.oldest_kept, None, "nothing was pruned");

        // Other bucket lengths count the same rows; a later `since` leaves out what is before it.
        let hourly = store.activity_per_bucket(source_id, since, 3600).unwrap();
        assert_eq!(
            hourly.buckets,
            vec![bucket("2026-03-01T10:00:00Z", 3, 3, 1, 2), bucket("2026-03-01T11:00:00Z", 0, 0, 1, 0)]
        );
        let later = store.activity_per_bucket(source_id, unix("2026-03-01T10:15:00Z"), 900).unwrap();
        assert_eq!(later.buckets.iter().map(|b| b.users + b.groups + b.reads + b.refused).sum::<u64>(), 4);
        let from_9 = store.activity_per_bucket(source_id, unix("2026-03-01T09:00:00Z"), 900).unwrap();
        assert_eq!(from_9.buckets[0], bucket("2026-03-01T09:45:00Z", 1, 0, 1, 0), "the rows before 10:00");
        let none = store.activity_per_bucket(source_id, unix("2026-03-01T12:00:00Z"), 900).unwrap();
        assert!(none.buckets.is_empty());
        assert_eq!(none.latest.as_deref(), Some("2026-03-01T11:50:30.25Z"), "the newest row, even before since");

        let empty = store.activity_per_bucket(other_id + 1, since, 900).unwrap();
        assert_eq!((empty.buckets.len(), empty.latest, empty.oldest_kept), (0, None, None));
    }

    #[tokio::test]
    async fn the_oldest_row_kept_is_told_once_rows_were_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let (store, source_id) = store_with_source(dir.path(), "entra").await;
        let second = |n: i64| {
            let t = time::OffsetDateTime::from_unix_timestamp(1_772_000_000 + n).unwrap();
            t.format(&time::format_description::well_known::Rfc3339).unwrap()
        };
        for n in 0..ACTIVITY_RETENTION {
            store.record_activity(source_id, at(&second(n), Change::UserUpdated));
        }
        store.flush_activity().await.unwrap();
        let full = store.activity_per_bucket(source_id, 0, 86_400).unwrap();
        assert_eq!(full.oldest_kept, None, "the log is full but nothing was pruned yet");
        assert_eq!(full.buckets.iter().map(|b| b.users).sum::<u64>(), ACTIVITY_RETENTION as u64);

        store.record_activity(source_id, at(&second(ACTIVITY_RETENTION + 5), Change::Read));
        store.flush_activity().await.unwrap();
        let pruned = store.activity_per_bucket(source_id, 0, 86_400).unwrap();
        assert_eq!(pruned.oldest_kept, Some(second(1)), "the first row was pruned");
        assert_eq!(pruned.latest, Some(second(ACTIVITY_RETENTION + 5)));
        let counted = pruned.buckets.iter().map(|b| b.users + b.reads).sum::<u64>();
        assert_eq!(counted, ACTIVITY_RETENTION as u64);
    }
}
