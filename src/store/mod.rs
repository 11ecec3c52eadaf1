//! The only place that holds SQL, behind one interface ([`Store`]) with two backends:
//!
//! - SQLite through rusqlite (`sqlite/`), the embedded default: a file in the data folder, reads
//!   on the caller's thread, one writer thread with group commit.
//! - PostgreSQL through sqlx (`postgres/`): several `scimdesk serve` instances on one database.
//!
//! The directory, the protocol and the server see only [`Store`] and, for a write that reads
//! and changes resources together, a [`DirectoryTx`]: they do not know which backend runs.

mod activity_buffer;
mod activity_entry;
mod backend;
mod columns;
mod database;
mod filter_sql;
mod histogram;
mod list;
mod log_update;
mod postgres;
mod records;
mod resources;
pub mod sqlite;
mod unknown_slug_buffer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use activity_buffer::{ACTIVITY_RETENTION, FLUSH_INTERVAL};
pub use activity_entry::ActivityEntry;
pub use backend::DirectoryTx;
pub use columns::PreparedUser;
pub use database::{Database, PoolOptions, DATABASE_URL_ENV};
pub use histogram::{ActivityBucket, ActivityHistogram};
pub use list::{ListQuery, Page, SortOrder};
pub use records::{
    MemberRow, MembersAdded, NewSource, SourceCounts, SourceRow, SourceTraffic, UnknownSlugRow, CYCLES_KEPT,
    MAX_UNKNOWN_SLUGS, OTHER_SLUGS,
};
pub use resources::StoredResource;
pub use sqlite::{ACTIVITY_FILE, DATABASE_FILE};

use crate::scim::ResourceKind;
use crate::traffic::Cycle;
use activity_buffer::ActivityBuffer;
use backend::Backend;

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
    Database(String),
    /// The database server cannot be reached (PostgreSQL down, or every connection busy for
    /// longer than the wait allows): a request may succeed once it is back.
    #[error("the database {0}")]
    Unavailable(String),
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

impl StoreError {
    /// Whether the database server is out of reach for now (answered 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Busy)
    }

    /// The unique index that refused the write, when that is what happened.
    pub fn unique_index(&self) -> Option<UniqueIndex> {
        match self {
            StoreError::UniqueViolation(index) => Some(*index),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The store: the directory's resources, the sources, the settings and the activity log, on
/// whichever backend [`Database`] names. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    activity: ActivityBuffer,
}

impl Store {
    /// Open (creating if needed) the SQLite database in `data_dir` and apply migrations.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        Store::open_database(&Database::in_folder(data_dir)).await
    }

    /// Open `database` (creating the SQLite file, or connecting to PostgreSQL) and apply
    /// migrations.
    pub async fn open_database(database: &Database) -> Result<Store> {
        let backend: Arc<dyn Backend> = match database {
            Database::Sqlite { data_dir } => Arc::new(sqlite::SqliteStore::open(data_dir)?),
            Database::Postgres { url, pool } => postgres::PgStore::open(url, pool).await?,
        };
        let activity = ActivityBuffer::default();
        activity.start_flusher(backend.clone());
        Ok(Store { backend, activity })
    }

    /// The SQLite backend, for tests that look at its files.
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &sqlite::SqliteStore {
        self.backend.as_any().downcast_ref().expect("a SQLite store")
    }

    /// Run `write` in one write transaction of the directory and return its result once it is
    /// durable (committed: on disk, or acknowledged by PostgreSQL). A write that returns an
    /// error is undone; the error is the caller's own type, so that a rule of the directory can
    /// refuse a write without the store knowing it.
    pub async fn write<T, E, F>(&self, write: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn DirectoryTx) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: backend::WriteJob = Box::new(move |dtx| backend::written(write(dtx), tx));
        self.backend.write(job)?;
        match rx.await {
            Ok(result) => result,
            // The job was dropped unrun: the backend could not run it (see its log).
            Err(_) => Err(self.backend.unrun_write_error().into()),
        }
    }

    /// Insert a new user (a userName taken in any letter case is a 409) once it is durable.
    pub async fn create_user(&self, source_id: i64, id: String, doc: Value) -> Result<StoredResource> {
        self.backend.create_user(source_id, id, doc).await
    }

    /// A user or group of the source by id, with its document as stored text.
    pub fn resource(&self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
        self.backend.resource(kind, source_id, id)
    }

    /// A user of the source by id.
    pub fn user(&self, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
        self.resource(ResourceKind::User, source_id, id)?.map(StoredResource::parse).transpose()
    }

    /// A group and (when `with_members`) its members, as of one moment.
    pub fn group_with_members(
        &self,
        source_id: i64,
        id: &str,
        with_members: bool,
    ) -> Result<Option<(StoredResource, Option<Vec<MemberRow>>)>> {
        self.backend.group_with_members(source_id, id, with_members)
    }

    /// The members of a group, by id.
    pub fn members_of(&self, group_rowid: i64) -> Result<Vec<MemberRow>> {
        self.backend.members_of(group_rowid)
    }

    /// The groups `member_id` belongs to directly: (id, displayName), by displayName.
    pub fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>> {
        self.backend.groups_of(member_id)
    }

    /// One page of a source's users or groups. `matches` evaluates the filter on a candidate
    /// (with the group's members when the filter mentions them) where the SQL is not exact;
    /// `sort_key` gives the value to sort on for attributes without a column.
    pub fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page> {
        self.backend.list(kind, source_id, query, matches, sort_key)
    }

    /// Resources whose names contain `text` (case-insensitive), in creation order.
    pub fn search(&self, kind: ResourceKind, source_id: i64, text: &str, offset: i64, limit: i64) -> Result<Page> {
        self.backend.search(kind, source_id, text, offset, limit)
    }

    pub fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>> {
        self.backend.source_by_slug(slug)
    }

    /// Every source, by name.
    pub fn list_sources(&self) -> Result<Vec<SourceRow>> {
        self.backend.list_sources()
    }

    pub async fn insert_source(&self, source: NewSource) -> Result<SourceRow> {
        self.backend.insert_source(source).await
    }

    /// Whether the source exists.
    pub async fn set_source_enabled(&self, slug: &str, enabled: bool) -> Result<bool> {
        self.backend.set_source_enabled(slug, enabled).await
    }

    /// Replace the token hash; with `previous_expires`, the old hash stays valid until then.
    /// Whether the source exists.
    pub async fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> Result<bool> {
        self.backend.set_source_token(slug, token_hash, token_prefix, previous_expires).await
    }

    /// Delete a source with its users, groups, memberships and activity. Whether it existed.
    pub async fn delete_source(&self, slug: &str) -> Result<bool> {
        self.backend.delete_source(slug).await
    }

    /// What a source holds, counted from the indexes.
    pub fn source_counts(&self, source_id: i64) -> Result<SourceCounts> {
        self.backend.source_counts(source_id)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.backend.setting(key)
    }

    /// Set (`Some`) or clear (`None`) a setting.
    pub async fn set_setting(&self, key: &str, value: Option<String>) -> Result<()> {
        self.backend.set_setting(key, value).await
    }

    /// The setting `key`; when it has none, `value` is saved first. Two processes racing both
    /// get the value that was saved first.
    pub async fn setting_or_insert(&self, key: &str, value: String) -> Result<String> {
        self.backend.setting_or_insert(key, value).await
    }

    /// Buffer an activity row; it is written within [`FLUSH_INTERVAL`].
    pub fn record_activity(&self, source_id: i64, entry: ActivityEntry) {
        self.activity.push(source_id, entry);
    }

    /// Buffer a request for `slug`, which names no source; written with the activity rows.
    pub fn record_unknown_slug(&self, slug: &str) {
        self.activity.push_unknown_slug(slug, now());
    }

    /// Write buffered activity rows now (before a graceful stop).
    pub async fn flush_activity(&self) -> Result<()> {
        self.activity.flush(self.backend.as_ref()).await
    }

    /// Entra's interval between cycles, which tells the log's writer where a cycle ends.
    pub fn set_cycle_interval(&self, interval: Duration) {
        self.activity.set_cycle_interval(interval);
    }

    /// The newest `limit` activity rows of a source, newest first.
    pub fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.backend.recent_activity(source_id, limit)
    }

    /// A source's rows written after row `after` (as another process writes them), oldest first,
    /// at most `limit`.
    pub fn activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.backend.activity_after(source_id, after, limit)
    }

    /// [`Store::activity_after`] without the rows this process wrote (PostgreSQL: the other
    /// instances' rows; SQLite, where one process serves a folder: every row).
    pub fn other_instances_activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        self.backend.other_instances_activity_after(source_id, after, limit)
    }

    /// Each source's refused requests (by slug) since its first request.
    pub fn refused_counts(&self) -> Result<HashMap<String, u64>> {
        self.backend.refused_counts()
    }

    /// Each source's newest activity row id (a source without rows is left out) and
    /// [`Store::refused_counts`], as of one moment: the counts include exactly the rows up to
    /// those ids.
    pub fn activity_position(&self) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)> {
        self.backend.activity_position()
    }

    /// A source's requests from `since` (Unix seconds) on, counted per `bucket_seconds` (buckets
    /// start at multiples of it) and per kind of change. Rows for the admin's own changes and
    /// reachability checks are not requests and are not counted.
    pub fn activity_per_bucket(&self, source_id: i64, since: i64, bucket_seconds: i64) -> Result<ActivityHistogram> {
        assert!(bucket_seconds > 0, "a bucket lasts at least a second");
        self.backend.activity_per_bucket(source_id, since, bucket_seconds)
    }

    /// Sources (one, or all when `slug` is `None`), by name, with their traffic and newest cycle.
    pub fn source_traffic(&self, slug: Option<&str>) -> Result<Vec<SourceTraffic>> {
        self.backend.source_traffic(slug)
    }

    /// A source's newest cycles, newest first.
    pub fn cycles(&self, source_id: i64, limit: i64) -> Result<Vec<Cycle>> {
        self.backend.cycles(source_id, limit)
    }

    /// What the newest 401 of a source said (why its token was refused).
    pub fn newest_unauthorized(&self, source_id: i64) -> Result<Option<String>> {
        self.backend.newest_unauthorized(source_id)
    }

    /// The slugs requested though no source has them, most recently requested first.
    pub fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>> {
        self.backend.unknown_slugs()
    }

    /// Sources created, changed or deleted by another process (another instance on the same
    /// PostgreSQL, or the CLI) are announced here as they happen, where the backend can tell;
    /// `None` where it cannot (SQLite: readers look again after a short while).
    pub fn source_changes(&self) -> Option<tokio::sync::broadcast::Receiver<()>> {
        self.backend.source_changes()
    }
}

/// The store the store's own tests use: SQLite in `data_dir`, or, when the test run has a
/// PostgreSQL cluster (`SCIMDESK_TEST_POSTGRES_URL`, from scripts/with-postgres.sh), a fresh
/// database of it, so that the same tests check both backends.
#[cfg(test)]
pub(crate) async fn open_for_test(data_dir: &Path) -> Store {
    let database = match std::env::var("SCIMDESK_TEST_POSTGRES_URL") {
        Ok(base) => postgres::fresh_test_database(&base).await,
        Err(_) => Database::in_folder(data_dir),
    };
    Store::open_database(&database).await.expect("open the test store")
}

/// RFC 3339 time now, as stored and returned in `meta`.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of the current time")
}
