//! Secrets and exposure (issue 5): with logging at its most verbose, a whole provisioning session
//! leaves the token in no log line, no activity row and no byte of the database or its WAL;
//! failed authentication is recorded without the presented token; the server binds loopback by
//! default, warns when bound to all interfaces, and its port serves nothing but SCIM.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// `scimdesk --log <level> serve --bind <addr>` with stderr in a file; killed on drop.
struct Serving {
    child: Child,
    first_line: String,
    stderr: PathBuf,
}

impl Serving {
    fn start(data_dir: &Path, bind: &str, log: Option<&str>) -> Serving {
        let stderr = data_dir.join(format!("stderr-{}.log", bind.replace([':', '.'], "_")));
        let file = std::fs::File::create(&stderr).unwrap();
        let mut cmd = Command::new(bin());
        cmd.env_remove("SCIMDESK_LOG").env_remove("RUST_LOG").env_remove("SCIMDESK_BIND");
        if let Some(level) = log {
            // Both ways of asking: the global flag and the environment.
            cmd.arg("--log").arg(level).env("SCIMDESK_LOG", level);
        }
        cmd.arg("--data-dir").arg(data_dir).args(["serve", "--bind", bind]);
        let mut child = cmd.stdout(Stdio::piped()).stderr(file).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first_line = lines.next().expect("serve printed nothing").unwrap();
        std::thread::spawn(move || for _ in lines {});
        Serving { child, first_line, stderr }
    }

    fn port(&self) -> u16 {
        self.first_line.rsplit(':').next().unwrap().trim().parse().unwrap()
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scim_for(port: u16, token: &str) -> Scim {
    Scim {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}/source/scim/entra/v2"),
        token: Some(token.into()),
    }
}

/// A whole Entra cycle: test connection, users, groups, memberships, updates, deletes, discovery.
async fn provisioning_session(scim: &Scim) {
    assert_eq!(scim.filter("Users", "userName eq \"8f1c0d2e\"").await.status, StatusCode::OK);
    let alice = scim.create_user("alice@contoso.com").await;
    let bob = scim.post("/Users", entra_user_legacy("bob@contoso.com")).await.body["id"].as_str().unwrap().to_string();
    let group = scim.create_group("Sales").await;
    let ops = json!([{"op": "Add", "path": "members", "value": [{"value": alice}, {"value": bob}]}]);
    assert!(scim.patch_ops(&format!("/Groups/{group}"), ops).await.status.is_success());
    let ops =
        json!([{"op": "Replace", "path": "active", "value": "False"}, {"op": "add", "path": "title", "value": "Lead"}]);
    assert_eq!(scim.patch_ops(&format!("/Users/{alice}"), ops).await.status, StatusCode::OK);
    assert_eq!(scim.put(&format!("/Users/{bob}"), entra_user("bob@contoso.com")).await.status, StatusCode::OK);
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/Groups?excludedAttributes=members"] {
        assert_eq!(scim.get(path).await.status, StatusCode::OK, "{path}");
    }
    scim.post("/Users", json!({"userName": 5})).await.assert_error(400, Some("invalidValue"));
    assert_eq!(scim.delete(&format!("/Users/{bob}")).await.status, StatusCode::NO_CONTENT);
}

fn activity_rows(db: &Path) -> Vec<(String, String, i64, String)> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT method, path, status, summary FROM activity ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_trace_logged_session_leaves_the_token_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, create_err) = cli_env(
        dir.path(),
        &["--log", "trace", "source", "create", "Entra ID", "--slug", "entra"],
        &[("SCIMDESK_LOG", "trace")],
        &[],
    );
    assert!(ok, "{create_err}");
    let token = token_in(&out);
    let server = Serving::start(dir.path(), "127.0.0.1:0", Some("trace"));
    let scim = scim_for(server.port(), &token);
    provisioning_session(&scim).await;

    // Failed authentication: a wrong token of the right shape, and the real token's hex under another scheme.
    let wrong = format!("scimdesk_{}", "ab".repeat(32));
    let r = Scim::finish(reqwest::Client::new().get(format!("{}/Users", scim.base)).bearer_auth(&wrong)).await;
    r.assert_error(401, None);
    let basic = Scim::finish(
        reqwest::Client::new().get(format!("{}/Groups", scim.base)).header("authorization", format!("Basic {token}")),
    )
    .await;
    basic.assert_error(401, None);

    // Activity rows are written behind the answers: wait for the refusals to land.
    let db = dir.path().join("scimdesk.db");
    let log = dir.path().join("activity.db");
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = activity_rows(&log);
        if rows.iter().filter(|r| r.2 == 401).count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused: Vec<_> = rows.iter().filter(|r| r.2 == 401).collect();
    assert_eq!(refused.len(), 2, "failed authentication is recorded: {rows:?}");
    assert!(refused.iter().all(|r| r.3.starts_with("refused:")), "{refused:?}");
    let hex = &token["scimdesk_".len()..];
    for row in &rows {
        let text = format!("{row:?}");
        for secret in [token.as_str(), hex, wrong.as_str(), &wrong["scimdesk_".len()..]] {
            assert!(!text.contains(secret), "an activity row holds a token: {text}");
        }
    }
    assert!(rows.len() >= 15, "the session was recorded: {} rows", rows.len());

    let logs = server.logs();
    // One line per request at least, and trace-level lines: the most verbose logging there is.
    let request_lines = logs.lines().filter(|l| l.contains("/source/scim/entra/v2")).count();
    assert!(request_lines >= 15, "{request_lines} request lines in:\n{logs}");
    assert!(logs.contains("TRACE"), "not at trace level:\n{logs}");
    for (n, line) in logs.lines().chain(create_err.lines()).enumerate() {
        for secret in [token.as_str(), hex, wrong.as_str()] {
            assert!(!line.contains(secret), "log line {n} holds a token: {line}");
        }
        // The Authorization header's value in any scheme (the word itself appears in advice).
        for scheme in ["bearer scimdesk_", "basic scimdesk_"] {
            assert!(!line.to_ascii_lowercase().contains(scheme), "log line {n} holds a header: {line}");
        }
    }

    // The raw bytes of the database and the activity log, their WALs and shared memory: no
    // token, in any form we send it.
    for (file, suffix) in [&db, &log].into_iter().flat_map(|f| ["", "-wal", "-shm"].map(|s| (f, s))) {
        let path = PathBuf::from(format!("{}{suffix}", file.display()));
        let Ok(bytes) = std::fs::read(&path) else { continue };
        for secret in [token.as_str(), hex, wrong.as_str()] {
            assert!(!contains(&bytes, secret), "{} holds a token", path.display());
        }
    }
    // The keychain holds it, so the CLI can still print it.
    let (ok, shown, _) = cli(dir.path(), &["source", "token", "entra"]);
    assert!(ok && shown.trim() == token);
}

#[test]
fn the_default_bind_is_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli_env(dir.path(), &["config", "show"], &[], &["SCIMDESK_BIND"]);
    assert!(ok, "{err}");
    let bind = out.lines().find(|l| l.starts_with("bind:")).expect("a bind line");
    assert!(bind.ends_with("127.0.0.1:7643"), "{bind}");
    assert_eq!(scimdesk::settings::DEFAULT_BIND, "127.0.0.1:7643");
}

#[test]
fn binding_all_interfaces_warns_and_loopback_does_not() {
    let dir = tempfile::tempdir().unwrap();
    create_source(dir.path(), "Entra ID", "entra");
    // No traffic is sent to it: the warning is printed before the server starts.
    let open = Serving::start(dir.path(), "0.0.0.0:0", None);
    assert!(open.first_line.contains("0.0.0.0:"), "{}", open.first_line);
    let logs = open.logs();
    assert!(logs.contains("WARN") && logs.contains("other machines can reach"), "no warning: {logs}");
    drop(open);
    let local = Serving::start(dir.path(), "127.0.0.1:0", None);
    assert!(!local.logs().contains("WARN"), "{}", local.logs());
}

#[tokio::test]
async fn the_scim_port_serves_nothing_but_scim() {
    let (server, token) = Server::start();
    let root = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    for path in
        ["/", "/index.html", "/api", "/api/sources", "/assets/index.js", "/source/scim/entra", "/tauri://localhost"]
    {
        for auth in [None, Some(token.as_str())] {
            let mut req = http.get(format!("{root}{path}"));
            if let Some(t) = auth {
                req = req.bearer_auth(t);
            }
            let r = Scim::finish(req).await;
            r.assert_error(404, None);
            assert!(!r.text.contains("<html"), "{path}: {}", r.text);
        }
    }
}
