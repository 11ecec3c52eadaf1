//! The read-only connections: taken by a read for its duration, then put back.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use super::activity::attach_log;
use super::connection::{self, Access};
use crate::store::Result;

/// Idle read connections kept open; more are opened when more reads run at once, and closed
/// when they come back to a full pool.
const MAX_IDLE: usize = 8;

pub(super) struct ReadPool {
    path: PathBuf,
    log_path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    pub(super) fn new(path: PathBuf, log_path: PathBuf) -> Self {
        ReadPool { path, log_path, idle: Mutex::new(Vec::with_capacity(MAX_IDLE)) }
    }

    fn open(&self) -> Result<Connection> {
        let conn = connection::open(&self.path, Access::ReadOnly)?;
        attach_log(&conn, &self.log_path, Access::ReadOnly)?;
        Ok(conn)
    }

    /// Run `read` on an idle connection (or a new one).
    pub(super) fn with<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self.idle.lock().expect("read pool").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn);
        let mut idle = self.idle.lock().expect("read pool");
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        result
    }
}

/// Run `read` inside one read transaction, so that all its statements see the same committed
/// state (a list's count and its page).
pub(super) fn in_read_transaction<T>(conn: &Connection, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    connection::exec(conn, "BEGIN")?;
    let result = read(conn);
    // A read changes nothing: ending it can only fail if the connection is broken, and then
    // the next read on it reports that.
    let _ = connection::exec(conn, "COMMIT");
    result
}
