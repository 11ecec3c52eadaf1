//! Every user request of ENTRA.md, in the older and the aadOptscim062020 forms, with the answer
//! Entra expects.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn test_connection_query_without_accept_header_answers_empty_list() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    // Entra's Test connection: a random GUID, form-encoded, no SCIM Accept header.
    let r = Scim::finish(
        scim.raw(reqwest::Method::GET, "/Users?filter=userName+eq+%22a6c3f1b0-5d21-4a2e-9f33-0e6c1c8a1b7d%22"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type().starts_with(SCIM_JSON));
    assert_eq!(r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));
    let g = scim.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22b1f0%22").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.body["totalResults"], 0);
}

#[tokio::test]
async fn create_user_in_entra_shape_returns_201_with_location_and_meta() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let r = scim.post("/Users", entra_user("alice@contoso.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let location = r.headers["location"].to_str().unwrap();
    assert!(location.ends_with(&format!("/source/scim/entra/v2/Users/{id}")), "{location}");
    assert_eq!(r.body["meta"]["location"], location);
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert!(r.body["meta"]["created"].is_string() && r.body["meta"]["lastModified"].is_string());
    assert!(r.body["meta"]["version"].is_string());
    assert!(r.headers.contains_key("etag"));
    // Kept as sent.
    assert_eq!(r.body["userName"], "alice@contoso.com");
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["name"]["givenName"], "alice");
    assert_eq!(r.body["addresses"][0]["locality"], "Redmond");
    assert_eq!(r.body["phoneNumbers"][1]["type"], "mobile");
    assert_eq!(r.body[ENTERPRISE]["department"], "Sales");
    assert_eq!(r.body["roles"], json!([]));
    assert!(r.body["schemas"].as_array().unwrap().contains(&json!(ENTERPRISE)));
    // Read back the same.
    let g = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.body["emails"][0]["value"], "alice@contoso.com");
}

#[tokio::test]
async fn legacy_create_user_drops_nulls_and_fixes_booleans_and_extension_urn() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let r = scim.post("/Users", entra_user_legacy("legacy@contoso.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["emails"][0]["primary"], true);
    assert_eq!(r.body["roles"][0]["primary"], false);
    assert_eq!(r.body["roles"][0]["type"], "WindowsAzureActiveDirectoryRole");
    assert!(r.body.get("title").is_none(), "nulls are never returned: {}", r.text);
    assert!(r.body["name"].get("formatted").is_none());
    assert_eq!(r.body[ENTERPRISE]["department"], "Ops");
    assert!(!r.text.contains("null"), "no nulls anywhere: {}", r.text);
    assert!(!r.text.contains("2.0User\""), "mistyped URN normalised: {}", r.text);
}

#[tokio::test]
async fn duplicate_user_name_in_any_case_is_409_uniqueness() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_user("bob@contoso.com").await;
    let r = scim.post("/Users", entra_user("BOB@Contoso.com")).await;
    r.assert_error(409, Some("uniqueness"));
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 1, "nothing written");
}

#[tokio::test]
async fn filters_entra_uses_match_case_insensitively_and_by_email() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("Carol@Contoso.com").await;
    scim.create_user("dave@contoso.com").await;
    for f in [
        "userName eq \"carol@contoso.com\"",
        "USERNAME eq \"CAROL@CONTOSO.COM\"",
        "externalId eq \"ext-Carol\"",
        &format!("id eq \"{id}\""),
        "emails[type eq \"work\"].value eq \"carol@contoso.com\"",
        "emails[type eq \"work\" and value eq \"CAROL@contoso.com\"]",
        "displayName eq \"carol example\"",
        "userName sw \"car\"",
        "userName co \"ROL@\" and active eq true",
    ] {
        let r = scim.filter("Users", f).await;
        assert_eq!(r.status, StatusCode::OK, "{f}: {}", r.text);
        assert_eq!(r.body["totalResults"], 1, "{f}: {}", r.text);
        assert_eq!(r.body["Resources"][0]["id"], id.as_str(), "{f}");
    }
    // externalId is caseExact.
    assert_eq!(scim.filter("Users", "externalId eq \"EXT-CAROL\"").await.body["totalResults"], 0);
    // Form-encoded with '+' for spaces.
    let r = scim.get("/Users?filter=userName+eq+%22carol%40contoso.com%22").await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.text);
    let r = scim.filter("Users", "userName eq \"nobody@contoso.com\"").await;
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));
}

#[tokio::test]
async fn patch_user_in_every_entra_form() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("erin@contoso.com").await;
    let manager = scim.create_user("boss@contoso.com").await;
    let path = format!("/Users/{id}");
    let r = scim
        .patch_ops(
            &path,
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "erin.new@contoso.com"},
                {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Seattle"},
                {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0199"},
                {"op": "Replace", "path": "name.familyName", "value": "Newname"},
                {"op": "Replace", "path": "displayName", "value": "Erin Newname"},
                {"op": "Replace", "path": "externalId", "value": "ext-erin-2"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "2002"},
                {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": manager},
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let u = &r.body;
    assert_eq!(u["emails"][0]["value"], "erin.new@contoso.com");
    assert_eq!(u["addresses"][0]["locality"], "Seattle");
    assert_eq!(u["phoneNumbers"][1]["value"], "+1 555 0199");
    assert_eq!(u["name"]["familyName"], "Newname");
    assert_eq!(u["displayName"], "Erin Newname");
    assert_eq!(u["externalId"], "ext-erin-2");
    assert_eq!(u[ENTERPRISE]["employeeNumber"], "2002");
    assert_eq!(u[ENTERPRISE]["manager"], json!({"value": manager}), "manager reads back as {{value}}");
    // The validator's form: manager as an object; and query by manager.
    let r = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": {"value": manager}}]),
        )
        .await;
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], manager.as_str());
    let q = scim.filter("Users", &format!("id eq \"{id}\" and manager eq \"{manager}\"")).await;
    assert_eq!(q.body["totalResults"], 1, "{}", q.text);
    // Filtered replace matching nothing creates the entry.
    let r = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+1 555 0177"}]),
        )
        .await;
    assert!(
        r.body["phoneNumbers"].as_array().unwrap().iter().any(|p| p["type"] == "fax" && p["value"] == "+1 555 0177"),
        "{}",
        r.text
    );
    let r = scim
        .patch_ops(
            &path,
            json!([{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "erin@home.example"}]),
        )
        .await;
    assert!(
        r.body["emails"].as_array().unwrap().iter().any(|e| e["type"] == "home" && e["value"] == "erin@home.example"),
        "{}",
        r.text
    );
    // Path-less with dotted and URN-qualified keys.
    let r = scim
        .patch_ops(
            &path,
            json!([{"op": "replace", "value": {"name.givenName": "Erina", format!("{ENTERPRISE}:department"): "Finance", "title": "Lead"}}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"]["givenName"], "Erina");
    assert_eq!(r.body[ENTERPRISE]["department"], "Finance");
    assert_eq!(r.body["title"], "Lead");
    assert!(r.body.get("name.givenName").is_none(), "dotted keys are sub-attributes, not literal keys");
    // Remove an attribute and the manager.
    let r = scim
        .patch_ops(
            &path,
            json!([{"op": "Remove", "path": "title"}, {"op": "Remove", "path": format!("{ENTERPRISE}:manager")}]),
        )
        .await;
    assert!(r.body.get("title").is_none(), "{}", r.text);
    assert!(r.body[ENTERPRISE].get("manager").is_none(), "{}", r.text);
    // userName change.
    let r = scim.patch_ops(&path, json!([{"op": "Replace", "path": "userName", "value": "erin2@contoso.com"}])).await;
    assert_eq!(r.body["userName"], "erin2@contoso.com");
}

#[tokio::test]
async fn disable_with_string_false_keeps_user_visible_and_reenable_works() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("frank@contoso.com").await;
    let path = format!("/Users/{id}");
    // Older tenants: "False" as a string, in a path-less value.
    let r = scim.patch_ops(&path, json!([{"op": "Replace", "value": {"active": "False"}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(scim.get(&path).await.body["active"], false, "a disabled user is still returned");
    let f = scim.filter("Users", "userName eq \"frank@contoso.com\"").await;
    assert_eq!(f.body["Resources"][0]["active"], false);
    assert_eq!(scim.filter("Users", "active eq false").await.body["totalResults"], 1);
    // Newer tenants: a boolean with a path.
    let r = scim.patch_ops(&path, json!([{"op": "replace", "path": "active", "value": true}])).await;
    assert_eq!(r.body["active"], true);
    let r = scim.patch_ops(&path, json!([{"op": "Replace", "path": "active", "value": "False"}])).await;
    assert_eq!(r.body["active"], false);
}

#[tokio::test]
async fn delete_user_then_404_for_get_and_second_delete() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("gina@contoso.com").await;
    let r = scim.delete(&format!("/Users/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    scim.get(&format!("/Users/{id}")).await.assert_error(404, None);
    scim.delete(&format!("/Users/{id}")).await.assert_error(404, None);
    // The userName is free again.
    scim.create_user("gina@contoso.com").await;
}

#[tokio::test]
async fn put_replaces_user_and_patch_or_put_creating_a_clash_is_409() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let a = scim.create_user("hal@contoso.com").await;
    scim.create_user("ivy@contoso.com").await;
    let mut body = entra_user("hal@contoso.com");
    body["title"] = json!("Director");
    body.as_object_mut().unwrap().remove("phoneNumbers");
    let r = scim.put(&format!("/Users/{a}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["title"], "Director");
    assert!(r.body.get("phoneNumbers").is_none(), "PUT replaces the whole user");
    scim.put(&format!("/Users/{a}"), entra_user("IVY@contoso.com")).await.assert_error(409, Some("uniqueness"));
    scim.patch_ops(&format!("/Users/{a}"), json!([{"op": "replace", "path": "userName", "value": "Ivy@Contoso.com"}]))
        .await
        .assert_error(409, Some("uniqueness"));
    assert_eq!(scim.get(&format!("/Users/{a}")).await.body["userName"], "hal@contoso.com", "nothing written");
}

#[tokio::test]
async fn multi_op_patch_is_all_or_nothing() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("jo@contoso.com").await;
    let before = scim.get(&format!("/Users/{id}")).await.body;
    let r = scim
        .patch_ops(
            &format!("/Users/{id}"),
            json!([
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "frobnicate", "path": "title", "value": "x"}
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = scim
        .patch_ops(
            &format!("/Users/{id}"),
            json!([
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "active", "value": "maybe"}
            ]),
        )
        .await;
    r.assert_error(400, None);
    let after = scim.get(&format!("/Users/{id}")).await.body;
    assert_eq!(before, after, "a failed multi-op PATCH changes nothing");
}

#[tokio::test]
async fn unknown_extensions_and_attributes_are_kept_as_sent() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let custom = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User";
    let mut body = entra_user("ext@contoso.com");
    body["schemas"].as_array_mut().unwrap().push(json!(custom));
    body[custom] = json!({"badgeNumber": "B-17", "floor": 3});
    body["nickName"] = json!("Exty");
    let r = scim.post("/Users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body[custom]["badgeNumber"], "B-17");
    assert_eq!(r.body["nickName"], "Exty");
    let id = r.body["id"].as_str().unwrap();
    let r = scim
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "Add", "path": format!("{custom}:badgeNumber"), "value": "B-18"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body[custom]["badgeNumber"], "B-18");
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body[custom]["floor"], 3);
}

#[tokio::test]
async fn app_roles_arrive_and_read_back_with_real_booleans() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let mut body = entra_user("roles@contoso.com");
    body["roles"] = json!([{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]);
    let r = scim.post("/Users", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["roles"],
        json!([{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}])
    );
    let id = r.body["id"].as_str().unwrap();
    let r = scim
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "Add", "path": "roles", "value": [{"primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "Reader"}]}]),
        )
        .await;
    assert_eq!(r.body["roles"].as_array().unwrap().len(), 2, "{}", r.text);
    assert_eq!(r.body["roles"][1]["primary"], false);
}
