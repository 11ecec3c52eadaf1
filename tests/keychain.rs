//! The token in the OS keychain: a real gnome-keyring in a private session bus
//! (scripts/with-keyring.sh), and the path where no keychain can be reached.

mod common;

use common::*;
use reqwest::StatusCode;

fn require_secret_service() {
    assert!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").is_ok(),
        "these tests need a Secret Service: run them through scripts/with-keyring.sh (the README's test command does)"
    );
}

#[test]
fn token_is_stored_in_the_keychain_and_read_back() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["source", "create", "Entra ID"]);
    assert!(ok, "{err}");
    assert!(!err.contains("warning"), "the keychain should have taken the token: {err}");
    let token = token_in(&out);
    assert!(token.starts_with("scimdesk_") && token.len() == "scimdesk_".len() + 64);
    let (ok, read, err) = cli(dir.path(), &["source", "token", "entra-id"]);
    assert!(ok, "{err}");
    assert_eq!(read.trim(), token);
    // The database holds only the hash.
    let db = std::fs::read(dir.path().join("scimdesk.db")).unwrap();
    let wal = std::fs::read(dir.path().join("scimdesk.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "plaintext token on disk");
    }
    // Rotation replaces the keychain entry.
    let (_, out, _) = cli(dir.path(), &["source", "rotate", "entra-id"]);
    let rotated = token_in(&out);
    assert_eq!(cli(dir.path(), &["source", "token", "entra-id"]).1.trim(), rotated);
    // Deleting the source removes its entry.
    assert!(cli(dir.path(), &["source", "delete", "entra-id"]).0);
    let (ok, _, err) = cli(dir.path(), &["source", "token", "entra-id"]);
    assert!(!ok && err.contains("no source"), "{err}");
}

#[tokio::test]
async fn without_a_keychain_create_still_works_and_warns_once() {
    let dir = tempfile::tempdir().unwrap();
    let no_bus = ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"];
    let (ok, out, err) = cli_env(dir.path(), &["source", "create", "Entra ID", "--slug", "entra"], &[], &no_bus);
    assert!(ok, "create must work without a keychain: {err}");
    let token = token_in(&out);
    assert!(err.contains("could not be stored in the OS keychain"), "{err}");
    assert!(!out.contains("in the OS keychain"), "the summary must not claim the keychain holds it: {out}");
    assert!(err.contains("scimdesk source rotate entra"), "the warning says how to get a new token: {err}");
    assert!(!err.contains(&token), "the warning does not repeat the token");
    // The token works for SCIM.
    let server = Server::serve(dir.path());
    assert_eq!(server.client(&token).get("/Users").await.status, StatusCode::OK);
    // Reading it back says why it cannot, and what to do.
    let (ok, _, err) = cli_env(dir.path(), &["source", "token", "entra"], &[], &no_bus);
    assert!(!ok);
    assert!(err.contains("keychain") && err.contains("Secret Service"), "{err}");
    // Rotation without a keychain also prints the new token once, with the warning.
    let (ok, out, err) = cli_env(dir.path(), &["source", "rotate", "entra"], &[], &no_bus);
    assert!(ok, "{err}");
    let new = token_in(&out);
    assert!(err.contains("could not be stored"), "{err}");
    assert!(!out.contains("in the OS keychain"), "{out}");
    assert_eq!(server.client(&new).get("/Users").await.status, StatusCode::OK);
}

/// A Secret Service whose keyring is locked (gnome-keyring started without unlocking, no
/// display to ask for a password): create still works, prints the token once and says why.
#[test]
fn with_a_locked_keychain_create_still_works_and_says_it_is_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let (data_home, runtime, data_dir) =
        (tmp.path().join("xdg-data"), tmp.path().join("xdg-run"), tmp.path().join("scimdesk"));
    std::fs::create_dir_all(&data_home).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let script = format!(
        "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec '{}' --data-dir '{}' source create Locked --slug locked",
        bin(),
        data_dir.display()
    );
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("dbus-run-session (package dbus) is needed");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let token = token_in(&stdout);
    assert!(stderr.contains("locked or refused access"), "{stderr}");
    assert!(stderr.contains("scimdesk source rotate locked"), "{stderr}");
    assert!(!stderr.contains(&token));
}
