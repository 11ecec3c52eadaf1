//! The scenario: seed users, look them up, update them, grow groups, list groups, and measure the
//! loopback floor, in that order, each phase bounded by a request count and a duration.

use std::sync::Arc;

use crate::client::{extract_id, Call, Load};
use crate::entra;
use crate::groups::{SMALL_GROUP_START, SMALL_GROUP_STRIDE};
use crate::runner::{Make, RunResults, Runner, Scenario, Targets};

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
