//! Group requests of ENTRA.md: create, membership changes in every form, rename, exclusions.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn group_created_empty_then_members_added_in_one_op_and_several_ops() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let r = scim.post("/Groups", entra_group("Sales")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.headers.contains_key("location"));
    assert_eq!(r.body["meta"]["resourceType"], "Group");
    let gid = r.body["id"].as_str().unwrap().to_string();
    let a = scim.create_user("a@contoso.com").await;
    let b = scim.create_user("b@contoso.com").await;
    let c = scim.create_user("c@contoso.com").await;
    let path = format!("/Groups/{gid}");
    let r = scim
        .patch_ops(&path, json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}, {"$ref": null, "value": b}]}]))
        .await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    let r = scim
        .patch_ops(
            &path,
            json!([
                {"op": "Add", "path": "members", "value": [{"value": c}]},
                {"op": "Add", "path": "members", "value": [{"value": a}]}
            ]),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let g = scim.get(&path).await;
    assert_eq!(
        member_ids(&g.body),
        sorted(vec![a.clone(), b.clone(), c.clone()]),
        "adding a present member changes nothing"
    );
    let m = g.body["members"].as_array().unwrap().iter().find(|m| m["value"] == a.as_str()).unwrap().clone();
    assert_eq!(m["type"], "User");
    assert_eq!(m["display"], "a Example");
    assert!(m["$ref"].as_str().unwrap().ends_with(&format!("/Users/{a}")));
}

#[tokio::test]
async fn remove_member_by_value_array_keeps_others() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Ops").await;
    let users =
        [scim.create_user("u1@x.com").await, scim.create_user("u2@x.com").await, scim.create_user("u3@x.com").await];
    let path = format!("/Groups/{gid}");
    let add: Vec<Value> = users.iter().map(|u| json!({"value": u})).collect();
    scim.patch_ops(&path, json!([{"op": "Add", "path": "members", "value": add}])).await;
    let r = scim.patch_ops(&path, json!([{"op": "Remove", "path": "members", "value": [{"value": users[0]}]}])).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(member_ids(&scim.get(&path).await.body), sorted(vec![users[1].clone(), users[2].clone()]));
}

#[tokio::test]
async fn remove_member_by_value_filter_path_removes_only_that_member() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Eng").await;
    let u1 = scim.create_user("p1@x.com").await;
    let u2 = scim.create_user("p2@x.com").await;
    let path = format!("/Groups/{gid}");
    scim.patch_ops(&path, json!([{"op": "add", "path": "members", "value": [{"value": u1}, {"value": u2}]}])).await;
    let r = scim.patch_ops(&path, json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}])).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(member_ids(&scim.get(&path).await.body), vec![u2.clone()]);
}

#[tokio::test]
async fn rename_group_with_path_and_pathless_forms() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Old").await;
    let path = format!("/Groups/{gid}");
    let r = scim.patch_ops(&path, json!([{"op": "Replace", "path": "displayName", "value": "New"}])).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(scim.get(&path).await.body["displayName"], "New");
    let r = scim
        .patch_ops(&path, json!([{"op": "Replace", "value": {"displayName": "Newer", "externalId": "ext-newer"}}]))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let g = scim.get(&path).await.body;
    assert_eq!(g["displayName"], "Newer");
    assert_eq!(g["externalId"], "ext-newer");
    assert_eq!(scim.filter("Groups", "displayName eq \"NEWER\"").await.body["totalResults"], 1, "case-insensitive");
}

#[tokio::test]
async fn duplicate_group_display_name_is_409_also_on_rename() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_group("Finance").await;
    let other = scim.create_group("HR").await;
    scim.post("/Groups", entra_group("FINANCE")).await.assert_error(409, Some("uniqueness"));
    scim.patch_ops(&format!("/Groups/{other}"), json!([{"op": "replace", "path": "displayName", "value": "finance"}]))
        .await
        .assert_error(409, Some("uniqueness"));
    assert_eq!(scim.get(&format!("/Groups/{other}")).await.body["displayName"], "HR");
}

#[tokio::test]
async fn excluded_members_leaves_members_out_of_get_and_list() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Big").await;
    let u = scim.create_user("m@x.com").await;
    scim.patch_ops(&format!("/Groups/{gid}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    let g = scim.get(&format!("/Groups/{gid}?excludedAttributes=members")).await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(g.body.get("members").is_none(), "{}", g.text);
    assert_eq!(g.body["displayName"], "Big");
    let l = scim.get("/Groups?excludedAttributes=members").await;
    assert!(l.body["Resources"][0].get("members").is_none());
    let l = scim.get("/Groups").await;
    assert_eq!(member_ids(&l.body["Resources"][0]), vec![u.clone()]);
    let l = scim.get("/Groups?attributes=displayName").await;
    assert!(l.body["Resources"][0].get("members").is_none());
    assert!(l.body["Resources"][0]["id"].is_string(), "id always returned");
}

#[tokio::test]
async fn groups_by_member_filter_and_user_delete_removes_memberships() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let g1 = scim.create_group("G1").await;
    let g2 = scim.create_group("G2").await;
    let u = scim.create_user("member@x.com").await;
    let v = scim.create_user("other@x.com").await;
    scim.patch_ops(
        &format!("/Groups/{g1}"),
        json!([{"op": "Add", "path": "members", "value": [{"value": u}, {"value": v}]}]),
    )
    .await;
    scim.patch_ops(&format!("/Groups/{g2}"), json!([{"op": "Add", "path": "members", "value": [{"value": v}]}])).await;
    let r = scim.filter("Groups", &format!("members[value eq \"{u}\"]")).await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.text);
    assert_eq!(r.body["Resources"][0]["id"], g1.as_str());
    scim.delete(&format!("/Users/{u}")).await;
    assert_eq!(member_ids(&scim.get(&format!("/Groups/{g1}")).await.body), vec![v.clone()]);
    assert_eq!(scim.filter("Groups", &format!("members[value eq \"{u}\"]")).await.body["totalResults"], 0);
}

#[tokio::test]
async fn put_with_empty_members_clears_the_group() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Temp").await;
    let u = scim.create_user("t@x.com").await;
    scim.patch_ops(&format!("/Groups/{gid}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    let r = scim
        .put(
            &format!("/Groups/{gid}"),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Temp", "members": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["members"], json!([]));
    assert!(member_ids(&scim.get(&format!("/Groups/{gid}")).await.body).is_empty());
}

#[tokio::test]
async fn adding_an_unknown_member_is_400_and_adds_nothing() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Strict").await;
    let u = scim.create_user("real@x.com").await;
    let r = scim
        .patch_ops(
            &format!("/Groups/{gid}"),
            json!([{"op": "Add", "path": "members", "value": [{"value": u}, {"value": "no-such-id"}]}]),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(member_ids(&scim.get(&format!("/Groups/{gid}")).await.body).is_empty(), "all or nothing");
}

#[tokio::test]
async fn fifty_concurrent_member_adds_to_one_group_lose_none() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Crowd").await;
    let mut users = Vec::new();
    for i in 0..50 {
        users.push(scim.create_user(&format!("crowd{i}@x.com")).await);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let scim = scim.clone();
            let (gid, u) = (gid.clone(), u.clone());
            tokio::spawn(async move {
                scim.patch_ops(
                    &format!("/Groups/{gid}"),
                    json!([{"op": "Add", "path": "members", "value": [{"value": u}]}]),
                )
                .await
                .status
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_success());
    }
    assert_eq!(member_ids(&scim.get(&format!("/Groups/{gid}")).await.body), sorted(users));
}

#[tokio::test]
async fn delete_group_then_404() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let gid = scim.create_group("Gone").await;
    assert_eq!(scim.delete(&format!("/Groups/{gid}")).await.status, StatusCode::NO_CONTENT);
    scim.get(&format!("/Groups/{gid}")).await.assert_error(404, None);
    scim.delete(&format!("/Groups/{gid}")).await.assert_error(404, None);
}
