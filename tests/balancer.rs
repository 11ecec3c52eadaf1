//! Several `scimdesk serve` on one PostgreSQL database behind a load balancer (nginx, round
//! robin): Entra's cycle through the balancer leaves one directory that every instance shows,
//! the database keeps userName and displayName unique across instances racing each other, and
//! the death of an instance loses no answered write while the balancer carries on with the other.
//!
//! Every test needs the throwaway cluster of scripts/with-postgres.sh and nginx;
//! scripts/test-postgres.sh runs them with `--ignored`. Real binary, real HTTP on 127.0.0.1.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

/// nginx in front of the given instances, on its own free port, with every file it writes in a
/// temporary folder; stopped on drop.
struct Nginx {
    child: Child,
    port: u16,
    dir: TempDir,
}

/// The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH).
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("nginx")).find(|f| f.is_file()))
        .unwrap_or_default();
    on_path.or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|f| f.is_file())).unwrap_or_else(|| {
        panic!("nginx is not installed: these tests need it (scripts/setup.sh installs it; scripts/test-postgres.sh runs them)")
    })
}

impl Nginx {
    fn start(upstreams: &[u16]) -> Nginx {
        let binary = nginx_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path().display();
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            std::fs::create_dir(dir.path().join(sub)).expect("nginx temp dir");
        }
        // As root, nginx's workers would switch to `nobody`, who cannot write the temporary
        // folder (0700, root's): keep them root. Any other user runs them as itself.
        let user = if dir.path().metadata().expect("temp dir").uid() == 0 { "user root root;" } else { "" };
        let servers: String = upstreams.iter().map(|p| format!("        server 127.0.0.1:{p};\n")).collect();
        let port = free_port();
        let conf = format!(
            "{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
    # Which instance answered each request, to check that both took turns.
    log_format upstream '$request_method $uri $status $upstream_addr';
    access_log {d}/access.log upstream;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    # Round robin, nginx's default. An instance that refuses a connection is passed over for the
    # next one and left out for 10 s (max_fails=1, fail_timeout=10s: the defaults). A request
    # already sent to an instance that dies is not sent again (no `non_idempotent` in
    # proxy_next_upstream): a create it had committed must not be made twice; the client gets a
    # 502 and retries, as Entra does.
    upstream scimdesk {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://scimdesk;
            proxy_set_header Host $http_host;
        }}
    }}
}}
"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("nginx stderr");
        // -e: the log for errors before the configuration is read (the default one, in
        // /var/log/nginx, may not be writable).
        let mut child = Command::new(&binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = child.try_wait().expect("wait nginx");
            if exited.is_some() || start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                let log = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
                panic!("nginx did not start ({exited:?}):\n{}{}", log("stderr.log"), log("error.log"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, port, dir }
    }

    fn base(&self, slug: &str) -> String {
        format!("http://127.0.0.1:{}/source/scim/{slug}/v2", self.port)
    }

    /// The upstream addresses of the requests nginx has logged so far.
    fn upstreams_used(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master process stops its workers; SIGKILL would leave them behind.
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
}

/// Two instances (own data dirs, own ports) on one fresh database with the source `entra`.
struct Pair {
    a: Server,
    b: Server,
    token: String,
    _dirs: (TempDir, TempDir),
}

fn two_instances() -> Pair {
    let url = fresh_database();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ok, out, err) =
        cli_env(dir_a.path(), &["source", "create", "Entra ID", "--slug", "entra"], &[(DATABASE_ENV, &url)], &[]);
    assert!(ok, "source create failed: {err}");
    let a = Server::serve_database(dir_a.path(), &url);
    let b = Server::serve_database(dir_b.path(), &url);
    Pair { a, b, token: token_in(&out), _dirs: (dir_a, dir_b) }
}

fn client(base: String, token: &str) -> Scim {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
    Scim { http, base, token: Some(token.to_string()) }
}

/// A body with every instance's own address taken out (meta.location, $ref), for comparing.
fn without_addresses(body: &Value, ports: &[u16]) -> Value {
    let mut text = body.to_string();
    for p in ports {
        text = text.replace(&format!("127.0.0.1:{p}"), "HOST");
    }
    serde_json::from_str(&text).expect("json")
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn an_entra_cycle_through_the_balancer_leaves_one_directory_on_every_instance() {
    require_postgres();
    let pair = two_instances();
    let nginx = Nginx::start(&[pair.a.port, pair.b.port]);
    let lb = client(nginx.base("entra"), &pair.token);

    // Test connection: a random GUID as userName, form-encoded, without a SCIM Accept header.
    let r = Scim::finish(
        lb.raw(reqwest::Method::GET, "/Users?filter=userName+eq+%22a6c3f1b0-5d21-4a2e-9f33-0e6c1c8a1b7d%22"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["totalResults"], 0, "{}", r.text);
    let r = lb.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22b1f0%22").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["totalResults"], 0);

    // Users: Entra looks each one up first, then creates it; the manager follows by PATCH.
    let mut ids = Vec::new();
    for name in ["boss@contoso.com", "alice@contoso.com", "bob@contoso.com"] {
        let r = lb.filter("Users", &format!("userName eq \"{name}\"")).await;
        assert_eq!(r.body["totalResults"], 0, "{}", r.text);
        ids.push(lb.create_user(name).await);
    }
    let (boss, alice, bob) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let r = lb
        .patch_ops(
            &format!("/Users/{alice}"),
            json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": boss}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], boss.as_str());

    // A group, members added and one removed again.
    let r = lb.filter("Groups", "displayName eq \"Sales\"").await;
    assert_eq!(r.body["totalResults"], 0, "{}", r.text);
    let group = lb.create_group("Sales").await;
    let gpath = format!("/Groups/{group}");
    let r = lb
        .patch_ops(
            &gpath,
            json!([{"op": "Add", "path": "members", "value": [{"value": alice}, {"value": bob}, {"value": boss}]}]),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = lb.patch_ops(&gpath, json!([{"op": "Remove", "path": "members", "value": [{"value": boss}]}])).await;
    assert!(r.status.is_success(), "{}", r.text);

    // Alice disabled, Bob deleted.
    let r =
        lb.patch_ops(&format!("/Users/{alice}"), json!([{"op": "Replace", "path": "active", "value": false}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(lb.delete(&format!("/Users/{bob}")).await.status, StatusCode::NO_CONTENT);

    // Each instance, asked directly, shows the same directory.
    let ports = [pair.a.port, pair.b.port, nginx.port];
    let mut seen = Vec::new();
    for server in [&pair.a, &pair.b] {
        let scim = server.client(&pair.token);
        let a = scim.get(&format!("/Users/{alice}")).await;
        assert_eq!(a.status, StatusCode::OK, "port {}: {}", server.port, a.text);
        assert_eq!(a.body["active"], false, "port {}: {}", server.port, a.text);
        assert_eq!(a.body[ENTERPRISE]["manager"]["value"], boss.as_str(), "port {}: {}", server.port, a.text);
        scim.get(&format!("/Users/{bob}")).await.assert_error(404, None);
        let g = scim.get(&gpath).await;
        assert_eq!(member_ids(&g.body), vec![alice.clone()], "port {}: {}", server.port, g.text);
        let users = scim.get("/Users").await;
        assert_eq!(users.body["totalResults"], 2, "port {}: {}", server.port, users.text);
        let gone = scim.filter("Users", "userName eq \"bob@contoso.com\"").await;
        assert_eq!(gone.body["totalResults"], 0, "port {}: {}", server.port, gone.text);
        seen.push([a.body, g.body, users.body].map(|b| without_addresses(&b, &ports)));
    }
    assert_eq!(seen[0], seen[1], "the two instances answer differently");

    // Both instances took their turn behind the balancer.
    let log = nginx.upstreams_used();
    for server in [&pair.a, &pair.b] {
        assert!(log.contains(&format!("127.0.0.1:{}", server.port)), "nginx never used port {}:\n{log}", server.port);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn racing_creates_on_two_instances_give_one_201_and_409_uniqueness() {
    require_postgres();
    let pair = two_instances();
    let clients = [pair.a.client(&pair.token), pair.b.client(&pair.token)];
    // Different letter cases are the same userName; half go to each instance.
    let names = ["race@contoso.com", "RACE@contoso.com", "Race@Contoso.com", "race@CONTOSO.COM", "rAcE@contoso.com"];
    let answers = join_all((0..20).map(|i| {
        let scim = clients[i % 2].clone();
        let mut body = entra_user(names[i % names.len()]);
        // Distinct externalIds: only the userName clashes.
        body["externalId"] = json!(format!("ext-race-{i}"));
        async move { scim.post("/Users", body).await }
    }))
    .await;
    let created = answers.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(created, 1, "exactly one create wins across both instances: {statuses:?}");
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        r.assert_error(409, Some("uniqueness"));
    }
    for scim in &clients {
        let r = scim.filter("Users", "userName eq \"race@contoso.com\"").await;
        assert_eq!(r.body["totalResults"], 1, "{}", r.text);
    }

    // Group displayNames are unique the same way.
    let groups = ["Twins", "TWINS", "twins", "tWiNs"];
    let answers = join_all((0..12).map(|i| {
        let scim = clients[i % 2].clone();
        let mut body = entra_group(groups[i % groups.len()]);
        body["externalId"] = json!(format!("ext-twins-{i}"));
        async move { scim.post("/Groups", body).await }
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(answers.iter().filter(|r| r.status == StatusCode::CREATED).count(), 1, "{statuses:?}");
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        r.assert_error(409, Some("uniqueness"));
    }
    for scim in &clients {
        assert_eq!(scim.filter("Groups", "displayName eq \"twins\"").await.body["totalResults"], 1);
    }
}

/// One create sent through the balancer: when it was sent, and the answer (None: no answer).
struct Sent {
    at: Instant,
    user_name: String,
    status: Option<StatusCode>,
    id: Option<String>,
}

#[tokio::test]
#[ignore = "needs PostgreSQL (and nginx): scripts/test-postgres.sh runs it"]
async fn killing_an_instance_loses_no_answered_create_and_the_balancer_carries_on() {
    require_postgres();
    let mut pair = two_instances();
    let nginx = Nginx::start(&[pair.a.port, pair.b.port]);
    let lb = client(nginx.base("entra"), &pair.token);

    // A steady stream of creates through nginx, two at a time, until told to stop.
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let streams: Vec<_> = (0..2)
        .map(|stream| {
            let (lb, sent, stop) = (lb.clone(), sent.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let user_name = format!("s{stream}-{i}@contoso.com");
                    let at = Instant::now();
                    let (status, id) = match lb
                        .http
                        .post(format!("{}/Users", lb.base))
                        .bearer_auth(lb.token.as_deref().unwrap())
                        .header("content-type", SCIM_JSON)
                        .body(entra_user(&user_name).to_string())
                        .send()
                        .await
                    {
                        Ok(resp) => {
                            let status = resp.status();
                            let body: Value = resp.json().await.unwrap_or(Value::Null);
                            (Some(status), body["id"].as_str().map(str::to_string))
                        }
                        Err(_) => (None, None),
                    };
                    sent.lock().unwrap().push(Sent { at, user_name, status, id });
                    i += 1;
                }
            })
        })
        .collect();

    let created = |sent: &Arc<Mutex<Vec<Sent>>>| {
        sent.lock().unwrap().iter().filter(|s| s.status == Some(StatusCode::CREATED)).count()
    };
    let warmed = eventually(Duration::from_secs(20), || {
        let n = created(&sent);
        async move { n >= 30 }
    })
    .await;
    assert!(warmed.is_some(), "30 creates through nginx did not succeed in 20 s");
    let a_served = nginx.upstreams_used().contains(&format!("127.0.0.1:{}", pair.a.port));
    assert!(a_served, "instance A served nothing before it was killed");

    // SIGKILL: no graceful shutdown, connections cut mid-request.
    pair.a.child.kill().expect("kill instance A");
    let killed_at = Instant::now();
    pair.a.child.wait().expect("reap instance A");
    let before_kill = created(&sent);
    let after = eventually(Duration::from_secs(30), || {
        let n =
            sent.lock().unwrap().iter().filter(|s| s.at > killed_at && s.status == Some(StatusCode::CREATED)).count();
        async move { n >= 40 }
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in streams {
        s.await.expect("stream");
    }
    assert!(after.is_some(), "fewer than 40 creates succeeded through nginx in the 30 s after instance A was killed");

    // The streams are done: the list is ours alone now.
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    // Sent after the kill: nginx finds A's port closed and passes to B, so every one is a 201.
    // Sent before it: a 201, or, for a request A had not answered when it died, a 502.
    for s in sent.iter() {
        if s.at > killed_at {
            assert_eq!(s.status, Some(StatusCode::CREATED), "{} sent after the kill", s.user_name);
        } else {
            assert!(
                matches!(s.status, Some(StatusCode::CREATED) | Some(StatusCode::BAD_GATEWAY)),
                "{} sent before the kill: {:?}",
                s.user_name,
                s.status
            );
        }
    }
    let in_flight = sent.iter().filter(|s| s.at <= killed_at && s.status != Some(StatusCode::CREATED)).count();
    assert!(in_flight <= 2, "only the requests in flight at the kill (two streams) may fail: {in_flight} failed");

    // Every create that was answered 201 is there, through instance B.
    let b = pair.b.client(&pair.token);
    let answered: Vec<&Sent> = sent.iter().filter(|s| s.status == Some(StatusCode::CREATED)).collect();
    assert!(answered.len() >= before_kill + 40);
    for s in &answered {
        let id = s.id.as_deref().unwrap_or_else(|| panic!("201 for {} without an id", s.user_name));
        let r = b.get(&format!("/Users/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{} answered 201 but is not in the database: {}", s.user_name, r.text);
        assert_eq!(r.body["userName"], s.user_name.as_str());
    }
    // B counts exactly those, plus any create A committed but could not answer.
    let total = b.get("/Users?count=1").await.body["totalResults"].as_u64().expect("totalResults") as usize;
    assert!(
        total >= answered.len() && total <= answered.len() + in_flight,
        "{total} users for {} answered creates",
        answered.len()
    );
    assert!(pair.b.child.try_wait().expect("wait").is_none(), "instance B exited:\n{}", pair.b.logs());
    assert_eq!(b.get("/Users?count=1").await.status, StatusCode::OK, "instance B keeps serving");
}
