//! The scenario: seed users, look them up, update them, grow groups, list groups, and measure the
//! loopback floor, in that order, each phase bounded by a request count and a duration.

use std::sync::Arc;
use std::time::Duration;

use crate::client::{extract_id, run_phase, Call, Extract, Load, PhaseStats, Target};
use crate::entra;
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
    pub hostile: Option<crate::hostile::HostileScenario>,
    /// Run only the seed and the hostile-load phase (`--only hostile`).
    pub only_hostile: bool,
}

/// Members a small group starts with, and how many consecutive adds it takes before the next group.
pub(crate) const SMALL_GROUP_START: u64 = 10;
pub(crate) const SMALL_GROUP_STRIDE: u64 = 40;
/// Members per PATCH when filling groups during set-up.
pub(crate) const FILL_BATCH: u64 = 1_000;

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
    pub hostile: Option<crate::hostile::HostileReport>,
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

/// Spreads request numbers over `len` items so that consecutive requests touch different rows.
fn scatter(i: u64, len: usize) -> usize {
    (i.wrapping_mul(2_654_435_761) % len as u64) as usize
}

fn filter_hit(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct List {
        total_results: u64,
    }
    let list: List = serde_json::from_slice(body).ok()?;
    (list.total_results >= 1).then(String::new)
}

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

    fn memory(&self) -> Option<Memory> {
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

/// Run the whole scenario against `targets`. `run` makes names unique to this run.
pub async fn run(targets: &Targets, sc: &Scenario, run: &str) -> RunResults {
    let mut r = Runner { targets, scenario: sc, results: RunResults::default() };
    let peak = targets.scim.pid.map(crate::process::PeakMemory::watch);
    run_phases(&mut r, Arc::from(run)).await;
    r.results.memory_peak = peak.map(crate::process::PeakMemory::finish);
    r.results
}

/// The phases in order; they stop early when seeding made too few users.
async fn run_phases(r: &mut Runner<'_>, run_id: Arc<str>) {
    let (targets, sc) = (r.targets, r.scenario);
    let scim = &targets.scim;
    let load = sc.load;

    if !sc.only_hostile {
        eprintln!("phase 7 (run first): the loopback floor");
        let make: Make = Arc::new(|_| Call::get("/".into()));
        r.phase(
            "floor",
            "7. loopback floor: GET / (separate trivial server)".into(),
            false,
            &targets.floor,
            load,
            make,
            None,
        )
        .await;
    }

    eprintln!("phase 1: seeding {} users", sc.users);
    let seed_load = Load { max_requests: sc.users, duration: sc.seed_duration, ..load };
    let rid = run_id.clone();
    let make: Make = Arc::new(move |i| Call::post("/Users".into(), entra::create_user(&rid, i)));
    let label = format!("1. POST /Users (seed {} users)", sc.users);
    let created = r.phase("post_users", label, false, scim, seed_load, make, Some(extract_id)).await;
    r.count_misses(created.len(), "carried no id");
    let elapsed = r.results.phases.last().unwrap().stats.elapsed;
    r.results.seeded = Some((created.len() as u64, elapsed));
    r.results.memory_after_seed = r.memory();
    if created.len() < 2 * SMALL_GROUP_START as usize + SMALL_GROUP_STRIDE as usize {
        r.results.notes.push(format!("only {} users were created; the later phases need at least 60", created.len()));
        return;
    }
    if (created.len() as u64) < sc.users {
        r.results.notes.push(format!(
            "seeding stopped at {} of {} users (bounded by --seed-seconds)",
            created.len(),
            sc.users
        ));
    }
    let users: Arc<Vec<(u64, String)>> = Arc::new(created);
    let n = users.len();
    if sc.only_hostile {
        hostile(r, &users, &run_id).await;
        r.results.memory_at_end = r.memory();
        return;
    }

    eprintln!("phase 2: filter userName eq on {n} users");
    let (u, rid) = (users.clone(), run_id.clone());
    let make: Make = Arc::new(move |i| Call::get(entra::user_name_filter(&entra::user_name(&rid, u[scatter(i, n)].0))));
    let hits = r
        .phase("filter_users", "2. GET /Users?filter=userName eq".into(), false, scim, load, make, Some(filter_hit))
        .await;
    r.count_misses(hits.len(), "found no user (totalResults 0)");

    eprintln!("phase 3: GET /Users/{{id}}");
    let u = users.clone();
    let make: Make = Arc::new(move |i| Call::get(format!("/Users/{}", u[scatter(i, n)].1)));
    r.phase("get_user", "3. GET /Users/{id}".into(), false, scim, load, make, None).await;

    eprintln!("phase 4: PATCH /Users/{{id}}");
    let u = users.clone();
    let make: Make = Arc::new(move |i| {
        let (target, manager) = (&u[scatter(i, n)].1, &u[scatter(i + 1, n)].1);
        Call::patch(format!("/Users/{target}"), entra::update_user(i, manager))
    });
    r.phase("patch_user", "4. PATCH /Users/{id} (Entra replaces)".into(), false, scim, load, make, None).await;

    crate::groups::member_add_phases(r, &users, &run_id).await;
    crate::groups::list_groups_phase(r, &users, &run_id).await;
    hostile(r, &users, &run_id).await;

    r.results.memory_at_end = r.memory();
}

async fn hostile(r: &mut Runner<'_>, users: &Arc<Vec<(u64, String)>>, run_id: &Arc<str>) {
    let Some(hs) = r.scenario.hostile else { return };
    match r.targets.attacker.clone() {
        Some(attacker) => {
            eprintln!("phase H: hostile load");
            crate::hostile::hostile_phase(r, &attacker, hs, users, run_id).await;
        }
        None => {
            r.results.notes.push("hostile load not run: it needs a second source (not available with --url)".into())
        }
    }
}
