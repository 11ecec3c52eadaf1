//! ProvisioningEvents and counters, through the engine API the window uses, with real HTTP.

mod common;

use common::*;
use scimdesk::{Change, Engine};
use serde_json::json;

#[tokio::test]
async fn each_change_and_refusal_publishes_an_event_in_sequence_and_counters_follow() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    // Tests never ask the machine they run on to stay awake.
    engine.keep_awake().set_span(std::time::Duration::ZERO);
    let issued = engine.sources().create("Entra ID", Some("entra")).await.unwrap();
    let token = issued.token.expose_secret().to_string();
    let server = scimdesk::server::start(engine.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut events = engine.subscribe();
    let scim = Scim {
        http: reqwest::Client::new(),
        base: format!("http://{}/source/scim/entra/v2", server.local_addr()),
        token: Some(token.clone()),
    };

    let u = scim.create_user("ev@contoso.com").await;
    let g = scim.create_group("Events").await;
    scim.patch_ops(&format!("/Groups/{g}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    scim.patch_ops(&format!("/Users/{u}"), json!([{"op": "Replace", "path": "active", "value": "False"}])).await;
    scim.post("/Users", entra_user("ev@contoso.com")).await; // 409
    Scim { token: Some("scimdesk_wrong".into()), ..scim.clone() }.get("/Users").await; // 401
    scim.delete(&format!("/Users/{u}")).await;

    let mut got = Vec::new();
    while got.len() < 7 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("event in time")
            .unwrap();
        got.push(e);
    }
    let changes: Vec<Change> = got.iter().map(|e| e.change.clone()).collect();
    assert_eq!(
        changes,
        vec![
            Change::UserCreated,
            Change::GroupCreated,
            Change::MembersChanged { added: 1, removed: 0 },
            Change::UserDisabled,
            Change::Refused,
            Change::Refused,
            Change::UserDeleted,
        ]
    );
    assert!(got.windows(2).all(|w| w[1].seq == w[0].seq + 1), "consecutive sequence numbers");
    assert!(got.iter().all(|e| e.source == "entra"));
    assert_eq!(got[0].summary, "created user ev@contoso.com");
    assert_eq!(got[2].summary, "added 1 member to Events");
    assert_eq!(got[4].status, 409);
    assert_eq!(got[5].status, 401);
    assert!(!format!("{got:?}").contains(&token), "no token in events");

    let counters = engine.sources().counters("entra").unwrap();
    assert_eq!(counters.counts.users, 0);
    assert_eq!(counters.counts.groups, 1);
    assert_eq!(counters.counts.memberships, 0, "deleting the user removed its membership");
    assert_eq!(counters.requests.errors, 2);
    assert!(counters.requests.requests_last_minute >= 7);
    assert!(counters.requests.last_request.is_some());
    assert!(counters.seq >= got.last().unwrap().seq);

    // The activity log has the same story, newest first.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let activity = engine.sources().activity("entra", 10).unwrap();
    assert_eq!(activity[0].summary, "deleted user ev@contoso.com");
    assert!(activity.iter().any(|a| a.status == 401 && a.summary.starts_with("refused")));
    server.stop().await;
}

/// The Activity chart's 24 hours: the requests the server just answered are counted per bucket
/// and kind at once (rows still buffered are written first).
#[tokio::test]
async fn the_activity_per_bucket_counts_every_request_answered_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    let issued = engine.sources().create("Entra ID", Some("entra")).await.unwrap();
    let server = scimdesk::server::start(engine.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let scim = Scim {
        http: reqwest::Client::new(),
        base: format!("http://{}/source/scim/entra/v2", server.local_addr()),
        token: Some(issued.token.expose_secret().to_string()),
    };
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    let u = scim.create_user("chart@contoso.com").await;
    let g = scim.create_group("Chart").await;
    scim.patch_ops(&format!("/Groups/{g}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    scim.get("/Users").await;
    scim.post("/Users", entra_user("chart@contoso.com")).await; // 409

    let sources = engine.sources();
    let histogram = sources.activity_per_bucket("entra", before - 3600, 900).await.unwrap();
    let total = |f: fn(&scimdesk::ActivityBucket) -> u64| histogram.buckets.iter().map(f).sum::<u64>();
    assert_eq!(
        (total(|b| b.users), total(|b| b.groups), total(|b| b.reads), total(|b| b.refused)),
        (1, 2, 1, 1),
        "{histogram:?}"
    );
    assert!(histogram.buckets.iter().all(|b| b.start % 900 == 0 && b.start >= before - 900));
    assert!(histogram.latest.is_some());
    assert_eq!(histogram.oldest_kept, None);
    let later = sources.activity_per_bucket("entra", before + 3600, 900).await.unwrap();
    assert!(later.buckets.is_empty(), "nothing from an hour ahead on");

    assert!(matches!(
        sources.activity_per_bucket("entra", before, 0).await,
        Err(scimdesk::EngineError::InvalidInput(_))
    ));
    assert!(matches!(
        sources.activity_per_bucket("nobody", before, 900).await,
        Err(scimdesk::EngineError::SourceNotFound(_))
    ));
    server.stop().await;
}
