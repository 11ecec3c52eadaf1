//! Protocol behaviour: discovery, content types, errors, paging, attribute selection, sorting.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn discovery_documents_describe_the_server() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let spc = scim.get("/ServiceProviderConfig").await;
    assert_eq!(spc.status, StatusCode::OK);
    assert!(spc.content_type().starts_with(SCIM_JSON));
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["filter"]["supported"], true);
    assert_eq!(spc.body["bulk"]["supported"], false);
    assert_eq!(spc.body["etag"]["supported"], true);
    assert_eq!(spc.body["authenticationSchemes"][0]["type"], "oauthbearertoken");

    let schemas = scim.get("/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3, "{}", schemas.text);
    let user = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User")
        .unwrap();
    let user_name = user["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["required"], true);
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["caseExact"], false);
    let one = scim.get(&format!("/Schemas/{ENTERPRISE}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["id"], ENTERPRISE);
    scim.get("/Schemas/urn:nope").await.assert_error(404, None);

    let types = scim.get("/ResourceTypes").await;
    assert_eq!(types.body["totalResults"], 2);
    assert_eq!(scim.get("/ResourceTypes/User").await.body["endpoint"], "/Users");
    scim.get("/ResourceTypes/Printer").await.assert_error(404, None);
}

#[tokio::test]
async fn non_get_on_discovery_and_wrong_methods_are_405_in_scim_format() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    for (method, path) in [
        (Method::POST, "/ServiceProviderConfig"),
        (Method::PUT, "/Schemas"),
        (Method::DELETE, "/ResourceTypes"),
        (Method::DELETE, "/Users"),
        (Method::PATCH, "/Groups"),
        (Method::POST, "/Users/some-id"),
    ] {
        let r = scim.send(method.clone(), path, None).await;
        r.assert_error(405, None);
    }
}

#[tokio::test]
async fn every_answer_is_scim_json_and_unknown_paths_are_scim_404() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    for path in ["/Users", "/Groups", "/Users/none", "/Nope"] {
        let r = scim.get(path).await;
        assert!(r.content_type().starts_with(SCIM_JSON), "{path}: {}", r.content_type());
    }
    let other = Scim {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}", server.port),
        token: Some(token.clone()),
    };
    other.get("/").await.assert_error(404, None);
    other.get("/api/sources").await.assert_error(404, None);
}

#[tokio::test]
async fn bad_filter_and_bad_body_are_400_with_actionable_detail() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.filter("Users", "userName eq").await.assert_error(400, Some("invalidFilter"));
    scim.filter("Users", "userName zz \"x\"").await.assert_error(400, Some("invalidFilter"));
    let r =
        Scim::finish(scim.raw(Method::POST, "/Users").header("content-type", SCIM_JSON).body("{\"userName\": ")).await;
    r.assert_error(400, Some("invalidSyntax"));
    scim.post("/Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}))
        .await
        .assert_error(400, None);
    scim.post("/Users", json!({"userName": ["a", "b"]})).await.assert_error(400, None);
    let r =
        Scim::finish(scim.raw(Method::POST, "/Users").header("content-type", "text/plain").body("userName=x")).await;
    r.assert_error(415, None);
    let big = format!("{{\"userName\": \"{}\"}}", "x".repeat(1_100_000));
    let r = Scim::finish(scim.raw(Method::POST, "/Users").header("content-type", SCIM_JSON).body(big)).await;
    r.assert_error(413, None);
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0, "nothing written");
    scim.create_user("still@serving.com").await;
}

#[tokio::test]
async fn pagination_walk_visits_every_user_once_and_honours_count() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let mut created = Vec::new();
    for i in 0..23 {
        created.push(scim.create_user(&format!("page{i:02}@x.com")).await);
    }
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let r = scim.get(&format!("/Users?startIndex={start}&count=5")).await;
        assert_eq!(r.body["totalResults"], 23);
        assert_eq!(r.body["startIndex"], start);
        let page = r.body["Resources"].as_array().unwrap();
        assert_eq!(r.body["itemsPerPage"], page.len());
        assert!(page.len() <= 5);
        if page.is_empty() {
            break;
        }
        seen.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_string()));
        start += page.len();
    }
    assert_eq!(seen, created, "every user once, in creation order");
    // startIndex below 1 means 1; count 0 returns no resources but the total.
    let r = scim.get("/Users?startIndex=0&count=2").await;
    assert_eq!(r.body["Resources"][0]["id"], created[0].as_str());
    let r = scim.get("/Users?count=0").await;
    assert_eq!(r.body["totalResults"], 23);
    assert_eq!(r.body["Resources"], json!([]));
    scim.get("/Users?count=abc").await.assert_error(400, Some("invalidValue"));
    // Paging a filtered list that is evaluated in memory.
    let r = scim.filter("Users", "userName co \"page1\"").await;
    assert_eq!(r.body["totalResults"], 10);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_on_get_and_lists() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let id = scim.create_user("attr@x.com").await;
    let r = scim.get(&format!("/Users/{id}?attributes=userName,name.givenName")).await;
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["userName"], "attr@x.com");
    assert_eq!(r.body["name"], json!({"givenName": "attr"}));
    assert!(r.body.get("emails").is_none());
    let r = scim.get(&format!("/Users/{id}?excludedAttributes=emails,{ENTERPRISE}")).await;
    assert!(r.body.get("emails").is_none() && r.body.get(ENTERPRISE).is_none());
    assert_eq!(r.body["id"], id.as_str());
    let r = scim.get("/Users?attributes=userName").await;
    assert_eq!(r.body["Resources"][0]["userName"], "attr@x.com");
    assert!(r.body["Resources"][0].get("displayName").is_none());
}

#[tokio::test]
async fn sort_by_user_name_descending_and_by_unindexed_attribute() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    for n in ["b@x.com", "c@x.com", "a@x.com"] {
        scim.create_user(n).await;
    }
    let r = scim.get("/Users?sortBy=userName&sortOrder=descending").await;
    let names: Vec<&str> =
        r.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["c@x.com", "b@x.com", "a@x.com"]);
    let r = scim.get("/Users?sortBy=name.givenName").await;
    let names: Vec<&str> =
        r.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["a@x.com", "b@x.com", "c@x.com"]);
}
