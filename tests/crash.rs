//! Crash safety (issue 5): the server, under concurrent creates, member adds and multi-op PATCHes,
//! is killed with SIGKILL at random moments, several times. After each restart every write that
//! got a 2xx is there and intact, the SQLite file passes `PRAGMA integrity_check`, and no
//! multi-op PATCH is half applied.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};

const CYCLES: usize = 5;
const WORKERS: usize = 6;

/// What the server acknowledged with a 2xx before it was killed.
#[derive(Default, Clone)]
struct Acked {
    /// user id -> userName
    users: HashMap<String, String>,
    /// member ids of the group
    members: Vec<String>,
    /// user id -> the value its last acknowledged PATCH set as displayName and title
    pairs: HashMap<String, String>,
}

/// One request that may fail because the server is gone; `None` when no answer came.
async fn try_send(scim: &Scim, method: Method, path: &str, body: Value) -> Option<(StatusCode, Value)> {
    let req = scim
        .raw(method, path)
        .header("content-type", SCIM_JSON)
        .body(body.to_string())
        .timeout(Duration::from_secs(10));
    let resp = req.send().await.ok()?;
    let status = resp.status();
    let text = resp.text().await.ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A user whose displayName and title start equal, so a PATCH setting both keeps them equal.
fn paired_user(name: &str) -> Value {
    let mut u = entra_user(name);
    u["title"] = u["displayName"].clone();
    u
}

async fn worker(
    scim: Scim,
    group: String,
    cycle: usize,
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acked>>,
) {
    while !stop.load(Ordering::Relaxed) {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let name = format!("c{cycle}-u{i}@contoso.com");
        let Some((status, body)) = try_send(&scim, Method::POST, "/Users", paired_user(&name)).await else { return };
        assert!(status == StatusCode::CREATED, "create answered {status}: {body}");
        let id = body["id"].as_str().expect("id").to_string();
        acked.lock().unwrap().users.insert(id.clone(), name.clone());

        let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]});
        let Some((status, body)) = try_send(&scim, Method::PATCH, &format!("/Groups/{group}"), add).await else {
            return;
        };
        assert!(status.is_success(), "member add answered {status}: {body}");
        acked.lock().unwrap().members.push(id.clone());

        let value = format!("pair-{cycle}-{i}");
        let pair = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "displayName", "value": value},
            {"op": "replace", "path": "title", "value": value},
            {"op": "add", "path": "emails", "value": [{"type": "other", "value": format!("{value}@contoso.com")}]}
        ]});
        let Some((status, body)) = try_send(&scim, Method::PATCH, &format!("/Users/{id}"), pair).await else { return };
        assert_eq!(status, StatusCode::OK, "pair PATCH: {body}");
        acked.lock().unwrap().pairs.insert(id, value);
    }
}

/// `PRAGMA integrity_check` and the stored member counts, on a read-only connection.
fn check_database(db: &Path) {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open the database read-only");
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(integrity, vec!["ok".to_string()], "integrity_check");
    let fk: Vec<(String, i64)> = conn
        .prepare("SELECT \"table\", rowid FROM pragma_foreign_key_check")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(fk.is_empty(), "foreign key violations: {fk:?}");
    let counts: Vec<(i64, i64)> = conn
        .prepare(
            "SELECT member_count, (SELECT COUNT(*) FROM group_members m WHERE m.group_rowid = g.rowid) FROM groups g",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (stored, actual) in counts {
        assert_eq!(stored, actual, "a group's member_count disagrees with its rows");
    }
}

/// Every acknowledged write is present and intact, and every PATCH was all or nothing.
async fn verify(scim: &Scim, group: &str, acked: &Acked) {
    let mut all = Vec::new();
    loop {
        let page = scim
            .get(&format!("/Users?startIndex={}&count=500&attributes=userName,displayName,title,emails", all.len() + 1))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let resources = page.body["Resources"].as_array().unwrap().clone();
        if resources.is_empty() {
            break;
        }
        all.extend(resources);
    }
    let present: HashMap<String, &Value> = all.iter().map(|u| (u["id"].as_str().unwrap().to_string(), u)).collect();
    for (id, name) in &acked.users {
        let u = present.get(id).unwrap_or_else(|| panic!("acknowledged user {name} ({id}) is gone"));
        assert_eq!(u["userName"], json!(name));
        assert_eq!(u["emails"][0]["value"], json!(name), "user {name} not intact: {u}");
    }
    for (id, u) in &present {
        // Both set by one PATCH, or neither.
        assert_eq!(u["displayName"], u["title"], "half-applied PATCH on {id}: {u}");
        let extra = u["emails"].as_array().map_or(0, Vec::len);
        let paired = u["title"].as_str().unwrap_or_default().starts_with("pair-");
        assert_eq!(extra, if paired { 2 } else { 1 }, "the email of the pair PATCH is all-or-nothing too: {u}");
        if let Some(value) = acked.pairs.get(id) {
            assert_eq!(u["title"], json!(value), "acknowledged PATCH of {id} lost");
        }
    }
    let g = scim.get(&format!("/Groups/{group}")).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.text);
    let members: Vec<&str> =
        g.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    for id in &acked.members {
        assert!(members.contains(&id.as_str()), "acknowledged member {id} is gone");
    }
    for m in &members {
        assert!(present.contains_key(*m), "member {m} is not a user");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_write() {
    let started = Instant::now();
    let seed: u64 = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let token = create_source(dir.path(), "Entra ID", "entra");
    let db = dir.path().join("scimdesk.db");

    let mut server = Server::serve(dir.path());
    let group = server.client(&token).create_group("Crash survivors").await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut survived = 0;
    for cycle in 0..CYCLES {
        let scim = server.client(&token);
        let (stop, next) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                tokio::spawn(worker(scim.clone(), group.clone(), cycle, next.clone(), stop.clone(), acked.clone()))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..1500))).await;
        // SIGKILL: no shutdown, no flush; whatever was acknowledged must already be on disk.
        server.child.kill().expect("SIGKILL");
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.await.expect("a worker saw a wrong answer before the kill");
        }
        check_database(&db);
        server = Server::serve(dir.path());
        check_database(&db);
        let scim = server.client(&token);
        let acked = acked.lock().unwrap().clone();
        assert!(next.load(Ordering::Relaxed) > 0, "cycle {cycle} sent nothing");
        verify(&scim, &group, &acked).await;
        survived += 1;
        println!("cycle {cycle}: {} users, {} members acknowledged so far", acked.users.len(), acked.members.len());
    }
    assert_eq!(survived, CYCLES);
    assert!(acked.lock().unwrap().users.len() >= CYCLES, "the load was too light to mean anything");
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}
