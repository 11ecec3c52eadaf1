//! Concurrent writers (issue 5): no lost updates when many PATCHes hit one group or one user at
//! once, uniqueness under racing creates, and ETags (`meta.version`, `ETag`, `If-Match`,
//! `If-None-Match`) as advertised in ServiceProviderConfig.

mod common;

use common::*;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn create_users(scim: &Scim, prefix: &str, n: usize) -> Vec<String> {
    // Created concurrently too: the writer batches them.
    let made = join_all((0..n).map(|i| {
        let scim = scim.clone();
        let name = format!("{prefix}{i}@contoso.com");
        async move { scim.create_user(&name).await }
    }))
    .await;
    assert_eq!(made.len(), n);
    made
}

#[tokio::test]
async fn two_hundred_concurrent_member_adds_to_one_group_are_all_kept() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let users = create_users(&scim, "m", 200).await;
    let group = scim.create_group("Everyone").await;
    let version_before = scim.get(&format!("/Groups/{group}")).await.body["meta"]["version"].clone();
    let answers = join_all(users.iter().map(|id| {
        let scim = scim.clone();
        let path = format!("/Groups/{group}");
        let ops = json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]);
        async move { scim.patch_ops(&path, ops).await }
    }))
    .await;
    for r in &answers {
        assert!(r.status.is_success(), "{} {}", r.status, r.text);
    }
    let g = scim.get(&format!("/Groups/{group}")).await;
    let members: Vec<&str> =
        g.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(members.len(), 200, "lost member adds");
    for id in &users {
        assert!(members.contains(&id.as_str()), "member {id} lost");
    }
    assert_ne!(g.body["meta"]["version"], version_before);
    // The same 200 adds again change nothing (idempotent), also concurrently.
    let again = join_all(users.iter().map(|id| {
        let scim = scim.clone();
        let path = format!("/Groups/{group}");
        let ops = json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]);
        async move { scim.patch_ops(&path, ops).await.status }
    }))
    .await;
    assert!(again.iter().all(|s| s.is_success()));
    let g2 = scim.get(&format!("/Groups/{group}?excludedAttributes=members")).await;
    assert_eq!(g2.body["meta"]["version"], g.body["meta"]["version"], "re-adding members must not change the group");
    let listed = scim.filter("Groups", &format!("members[value eq \"{}\"]", users[199])).await;
    assert_eq!(listed.body["totalResults"], 1);
}

#[tokio::test]
async fn concurrent_adds_and_removes_on_one_group_leave_exactly_the_expected_members() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let users = create_users(&scim, "ar", 60).await;
    let group = scim.create_group("Churn").await;
    // The first 30 are members; then concurrently remove those 30 and add the other 30.
    let first: Vec<Value> = users[..30].iter().map(|id| json!({"value": id})).collect();
    let r =
        scim.patch_ops(&format!("/Groups/{group}"), json!([{"op": "Add", "path": "members", "value": first}])).await;
    assert!(r.status.is_success());
    let answers = join_all(users.iter().enumerate().map(|(i, id)| {
        let scim = scim.clone();
        let path = format!("/Groups/{group}");
        let ops = if i < 30 {
            json!([{"op": "Remove", "path": "members", "value": [{"value": id}]}])
        } else {
            json!([{"op": "Add", "path": "members", "value": [{"value": id}]}])
        };
        async move { scim.patch_ops(&path, ops).await.status }
    }))
    .await;
    assert!(answers.iter().all(|s| s.is_success()), "{answers:?}");
    let g = scim.get(&format!("/Groups/{group}")).await;
    let mut members: Vec<String> =
        g.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().to_string()).collect();
    members.sort();
    let mut expected: Vec<String> = users[30..].to_vec();
    expected.sort();
    assert_eq!(members, expected);
}

#[tokio::test]
async fn concurrent_patches_of_one_user_lose_no_update() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("busy@contoso.com").await;
    let v0 = scim.get(&format!("/Users/{id}")).await.headers["etag"].to_str().unwrap().to_string();
    // 50 PATCHes each add one email; 1 touches the title. Each is a read-modify-write of the
    // whole document, so a lost update would drop emails.
    let mut requests: Vec<Value> = (0..50)
        .map(|i| json!([{"op": "add", "path": "emails", "value": [{"type": "other", "value": format!("alias{i}@contoso.com")}]}]))
        .collect();
    requests.push(json!([{"op": "replace", "path": "title", "value": "Chief"}]));
    let answers = join_all(requests.into_iter().map(|ops| {
        let scim = scim.clone();
        let path = format!("/Users/{id}");
        async move { scim.patch_ops(&path, ops).await }
    }))
    .await;
    let mut versions = std::collections::HashSet::new();
    for r in &answers {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        versions.insert(r.headers["etag"].to_str().unwrap().to_string());
    }
    assert_eq!(versions.len(), 51, "each change answers with its own version");
    assert!(!versions.contains(&v0));
    let u = scim.get(&format!("/Users/{id}")).await;
    let emails: Vec<&str> = u.body["emails"].as_array().unwrap().iter().map(|e| e["value"].as_str().unwrap()).collect();
    assert_eq!(emails.len(), 51, "lost updates: {emails:?}");
    for i in 0..50 {
        assert!(emails.contains(&format!("alias{i}@contoso.com").as_str()), "alias{i} lost");
    }
    assert_eq!(u.body["title"], "Chief");
}

/// Large PATCHes (over 1,000 JSON values) have their new document computed outside the writer
/// and stored only if the user did not change meanwhile: racing ones must still all be kept.
#[tokio::test]
async fn concurrent_large_patches_of_one_user_lose_no_update() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("large@contoso.com").await;
    let requests = (0..4).map(|k| {
        let emails: Vec<Value> = (0..249)
            .map(|i| json!({"type": "other", "primary": false, "value": format!("r{k}-{i}@contoso.com")}))
            .collect();
        json!([{"op": "add", "path": "emails", "value": emails}])
    });
    let answers = join_all(requests.map(|ops| {
        let scim = scim.clone();
        let path = format!("/Users/{id}");
        async move { scim.patch_ops(&path, ops).await }
    }))
    .await;
    for r in &answers {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let u = scim.get(&format!("/Users/{id}")).await;
    let emails = u.body["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 4 * 249 + 1, "lost updates among the large PATCHes");
    assert_eq!(u.headers["etag"].to_str().unwrap(), "W/\"5\"", "four versions after the first");
}

#[tokio::test]
async fn concurrent_creates_of_one_user_name_give_one_201_and_409s() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    // Different letter cases are the same userName.
    let names = ["dup@contoso.com", "DUP@contoso.com", "Dup@Contoso.com", "dup@CONTOSO.COM"];
    let answers = join_all((0..24).map(|i| {
        let scim = scim.clone();
        let name = names[i % names.len()];
        async move { scim.post("/Users", entra_user(name)).await }
    }))
    .await;
    let created = answers.iter().filter(|r| r.status == StatusCode::CREATED).count();
    assert_eq!(created, 1, "exactly one create wins");
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        r.assert_error(409, Some("uniqueness"));
    }
    let list = scim.filter("Users", "userName eq \"dup@contoso.com\"").await;
    assert_eq!(list.body["totalResults"], 1);
    // Groups: displayName is unique too.
    let answers = join_all((0..12).map(|_| {
        let scim = scim.clone();
        async move { scim.post("/Groups", entra_group("Twins")).await }
    }))
    .await;
    assert_eq!(answers.iter().filter(|r| r.status == StatusCode::CREATED).count(), 1);
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        r.assert_error(409, Some("uniqueness"));
    }
}

fn etag_of(r: &Resp) -> String {
    let header =
        r.headers.get("etag").unwrap_or_else(|| panic!("no ETag header: {}", r.text)).to_str().unwrap().to_string();
    if !r.body.is_null() {
        assert_eq!(r.body["meta"]["version"], json!(header), "meta.version equals the ETag header");
    }
    header
}

async fn with_header(scim: &Scim, method: Method, path: &str, header: &str, tag: &str, body: Option<Value>) -> Resp {
    let mut req = scim.raw(method, path).header(header, tag);
    if let Some(b) = body {
        req = req.header("content-type", SCIM_JSON).body(b.to_string());
    }
    Scim::finish(req).await
}

#[tokio::test]
async fn users_carry_etags_and_honour_if_match_and_if_none_match() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let created = scim.post("/Users", entra_user("etag@contoso.com")).await;
    let v1 = etag_of(&created);
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");
    let got = scim.get(&path).await;
    assert_eq!(etag_of(&got), v1);
    // Lists carry meta.version on every resource.
    let list = scim.get("/Users").await;
    assert_eq!(list.body["Resources"][0]["meta"]["version"], json!(v1));

    // If-None-Match with the current version: 304 and no body; with another: 200.
    let r = with_header(&scim, Method::GET, &path, "if-none-match", &v1, None).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.text.is_empty());
    let r = with_header(&scim, Method::GET, &path, "if-none-match", "W/\"999\"", None).await;
    assert_eq!(r.status, StatusCode::OK);

    // If-Match with the current version succeeds and moves the version on.
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]});
    let r = with_header(&scim, Method::PATCH, &path, "if-match", &v1, Some(patch.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v2 = etag_of(&r);
    assert_ne!(v1, v2);
    // A stale If-Match is 412 and changes nothing, for PATCH, PUT and DELETE.
    let stale = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Stale"}]});
    with_header(&scim, Method::PATCH, &path, "if-match", &v1, Some(stale)).await.assert_error(412, None);
    with_header(&scim, Method::PUT, &path, "if-match", &v1, Some(entra_user("etag@contoso.com")))
        .await
        .assert_error(412, None);
    with_header(&scim, Method::DELETE, &path, "if-match", &v1, None).await.assert_error(412, None);
    let now = scim.get(&path).await;
    assert_eq!(now.body["title"], "Lead");
    assert_eq!(etag_of(&now), v2);
    // The strong form of the tag and `*` match too.
    let strong = v2.trim_start_matches("W/");
    let r = with_header(&scim, Method::PUT, &path, "if-match", strong, Some(entra_user("etag@contoso.com"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v3 = etag_of(&r);
    let r = with_header(&scim, Method::DELETE, &path, "if-match", "*", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_ne!(v3, v2);
    scim.get(&path).await.assert_error(404, None);
}

#[tokio::test]
async fn groups_carry_etags_and_a_stale_if_match_changes_no_membership() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let user = scim.create_user("gm@contoso.com").await;
    let created = scim.post("/Groups", entra_group("Tagged")).await;
    let v1 = etag_of(&created);
    let path = format!("/Groups/{}", created.body["id"].as_str().unwrap());
    let add =
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": user}]}]});
    let r = with_header(&scim, Method::PATCH, &path, "if-match", &v1, Some(add.clone())).await;
    assert!(r.status.is_success(), "{}", r.text);
    let v2 = etag_of(&r);
    assert_ne!(v1, v2);
    let remove = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members"}]});
    with_header(&scim, Method::PATCH, &path, "if-match", &v1, Some(remove)).await.assert_error(412, None);
    let g = scim.get(&path).await;
    assert_eq!(g.body["members"][0]["value"], json!(user), "the stale remove changed nothing");
    assert_eq!(etag_of(&g), v2);
    let r = with_header(&scim, Method::GET, &format!("{path}?excludedAttributes=members"), "if-none-match", &v2, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    with_header(&scim, Method::DELETE, &path, "if-match", &v1, None).await.assert_error(412, None);
    assert_eq!(scim.get(&path).await.status, StatusCode::OK);
}

#[tokio::test]
async fn service_provider_config_advertises_etags() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let r = scim.get("/ServiceProviderConfig").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["etag"]["supported"], true);
}

#[tokio::test]
async fn concurrent_if_match_writers_exactly_one_wins() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let created = scim.post("/Users", entra_user("race@contoso.com")).await;
    let v1 = etag_of(&created);
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());
    let answers = join_all((0..20).map(|i| {
        let scim = scim.clone();
        let (path, v1) = (path.clone(), v1.clone());
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": format!("writer {i}")}]});
        async move { with_header(&scim, Method::PATCH, &path, "if-match", &v1, Some(body)).await }
    }))
    .await;
    let winners: Vec<&Resp> = answers.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "optimistic concurrency admits one writer per version");
    for r in answers.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_error(412, None);
    }
    let now = scim.get(&path).await;
    assert_eq!(now.body["title"], winners[0].body["title"]);
}
