//! Test harness: the real `scimdesk` binary serving on 127.0.0.1:0 over a fresh data dir,
//! and a small SCIM client. Every test talks HTTP to a real server and a real SQLite file, or,
//! when `SCIMDESK_TEST_POSTGRES_URL` is set (scripts/test-postgres.sh), a real PostgreSQL
//! database: then every data dir the harness uses gets a fresh database of its own.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const SCIM_JSON: &str = "application/scim+json";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The variable that chooses the database of every `scimdesk` command.
pub const DATABASE_ENV: &str = "SCIMDESK_DATABASE_URL";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimdesk")
}

/// The PostgreSQL cluster the tests run against (`postgres://user:password@host:port`, no
/// database), from scripts/with-postgres.sh; None: SQLite, as the data folder has it.
pub fn postgres_url() -> Option<String> {
    std::env::var("SCIMDESK_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()).map(|u| u.trim_end_matches('/').into())
}

/// For the PostgreSQL-only tests: the cluster's URL, or a failure that says how to run them (an
/// ignored test run without its cluster must never pass by testing nothing).
pub fn require_postgres() -> String {
    postgres_url().unwrap_or_else(|| {
        panic!("SCIMDESK_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL cluster; run them with scripts/test-postgres.sh")
    })
}

/// A variable scripts/with-postgres.sh exports, or a failure that names it.
pub fn require_env(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("{name} is not set: run these tests with scripts/test-postgres.sh"))
}

/// `t_` and 16 hex digits of a hash of `seed`: a valid, short PostgreSQL database name.
fn database_name(seed: &[u8]) -> String {
    use sha2::Digest;
    format!("t_{}", &hex::encode(sha2::Sha256::digest(seed))[..16])
}

/// Create database `name` on the cluster with the client's `createdb`.
fn createdb(base: &str, name: &str) {
    let out = Command::new("createdb")
        .arg(format!("--maintenance-db={base}/postgres"))
        .arg(name)
        .output()
        .expect("run createdb (postgresql-client-15, installed by scripts/setup.sh)");
    assert!(out.status.success(), "createdb {name} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Drop database `url` (of the test cluster), and whoever is still connected to it.
pub fn dropdb(url: &str) {
    let (base, name) = url.rsplit_once('/').expect("a database URL");
    let name = name.split('?').next().unwrap_or(name);
    let _ = Command::new("dropdb")
        .args(["--if-exists", "--force"])
        .arg(format!("--maintenance-db={base}/postgres"))
        .arg(name)
        .stderr(Stdio::null())
        .status();
}

/// The database of `data_dir` when the tests run on PostgreSQL, created the first time that
/// data dir is used; None on SQLite. The name is derived from the path and this process, so two
/// test processes never meet in one database even if a temporary path comes round again.
pub fn database_for(data_dir: &Path) -> Option<String> {
    let base = postgres_url()?;
    let mut seed = std::process::id().to_le_bytes().to_vec();
    seed.extend_from_slice(data_dir.as_os_str().as_encoded_bytes());
    let name = database_name(&seed);
    // Held while createdb runs: a second thread on the same data dir waits until it exists.
    static CREATED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
    if created.get_or_insert_with(HashSet::new).insert(name.clone()) {
        createdb(&base, &name);
    }
    Some(format!("{base}/{name}"))
}

/// A new, empty database on the test cluster (for several instances on one database); its URL.
pub fn fresh_database() -> String {
    let base = require_postgres();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = format!("{}-{}-{:?}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), Instant::now());
    let name = database_name(seed.as_bytes());
    createdb(&base, &name);
    format!("{base}/{name}")
}

/// Give `cmd` the database of `data_dir`, unless the test chose one itself (`--database`, or the
/// variable in `set`). On SQLite, the variable is removed, so a value in the environment the
/// tests were started from cannot send them to some other database.
fn use_database(cmd: &mut Command, data_dir: &Path, set: &[(&str, &str)], args: &[&str]) {
    let chosen = args.iter().any(|a| *a == "--database" || a.starts_with("--database="))
        || set.iter().any(|(k, _)| *k == DATABASE_ENV);
    if chosen {
        return;
    }
    match database_for(data_dir) {
        Some(url) => cmd.env(DATABASE_ENV, url),
        None => cmd.env_remove(DATABASE_ENV),
    };
}

/// The database a command on `data_dir` with these `set` variables and `args` uses: what the
/// test chose, else the harness's database for the data dir (None: SQLite in the data dir).
fn database_of(data_dir: &Path, set: &[(&str, &str)], args: &[&str]) -> Option<String> {
    if let Some(i) = args.iter().position(|a| *a == "--database") {
        return args.get(i + 1).map(|u| u.to_string());
    }
    if let Some(url) = args.iter().find_map(|a| a.strip_prefix("--database=")) {
        return Some(url.to_string());
    }
    if let Some((_, url)) = set.iter().find(|(k, _)| *k == DATABASE_ENV) {
        return Some(url.to_string());
    }
    database_for(data_dir)
}

/// Whether `url` is a PostgreSQL URL (anything else is a SQLite file for scimdesk).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Poll `check` every 50 ms until it holds or `within` has passed; the time it took, if it held.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return Some(start.elapsed());
        }
        if start.elapsed() >= within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A port on 127.0.0.1 that was free a moment ago (for a program that cannot be told port 0).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Run a CLI command against `data_dir`; returns (success, stdout, stderr).
pub fn cli(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    cli_env(data_dir, args, &[], &[])
}

/// Like [`cli`], with extra environment variables set and some removed.
pub fn cli_env(data_dir: &Path, args: &[&str], set: &[(&str, &str)], remove: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(bin());
    cmd.arg("--data-dir").arg(data_dir).args(args);
    use_database(&mut cmd, data_dir, set, args);
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
    /// The PostgreSQL database it serves (None: the SQLite file in its data dir).
    pub database: Option<String>,
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

    /// Whether any of the data folder's files holds `needle` (a secret that must not be kept),
    /// or, on PostgreSQL, the served database's rows (a `pg_dump` of its data).
    pub fn data_files_contain(&self, needle: &str) -> bool {
        let entries = std::fs::read_dir(&self.data_dir).expect("data dir");
        let in_files = entries.filter_map(Result::ok).any(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        });
        in_files || self.database.as_deref().is_some_and(|url| database_dump(url).contains(needle))
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
        use_database(&mut cmd, data_dir, extra_env, args);
        let database = database_of(data_dir, extra_env, args).filter(|url| is_postgres(url));
        // Keep-awake asks the system bus for an inhibitor lock: never the machine's own, unless a
        // test brings a bus of its own (tests/keep_awake.rs).
        cmd.env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", data_dir.join("no-system-bus").display()));
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(log_file).spawn().expect("spawn scimdesk serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let Some(first) = lines.next() else {
            let _ = child.wait();
            let log = std::fs::read_to_string(&stderr_log).unwrap_or_default();
            panic!("serve printed nothing; its stderr:\n{log}");
        };
        let first = first.expect("read stdout");
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, port, data_dir: data_dir.to_path_buf(), _tmp: None, stderr_log, database }
    }

    /// Serve `data_dir` on the database `url` (one of several instances on one database).
    pub fn serve_database(data_dir: &Path, url: &str) -> Server {
        Server::serve_with_args(data_dir, &[(DATABASE_ENV, url)], &[])
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
        // A server that owns its data dir (Server::start*) owns its database too: dropped with
        // it, so a suite's hundreds of databases do not pile up in the test cluster.
        if let (Some(_), Some(url)) = (&self._tmp, &self.database) {
            dropdb(url);
        }
    }
}

/// The rows of the PostgreSQL database `url`, as `pg_dump --data-only` writes them.
pub fn database_dump(url: &str) -> String {
    let out = Command::new("pg_dump")
        .args(["--data-only", "--no-owner", "--dbname"])
        .arg(url)
        .output()
        .expect("run pg_dump (postgresql-client-15, installed by scripts/setup.sh)");
    assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
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
