//! The engine on PostgreSQL: what only a shared database has. Data outlives `serve`, the CLI
//! changes what running servers accept within a second, every instance's requests land in one
//! activity log, an outage of the database is a 503 that heals by itself, an unreachable
//! database is a clear error at start, and TLS to the database is verified.
//!
//! Every test needs the throwaway cluster of scripts/with-postgres.sh; scripts/test-postgres.sh
//! runs them with `--ignored`. Real binary, real HTTP on 127.0.0.1, real PostgreSQL.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The outage test stops the cluster every other test here is using: it takes this lock
/// exclusively, the others share it, so they never run during the outage.
static CLUSTER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The contract: a change made through the CLI takes effect on every serving instance within
/// 1 second. The 200 ms on top are for the requests that observe it (as tests/auth.rs allows).
const PROPAGATION: Duration = Duration::from_millis(1200);

/// A data dir whose source `entra` lives in the database `url`; the dir and the token.
fn source_on(url: &str) -> (TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, out, err) =
        cli_env(dir.path(), &["source", "create", "Entra ID", "--slug", "entra"], &[(DATABASE_ENV, url)], &[]);
    assert!(ok, "source create on {url} failed: {err}");
    (dir, token_in(&out))
}

/// Run a scimdesk command on the database `url` through `data_dir`.
fn cli_on(data_dir: &Path, url: &str, args: &[&str]) -> (bool, String, String) {
    cli_env(data_dir, args, &[(DATABASE_ENV, url)], &[])
}

/// The name of the database in `url`.
fn database_name_of(url: &str) -> &str {
    let name = url.rsplit('/').next().expect("a database URL");
    name.split('?').next().unwrap_or(name)
}

/// What a command that must end by itself did: its exit status (None: still running at the
/// deadline, then killed), its output, and how long it ran.
struct Finished {
    status: Option<std::process::ExitStatus>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Run `cmd` for at most `limit` (a `serve` that should refuse to start would otherwise run on).
/// Its output goes to files, so it never blocks on a full pipe.
fn run_for_at_most(mut cmd: Command, limit: Duration) -> Finished {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let stdout = std::fs::File::create(&out_path).expect("stdout file");
    let stderr = std::fs::File::create(&err_path).expect("stderr file");
    let start = Instant::now();
    let mut child = cmd.stdin(Stdio::null()).stdout(stdout).stderr(stderr).spawn().expect("spawn scimdesk");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Finished {
        status,
        took: start.elapsed(),
        stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
    }
}

/// `scimdesk --data-dir DIR ARGS...` on the database `url`, not yet run.
fn scimdesk_on(data_dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--data-dir").arg(data_dir).args(args).env(DATABASE_ENV, url);
    // Keep-awake must never reach the machine's own system bus (as in the harness).
    cmd.env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", data_dir.join("no-system-bus").display()));
    cmd
}

/// `sh -c "$SCIMDESK_TEST_PG_CTL <action>"`: stop or start the test cluster.
fn pg_ctl(action: &str) {
    let line = require_env("SCIMDESK_TEST_PG_CTL");
    let out =
        Command::new("sh").arg("-c").arg(format!("{line} {action}")).stdin(Stdio::null()).output().expect("run pg_ctl");
    assert!(
        out.status.success(),
        "pg_ctl {action} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cluster stopped for the outage test; started again when dropped, also when the test
/// fails half-way, so the tests after it find their database.
struct ClusterStopped {
    started: bool,
}

impl ClusterStopped {
    fn stop() -> ClusterStopped {
        pg_ctl("stop -m fast");
        ClusterStopped { started: false }
    }

    fn start(mut self) {
        pg_ctl("start");
        self.started = true;
    }
}

impl Drop for ClusterStopped {
    fn drop(&mut self) {
        if !self.started {
            pg_ctl("start");
        }
    }
}

/// A SCIM client for `slug` on `server` whose requests give up after 30 s (a request that hangs
/// on a lost database must fail the test, not hang it).
fn client_with_timeout(server: &Server, token: &str) -> Scim {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
    Scim { http, base: server.base("entra"), token: Some(token.to_string()) }
}

/// One line of `scimdesk activity`: "<time>  <method> <path>  <status>  <summary>".
#[derive(Debug)]
struct ActivityRow {
    method: String,
    path: String,
    status: u16,
}

fn activity_rows(stdout: &str) -> Vec<ActivityRow> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split("  ").map(str::trim).filter(|p| !p.is_empty()).collect();
            let parsed = (parts.len() >= 3)
                .then(|| {
                    let (method, path) = parts[1].split_once(' ')?;
                    let status = parts[2].parse().ok()?;
                    Some(ActivityRow { method: method.into(), path: path.into(), status })
                })
                .flatten();
            parsed.unwrap_or_else(|| {
                panic!("activity line not in the form \"<time>  <method> <path>  <status>  <summary>\": {line:?}")
            })
        })
        .collect()
}

/// A user's or group's JSON with each server's own address taken out (meta.location and $ref
/// carry the address that was asked), so two instances' answers compare equal.
fn without_addresses(body: &Value, servers: &[&Server]) -> Value {
    let mut text = body.to_string();
    for s in servers {
        text = text.replace(&format!("127.0.0.1:{}", s.port), "HOST");
    }
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn the_directory_outlives_serve_and_any_data_dir_serves_it() {
    let _shared = CLUSTER.read().await;
    let url = fresh_database();
    let (dir, token) = source_on(&url);
    let mut first = Server::serve_database(dir.path(), &url);
    let scim = first.client(&token);
    let user = scim.create_user("keep@contoso.com").await;
    let group = scim.create_group("Keepers").await;
    let r = scim
        .patch_ops(&format!("/Groups/{group}"), json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let before_user = scim.get(&format!("/Users/{user}")).await.body;
    let before_group = scim.get(&format!("/Groups/{group}")).await.body;
    first.stop();

    // The same data dir again, and a data dir that never saw the source: the data is in the
    // database, not in the folder. The second is told its database by the options instead of
    // the environment, with a pool of two connections.
    let elsewhere = tempfile::tempdir().unwrap();
    for (data_dir, by_option) in [(dir.path(), false), (elsewhere.path(), true)] {
        let server = if by_option {
            Server::serve_with_args(data_dir, &[], &["--database", &url, "--database-pool-size", "2"])
        } else {
            Server::serve_database(data_dir, &url)
        };
        let scim = server.client(&token);
        let u = scim.get(&format!("/Users/{user}")).await;
        assert_eq!(u.status, StatusCode::OK, "the user is gone after a restart: {}", u.text);
        let g = scim.get(&format!("/Groups/{group}")).await;
        assert_eq!(g.status, StatusCode::OK, "{}", g.text);
        assert_eq!(without_addresses(&u.body, &[&first, &server]), without_addresses(&before_user, &[&first, &server]));
        assert_eq!(
            without_addresses(&g.body, &[&first, &server]),
            without_addresses(&before_group, &[&first, &server])
        );
        let list = scim.filter("Users", "userName eq \"KEEP@contoso.com\"").await;
        assert_eq!(list.body["totalResults"], 1, "{}", list.text);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn cli_changes_reach_every_serving_instance_within_a_second() {
    let _shared = CLUSTER.read().await;
    let url = fresh_database();
    let (cli_dir, old) = source_on(&url);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Server::serve_database(dir_a.path(), &url);
    let b = Server::serve_database(dir_b.path(), &url);
    for s in [&a, &b] {
        assert_eq!(s.client(&old).get("/Users").await.status, StatusCode::OK);
    }

    // Rotation without overlap, through a third data dir: the database is the only way the
    // servers can learn of it.
    let (ok, out, err) = cli_on(cli_dir.path(), &url, &["source", "rotate", "entra"]);
    assert!(ok, "source rotate failed: {err}");
    let new = token_in(&out);
    assert_ne!(new, old);
    for s in [&a, &b] {
        let took = eventually(PROPAGATION, || async {
            s.client(&old).get("/Users").await.status == StatusCode::UNAUTHORIZED
                && s.client(&new).get("/Users").await.status == StatusCode::OK
        })
        .await;
        assert!(
            took.is_some(),
            "instance on port {}: old token not refused or new one not accepted within 1 s",
            s.port
        );
        let r = s.client(&old).get("/Users").await;
        r.assert_error(401, None);
        assert!(r.headers.get("www-authenticate").is_some_and(|v| v.to_str().unwrap().starts_with("Bearer")));
    }

    // Disabled: refused as tests/auth.rs expects (401 naming the reason); enabled again: served.
    let (ok, _, err) = cli_on(cli_dir.path(), &url, &["source", "disable", "entra"]);
    assert!(ok, "source disable failed: {err}");
    for s in [&a, &b] {
        let took =
            eventually(PROPAGATION, || async { s.client(&new).get("/Users").await.status == StatusCode::UNAUTHORIZED })
                .await;
        assert!(took.is_some(), "instance on port {}: disabled source still served after 1 s", s.port);
        let r = s.client(&new).get("/Users").await;
        r.assert_error(401, None);
        assert!(r.body["detail"].as_str().unwrap().contains("disabled"), "{}", r.text);
    }
    let (ok, _, err) = cli_on(cli_dir.path(), &url, &["source", "enable", "entra"]);
    assert!(ok, "source enable failed: {err}");
    for s in [&a, &b] {
        let took =
            eventually(PROPAGATION, || async { s.client(&new).get("/Users").await.status == StatusCode::OK }).await;
        assert!(took.is_some(), "instance on port {}: enabled source still refused after 1 s", s.port);
    }

    // A source created while they serve is served by both within a second.
    let (ok, out, err) =
        cli_on(cli_dir.path(), &url, &["source", "create", "Okta", "--slug", "okta", "--provider", "okta"]);
    assert!(ok, "source create failed: {err}");
    let okta = token_in(&out);
    for s in [&a, &b] {
        let took = eventually(PROPAGATION, || async {
            s.client_for("okta", Some(&okta)).get("/Users").await.status == StatusCode::OK
        })
        .await;
        assert!(took.is_some(), "instance on port {}: a new source not served within 1 s", s.port);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn activity_shows_the_requests_of_every_instance() {
    let _shared = CLUSTER.read().await;
    let url = fresh_database();
    let (dir_a, token) = source_on(&url);
    let dir_b = tempfile::tempdir().unwrap();
    let cli_dir = tempfile::tempdir().unwrap();
    let a = Server::serve_database(dir_a.path(), &url);
    let b = Server::serve_database(dir_b.path(), &url);
    a.client(&token).create_user("seen@contoso.com").await;
    // Later than A's request by more than any clock resolution, so "newest first" is decidable.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    b.client(&token).get("/Users/no-such-user").await.assert_error(404, None);

    let is_a = |r: &ActivityRow| r.method == "POST" && r.path.ends_with("/Users") && r.status == 201;
    let is_b = |r: &ActivityRow| r.method == "GET" && r.path.ends_with("/Users/no-such-user") && r.status == 404;
    // Rows are written in batches: give them a moment.
    let mut last = String::new();
    let found = eventually(Duration::from_secs(5), || {
        let (ok, out, err) = cli_on(cli_dir.path(), &url, &["activity", "entra"]);
        assert!(ok, "scimdesk activity failed: {err}");
        last = out.clone();
        let rows = activity_rows(&out);
        let found = rows.iter().any(is_a) && rows.iter().any(is_b);
        async move { found }
    })
    .await;
    assert!(found.is_some(), "the requests of instance A (POST /Users 201) and B (GET 404) are not both in:\n{last}");
    let rows = activity_rows(&last);
    let (pos_a, pos_b) = (rows.iter().position(is_a).unwrap(), rows.iter().position(is_b).unwrap());
    assert!(pos_b < pos_a, "newest first: B's later request must come before A's:\n{last}");

    let (ok, out, err) = cli_on(cli_dir.path(), &url, &["activity", "entra", "--limit", "1"]);
    assert!(ok, "{err}");
    let rows = activity_rows(&out);
    assert_eq!(rows.len(), 1, "--limit 1: {out}");
    assert!(is_b(&rows[0]), "--limit 1 shows the newest row, B's request: {out}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn a_database_outage_is_503_with_retry_after_and_heals_without_restarting_serve() {
    // Alone: the cluster goes down for every database on it.
    let _alone = CLUSTER.write().await;
    let url = fresh_database();
    let (dir, token) = source_on(&url);
    // A short wait for a connection, so each refused request takes 2 s rather than the default 5.
    let mut server =
        Server::serve_with_args(dir.path(), &[(DATABASE_ENV, &url), ("SCIMDESK_DATABASE_TIMEOUT", "2s")], &[]);
    let scim = client_with_timeout(&server, &token);
    let before = scim.create_user("before@contoso.com").await;
    // serve still reads the database for a moment after it prints its address (its sources,
    // then the other instances' activity), and fails to start if that read fails: this test is
    // about a database lost while serving, so it lets the start finish first.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let stopped = ClusterStopped::stop();
    let requests = [
        (Method::GET, "/Users".to_string(), None),
        (Method::GET, format!("/Users/{before}"), None),
        (Method::POST, "/Users".to_string(), Some(entra_user("during@contoso.com"))),
        (
            Method::PATCH,
            format!("/Users/{before}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
        ),
        (Method::GET, "/Groups".to_string(), None),
    ];
    for (method, path, body) in requests {
        let sent = Instant::now();
        let mut req = scim.raw(method.clone(), &path);
        if let Some(b) = body {
            req = req.header("content-type", SCIM_JSON).body(b.to_string());
        }
        // Not Scim::finish: a connection closed without an answer must show the server's side.
        let resp = req.send().await.unwrap_or_else(|e| {
            let alive = server.child.try_wait().ok().flatten().is_none();
            panic!("{method} {path}: no answer ({e:?}); serve alive: {alive}; its log:\n{}", server.logs())
        });
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let r = Resp { status, headers, body, text };
        r.assert_error(503, None);
        let retry_after = r.headers.get("retry-after").map(|v| v.to_str().unwrap_or("").to_string());
        assert!(
            retry_after.as_deref().is_some_and(|v| v.trim().parse::<u64>().is_ok()),
            "{method} {path}: 503 without a Retry-After in seconds: {retry_after:?}"
        );
        assert!(sent.elapsed() < Duration::from_secs(10), "{method} {path}: answered only after {:?}", sent.elapsed());
    }
    assert!(server.child.try_wait().expect("wait").is_none(), "serve exited without its database:\n{}", server.logs());

    stopped.start();
    let healed =
        eventually(Duration::from_secs(10), || async { scim.get("/Users").await.status == StatusCode::OK }).await;
    assert!(healed.is_some(), "serve still failing 10 s after the database came back:\n{}", server.logs());
    let r = scim.get(&format!("/Users/{before}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], true, "the PATCH refused during the outage changed nothing");
    scim.create_user("after@contoso.com").await;
    let r = scim.filter("Users", "userName eq \"during@contoso.com\"").await;
    assert_eq!(r.body["totalResults"], 0, "the create refused during the outage wrote nothing: {}", r.text);
    assert!(server.child.try_wait().expect("wait").is_none());
    server.stop();
}

#[test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
fn an_unreachable_database_is_a_clear_error_at_start() {
    require_postgres();
    // A port nothing listens on: connections are refused at once.
    let port = free_port();
    let password = "never-printed-7f3a";
    let url = format!("postgres://scimdesk:{password}@127.0.0.1:{port}/scimdesk");
    let dir = tempfile::tempdir().unwrap();
    for args in [&["serve", "--bind", "127.0.0.1:0"][..], &["source", "list"], &["activity", "entra"]] {
        let done = run_for_at_most(scimdesk_on(dir.path(), &url, args), Duration::from_secs(30));
        let Some(status) = done.status else {
            panic!("{args:?} on an unreachable database still running after 30 s; stdout: {}", done.stdout)
        };
        assert!(!status.success(), "{args:?} on an unreachable database succeeded: {}", done.stdout);
        // The default database timeout is 5 s; a refused connection needs no waiting at all.
        assert!(done.took < Duration::from_secs(8), "{args:?}: took {:?} to give up", done.took);
        let err = &done.stderr;
        assert!(
            err.contains(&format!("127.0.0.1:{port}")),
            "{args:?}: stderr does not name the database host:port: {err}"
        );
        assert!(err.to_lowercase().contains("reach"), "{args:?}: stderr does not say it cannot be reached: {err}");
        assert!(
            !err.contains(password) && !done.stdout.contains(password),
            "{args:?}: the password was printed: {err}"
        );
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn tls_to_the_database_is_verified_against_the_given_ca() {
    let _shared = CLUSTER.read().await;
    let base = require_postgres();
    let ca = require_env("SCIMDESK_TEST_POSTGRES_CA");
    let plain = fresh_database();
    let url = format!("{plain}?sslmode=verify-full&sslrootcert={ca}");
    let (dir, token) = source_on(&url);
    let server = Server::serve_database(dir.path(), &url);
    let scim = server.client(&token);
    let id = scim.create_user("tls@contoso.com").await;
    assert_eq!(scim.get(&format!("/Users/{id}")).await.status, StatusCode::OK);
    // Ask the cluster: every connection the server holds to its database is TLS.
    let name = database_name_of(&plain);
    let sql = format!(
        "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) FROM pg_stat_activity a \
         JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '{name}'"
    );
    let out =
        Command::new("psql").args(["-X", "-A", "-t", "-d"]).arg(format!("{base}/postgres")).args(["-c", &sql]).output();
    let out = out.expect("run psql");
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    let counts = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (tls, plain_count) = counts.split_once('|').expect("two counts");
    assert!(tls.parse::<u32>().unwrap() >= 1 && plain_count == "0", "connections (TLS|plain): {counts}");

    // A CA that did not sign the cluster's certificate: refused, and the error says why.
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other-ca.pem");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=Unrelated test CA", "-addext", "basicConstraints=critical,CA:TRUE"])
        .arg("-keyout")
        .arg(other.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .expect("run openssl");
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let wrong = format!("{plain}?sslmode=verify-full&sslrootcert={}", other_ca.display());
    let wrong_dir = tempfile::tempdir().unwrap();
    for args in [&["source", "list"][..], &["serve", "--bind", "127.0.0.1:0"]] {
        let done = run_for_at_most(scimdesk_on(wrong_dir.path(), &wrong, args), Duration::from_secs(30));
        let status = done.status.unwrap_or_else(|| panic!("{args:?} with an unrelated CA still running after 30 s"));
        assert!(!status.success(), "{args:?} with an unrelated CA succeeded: {}", done.stdout);
        let err = done.stderr.to_lowercase();
        assert!(
            err.contains("certificate") || err.contains("tls"),
            "{args:?}: the error does not say the certificate was not trusted: {}",
            done.stderr
        );
    }
}
