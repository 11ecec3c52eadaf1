//! Who gets in: tokens per source, disabled sources, unknown slugs, rotation with overlap.

mod common;

use common::*;
use reqwest::StatusCode;

fn assert_bearer_challenge(r: &Resp) {
    r.assert_error(401, None);
    let challenge = r.headers.get("www-authenticate").expect("WWW-Authenticate").to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

#[tokio::test]
async fn missing_wrong_and_malformed_tokens_are_401_with_bearer_challenge() {
    let (server, _token) = Server::start();
    assert_bearer_challenge(&server.client_for("entra", None).get("/Users").await);
    let wrong = format!("scimdesk_{}", "0".repeat(64));
    assert_bearer_challenge(&server.client_for("entra", Some(&wrong)).get("/Users").await);
    let basic = Scim::finish(
        reqwest::Client::new()
            .get(format!("{}/Users", server.base("entra")))
            .header("authorization", "Basic dXNlcjpwdw=="),
    )
    .await;
    assert_bearer_challenge(&basic);
}

#[tokio::test]
async fn another_sources_token_is_refused() {
    let (server, token_a) = Server::start();
    let token_b = create_source(&server.data_dir, "Okta", "okta");
    assert_eq!(server.client_for("okta", Some(&token_b)).get("/Users").await.status, StatusCode::OK);
    assert_bearer_challenge(&server.client_for("okta", Some(&token_a)).get("/Users").await);
    assert_bearer_challenge(&server.client_for("entra", Some(&token_b)).get("/Users").await);
}

#[tokio::test]
async fn unknown_slug_is_a_scim_404_that_names_the_problem() {
    let (server, token) = Server::start();
    let r = server.client_for("nosuch", Some(&token)).get("/Users").await;
    r.assert_error(404, None);
    assert!(r.body["detail"].as_str().unwrap().contains("nosuch"));
}

#[tokio::test]
async fn disabled_source_is_refused_until_enabled_again() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    assert_eq!(scim.get("/Users").await.status, StatusCode::OK);
    let (ok, _, err) = cli(&server.data_dir, &["source", "disable", "entra"]);
    assert!(ok, "{err}");
    // The server reads sources again within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let r = scim.get("/Users").await;
    r.assert_error(401, None);
    assert!(r.body["detail"].as_str().unwrap().contains("disabled"));
    assert!(cli(&server.data_dir, &["source", "enable", "entra"]).0);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(scim.get("/Users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn rotation_without_overlap_revokes_the_old_token_at_once() {
    let (server, old) = Server::start();
    let (ok, out, err) = cli(&server.data_dir, &["source", "rotate", "entra"]);
    assert!(ok, "{err}");
    let new = token_in(&out);
    assert_ne!(new, old);
    assert_eq!(server.client(&new).get("/Users").await.status, StatusCode::OK);
    assert_bearer_challenge(&server.client(&old).get("/Users").await);
}

#[tokio::test]
async fn rotation_with_overlap_keeps_the_old_token_valid_for_a_while() {
    let (server, old) = Server::start();
    let (ok, out, err) = cli(&server.data_dir, &["source", "rotate", "entra", "--overlap", "10m"]);
    assert!(ok, "{err}");
    assert!(out.contains("stays valid for 10m"), "{out}");
    let new = token_in(&out);
    assert_eq!(server.client(&new).get("/Users").await.status, StatusCode::OK);
    assert_eq!(server.client(&old).get("/Users").await.status, StatusCode::OK, "old token valid during overlap");
    // A second rotation without overlap ends the overlap. The CLI is another process: the
    // server notices within its one-second source cache.
    let (_, out, _) = cli(&server.data_dir, &["source", "rotate", "entra"]);
    let newest = token_in(&out);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_bearer_challenge(&server.client(&old).get("/Users").await);
    assert_bearer_challenge(&server.client(&new).get("/Users").await);
    assert_eq!(server.client(&newest).get("/Users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn refused_requests_are_recorded_without_the_presented_token() {
    let (server, _token) = Server::start();
    let presented = format!("scimdesk_{}", "ab".repeat(32));
    server.client_for("entra", Some(&presented)).get("/Users").await;
    // The activity row is written with the next batch; give it a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (ok, out, _) = cli(&server.data_dir, &["source", "show", "entra"]);
    assert!(ok);
    assert!(!out.contains("none yet"), "the refused request is the last request: {out}");
    let db = std::fs::read(server.data_dir.join("scimdesk.db")).unwrap();
    let wal = std::fs::read(server.data_dir.join("scimdesk.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(presented.len()).any(|w| w == presented.as_bytes()), "presented token stored");
    }
    assert!(!server.logs().contains(&presented));
}
