//! When a provisioning cycle ends: a span after the last request seen. Pure timing, so that the
//! worker's decisions can be tested without waiting.

use std::time::{Duration, Instant};

/// The longest the worker sleeps between two looks at whether requests arrived.
const MAX_TICK: Duration = Duration::from_secs(15);
/// The shortest, so that a tiny span does not spin the worker.
const MIN_TICK: Duration = Duration::from_millis(10);

/// A cycle of requests under way: it lasts until `span` has passed with no request seen.
///
/// Requests are not timed one by one (that would cost a clock read on the request path): the
/// worker looks every [`Cycle::tick`] whether any arrived since its last look, and counts them as
/// arriving at that look. So the cycle ends between `span` and `span` plus two ticks after the
/// last request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cycle {
    span: Duration,
    last_seen: Instant,
}

impl Cycle {
    /// A cycle whose first request was seen `now`.
    pub fn start(now: Instant, span: Duration) -> Cycle {
        Cycle { span, last_seen: now }
    }

    /// How long the worker sleeps between two looks: an eighth of the span (2 min: 15 s).
    pub fn tick(&self) -> Duration {
        (self.span / 8).clamp(MIN_TICK, MAX_TICK)
    }

    /// Record a look at `now` (`seen`: requests arrived since the last one); false once the
    /// cycle is over.
    pub fn look(&mut self, now: Instant, seen: bool) -> bool {
        if seen {
            self.last_seen = now;
        }
        now.saturating_duration_since(self.last_seen) < self.span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: Duration = Duration::from_secs(120);

    #[test]
    fn a_two_minute_span_is_watched_every_fifteen_seconds() {
        let cycle = Cycle::start(Instant::now(), SPAN);
        assert_eq!(cycle.tick(), Duration::from_secs(15));
        assert_eq!(Cycle::start(Instant::now(), Duration::from_secs(2)).tick(), Duration::from_millis(250));
        assert_eq!(Cycle::start(Instant::now(), Duration::from_secs(3600)).tick(), MAX_TICK);
        assert_eq!(Cycle::start(Instant::now(), Duration::from_millis(1)).tick(), MIN_TICK);
    }

    #[test]
    fn the_cycle_lasts_a_span_after_its_first_request() {
        let t0 = Instant::now();
        let mut cycle = Cycle::start(t0, SPAN);
        assert!(cycle.look(t0 + Duration::from_secs(60), false));
        assert!(cycle.look(t0 + Duration::from_secs(119), false));
        assert!(!cycle.look(t0 + SPAN, false), "over a span after the only request");
    }

    #[test]
    fn each_request_seen_moves_the_end_a_span_later() {
        let t0 = Instant::now();
        let mut cycle = Cycle::start(t0, SPAN);
        // Entra's requests every 30 s for 10 minutes: the cycle never ends meanwhile.
        for i in 1..=20 {
            assert!(cycle.look(t0 + Duration::from_secs(30 * i), true), "request {i}");
        }
        let last = t0 + Duration::from_secs(600);
        assert!(cycle.look(last + Duration::from_secs(119), false));
        assert!(!cycle.look(last + SPAN, false));
    }

    #[test]
    fn a_look_without_requests_does_not_extend_the_cycle() {
        let t0 = Instant::now();
        let mut cycle = Cycle::start(t0, SPAN);
        for i in 1..8 {
            assert!(cycle.look(t0 + Duration::from_secs(15 * i), false));
        }
        assert!(!cycle.look(t0 + Duration::from_secs(120), false));
    }

    #[test]
    fn a_clock_that_seems_to_go_back_does_not_end_the_cycle() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut cycle = Cycle::start(t0, SPAN);
        assert!(cycle.look(t0 - Duration::from_secs(5), false));
    }
}
