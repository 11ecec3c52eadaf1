//! Every request form Okta's SCIM 2.0 integration sends, with the bodies of Okta's own
//! documentation, and the answers Okta needs. Sources:
//! - [SCIM-20] "Okta and SCIM Version 2.0", https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
//! - [TEST] "Test your SCIM API" (the Okta SCIM 2.0 spec test suite),
//!   https://developer.okta.com/docs/guides/scim-provisioning-integration-test/main/
//! - [PREPARE] "Prepare your SCIM API service",
//!   https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/main/

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn okta() -> (Server, Scim) {
    Server::start_with_client_for("okta")
}

/// [SCIM-20] "Create the user": the body Okta posts, with the app user's password.
fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

async fn create_okta_user(scim: &Scim, user_name: &str) -> String {
    let r = scim.post("/Users", okta_user(user_name)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

/// [SCIM-20] "Create groups": Group Push posts the group without members.
async fn create_okta_group(scim: &Scim, name: &str) -> String {
    let r = scim.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": []})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

fn assert_list(r: &Resp) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type().starts_with(SCIM_JSON), "{}", r.content_type());
    assert_eq!(r.body["schemas"], json!([LIST_RESPONSE]));
    for field in ["totalResults", "startIndex", "itemsPerPage"] {
        assert!(r.body[field].is_number(), "{field} must be a number: {}", r.text);
    }
    assert!(r.body["Resources"].is_array(), "{}", r.text);
}

// [TEST] "Required Test: Test Users endpoint" and [SCIM-20] "Retrieve users": when the
// integration is saved, Okta lists users with `startIndex=1&count=2`.
#[tokio::test]
async fn okta_test_connection_lists_users_with_start_index_and_count() {
    let (_server, scim) = okta();
    for n in 0..3 {
        create_okta_user(&scim, &format!("user{n}@okta.local")).await;
    }
    let r = scim.get("/Users?startIndex=1&count=2").await;
    assert_list(&r);
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["itemsPerPage"], 2);
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 2);
    let next = scim.get("/Users?startIndex=3&count=2").await;
    assert_eq!(next.body["Resources"].as_array().unwrap().len(), 1);
}

// [SCIM-20] "Determine if the user already exists": `userName eq` with paging parameters, an
// empty ListResponse (not a 404) when nobody matches.
#[tokio::test]
async fn okta_looks_up_user_by_user_name_with_paging() {
    let (_server, scim) = okta();
    let none = scim.get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100").await;
    assert_list(&none);
    assert_eq!(none.body["totalResults"], 0);
    assert_eq!(none.body["Resources"], json!([]));
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let found = scim.get("/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100").await;
    assert_list(&found);
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    // [TEST] "Make sure the userName filter is case-insensitive".
    let upper = scim.filter("Users", r#"userName eq "TEST.USER@OKTA.LOCAL""#).await;
    assert_eq!(upper.body["totalResults"], 1, "{}", upper.text);
}

// [SCIM-20] "Create the user": the password Okta sends is accepted, never returned and never
// kept (ScimDesk does no sign-in).
#[tokio::test]
async fn okta_creates_user_with_password_never_stored_or_returned() {
    let (server, scim) = okta();
    let r = scim.post("/Users", okta_user("test.user@okta.local")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.headers.contains_key("location"));
    assert_eq!(r.body["userName"], "test.user@okta.local");
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["externalId"], "00ujl29u0le5T6Aj10h7");
    assert!(r.body.get("password").is_none(), "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let read = scim.get(&format!("/Users/{id}")).await;
    assert!(read.body.get("password").is_none() && !read.text.contains("1mz050nq"), "{}", read.text);
    // The check can see what is stored: the userName is.
    assert!(server.data_files_contain("test.user@okta.local"));
    assert!(!server.data_files_contain("1mz050nq"), "the password reached the data folder");
}

// [TEST] "Required Test: Create Okta user ... again": a second create of the same userName is 409
// with the SCIM error, so Okta links the existing user instead.
#[tokio::test]
async fn okta_duplicate_create_is_409_uniqueness() {
    let (_server, scim) = okta();
    create_okta_user(&scim, "test.user@okta.local").await;
    scim.post("/Users", okta_user("test.user@okta.local")).await.assert_error(409, Some("uniqueness"));
}

// [SCIM-20] "Retrieve a specific user" and [TEST] "Required Test: Verify Error Page": a user id
// that does not exist is a 404 in the SCIM error format.
#[tokio::test]
async fn okta_reads_user_by_id_and_unknown_id_is_404() {
    let (_server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["name"]["familyName"], "User");
    scim.get("/Users/010101001010101010").await.assert_error(404, None);
}

// [SCIM-20] "Update a specific user (PUT)": Okta sends the whole profile, with `id`, `meta`,
// `groups` and the password; the answer is the user as stored.
#[tokio::test]
async fn okta_replaces_full_profile_with_put() {
    let (server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let body = json!({
        "schemas": [USER_SCHEMA],
        "id": id,
        "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Another User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "t1meMa$heen",
        "active": true,
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
    });
    let r = scim.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"]["givenName"], "Another");
    assert_eq!(r.body["displayName"], "Another User");
    assert_eq!(r.body["id"], id.as_str());
    // The server keeps its own meta; the client's is read-only.
    assert_ne!(r.body["meta"]["created"], "2010-01-23T04:56:22Z");
    assert!(r.body.get("password").is_none());
    assert!(!server.data_files_contain("t1meMa$heen"));
}

// [SCIM-20] "Update a specific user (PATCH)": deactivation is a path-less replace whose value is
// an object; the user stays readable and findable, inactive.
#[tokio::test]
async fn okta_deactivates_with_patch_without_path() {
    let (_server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let r = scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body["active"], false);
    let listed = scim.filter("Users", r#"userName eq "test.user@okta.local""#).await;
    assert_eq!(listed.body["Resources"][0]["active"], false, "{}", listed.text);
}

// [SCIM-20] "Update a specific user (PATCH)": reactivation, the same form with `true`.
#[tokio::test]
async fn okta_reactivates_with_patch_without_path() {
    let (_server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"active": false}}])).await;
    let r = scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"active": true}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], true);
}

// [PREPARE] "Update a specific user (PATCH)": integrations built from the OIN templates send
// the attribute as the path.
#[tokio::test]
async fn okta_deactivates_with_patch_with_path() {
    let (_server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let r = scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    let back =
        scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "path": "active", "value": true}])).await;
    assert_eq!(back.body["active"], true);
}

// [SCIM-20] "Update a specific user (PATCH)": a password push is a path-less replace of
// `password`; accepted (200) and dropped.
#[tokio::test]
async fn okta_pushes_password_with_patch_without_path() {
    let (server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let r =
        scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"password": "Pushed-Pa55"}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body.get("password").is_none());
    assert!(!server.data_files_contain("Pushed-Pa55"));
}

// [SCIM-20] "Update a specific user (PATCH)": profile changes as a path-less replace of several
// attributes at once, sub-attributes inside their complex attribute.
#[tokio::test]
async fn okta_updates_profile_with_patch_value_object() {
    let (_server, scim) = okta();
    let id = create_okta_user(&scim, "test.user@okta.local").await;
    let value = json!({"name": {"givenName": "Another"}, "displayName": "Another User", "locale": "fr-FR"});
    let r = scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "value": value}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"]["givenName"], "Another");
    assert_eq!(r.body["displayName"], "Another User");
    assert_eq!(r.body["locale"], "fr-FR");
}

// [SCIM-20] "SCIM group operations": Okta's requests carry these headers; every answer is
// `application/scim+json`.
#[tokio::test]
async fn okta_headers_are_accepted_and_answers_are_scim_json() {
    let (_server, scim) = okta();
    let request = |method: Method, path: &str| {
        scim.raw(method, path)
            .header("Accept", "application/scim+json")
            .header("Accept-Charset", "utf-8")
            .header("Content-Type", "application/scim+json; charset=utf-8")
            .header("User-Agent", "Okta SCIM Client 1.0.0")
    };
    let created =
        Scim::finish(request(Method::POST, "/Users").body(okta_user("test.user@okta.local").to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.content_type().starts_with(SCIM_JSON));
    let listed = Scim::finish(request(Method::GET, "/Users?startIndex=1&count=2")).await;
    assert_list(&listed);
    // Without the token Okta is told 401 (never 403), in the SCIM error format.
    let unauthorised = Scim::finish(reqwest::Client::new().get(format!("{}/Users", scim.base))).await;
    unauthorised.assert_error(401, None);
}

// [SCIM-20] "Retrieve groups" and "Determine if the group already exists": Group Push pages
// through groups and looks one up by `displayName eq`.
#[tokio::test]
async fn okta_lists_groups_with_paging_and_finds_one_by_display_name() {
    let (_server, scim) = okta();
    let id = create_okta_group(&scim, "Test SCIMv2").await;
    let all = scim.get("/Groups?startIndex=1&count=100").await;
    assert_list(&all);
    assert_eq!(all.body["totalResults"], 1);
    let found = scim.get("/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100").await;
    assert_list(&found);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
}

// [SCIM-20] "Create groups": 201 with the group; the same name again is a 409.
#[tokio::test]
async fn okta_creates_group_and_duplicate_is_409() {
    let (_server, scim) = okta();
    let r = scim.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["displayName"], "Test SCIMv2");
    let again =
        scim.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []})).await;
    again.assert_error(409, Some("uniqueness"));
}

// [SCIM-20] "Update a specific group name": a path-less replace whose value carries the group's
// own `id` next to the new name; the id is the same, so it is no attempt to change it.
#[tokio::test]
async fn okta_renames_group_with_patch_value_object_carrying_its_id() {
    let (_server, scim) = okta();
    let id = create_okta_group(&scim, "Test SCIMv2").await;
    let ops = json!([{"op": "replace", "value": {"id": id, "displayName": "Test SCIMv2 renamed"}}]);
    let r = scim.patch_ops(&format!("/Groups/{id}"), ops).await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    let read = scim.get(&format!("/Groups/{id}")).await;
    assert_eq!(read.body["displayName"], "Test SCIMv2 renamed");
    assert_eq!(read.body["id"], id.as_str());
}

// [SCIM-20] "Update group membership": members are added as a value array (with `display`).
#[tokio::test]
async fn okta_adds_members_with_value_array() {
    let (_server, scim) = okta();
    let alice = create_okta_user(&scim, "alice@okta.local").await;
    let bob = create_okta_user(&scim, "bob@okta.local").await;
    let group = create_okta_group(&scim, "Test SCIMv2").await;
    let ops = json!([{"op": "add", "path": "members", "value": [
        {"value": alice, "display": "alice@okta.local"},
        {"value": bob, "display": "bob@okta.local"}
    ]}]);
    let r = scim.patch_ops(&format!("/Groups/{group}"), ops).await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    let read = scim.get(&format!("/Groups/{group}")).await;
    let members: Vec<&str> =
        read.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(members.len(), 2, "{}", read.text);
    assert!(members.contains(&alice.as_str()) && members.contains(&bob.as_str()));
}

// [SCIM-20] "Update group membership": a removal names one member in a value filter; the
// others stay.
#[tokio::test]
async fn okta_removes_member_with_value_filter_path() {
    let (_server, scim) = okta();
    let alice = create_okta_user(&scim, "alice@okta.local").await;
    let bob = create_okta_user(&scim, "bob@okta.local").await;
    let group = create_okta_group(&scim, "Test SCIMv2").await;
    let add = json!([{"op": "add", "path": "members", "value": [{"value": alice}, {"value": bob}]}]);
    scim.patch_ops(&format!("/Groups/{group}"), add).await;
    let remove = json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]);
    let r = scim.patch_ops(&format!("/Groups/{group}"), remove).await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    let read = scim.get(&format!("/Groups/{group}")).await;
    let members = read.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{}", read.text);
    assert_eq!(members[0]["value"], bob.as_str());
}

// [SCIM-20] "Update a specific group (PUT)": older integrations send the whole group with its
// member list; the list replaces the members.
#[tokio::test]
async fn okta_replaces_group_members_with_put() {
    let (_server, scim) = okta();
    let alice = create_okta_user(&scim, "alice@okta.local").await;
    let bob = create_okta_user(&scim, "bob@okta.local").await;
    let group = create_okta_group(&scim, "Test SCIMv2").await;
    scim.patch_ops(&format!("/Groups/{group}"), json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]))
        .await;
    let body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group,
        "displayName": "Test SCIMv2",
        "members": [{"value": bob, "display": "bob@okta.local"}]
    });
    let r = scim.put(&format!("/Groups/{group}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(r.body["members"][0]["value"], bob.as_str());
}

// [SCIM-20] "Delete a specific group": 204, then the group is gone (404).
#[tokio::test]
async fn okta_deletes_group() {
    let (_server, scim) = okta();
    let user = create_okta_user(&scim, "alice@okta.local").await;
    let group = create_okta_group(&scim, "Test SCIMv2").await;
    scim.patch_ops(&format!("/Groups/{group}"), json!([{"op": "add", "path": "members", "value": [{"value": user}]}]))
        .await;
    let r = scim.delete(&format!("/Groups/{group}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    scim.get(&format!("/Groups/{group}")).await.assert_error(404, None);
    // Its member is still there.
    assert_eq!(scim.get(&format!("/Users/{user}")).await.status, StatusCode::OK);
}
