//! Whole SCIM requests through the real router (tower `oneshot`, no socket) over a store in a
//! temporary data dir: whatever the method, path, headers and body, the answer is never a 5xx
//! and never a panic, and every error is a SCIM error body.
//!
//! Input layout: byte 0 picks the method, byte 1 holds flags (bit 0: send the source's token,
//! bit 1: prefix the path with the source's SCIM base, bits 2-3: content type, bit 4: If-Match,
//! bit 5: If-None-Match), then the path up to the first newline, then the body. In the path and
//! the body, `@U` and `@G` stand for the id of a user and a group that exist.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use scimdesk::store::NewSource;
use scimdesk::Engine;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "scimdesk_00000000000000000000000000000000000000000000000000000000000000ff";
const BASE: &str = "/source/scim/fuzz/v2";

struct World {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    user: String,
    group: String,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        // tmpfs when there is one: the store fsyncs every commit.
        let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).expect("temp dir");
        let (router, user, group) = rt.block_on(async {
            // The source goes in through the store, with a known token and no keychain.
            scimdesk::store::Store::open(dir.path())
                .await
                .expect("open store")
                .insert_source(NewSource {
                    uid: "fuzz".into(),
                    name: "Fuzz".into(),
                    slug: "fuzz".into(),
                    token_hash: scimdesk::tokens::hash_token(TOKEN),
                    token_prefix: "scimdesk_0000".into(),
                })
                .await
                .expect("source");
            let engine: Arc<Engine> = Engine::open(dir.path()).await.expect("open engine");
            let router = scimdesk::server::router(engine);
            let create = |path: &str, body: Value| {
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("{BASE}{path}"))
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("content-type", "application/scim+json")
                    .body(Body::from(body.to_string()))
                    .expect("request")
            };
            let id = |resp: axum::response::Response| async move {
                let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
                let v: Value = serde_json::from_slice(&bytes).expect("json");
                v["id"].as_str().expect("id").to_string()
            };
            let u = router.clone().oneshot(create("/Users", json!({"userName": "seed@contoso.com", "active": true}))).await.unwrap();
            let user = id(u).await;
            let g = router.clone().oneshot(create("/Groups", json!({"displayName": "Seed", "members": [{"value": user}]}))).await.unwrap();
            let group = id(g).await;
            (router, user, group)
        });
        World { rt, router, user, group, _dir: dir }
    })
}

const METHODS: [&str; 9] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND"];
const CONTENT_TYPES: [Option<&str>; 4] = [Some("application/scim+json"), Some("application/json"), None, Some("text/plain")];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let w = world();
    let method = Method::from_bytes(METHODS[data[0] as usize % METHODS.len()].as_bytes()).unwrap();
    let flags = data[1];
    let rest = &data[2..];
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let Ok(path) = std::str::from_utf8(&rest[..split]) else { return };
    let body: Vec<u8> = rest.get(split + 1..).unwrap_or_default().to_vec();
    let substitute = |s: &str| s.replace("@U", &w.user).replace("@G", &w.group);
    let path = substitute(path);
    let uri = if flags & 2 != 0 { format!("{BASE}{path}") } else { path };
    let body = match String::from_utf8(body) {
        Ok(text) => substitute(&text).into_bytes(),
        Err(e) => e.into_bytes(),
    };
    let mut req = Request::builder().method(method.clone()).uri(uri.as_str());
    if flags & 1 != 0 {
        req = req.header("authorization", format!("Bearer {TOKEN}"));
    }
    if let Some(ct) = CONTENT_TYPES[(flags >> 2) as usize % 4] {
        req = req.header("content-type", ct);
    }
    if flags & 16 != 0 {
        req = req.header("if-match", "W/\"1\"");
    }
    if flags & 32 != 0 {
        req = req.header("if-none-match", "W/\"1\"");
    }
    // Not a request http can carry (bad URI): nothing for the server to answer.
    let Ok(req) = req.body(Body::from(body)) else { return };
    let (status, content_type, bytes) = w.rt.block_on(async {
        let resp = w.router.clone().oneshot(req).await.expect("the router is infallible");
        let status = resp.status();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
        (status, ct, bytes)
    });
    assert!(!status.is_server_error(), "{method} {uri} answered {status}: {}", String::from_utf8_lossy(&bytes));
    if status.is_client_error() {
        assert!(content_type.starts_with("application/scim+json"), "{method} {uri}: {status} with content type {content_type:?}");
        if method != Method::HEAD {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{method} {uri}: {status} body is not JSON"));
            assert_eq!(v["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{method} {uri}: {v}");
            assert_eq!(v["status"], json!(status.as_u16().to_string()), "{method} {uri}: {v}");
        }
    }
});
