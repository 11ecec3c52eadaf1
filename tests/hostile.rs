//! Hostile input (issue 5): a catalogue of malformed, mistyped, oversized and malicious requests.
//! Each must get the right 4xx SCIM error, write nothing, and leave the server serving.

#[path = "hostile/catalogue.rs"]
mod catalogue;
mod common;
#[path = "hostile/routes.rs"]
mod routes;

use catalogue::{Auth, Case};
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// What is wrong with the answer to `case`, if anything; `Resp::assert_error` then pins it down.
fn answered_wrongly(case: &Case, r: &Resp) -> Option<String> {
    if r.status.as_u16() != case.status {
        return Some(format!("status {} instead of {}", r.status, case.status));
    }
    if !r.content_type().starts_with(SCIM_JSON) {
        return Some(format!("content type {:?}", r.content_type()));
    }
    if r.body["schemas"][0] != "urn:ietf:params:scim:api:messages:2.0:Error"
        || r.body["status"] != json!(case.status.to_string())
    {
        return Some("not a SCIM error body".into());
    }
    if let Some(t) = case.scim_type {
        if r.body["scimType"] != t {
            return Some(format!("scimType {} instead of {t}", r.body["scimType"]));
        }
    }
    if case.status == 401 && !r.headers.contains_key("www-authenticate") {
        return Some("401 without WWW-Authenticate".into());
    }
    if case.status == 405 && !r.headers.contains_key("allow") {
        return Some("405 without Allow".into());
    }
    None
}

/// A source with one user in one group, and what must not change.
struct World {
    server: Server,
    scim: Scim,
    user: String,
    group: String,
    before: Snapshot,
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Value,
    groups: Value,
    user: Value,
    group: Value,
}

async fn snapshot(scim: &Scim, user: &str, group: &str) -> Snapshot {
    let get = |path: String| async move {
        let r = scim.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        r.body
    };
    Snapshot {
        users: get("/Users?count=1000".into()).await["totalResults"].clone(),
        groups: get("/Groups?count=1000".into()).await["totalResults"].clone(),
        user: get(format!("/Users/{user}")).await,
        group: get(format!("/Groups/{group}")).await,
    }
}

async fn world() -> World {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let user = scim.create_user("victim@contoso.com").await;
    let group = scim.create_group("Victims").await;
    let r = scim
        .patch_ops(&format!("/Groups/{group}"), json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let before = snapshot(&scim, &user, &group).await;
    assert_eq!(before.group["members"][0]["value"], json!(user));
    World { server, scim, user, group, before }
}

impl World {
    fn fill(&self, s: &str) -> String {
        s.replace("{user}", &self.user).replace("{group}", &self.group)
    }

    async fn send(&self, case: &Case) -> Resp {
        let url = if case.root {
            format!("http://127.0.0.1:{}{}", self.server.port, self.fill(&case.path))
        } else {
            format!("{}{}", self.scim.base, self.fill(&case.path))
        };
        let mut req = self.scim.http.request(case.method.clone(), url);
        req = match &case.auth {
            Auth::Token => req.bearer_auth(self.scim.token.as_deref().expect("token")),
            Auth::Missing => req,
            Auth::Header(h) => req.header("authorization", h),
        };
        if let Some(ct) = case.content_type {
            req = req.header("content-type", ct);
        }
        if let Some(body) = &case.body {
            let body = match String::from_utf8(body.clone()) {
                Ok(text) => self.fill(&text).into_bytes(),
                Err(_) => body.clone(),
            };
            req = req.body(body);
        }
        Scim::finish(req).await
    }

    /// Send every case; collect each that was answered wrongly, then check nothing was written
    /// and a normal request still succeeds.
    async fn run(&self, cases: Vec<Case>) -> usize {
        let mut wrong = Vec::new();
        for case in &cases {
            let r = self.send(case).await;
            match answered_wrongly(case, &r) {
                Some(why) => {
                    wrong.push(format!("{}: {why}\n    {}", case.name, r.text.chars().take(300).collect::<String>()))
                }
                None => r.assert_error(case.status, case.scim_type),
            }
        }
        assert!(wrong.is_empty(), "{} of {} cases answered wrongly:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
        self.assert_untouched().await;
        cases.len()
    }

    async fn assert_untouched(&self) {
        let now = snapshot(&self.scim, &self.user, &self.group).await;
        assert_eq!(now, self.before, "a hostile request changed the directory");
        let r = self.scim.filter("Users", "userName eq \"VICTIM@contoso.com\"").await;
        assert_eq!(r.status, StatusCode::OK, "the server no longer serves: {}", r.text);
        assert_eq!(r.body["totalResults"], 1);
        assert!(self.server_alive(), "the server process exited");
    }

    fn server_alive(&self) -> bool {
        // The harness owns the child; a crash would have closed the port.
        std::net::TcpStream::connect(("127.0.0.1", self.server.port)).is_ok()
    }
}

#[tokio::test]
async fn malformed_json_is_invalid_syntax_and_writes_nothing() {
    let w = world().await;
    let n = w.run(catalogue::malformed_bodies()).await;
    assert!(n >= 35, "{n}");
}

#[tokio::test]
async fn wrong_types_and_shapes_are_invalid_value_and_write_nothing() {
    let w = world().await;
    let n = w.run(catalogue::wrong_types()).await;
    assert!(n >= 35, "{n}");
}

#[tokio::test]
async fn bad_patch_requests_are_refused_whole() {
    let w = world().await;
    let n = w.run(catalogue::bad_patches()).await;
    assert!(n >= 35, "{n}");
}

#[tokio::test]
async fn bad_filters_and_paging_parameters_are_refused() {
    let w = world().await;
    let n = w.run(catalogue::bad_queries()).await;
    assert!(n >= 30, "{n}");
}

#[tokio::test]
async fn hostile_ids_and_slugs_find_nothing() {
    let w = world().await;
    let n = w.run(routes::hostile_ids()).await;
    assert!(n >= 35, "{n}");
}

#[tokio::test]
async fn wrong_content_types_methods_and_credentials_are_refused() {
    let w = world().await;
    let mut n = w.run(routes::wrong_content_types()).await;
    n += w.run(routes::wrong_methods()).await;
    n += w.run(routes::bad_credentials()).await;
    n += w.run(routes::not_scim()).await;
    assert!(n >= 45, "{n}");
}

#[tokio::test]
async fn the_catalogue_has_at_least_a_hundred_cases() {
    let total = [
        catalogue::malformed_bodies(),
        catalogue::wrong_types(),
        catalogue::bad_patches(),
        catalogue::bad_queries(),
        routes::hostile_ids(),
        routes::wrong_content_types(),
        routes::wrong_methods(),
        routes::bad_credentials(),
        routes::not_scim(),
    ]
    .iter()
    .map(Vec::len)
    .sum::<usize>()
        + 3; // the oversized bodies below
    assert!(total >= 100, "{total}");
    println!("hostile cases: {total}");
}

/// A body over the limit is refused by its declared length, before it is read.
#[tokio::test]
async fn a_ten_megabyte_body_is_413_and_writes_nothing() {
    let w = world().await;
    let name = "x".repeat(10 * 1024 * 1024);
    for (path, body) in [
        ("/Users", json!({"userName": "big@contoso.com", "displayName": name})),
        ("/Groups", json!({"displayName": name})),
        (
            "/Users/{user}",
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": name}]}),
        ),
    ] {
        let method = if path.contains('{') { reqwest::Method::PATCH } else { reqwest::Method::POST };
        let req = w.scim.raw(method, &w.fill(path)).header("content-type", SCIM_JSON).body(body.to_string());
        let r = Scim::finish(req).await;
        r.assert_error(413, None);
    }
    // Just over 1 MiB is refused too; just under is parsed (and here refused for its content).
    let over = format!("{{\"userName\": \"{}\"}}", "o".repeat(MAX_BODY + 1));
    Scim::finish(w.scim.raw(reqwest::Method::POST, "/Users").header("content-type", SCIM_JSON).body(over))
        .await
        .assert_error(413, None);
    w.assert_untouched().await;
}

const MAX_BODY: usize = 1024 * 1024;

/// A body sent without a length (chunked) is cut off at the limit all the same.
#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413() {
    use std::io::{Read, Write};
    let w = world().await;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", w.server.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /source/scim/entra/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        w.scim.token.as_deref().unwrap()
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 64 * 1024];
    // 2 MiB of whitespace; the server may stop reading (and close) before all of it is sent.
    for _ in 0..32 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("urn:ietf:params:scim:api:messages:2.0:Error") && answer.contains("\"status\":\"413\""),
        "{answer}"
    );
    w.assert_untouched().await;
}

/// RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0; these are answers,
/// not errors. Huge values are clamped.
#[tokio::test]
async fn out_of_range_paging_is_clamped_not_refused() {
    let w = world().await;
    let list = |q: &'static str| {
        let scim = w.scim.clone();
        async move {
            let r = scim.get(&format!("/Users?{q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            assert_eq!(r.body["totalResults"], 1, "{q}");
            r.body
        }
    };
    for q in ["startIndex=-5", "startIndex=0", "startIndex=-99999999999999999999999"] {
        let b = list(q).await;
        assert_eq!(b["startIndex"], 1, "{q}");
        assert_eq!(b["itemsPerPage"], 1, "{q}");
    }
    for q in ["count=-1", "count=0", "count=-99999999999999999999999"] {
        let b = list(q).await;
        assert_eq!(b["itemsPerPage"], 0, "{q}");
        assert_eq!(b["Resources"], json!([]), "{q}");
    }
    let b = list("count=99999999999999999999999").await;
    assert_eq!(b["itemsPerPage"], 1);
    let b = list("startIndex=99999999999999999999999").await;
    assert_eq!(b["Resources"], json!([]));
    let b = list("startIndex=2&count=5").await;
    assert_eq!(b["startIndex"], 2);
    assert_eq!(b["itemsPerPage"], 0);
    // SQL in a well-formed filter is just a string that matches nobody.
    let r = w.scim.filter("Users", "userName eq \"' OR 1=1 --\"").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["totalResults"], 0);
    let r = w.scim.filter("Users", "userName eq \"victim@contoso.com\" or userName eq \"\\\" OR 1=1 --\"").await;
    assert_eq!(r.body["totalResults"], 1);
    w.assert_untouched().await;
}
