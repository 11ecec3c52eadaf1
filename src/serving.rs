//! One server per data folder. The process that serves a data folder (the window, or
//! `scimdesk serve` as the background service) holds an exclusive lock on its `serving.lock` and
//! says in `serving.json` who it is and where it listens. Another process on the same folder sees
//! that it is served, and by whom: the window then attaches to the service instead of reporting
//! a taken port, and a service started while the window serves waits for the window to quit.
//!
//! The lock is the operating system's (`flock` on Unix): it goes with the process, so a server
//! that crashed or was killed never leaves the folder looking served. `serving.json` is only
//! believed while its lock is held.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Locked by the process that serves the data folder.
pub const LOCK_FILE: &str = "serving.lock";
/// Who holds the lock: a [`Server`] as JSON.
pub const RECORD_FILE: &str = "serving.json";

/// What kind of process serves.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ServerKind {
    /// `scimdesk serve`: the background service (or the CLI in a terminal).
    Service,
    /// The ScimDesk window (the desktop app).
    Window,
    /// The desktop app with its window closed: `scimdesk serve --tray`, which the app becomes
    /// (exec) when its window closes, and which becomes the app again when the admin opens it.
    Tray,
}

/// The process that serves a data folder, as it describes itself.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    pub kind: ServerKind,
    pub pid: u32,
    /// Where it listens (`127.0.0.1:8080`); none while it is starting or could not bind.
    pub listening: Option<String>,
}

/// The result of asking to serve a data folder.
#[derive(Debug)]
pub enum Claim {
    /// This process serves the folder until the lock is dropped.
    Granted(ServingLock),
    /// Another process serves it. `None` when it has not said who it is yet (it is starting).
    Held(Option<Server>),
}

/// The held lock; dropping it (or the process ending) frees the data folder.
#[derive(Debug)]
pub struct ServingLock {
    /// Locked for as long as this value lives.
    _lock: File,
    record: PathBuf,
    server: Server,
}

/// Go on serving `data_dir` as `kind` under a lock this process already holds: `lock` was handed
/// over by the program this process ran before (see [`crate::handover`]). The record is written
/// again with the new kind.
#[cfg(unix)]
pub fn adopt(data_dir: &Path, lock: std::os::fd::OwnedFd, kind: ServerKind) -> io::Result<ServingLock> {
    let lock = File::from(lock);
    // Our own lock: granted at once. A descriptor that holds no lock is locked here, unless
    // another process serves, which is then an error (the handover was not ours).
    lock.try_lock().map_err(|e| match e {
        TryLockError::WouldBlock => io::Error::other("the handed-over serving lock is held by another process"),
        TryLockError::Error(e) => e,
    })?;
    let server = Server { kind, pid: std::process::id(), listening: None };
    let held = ServingLock { _lock: lock, record: data_dir.join(RECORD_FILE), server };
    held.write_record()?;
    Ok(held)
}

/// Ask to serve `data_dir` as `kind`; never waits.
pub fn claim(data_dir: &Path, kind: ServerKind) -> io::Result<Claim> {
    let lock = open_lock(data_dir)?;
    match lock.try_lock() {
        Ok(()) => {
            let server = Server { kind, pid: std::process::id(), listening: None };
            let held = ServingLock { _lock: lock, record: data_dir.join(RECORD_FILE), server };
            held.write_record()?;
            Ok(Claim::Granted(held))
        }
        Err(TryLockError::WouldBlock) => Ok(Claim::Held(read_record(data_dir))),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Who serves `data_dir` now, if anyone. `Some(None)`: served by a process that has not said who
/// it is yet.
pub fn server_of(data_dir: &Path) -> io::Result<Option<Option<Server>>> {
    let lock = open_lock(data_dir)?;
    match lock.try_lock() {
        // Free: nobody serves. The lock is released when `lock` is dropped here.
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => Ok(Some(read_record(data_dir))),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

impl ServingLock {
    /// Say where this process now listens (`None`: it does not, e.g. its port was taken).
    pub fn set_listening(&mut self, addr: Option<SocketAddr>) -> io::Result<()> {
        self.server.listening = addr.map(|a| a.to_string());
        self.write_record()
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The locked file, still locked, for the next program of this process ([`adopt`]).
    #[cfg(unix)]
    pub fn into_fd(self) -> std::os::fd::OwnedFd {
        std::os::fd::OwnedFd::from(self._lock)
    }

    /// Replace the record whole (written aside, then renamed), so a reader never sees half of it.
    fn write_record(&self) -> io::Result<()> {
        let partial = self.record.with_extension("json.partial");
        let mut file = File::create(&partial)?;
        file.write_all(&serde_json::to_vec(&self.server).map_err(io::Error::other)?)?;
        drop(file);
        std::fs::rename(&partial, &self.record)
    }
}

fn open_lock(data_dir: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).truncate(false).read(true).write(true).open(data_dir.join(LOCK_FILE))
}

fn read_record(data_dir: &Path) -> Option<Server> {
    let bytes = std::fs::read(data_dir.join(RECORD_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_sees_who_serves_until_the_first_lock_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(server_of(dir.path()).unwrap(), None, "nobody serves a new folder");

        let Claim::Granted(mut lock) = claim(dir.path(), ServerKind::Service).unwrap() else {
            panic!("a free folder is granted")
        };
        lock.set_listening(Some("127.0.0.1:7643".parse().unwrap())).unwrap();
        let expected =
            Server { kind: ServerKind::Service, pid: std::process::id(), listening: Some("127.0.0.1:7643".into()) };
        match claim(dir.path(), ServerKind::Window).unwrap() {
            Claim::Held(server) => assert_eq!(server, Some(expected.clone())),
            Claim::Granted(_) => panic!("a held folder was granted twice"),
        }
        assert_eq!(server_of(dir.path()).unwrap(), Some(Some(expected)));

        drop(lock);
        assert_eq!(server_of(dir.path()).unwrap(), None, "a dropped lock frees the folder");
        assert!(matches!(claim(dir.path(), ServerKind::Window).unwrap(), Claim::Granted(_)));
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_handed_over_keeps_the_folder_served_and_says_who_serves_now() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::Granted(lock) = claim(dir.path(), ServerKind::Window).unwrap() else { panic!("granted") };
        let fd = lock.into_fd();
        assert!(
            matches!(claim(dir.path(), ServerKind::Service).unwrap(), Claim::Held(_)),
            "still locked as a descriptor"
        );
        let adopted = adopt(dir.path(), fd, ServerKind::Tray).unwrap();
        let expected = Server { kind: ServerKind::Tray, pid: std::process::id(), listening: None };
        assert_eq!(server_of(dir.path()).unwrap(), Some(Some(expected)));
        drop(adopted);
        assert_eq!(server_of(dir.path()).unwrap(), None);
    }

    #[test]
    fn a_record_left_by_a_process_that_ended_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = Server { kind: ServerKind::Service, pid: 1, listening: Some("127.0.0.1:1".into()) };
        std::fs::write(dir.path().join(RECORD_FILE), serde_json::to_vec(&stale).unwrap()).unwrap();
        assert_eq!(server_of(dir.path()).unwrap(), None);
    }
}
