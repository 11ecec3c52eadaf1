//! Serving handed from one program to the next (the desktop app's window and `scimdesk serve
//! --tray` replace each other with exec on Linux): the listening socket and the serving lock pass
//! on, connections that arrive in between wait for the next program instead of being refused,
//! and the next program serves the same folder on the same address. The tray program is the real
//! `scimdesk` binary, given the descriptors as the app gives them.
#![cfg(target_os = "linux")]

mod common;

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use scimdesk::handover::{LISTENER_ENV, LOCK_ENV};
use scimdesk::server::Limits;
use scimdesk::{Claim, Engine, Server as ServingProcess, ServerKind};

#[tokio::test]
async fn connections_that_arrive_between_two_servers_wait_for_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    let token = engine.sources().create("Entra ID", Some("entra")).await.unwrap().token;
    let token = token.expose_secret().to_owned();
    let first = scimdesk::server::start(engine.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = first.local_addr();
    let listener = first.stop_keeping_listener().await;

    // Sent while nobody serves: it connects (the socket still listens) and waits.
    let url = format!("http://{addr}/source/scim/entra/v2/Users?count=1");
    let request = tokio::spawn(reqwest::Client::new().get(&url).bearer_auth(&token).send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!request.is_finished(), "nobody serves: the request waits");

    let next = scimdesk::server::start_on(engine.clone(), listener, Limits::default()).await.unwrap();
    assert_eq!(next.local_addr(), addr, "the same address");
    let answer = tokio::time::timeout(Duration::from_secs(5), request).await.expect("answered").unwrap().unwrap();
    assert_eq!(answer.status(), 200, "the next server answers what waited");

    next.stop().await;
    let refused = reqwest::Client::new().get(&url).bearer_auth(&token).send().await;
    assert!(refused.is_err_and(|e| e.is_connect()), "a plain stop closes the socket");
}

#[tokio::test]
async fn the_tray_program_serves_the_folder_on_the_socket_and_lock_it_is_handed() {
    let dir = tempfile::tempdir().unwrap();
    let token = create_source(dir.path(), "Entra ID", "entra");
    let engine = Engine::open(dir.path()).await.unwrap();
    let Claim::Granted(lock) = engine.claim_serving(ServerKind::Window).unwrap() else { panic!("a free folder") };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let lock = lock.into_fd();
    let fds = [listener.as_raw_fd(), lock.as_raw_fd()];

    let mut command = Command::new(bin());
    command
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--tray"])
        .env(LISTENER_ENV, fds[0].to_string())
        .env(LOCK_ENV, fds[1].to_string())
        // No desktop session here: it serves without an icon, and says so in its log.
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dir.path().join("no-session-bus").display()))
        .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", dir.path().join("no-system-bus").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: fcntl is async-signal-safe; the descriptors are open in this process.
    unsafe {
        command.pre_exec(move || {
            for fd in fds {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut tray = command.spawn().unwrap();
    // Only the tray program holds them now.
    drop(listener);
    drop(lock);

    let url = format!("http://{addr}/source/scim/entra/v2/Users?count=1");
    let mut status = 0;
    for _ in 0..100 {
        if let Ok(resp) = reqwest::Client::new().get(&url).bearer_auth(&token).send().await {
            status = resp.status().as_u16();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "the tray program serves on the handed socket");
    let serving = ServingProcess { kind: ServerKind::Tray, pid: tray.id(), listening: Some(addr.to_string()) };
    assert_eq!(engine.serving_process().unwrap(), Some(Some(serving)), "it holds the lock and says so");
    assert!(matches!(engine.claim_serving(ServerKind::Service).unwrap(), Claim::Held(_)));

    let _ = Command::new("kill").args(["-TERM", &tray.id().to_string()]).status();
    let exit = tray.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert_eq!(engine.serving_process().unwrap(), None, "the folder is free after it stops");
    let log: String = std::fs::read_dir(dir.path().join("logs"))
        .expect("the tray program writes the app's log")
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(log.contains("no desktop session bus"), "{log}");
    assert!(log.contains("SCIM server stopped"), "a graceful stop: {log}");
}
