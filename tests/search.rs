//! RFC 7644 corners that conformance checkers and some clients use: `POST .search` (§3.4.3),
//! filters that compare by attribute type (§3.4.2.2), and the `returned` rules with `attributes`
//! (RFC 7643 §2.4, RFC 7644 §3.4.2.5).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

// RFC 7644 §3.4.3, Figure 5: the same filter, paging, sorting and attribute selection as a GET.
#[tokio::test]
async fn users_search_by_post_answers_as_the_same_get_would() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    for name in ["smith.a@contoso.com", "smith.b@contoso.com", "jones@contoso.com", "smith.c@contoso.com"] {
        scim.create_user(name).await;
    }
    let body = json!({
        "schemas": [SEARCH],
        "attributes": ["userName", "displayName"],
        "filter": "userName sw \"SMITH\"",
        "sortBy": "userName",
        "sortOrder": "descending",
        "startIndex": 1,
        "count": 2
    });
    let posted = scim.post("/Users/.search", body).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
    assert!(posted.content_type().starts_with(SCIM_JSON));
    assert!(posted.headers.get("location").is_none(), "a search creates nothing");
    let query = format!(
        "/Users?attributes=userName,displayName&filter={}&sortBy=userName&sortOrder=descending&startIndex=1&count=2",
        url_encode("userName sw \"SMITH\"")
    );
    let got = scim.get(&query).await;
    assert_eq!(posted.body, got.body);
    assert_eq!(posted.body["totalResults"], 3);
    let names: Vec<&str> =
        posted.body["Resources"].as_array().unwrap().iter().map(|r| r["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["smith.c@contoso.com", "smith.b@contoso.com"]);
    assert!(posted.body["Resources"][0].get("emails").is_none());
}

#[tokio::test]
async fn groups_search_by_post_honours_excluded_attributes() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let user = scim.create_user("alice@contoso.com").await;
    let group = scim.create_group("Sales").await;
    scim.patch_ops(&format!("/Groups/{group}"), json!([{"op": "add", "path": "members", "value": [{"value": user}]}]))
        .await;
    let body = json!({"schemas": [SEARCH], "filter": "displayName eq \"sales\"", "excludedAttributes": ["members"]});
    let r = scim.post("/Groups/.search", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["totalResults"], 1);
    assert!(r.body["Resources"][0].get("members").is_none(), "{}", r.text);
    let with_members = scim.post("/Groups/.search", json!({"schemas": [SEARCH], "attributes": ["members"]})).await;
    assert_eq!(with_members.body["Resources"][0]["members"][0]["value"], user.as_str());
}

#[tokio::test]
async fn search_refusals_are_scim_errors() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.post("/Users/.search", json!({"schemas": [SEARCH], "filter": "userName eq"}))
        .await
        .assert_error(400, Some("invalidFilter"));
    scim.post("/Users/.search", json!({"schemas": [PATCH_OP], "filter": "userName pr"}))
        .await
        .assert_error(400, Some("invalidSyntax"));
    scim.post("/Users/.search", json!({"schemas": [SEARCH], "count": "ten"}))
        .await
        .assert_error(400, Some("invalidValue"));
    // Without the token: 401 like any other request.
    let anonymous = server.client_for("entra", None);
    anonymous.post("/Users/.search", json!({"schemas": [SEARCH]})).await.assert_error(401, None);
}

// RFC 7644 §3.4.3: a search at the SCIM Base URL covers every resource type; users come first,
// then groups, and the paging walks across both.
#[tokio::test]
async fn search_at_the_base_url_pages_through_users_then_groups() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let alice = scim.create_user("alice@contoso.com").await;
    let bob = scim.create_user("bob@contoso.com").await;
    let sales = scim.create_group("Sales").await;
    let ops = scim.create_group("Ops").await;
    let page =
        |start: i64| json!({"schemas": [SEARCH], "attributes": ["displayName"], "startIndex": start, "count": 3});
    let first = scim.post("/.search", page(1)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["totalResults"], 4);
    assert_eq!(first.body["itemsPerPage"], 3);
    let second = scim.post("/.search", page(4)).await;
    assert_eq!(second.body["startIndex"], 4);
    let ids: Vec<&str> = [&first, &second]
        .iter()
        .flat_map(|r| r.body["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(ids, [alice.as_str(), bob.as_str(), sales.as_str(), ops.as_str()]);
    assert_eq!(second.body["Resources"][0]["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:Group");
    assert!(first.body["Resources"][0].get("emails").is_none(), "attributes apply: {}", first.text);
    // A filter matches across kinds: displayName is a user's and a group's attribute.
    let filtered = scim.post("/.search", json!({"schemas": [SEARCH], "filter": "displayName sw \"S\""})).await;
    assert_eq!(filtered.body["totalResults"], 1, "{}", filtered.text);
    assert_eq!(filtered.body["Resources"][0]["id"], sales.as_str());
}

// RFC 7644 §3.4.2.2: "gt", "ge", "lt", "le" on a dateTime compare chronologically.
#[tokio::test]
async fn filters_compare_date_times_as_instants() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("alice@contoso.com").await;
    let created = scim.get(&format!("/Users/{id}")).await.body["meta"]["created"].as_str().unwrap().to_string();
    let instant = time::OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339).unwrap();
    // The same instant an hour east of UTC: equal as an instant, different as text.
    let east = instant.to_offset(time::UtcOffset::from_hms(1, 0, 0).unwrap());
    let east = east.format(&time::format_description::well_known::Rfc3339).unwrap();
    let eq = scim.filter("Users", &format!("meta.created eq \"{east}\"")).await;
    assert_eq!(eq.body["totalResults"], 1, "{east}: {}", eq.text);
    let earlier = (instant - time::Duration::minutes(30)).to_offset(time::UtcOffset::from_hms(-5, 0, 0).unwrap());
    let earlier = earlier.format(&time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(scim.filter("Users", &format!("meta.created gt \"{earlier}\"")).await.body["totalResults"], 1);
    assert_eq!(scim.filter("Users", &format!("meta.lastModified lt \"{earlier}\"")).await.body["totalResults"], 0);
}

// RFC 7644 §3.4.2.2: "gt", "ge", "lt", "le" on a boolean or binary attribute "SHALL cause a failed
// response (HTTP status code 400) with a scimType of invalidFilter"; `eq` compares booleans.
#[tokio::test]
async fn filters_compare_booleans_as_booleans_and_refuse_ordering_them() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("alice@contoso.com").await;
    scim.patch_ops(&format!("/Users/{id}"), json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!(scim.filter("Users", "active eq false").await.body["totalResults"], 1);
    assert_eq!(scim.filter("Users", "active eq true").await.body["totalResults"], 0);
    scim.filter("Users", "active gt false").await.assert_error(400, Some("invalidFilter"));
    let search = json!({"schemas": [SEARCH], "filter": "emails[primary ge true]"});
    scim.post("/Users/.search", search).await.assert_error(400, Some("invalidFilter"));
}

// RFC 7643 §2.4: `id` is returned always; `meta` (returned by default) only when asked for, once
// `attributes` names what to return.
#[tokio::test]
async fn attributes_return_id_always_and_meta_only_when_named() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("alice@contoso.com").await;
    let only_name = scim.get(&format!("/Users/{id}?attributes=userName")).await;
    assert_eq!(only_name.body["id"], id.as_str());
    assert_eq!(only_name.body["userName"], "alice@contoso.com");
    assert!(only_name.body.get("meta").is_none(), "{}", only_name.text);
    let with_meta = scim.get(&format!("/Users/{id}?attributes=userName,meta.lastModified")).await;
    assert!(with_meta.body["meta"]["lastModified"].is_string(), "{}", with_meta.text);
    assert!(with_meta.body["meta"].get("location").is_none(), "{}", with_meta.text);
    // excludedAttributes cannot remove `id`.
    let excluded = scim.get(&format!("/Users/{id}?excludedAttributes=id,meta")).await;
    assert_eq!(excluded.body["id"], id.as_str());
    assert!(excluded.body.get("meta").is_none());
}
