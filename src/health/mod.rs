//! The health service: Entra's traffic to each source (its last request, its last cycle, what was
//! refused), whether a provisioned source has gone quiet, bursts of refusals with their likely
//! cause, and the requests for slugs that name no source. All of it is read from the activity log,
//! so it holds across restarts and for a window attached to the background service, which writes
//! the same log. [`HealthWatch`] turns it into alerts for the window, the tray and notifications.

mod alert;
pub(crate) mod watch;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use alert::{display_time, Alert, RefusalCause};
pub use watch::HealthWatch;

use crate::error::{EngineError, Result};
use crate::settings::Settings;
use crate::sources::AuthError;
use crate::store::{SourceTraffic, Store, UnknownSlugRow, OTHER_SLUGS};
use crate::traffic::{self, Cycle};

/// How a source's provisioning is going, as the activity log tells it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceHealth {
    pub slug: String,
    pub name: String,
    pub enabled: bool,
    /// RFC 3339 time of Entra's newest request (reachability checks are not Entra's).
    pub last_request: Option<String>,
    /// The newest request that was not refused.
    pub last_accepted: Option<String>,
    /// The newest cycle: a burst of requests (it may still be going on).
    pub last_cycle: Option<Cycle>,
    /// Requests, and refused ones, since the source's first request.
    pub requests: u64,
    pub refused: u64,
    /// Entra has had a request accepted (its Test connection counts): from now on, silence means
    /// something.
    pub provisioned: bool,
    /// Provisioned and enabled, and no request for longer than two cycle intervals.
    pub quiet: bool,
    /// A burst of 401s since the last accepted request, when there is one.
    pub refusals: Option<RefusalBurst>,
}

/// Refusals of one kind that came in a burst (at least five within two minutes) and go on.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefusalBurst {
    pub status: u16,
    /// Refusals of this kind since the last accepted request (for an unknown slug: since it was
    /// last quiet for two cycles).
    pub count: u64,
    pub cause: RefusalCause,
}

/// A slug requested though no source has it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownSlug {
    /// The slug as requested (empty for the row of `others`).
    pub slug: String,
    /// This row counts the requests for the slugs past the first hundred.
    pub others: bool,
    pub requests: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// A burst of requests for it that goes on (none for the row of `others`).
    pub refusals: Option<RefusalBurst>,
}

/// Everything the watch looks at, as of one moment.
#[derive(Debug, Clone)]
pub struct HealthReport {
    pub cycle_interval: Duration,
    pub sources: Vec<SourceHealth>,
    pub unknown_slugs: Vec<UnknownSlug>,
}

/// The health service.
pub struct Health {
    store: Store,
    settings: Arc<Settings>,
}

impl Health {
    pub(crate) fn new(store: Store, settings: Arc<Settings>) -> Self {
        Health { store, settings }
    }

    /// One source's health.
    pub fn source(&self, slug: &str) -> Result<SourceHealth> {
        let interval = self.settings.cycle_interval()?;
        let row = self.store.source_traffic(Some(slug))?.into_iter().next();
        let row = row.ok_or_else(|| EngineError::SourceNotFound(slug.to_owned()))?;
        self.source_health(row, interval, now_ms())
    }

    /// Every source's health, by name.
    pub fn sources(&self) -> Result<Vec<SourceHealth>> {
        self.sources_at(self.settings.cycle_interval()?, now_ms())
    }

    fn sources_at(&self, interval: Duration, now: i64) -> Result<Vec<SourceHealth>> {
        self.store.source_traffic(None)?.into_iter().map(|row| self.source_health(row, interval, now)).collect()
    }

    /// A source's newest cycles, newest first (up to the thousand kept).
    pub fn cycles(&self, slug: &str, limit: i64) -> Result<Vec<Cycle>> {
        let source = self.store.source_by_slug(slug)?.ok_or_else(|| EngineError::SourceNotFound(slug.to_owned()))?;
        Ok(self.store.cycles(source.id, limit.clamp(1, crate::store::CYCLES_KEPT))?)
    }

    /// The slugs requested though no source has them, most recently requested first.
    pub fn unknown_slugs(&self) -> Result<Vec<UnknownSlug>> {
        self.unknown_slugs_at(self.settings.cycle_interval()?, now_ms())
    }

    fn unknown_slugs_at(&self, interval: Duration, now: i64) -> Result<Vec<UnknownSlug>> {
        Ok(self.store.unknown_slugs()?.into_iter().map(|row| unknown_slug(row, interval, now)).collect())
    }

    /// Sources and unknown slugs together, for the watch: a few indexed reads.
    pub fn report(&self) -> Result<HealthReport> {
        let (cycle_interval, now) = (self.settings.cycle_interval()?, now_ms());
        Ok(HealthReport {
            cycle_interval,
            sources: self.sources_at(cycle_interval, now)?,
            unknown_slugs: self.unknown_slugs_at(cycle_interval, now)?,
        })
    }

    fn source_health(&self, row: SourceTraffic, interval: Duration, now: i64) -> Result<SourceHealth> {
        let t = row.traffic;
        let provisioned = t.last_accepted.is_some();
        let silence = t.last_request.as_deref().and_then(traffic::unix_ms).map(|last| now - last);
        let quiet = row.enabled
            && provisioned
            && silence.is_some_and(|s| s > traffic::quiet_after(interval).as_millis() as i64);
        let refusals = match t.unauthorized.burst {
            false => None,
            true => {
                let said = self.store.newest_unauthorized(row.source_id)?;
                Some(RefusalBurst { status: 401, count: t.unauthorized.count, cause: cause_of_401(said.as_deref()) })
            }
        };
        Ok(SourceHealth {
            slug: row.slug,
            name: row.name,
            enabled: row.enabled,
            last_request: t.last_request,
            last_accepted: t.last_accepted,
            last_cycle: row.last_cycle,
            requests: t.requests,
            refused: t.refused,
            provisioned,
            quiet,
            refusals,
        })
    }
}

/// Why a 401 was given, from what its activity row says (the words of [`AuthError`]).
fn cause_of_401(summary: Option<&str>) -> RefusalCause {
    let said = |error: AuthError| summary.is_some_and(|s| s.contains(&error.to_string()));
    if said(AuthError::MissingToken) {
        RefusalCause::MissingToken
    } else if said(AuthError::Disabled) {
        RefusalCause::SourceDisabled
    } else {
        RefusalCause::TokenMismatch
    }
}

/// An unknown slug's burst goes on until the slug has been quiet for two cycles.
fn unknown_slug(row: UnknownSlugRow, interval: Duration, now: i64) -> UnknownSlug {
    let others = row.slug == OTHER_SLUGS;
    let recent = traffic::unix_ms(&row.last_seen)
        .is_some_and(|last| now - last <= traffic::quiet_after(interval).as_millis() as i64);
    let refusals = (row.run.burst && recent && !others).then_some(RefusalBurst {
        status: 404,
        count: row.run.count,
        cause: RefusalCause::UnknownSlug,
    });
    UnknownSlug {
        slug: row.slug,
        others,
        requests: row.requests,
        first_seen: row.first_seen,
        last_seen: row.last_seen,
        refusals,
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_is_told_apart_by_what_the_refusal_said() {
        let refused = |e: AuthError| format!("refused: {e}");
        assert_eq!(cause_of_401(Some(&refused(AuthError::InvalidToken))), RefusalCause::TokenMismatch);
        assert_eq!(cause_of_401(Some(&refused(AuthError::MissingToken))), RefusalCause::MissingToken);
        assert_eq!(cause_of_401(Some(&refused(AuthError::Disabled))), RefusalCause::SourceDisabled);
        assert_eq!(cause_of_401(None), RefusalCause::TokenMismatch);
    }
}
