//! `scimdesk service`: keep `scimdesk serve` running for one data folder as the user's background
//! service, started at login and restarted on failure, so that Entra's cycles (about every 40
//! minutes) find the server answering with no window open. A systemd user unit on Linux, a
//! LaunchAgent on macOS; Windows is not implemented (the message names the documented way).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;

use scimdesk::{Engine, EngineError};

#[derive(Subcommand, Debug)]
pub enum ServiceCommand {
    /// Run `scimdesk serve` for this data folder at login, restarted on failure.
    Install {
        /// Address and port the service listens on (default: the bind setting, else 127.0.0.1:7643).
        #[arg(long)]
        bind: Option<String>,
        /// Write the service definition only: do not enable or start it.
        #[arg(long)]
        no_start: bool,
        /// Replace a service installed for another data folder.
        #[arg(long)]
        force: bool,
    },
    /// Stop the service and remove it.
    Uninstall,
    /// Is the service installed, running, and does a server answer? Exit 8 when not installed.
    Status {
        /// Address to check (default: the service's --bind, else the data folder's bind setting).
        #[arg(long)]
        bind: Option<String>,
    },
}

/// What can go wrong managing the service; `cli/error.rs` gives each its exit code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the background service is not installed (no {}); `scimdesk service install` installs it", .0.display())]
    NotInstalled(PathBuf),
    #[error(
        "{} already runs ScimDesk for another data folder ({installed}); pass --force to serve {} instead",
        unit.display(),
        wanted.display()
    )]
    OtherDataFolder { unit: PathBuf, installed: String, wanted: PathBuf },
    /// Not available on this OS; the message says what to do instead.
    #[error("{0}")]
    Unsupported(String),
    #[error("could not {what} {}: {source}; check that folder's permissions", path.display())]
    Io { what: &'static str, path: PathBuf, source: io::Error },
    /// The service manager was reachable but refused (its own words are in the message).
    #[error("{0}")]
    Manager(String),
}

/// What the service runs: this executable serving this data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub exe: String,
    pub data_dir: String,
    pub bind: Option<String>,
}

impl ServiceSpec {
    fn new(exe: &Path, data_dir: &Path, bind: Option<String>) -> Result<ServiceSpec, ServiceError> {
        Ok(ServiceSpec { exe: unit_path(exe)?, data_dir: unit_path(data_dir)?, bind })
    }

    /// The command line after the executable.
    fn args(&self) -> Vec<&str> {
        let mut args = vec!["--data-dir", self.data_dir.as_str(), "serve"];
        if let Some(bind) = &self.bind {
            args.extend(["--bind", bind.as_str()]);
        }
        args
    }

    /// Read `--data-dir` and `--bind` back from a command line (the executable first).
    #[cfg_attr(not(any(target_os = "linux", target_os = "macos", test)), allow(dead_code))]
    fn from_command_line(words: &[String]) -> Option<ServiceSpec> {
        let (exe, rest) = words.split_first()?;
        let value = |flag: &str| rest.iter().position(|w| w == flag).and_then(|i| rest.get(i + 1)).cloned();
        Some(ServiceSpec { exe: exe.clone(), data_dir: value("--data-dir")?, bind: value("--bind") })
    }
}

/// A path as the service definition holds it: UTF-8, without control characters (a unit file is
/// UTF-8 text, and systemd's path settings have no escape for a newline).
fn unit_path(path: &Path) -> Result<String, ServiceError> {
    match path.to_str() {
        Some(s) if !s.chars().any(char::is_control) => Ok(s.to_string()),
        _ => Err(EngineError::InvalidInput(format!(
            "the path {} cannot be written into a service definition (it is not UTF-8 or holds a control character); choose another with --data-dir",
            path.display()
        ))
        .into()),
    }
}

pub async fn run(data_dir: &Path, cmd: ServiceCommand) -> Result<(), ServiceError> {
    match cmd {
        ServiceCommand::Install { bind, no_start, force } => install(data_dir, bind, no_start, force).await,
        ServiceCommand::Uninstall => uninstall(),
        ServiceCommand::Status { bind } => status(data_dir, bind).await,
    }
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ServiceError {
    let path = path.to_path_buf();
    move |source| ServiceError::Io { what, path, source }
}

/// The installed definition: its text and what it runs (None when it is not one we can read).
fn installed(path: &Path) -> Result<Option<(String, Option<ServiceSpec>)>, ServiceError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let spec = platform::parse(&text);
            Ok(Some((text, spec)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

async fn install(data_dir: &Path, bind: Option<String>, no_start: bool, force: bool) -> Result<(), ServiceError> {
    let path = platform::definition_path()?;
    if let Some(b) = &bind {
        scimdesk::settings::parse_bind(b)?;
    }
    let data_dir = std::path::absolute(data_dir).map_err(io_error("find", data_dir))?;
    let data_dir = data_dir.canonicalize().unwrap_or(data_dir);
    let previous = installed(&path)?;
    if let Some((_, old)) = &previous {
        let other = match old {
            Some(old) if Path::new(&old.data_dir) == data_dir => None,
            Some(old) => Some(old.data_dir.clone()),
            None => Some("one this ScimDesk cannot read".to_string()),
        };
        if let (Some(installed), false) = (other, force) {
            return Err(ServiceError::OtherDataFolder { unit: path, installed, wanted: data_dir });
        }
    }
    // Opening the engine creates the folder and its database now, so that a folder the service
    // could not use is said here rather than in a log at the next login.
    Engine::open(&data_dir).await?;
    let data_dir = data_dir.canonicalize().map_err(io_error("find", &data_dir))?;
    let exe =
        std::env::current_exe().and_then(|e| e.canonicalize()).map_err(io_error("find", Path::new("scimdesk")))?;
    let spec = ServiceSpec::new(&exe, &data_dir, bind)?;
    let text = platform::render(&spec);
    let changed = previous.as_ref().is_none_or(|(old, _)| *old != text);
    if changed {
        let dir = path.parent().expect("the definition lives in a folder");
        std::fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        // Written whole, then renamed over the old one: a service manager never reads half a file.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &text).map_err(io_error("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(io_error("write", &path))?;
        println!("Wrote {}: it runs {} at login, restarted on failure.", path.display(), command_line(&spec));
    } else {
        println!("{} is already installed for this data folder: unchanged.", path.display());
    }
    if no_start {
        println!("Not enabled or started (--no-start). {}", platform::START_HINT);
        return Ok(());
    }
    platform::start(&path, changed)
}

fn uninstall() -> Result<(), ServiceError> {
    let path = platform::definition_path()?;
    let present = path.exists();
    let stopped = platform::stop(&path)?;
    if present {
        std::fs::remove_file(&path).map_err(io_error("remove", &path))?;
        println!("Removed {}.", path.display());
    } else if !stopped {
        println!("Nothing to remove: no background service is installed ({} does not exist).", path.display());
    }
    platform::removed();
    Ok(())
}

async fn status(data_dir: &Path, bind: Option<String>) -> Result<(), ServiceError> {
    let path = platform::definition_path()?;
    let installed = installed(&path)?;
    let spec = installed.as_ref().and_then(|(_, spec)| spec.clone());
    match (&installed, &spec) {
        (None, _) => println!("Service:      not installed ({} does not exist)", path.display()),
        (Some(_), None) => println!("Service:      installed at {}, but not as ScimDesk writes it", path.display()),
        (Some(_), Some(spec)) => {
            println!("Service:      installed at {}", path.display());
            println!("Data folder:  {}", spec.data_dir);
            println!("Executable:   {}", spec.exe);
        }
    }
    if installed.is_some() {
        for (label, value) in platform::state(&path) {
            println!("{label:<13} {value}");
        }
    }

    let folder = spec.as_ref().map(|s| PathBuf::from(&s.data_dir)).unwrap_or_else(|| data_dir.to_path_buf());
    let (bind, from) = match (bind, spec.as_ref().and_then(|s| s.bind.clone())) {
        (Some(b), _) => (scimdesk::settings::parse_bind(&b)?, "--bind".to_string()),
        (None, Some(b)) => (scimdesk::settings::parse_bind(&b)?, "the service's --bind".to_string()),
        (None, None) => bind_setting(&folder).await,
    };
    match loopback(bind) {
        Some(addr) if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() => {
            println!("Server:       answering on {addr} ({from})")
        }
        Some(addr) => println!("Server:       not answering on {addr} ({from})"),
        None => println!("Server:       not checked: {bind} ({from}) is not a loopback address"),
    }
    match installed {
        Some(_) => Ok(()),
        None => Err(ServiceError::NotInstalled(path)),
    }
}

/// The data folder's bind setting and where it came from; the default when it has no database.
async fn bind_setting(data_dir: &Path) -> (SocketAddr, String) {
    let default = scimdesk::settings::DEFAULT_BIND.parse().expect("default bind address");
    if !data_dir.join("scimdesk.db").exists() {
        return (default, "the default: the data folder has no database".to_string());
    }
    let current = async { Engine::open(data_dir).await?.settings().current() };
    match current.await {
        Ok(s) => (s.bind, format!("the bind setting of {}", data_dir.display())),
        Err(e) => (default, format!("the default: the settings could not be read: {e}")),
    }
}

/// Where to look for the server: the bind address if it is loopback, loopback on its port if it
/// is "any address"; status never connects elsewhere.
fn loopback(bind: SocketAddr) -> Option<SocketAddr> {
    match bind.ip() {
        ip if ip.is_loopback() => Some(bind),
        IpAddr::V4(ip) if ip.is_unspecified() => Some(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => Some(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port())),
        _ => None,
    }
}

/// The command line for a person to read.
fn command_line(spec: &ServiceSpec) -> String {
    let quote = |w: &str| if w.contains(' ') { format!("\"{w}\"") } else { w.to_string() };
    let mut words = vec![quote(&spec.exe)];
    words.extend(spec.args().into_iter().map(quote));
    format!("`{}`", words.join(" "))
}

/// systemd's unit file syntax: the unit text from a spec, and the spec back from a unit.
#[cfg(any(target_os = "linux", test))]
mod systemd;

/// launchd's property list: the LaunchAgent from a spec, and the spec back from it.
#[cfg(any(target_os = "macos", test))]
mod launchd;

/// Linux: a systemd user unit, and `systemctl --user` when the user manager can be reached.
#[cfg(target_os = "linux")]
#[path = "service/platform_linux.rs"]
mod platform;

/// macOS: a LaunchAgent, loaded into the user's GUI session with launchctl. Not tested here.
#[cfg(target_os = "macos")]
#[path = "service/platform_macos.rs"]
mod platform;

/// Windows and the rest: not implemented; the message says what to do instead.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
#[path = "service/platform_other.rs"]
mod platform;

#[cfg(test)]
mod tests;
