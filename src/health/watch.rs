//! The health watch: every interval it reads the health of every source and of the unknown slugs
//! (a few indexed reads) and publishes an [`Alert`] when a condition starts: a provisioned source
//! went quiet, a source's requests are refused in a burst, a slug that names no source is called
//! in a burst; and, where that can be told, when it ends: a request arrived, a request was
//! accepted. A condition that goes on is not alerted again; the conditions going on now are kept
//! on a watch channel for the window's banner and the tray.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::{Alert, HealthReport, RefusalCause};
use crate::error::Result;

/// Alerts a subscriber may fall behind by before it misses some.
const ALERTS_HELD: usize = 256;

/// The health watch; it stops when dropped.
pub struct HealthWatch {
    alerts: broadcast::Sender<Alert>,
    /// Subscribed before the first look, so that [`HealthWatch::next`] misses nothing.
    first: broadcast::Receiver<Alert>,
    conditions: watch::Receiver<Vec<Alert>>,
    task: tokio::task::JoinHandle<()>,
}

impl HealthWatch {
    /// The next alert (from the first look on).
    pub async fn next(&mut self) -> Option<Alert> {
        loop {
            match self.first.recv().await {
                Ok(alert) => return Some(alert),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Another receiver of the alerts, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Alert> {
        self.alerts.subscribe()
    }

    /// The conditions going on now, each as the alert that said it started (with figures as of
    /// the latest look); updated when they change.
    pub fn conditions(&self) -> watch::Receiver<Vec<Alert>> {
        self.conditions.clone()
    }
}

impl Drop for HealthWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Look with `report` now and every `every`.
pub(crate) fn spawn<F>(every: Duration, report: F) -> HealthWatch
where
    F: Fn() -> Result<HealthReport> + Send + 'static,
{
    let (alerts, first) = broadcast::channel(ALERTS_HELD);
    let (conditions_sender, conditions) = watch::channel(Vec::new());
    let sender = alerts.clone();
    let task = tokio::spawn(async move {
        let mut ongoing = BTreeMap::new();
        let mut failing = false;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let report = match report() {
                Ok(report) => report,
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "the health of the sources could not be read");
                    }
                    failing = true;
                    continue;
                }
            };
            failing = false;
            let now = conditions_of(&report);
            for alert in changes(&ongoing, &now, &report) {
                // No subscriber is not an error.
                let _ = sender.send(alert);
            }
            ongoing = now;
            let current: Vec<Alert> = ongoing.values().cloned().collect();
            conditions_sender.send_if_modified(|shown| {
                let changed = *shown != current;
                if changed {
                    *shown = current;
                }
                changed
            });
        }
    });
    HealthWatch { alerts, first, conditions, task }
}

/// A condition that is alerted once when it starts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Condition {
    Quiet(String),
    Refused(String, RefusalCause),
    UnknownSlug(String),
}

/// The conditions of `report`, each with the alert that says it started.
fn conditions_of(report: &HealthReport) -> BTreeMap<Condition, Alert> {
    let mut conditions = BTreeMap::new();
    for source in &report.sources {
        if let (true, Some(last_request)) = (source.quiet, &source.last_request) {
            conditions.insert(
                Condition::Quiet(source.slug.clone()),
                Alert::QuietSource {
                    slug: source.slug.clone(),
                    name: source.name.clone(),
                    last_request: last_request.clone(),
                    interval_seconds: report.cycle_interval.as_secs(),
                },
            );
        }
        if let Some(burst) = &source.refusals {
            conditions.insert(
                Condition::Refused(source.slug.clone(), burst.cause),
                Alert::RefusalBurst {
                    slug: source.slug.clone(),
                    name: Some(source.name.clone()),
                    status: burst.status,
                    count: burst.count,
                    cause: burst.cause,
                    fix: burst.cause.fix().to_owned(),
                },
            );
        }
    }
    for unknown in &report.unknown_slugs {
        if let Some(burst) = &unknown.refusals {
            conditions.insert(
                Condition::UnknownSlug(unknown.slug.clone()),
                Alert::RefusalBurst {
                    slug: unknown.slug.clone(),
                    name: None,
                    status: burst.status,
                    count: burst.count,
                    cause: burst.cause,
                    fix: burst.cause.fix().to_owned(),
                },
            );
        }
    }
    conditions
}

/// The alerts of going from the conditions `before` to those `now`: one for each that started,
/// and one for each that ended in a way worth telling (a request arrived, a request was accepted;
/// not a source deleted or disabled, a setting changed, an unknown slug that fell silent).
fn changes(before: &BTreeMap<Condition, Alert>, now: &BTreeMap<Condition, Alert>, report: &HealthReport) -> Vec<Alert> {
    let started = now.iter().filter(|(c, _)| !before.contains_key(c)).map(|(_, alert)| alert.clone());
    let ended = before.iter().filter(|(c, _)| !now.contains_key(c)).filter_map(|(condition, alert)| {
        let source = report.sources.iter().find(|s| s.slug == alert.slug())?;
        match (condition, alert) {
            (Condition::Quiet(_), Alert::QuietSource { last_request, .. }) => {
                let newer = source.last_request.as_ref().filter(|newer| *newer != last_request)?;
                Some(Alert::QuietSourceResumed {
                    slug: source.slug.clone(),
                    name: source.name.clone(),
                    last_request: newer.clone(),
                })
            }
            (Condition::Refused(_, cause), _) if source.refusals.is_none() => Some(Alert::RefusalBurstEnded {
                slug: source.slug.clone(),
                name: source.name.clone(),
                status: cause.status(),
                cause: *cause,
            }),
            _ => None,
        }
    });
    started.chain(ended).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{RefusalBurst, SourceHealth, UnknownSlug};
    use super::*;

    fn source(slug: &str) -> SourceHealth {
        SourceHealth {
            slug: slug.into(),
            name: slug.to_uppercase(),
            enabled: true,
            last_request: Some("2026-05-01T10:00:00Z".into()),
            last_accepted: Some("2026-05-01T10:00:00Z".into()),
            last_cycle: None,
            requests: 10,
            refused: 0,
            provisioned: true,
            quiet: false,
            refusals: None,
        }
    }

    fn report(sources: Vec<SourceHealth>, unknown_slugs: Vec<UnknownSlug>) -> HealthReport {
        HealthReport { cycle_interval: Duration::from_secs(2400), sources, unknown_slugs }
    }

    /// Feed the reports one after the other, as the watch does; the alerts of each step.
    fn alerts(reports: &[HealthReport]) -> Vec<Vec<Alert>> {
        let mut ongoing = BTreeMap::new();
        reports
            .iter()
            .map(|r| {
                let now = conditions_of(r);
                let alerts = changes(&ongoing, &now, r);
                ongoing = now;
                alerts
            })
            .collect()
    }

    #[test]
    fn a_quiet_source_is_alerted_once_and_again_when_a_request_arrives() {
        let quiet = SourceHealth { quiet: true, ..source("entra") };
        let resumed = SourceHealth { last_request: Some("2026-05-01T12:00:00Z".into()), ..source("entra") };
        let steps = alerts(&[
            report(vec![source("entra")], vec![]),
            report(vec![quiet.clone()], vec![]),
            report(vec![quiet.clone()], vec![]),
            report(vec![resumed], vec![]),
        ]);
        assert!(steps[0].is_empty());
        assert!(matches!(&steps[1][..], [Alert::QuietSource { slug, .. }] if slug == "entra"), "{steps:?}");
        assert!(steps[2].is_empty(), "no second alert while it stays quiet");
        assert!(
            matches!(&steps[3][..], [Alert::QuietSourceResumed { last_request, .. }] if last_request == "2026-05-01T12:00:00Z"),
            "{steps:?}"
        );
    }

    #[test]
    fn a_source_disabled_while_quiet_ends_the_condition_without_an_alert() {
        let quiet = SourceHealth { quiet: true, ..source("entra") };
        let disabled = SourceHealth { enabled: false, ..source("entra") };
        let steps = alerts(&[report(vec![quiet], vec![]), report(vec![disabled], vec![])]);
        assert_eq!(steps[0].len(), 1);
        assert!(steps[1].is_empty(), "{steps:?}");
    }

    #[test]
    fn a_refusal_burst_is_alerted_once_and_ends_when_a_request_is_accepted() {
        let burst = |count| SourceHealth {
            refusals: Some(RefusalBurst { status: 401, count, cause: RefusalCause::TokenMismatch }),
            ..source("entra")
        };
        let unknown = |count| UnknownSlug {
            slug: "entra-prod".into(),
            others: false,
            requests: count,
            first_seen: "t".into(),
            last_seen: "t".into(),
            refusals: Some(RefusalBurst { status: 404, count, cause: RefusalCause::UnknownSlug }),
        };
        let steps = alerts(&[
            report(vec![burst(5)], vec![unknown(6)]),
            report(vec![burst(9)], vec![unknown(60)]),
            report(vec![source("entra")], vec![UnknownSlug { refusals: None, ..unknown(60) }]),
        ]);
        assert_eq!(steps[0].len(), 2, "{steps:?}");
        assert!(steps[0].iter().any(|a| matches!(a, Alert::RefusalBurst { name: Some(_), count: 5, .. })));
        assert!(steps[0].iter().any(|a| matches!(a, Alert::RefusalBurst { name: None, status: 404, .. })));
        assert!(steps[1].is_empty(), "the same bursts going on: {steps:?}");
        assert!(
            matches!(&steps[2][..], [Alert::RefusalBurstEnded { status: 401, .. }]),
            "only the source can tell it ended: {steps:?}"
        );
    }
}
