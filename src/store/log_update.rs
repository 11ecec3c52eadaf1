//! What a write of the activity log changes besides its rows, the same on both backends: each
//! source's cycles and traffic since its first request, and the requests for slugs that name no
//! source (bounded: one row per slug, at most [`MAX_UNKNOWN_SLUGS`] slugs, the rest counted
//! together under [`OTHER_SLUGS`]). The backends give the tables ([`LogTables`]); the rules are
//! here.

use std::collections::HashMap;
use std::time::Duration;

use super::unknown_slug_buffer::PendingSlug;
use super::{ActivityEntry, Result, UnknownSlugRow, CYCLES_KEPT, MAX_UNKNOWN_SLUGS, OTHER_SLUGS};
use crate::traffic::{self, Cycle, RefusalRun, Traffic, BURST_WINDOW};

/// An unknown slug not requested for this long is forgotten.
const UNKNOWN_SLUG_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The log's tables of traffic, cycles and unknown slugs, inside the log write's transaction.
pub(crate) trait LogTables {
    fn source_exists(&mut self, source_id: i64) -> Result<bool>;
    fn traffic(&mut self, source_id: i64) -> Result<Option<Traffic>>;
    /// The source's newest cycle with its id.
    fn newest_cycle(&mut self, source_id: i64) -> Result<Option<(i64, Cycle)>>;
    /// Insert or replace cycle `id` of the source.
    fn save_cycle(&mut self, source_id: i64, id: i64, cycle: &Cycle) -> Result<()>;
    /// Forget the source's cycles up to and including `id`.
    fn forget_cycles_through(&mut self, source_id: i64, id: i64) -> Result<()>;
    fn save_traffic(&mut self, source_id: i64, traffic: &Traffic) -> Result<()>;
    fn unknown_slug(&mut self, slug: &str) -> Result<Option<UnknownSlugRow>>;
    /// Insert or replace the slug's row.
    fn save_unknown_slug(&mut self, row: &UnknownSlugRow) -> Result<()>;
    /// Forget the slugs (not [`OTHER_SLUGS`]) last requested before `time`; how many.
    fn forget_unknown_slugs_seen_before(&mut self, time: &str) -> Result<usize>;
    /// Among the slugs (not [`OTHER_SLUGS`]) last requested before `time`, the one with the
    /// fewest requests (the oldest of those): its slug and requests.
    fn quietest_unknown_slug_seen_before(&mut self, time: &str) -> Result<Option<(String, u64)>>;
    fn delete_unknown_slug(&mut self, slug: &str) -> Result<()>;
    /// The slugs that have a row of their own.
    fn count_unknown_slugs(&mut self) -> Result<usize>;
}

/// One source's traffic and cycles as a write changes them.
struct SourceUpdate {
    source_id: i64,
    /// Rows of a source deleted meanwhile are left out (as their activity rows are).
    exists: bool,
    traffic: Traffic,
    /// The cycles this write touches, oldest first, with their ids; the last is the current one.
    cycles: Vec<(i64, Cycle)>,
    /// Unix ms of the current cycle's newest request.
    current_end: Option<i64>,
    started_new: bool,
}

impl SourceUpdate {
    fn load(log: &mut dyn LogTables, source_id: i64) -> Result<SourceUpdate> {
        let exists = log.source_exists(source_id)?;
        let traffic = log.traffic(source_id)?.unwrap_or_default();
        let current = log.newest_cycle(source_id)?;
        let current_end = current.as_ref().and_then(|(_, c)| traffic::unix_ms(&c.ended));
        Ok(SourceUpdate {
            source_id,
            exists,
            traffic,
            cycles: current.into_iter().collect(),
            current_end,
            started_new: false,
        })
    }

    fn add(&mut self, entry: &ActivityEntry, at: i64, gap: Duration) {
        let continues = self.current_end.is_some_and(|end| Cycle::continues(end, at, gap));
        if !continues {
            let id = self.cycles.last().map_or(0, |(id, _)| *id) + 1;
            self.cycles.push((id, Cycle::starting(&entry.time)));
            self.started_new = true;
        }
        let (_, cycle) = self.cycles.last_mut().expect("a current cycle");
        cycle.count(&entry.time, entry.status, &entry.change);
        self.current_end = Some(self.current_end.map_or(at, |end| end.max(at)));
        self.traffic.count(&entry.time, at, entry.status);
    }

    fn save(&self, log: &mut dyn LogTables) -> Result<()> {
        if !self.exists {
            return Ok(());
        }
        for (id, cycle) in &self.cycles {
            log.save_cycle(self.source_id, *id, cycle)?;
        }
        if let (true, Some((newest, _))) = (self.started_new, self.cycles.last()) {
            log.forget_cycles_through(self.source_id, newest - CYCLES_KEPT)?;
        }
        log.save_traffic(self.source_id, &self.traffic)
    }
}

/// Extend each source's cycles and traffic with the rows of a write (in the order written);
/// Entra's cycles are `interval` apart.
pub(crate) fn record_traffic(log: &mut dyn LogTables, rows: &[(i64, ActivityEntry)], interval: Duration) -> Result<()> {
    let gap = traffic::cycle_gap(interval);
    // A write holds the rows of a few sources: a list is enough.
    let mut updates: Vec<SourceUpdate> = Vec::new();
    for (source_id, entry) in rows {
        if !traffic::is_traffic(&entry.change) {
            continue;
        }
        let Some(at) = traffic::unix_ms(&entry.time) else { continue };
        let index = match updates.iter().position(|u| u.source_id == *source_id) {
            Some(i) => i,
            None => {
                updates.push(SourceUpdate::load(log, *source_id)?);
                updates.len() - 1
            }
        };
        updates[index].add(entry, at, gap);
    }
    updates.iter().try_for_each(|u| u.save(log))
}

/// Make room for a new slug: forget the slugs not requested for a month, else the one with the
/// fewest requests among those not requested within the burst window (a scanner's one-off guesses
/// go first; the slug a misconfigured Entra keeps calling stays). Its requests stay counted under
/// [`OTHER_SLUGS`]. Whether there is room now.
fn make_room(log: &mut dyn LogTables, now: i64) -> Result<bool> {
    let time_of = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    };
    let forgotten = log.forget_unknown_slugs_seen_before(&time_of(now - UNKNOWN_SLUG_RETENTION.as_millis() as i64))?;
    if forgotten > 0 {
        return Ok(true);
    }
    let victim = log.quietest_unknown_slug_seen_before(&time_of(now - BURST_WINDOW.as_millis() as i64))?;
    let Some((slug, requests)) = victim else { return Ok(false) };
    log.delete_unknown_slug(&slug)?;
    add_to_other_slugs(log, requests, None)?;
    Ok(true)
}

/// Count `requests` under [`OTHER_SLUGS`] (with their times, when they are new requests).
fn add_to_other_slugs(log: &mut dyn LogTables, requests: u64, pending: Option<&PendingSlug>) -> Result<()> {
    let mut row = log.unknown_slug(OTHER_SLUGS)?.unwrap_or_else(|| UnknownSlugRow {
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
    log.save_unknown_slug(&row)
}

/// Write the requests for unknown slugs held since the last write; a slug's run of requests starts
/// again after a silence of two cycles of `interval`.
pub(crate) fn record_unknown_slugs(
    log: &mut dyn LogTables,
    pending: HashMap<String, PendingSlug>,
    interval: Duration,
) -> Result<()> {
    let quiet = traffic::quiet_after(interval).as_millis() as i64;
    let mut kept = log.count_unknown_slugs()?;
    // The slugs with the most requests get the free places first.
    let mut pending: Vec<(String, PendingSlug)> = pending.into_iter().collect();
    pending.sort_by_key(|(_, p)| std::cmp::Reverse(p.count));
    for (slug, p) in pending {
        let existing = log.unknown_slug(&slug)?;
        let mut row = match existing {
            Some(row) => row,
            None if slug == OTHER_SLUGS => {
                add_to_other_slugs(log, p.count, Some(&p))?;
                continue;
            }
            None => {
                if kept >= MAX_UNKNOWN_SLUGS {
                    if !make_room(log, p.recent.last().copied().unwrap_or(0))? {
                        add_to_other_slugs(log, p.count, Some(&p))?;
                        continue;
                    }
                    kept = log.count_unknown_slugs()?;
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
        log.save_unknown_slug(&row)?;
    }
    Ok(())
}
