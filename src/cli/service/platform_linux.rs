use std::path::{Path, PathBuf};
use std::process::Command;

use super::{io_error, systemd, ServiceError, ServiceSpec};

pub const START_HINT: &str =
    "To start it now and at every login: systemctl --user daemon-reload && systemctl --user enable --now scimdesk.service";

pub use systemd::parse;

pub fn render(spec: &ServiceSpec) -> String {
    systemd::unit_text(spec)
}

/// `$XDG_CONFIG_HOME/systemd/user/scimdesk.service` (default `~/.config/...`).
pub fn definition_path() -> Result<PathBuf, ServiceError> {
    let config = dirs::config_dir().ok_or_else(|| {
        ServiceError::Unsupported("cannot find your configuration folder: set HOME or XDG_CONFIG_HOME".into())
    })?;
    Ok(config.join("systemd/user").join(systemd::UNIT_NAME))
}

/// The link `systemctl --user enable` makes: the unit starts with default.target, at login.
fn wants_link(unit: &Path) -> PathBuf {
    unit.with_file_name("default.target.wants").join(systemd::UNIT_NAME)
}

/// Run `systemctl --user ARGS`: Ok(stdout) or Err(what it said).
fn systemctl(args: &[&str]) -> Result<String, String> {
    match Command::new("systemctl").arg("--user").args(args).output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
        Ok(out) => {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            Err(if said.is_empty() { String::from_utf8_lossy(&out.stdout).trim().to_string() } else { said })
        }
        Err(e) => Err(format!("systemctl could not be run: {e}")),
    }
}

/// Ok when the user's systemd answers; else why not (no user manager: a container, ssh
/// without a login session, systemd not PID 1).
fn manager() -> Result<(), String> {
    systemctl(&["show-environment"]).map(drop)
}

fn run(args: &[&str]) -> Result<String, ServiceError> {
    systemctl(args)
        .map_err(|said| ServiceError::Manager(format!("`systemctl --user {}` failed: {said}", args.join(" "))))
}

pub fn start(unit: &Path, changed: bool) -> Result<(), ServiceError> {
    if let Err(why) = manager() {
        // Enable by hand what `systemctl enable` would: the user manager reads the link at
        // the next login and starts the service.
        let link = wants_link(unit);
        let dir = link.parent().expect("a folder");
        std::fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(unit, &link).map_err(io_error("write", &link))?;
        }
        println!("Enabled at login: {} links to it.", link.display());
        println!("Not started now: systemd's user manager cannot be reached here ({why}).");
        println!(
            "It starts at your next login; to start it from a login session now, run: \
             systemctl --user daemon-reload && systemctl --user enable --now scimdesk.service"
        );
        return Ok(());
    }
    run(&["daemon-reload"])?;
    run(&["enable", systemd::UNIT_NAME])?;
    // A changed unit applies only after a restart; an unchanged one keeps serving.
    run(&[if changed { "restart" } else { "start" }, systemd::UNIT_NAME])?;
    let state = systemctl(&["is-active", systemd::UNIT_NAME]).unwrap_or_else(|s| s);
    println!("Enabled and started: systemd reports it {state}. `scimdesk service status` checks it.");
    Ok(())
}

/// Disable and stop; true when something was there to disable.
pub fn stop(unit: &Path) -> Result<bool, ServiceError> {
    let link = wants_link(unit);
    match manager() {
        Ok(()) if unit.exists() => {
            run(&["disable", "--now", systemd::UNIT_NAME])?;
            println!("Stopped and disabled {}.", systemd::UNIT_NAME);
        }
        Ok(()) => {}
        Err(why) if unit.exists() => println!(
            "Could not ask systemd to stop it ({why}); a server it started keeps running until you log out \
             or run `systemctl --user stop scimdesk.service`."
        ),
        Err(_) => {}
    }
    if std::fs::symlink_metadata(&link).is_ok() {
        std::fs::remove_file(&link).map_err(io_error("remove", &link))?;
        println!("Removed {}.", link.display());
        return Ok(true);
    }
    Ok(false)
}

pub fn removed() {
    if manager().is_ok() {
        let _ = systemctl(&["daemon-reload"]);
    }
}

pub fn state(unit: &Path) -> Vec<(&'static str, String)> {
    let enabled = std::fs::symlink_metadata(wants_link(unit)).is_ok();
    let active = match manager() {
        Ok(()) => systemctl(&["is-active", systemd::UNIT_NAME]).unwrap_or_else(|s| s),
        Err(why) => format!("cannot ask systemd here ({why})"),
    };
    vec![("At login:", if enabled { "enabled" } else { "not enabled" }.to_string()), ("systemd:", active)]
}
