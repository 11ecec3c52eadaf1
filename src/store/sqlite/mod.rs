//! The embedded backend: rusqlite + SQLite in the data folder. WAL, `synchronous=FULL`, foreign
//! keys on, migrations applied at open.
//!
//! Reads run on the caller's thread, on a read-only connection taken from a small pool: a read
//! of this store is an index lookup of a few microseconds, cheaper than handing it to another
//! thread and back. Writes go to the one [`Writer`] thread, which owns the only writing
//! connection.

mod activity;
mod activity_histogram;
mod connection;
mod directory_tx;
mod groups;
mod health;
mod keys;
mod log_tables;
mod migrate;
mod query;
mod reads;
mod resources;
mod rows;
mod search;
mod settings;
mod sources;
mod unknown_slugs;
mod users;
mod writer;

use std::any::Any;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

pub use activity::ACTIVITY_FILE;
pub use rusqlite::Connection;
use serde_json::Value;
use writer::Writer;

use super::backend::{Backend, BoxFuture, PendingSlugs, WriteJob};
use super::log_update::record_unknown_slugs;
use super::{
    ActivityEntry, ActivityHistogram, ListQuery, MemberRow, NewSource, Page, Result, SourceCounts, SourceRow,
    SourceTraffic, StoreError, StoredResource, UnknownSlugRow,
};
use crate::scim::ResourceKind;
use crate::traffic::Cycle;

/// The database file inside a data dir.
pub const DATABASE_FILE: &str = "scimdesk.db";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let rusqlite::Error::SqliteFailure(failure, _) = &e else { return StoreError::Database(e.to_string()) };
        if connection::is_unique_violation(&e) {
            return StoreError::UniqueViolation(connection::unique_index(&e));
        }
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
            ErrorCode::SystemIoFailure | ErrorCode::DiskFull | ErrorCode::CannotOpen | ErrorCode::ReadOnly => {
                StoreError::Io(e.to_string())
            }
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Database(e.to_string()),
        }
    }
}

pub struct SqliteStore {
    reads: reads::ReadPool,
    writer: Writer,
}

impl SqliteStore {
    /// Open (creating if needed) the database in `data_dir` and apply migrations.
    pub(super) fn open(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let probe = data_dir.join(".scimdesk-write-test");
        std::fs::write(&probe, b"ok").map_err(|e| StoreError::DataDir(data_dir.to_path_buf(), e.to_string()))?;
        let _ = std::fs::remove_file(&probe);

        let path = data_dir.join(DATABASE_FILE);
        let log_path = data_dir.join(ACTIVITY_FILE);
        let mut write_conn = connection::open(&path, connection::Access::ReadWrite)?;
        migrate::run(&mut write_conn)?;
        activity::attach_log(&write_conn, &log_path, connection::Access::ReadWrite)?;
        let reads = reads::ReadPool::new(path, log_path);
        let writer = Writer::start(write_conn).map_err(|e| {
            tracing::error!(error = %e, "could not start the database writer thread");
            StoreError::WriterStopped
        })?;
        Ok(SqliteStore { reads, writer })
    }

    /// Run a read on this thread, on a read-only connection. For reads that the indexes
    /// answer; reads that may visit every row of a source go through [`SqliteStore::read_many`].
    /// A read of several statements that must agree wraps them in [`SqliteStore::snapshot`].
    pub(crate) fn read<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.reads.with(read)
    }

    /// [`SqliteStore::read`] in one read transaction: its statements all see the same committed
    /// state (a list's count and its page).
    fn snapshot<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.reads.with(|conn| reads::in_read_transaction(conn, read))
    }

    /// [`SqliteStore::snapshot`] for a read that may visit many rows (a scan, a search, a
    /// count): on a multi-threaded runtime the worker first hands its other tasks on, so
    /// requests behind it do not wait for it.
    fn read_many<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.snapshot(read))
        } else {
            self.snapshot(read)
        }
    }
}

impl Backend for SqliteStore {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn write(&self, job: WriteJob) -> Result<()> {
        self.writer.write_job(job)
    }

    fn unrun_write_error(&self) -> StoreError {
        StoreError::CommitFailed
    }

    fn create_user(&self, source_id: i64, id: String, doc: Value) -> BoxFuture<'_, Result<StoredResource>> {
        Box::pin(self.writer.create_user(source_id, id, doc))
    }

    fn resource(&self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
        self.read(|conn| resources::get(conn, kind, source_id, id))
    }

    fn group_with_members(
        &self,
        source_id: i64,
        id: &str,
        with_members: bool,
    ) -> Result<Option<(StoredResource, Option<Vec<MemberRow>>)>> {
        self.snapshot(|conn| {
            let Some(group) = resources::get(conn, ResourceKind::Group, source_id, id)? else { return Ok(None) };
            let group = group.parse()?;
            let members = if with_members { Some(groups::members_of(conn, group.rowid)?) } else { None };
            Ok(Some((group, members)))
        })
    }

    fn members_of(&self, group_rowid: i64) -> Result<Vec<MemberRow>> {
        self.read(|conn| groups::members_of(conn, group_rowid))
    }

    fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>> {
        self.read(|conn| groups::groups_of(conn, member_id))
    }

    fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page> {
        SqliteStore::list(self, kind, source_id, query, matches, sort_key)
    }

    fn search(&self, kind: ResourceKind, source_id: i64, text: &str, offset: i64, limit: i64) -> Result<Page> {
        SqliteStore::search(self, kind, source_id, text, offset, limit)
    }

    fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>> {
        SqliteStore::source_by_slug(self, slug)
    }

    fn list_sources(&self) -> Result<Vec<SourceRow>> {
        SqliteStore::list_sources(self)
    }

    fn insert_source(&self, source: NewSource) -> BoxFuture<'_, Result<SourceRow>> {
        Box::pin(SqliteStore::insert_source(self, source))
    }

    fn set_source_enabled(&self, slug: &str, enabled: bool) -> BoxFuture<'_, Result<bool>> {
        let slug = slug.to_string();
        Box::pin(async move { SqliteStore::set_source_enabled(self, &slug, enabled).await })
    }

    fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        let slug = slug.to_string();
        Box::pin(
            async move { SqliteStore::set_source_token(self, &slug, token_hash, token_prefix, previous_expires).await },
        )
    }

    fn delete_source(&self, slug: &str) -> BoxFuture<'_, Result<bool>> {
        let slug = slug.to_string();
        Box::pin(async move { SqliteStore::delete_source(self, &slug).await })
    }

    fn source_counts(&self, source_id: i64) -> Result<SourceCounts> {
        SqliteStore::source_counts(self, source_id)
    }

    fn source_changes(&self) -> Option<tokio::sync::broadcast::Receiver<()>> {
        None
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        SqliteStore::setting(self, key)
    }

    fn set_setting(&self, key: &str, value: Option<String>) -> BoxFuture<'_, Result<()>> {
        let key = key.to_string();
        Box::pin(async move { SqliteStore::set_setting(self, &key, value).await })
    }

    fn setting_or_insert(&self, key: &str, value: String) -> BoxFuture<'_, Result<String>> {
        let key = key.to_string();
        Box::pin(async move { SqliteStore::setting_or_insert(self, &key, value).await })
    }

    fn write_log(
        &self,
        rows: Vec<(i64, ActivityEntry)>,
        unknown_slugs: Option<PendingSlugs>,
        interval: Duration,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.writer.write_raw(move |conn| {
            if !rows.is_empty() {
                activity::insert_rows(conn, &rows, interval)?;
            }
            match unknown_slugs {
                Some(slugs) => record_unknown_slugs(&mut log_tables::SqliteLog(conn), slugs, interval),
                None => Ok(()),
            }
        }))
    }

    fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        SqliteStore::recent_activity(self, source_id, limit)
    }

    fn activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        SqliteStore::activity_after(self, source_id, after, limit)
    }

    fn other_instances_activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        SqliteStore::activity_after(self, source_id, after, limit)
    }

    fn refused_counts(&self) -> Result<HashMap<String, u64>> {
        self.read(health::refused_counts)
    }

    fn activity_position(&self) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)> {
        SqliteStore::activity_position(self)
    }

    fn activity_per_bucket(&self, source_id: i64, since: i64, bucket_seconds: i64) -> Result<ActivityHistogram> {
        SqliteStore::activity_per_bucket(self, source_id, since, bucket_seconds)
    }

    fn source_traffic(&self, slug: Option<&str>) -> Result<Vec<SourceTraffic>> {
        SqliteStore::source_traffic(self, slug)
    }

    fn cycles(&self, source_id: i64, limit: i64) -> Result<Vec<Cycle>> {
        SqliteStore::cycles(self, source_id, limit)
    }

    fn newest_unauthorized(&self, source_id: i64) -> Result<Option<String>> {
        SqliteStore::newest_unauthorized(self, source_id)
    }

    fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>> {
        SqliteStore::unknown_slugs(self)
    }
}
