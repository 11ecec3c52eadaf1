//! Every request form OneLogin's SCIM provisioning sends, with the bodies its SCIM JSON templates
//! produce, and the answers OneLogin needs. Sources:
//! - [IMPLEMENT] "Step 2. Implement RESTful SCIM APIs for Your App" (the calls, the example flow,
//!   the example API reference), https://developers.onelogin.com/scim/implement-scim-api
//! - [CREATE-APP] "Step 3. Create a SCIM Test App" (SCIM Base URL, SCIM Bearer Token, SCIM JSON
//!   Template, custom attributes, groups), https://developers.onelogin.com/scim/create-app
//! - [ENTERPRISE] The default SCIM JSON Template of OneLogin's "SCIM Provisioner with SAML (SCIM v2
//!   Enterprise)" connector, as its Configuration tab shows it (the app [CREATE-APP] sets up).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A custom schema as an admin adds one to the SCIM JSON Template for custom user fields.
const CUSTOM_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";

fn onelogin() -> (Server, Scim) {
    Server::start_with_client_for("onelogin")
}

/// [CREATE-APP] The default SCIM JSON Template of the SCIM v2 Core connector, as OneLogin fills
/// it in for a user.
fn core_template_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
        "emails": [{"value": user_name, "type": "work", "primary": true}]
    })
}

/// [ENTERPRISE] The Enterprise connector's template. Parameters the user lacks arrive as empty
/// strings (here the manager's id, the title, the address).
fn enterprise_template_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": user_name,
        "name": {"familyName": "Doe", "givenName": "Jane"},
        "title": "",
        "userType": "Employee",
        "timezone": "Europe/Paris",
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "addresses": [{"locality": "Paris", "region": "", "country": "FR"}],
        ENTERPRISE: {
            "organization": "Acme",
            "division": "",
            "department": "Sales",
            "manager": {"value": "", "displayName": " "}
        }
    })
}

async fn create(scim: &Scim, body: Value) -> String {
    let r = scim.post("/Users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

async fn create_group(scim: &Scim, name: &str) -> String {
    let r = scim.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": name})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

async fn member_ids(scim: &Scim, group: &str) -> Vec<String> {
    let read = scim.get(&format!("/Groups/{group}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let members = read.body["members"].as_array().cloned().unwrap_or_default();
    members.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect()
}

// [IMPLEMENT] "Example API Flow", 1. Initial connection: a Get User by userName for a name
// OneLogin knows does not exist; an empty list confirms the endpoint.
#[tokio::test]
async fn onelogin_initial_connection_queries_a_user_name_that_does_not_exist() {
    let (_server, scim) = onelogin();
    let r = scim.get("/Users?filter=userName%20eq%20%22not.a.user%40onelogin.invalid%22").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));
}

// [IMPLEMENT] "Get User with userName filter" then "Create User": the core template's body;
// 201 with the id OneLogin keeps for later calls.
#[tokio::test]
async fn onelogin_creates_user_from_core_template_after_user_name_lookup() {
    let (_server, scim) = onelogin();
    let lookup = scim.filter("Users", r#"userName eq "jane@example.com""#).await;
    assert_eq!(lookup.body["totalResults"], 0);
    let r = scim.post("/Users", core_template_user("jane@example.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.body["id"].is_string());
    assert_eq!(r.body["name"]["formatted"], "Jane Doe");
    let found = scim.filter("Users", r#"userName eq "jane@example.com""#).await;
    assert_eq!(found.body["Resources"][0]["id"], r.body["id"]);
}

// [ENTERPRISE] The Enterprise template: the extension is kept; a manager whose id is empty (the
// user has none) sets no manager.
#[tokio::test]
async fn onelogin_creates_user_from_enterprise_template_with_empty_parameters() {
    let (_server, scim) = onelogin();
    let r = scim.post("/Users", enterprise_template_user("jane@example.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body[ENTERPRISE]["department"], "Sales");
    assert_eq!(r.body[ENTERPRISE]["organization"], "Acme");
    assert!(r.body[ENTERPRISE].get("manager").is_none(), "{}", r.text);
    assert_eq!(r.body["addresses"][0]["locality"], "Paris");
}

// [CREATE-APP] "custom attributes": a template that adds a schema of its own for custom user
// fields; the extension is kept as sent, returned and filterable.
#[tokio::test]
async fn onelogin_creates_user_with_custom_schema_in_template() {
    let (_server, scim) = onelogin();
    let mut body = core_template_user("jane@example.com");
    body["schemas"] = json!([USER_SCHEMA, CUSTOM_SCHEMA]);
    body[CUSTOM_SCHEMA] = json!({"costCenter": "CC-12", "badgeNumber": "42"});
    let r = scim.post("/Users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body[CUSTOM_SCHEMA]["costCenter"], "CC-12");
    assert!(r.body["schemas"].as_array().unwrap().contains(&json!(CUSTOM_SCHEMA)));
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body[CUSTOM_SCHEMA]["badgeNumber"], "42");
    let found = scim.filter("Users", &format!("{CUSTOM_SCHEMA}:costCenter eq \"CC-12\"")).await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
}

// [IMPLEMENT] "Get User by ID".
#[tokio::test]
async fn onelogin_reads_user_by_id() {
    let (_server, scim) = onelogin();
    let id = create(&scim, core_template_user("jane@example.com")).await;
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["userName"], "jane@example.com");
}

// [IMPLEMENT] "Update User": the whole template body again, by PUT, with the changed fields.
#[tokio::test]
async fn onelogin_updates_user_with_put_of_the_template() {
    let (_server, scim) = onelogin();
    let id = create(&scim, enterprise_template_user("jane@example.com")).await;
    let mut body = enterprise_template_user("jane@example.com");
    body["title"] = json!("Head of Sales");
    body[ENTERPRISE]["department"] = json!("Management");
    let r = scim.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["title"], "Head of Sales");
    assert_eq!(r.body[ENTERPRISE]["department"], "Management");
}

// [CREATE-APP] The app's Provisioning tab, "When users are deleted in OneLogin, or the user's app
// access is removed": with "Suspend" chosen, OneLogin sends the user with `active: false` by PUT.
#[tokio::test]
async fn onelogin_suspends_user_with_put_active_false() {
    let (_server, scim) = onelogin();
    let id = create(&scim, core_template_user("jane@example.com")).await;
    let mut body = core_template_user("jane@example.com");
    body["active"] = json!(false);
    let r = scim.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    let found = scim.filter("Users", r#"userName eq "jane@example.com""#).await;
    assert_eq!(found.body["Resources"][0]["active"], false);
}

// [IMPLEMENT] "Delete User": 204, and the user is gone (a second delete is 404).
#[tokio::test]
async fn onelogin_deletes_user() {
    let (_server, scim) = onelogin();
    let id = create(&scim, core_template_user("jane@example.com")).await;
    assert_eq!(scim.delete(&format!("/Users/{id}")).await.status, StatusCode::NO_CONTENT);
    scim.get(&format!("/Users/{id}")).await.assert_error(404, None);
    scim.delete(&format!("/Users/{id}")).await.assert_error(404, None);
}

// [IMPLEMENT] "Get Users": paging through every user (an import); each is seen once.
#[tokio::test]
async fn onelogin_pages_through_users() {
    let (_server, scim) = onelogin();
    for n in 0..5 {
        create(&scim, core_template_user(&format!("user{n}@example.com"))).await;
    }
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = scim.get(&format!("/Users?startIndex={start}&count=2")).await;
        assert_eq!(page.body["totalResults"], 5);
        let resources = page.body["Resources"].as_array().unwrap().clone();
        if resources.is_empty() {
            break;
        }
        seen.extend(resources.iter().map(|r| r["userName"].as_str().unwrap().to_string()));
        start += resources.len();
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
}

// [IMPLEMENT] "Get Groups" (OneLogin's "Refresh entitlements", [CREATE-APP]) and "Create Group".
#[tokio::test]
async fn onelogin_lists_groups_and_creates_one() {
    let (_server, scim) = onelogin();
    let empty = scim.get("/Groups").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.body["totalResults"], 0);
    let r = scim.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": "Sales"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let listed = scim.get("/Groups").await;
    assert_eq!(listed.body["Resources"][0]["displayName"], "Sales");
}

// [IMPLEMENT] "Patch Group": a member is added with a value array.
#[tokio::test]
async fn onelogin_adds_member_with_patch_value_array() {
    let (_server, scim) = onelogin();
    let jane = create(&scim, core_template_user("jane@example.com")).await;
    let group = create_group(&scim, "Sales").await;
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": jane}]}]);
    let r = scim.patch_ops(&format!("/Groups/{group}"), ops.clone()).await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    // Sent again (a retry), it changes nothing.
    scim.patch_ops(&format!("/Groups/{group}"), ops).await;
    assert_eq!(member_ids(&scim, &group).await, vec![jane]);
}

// [IMPLEMENT] "Patch Group": a member is removed with a value array; only those listed go.
#[tokio::test]
async fn onelogin_removes_member_with_patch_value_array() {
    let (_server, scim) = onelogin();
    let jane = create(&scim, core_template_user("jane@example.com")).await;
    let john = create(&scim, core_template_user("john@example.com")).await;
    let group = create_group(&scim, "Sales").await;
    let add = json!([{"op": "add", "path": "members", "value": [{"value": jane}, {"value": john}]}]);
    scim.patch_ops(&format!("/Groups/{group}"), add).await;
    let remove = json!([{"op": "remove", "path": "members", "value": [{"value": jane}]}]);
    let r = scim.patch_ops(&format!("/Groups/{group}"), remove).await;
    assert!(r.status == StatusCode::NO_CONTENT || r.status == StatusCode::OK, "{}", r.text);
    assert_eq!(member_ids(&scim, &group).await, vec![john]);
}

// [IMPLEMENT] A member id that is no user or group of the source is refused, and nothing of the
// request is applied (ScimDesk keeps no dangling members; see the README's protocol notes).
#[tokio::test]
async fn onelogin_member_that_is_not_in_the_source_is_refused_whole() {
    let (_server, scim) = onelogin();
    let jane = create(&scim, core_template_user("jane@example.com")).await;
    let group = create_group(&scim, "Sales").await;
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": jane}, {"value": "no-such-user"}]}]);
    scim.patch_ops(&format!("/Groups/{group}"), ops).await.assert_error(400, Some("invalidValue"));
    assert!(member_ids(&scim, &group).await.is_empty());
}
