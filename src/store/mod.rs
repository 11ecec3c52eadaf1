//! sqlx + SQLite: the only place that holds SQL. WAL, `synchronous=FULL`, foreign keys on,
//! migrations applied at open. Reads go through a pool; writes through the one [`Writer`].

mod activity;
mod columns;
pub mod groups;
mod query;
mod search;
mod settings;
mod sources;
pub mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions;

pub use activity::ActivityEntry;
pub use groups::MemberRow;
pub use query::{ListQuery, Page, SortOrder};
pub use sources::{NewSource, SourceCounts, SourceRow};
pub use writer::Writer;

use crate::scim::ScimError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database was written by a newer version of ScimDesk (it has migration {0} that this version does not know); install the newer version, or point --data-dir at another folder")]
    NewerSchema(i64),
    #[error("could not apply the database migrations: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("the data folder {0} cannot be used: {1}. Choose a writable folder with --data-dir or SCIMDESK_DATA_DIR")]
    DataDir(PathBuf, String),
    #[error("the write could not be committed to disk; nothing was changed")]
    CommitFailed,
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether a UNIQUE index refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
            StoreError::Scim(e) => e.scim_type == Some(crate::scim::ScimType::Uniqueness),
            _ => false,
        }
    }

    /// The SCIM answer for this error; database failures become a 500 without internals.
    pub fn into_scim(self) -> ScimError {
        match self {
            StoreError::Scim(e) => e,
            other => {
                tracing::error!(error = %other, "store failure");
                ScimError::internal()
            }
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database file inside a data dir.
pub const DATABASE_FILE: &str = "scimdesk.db";

#[derive(Clone)]
pub struct Store {
    read: SqlitePool,
    writer: Writer,
    activity: activity::ActivityBuffer,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Open (creating if needed) the database in `data_dir` and apply migrations.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let probe = data_dir.join(".scimdesk-write-test");
        std::fs::write(&probe, b"ok").map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let _ = std::fs::remove_file(&probe);

        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A 2xx means the change is on disk.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .statement_cache_capacity(256)
            .disable_statement_logging();

        let mut write_conn = options.connect().await?;
        check_schema_version(&mut write_conn).await?;
        MIGRATOR.run(&mut write_conn).await.map_err(StoreError::Migrate)?;

        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            // A ping per acquire doubles the thread hops of a read; a broken connection to a
            // local file is not a thing that heals by reconnecting anyway.
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        let writer = Writer::start(write_conn);
        let activity = activity::ActivityBuffer::default();
        activity.start_flusher(writer.clone());
        Ok(Store { read, writer, activity })
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&self.read).await?)
    }
}

/// Refuse a database that has migrations this build does not know: opening it could damage it.
async fn check_schema_version(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    let has_table: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if has_table.is_none() {
        return Ok(());
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&mut *conn).await?;
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    match newest {
        Some(v) if v > known => Err(StoreError::NewerSchema(v)),
        _ => Ok(()),
    }
}

/// RFC 3339 time now, as stored and returned in `meta`.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of the current time")
}
