//! What Entra's traffic to a source looks like over time: its cycles (bursts of requests), its
//! totals, and runs of refusals. Pure rules, kept up to date by the activity log's writer as it
//! writes each request's row, and read by the health service.
//!
//! Entra provisions in cycles: a burst of requests about every 40 minutes (the "cycle interval"
//! setting), and nothing in between. A silence longer than [`cycle_gap`] ends a cycle.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::change::Change;

/// Entra's interval between provisioning cycles, unless the admin set another.
pub const DEFAULT_CYCLE_INTERVAL: Duration = Duration::from_secs(40 * 60);
/// Shortest and longest cycle interval the setting accepts (seconds are for tests and trials).
pub const MIN_CYCLE_INTERVAL: Duration = Duration::from_secs(2);
pub const MAX_CYCLE_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The longest silence inside one cycle. Entra's requests of a cycle follow each other within
/// seconds, and its cycles are about 40 minutes apart: five minutes of silence tells them apart
/// with room on both sides. A shorter interval (tests) gets an eighth of it, at least a second.
pub const MAX_CYCLE_GAP: Duration = Duration::from_secs(5 * 60);
const MIN_CYCLE_GAP: Duration = Duration::from_secs(1);

/// Refusals of one kind that make a burst when they come within [`BURST_WINDOW`]: one refused
/// request is a client's mistake, five in two minutes is Entra failing a cycle (it retries and
/// goes on to the next user).
pub const BURST_REFUSALS: usize = 5;
pub const BURST_WINDOW: Duration = Duration::from_secs(2 * 60);

/// The silence that ends a cycle when Entra's cycles are `interval` apart.
pub fn cycle_gap(interval: Duration) -> Duration {
    (interval / 8).clamp(MIN_CYCLE_GAP, MAX_CYCLE_GAP)
}

/// The silence after which a provisioned source is "quiet": two cycles missed.
pub fn quiet_after(interval: Duration) -> Duration {
    interval * 2
}

/// Whether a logged request is the source's own traffic. A reachability check is ScimDesk
/// calling itself through the tunnel, not Entra, so it neither makes a cycle nor ends a silence.
pub fn is_traffic(change: &Change) -> bool {
    !matches!(
        change,
        Change::Checked | Change::SourceCreated | Change::SourceUpdated | Change::SourceDeleted | Change::TokenRotated
    )
}

/// Whether a request with this status was refused (the Activity's "Refused").
pub fn is_refused(status: i64) -> bool {
    status >= 400
}

/// A cycle: requests that followed each other with no silence longer than the cycle gap.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    /// RFC 3339 times of its first and last request.
    pub started: String,
    pub ended: String,
    pub requests: u64,
    /// Users and groups created.
    pub created: u64,
    /// Users and groups changed: attributes, disabled or enabled, renamed, members.
    pub updated: u64,
    pub deleted: u64,
    /// Requests answered with an error (4xx, 5xx).
    pub refused: u64,
}

impl Cycle {
    /// A cycle that starts with a request at `time`; count it with [`Cycle::count`].
    pub fn starting(time: &str) -> Cycle {
        Cycle { started: time.to_owned(), ended: time.to_owned(), ..Cycle::default() }
    }

    /// Whether a request at `time` (unix ms) continues this cycle, which ended at `ended` (unix ms).
    pub fn continues(ended: i64, time: i64, gap: Duration) -> bool {
        time - ended <= gap.as_millis() as i64
    }

    /// Count a request of this cycle.
    pub fn count(&mut self, time: &str, status: i64, change: &Change) {
        self.ended = time.to_owned();
        self.requests += 1;
        if is_refused(status) {
            self.refused += 1;
            return;
        }
        match change {
            Change::UserCreated | Change::GroupCreated => self.created += 1,
            Change::UserUpdated
            | Change::UserDisabled
            | Change::UserEnabled
            | Change::GroupUpdated
            | Change::GroupRenamed
            | Change::MembersChanged { .. } => self.updated += 1,
            Change::UserDeleted | Change::GroupDeleted => self.deleted += 1,
            _ => {}
        }
    }
}

/// Refusals of one kind in a row: how many, the times of the newest few, and whether
/// [`BURST_REFUSALS`] of them ever came within [`BURST_WINDOW`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalRun {
    pub count: u64,
    /// Unix ms, oldest first, at most [`BURST_REFUSALS`].
    pub recent: Vec<i64>,
    pub burst: bool,
}

impl RefusalRun {
    /// Count `more` refusals, the newest of which came at `times` (unix ms, oldest first).
    pub fn refused(&mut self, more: u64, times: &[i64]) {
        self.count += more;
        self.recent.extend_from_slice(times);
        let excess = self.recent.len().saturating_sub(BURST_REFUSALS);
        self.recent.drain(..excess);
        if let [first, .., last] = self.recent[..] {
            if self.recent.len() == BURST_REFUSALS && last - first <= BURST_WINDOW.as_millis() as i64 {
                self.burst = true;
            }
        }
    }
}

/// A source's traffic since its first request: kept beside the log, so that a restart, the
/// pruning of old rows and another process reading the log all see the same figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    pub requests: u64,
    pub refused: u64,
    /// RFC 3339 times of the newest request, and of the newest that was not refused.
    pub last_request: Option<String>,
    pub last_accepted: Option<String>,
    /// The 401s since the last accepted request (a token Entra sends that does not match).
    pub unauthorized: RefusalRun,
}

impl Traffic {
    /// Count a request at `time` (unix ms `at`) answered with `status`.
    pub fn count(&mut self, time: &str, at: i64, status: i64) {
        self.requests += 1;
        self.last_request = Some(time.to_owned());
        if !is_refused(status) {
            self.last_accepted = Some(time.to_owned());
            self.unauthorized = RefusalRun::default();
            return;
        }
        self.refused += 1;
        if status == 401 {
            self.unauthorized.refused(1, &[at]);
        }
    }
}

/// Unix milliseconds of an RFC 3339 time (as the log stores them).
pub fn unix_ms(time: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_is_five_minutes_at_entras_interval_and_shrinks_for_short_ones() {
        assert_eq!(cycle_gap(DEFAULT_CYCLE_INTERVAL), Duration::from_secs(300));
        assert_eq!(cycle_gap(Duration::from_secs(8 * 3600)), MAX_CYCLE_GAP);
        assert_eq!(cycle_gap(Duration::from_secs(16)), Duration::from_secs(2));
        assert_eq!(cycle_gap(MIN_CYCLE_INTERVAL), Duration::from_secs(1));
        assert_eq!(quiet_after(DEFAULT_CYCLE_INTERVAL), Duration::from_secs(80 * 60));
    }

    #[test]
    fn a_cycle_counts_each_kind_of_change_and_refusals_by_status() {
        let mut c = Cycle::starting("t0");
        c.count("t1", 201, &Change::UserCreated);
        c.count("t2", 201, &Change::GroupCreated);
        c.count("t3", 200, &Change::UserDisabled);
        c.count("t4", 204, &Change::MembersChanged { added: 2, removed: 0 });
        c.count("t5", 204, &Change::UserDeleted);
        c.count("t6", 200, &Change::Read);
        c.count("t7", 409, &Change::Refused);
        c.count("t8", 401, &Change::Refused);
        let want = Cycle {
            started: "t0".into(),
            ended: "t8".into(),
            requests: 8,
            created: 2,
            updated: 2,
            deleted: 1,
            refused: 2,
        };
        assert_eq!(c, want);
        assert!(Cycle::continues(1_000, 1_000 + 300_000, MAX_CYCLE_GAP));
        assert!(!Cycle::continues(1_000, 1_000 + 300_001, MAX_CYCLE_GAP));
    }

    #[test]
    fn checks_are_not_traffic() {
        assert!(!is_traffic(&Change::Checked));
        assert!(is_traffic(&Change::Refused) && is_traffic(&Change::Read));
    }

    #[test]
    fn five_refusals_within_two_minutes_are_a_burst_and_slower_ones_are_not() {
        let minute = 60_000;
        let mut slow = RefusalRun::default();
        for n in 0..20 {
            slow.refused(1, &[n * minute]);
        }
        assert_eq!((slow.count, slow.burst, slow.recent.len()), (20, false, BURST_REFUSALS));
        let mut fast = RefusalRun::default();
        fast.refused(3, &[0, 1_000, 2_000]);
        assert!(!fast.burst, "three are not a burst");
        fast.refused(2, &[2 * minute - 1_000, 2 * minute]);
        assert!(fast.burst);
        // Many at once keep only the newest times.
        let mut many = RefusalRun::default();
        many.refused(1_000, &[1, 2, 3, 4, 5]);
        assert_eq!((many.count, many.burst), (1_000, true));
    }

    #[test]
    fn an_accepted_request_ends_the_run_of_401s() {
        let mut t = Traffic::default();
        for n in 0..5 {
            t.count("t", n, 401);
        }
        t.count("t", 6, 404);
        assert_eq!((t.requests, t.refused, t.unauthorized.count, t.unauthorized.burst), (6, 6, 5, true));
        assert_eq!(t.last_accepted, None);
        t.count("ok", 7, 200);
        assert_eq!(t.unauthorized, RefusalRun::default());
        assert_eq!((t.refused, t.last_accepted.as_deref()), (6, Some("ok")));
    }

    #[test]
    fn log_times_convert_to_unix_ms() {
        assert_eq!(unix_ms("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(unix_ms("not a time"), None);
    }
}
