//! The group phases: member adds on a large group and on small groups (phase 5), and listing
//! groups with `excludedAttributes=members` when they have many members (phase 6).

use std::sync::Arc;
use std::time::Duration;

use crate::client::{extract_id, Call, Load};
use crate::entra;
use crate::runner::{Make, Runner};

/// Set-up steps get a generous time bound: they must finish for the measurement to mean anything.
/// Members a small group starts with, and how many consecutive adds it takes before the next group.
pub(crate) const SMALL_GROUP_START: u64 = 10;
pub(crate) const SMALL_GROUP_STRIDE: u64 = 40;
/// Members per PATCH when filling groups during set-up.
pub(crate) const FILL_BATCH: u64 = 1_000;

const SETUP_DURATION: Duration = Duration::from_secs(900);

fn setup_load(r: &Runner<'_>, requests: u64) -> Load {
    Load { connections: r.scenario.load.connections.min(8), max_requests: requests, duration: SETUP_DURATION }
}

/// Create `count` empty groups named `<prefix>-<g>`; their ids in order.
async fn create_groups(r: &mut Runner<'_>, key: &'static str, prefix: String, count: u64) -> Vec<String> {
    let targets = r.targets;
    let load = setup_load(r, count);
    let make: Make = Arc::new(move |g| Call::post("/Groups".into(), entra::create_group(&format!("{prefix}-{g}"))));
    let label = format!("   set-up: POST /Groups x{count}");
    let created = r.phase(key, label, true, &targets.scim, load, make, Some(extract_id)).await;
    r.count_misses(created.len(), "carried no id");
    created.into_iter().map(|(_, id)| id).collect()
}

/// PATCH each group in `groups` once, adding `per_group` users starting at `first(g)`, at most
/// `FILL_BATCH` per request (several requests per group when needed).
async fn fill_groups(
    r: &mut Runner<'_>,
    key: &'static str,
    groups: Arc<Vec<String>>,
    users: &Arc<Vec<(u64, String)>>,
    per_group: u64,
    first: fn(u64, u64) -> u64,
) {
    let targets = r.targets;
    let batches_per_group = per_group.div_ceil(FILL_BATCH);
    let requests = groups.len() as u64 * batches_per_group;
    let load = setup_load(r, requests);
    let (u, g) = (users.clone(), groups.clone());
    let n = u.len() as u64;
    let make: Make = Arc::new(move |i| {
        let (group, batch) = (i / batches_per_group, i % batches_per_group);
        let start = batch * FILL_BATCH;
        let end = (start + FILL_BATCH).min(per_group);
        let base = first(group, per_group);
        let ids = (start..end).map(|k| u[((base + k) % n) as usize].1.as_str());
        Call::patch(format!("/Groups/{}", g[group as usize]), entra::add_members(ids))
    });
    let label = format!("   set-up: PATCH {} groups to {per_group} members ({FILL_BATCH} per request)", groups.len());
    r.phase(key, label, true, &targets.scim, load, make, None).await;
}

/// Phase 5: one member per request, first on groups that start with 10 members, then on a group
/// that starts with `big_group_members`.
pub(crate) async fn member_add_phases(r: &mut Runner<'_>, users: &Arc<Vec<(u64, String)>>, run: &str) {
    let targets = r.targets;
    let sc = r.scenario.clone();
    let n = users.len() as u64;
    let big = sc.big_group_members.min(n / 2);

    eprintln!("phase 5: member adds (set-up: groups with {SMALL_GROUP_START} and {big} members)");
    let small = Arc::new(create_groups(r, "setup_small_groups", format!("bench-{run}-small"), sc.small_groups).await);
    fill_groups(r, "setup_small_members", small.clone(), users, SMALL_GROUP_START, |_, _| 0).await;
    let big_group = create_groups(r, "setup_big_group", format!("bench-{run}-big"), 1).await;
    let big_group = Arc::new(big_group);
    fill_groups(r, "setup_big_members", big_group.clone(), users, big, |_, _| 0).await;
    if small.is_empty() || big_group.is_empty() {
        r.results.notes.push("group set-up failed; phase 5 skipped".into());
        return;
    }

    // Consecutive requests go to the same small group (as they do to the big one), 40 adds
    // each, then the next group; a group only grows by another 40 once all have had their turn.
    let (u, g) = (users.clone(), small.clone());
    let groups = g.len() as u64;
    let make: Make = Arc::new(move |i| {
        let group = (i / SMALL_GROUP_STRIDE) % groups;
        let round = i / (SMALL_GROUP_STRIDE * groups);
        let member = (SMALL_GROUP_START + round * SMALL_GROUP_STRIDE + i % SMALL_GROUP_STRIDE) % n;
        Call::patch(format!("/Groups/{}", g[group as usize]), entra::add_members([u[member as usize].1.as_str()]))
    });
    let label = format!("5a. PATCH /Groups/{{id}} add 1 member ({SMALL_GROUP_START}-member groups)");
    r.phase("add_member_small", label, false, &targets.scim, sc.load, make, None).await;
    let done = r.results.get("add_member_small").map_or(0, |s| s.requests);
    let largest = SMALL_GROUP_START + done.div_ceil(SMALL_GROUP_STRIDE * groups) * SMALL_GROUP_STRIDE;
    r.results.notes.push(format!(
        "5a rotates over {groups} groups that start with {SMALL_GROUP_START} members, {SMALL_GROUP_STRIDE} consecutive adds each; none exceeded {} members",
        largest.min(SMALL_GROUP_START + done)
    ));

    let (u, g) = (users.clone(), big_group.clone());
    let load = Load { max_requests: sc.load.max_requests.min(n - big), ..sc.load };
    let make: Make = Arc::new(move |i| {
        Call::patch(format!("/Groups/{}", g[0]), entra::add_members([u[(big + i) as usize].1.as_str()]))
    });
    let label = format!("5b. PATCH /Groups/{{id}} add 1 member ({big}-member group)");
    r.phase("add_member_big", label, false, &targets.scim, load, make, None).await;
}

/// Phase 6: list groups (with `excludedAttributes=members`) after giving many groups many members.
pub(crate) async fn list_groups_phase(r: &mut Runner<'_>, users: &Arc<Vec<(u64, String)>>, run: &str) {
    let targets = r.targets;
    let sc = r.scenario.clone();
    let (count, members) = (sc.listed_groups, sc.listed_group_members.min(users.len() as u64));
    eprintln!("phase 6: list groups (set-up: {count} groups x {members} members)");
    let groups = Arc::new(create_groups(r, "setup_listed_groups", format!("bench-{run}-listed"), count).await);
    fill_groups(r, "setup_listed_members", groups.clone(), users, members, |g, per| g * per).await;

    const PAGE: u64 = 100;
    let total = sc.small_groups + 1 + count;
    let pages = total.div_ceil(PAGE).max(1);
    let make: Make = Arc::new(move |i| {
        let start = 1 + (i % pages) * PAGE;
        Call::get(format!("/Groups?excludedAttributes=members&startIndex={start}&count={PAGE}"))
    });
    let label = format!("6. GET /Groups?excludedAttributes=members ({total} groups, {PAGE} a page)");
    r.phase("list_groups", label, false, &targets.scim, sc.load, make, None).await;
}
