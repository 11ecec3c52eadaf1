//! rusqlite + SQLite: the only place that holds SQL. WAL, `synchronous=FULL`, foreign keys on,
//! migrations applied at open.
//!
//! Reads run on the caller's thread, on a read-only connection taken from a small pool: a read
//! of this store is an index lookup of a few microseconds, cheaper than handing it to another
//! thread and back. Writes go to the one [`Writer`] thread, which owns the only writing
//! connection.

mod activity;
mod activity_entry;
mod activity_histogram;
mod columns;
mod connection;
pub mod groups;
mod health;
mod keys;
mod migrate;
mod query;
mod reads;
pub mod resources;
mod search;
mod settings;
mod sources;
mod unknown_slugs;
pub mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use activity::ACTIVITY_FILE;
pub use activity_entry::ActivityEntry;
pub use activity_histogram::{ActivityBucket, ActivityHistogram};
pub use groups::{MemberRow, MembersAdded};
pub use health::{SourceTraffic, CYCLES_KEPT};
pub use query::{ListQuery, Page, SortOrder};
pub use resources::StoredResource;
pub use rusqlite::Connection;
pub use sources::{NewSource, SourceCounts, SourceRow};
pub use unknown_slugs::{UnknownSlugRow, MAX_UNKNOWN_SLUGS, OTHER_SLUGS};
pub use writer::Writer;

/// A UNIQUE index of the schema that refused a write (see `migrations/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueIndex {
    /// `users_user_name`: one userName key per source.
    UserName,
    /// `groups_display_name`: one group displayName key per source.
    GroupDisplayName,
    /// `sources.slug`: one source per slug.
    SourceSlug,
    /// Any other unique index or primary key.
    Other,
}

impl std::fmt::Display for UniqueIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UniqueIndex::UserName => "users_user_name",
            UniqueIndex::GroupDisplayName => "groups_display_name",
            UniqueIndex::SourceSlug => "sources.slug",
            UniqueIndex::Other => "another unique index",
        })
    }
}

/// What went wrong in the store, in the store's own terms: callers decide what it means to a
/// SCIM client, an admin on the CLI or the window.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the unique index {0} refused the write")]
    UniqueViolation(UniqueIndex),
    #[error("the database is busy (locked by another process for longer than the wait allows)")]
    Busy,
    #[error("the database file could not be read or written: {0}")]
    Io(String),
    #[error("database error: {0}")]
    Database(rusqlite::Error),
    #[error("the database was written by a newer version of ScimDesk (it has migration {0} that this version does not know); install the newer version, or point --data-dir at another folder")]
    NewerSchema(i64),
    #[error("could not apply the database migrations: {0}")]
    Migrate(String),
    #[error("the data folder {0} cannot be used: {1}. Choose a writable folder with --data-dir or SCIMDESK_DATA_DIR")]
    DataDir(PathBuf, String),
    #[error("the write could not be committed to disk; nothing was changed")]
    CommitFailed,
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let rusqlite::Error::SqliteFailure(failure, _) = &e else { return StoreError::Database(e) };
        if connection::is_unique_violation(&e) {
            return StoreError::UniqueViolation(connection::unique_index(&e));
        }
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
            ErrorCode::SystemIoFailure | ErrorCode::DiskFull | ErrorCode::CannotOpen | ErrorCode::ReadOnly => {
                StoreError::Io(e.to_string())
            }
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    /// The unique index that refused the write, when that is what happened.
    pub fn unique_index(&self) -> Option<UniqueIndex> {
        match self {
            StoreError::UniqueViolation(index) => Some(*index),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database file inside a data dir.
pub const DATABASE_FILE: &str = "scimdesk.db";

#[derive(Clone)]
pub struct Store {
    reads: Arc<reads::ReadPool>,
    writer: Writer,
    activity: activity::ActivityBuffer,
}

impl Store {
    /// Open (creating if needed) the database in `data_dir` and apply migrations.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let probe = data_dir.join(".scimdesk-write-test");
        std::fs::write(&probe, b"ok").map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let _ = std::fs::remove_file(&probe);

        let path = data_dir.join(DATABASE_FILE);
        let log_path = data_dir.join(ACTIVITY_FILE);
        let mut write_conn = connection::open(&path, connection::Access::ReadWrite)?;
        migrate::run(&mut write_conn)?;
        activity::attach_log(&write_conn, &log_path, connection::Access::ReadWrite)?;
        let reads = Arc::new(reads::ReadPool::new(path, log_path));
        let writer = Writer::start(write_conn).map_err(|e| {
            tracing::error!(error = %e, "could not start the database writer thread");
            StoreError::WriterStopped
        })?;
        let activity = activity::ActivityBuffer::default();
        activity.start_flusher(writer.clone());
        Ok(Store { reads, writer, activity })
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Run a read on this thread, on a read-only connection. For reads that the indexes
    /// answer; reads that may visit every row of a source go through [`Store::read_many`].
    /// A read of several statements that must agree wraps them in [`Store::snapshot`].
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.reads.with(read)
    }

    /// [`Store::read`] in one read transaction: its statements all see the same committed state
    /// (a list's count and its page).
    pub fn snapshot<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.reads.with(|conn| reads::in_read_transaction(conn, read))
    }

    /// [`Store::snapshot`] for a read that may visit many rows (a scan, a search, a count): on a
    /// multi-threaded runtime the worker first hands its other tasks on, so requests behind it
    /// do not wait for it.
    pub fn read_many<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.snapshot(read))
        } else {
            self.snapshot(read)
        }
    }
}

/// RFC 3339 time now, as stored and returned in `meta`.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of the current time")
}
