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
mod systemd {
    use super::ServiceSpec;

    pub const UNIT_NAME: &str = "scimdesk.service";

    /// The unit: `scimdesk serve` on the data folder, restarted on failure, started with the
    /// user's session (default.target), confined to what a loopback server needs.
    pub fn unit_text(spec: &ServiceSpec) -> String {
        let mut exec = vec![quote(&spec.exe, true)];
        exec.extend(spec.args().into_iter().map(|a| quote(a, true)));
        format!(
            "# Written by `scimdesk service install`; `scimdesk service uninstall` removes it.
[Unit]
Description=ScimDesk SCIM server

[Service]
Type=exec
ExecStart={exec}
# Entra retries a failed call and quarantines a job whose calls keep failing: come back quickly.
Restart=on-failure
RestartSec=5
# A loopback server that writes only its data folder. The keychain (Secret Service on the
# session bus) is not needed: `serve` checks tokens against the hashes in the database.
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={data_dir}
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
LockPersonality=yes
RestrictRealtime=yes
SystemCallArchitectures=native
# Neither mimalloc nor SQLite needs memory that is both writable and executable.
MemoryDenyWriteExecute=yes
UMask=0077

[Install]
WantedBy=default.target
",
            exec = exec.join(" "),
            data_dir = quote(&spec.data_dir, false),
        )
    }

    /// One word of a setting: double-quoted with C-style escapes when it is not plain, `%`
    /// doubled (specifiers) and, in a command line (`exec`), `$` doubled (variables).
    fn quote(word: &str, exec: bool) -> String {
        let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:+@,=".contains(c));
        if plain {
            return word.to_string();
        }
        let mut out = String::from("\"");
        for c in word.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '%' => out.push_str("%%"),
                '$' if exec => out.push_str("$$"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// What an `ExecStart=` of ours runs; None when the unit has none.
    pub fn parse(text: &str) -> Option<ServiceSpec> {
        let line = text.lines().find_map(|l| l.trim().strip_prefix("ExecStart="))?;
        ServiceSpec::from_command_line(&split(line)?)
    }

    /// Split a command line into words, undoing [`quote`]; None when a quote is not closed.
    fn split(line: &str) -> Option<Vec<String>> {
        let mut words = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { return Some(words) };
            let mut word = String::new();
            let quoted = first == '"' || first == '\'';
            if quoted {
                chars.next();
            }
            loop {
                match chars.next() {
                    None if quoted => return None,
                    None => break,
                    Some(c) if quoted && c == first => break,
                    Some(c) if !quoted && c.is_whitespace() => break,
                    Some('\\') => word.push(chars.next()?),
                    Some(c @ ('%' | '$')) if chars.peek() == Some(&c) => {
                        chars.next();
                        word.push(c);
                    }
                    Some(c) => word.push(c),
                }
            }
            words.push(word);
        }
    }
}

/// launchd's property list: the LaunchAgent from a spec, and the spec back from it.
#[cfg(any(target_os = "macos", test))]
mod launchd {
    use super::ServiceSpec;

    pub const LABEL: &str = "net.scimdesk.serve";

    pub fn plist_text(spec: &ServiceSpec) -> String {
        let mut args = vec![spec.exe.as_str()];
        args.extend(spec.args());
        let args: String = args.iter().map(|a| format!("\t\t<string>{}</string>\n", escape(a))).collect();
        let log = escape(&format!("{}/service.log", spec.data_dir));
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by `scimdesk service install`; `scimdesk service uninstall` removes it. -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LABEL}</string>
	<key>ProgramArguments</key>
	<array>
{args}	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>5</integer>
	<key>StandardErrorPath</key>
	<string>{log}</string>
</dict>
</plist>
"#
        )
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    }

    pub fn parse(text: &str) -> Option<ServiceSpec> {
        let array = text.split("<key>ProgramArguments</key>").nth(1)?.split("</array>").next()?;
        let words: Vec<String> = array
            .split("<string>")
            .skip(1)
            .filter_map(|s| s.split("</string>").next())
            .map(|s| s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
            .collect();
        ServiceSpec::from_command_line(&words)
    }
}

/// Linux: a systemd user unit, and `systemctl --user` when the user manager can be reached.
#[cfg(target_os = "linux")]
mod platform {
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
}

/// macOS: a LaunchAgent, loaded into the user's GUI session with launchctl. Not tested here.
#[cfg(target_os = "macos")]
mod platform {
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
        launchctl(&["bootstrap", &domain(), &path]).map_err(|said| {
            ServiceError::Manager(format!("`launchctl bootstrap {} {path}` failed: {said}", domain()))
        })?;
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
}

/// Windows and the rest: not implemented; the message says what to do instead.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod platform {
    use std::path::{Path, PathBuf};

    use super::{ServiceError, ServiceSpec};

    pub const START_HINT: &str = "";

    pub fn definition_path() -> Result<PathBuf, ServiceError> {
        Err(ServiceError::Unsupported(
            "`scimdesk service` is not implemented on this system. On Windows, keep ScimDesk running with a \
             scheduled task at logon that runs `scimdesk serve`, e.g. schtasks /Create /SC ONLOGON /TN ScimDesk \
             /TR \"C:\\path\\to\\scimdesk.exe serve\" (see the README)"
                .into(),
        ))
    }

    pub fn parse(_text: &str) -> Option<ServiceSpec> {
        None
    }

    pub fn render(_spec: &ServiceSpec) -> String {
        String::new()
    }

    pub fn start(_path: &Path, _changed: bool) -> Result<(), ServiceError> {
        definition_path().map(drop)
    }

    pub fn stop(_path: &Path) -> Result<bool, ServiceError> {
        definition_path().map(|_| false)
    }

    pub fn removed() {}

    pub fn state(_path: &Path) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(data_dir: &str, bind: Option<&str>) -> ServiceSpec {
        ServiceSpec { exe: "/usr/bin/scimdesk".into(), data_dir: data_dir.into(), bind: bind.map(str::to_string) }
    }

    #[test]
    fn unit_runs_serve_on_the_data_folder() {
        let unit = systemd::unit_text(&spec("/home/a/.local/share/scimdesk", None));
        assert!(unit.contains("\nExecStart=/usr/bin/scimdesk --data-dir /home/a/.local/share/scimdesk serve\n"));
        assert!(unit.contains("\nReadWritePaths=/home/a/.local/share/scimdesk\n"));
    }

    #[test]
    fn unit_quotes_spaces_percent_and_dollar_and_reads_them_back() {
        let odd = spec("/home/a/My Data/100% \"x\" $HOME \\ it's", Some("127.0.0.1:8000"));
        let unit = systemd::unit_text(&odd);
        assert!(
            unit.contains(r#"--data-dir "/home/a/My Data/100%% \"x\" $$HOME \\ it's" serve --bind 127.0.0.1:8000"#),
            "{unit}"
        );
        // Paths settings expand specifiers but not variables.
        assert!(unit.contains(r#"ReadWritePaths="/home/a/My Data/100%% \"x\" $HOME \\ it's""#), "{unit}");
        assert_eq!(systemd::parse(&unit), Some(odd));
    }

    #[test]
    fn a_unit_without_exec_start_is_not_ours() {
        assert_eq!(systemd::parse("[Service]\nType=simple\n"), None);
        assert_eq!(systemd::parse("ExecStart=/bin/true \"unclosed\n"), None);
    }

    #[test]
    fn plist_round_trips_a_path_with_markup() {
        let odd = spec("/Users/a/R&D <data>", Some("127.0.0.1:7000"));
        let plist = launchd::plist_text(&odd);
        assert!(plist.contains("<string>/Users/a/R&amp;D &lt;data&gt;</string>"));
        assert_eq!(launchd::parse(&plist), Some(odd));
    }

    #[test]
    fn status_checks_loopback_only() {
        let at = |s: &str| loopback(s.parse().unwrap()).map(|a| a.to_string());
        assert_eq!(at("127.0.0.1:7643").as_deref(), Some("127.0.0.1:7643"));
        assert_eq!(at("0.0.0.0:7643").as_deref(), Some("127.0.0.1:7643"));
        assert_eq!(at("[::]:7643").as_deref(), Some("[::1]:7643"));
        assert_eq!(at("192.168.1.5:7643"), None);
    }

    #[test]
    fn control_characters_cannot_go_into_a_unit() {
        assert!(unit_path(Path::new("/tmp/a\nb")).is_err());
        assert_eq!(unit_path(Path::new("/tmp/a b")).unwrap(), "/tmp/a b");
    }
}
