//! `scimdesk service`: the real binary writes a systemd user unit into a temporary
//! XDG_CONFIG_HOME, and `systemd-analyze verify` judges it. systemd is not PID 1 where these
//! tests run, so no user manager is reachable: every command runs with a session bus and runtime
//! folder that lead nowhere, so that a developer's own user manager is never touched.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bin, Server};

/// A sandbox: a config home for the unit, a runtime folder with no user manager in it.
struct Sandbox {
    home: tempfile::TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox { home: tempfile::tempdir().expect("temp dir") }
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn unit_path(&self) -> PathBuf {
        self.config().join("systemd/user/scimdesk.service")
    }

    fn unit(&self) -> String {
        std::fs::read_to_string(self.unit_path()).expect("the unit was written")
    }

    fn run(&self, data_dir: &Path, args: &[&str]) -> Out {
        let runtime = self.home.path().join("runtime");
        std::fs::create_dir_all(&runtime).unwrap();
        let out = Command::new(bin())
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .env("XDG_CONFIG_HOME", self.config())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}/no-bus", runtime.display()))
            .env_remove("SCIMDESK_BIND")
            .output()
            .expect("run scimdesk");
        Out {
            code: out.status.code().expect("exited"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

fn systemd_analyze_verify(unit: &Path) {
    let out = Command::new("systemd-analyze").arg("verify").arg(unit).output().unwrap_or_else(|e| {
        panic!(
            "systemd-analyze could not be run ({e}): install the Debian package `systemd` \
             (scripts/setup.sh does) to test the unit that `scimdesk service install` writes"
        )
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "systemd-analyze verify refused the unit:\n{stderr}");
}

#[test]
fn install_no_start_writes_a_unit_systemd_accepts() {
    let sandbox = Sandbox::new();
    let data = tempfile::tempdir().unwrap();
    let out = sandbox.run(data.path(), &["service", "install", "--no-start"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("--no-start"), "{}", out.stdout);
    systemd_analyze_verify(&sandbox.unit_path());

    let unit = sandbox.unit();
    let exe = Path::new(bin()).canonicalize().unwrap();
    let data_dir = data.path().canonicalize().unwrap();
    let exec = format!("ExecStart={} --data-dir {} serve", exe.display(), data_dir.display());
    assert!(unit.lines().any(|l| l == exec), "no `{exec}` in\n{unit}");
    for line in [
        "Restart=on-failure",
        "RestartSec=5",
        "WantedBy=default.target",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        &format!("ReadWritePaths={}", data_dir.display()),
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "LockPersonality=yes",
        "RestrictRealtime=yes",
        "SystemCallArchitectures=native",
        "MemoryDenyWriteExecute=yes",
        "UMask=0077",
    ] {
        assert!(unit.lines().any(|l| l == line), "no `{line}` in\n{unit}");
    }
    // --no-start writes the unit only: not enabled at login.
    assert!(!sandbox.config().join("systemd/user/default.target.wants/scimdesk.service").exists());
}

#[test]
fn a_data_folder_with_a_space_round_trips() {
    let sandbox = Sandbox::new();
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("My ScimDesk data");
    let out = sandbox.run(&data, &["service", "install", "--no-start", "--bind", "127.0.0.1:7999"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    systemd_analyze_verify(&sandbox.unit_path());
    let data = data.canonicalize().expect("install created the data folder");
    let unit = sandbox.unit();
    assert!(unit.contains(&format!("--data-dir \"{}\" serve --bind 127.0.0.1:7999\n", data.display())), "{unit}");
    assert!(unit.contains(&format!("ReadWritePaths=\"{}\"\n", data.display())), "{unit}");

    let status = sandbox.run(Path::new("/nonexistent"), &["service", "status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains(&format!("Data folder:  {}\n", data.display())), "{}", status.stdout);
    assert!(status.stdout.contains("127.0.0.1:7999 (the service's --bind)"), "{}", status.stdout);
}

#[test]
fn status_install_uninstall_cycle() {
    let sandbox = Sandbox::new();
    let data = tempfile::tempdir().unwrap();

    let before = sandbox.run(data.path(), &["service", "status"]);
    assert_eq!(before.code, 8, "{}{}", before.stdout, before.stderr);
    assert!(before.stdout.contains("Service:      not installed"), "{}", before.stdout);
    assert!(before.stderr.contains("scimdesk service install"), "{}", before.stderr);

    let install = sandbox.run(data.path(), &["service", "install"]);
    assert_eq!(install.code, 0, "{}", install.stderr);
    assert!(install.stdout.contains("systemd's user manager cannot be reached"), "{}", install.stdout);
    assert!(install.stdout.contains("systemctl --user daemon-reload && systemctl --user enable --now"));
    let wants = sandbox.config().join("systemd/user/default.target.wants/scimdesk.service");
    assert_eq!(std::fs::read_link(&wants).unwrap(), sandbox.unit_path(), "enabled at login as systemctl would");

    // Installing again is fine and leaves the unit as it was.
    let unit = sandbox.unit();
    let again = sandbox.run(data.path(), &["service", "install"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
    assert_eq!(sandbox.unit(), unit);

    let status = sandbox.run(data.path(), &["service", "status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let exe = Path::new(bin()).canonicalize().unwrap();
    for line in [
        format!("Service:      installed at {}", sandbox.unit_path().display()),
        format!("Data folder:  {}", data.path().canonicalize().unwrap().display()),
        format!("Executable:   {}", exe.display()),
        "At login:     enabled".to_string(),
    ] {
        assert!(status.stdout.contains(&line), "no `{line}` in\n{}", status.stdout);
    }
    assert!(status.stdout.contains("systemd:      cannot ask systemd here"), "{}", status.stdout);

    let uninstall = sandbox.run(data.path(), &["service", "uninstall"]);
    assert_eq!(uninstall.code, 0, "{}", uninstall.stderr);
    assert!(!sandbox.unit_path().exists() && std::fs::symlink_metadata(&wants).is_err());

    let after = sandbox.run(data.path(), &["service", "status"]);
    assert_eq!(after.code, 8, "{}", after.stdout);
    let nothing = sandbox.run(data.path(), &["service", "uninstall"]);
    assert_eq!(nothing.code, 0, "{}", nothing.stderr);
    assert!(nothing.stdout.contains("Nothing to remove"), "{}", nothing.stdout);
}

#[test]
fn install_for_another_data_folder_needs_force() {
    let sandbox = Sandbox::new();
    let first = tempfile::tempdir().unwrap();
    let parent = tempfile::tempdir().unwrap();
    let second = parent.path().join("second");
    assert_eq!(sandbox.run(first.path(), &["service", "install", "--no-start"]).code, 0);
    let unit = sandbox.unit();

    let refused = sandbox.run(&second, &["service", "install", "--no-start"]);
    assert_eq!(refused.code, 4, "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("another data folder") && refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(sandbox.unit(), unit, "the unit is unchanged");
    assert!(!second.exists(), "a refused install creates no data folder");

    let forced = sandbox.run(&second, &["service", "install", "--no-start", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(sandbox.unit().contains(&format!("--data-dir {} serve", second.canonicalize().unwrap().display())));
}

#[test]
fn status_reports_a_server_answering() {
    let sandbox = Sandbox::new();
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    assert_eq!(sandbox.run(data.path(), &["service", "install", "--no-start", "--bind", &bind]).code, 0);

    let idle = sandbox.run(data.path(), &["service", "status"]);
    assert!(idle.stdout.contains(&format!("Server:       not answering on {bind}")), "{}", idle.stdout);

    let mut server = Server::serve_with_args(data.path(), &[], &["--bind", &bind]);
    assert_eq!(server.port, port);
    let serving = sandbox.run(data.path(), &["service", "status"]);
    assert_eq!(serving.code, 0, "{}", serving.stderr);
    assert!(serving.stdout.contains(&format!("Server:       answering on {bind}")), "{}", serving.stdout);
    server.stop();

    // Not installed, without --bind: status asks the data folder's bind setting.
    let data2 = tempfile::tempdir().unwrap();
    let mut setting = Command::new(bin());
    setting.arg("--data-dir").arg(data2.path()).args(["config", "set", "bind", &bind]);
    assert!(setting.output().unwrap().status.success());
    let mut server = Server::serve_with_args(data2.path(), &[], &["--bind", &bind]);
    let not_installed = Sandbox::new().run(data2.path(), &["service", "status"]);
    assert_eq!(not_installed.code, 8, "{}", not_installed.stderr);
    let answering = format!("answering on {bind} (the bind setting of {})", data2.path().display());
    assert!(not_installed.stdout.contains(&answering), "{}", not_installed.stdout);
    server.stop();
}
