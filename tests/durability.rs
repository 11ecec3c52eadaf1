//! Durable storage: what got a 2xx survives a restart; uniqueness holds under concurrent creates.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn data_is_intact_after_the_server_process_restarts() {
    let (mut server, token) = Server::start();
    let scim = server.client(&token);
    let u = scim.create_user("keep@contoso.com").await;
    let g = scim.create_group("Keepers").await;
    scim.patch_ops(&format!("/Groups/{g}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    scim.patch_ops(&format!("/Users/{u}"), json!([{"op": "Replace", "path": "active", "value": false}])).await;
    let user_before = scim.get(&format!("/Users/{u}")).await.body;
    let group_before = scim.get(&format!("/Groups/{g}")).await.body;
    server.stop();
    let data_dir = server.data_dir.clone();
    let restarted = Server::serve(&data_dir);
    let scim = Scim { base: restarted.base("entra"), ..scim };
    let user_after = scim.get(&format!("/Users/{u}")).await.body;
    let group_after = scim.get(&format!("/Groups/{g}")).await.body;
    // meta.location carries the port, which changed.
    let strip = |mut v: serde_json::Value| {
        v["meta"]["location"] = json!(null);
        if let Some(m) = v["members"].as_array_mut() {
            for m in m {
                m["$ref"] = json!(null);
            }
        }
        v
    };
    assert_eq!(strip(user_before), strip(user_after));
    assert_eq!(strip(group_before), strip(group_after));
    assert_eq!(scim.get("/Users").await.body["totalResults"], 1);
}

#[tokio::test]
async fn concurrent_creates_of_one_user_name_let_exactly_one_win() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let scim = scim.clone();
            // Different letter case each time: still one userName.
            let name = if i % 2 == 0 { "Race@Contoso.com" } else { "race@contoso.COM" };
            tokio::spawn(async move { scim.post("/Users", entra_user(name)).await.status })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(scim.get("/Users").await.body["totalResults"], 1);
}

#[tokio::test]
async fn many_concurrent_creates_all_land() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let scim = scim.clone();
            tokio::spawn(async move { scim.post("/Users", entra_user(&format!("bulk{i}@contoso.com"))).await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(scim.get("/Users?count=1").await.body["totalResults"], 200);
    // Users created together are indexed like any other: by userName and by email.
    for i in [0, 77, 199] {
        let by_email =
            scim.filter("Users", &format!("emails[type eq \"work\"].value eq \"BULK{i}@contoso.com\"")).await;
        assert_eq!(by_email.body["totalResults"], 1, "{}", by_email.text);
        assert_eq!(scim.filter("Users", &format!("userName eq \"bulk{i}@contoso.com\"")).await.body["totalResults"], 1);
    }
}

#[tokio::test]
async fn a_clash_among_concurrent_creates_refuses_only_the_clashing_one() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_user("taken@contoso.com").await;
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let scim = scim.clone();
            let name = if i == 30 { "TAKEN@contoso.com".to_string() } else { format!("fresh{i}@contoso.com") };
            tokio::spawn(async move { (i, scim.post("/Users", entra_user(&name)).await) })
        })
        .collect();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        if i == 30 {
            r.assert_error(409, Some("uniqueness"));
        } else {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    }
    assert_eq!(scim.get("/Users?count=1").await.body["totalResults"], 60);
}
