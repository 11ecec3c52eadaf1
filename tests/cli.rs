//! The headless CLI: sources, listings, export, settings, and clear errors.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn source_create_derives_a_unique_slug_and_validates_given_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = cli(dir.path(), &["source", "create", "Entra ID"]);
    assert!(ok);
    assert!(out.contains("Slug:            entra-id"), "{out}");
    assert!(out.contains("/source/scim/entra-id/v2"), "{out}");
    let (ok, out, _) = cli(dir.path(), &["source", "create", "Entra ID"]);
    assert!(ok);
    assert!(out.contains("Slug:            entra-id-2"), "derived slugs get a number: {out}");
    let (ok, _, err) = cli(dir.path(), &["source", "create", "Other", "--slug", "entra-id"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = cli(dir.path(), &["source", "create", "Other", "--slug", "Bad Slug"]);
    assert!(!ok && err.contains("lower-case"), "{err}");
    let (ok, _, err) = cli(dir.path(), &["source", "create", "  "]);
    assert!(!ok && err.contains("name"), "{err}");
    let (ok, out, _) = cli(dir.path(), &["source", "list"]);
    assert!(ok && out.contains("entra-id") && out.contains("entra-id-2"));
    let (ok, _, err) = cli(dir.path(), &["source", "show", "missing"]);
    assert!(!ok && err.contains("no source with the slug \"missing\""), "{err}");
}

#[test]
fn public_url_changes_the_scim_base_url() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path(), &["source", "create", "Entra", "--slug", "entra"]);
    let (ok, _, err) = cli(dir.path(), &["config", "set", "public-url", "https://scim.example.com/"]);
    assert!(ok, "{err}");
    let (_, out, _) = cli(dir.path(), &["source", "show", "entra"]);
    assert!(out.contains("SCIM Base URL:   https://scim.example.com/source/scim/entra/v2"), "{out}");
    let (ok, _, err) = cli(dir.path(), &["config", "set", "public-url", "ftp://nope"]);
    assert!(!ok && err.contains("https://"), "{err}");
    let (ok, _, err) = cli(dir.path(), &["config", "set", "bind", "not-an-address"]);
    assert!(!ok && err.contains("127.0.0.1:7643"), "{err}");
    let (_, out, _) = cli(dir.path(), &["config", "show"]);
    assert!(out.contains("bind:            127.0.0.1:7643"), "default bind is loopback: {out}");
}

#[tokio::test]
async fn users_groups_and_export_show_what_was_provisioned() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    let u = scim.create_user("zoe@contoso.com").await;
    scim.create_user("yan@contoso.com").await;
    let g = scim.create_group("Design").await;
    scim.patch_ops(&format!("/Groups/{g}"), json!([{"op": "Add", "path": "members", "value": [{"value": u}]}])).await;
    scim.patch_ops(&format!("/Users/{u}"), json!([{"op": "Replace", "path": "active", "value": false}])).await;
    let dir = &server.data_dir;
    let (ok, out, _) = cli(dir, &["users", "entra"]);
    assert!(ok && out.contains("zoe@contoso.com") && out.contains("disabled") && out.contains("2 user(s)"), "{out}");
    let (ok, out, _) = cli(dir, &["users", "entra", "--filter", "userName eq \"YAN@contoso.com\""]);
    assert!(ok && out.contains("yan@contoso.com") && !out.contains("zoe") && out.contains("1 user(s)"), "{out}");
    let (ok, _, err) = cli(dir, &["users", "entra", "--filter", "userName eq"]);
    assert!(!ok && err.contains("filter"), "{err}");
    let (ok, out, _) = cli(dir, &["groups", "entra"]);
    assert!(ok && out.contains("Design") && out.contains("1 group(s)"), "{out}");
    let (ok, out, _) = cli(dir, &["export", "entra", "--format", "json"]);
    assert!(ok);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["users"].as_array().unwrap().len(), 2);
    assert_eq!(doc["groups"][0]["members"][0]["value"], u.as_str());
    let (ok, out, _) = cli(dir, &["export", "entra", "--format", "csv"]);
    assert!(ok);
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("id,userName,displayName"));
    assert_eq!(lines.count(), 2);
    let (ok, out, _) = cli(dir, &["export", "entra", "--format", "csv", "--resources", "groups"]);
    assert!(ok && out.contains(&format!("Design,ext-Design,{u}")), "{out}");
    // show: counts and last request.
    let (_, out, _) = cli(dir, &["source", "show", "entra"]);
    assert!(out.contains("Users:           2 (1 active)"), "{out}");
    assert!(out.contains("Groups:          1 (1 memberships)"), "{out}");
}

#[tokio::test]
async fn delete_source_removes_its_users_and_refuses_its_requests() {
    let (server, token) = Server::start();
    let scim = server.client(&token);
    scim.create_user("del@contoso.com").await;
    let (ok, out, _) = cli(&server.data_dir, &["source", "delete", "entra"]);
    assert!(ok, "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    scim.get("/Users").await.assert_error(404, None);
    // Recreating the slug starts empty.
    let token = create_source(&server.data_dir, "Entra", "entra");
    assert_eq!(server.client(&token).get("/Users").await.body["totalResults"], 0);
}

#[test]
fn serve_on_a_taken_port_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (ok, _, err) = cli(dir.path(), &["serve", "--bind", &addr]);
    assert!(!ok);
    assert!(err.contains("already in use") && err.contains("--bind"), "{err}");
}

#[test]
fn the_database_option_takes_a_sqlite_file_and_refuses_what_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("scimdesk.db");
    let db = file.to_str().unwrap();
    let (ok, _, err) = cli(dir.path(), &["--database", db, "source", "create", "Entra", "--slug", "entra"]);
    assert!(ok, "{err}");
    assert!(file.exists(), "the source is in the named file");
    let (ok, out, err) = cli(dir.path(), &["--database", db, "source", "list"]);
    assert!(ok && out.contains("entra"), "{out}{err}");

    let out = std::process::Command::new(bin())
        .args(["--data-dir", dir.path().to_str().unwrap(), "--database", "mysql://root:hunter2@db/x", "source", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("postgres://") && !err.contains("hunter2"), "{err}");
}

#[test]
fn service_install_on_postgresql_says_to_use_a_unit_of_ones_own() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://scimdesk:secret@127.0.0.1:1/none";
    let (ok, _, err) = cli(dir.path(), &["--database", url, "service", "install", "--no-start"]);
    assert!(!ok);
    assert!(err.contains("service install") && err.contains("PostgreSQL") && !err.contains("secret"), "{err}");
}

#[test]
fn a_data_dir_that_cannot_be_written_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let (ok, _, err) = cli(&file.join("sub"), &["source", "list"]);
    assert!(!ok);
    assert!(err.contains("cannot be used") && err.contains("--data-dir"), "{err}");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    assert!(cli(dir.path(), &["source", "create", "Entra", "--slug", "entra"]).0);
    let db = dir.path().join("scimdesk.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let known: i64 = conn.query_row("SELECT COUNT(*) FROM _sqlx_migrations", [], |r| r.get(0)).unwrap();
    conn.execute("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'from the future', 1, x'00', 0)", [])
        .unwrap();
    drop(conn);
    let (ok, _, err) = cli(dir.path(), &["source", "list"]);
    assert!(!ok);
    assert!(err.contains("newer version of ScimDesk"), "{err}");
    let (ok, _, _) = cli(dir.path(), &["serve", "--bind", "127.0.0.1:0"]);
    assert!(!ok, "serve refuses it too");
    // Nothing was migrated or written: the data and the newer migration are as they were.
    let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let scalar = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let sources = scalar("SELECT COUNT(*) FROM sources");
    let newest = scalar("SELECT MAX(version) FROM _sqlx_migrations");
    let migrations = scalar("SELECT COUNT(*) FROM _sqlx_migrations");
    assert_eq!((sources, newest, migrations), (1, 99990101000000, known + 1));
}

/// The exit code of `scimdesk --data-dir DIR ARGS...`.
fn exit_code(data_dir: &std::path::Path, args: &[&str]) -> Option<i32> {
    std::process::Command::new(bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("run scimdesk")
        .status
        .code()
}

#[test]
fn exit_codes_tell_the_kind_of_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(exit_code(dir.path(), &["source", "create", "Entra", "--slug", "entra"]), Some(0));
    assert_eq!(exit_code(dir.path(), &["source", "show", "missing"]), Some(3), "no such source");
    assert_eq!(exit_code(dir.path(), &["source", "create", "Again", "--slug", "entra"]), Some(4), "slug taken");
    assert_eq!(exit_code(dir.path(), &["source", "create", "Bad", "--slug", "Bad Slug"]), Some(2), "invalid slug");
    assert_eq!(exit_code(dir.path(), &["users", "entra", "--filter", "userName eq"]), Some(2), "invalid filter");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_eq!(exit_code(dir.path(), &["serve", "--bind", &addr]), Some(7), "port in use");
}

#[test]
fn source_create_records_the_provider_for_its_guide_and_show_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["source", "create", "Okta", "--provider", "okta"]);
    assert!(ok, "{err}");
    assert!(out.contains("Provider:        Okta (okta)"), "{out}");
    assert!(out.contains("SCIM connector base URL"), "the token's place in Okta's console: {out}");
    let (_, out, _) = cli(dir.path(), &["source", "show", "okta"]);
    assert!(out.contains("Provider:        Okta (okta)"), "{out}");
    let (ok, out, _) = cli(dir.path(), &["source", "create", "OneLogin", "--provider", "OneLogin"]);
    assert!(ok && out.contains("SCIM Bearer Token"), "{out}");
    // Without --provider: Entra ID, the guide ScimDesk always had.
    let (_, out, _) = cli(dir.path(), &["source", "create", "Entra ID"]);
    assert!(out.contains("Provider:        Microsoft Entra ID (entra)"), "{out}");
    let (ok, _, err) = cli(dir.path(), &["source", "create", "G", "--provider", "google"]);
    assert!(!ok && err.contains("entra, okta, onelogin or other"), "{err}");
}
