//! Hostile load (issue 10), black-box over HTTP: requests at the size limits are answered
//! correctly (just under: accepted; just over: the right 400), duplicate-heavy lists are
//! handled, and names that are one name under Unicode normalisation and case folding are one
//! name for uniqueness and for filters. Speed is measured by the benchmark, not asserted here.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The limits as the server documents them (`scim::resource::MAX_MEMBERS`, `MAX_ARRAY_ITEMS`,
/// `scim::filter::MAX_FILTER_LEN`, `MAX_FILTER_DEPTH`, `server::MAX_BODY_BYTES`).
const MAX_MEMBERS: usize = 10_000;
const MAX_VALUES: usize = 1_000;
const MAX_FILTER_LEN: usize = 4096;
const MAX_FILTER_DEPTH: usize = 64;
const MAX_BODY_BYTES: usize = 1024 * 1024;

async fn users(scim: &Scim, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(scim.create_user(&format!("load{i}@contoso.com")).await);
    }
    ids
}

/// `n` member references cycling over `ids`: a list at the limit made mostly of repeats.
fn members(ids: &[String], n: usize) -> Value {
    Value::Array((0..n).map(|i| json!({"$ref": null, "value": ids[i % ids.len()]})).collect())
}

async fn member_count(scim: &Scim, group: &str) -> usize {
    let r = scim.get(&format!("/Groups/{group}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["members"].as_array().map_or(0, Vec::len)
}

fn refused_for_members(r: &Resp) {
    r.assert_error(400, Some("invalidValue"));
    assert!(r.body["detail"].as_str().unwrap().contains("10000"), "the detail names the limit: {}", r.text);
}

#[tokio::test]
async fn group_patch_at_the_member_limit_is_accepted_and_one_more_is_refused() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let ids = users(&scim, 25).await;
    let group = scim.create_group("Load").await;

    let over = scim
        .patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "Add", "path": "members", "value": members(&ids, MAX_MEMBERS + 1)}]),
        )
        .await;
    refused_for_members(&over);
    assert_eq!(member_count(&scim, &group).await, 0, "a refused request adds nobody");

    // 10,000 references to 25 users: accepted, each user once.
    let at = scim
        .patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "Add", "path": "members", "value": members(&ids, MAX_MEMBERS)}]),
        )
        .await;
    assert!(at.status.is_success(), "{}", at.text);
    assert_eq!(member_count(&scim, &group).await, 25);

    // The limit is per request: two operations of 6,000 each are over it together.
    let half = members(&ids, 6_000);
    let split = scim
        .patch_ops(&format!("/Groups/{group}"), json!([{"op": "Remove", "path": "members", "value": half}, {"op": "Add", "path": "members", "value": half}]))
        .await;
    refused_for_members(&split);
    assert_eq!(member_count(&scim, &group).await, 25);

    // Removing with a list at the limit, duplicates included, removes exactly those listed.
    let some: Vec<String> = ids[..5].to_vec();
    let remove = scim
        .patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "Remove", "path": "members", "value": members(&some, MAX_MEMBERS)}]),
        )
        .await;
    assert!(remove.status.is_success(), "{}", remove.text);
    assert_eq!(member_count(&scim, &group).await, 20);

    // A path-less replace carrying members counts too.
    let pathless = scim
        .patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "Replace", "value": {"members": members(&ids, MAX_MEMBERS + 1)}}]),
        )
        .await;
    refused_for_members(&pathless);
    assert_eq!(member_count(&scim, &group).await, 20);
}

#[tokio::test]
async fn remove_by_a_long_or_filter_of_repeated_ids_removes_each_once() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let ids = users(&scim, 3).await;
    let group = scim.create_group("Filtered").await;
    let r = scim
        .patch_ops(&format!("/Groups/{group}"), json!([{"op": "Add", "path": "members", "value": members(&ids, 3)}]))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    // As many `or` terms as fit in a filter, naming the first two users over and over.
    let term = |id: &str| format!("value eq \"{id}\"");
    let mut filter = term(&ids[0]);
    while filter.len() + 2 * (term(&ids[1]).len() + 4) < MAX_FILTER_LEN - 20 {
        filter = format!("{filter} or {} or {}", term(&ids[1]), term(&ids[0]));
    }
    let r = scim
        .patch_ops(&format!("/Groups/{group}"), json!([{"op": "Remove", "path": format!("members[{filter}]")}]))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let left = scim.get(&format!("/Groups/{group}")).await;
    let values: Vec<&str> =
        left.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(values, vec![ids[2].as_str()], "{}", left.text);
}

#[tokio::test]
async fn post_and_put_group_member_lists_at_the_limit() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let ids = users(&scim, 10).await;

    let over =
        scim.post("/Groups", json!({"displayName": "Too many", "members": members(&ids, MAX_MEMBERS + 1)})).await;
    refused_for_members(&over);
    assert_eq!(scim.filter("Groups", "displayName eq \"Too many\"").await.body["totalResults"], 0);

    let created = scim.post("/Groups", json!({"displayName": "Repeats", "members": members(&ids, MAX_MEMBERS)})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let group = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["members"].as_array().unwrap().len(), 10);

    let over = scim
        .put(&format!("/Groups/{group}"), json!({"displayName": "Repeats", "members": members(&ids, MAX_MEMBERS + 1)}))
        .await;
    refused_for_members(&over);
    assert_eq!(member_count(&scim, &group).await, 10);
    let put = scim
        .put(&format!("/Groups/{group}"), json!({"displayName": "Repeats", "members": members(&ids[..4], MAX_MEMBERS)}))
        .await;
    assert!(put.status.is_success(), "{}", put.text);
    assert_eq!(member_count(&scim, &group).await, 4);
}

fn emails(n: usize, distinct: usize, tag: &str) -> Value {
    Value::Array(
        (0..n).map(|i| json!({"type": "other", "value": format!("{tag}{}@contoso.com", i % distinct)})).collect(),
    )
}

#[tokio::test]
async fn user_patch_at_the_value_limit_is_accepted_and_one_more_is_refused() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let r = scim.post("/Users", json!({"userName": "many@contoso.com"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let user = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{user}");

    let over = scim
        .patch_ops(
            &path,
            json!([{"op": "Add", "path": "emails", "value": emails(MAX_VALUES + 1, MAX_VALUES + 1, "e")}]),
        )
        .await;
    over.assert_error(400, Some("invalidValue"));
    let pathless =
        scim.patch_ops(&path, json!([{"op": "Add", "value": {"emails": emails(MAX_VALUES + 1, 3, "e")}}])).await;
    pathless.assert_error(400, Some("invalidValue"));
    assert!(scim.get(&path).await.body.get("emails").is_none(), "refused requests change nothing");

    // Duplicates within the request and against the stored values are kept once.
    let repeats =
        scim.patch_ops(&path, json!([{"op": "Add", "path": "emails", "value": emails(MAX_VALUES, 7, "d")}])).await;
    assert_eq!(repeats.status, StatusCode::OK, "{}", repeats.text);
    assert_eq!(repeats.body["emails"].as_array().unwrap().len(), 7);
    let again =
        scim.patch_ops(&path, json!([{"op": "Add", "path": "emails", "value": emails(MAX_VALUES, 7, "d")}])).await;
    assert_eq!(again.body["emails"].as_array().unwrap().len(), 7, "{}", again.text);

    // Exactly the limit of distinct values in all: accepted; one more value: refused.
    let fill = scim
        .patch_ops(&path, json!([{"op": "Add", "path": "emails", "value": emails(MAX_VALUES - 7, MAX_VALUES, "e")}]))
        .await;
    assert_eq!(fill.status, StatusCode::OK, "{}", fill.text);
    assert_eq!(fill.body["emails"].as_array().unwrap().len(), MAX_VALUES);
    let one_more =
        scim.patch_ops(&path, json!([{"op": "Add", "path": "emails", "value": [{"value": "last@contoso.com"}]}])).await;
    one_more.assert_error(400, Some("invalidValue"));

    // Removing a list of values at the limit (every stored one, repeated) empties the attribute.
    let mut all = emails(MAX_VALUES - 7, MAX_VALUES, "e").as_array().unwrap().clone();
    all.extend(emails(7, 7, "d").as_array().unwrap().iter().cloned());
    let remove = scim.patch_ops(&path, json!([{"op": "Remove", "path": "emails", "value": all}])).await;
    assert_eq!(remove.status, StatusCode::OK, "{}", remove.text);
    assert!(remove.body.get("emails").is_none(), "{}", &remove.text[..remove.text.len().min(300)]);
}

#[tokio::test]
async fn too_many_operations_or_path_less_attributes_are_refused() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let user = scim.create_user("ops@contoso.com").await;
    let path = format!("/Users/{user}");
    let attrs: serde_json::Map<String, Value> = (0..1001).map(|i| (format!("x{i}"), json!("v"))).collect();
    let r = scim.patch_ops(&path, json!([{"op": "Add", "value": attrs}])).await;
    r.assert_error(400, Some("invalidValue"));
    let attrs: serde_json::Map<String, Value> = (0..1000).map(|i| (format!("x{i}"), json!("v"))).collect();
    let r = scim.patch_ops(&path, json!([{"op": "Add", "value": attrs}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.text[..r.text.len().min(300)]);
    assert_eq!(r.body["x999"], "v");
}

#[tokio::test]
async fn many_repeated_schemas_are_read_once() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let mut schemas: Vec<Value> = (0..MAX_VALUES).map(|i| json!(format!("urn:example:ext:{}", i % 3))).collect();
    schemas[0] = json!("urn:ietf:params:scim:schemas:core:2.0:User");
    let r = scim
        .post("/Users", json!({"schemas": schemas, "userName": "schemas@contoso.com", "urn:example:ext:1": {"a": 1}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:ext:1"]));
    schemas.push(json!("urn:example:ext:0"));
    let r = scim.post("/Users", json!({"schemas": schemas, "userName": "schemas2@contoso.com"})).await;
    r.assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn filters_at_the_length_and_depth_limits() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_user("f@contoso.com").await;
    let padded = |len: usize| {
        let head = "userName eq \"f@contoso.com\" or userName eq \"";
        format!("{head}{}\"", "x".repeat(len - head.len() - 1))
    };
    let at = scim.filter("Users", &padded(MAX_FILTER_LEN)).await;
    assert_eq!(at.status, StatusCode::OK, "{}", at.text);
    assert_eq!(at.body["totalResults"], 1);
    scim.filter("Users", &padded(MAX_FILTER_LEN + 1)).await.assert_error(400, Some("invalidFilter"));

    let nested = |depth: usize| format!("{}userName eq \"f@contoso.com\"{}", "(".repeat(depth), ")".repeat(depth));
    let at = scim.filter("Users", &nested(MAX_FILTER_DEPTH)).await;
    assert_eq!(at.body["totalResults"], 1, "{}", at.text);
    scim.filter("Users", &nested(MAX_FILTER_DEPTH + 1)).await.assert_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_without_a_scim_type() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let over = format!("{{\"userName\": \"big@contoso.com\", \"x\": \"{}\"}}", "a".repeat(MAX_BODY_BYTES));
    let r = Scim::finish(scim.raw(reqwest::Method::POST, "/Users").header("content-type", SCIM_JSON).body(over)).await;
    r.assert_error(413, None);
    // RFC 7644 has no scimType for a body that is too large; `tooMany` is for filters.
    assert!(r.body.get("scimType").is_none(), "{}", r.text);
}

const ANNE_COMPOSED: &str = "\u{00C4}nne@contoso.com";
const ANNE_DECOMPOSED: &str = "A\u{0308}nne@contoso.com";

#[tokio::test]
async fn canonically_equivalent_user_names_are_one_name() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user(ANNE_COMPOSED).await;
    for other in [ANNE_DECOMPOSED, "a\u{0308}NNE@contoso.com", "\u{00E4}nne@CONTOSO.com"] {
        let r = scim.post("/Users", entra_user(other)).await;
        r.assert_error(409, Some("uniqueness"));
    }
    for form in [ANNE_COMPOSED, ANNE_DECOMPOSED, "\u{00E4}NNE@contoso.com"] {
        let found = scim.filter("Users", &format!("userName eq \"{form}\"")).await;
        assert_eq!(found.body["totalResults"], 1, "{form:?}: {}", found.text);
        assert_eq!(found.body["Resources"][0]["id"], json!(id));
        // Stored as sent, whichever form the filter used.
        assert_eq!(found.body["Resources"][0]["userName"], ANNE_COMPOSED);
        // A filter only partly answered from the index agrees with it.
        let mixed = scim.filter("Users", &format!("userName eq \"{form}\" and title eq \"Engineer\"")).await;
        assert_eq!(mixed.body["totalResults"], 1, "{form:?}: {}", mixed.text);
    }
    // A rename onto an equivalent form of another user's name is the same clash.
    let bob = scim.create_user("bob@contoso.com").await;
    let r = scim
        .patch_ops(&format!("/Users/{bob}"), json!([{"op": "Replace", "path": "userName", "value": ANNE_DECOMPOSED}]))
        .await;
    r.assert_error(409, Some("uniqueness"));
    // The user itself may switch between the forms: the document keeps what was sent.
    let r = scim
        .patch_ops(&format!("/Users/{id}"), json!([{"op": "Replace", "path": "userName", "value": ANNE_DECOMPOSED}]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["userName"], ANNE_DECOMPOSED);
}

#[tokio::test]
async fn canonically_equivalent_group_names_are_one_name() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_group("\u{00C4}rzte").await;
    scim.post("/Groups", entra_group("A\u{0308}rzte")).await.assert_error(409, Some("uniqueness"));
    scim.post("/Groups", entra_group("A\u{0308}RZTE")).await.assert_error(409, Some("uniqueness"));
    for form in ["\u{00C4}rzte", "A\u{0308}rzte", "\u{00E4}RZTE"] {
        let found = scim.filter("Groups", &format!("displayName eq \"{form}\"")).await;
        assert_eq!(found.body["totalResults"], 1, "{form:?}: {}", found.text);
        assert_eq!(found.body["Resources"][0]["id"], json!(id));
        assert_eq!(found.body["Resources"][0]["displayName"], "\u{00C4}rzte");
        let excluded = scim
            .get(&format!(
                "/Groups?excludedAttributes=members&filter={}",
                url_encode(&format!("displayName eq \"{form}\""))
            ))
            .await;
        assert_eq!(excluded.body["totalResults"], 1, "{}", excluded.text);
    }
    let other = scim.create_group("Other").await;
    let r = scim
        .patch_ops(
            &format!("/Groups/{other}"),
            json!([{"op": "Replace", "path": "displayName", "value": "A\u{0308}rzte"}]),
        )
        .await;
    r.assert_error(409, Some("uniqueness"));
}

/// Documented choice (NFKC_Casefold): compatibility forms, such as ligatures and fullwidth
/// letters, are one name with the plain letters; invisible characters do not count.
#[tokio::test]
async fn compatibility_equivalent_names_are_one_name_too() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("finance@contoso.com").await;
    scim.post("/Users", entra_user("\u{FB01}nance@contoso.com")).await.assert_error(409, Some("uniqueness"));
    scim.post("/Users", entra_user("\u{FF26}inance@contoso.com")).await.assert_error(409, Some("uniqueness"));
    scim.post("/Users", entra_user("fi\u{00AD}nance@contoso.com")).await.assert_error(409, Some("uniqueness"));
    let found = scim.filter("Users", "userName eq \"\u{FB01}nance@contoso.com\"").await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    assert_eq!(found.body["Resources"][0]["id"], json!(id));

    let sales = scim.create_group("\u{FF33}\u{FF41}\u{FF4C}\u{FF45}\u{FF53}").await;
    scim.post("/Groups", entra_group("sales")).await.assert_error(409, Some("uniqueness"));
    let found = scim.filter("Groups", "displayName eq \"SALES\"").await;
    assert_eq!(found.body["Resources"][0]["id"], json!(sales), "{}", found.text);
    assert_eq!(found.body["Resources"][0]["displayName"], "\u{FF33}\u{FF41}\u{FF4C}\u{FF45}\u{FF53}");
    // Names that only look alike across scripts stay distinct: Cyrillic "а" is not Latin "a".
    let r = scim.post("/Groups", entra_group("s\u{0430}les")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}
