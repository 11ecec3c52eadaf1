//! Opening a connection to the database file, the same way for the writer and the readers, and
//! telling SQLite's errors apart.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::store::{Result, StoreError, UniqueIndex};

/// Prepared statements kept per connection; the store has a few dozen distinct ones.
const STATEMENT_CACHE: usize = 256;

/// Address space a read connection maps the database file into. Reads then copy nothing and make
/// no system call per page; the mapped pages are the kernel's page cache, shared and reclaimable,
/// not memory of the process's own.
const READ_MMAP_BYTES: i64 = 1 << 30;

/// How long a statement waits for a lock before it fails (the writer holds it for one commit).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// The writer: creates the file, turns on WAL.
    ReadWrite,
    ReadOnly,
}

pub(super) fn open(path: &Path, access: Access) -> Result<Connection> {
    let flags = match access {
        Access::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Access::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    // Plans do not depend on bound values: without this, SQLite re-prepares a statement on
    // every new `LIMIT ?` value (perf showed a list spending a fifth of its time re-preparing).
    // Every query here is written for its index whatever the values.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    if access == Access::ReadWrite {
        use_wal(&conn, "main", path)?;
        // A 2xx means the change is on disk.
        conn.pragma_update(None, "synchronous", "FULL")?;
    } else {
        conn.pragma_update(None, "mmap_size", READ_MMAP_BYTES)?;
    }
    Ok(conn)
}

/// Put the database `schema` of `conn` (the file at `path`) in WAL mode, or say why its folder
/// cannot be used (WAL needs shared memory, which network file systems may not give).
pub(super) fn use_wal(conn: &Connection, schema: &str, path: &Path) -> Result<()> {
    let mode: String = conn.query_row(&format!("PRAGMA {schema}.journal_mode = WAL"), [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        let folder = path.parent().unwrap_or(path).to_path_buf();
        let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
        return Err(StoreError::DataDir(
            folder,
            format!(
                "SQLite cannot keep {file} in WAL mode there (it stayed in {mode} mode); use a folder on a local disk"
            ),
        ));
    }
    Ok(())
}

/// Whether a UNIQUE (or primary key) constraint refused the statement.
pub(super) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Which unique index a violation came from, by the columns SQLite names in its message
/// ("UNIQUE constraint failed: users.source_id, users.user_name_key").
pub(super) fn unique_index(err: &rusqlite::Error) -> UniqueIndex {
    let message = err.to_string();
    if message.contains("users.user_name_key") {
        UniqueIndex::UserName
    } else if message.contains("groups.display_name_key") {
        UniqueIndex::GroupDisplayName
    } else if message.contains("sources.slug") {
        UniqueIndex::SourceSlug
    } else {
        UniqueIndex::Other
    }
}

/// Run a statement without parameters, prepared once per connection.
pub(super) fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}
