use std::path::{Path, PathBuf};
use std::process::Command;

use super::{launchd, ServiceError, ServiceSpec};

pub const START_HINT: &str =
    "To start it now and at every login: launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/net.scimdesk.serve.plist";

pub use launchd::parse;

pub fn render(spec: &ServiceSpec) -> String {
    launchd::plist_text(spec)
}

pub fn definition_path() -> Result<PathBuf, ServiceError> {
    let home = dirs::home_dir().ok_or_else(|| ServiceError::Unsupported("cannot find your home folder".into()))?;
    Ok(home.join("Library/LaunchAgents").join(format!("{}.plist", launchd::LABEL)))
}

fn domain() -> String {
    // SAFETY: getuid has no preconditions and cannot fail.
    format!("gui/{}", unsafe { libc::getuid() })
}

fn launchctl(args: &[&str]) -> Result<String, String> {
    match Command::new("launchctl").args(args).output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(e) => Err(format!("launchctl could not be run: {e}")),
    }
}

pub fn start(plist: &Path, _changed: bool) -> Result<(), ServiceError> {
    let target = format!("{}/{}", domain(), launchd::LABEL);
    // Loaded already: unload first, so that the new definition is the one that runs.
    let _ = launchctl(&["bootout", &target]);
    let path = plist.to_string_lossy();
    launchctl(&["bootstrap", &domain(), &path])
        .map_err(|said| ServiceError::Manager(format!("`launchctl bootstrap {} {path}` failed: {said}", domain())))?;
    println!("Loaded: it runs now and at every login.");
    Ok(())
}

pub fn stop(_plist: &Path) -> Result<bool, ServiceError> {
    let target = format!("{}/{}", domain(), launchd::LABEL);
    let loaded = launchctl(&["bootout", &target]).is_ok();
    if loaded {
        println!("Stopped {}.", launchd::LABEL);
    }
    Ok(loaded)
}

pub fn removed() {}

pub fn state(_plist: &Path) -> Vec<(&'static str, String)> {
    let target = format!("{}/{}", domain(), launchd::LABEL);
    let state = match launchctl(&["print", &target]) {
        Ok(out) if out.contains("state = running") => "running".to_string(),
        Ok(_) => "loaded, not running".to_string(),
        Err(_) => "not loaded".to_string(),
    };
    vec![("launchd:", state)]
}
