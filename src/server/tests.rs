//! Handler logic through the router in process (`Router::oneshot`), beside the real-socket
//! black-box tests in `tests/`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::{Change, Engine};

const BASE: &str = "/source/scim/entra/v2";

struct App {
    engine: Arc<Engine>,
    token: String,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    // Tests never ask the machine they run on to stay awake.
    engine.keep_awake().set_span(std::time::Duration::ZERO);
    let issued = engine.sources().create("Entra ID", Some("entra")).await.unwrap();
    App { engine, token: issued.token.expose_secret().to_string(), _dir: dir }
}

impl App {
    fn router(&self) -> Router {
        super::router(self.engine.clone())
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> axum::http::request::Builder {
        let builder = Request::builder().method(method).uri(format!("{BASE}{path}"));
        let builder = builder.header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        match body {
            Some(_) => builder.header(header::CONTENT_TYPE, "application/scim+json"),
            None => builder,
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let req = self.request(method, path, body.clone());
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.router().oneshot(req.body(body).unwrap()).await.unwrap()
    }
}

async fn json_body(resp: Response) -> Value {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

#[tokio::test]
async fn create_answers_201_with_location_etag_and_the_user() {
    let app = app().await;
    let resp = app.send("POST", "/Users", Some(json!({"userName": "ada@contoso.com"}))).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], super::SCIM_JSON);
    assert_eq!(resp.headers()[header::ETAG], "W/\"1\"");
    let location = resp.headers()[header::LOCATION].to_str().unwrap().to_string();
    let body = json_body(resp).await;
    assert_eq!(body["userName"], "ada@contoso.com");
    assert!(location.ends_with(&format!("{BASE}/Users/{}", body["id"].as_str().unwrap())), "{location}");
}

#[tokio::test]
async fn a_missing_token_is_a_scim_401_with_www_authenticate() {
    let app = app().await;
    let req = Request::builder().uri(format!("{BASE}/Users")).body(Body::empty()).unwrap();
    let resp = app.router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
    let body = json_body(resp).await;
    assert_eq!(body["status"], "401");
    assert!(body["detail"].as_str().unwrap().contains("no bearer token"), "{body}");
}

#[tokio::test]
async fn a_method_a_route_lacks_is_a_scim_405_with_allow() {
    let app = app().await;
    let resp = app.send("DELETE", "/Users", None).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp.headers()[header::ALLOW].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_eq!(json_body(resp).await["status"], "405");
}

#[tokio::test]
async fn a_get_whose_etag_is_current_is_a_304_recorded_as_a_read() {
    let app = app().await;
    let created = json_body(app.send("POST", "/Users", Some(json!({"userName": "lin@contoso.com"}))).await).await;
    let id = created["id"].as_str().unwrap();
    let mut events = app.engine.subscribe();
    let req = app.request("GET", &format!("/Users/{id}"), None).header(header::IF_NONE_MATCH, "W/\"1\"");
    let resp = app.router().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(resp.headers()[header::ETAG], "W/\"1\"");
    assert!(!resp.headers().contains_key(header::CONTENT_TYPE));
    assert!(axum::body::to_bytes(resp.into_body(), 1024).await.unwrap().is_empty());
    let event = events.recv().await.unwrap();
    assert_eq!((event.status, event.change), (304, Change::Read));
    assert_eq!(event.resource_id.as_deref(), Some(id));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_scim_400_recorded_as_refused() {
    let app = app().await;
    let mut events = app.engine.subscribe();
    let req = app.request("POST", "/Users", Some(Value::Null)).body(Body::from("{not json")).unwrap();
    let resp = app.router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body = json_body(resp).await;
    assert_eq!(body["scimType"], "invalidSyntax");
    let event = events.recv().await.unwrap();
    assert_eq!(event.change, Change::Refused);
    assert!(event.summary.starts_with("refused: the request body is not valid JSON"), "{}", event.summary);
}

#[tokio::test]
async fn directory_refusals_keep_their_status_and_scim_type() {
    let app = app().await;
    app.send("POST", "/Users", Some(json!({"userName": "kim@contoso.com"}))).await;
    let resp = app.send("POST", "/Users", Some(json!({"userName": "KIM@contoso.com"}))).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(json_body(resp).await["scimType"], "uniqueness");
    let resp = app.send("GET", "/Groups/nope", None).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(resp).await["detail"], "no group with id \"nope\" exists in this source");
    let group = json_body(app.send("POST", "/Groups", Some(json!({"displayName": "Ops"}))).await).await;
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]});
    let resp = app.send("PATCH", &format!("/Groups/{}", group["id"].as_str().unwrap()), Some(ops)).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(resp).await["scimType"], "invalidValue");
    let req = app.request("DELETE", &format!("/Groups/{}", group["id"].as_str().unwrap()), None);
    let resp =
        app.router().oneshot(req.header(header::IF_MATCH, "W/\"7\"").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn an_unknown_path_is_a_scim_404_and_not_recorded_for_any_source() {
    let app = app().await;
    let resp = app.send("GET", "/Nope", None).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], super::SCIM_JSON);
    app.engine.activity().flush().await.unwrap();
    assert!(app.engine.sources().activity("entra", 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_check_is_answered_with_the_proof_without_a_token_and_at_most_thirty_a_minute() {
    use crate::check::proof::{self, CHECK_HEADER, PROOF_HEADER};
    let app = app().await;
    let secret = app.engine.settings().check_secret().await.unwrap();
    // One router, as one server: the budget is the server's.
    let router = app.router();
    let check = || {
        let code = proof::new_code();
        let req = Request::builder()
            .uri(format!("{BASE}/ServiceProviderConfig"))
            .header(CHECK_HEADER, &code)
            .body(Body::empty())
            .unwrap();
        (code, req)
    };
    for n in 0..super::check::CHECKS_PER_MINUTE {
        let (code, req) = check();
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "check {n}");
        let given = resp.headers()[PROOF_HEADER].to_str().unwrap().to_owned();
        assert!(proof::verify(&secret, &code, &given), "check {n} carries the proof");
    }
    let (_, req) = check();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "past the budget it is an ordinary request without a token");
    assert!(resp.headers().get(PROOF_HEADER).is_none());
}
