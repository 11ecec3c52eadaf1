//! Watching Entra's cycles: each source's last request and last cycle, a provisioned source that
//! goes quiet, bursts of refusals (a token that no longer matches, a Tenant URL with a slug that
//! does not exist) and the refusal counter, through the real `scimdesk serve` over HTTP and the
//! engine API the window uses, reading the same activity log as a window attached to the service.

mod common;

use std::time::{Duration, Instant};

use common::*;
use scimdesk::{Alert, Cycle, Engine, HealthWatch, RefusalCause};
use serde_json::json;

/// How often the tests' watch looks.
const LOOK: Duration = Duration::from_millis(200);
/// Time for the server to write the log (it writes every 100 ms).
const WRITTEN: Duration = Duration::from_millis(500);

async fn next_alert(watch: &mut HealthWatch, within: Duration) -> Option<Alert> {
    tokio::time::timeout(within, watch.next()).await.ok().flatten()
}

fn set_cycle_interval(dir: &std::path::Path, interval: &str) {
    let (ok, out, err) = cli(dir, &["config", "set", "cycle-interval", interval]);
    assert!(ok, "{err}");
    assert!(out.contains("cycle interval"), "{out}");
}

fn cycle_counts(c: &Cycle) -> (u64, u64, u64, u64, u64) {
    (c.requests, c.created, c.updated, c.deleted, c.refused)
}

#[tokio::test]
async fn two_bursts_make_two_cycles_that_count_what_was_sent_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let token = create_source(dir.path(), "Entra ID", "entra");
    // Cycles 24 s apart: a silence of 3 s ends one.
    set_cycle_interval(dir.path(), "24s");
    let mut server = Server::serve(dir.path());
    let scim = server.client(&token);

    // The first cycle: a test connection and two new users.
    scim.filter("Users", "userName eq \"7f1c9a2e\"").await;
    let ada = scim.create_user("ada@contoso.com").await;
    let bob = scim.create_user("bob@contoso.com").await;
    tokio::time::sleep(Duration::from_secs(6)).await;

    // The second: a group, a disabled user, a membership, a deletion, a refusal and a read.
    let sales = scim.create_group("Sales").await;
    scim.patch_ops(&format!("/Users/{ada}"), json!([{"op": "Replace", "path": "active", "value": false}])).await;
    scim.patch_ops(&format!("/Groups/{sales}"), json!([{"op": "Add", "path": "members", "value": [{"value": ada}]}]))
        .await;
    assert_eq!(scim.delete(&format!("/Users/{bob}")).await.status, 204);
    server.client("scimdesk_not_the_token").get("/Users").await.assert_error(401, None);
    scim.get("/Groups").await;
    tokio::time::sleep(WRITTEN).await;

    let engine = Engine::open(dir.path()).await.unwrap();
    let cycles = engine.health().cycles("entra", 10).unwrap();
    assert_eq!(cycles.len(), 2, "{cycles:#?}");
    assert_eq!(cycle_counts(&cycles[0]), (6, 1, 2, 1, 1), "the last cycle: {:#?}", cycles[0]);
    assert_eq!(cycle_counts(&cycles[1]), (3, 2, 0, 0, 0), "the first cycle: {:#?}", cycles[1]);
    assert!(cycles[1].ended < cycles[0].started);
    let health = engine.health().source("entra").unwrap();
    assert_eq!(health.last_cycle.as_ref(), Some(&cycles[0]));
    assert_eq!(health.last_request.as_ref(), Some(&cycles[0].ended));
    assert_eq!((health.requests, health.refused, health.provisioned, health.quiet), (9, 1, true, false));

    let (ok, shown, err) = cli(dir.path(), &["source", "show", "entra"]);
    assert!(ok, "{err}");
    assert!(shown.contains("6 requests (1 created, 2 updated, 1 deleted, 1 refused)"), "{shown}");
    assert!(shown.contains("Refused:         1 of 9 requests"), "{shown}");
    let (ok, listed, _) = cli(dir.path(), &["source", "list"]);
    let row = listed.lines().find(|l| l.starts_with("entra ") && l.contains("UTC")).unwrap_or_default();
    let figures: Vec<&str> = row.split_whitespace().collect();
    assert!(ok && figures.ends_with(&["6", "1", "2", "1", "1", "ok"]), "{listed}");

    // A restart changes none of it.
    server.stop();
    let _server = Server::serve(dir.path());
    let engine = Engine::open(dir.path()).await.unwrap();
    assert_eq!(engine.health().cycles("entra", 10).unwrap(), cycles);
    let (_, shown_again, _) = cli(dir.path(), &["source", "show", "entra"]);
    assert!(shown_again.contains("6 requests (1 created, 2 updated, 1 deleted, 1 refused)"), "{shown_again}");
}

#[tokio::test]
async fn a_provisioned_source_that_goes_quiet_raises_one_alert_and_a_request_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = create_source(dir.path(), "Entra ID", "entra");
    create_source(dir.path(), "Okta", "okta");
    // Quiet after 4 s without a request.
    set_cycle_interval(dir.path(), "2s");
    let server = Server::serve(dir.path());
    let scim = server.client(&token);
    let sent = Instant::now();
    scim.get("/Users").await;

    let engine = Engine::open(dir.path()).await.unwrap();
    let mut watch = engine.watch_health(LOOK);
    let alert = next_alert(&mut watch, Duration::from_secs(15)).await.expect("a quiet alert");
    assert!(sent.elapsed() >= Duration::from_secs(4), "not before two cycles: {:?}", sent.elapsed());
    let Alert::QuietSource { slug, interval_seconds, .. } = &alert else { panic!("{alert:?}") };
    assert_eq!((slug.as_str(), *interval_seconds), ("entra", 2), "okta was never provisioned");
    assert!(alert.message().contains("quarantine"), "{}", alert.message());
    assert!(engine.health().source("entra").unwrap().quiet);
    assert_eq!(*watch.conditions().borrow(), vec![alert.clone()]);

    let again = next_alert(&mut watch, Duration::from_secs(2)).await;
    assert_eq!(again, None, "one alert while it stays quiet");

    scim.get("/Groups").await;
    let resumed = next_alert(&mut watch, Duration::from_secs(5)).await.expect("the end of the silence");
    assert!(matches!(&resumed, Alert::QuietSourceResumed { slug, .. } if slug == "entra"), "{resumed:?}");
    assert!(!engine.health().source("entra").unwrap().quiet);
}

#[tokio::test]
async fn a_burst_of_401s_after_a_rotate_raises_one_alert_naming_the_token_and_the_new_token_ends_it() {
    let (server, old_token) = Server::start();
    server.client(&old_token).get("/Users").await;
    let (ok, rotated, err) = cli(&server.data_dir, &["source", "rotate", "entra"]);
    assert!(ok, "{err}");
    let new_token = token_in(&rotated);
    // The server reads a rotated token within a second.
    tokio::time::sleep(Duration::from_millis(1_200)).await;

    let engine = Engine::open(&server.data_dir).await.unwrap();
    let mut watch = engine.watch_health(LOOK);
    let entra = server.client(&old_token);
    for _ in 0..3 {
        entra.get("/Users").await.assert_error(401, None);
    }
    assert_eq!(next_alert(&mut watch, Duration::from_secs(1)).await, None, "three refusals are not a burst");

    for _ in 0..5 {
        entra.get("/Users").await.assert_error(401, None);
    }
    let alert = next_alert(&mut watch, Duration::from_secs(5)).await.expect("a refusal alert");
    let Alert::RefusalBurst { slug, name, status, count, cause, fix } = &alert else { panic!("{alert:?}") };
    assert_eq!((slug.as_str(), name.as_deref(), *status, *count), ("entra", Some("Entra ID"), 401, 8));
    assert_eq!(*cause, RefusalCause::TokenMismatch);
    assert!(fix.contains("Secret Token"), "{fix}");
    assert!(alert.message().contains("Rotate") && alert.message().contains("Secret Token"), "{}", alert.message());

    for _ in 0..5 {
        entra.get("/Users").await.assert_error(401, None);
    }
    assert_eq!(next_alert(&mut watch, Duration::from_secs(2)).await, None, "one alert for one burst");
    let health = engine.health().source("entra").unwrap();
    assert_eq!(health.refusals.map(|r| (r.count, r.cause)), Some((13, RefusalCause::TokenMismatch)));

    // Entra gets the new token.
    assert_eq!(server.client(&new_token).get("/Users").await.status, 200);
    let ended = next_alert(&mut watch, Duration::from_secs(5)).await.expect("the end of the refusals");
    assert!(matches!(&ended, Alert::RefusalBurstEnded { slug, status: 401, .. } if slug == "entra"), "{ended:?}");
}

#[tokio::test]
async fn requests_for_an_unknown_slug_are_counted_in_bounded_rows_and_raise_one_alert_naming_the_tenant_url() {
    let (server, token) = Server::start();
    let engine = Engine::open(&server.data_dir).await.unwrap();
    let mut watch = engine.watch_health(LOOK);

    // Entra with a wrong Tenant URL, 2,000 times, and a scanner guessing 300 slugs once each.
    let wrong = server.client_for("entra-prod", Some(&token));
    let mut sent = 0;
    while sent < 2_000 {
        let batch: Vec<_> = (0..20).map(|_| wrong.get("/Users")).collect();
        for resp in futures_util::future::join_all(batch).await {
            resp.assert_error(404, None);
            assert!(resp.text.contains("Tenant URL"), "{}", resp.text);
        }
        sent += 20;
    }
    for n in 0..300 {
        server.client_for(&format!("guess-{n}"), None).get("/Users").await.assert_error(404, None);
    }

    let alert = next_alert(&mut watch, Duration::from_secs(5)).await.expect("an alert for the unknown slug");
    let Alert::RefusalBurst { slug, name: None, status: 404, cause: RefusalCause::UnknownSlug, count, .. } = &alert
    else {
        panic!("{alert:?}")
    };
    assert_eq!(slug, "entra-prod");
    assert!(*count >= 5, "{count}");
    assert!(alert.message().contains("Tenant URL") && alert.message().contains("SCIM Base URL"), "{}", alert.message());
    assert_eq!(next_alert(&mut watch, Duration::from_secs(2)).await, None, "one alert, none for one-off guesses");

    let slugs = engine.health().unknown_slugs().unwrap();
    let entra_prod = slugs.iter().find(|s| s.slug == "entra-prod").expect("listed");
    assert_eq!(entra_prod.requests, 2_000);
    assert_eq!(slugs.iter().map(|s| s.requests).sum::<u64>(), 2_300, "every request is counted");
    assert!(slugs.iter().any(|s| s.others), "the guesses past the limit are counted together");

    // On disk: one row per slug up to the limit, none in the sources' Activity.
    let log = scimdesk::store::sqlite::Connection::open(server.data_dir.join(scimdesk::store::ACTIVITY_FILE)).unwrap();
    let count = |sql: &str| -> i64 { log.query_row(sql, [], |r| r.get(0)).unwrap() };
    let rows = count("SELECT COUNT(*) FROM unknown_slugs");
    assert!(rows <= scimdesk::store::MAX_UNKNOWN_SLUGS as i64 + 1, "{rows} rows for 2,300 requests");
    assert_eq!(count("SELECT COUNT(*) FROM activity"), 0);

    let (ok, listed, _) = cli(&server.data_dir, &["source", "list"]);
    let row = listed.lines().find(|l| l.starts_with("entra-prod ")).unwrap_or_default();
    assert!(ok && row.contains(" 2000 ") && row.contains("Tenant URL"), "{listed}");
}

#[tokio::test]
async fn the_refused_count_survives_a_restart() {
    let (mut server, token) = Server::start();
    let wrong = server.client("scimdesk_not_the_token");
    for _ in 0..3 {
        wrong.get("/Users").await.assert_error(401, None);
    }
    server.client(&token).get("/Users").await;
    server.stop();
    let (_, shown, _) = cli(&server.data_dir, &["source", "show", "entra"]);
    assert!(shown.contains("Refused:         3 of 4 requests"), "{shown}");

    let server = Server::serve(&server.data_dir);
    server.client("scimdesk_not_the_token").get("/Users").await.assert_error(401, None);
    tokio::time::sleep(WRITTEN).await;
    let engine = Engine::open(&server.data_dir).await.unwrap();
    assert_eq!(engine.sources().counters("entra").unwrap().requests.errors, 4);
    assert_eq!(engine.sources().get("entra").unwrap().errors, 4);
    let (_, shown, _) = cli(&server.data_dir, &["source", "show", "entra"]);
    assert!(shown.contains("Refused:         4 of 5 requests"), "{shown}");
}
