//! One process serves a data folder; another on the same folder (the window beside the
//! background service) sees who serves it and follows its activity as events. The server is the
//! real `scimdesk serve` binary, reached over HTTP.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use scimdesk::{Change, Engine, Server as ServingProcess, ServerKind};
use tokio::sync::broadcast::error::TryRecvError;

#[tokio::test]
async fn a_second_process_sees_who_serves_and_follows_the_activity_it_writes() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_user("before@contoso.com").await;
    // Rows are written within 100 ms; this one is in the log before anyone follows.
    tokio::time::sleep(Duration::from_millis(400)).await;

    let engine = Engine::open(&server.data_dir).await.unwrap();
    assert_eq!(
        engine.serving_process().unwrap(),
        Some(Some(ServingProcess {
            kind: ServerKind::Service,
            pid: server.child.id(),
            listening: Some(format!("127.0.0.1:{}", server.port)),
        }))
    );
    let mut events = engine.subscribe();
    let following = engine.activity().follow(Duration::from_millis(50)).unwrap();

    let sent = Instant::now();
    scim.create_user("ada@contoso.com").await;
    let event = tokio::time::timeout(Duration::from_secs(2), events.recv()).await.expect("an event").unwrap();
    assert!(sent.elapsed() < Duration::from_secs(1), "followed within a second: {:?}", sent.elapsed());
    assert_eq!(event.source, "entra");
    assert_eq!(event.change, Change::UserCreated);
    assert_eq!((event.method.as_str(), event.status), ("POST", 201));
    assert!(event.summary.contains("ada@contoso.com"), "{}", event.summary);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)), "the row from before following is not replayed");
    assert_eq!(engine.sources().counters("entra").unwrap().requests.requests_last_minute, 1, "counters follow too");

    // A burst arrives whole and in order.
    for n in 0..50 {
        scim.create_user(&format!("user{n}@contoso.com")).await;
    }
    let mut names = Vec::new();
    while names.len() < 50 {
        let event = tokio::time::timeout(Duration::from_secs(2), events.recv()).await.expect("the burst").unwrap();
        names.push(event.summary);
    }
    let expected: Vec<String> = (0..50).map(|n| format!("user{n}@contoso.com")).collect();
    assert!(names.iter().zip(&expected).all(|(summary, name)| summary.contains(name.as_str())), "{names:?}");

    drop(following);
    scim.create_user("after@contoso.com").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)), "no event once following stopped");
}

#[tokio::test]
async fn a_serve_started_beside_another_waits_for_it_and_then_serves() {
    let (mut first, token) = Server::start();
    let log = first.data_dir.join("second.log");
    let mut second = Command::new(bin())
        .arg("--data-dir")
        .arg(&first.data_dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        // As tests/common does: never the machine's real system bus (keep-awake).
        .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", first.data_dir.join("no-system-bus").display()))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let stdout = second.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });

    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).unwrap().contains("waiting") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = std::fs::read_to_string(&log).unwrap();
    let expected = format!("another scimdesk serve (pid {}, on 127.0.0.1:{}) serves", first.child.id(), first.port);
    assert!(said.contains(&expected) && said.contains("waiting, and serving as soon as it stops"), "{said}");
    assert!(lines_rx.recv_timeout(Duration::from_millis(500)).is_err(), "the second does not listen meanwhile");
    assert!(second.try_wait().unwrap().is_none(), "it waits rather than exits");

    first.stop();
    let listening = lines_rx.recv_timeout(Duration::from_secs(10)).expect("the second serves once the first stopped");
    let port: u16 = listening.rsplit(':').next().unwrap().parse().unwrap();
    let answer = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/source/scim/entra/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let _ = second.kill();
    let _ = second.wait();
}
