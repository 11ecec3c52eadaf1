//! `scimdesk check` through a real TLS front: Caddy (the Debian package) on 127.0.0.1 with its
//! internal certificate authority stands in for the tunnel, reverse-proxying to a real
//! `scimdesk serve`. Each way a tunnel goes wrong is set up for real and must be told apart.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use scimdesk::{Change, Engine};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A Caddy process with its own data folder (so its own certificate authority), ended on drop.
struct Caddy {
    child: Child,
    home: tempfile::TempDir,
}

impl Caddy {
    /// Run `sites` (Caddyfile site blocks); `global` adds global options.
    fn start(global: &str, sites: &str, ports: &[u16]) -> Caddy {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("Caddyfile");
        // No admin endpoint, nothing installed into the system's trust store, no http redirects.
        let file =
            format!("{{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n{global}}}\n{sites}");
        std::fs::write(&config, file).unwrap();
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&config)
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("HOME", home.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(home.path().join("caddy.log")).unwrap())
            .spawn()
            .expect("caddy (Debian package `caddy`, installed by scripts/setup.sh)");
        let caddy = Caddy { child, home };
        for port in ports {
            wait_for_port(*port);
        }
        caddy
    }

    /// The root certificate of Caddy's internal authority.
    fn root(&self) -> PathBuf {
        let root = self.home.path().join("data/caddy/pki/authorities/local/root.crt");
        assert!(
            root.exists(),
            "no root certificate: {}",
            std::fs::read_to_string(self.home.path().join("caddy.log")).unwrap_or_default()
        );
        root
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A site on 127.0.0.1:`port` with an internal certificate, proxying to 127.0.0.1:`upstream`.
fn site(name: &str, port: u16, upstream: u16) -> String {
    format!("https://{name}:{port} {{\n\tbind 127.0.0.1\n\ttls internal\n\treverse_proxy 127.0.0.1:{upstream}\n}}\n")
}

/// `scimdesk check entra` with the public URL set to `public_url`; (exit code, stdout).
fn check(data_dir: &Path, public_url: &str, trust: Option<&Path>) -> (i32, String) {
    let (ok, _, err) = cli(data_dir, &["config", "set", "public-url", public_url]);
    assert!(ok, "{err}");
    let mut cmd = Command::new(bin());
    cmd.arg("--data-dir").arg(data_dir).args(["check", "entra"]);
    match trust {
        Some(root) => cmd.env("SSL_CERT_FILE", root),
        None => cmd.env_remove("SSL_CERT_FILE"),
    };
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn each_way_the_public_url_fails_is_told_apart_and_a_good_one_is_proved() {
    let (server, token) = Server::start();
    let dir = server.data_dir.clone();
    // Another ScimDesk, on another data folder: what an old tunnel might still point at.
    let (other, _) = Server::start();
    let closed = free_port();
    let (good, wrong_server, gateway, wrong_name) = (free_port(), free_port(), free_port(), free_port());
    let mut caddy = Caddy::start(
        "",
        &[
            site("127.0.0.1", good, server.port),
            site("127.0.0.1", wrong_server, other.port),
            site("127.0.0.1", gateway, closed),
        ]
        .concat(),
        &[good, wrong_server, gateway],
    );
    let root = caddy.root();
    // A certificate for scim.test served to a client that asked for 127.0.0.1.
    let named = Caddy::start("\tdefault_sni scim.test\n", &site("scim.test", wrong_name, server.port), &[wrong_name]);

    let (code, out) = check(&dir, &format!("https://127.0.0.1:{good}"), Some(&root));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("reachable") && out.contains("Entra can reach this ScimDesk") && out.contains(" ms round trip"),
        "{out}"
    );

    let (code, out) = check(&dir, &format!("https://127.0.0.1:{good}"), None);
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("not signed by an authority this system trusts"), "untrusted without the root: {out}");

    let (code, out) = check(&dir, &format!("https://127.0.0.1:{wrong_server}"), Some(&named.root()));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("not signed by an authority"), "another authority's certificate: {out}");
    let (code, out) = check(&dir, &format!("https://127.0.0.1:{wrong_server}"), Some(&root));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("reached a server that is not this ScimDesk"), "{out}");

    let (code, out) = check(&dir, &format!("https://127.0.0.1:{gateway}"), Some(&root));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("The tunnel answers (HTTP 502) but does not reach ScimDesk"), "{out}");

    let (code, out) = check(&dir, &format!("https://127.0.0.1:{wrong_name}"), Some(&named.root()));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("is for another name than 127.0.0.1"), "{out}");

    let (code, out) = check(&dir, &format!("http://127.0.0.1:{}", server.port), Some(&root));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("Entra only calls https"), "{out}");

    caddy.stop();
    let (code, out) = check(&dir, &format!("https://127.0.0.1:{good}"), Some(&root));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains(&format!("127.0.0.1:{good} refused the connection")), "the tunnel is down: {out}");

    let (code, out) = check(&dir, "https://scimdesk-check.invalid", Some(&root));
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("The name scimdesk-check.invalid does not resolve"), "{out}");

    // The checks changed nothing in the directory and are in Activity as checks, not Entra's traffic.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let engine = Engine::open(&dir).await.unwrap();
    let activity = engine.sources().activity("entra", 100).unwrap();
    assert!(!activity.is_empty() && activity.iter().all(|a| a.change == Change::Checked), "{activity:?}");
    assert_eq!(engine.sources().list().unwrap()[0].counts.users, 0);
    assert_eq!(server.client(&token).get("/Users").await.body["totalResults"], 0);
}

#[test]
fn without_a_public_url_check_says_to_set_one() {
    let dir = tempfile::tempdir().unwrap();
    create_source(dir.path(), "Entra ID", "entra");
    let (ok, out, err) = cli(dir.path(), &["check"]);
    assert!(!ok);
    assert!(out.contains("No public URL is set") && out.contains("Settings"), "{out}");
    assert!(err.contains("Entra cannot reach entra through the public URL"), "{err}");
    let code = Command::new(bin()).arg("--data-dir").arg(dir.path()).arg("check").status().unwrap().code();
    assert_eq!(code, Some(9));
}
