//! Test harness: the real `scimdesk` binary serving on 127.0.0.1:0 over a fresh data dir,
//! and a small SCIM client. Every test talks HTTP to a real server and a real SQLite file.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const SCIM_JSON: &str = "application/scim+json";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimdesk")
}

/// Run a CLI command against `data_dir`; returns (success, stdout, stderr).
pub fn cli(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    cli_env(data_dir, args, &[], &[])
}

/// Like [`cli`], with extra environment variables set and some removed.
pub fn cli_env(data_dir: &Path, args: &[&str], set: &[(&str, &str)], remove: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(bin());
    cmd.arg("--data-dir").arg(data_dir).args(args);
    for (k, v) in set {
        cmd.env(k, v);
    }
    for k in remove {
        cmd.env_remove(k);
    }
    let out = cmd.output().expect("run scimdesk");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The token line printed by `source create` / `source rotate`.
pub fn token_in(stdout: &str) -> String {
    stdout.lines().find(|l| l.starts_with("scimdesk_")).expect("a token line").trim().to_string()
}

pub fn create_source(data_dir: &Path, name: &str, slug: &str) -> String {
    let (ok, out, err) = cli(data_dir, &["source", "create", name, "--slug", slug]);
    assert!(ok, "source create failed: {err}");
    token_in(&out)
}

/// A running `scimdesk serve`, killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    pub stderr_log: PathBuf,
}

impl Server {
    /// A fresh data dir with one source `entra`, served; returns the server and the token.
    pub fn start() -> (Server, String) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let token = create_source(tmp.path(), "Entra ID", "entra");
        let mut server = Server::serve(tmp.path());
        server._tmp = Some(tmp);
        (server, token)
    }

    /// A fresh data dir with one source for `provider` (`okta`, `onelogin`, ...), whose slug is
    /// the provider's name, served; returns the server and the token.
    /// A server with one source for `provider` (its slug is the provider's name), and a client
    /// that sends that source's token.
    pub fn start_with_client_for(provider: &str) -> (Server, Scim) {
        let (server, token) = Server::start_for(provider);
        let scim = server.client_for(provider, Some(&token));
        (server, scim)
    }

    pub fn start_for(provider: &str) -> (Server, String) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let (ok, out, err) =
            cli(tmp.path(), &["source", "create", provider, "--slug", provider, "--provider", provider]);
        assert!(ok, "source create --provider {provider} failed: {err}");
        let mut server = Server::serve(tmp.path());
        server._tmp = Some(tmp);
        (server, token_in(&out))
    }

    /// Whether any of the data folder's files holds `needle` (a secret that must not be kept).
    pub fn data_files_contain(&self, needle: &str) -> bool {
        let entries = std::fs::read_dir(&self.data_dir).expect("data dir");
        entries.filter_map(Result::ok).any(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    }

    /// Serve an existing data dir.
    pub fn serve(data_dir: &Path) -> Server {
        Server::serve_with(data_dir, &[])
    }

    pub fn serve_with(data_dir: &Path, extra_env: &[(&str, &str)]) -> Server {
        Server::serve_with_args(data_dir, extra_env, &[])
    }

    /// Serve with extra environment variables and extra `serve` arguments (a free port unless
    /// they hold a `--bind`).
    pub fn serve_with_args(data_dir: &Path, extra_env: &[(&str, &str)], args: &[&str]) -> Server {
        let stderr_log = data_dir.join(format!("serve-{}.log", std::process::id()));
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(&stderr_log).expect("log file");
        let mut cmd = Command::new(bin());
        cmd.arg("--data-dir").arg(data_dir).arg("serve").args(args);
        if !args.contains(&"--bind") {
            cmd.args(["--bind", "127.0.0.1:0"]);
        }
        // Keep-awake asks the system bus for an inhibitor lock: never the machine's own, unless a
        // test brings a bus of its own (tests/keep_awake.rs).
        cmd.env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", data_dir.join("no-system-bus").display()));
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(log_file).spawn().expect("spawn scimdesk serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("serve printed nothing").expect("read stdout");
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, port, data_dir: data_dir.to_path_buf(), _tmp: None, stderr_log }
    }

    pub fn base(&self, slug: &str) -> String {
        format!("http://127.0.0.1:{}/source/scim/{slug}/v2", self.port)
    }

    pub fn client(&self, token: &str) -> Scim {
        Scim { http: reqwest::Client::new(), base: self.base("entra"), token: Some(token.to_string()) }
    }

    pub fn client_for(&self, slug: &str, token: Option<&str>) -> Scim {
        Scim { http: reqwest::Client::new(), base: self.base(slug), token: token.map(str::to_string) }
    }

    /// Stop with SIGTERM and wait (graceful shutdown).
    pub fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers, and the JSON body (Null when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    /// Assert this is a SCIM error with `status` (as a string) and optional scimType.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        assert!(self.content_type().starts_with(SCIM_JSON), "content type {}", self.content_type());
        assert_eq!(self.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{}", self.text);
        assert_eq!(self.body["status"], json!(status.to_string()), "status must be a string: {}", self.text);
        if let Some(t) = scim_type {
            assert_eq!(self.body["scimType"], t, "{}", self.text);
        }
        assert!(self.body["detail"].as_str().is_some_and(|d| d.len() > 10), "detail missing: {}", self.text);
    }
}

#[derive(Clone)]
pub struct Scim {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Scim {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", SCIM_JSON).body(b.to_string());
        }
        Self::finish(req).await
    }

    pub async fn finish(req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::Null) };
        Resp { status, headers, body, text }
    }

    /// A request with raw parts, for malformed input.
    pub fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None).await
    }

    /// PATCH with a list of operations.
    pub async fn patch_ops(&self, path: &str, ops: Value) -> Resp {
        self.patch(path, json!({"schemas": [PATCH_OP], "Operations": ops})).await
    }

    /// Create a user in Entra's shape and return its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self.post("/Users", entra_user(user_name)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    pub async fn create_group(&self, name: &str) -> String {
        let r = self.post("/Groups", entra_group(name)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    /// GET with a filter, percent-encoded.
    pub async fn filter(&self, endpoint: &str, filter: &str) -> Resp {
        let q: String = url_encode(filter);
        self.get(&format!("/{endpoint}?filter={q}")).await
    }
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A create-user body as Entra sends it with the default attribute mappings
/// (aadOptscim062020 form: real booleans, correct extension URN).
pub fn entra_user(user_name: &str) -> Value {
    let local = user_name.split('@').next().unwrap_or(user_name);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": format!("ext-{local}"),
        "userName": user_name,
        "active": true,
        "displayName": format!("{local} Example"),
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("{local} Example"), "familyName": "Example", "givenName": local},
        "addresses": [{"type": "work", "formatted": "1 Main St", "streetAddress": "1 Main St", "locality": "Redmond",
                       "region": "WA", "postalCode": "98052", "country": "US", "primary": false}],
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}, {"type": "fax", "value": "+1 555 0102"}],
        "roles": [],
        ENTERPRISE: {"employeeNumber": "1001", "department": "Sales"}
    })
}

/// The same user as older tenants send it (no aadOptscim062020): null values, string booleans,
/// the mistyped extension URN.
pub fn entra_user_legacy(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "externalId": "legacy-1",
        "userName": user_name,
        "active": "True",
        "displayName": "Legacy User",
        "title": null,
        "emails": [{"primary": "true", "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "User", "givenName": "Legacy", "formatted": null},
        "roles": [{"primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "Reader"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User": {"department": "Ops", "employeeNumber": null}
    })
}

pub fn entra_group(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "externalId": format!("ext-{name}"),
        "displayName": name,
        "meta": {"resourceType": "Group"},
        "members": []
    })
}
