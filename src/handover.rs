//! Serving handed from one program to the next within one process. On Linux the desktop app's
//! window and its tray replace each other with exec(2): when the admin closes the window, the
//! app becomes `scimdesk serve --tray` (a few tens of MB instead of the window's WebKit and GTK),
//! and Open in the tray makes it the app again. The process, its pid and the data folder's
//! serving stay; what the next program needs is passed as open descriptors:
//!
//! - the listening socket, so that connections arriving during the switch wait in its queue
//!   instead of being refused, and the address stays the same;
//! - the serving lock, so that no other process (a service waiting for the folder) slips in.
//!
//! Their numbers travel in two environment variables that the next program takes out of its
//! environment at start.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serving::{self, ServerKind, ServingLock};

/// The descriptor number of the listening socket.
pub const LISTENER_ENV: &str = "SCIMDESK_HANDOVER_LISTENER_FD";
/// The descriptor number of the locked `serving.lock`.
pub const LOCK_ENV: &str = "SCIMDESK_HANDOVER_LOCK_FD";

/// What one program of the process leaves to the next; either part may be missing (a window
/// attached to the background service serves nothing, so it hands over nothing).
#[derive(Debug, Default)]
pub struct Handover {
    listener: Option<std::net::TcpListener>,
    lock: Option<OwnedFd>,
}

impl Handover {
    pub fn new(listener: Option<std::net::TcpListener>, lock: Option<ServingLock>) -> Handover {
        Handover { listener, lock: lock.map(ServingLock::into_fd) }
    }

    /// What the previous program handed over, taken out of the environment (so that processes
    /// this one starts do not see it). Empty when this program was started normally.
    ///
    /// Call it early, before other threads read the environment.
    pub fn take_from_env() -> Handover {
        let listener = take_fd(LISTENER_ENV).map(std::net::TcpListener::from);
        let lock = take_fd(LOCK_ENV);
        Handover { listener, lock }
    }

    pub fn is_empty(&self) -> bool {
        self.listener.is_none() && self.lock.is_none()
    }

    /// The listening socket, to serve on ([`crate::server::start_on`]).
    pub fn take_listener(&mut self) -> Option<std::net::TcpListener> {
        self.listener.take()
    }

    /// The serving lock, held again as `kind` with the record rewritten.
    pub fn take_lock(&mut self, data_dir: &Path, kind: ServerKind) -> Option<io::Result<ServingLock>> {
        self.lock.take().map(|fd| serving::adopt(data_dir, fd, kind))
    }

    /// Replace this process's program with `program` `args` (its environment this one's, with
    /// `envs` added), passing what is held. Returns only when exec failed: the error, and the
    /// handover back, so the caller can go on serving.
    pub fn exec<I, S>(self, program: &Path, args: I, envs: &[(&str, &OsStr)]) -> (io::Error, Handover)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(program);
        command.args(args).env_remove(LISTENER_ENV).env_remove(LOCK_ENV);
        // The desktop app and its tray program serve the data folder's SQLite file: a database
        // URL in the admin's session (for the CLI) must not move the tray program elsewhere.
        command.env_remove(crate::store::DATABASE_URL_ENV);
        command.envs(envs.iter().copied());
        let passed = [
            (LISTENER_ENV, self.listener.as_ref().map(AsRawFd::as_raw_fd)),
            (LOCK_ENV, self.lock.as_ref().map(AsRawFd::as_raw_fd)),
        ];
        for (name, fd) in passed {
            if let Some(fd) = fd {
                if let Err(e) = set_inherited(fd, true) {
                    return (e, self);
                }
                command.env(name, fd.to_string());
            }
        }
        let error = command.exec();
        for fd in passed.iter().filter_map(|(_, fd)| *fd) {
            let _ = set_inherited(fd, false);
        }
        (error, self)
    }
}

/// The descriptor named by `name`, removed from the environment; `None` when absent or not an
/// open descriptor.
fn take_fd(name: &str) -> Option<OwnedFd> {
    let value = std::env::var(name).ok()?;
    // SAFETY: called at start, before this program starts threads that read the environment.
    unsafe { std::env::remove_var(name) };
    let fd: RawFd = value.parse().ok().filter(|fd| *fd > 2)?;
    // Open, and not inherited further.
    if set_inherited(fd, false).is_err() {
        tracing::warn!(name, fd, "the handed-over descriptor is not open; ignored");
        return None;
    }
    // SAFETY: the previous program of this process passed this descriptor to us alone, and
    // nothing in this program has opened or taken it: it is ours to own.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether `fd` stays open across exec (FD_CLOEXEC cleared) or closes there.
fn set_inherited(fd: RawFd, inherited: bool) -> io::Result<()> {
    let flags = if inherited { 0 } else { libc::FD_CLOEXEC };
    // SAFETY: fcntl on a descriptor number with an integer argument touches no memory.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, flags) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The program `name` next to this one (installed side by side, as in `target/` and
/// `/usr/bin`), else on `PATH`.
pub fn sibling_program(name: &str) -> Option<PathBuf> {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(name)));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name));
    beside.into_iter().chain(on_path).find(|path| is_executable(path))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descriptor_is_inherited_only_while_handed_over() {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd = socket.as_raw_fd();
        let cloexec = || unsafe { libc::fcntl(fd, libc::F_GETFD) } & libc::FD_CLOEXEC != 0;
        assert!(cloexec(), "std opens sockets close-on-exec");
        set_inherited(fd, true).unwrap();
        assert!(!cloexec());
        set_inherited(fd, false).unwrap();
        assert!(cloexec());
    }

    #[test]
    fn a_failed_exec_gives_the_handover_back() {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let handover = Handover::new(Some(socket), None);
        let (error, mut back) = handover.exec(Path::new("/nonexistent/scimdesk"), ["serve"], &[]);
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert_eq!(back.take_listener().unwrap().local_addr().unwrap(), addr);
    }

    #[test]
    fn a_program_is_found_beside_this_one_or_on_the_path() {
        assert!(sibling_program("sh").is_some(), "sh is on PATH");
        assert!(sibling_program("no-such-program-scimdesk").is_none());
    }
}
