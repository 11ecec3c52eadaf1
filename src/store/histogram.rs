//! The Activity chart's 24 hours: a source's requests since a time, counted per bucket of time
//! and per kind. The backends count the rows per (bucket, change); [`buckets`] sums them per kind.

use serde::Serialize;

use crate::change::{Change, RequestKind};

/// The requests of one bucket of time, by kind, as the Activity chart stacks them.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityBucket {
    /// Where the bucket starts, in Unix seconds: a multiple of the bucket's length.
    pub start: i64,
    pub users: u64,
    pub groups: u64,
    pub reads: u64,
    pub refused: u64,
}

/// A source's requests since a time, counted per bucket of time from the activity log.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityHistogram {
    /// Rows from this time on (Unix seconds) are counted.
    pub since: i64,
    pub bucket_seconds: i64,
    /// The buckets that hold at least one request, oldest first.
    pub buckets: Vec<ActivityBucket>,
    /// The time of the newest row in the log when it was read: a live event with a later time
    /// is not counted here yet.
    pub latest: Option<String>,
    /// When older rows were pruned (the log keeps the newest 10,000 rows of each source): the
    /// time of the oldest row kept, before which requests are not known. Empty when none were.
    pub oldest_kept: Option<String>,
}

impl ActivityBucket {
    fn add(&mut self, kind: RequestKind, n: u64) {
        match kind {
            RequestKind::Users => self.users += n,
            RequestKind::Groups => self.groups += n,
            RequestKind::Reads => self.reads += n,
            RequestKind::Refused => self.refused += n,
        }
    }
}

/// The buckets of `(bucket start, change, rows)` counts in bucket order: changes that are not
/// requests (the admin's own, reachability checks) are left out.
pub(super) fn buckets(counts: impl IntoIterator<Item = (i64, Change, u64)>) -> Vec<ActivityBucket> {
    let mut buckets: Vec<ActivityBucket> = Vec::new();
    for (start, change, n) in counts {
        let Some(kind) = change.request_kind() else { continue };
        match buckets.last_mut() {
            Some(last) if last.start == start => last.add(kind, n),
            _ => {
                let mut bucket = ActivityBucket { start, ..ActivityBucket::default() };
                bucket.add(kind, n);
                buckets.push(bucket);
            }
        }
    }
    buckets
}
