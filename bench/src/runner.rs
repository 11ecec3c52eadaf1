//! What every phase shares: the scenario's size, the targets, the results, and the runner that
//! measures one phase (requests, latency, the server's CPU and context switches).

use std::sync::Arc;
use std::time::Duration;

use crate::client::{run_phase, Call, Extract, Load, PhaseStats, Target};
use crate::process::Memory;

/// How big the scenario is.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Users created by phase 1 (the seed).
    pub users: u64,
    /// Connections and per-phase bounds for the measured phases (2 to 7).
    pub load: Load,
    /// Upper bound on the time phase 1 may take to create `users`.
    pub seed_duration: Duration,
    /// Members the big group holds before its member-add phase.
    pub big_group_members: u64,
    /// 10-member groups the small-group member adds rotate over (40 adds each per round).
    pub small_groups: u64,
    /// Groups and members per group for the group-listing phase.
    pub listed_groups: u64,
    pub listed_group_members: u64,
    /// The hostile-load phase, run last (`None`: not run).
    pub hostile: Option<crate::hostile_stats::HostileScenario>,
    /// Run only the seed and the hostile-load phase (`--only hostile`).
    pub only_hostile: bool,
}

/// One measured phase (or set-up step) and its numbers.
pub struct Measured {
    /// Stable key used by the report and the JSON output, e.g. `get_user`.
    pub key: &'static str,
    pub label: String,
    pub setup: bool,
    pub stats: PhaseStats,
}

/// Everything a run measured.
#[derive(Default)]
pub struct RunResults {
    pub phases: Vec<Measured>,
    /// Users created and the time phase 1 took.
    pub seeded: Option<(u64, Duration)>,
    /// Server VmRSS and VmHWM after seeding, in bytes.
    pub memory_after_seed: Option<Memory>,
    pub memory_at_end: Option<Memory>,
    /// The highest VmRSS and the highest RssAnon sampled over the whole run, in bytes.
    pub memory_peak: Option<(u64, u64)>,
    pub notes: Vec<String>,
    pub hostile: Option<crate::hostile_stats::HostileReport>,
}

impl RunResults {
    pub fn get(&self, key: &str) -> Option<&PhaseStats> {
        self.phases.iter().find(|p| p.key == key).map(|p| &p.stats)
    }
}

/// Everything the scenario needs to reach: the SCIM base, the floor, and the server's pid for memory.
pub struct Targets {
    pub scim: Target,
    pub floor: Target,
    /// Another source of the same server, for the hostile-load phase's attackers.
    pub attacker: Option<Target>,
}

pub(crate) type Make = Arc<dyn Fn(u64) -> Call + Send + Sync>;

pub(crate) struct Runner<'a> {
    pub targets: &'a Targets,
    pub scenario: &'a Scenario,
    pub results: RunResults,
}

impl Runner<'_> {
    #[allow(clippy::too_many_arguments)]
    pub async fn phase(
        &mut self,
        key: &'static str,
        label: String,
        setup: bool,
        target: &Target,
        load: Load,
        make: Make,
        extract: Option<Extract>,
    ) -> Vec<(u64, String)> {
        if !setup {
            settle(target.pid).await;
        }
        let cpu = |pid: Option<u32>| pid.and_then(crate::process::cpu_time);
        let switches = || target.pid.and_then(crate::process::context_switches);
        let (server_before, bench_before, switches_before) =
            (cpu(target.pid), cpu(Some(std::process::id())), switches());
        let mut outcome = run_phase(target, load, make, extract).await;
        let since = |before: Option<Duration>, now: Option<Duration>| Some(now?.saturating_sub(before?));
        outcome.stats.server_cpu = since(server_before, cpu(target.pid));
        outcome.stats.bench_cpu = since(bench_before, cpu(Some(std::process::id())));
        outcome.stats.server_switches =
            switches().zip(switches_before).map(|(after, before)| after.saturating_sub(before));
        let s = &outcome.stats;
        eprintln!(
            "  {label}: {} requests, {} errors, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            s.requests,
            s.errors,
            s.rps(),
            s.quantile_ms(0.50),
            s.quantile_ms(0.99)
        );
        if let Some(e) = &s.first_error {
            eprintln!("    first error: {e}");
        }
        self.results.phases.push(Measured { key, label, setup, stats: outcome.stats });
        outcome.extracted
    }

    /// Count 2xx answers that `extract` rejected (e.g. a filter that found nothing) as errors.
    pub fn count_misses(&mut self, found: usize, what: &str) {
        let last = self.results.phases.last_mut().expect("called after a phase");
        let answered_ok = last.stats.requests - last.stats.errors;
        let misses = answered_ok.saturating_sub(found as u64);
        if misses > 0 {
            last.stats.errors += misses;
            last.stats.first_error.get_or_insert_with(|| format!("{misses} answers were 2xx but {what}"));
        }
    }

    pub fn memory(&self) -> Option<Memory> {
        self.targets.scim.pid.and_then(crate::process::memory)
    }
}

/// Wait (up to 5 s) until the server is idle, so that work queued by the previous phase (such as
/// activity rows still being written) is not billed to the next one.
async fn settle(pid: Option<u32>) {
    let Some(pid) = pid else { return };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut before = crate::process::cpu_time(pid);
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = crate::process::cpu_time(pid);
        match (before, now) {
            // Under 5% of one core over the last 200 ms counts as idle.
            (Some(b), Some(n)) if n.saturating_sub(b) <= Duration::from_millis(10) => return,
            (_, None) => return,
            _ => before = now,
        }
    }
}
