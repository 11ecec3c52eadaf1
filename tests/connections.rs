//! Connections a client without a token could hold, and one source's burst against another's
//! requests: half-sent heads and idle keep-alive connections are closed on time, the connection
//! limit makes room, and each source waits only for its own turn.
//!
//! The servers here run with short limits (`serve --header-read-timeout 1s ...`) so that the
//! tests take seconds; the defaults and why they are what they are: `src/server/mod.rs` (Limits).

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A data dir with the sources `entra` and `okta`, served with `args`; the two tokens.
fn serve(args: &[&str]) -> (Server, tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let entra = create_source(dir.path(), "Entra ID", "entra");
    let okta = create_source(dir.path(), "Okta", "okta");
    let server = Server::serve_with_args(dir.path(), &[], args);
    (server, dir, entra, okta)
}

/// Read until the server closes the connection; how long that took (None: not within `limit`).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

fn get_users(slug: &str, token: &str) -> String {
    format!("GET /source/scim/{slug}/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n")
}

/// Read one whole response (headers and the Content-Length body) from a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await.expect("an answer").unwrap();
        assert!(n > 0, "closed before the answer: {}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_read_timeout() {
    let (server, _dir, _, _) = serve(&["--header-read-timeout", "1s", "--idle-timeout", "30s"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    stream.write_all(b"GET /source/scim/entra/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
    let took = closed_within(&mut stream, Duration::from_secs(10)).await.expect("the half-sent head was never cut");
    assert!(took >= Duration::from_millis(900), "cut before the header-read timeout: {took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_kept_until_the_idle_timeout_then_closed() {
    let (server, _dir, entra, _) = serve(&["--header-read-timeout", "1s", "--idle-timeout", "3s"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    stream.write_all(get_users("entra", &entra).as_bytes()).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    // Quiet for longer than the header-read timeout, shorter than the idle one: still open.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(get_users("entra", &entra).as_bytes()).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"), "an idle connection was cut early");
    let took = closed_within(&mut stream, Duration::from_secs(15)).await.expect("the idle connection was never closed");
    assert!(took >= Duration::from_millis(2500), "closed before the idle timeout: {took:?}");
}

#[tokio::test]
async fn at_the_connection_limit_a_connection_that_never_sent_a_request_makes_room() {
    let (server, _dir, entra, _) = serve(&["--max-connections", "4", "--idle-timeout", "60s"]);
    // The oldest connection has served a request; the next three never send one.
    let mut served = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    served.write_all(get_users("entra", &entra).as_bytes()).await.unwrap();
    assert!(read_response(&mut served).await.starts_with("HTTP/1.1 200"));
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(TcpStream::connect(("127.0.0.1", server.port)).await.unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A fifth client, as Entra would come: answered at once, in the place of the oldest silent one.
    let resp = server.client(&entra).get("/Users").await;
    assert_eq!(resp.status.as_u16(), 200);
    assert!(closed_within(&mut silent[0], Duration::from_secs(5)).await.is_some(), "the oldest silent one is open");
    for stream in &mut silent[1..] {
        assert!(closed_within(stream, Duration::from_millis(200)).await.is_none(), "a newer silent one was closed");
    }
    served.write_all(get_users("entra", &entra).as_bytes()).await.unwrap();
    assert!(read_response(&mut served).await.starts_with("HTTP/1.1 200"), "the connection in use was closed");
    assert!(server.logs().contains("connection limit reached"), "no log line says the limit was reached");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let (server, _dir, _, _) = serve(&["--header-read-timeout", "1s", "--idle-timeout", "30s"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let took = closed_within(&mut stream, Duration::from_secs(10)).await.expect("a silent connection was never cut");
    assert!(took >= Duration::from_millis(900), "cut before the header-read timeout: {took:?}");
}

/// Hold one of `slug`'s places: a POST /Users whose body stops half-way. Returns the connection
/// (send the rest with [`finish_body`]: the user is then created).
async fn hold_a_place(port: u16, slug: &str, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /source/scim/{slug}/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 31\r\n\r\n{{\"userName\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

async fn finish_body(stream: &mut TcpStream) -> String {
    stream.write_all(b"\"held@contoso.com\"}").await.unwrap();
    read_response(stream).await
}

#[tokio::test]
async fn one_source_waiting_for_its_turn_does_not_hold_up_another() {
    let (server, _dir, entra, okta) = serve(&["--requests-per-source", "1"]);
    let mut held = hold_a_place(server.port, "entra", &entra).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Entra's next request waits for its source's one place ...
    let mut waiting = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    waiting.write_all(get_users("entra", &entra).as_bytes()).await.unwrap();
    // ... while Okta's is answered.
    let resp = server.client_for("okta", Some(&okta)).get("/Users").await;
    assert_eq!(resp.status.as_u16(), 200);
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buf)).await.is_err(),
        "the second request of a source with one place was answered while the first was in flight"
    );
    // The first request ends (the user is created), and the one that waited is answered.
    let held = finish_body(&mut held).await;
    assert!(held.starts_with("HTTP/1.1 201"), "{held}");
    assert!(read_response(&mut waiting).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_request_that_waits_too_long_for_its_turn_is_a_scim_429_with_retry_after() {
    let (server, _dir, entra, _) = serve(&["--requests-per-source", "1", "--queue-timeout", "1s"]);
    let mut held = hold_a_place(server.port, "entra", &entra).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resp = server.client(&entra).get("/Users").await;
    resp.assert_error(429, None);
    assert_eq!(resp.headers.get("retry-after").map(|v| v.to_str().unwrap()), Some("1"));
    let held = finish_body(&mut held).await;
    assert!(held.starts_with("HTTP/1.1 201"), "{held}");
}

#[tokio::test]
async fn a_body_that_stops_half_way_is_a_scim_408_and_frees_the_sources_place() {
    let (server, _dir, entra, _) = serve(&["--requests-per-source", "1", "--body-read-timeout", "1s"]);
    let mut held = hold_a_place(server.port, "entra", &entra).await;
    let answer = read_response(&mut held).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
    // The source's one place is free again.
    assert_eq!(server.client(&entra).get("/Users").await.status.as_u16(), 200);
}
