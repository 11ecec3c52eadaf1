//! Keep-awake (issue 11): the real `scimdesk serve` asks logind for an idle inhibitor lock while
//! requests arrive and gives it back a span after the last. logind cannot run here, so a private
//! bus with a stand-in for logind (tests/keep_awake/fake_logind.rs) takes its place; everything
//! on ScimDesk's side is the real thing: the binary, its D-Bus client, HTTP on 127.0.0.1.
#![cfg(target_os = "linux")]

mod common;
#[path = "keep_awake/fake_logind.rs"]
mod fake_logind;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use fake_logind::{Bus, FakeLogind};
use futures_util::future::join_all;
use reqwest::StatusCode;

/// The span the tests use: 2 s, so the lock is looked at every 250 ms.
const SPAN: &str = "2s";

struct Setup {
    server: Server,
    token: String,
    _data: tempfile::TempDir,
}

/// `scimdesk serve` with one source `entra`, on the system bus `bus_address`, with `args`.
fn serve(bus_address: &str, args: &[&str]) -> Setup {
    let data = tempfile::tempdir().expect("temp dir");
    let token = create_source(data.path(), "Entra ID", "entra");
    let server = Server::serve_with_args(data.path(), &[("DBUS_SYSTEM_BUS_ADDRESS", bus_address)], args);
    Setup { server, token, _data: data }
}

/// A burst as Entra starts a cycle with: queries and creations at once; all must succeed.
async fn burst(scim: &Scim, tag: &str, n: usize) {
    let requests = (0..n).map(|i| async move {
        if i % 2 == 0 {
            scim.get("/Users?count=1").await.status
        } else {
            scim.post("/Users", entra_user(&format!("{tag}-{i}@contoso.com"))).await.status
        }
    });
    for status in join_all(requests).await {
        assert!(status == StatusCode::OK || status == StatusCode::CREATED, "a request failed: {status}");
    }
}

fn no_bus_at(dir: &Path) -> String {
    format!("unix:path={}", dir.join("no-bus-here").display())
}

#[tokio::test]
async fn a_burst_of_requests_takes_one_idle_lock_in_block_mode() {
    let bus = Bus::start();
    let logind = FakeLogind::start(&bus);
    let setup = serve(&bus.address, &["--keep-awake", SPAN]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(logind.count(), 0, "serving with no request must not keep the machine awake");

    burst(&setup.server.client(&setup.token), "burst", 40).await;
    assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1, "no inhibitor lock was asked for");
    std::thread::sleep(Duration::from_millis(500));
    let calls = logind.calls();
    assert_eq!(calls.len(), 1, "one lock for a burst of 40 requests, not one per request");
    let call = &calls[0];
    assert_eq!(call.what, "idle", "an idle lock: a suspend the admin asks for must still happen");
    assert_eq!(call.mode, "block");
    assert_eq!(call.who, "ScimDesk");
    assert!(call.why.contains("\"entra\""), "the reason names the source: {:?}", call.why);
    assert!(call.held(), "the lock was closed while requests had just arrived");
}

#[tokio::test]
async fn the_lock_is_held_while_requests_arrive_and_closed_a_span_after_the_last() {
    let bus = Bus::start();
    let logind = FakeLogind::start(&bus);
    let setup = serve(&bus.address, &["--keep-awake", SPAN]);
    let scim = setup.server.client(&setup.token);

    // Requests every 400 ms for twice the span: one cycle, one lock, held throughout.
    let mut last = Instant::now();
    for i in 0..10 {
        assert_eq!(scim.get("/Users?count=1").await.status, StatusCode::OK);
        last = Instant::now();
        if i == 0 {
            assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1, "no inhibitor lock was asked for");
        }
        assert!(logind.calls()[0].held(), "the lock was closed {i} requests into the cycle");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(logind.count(), 1, "requests closer than the span belong to one cycle and one lock");

    std::thread::sleep(Duration::from_secs(1).saturating_sub(last.elapsed()));
    assert!(logind.calls()[0].held(), "closed one second after the last request, before the span (2 s) ran out");
    assert!(logind.calls()[0].closed_within(Duration::from_secs(4)), "still held 5 s after the last request");
    let after = last.elapsed();
    assert!(after >= Duration::from_millis(1900), "closed {after:?} after the last request, before the span");
    assert_eq!(logind.count(), 1);
}

#[tokio::test]
async fn a_request_after_the_release_takes_a_new_lock() {
    let bus = Bus::start();
    let logind = FakeLogind::start(&bus);
    let setup = serve(&bus.address, &["--keep-awake", SPAN]);
    let scim = setup.server.client(&setup.token);

    burst(&scim, "first", 4).await;
    assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1);
    assert!(logind.calls()[0].closed_within(Duration::from_secs(5)), "the first cycle's lock was never closed");

    burst(&scim, "second", 4).await;
    assert_eq!(logind.wait_for_calls(2, Duration::from_secs(5)), 2, "the next cycle asked for no lock");
    let calls = logind.calls();
    assert!(calls[1].held(), "the new cycle's lock is held");
    assert_eq!((calls[1].what.as_str(), calls[1].mode.as_str()), ("idle", "block"));
    assert!(calls[0].closed_within(Duration::ZERO), "the first lock stays closed");
}

#[tokio::test]
async fn keep_awake_0_never_asks_logind() {
    let bus = Bus::start();
    let logind = FakeLogind::start(&bus);
    let off = serve(&bus.address, &["--keep-awake", "0"]);
    burst(&off.server.client(&off.token), "off", 20).await;
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(logind.count(), 0, "--keep-awake 0 asked logind for a lock");

    // The same bus and stand-in do answer a server that keeps awake: the silence above is the
    // flag's doing.
    let on = serve(&bus.address, &["--keep-awake", SPAN]);
    burst(&on.server.client(&on.token), "on", 2).await;
    assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1);
}

#[tokio::test]
async fn without_a_system_bus_the_server_serves_and_says_once_per_run_why_it_cannot_keep_awake() {
    let dir = tempfile::tempdir().unwrap();
    // A 1 s span: two cycles in a few seconds. Debug lines from ScimDesk show each attempt.
    let setup = serve(&no_bus_at(dir.path()), &["--keep-awake", "1s", "--log", "info,scimdesk=debug"]);
    let scim = setup.server.client(&setup.token);
    let unavailable = |logs: &str| logs.lines().filter(|l| l.contains("keep-awake is unavailable")).count();
    let retried = |logs: &str| logs.lines().filter(|l| l.contains("keep-awake is still unavailable")).count();

    // First cycle: requests over 800 ms, each closer to the last than the span.
    for i in 0..5 {
        burst(&scim, &format!("one-{i}"), 2).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while unavailable(&setup.server.logs()) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The cycle ends a span (and at most two looks of 125 ms) after its last request.
    tokio::time::sleep(Duration::from_millis(1600)).await;

    // Second cycle: the server tries again, once, and says so only in the debug log.
    burst(&scim, "two", 6).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while retried(&setup.server.logs()) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let logs = setup.server.logs();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("keep-awake is unavailable")).collect();
    assert_eq!(lines.len(), 1, "one line says keep-awake is unavailable, not one per cycle or request:\n{logs}");
    assert!(lines[0].contains("INFO"), "said at info level: {}", lines[0]);
    assert!(lines[0].contains("system bus cannot be reached"), "the line says why: {}", lines[0]);
    assert_eq!(retried(&logs), 1, "one more attempt, at the second cycle, and none in between:\n{logs}");
    assert_eq!(scim.get("/Users?count=1").await.status, StatusCode::OK, "the server still serves");
}

#[tokio::test]
async fn a_bus_without_logind_is_tried_again_at_the_next_cycle() {
    let bus = Bus::start();
    let setup = serve(&bus.address, &["--keep-awake", "1s"]);
    let scim = setup.server.client(&setup.token);

    burst(&scim, "before", 4).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !setup.server.logs().contains("keep-awake is unavailable") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logs = setup.server.logs();
    assert!(logs.contains("logind did not give an idle inhibitor lock"), "the reason: no logind on the bus:\n{logs}");
    tokio::time::sleep(Duration::from_millis(1600)).await;

    // logind is there now: the next cycle takes the lock.
    let logind = FakeLogind::start(&bus);
    burst(&scim, "after", 4).await;
    assert_eq!(logind.wait_for_calls(1, Duration::from_secs(5)), 1, "the next cycle did not try again");
    assert!(logind.calls()[0].held());
    assert_eq!(setup.server.logs().matches("keep-awake is unavailable").count(), 1);
}
