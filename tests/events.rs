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
