//! The networked backend: PostgreSQL through sqlx, for several `scimdesk serve` instances on one
//! database. The schema is `migrations/postgres/`, applied with sqlx's migrator at open (it takes
//! an advisory lock, so instances starting together apply it once).
//!
//! The backend runs its own small tokio runtime, which owns the pool's connections. The store's
//! reads are synchronous (they wait on the calling thread, as SQLite's do), and can then be
//! called from anywhere, even a single-threaded runtime, without stalling the I/O they wait for.
//! A write of the directory runs on one of this runtime's blocking threads, in one transaction
//! that commits before its caller is answered: a 2xx means PostgreSQL has the change.
//!
//! When PostgreSQL cannot be reached, every call fails with [`StoreError::Unavailable`] after
//! the pool's timeout (the server answers 503) and works again once it is back: the pool opens
//! new connections as they are needed.

mod directory;
mod error;
mod list;
mod log;
mod sources;
mod tx;

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::broadcast;

use super::backend::{Backend, BoxFuture, PendingSlugs, WriteJob};
use super::database::redact;
use super::log_update::{record_traffic, record_unknown_slugs};
use super::{
    ActivityEntry, ActivityHistogram, ListQuery, MemberRow, NewSource, Page, PoolOptions, Result, SourceCounts,
    SourceRow, SourceTraffic, StoreError, StoredResource, UnknownSlugRow,
};
use crate::scim::ResourceKind;
use crate::traffic::Cycle;
use error::{store_error, unreachable};

/// The channel on which the schema's trigger announces a change to `sources`.
const SOURCES_CHANNEL: &str = "scimdesk_sources";

/// Threads of the backend's runtime: the pool's I/O is light, the writes wait on blocking threads.
const RUNTIME_THREADS: usize = 2;

/// The longest a read or a write of the log may take before the database counts as out of
/// reach (a server that stopped answering without closing its connections). The largest writes
/// the request limits allow take well under a second.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// `query`, failing with a timeout error after [`CALL_TIMEOUT`].
async fn bounded<T>(query: impl Future<Output = sqlx::Result<T>>) -> sqlx::Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, query).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer within {} s", CALL_TIMEOUT.as_secs()),
        ))),
    }
}

pub struct PgStore {
    /// Dropped without waiting (a store may be dropped inside another runtime).
    runtime: Option<Runtime>,
    handle: Handle,
    pool: PgPool,
    /// host:port, for messages.
    target: Arc<str>,
    /// This process among the instances on the database (its activity rows carry it).
    instance: String,
    source_changes: broadcast::Sender<()>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PgStore {
    /// Connect to the database at `url`, apply the migrations, and listen for changes to sources.
    pub(super) async fn open(url: &str, options: &PoolOptions) -> Result<Arc<dyn Backend>> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("{} is not a usable PostgreSQL URL: {e}", redact(url))))?
            // The migrator's "already exists, skipping" notices are not news to the admin. No
            // statement of ScimDesk takes long, and a transaction left open by a stuck instance
            // must not hold its rows' locks against the others for more than a minute.
            .options([
                ("client_min_messages", "warning"),
                ("statement_timeout", "30s"),
                ("idle_in_transaction_session_timeout", "60s"),
            ])
            // Each request's latency is in serve's own log; waiting on another instance's row
            // lock is not news either.
            .disable_statement_logging();
        let target: Arc<str> = format!("{}:{}", connect.get_host(), connect.get_port()).into();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(RUNTIME_THREADS)
            .thread_name("scimdesk-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(format!("could not start the PostgreSQL runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (size, timeout) = (options.size, options.timeout);
        let pool_target = target.clone();
        let opened = handle
            .spawn(async move {
                let pool = PgPoolOptions::new()
                    .max_connections(size)
                    .acquire_timeout(timeout)
                    // No ping before each use (a round trip per request): a connection that died
                    // with the server fails its first statement (that request is answered 503)
                    // and is closed, and the pool opens fresh ones.
                    .test_before_acquire(false)
                    .connect_lazy_with(connect);
                // The first connection says at once whether the database can be reached.
                let first = tokio::time::timeout(timeout, pool.acquire()).await;
                match first {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(store_error(e, &pool_target)),
                    Err(_) => return Err(unreachable(&pool_target, &format!("no answer within {timeout:?}"))),
                }
                migrate(&pool, &pool_target).await?;
                Ok(pool)
            })
            .await
            .unwrap_or_else(|e| Err(StoreError::Database(format!("the PostgreSQL runtime stopped: {e}"))));
        let pool = match opened {
            Ok(pool) => pool,
            Err(e) => {
                // Inside async code a runtime may only be let go without waiting for it.
                runtime.shutdown_background();
                return Err(e);
            }
        };
        let (source_changes, _) = broadcast::channel(16);
        handle.spawn(listen_for_source_changes(pool.clone(), source_changes.clone(), target.clone()));
        tracing::debug!(database = %target, "PostgreSQL: connected, schema up to date");
        Ok(Arc::new(PgStore {
            runtime: Some(runtime),
            handle,
            pool,
            target,
            instance: uuid::Uuid::new_v4().to_string(),
            source_changes,
        }))
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        store_error(e, &self.target)
    }

    /// Run `query` on the backend's runtime and wait for it on this thread.
    fn block<T: Send + 'static>(&self, query: impl Future<Output = sqlx::Result<T>> + Send + 'static) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(bounded(query).await);
        });
        match rx.recv() {
            Ok(result) => result.map_err(|e| self.err(e)),
            Err(_) => Err(unreachable(&self.target, &"the PostgreSQL runtime stopped")),
        }
    }

    /// Run `query` on the backend's runtime and wait for it without blocking.
    fn spawn<'a, T: Send + 'static>(
        &'a self,
        query: impl Future<Output = sqlx::Result<T>> + Send + 'static,
    ) -> BoxFuture<'a, Result<T>> {
        let task = self.handle.spawn(bounded(query));
        Box::pin(async move {
            match task.await {
                Ok(result) => result.map_err(|e| self.err(e)),
                Err(_) => Err(unreachable(&self.target, &"the PostgreSQL runtime stopped")),
            }
        })
    }
}

/// Apply `migrations/postgres/`; a database with a migration this build does not know comes from
/// a newer ScimDesk and is refused untouched.
async fn migrate(pool: &PgPool, target: &str) -> Result<()> {
    let migrator = sqlx::migrate!("migrations/postgres");
    migrator.run(pool).await.map_err(|e| match e {
        MigrateError::VersionMissing(version) => StoreError::NewerSchema(version),
        MigrateError::Execute(e) => store_error(e, target),
        other => StoreError::Migrate(other.to_string()),
    })
}

/// Announce every change to `sources` made by any instance or CLI; after a lost connection,
/// announce one anyway (a change may have been missed meanwhile).
async fn listen_for_source_changes(pool: PgPool, changes: broadcast::Sender<()>, target: Arc<str>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::debug!(database = %target, error = %e, "cannot listen for source changes yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(SOURCES_CHANNEL).await {
            tracing::debug!(database = %target, error = %e, "cannot listen for source changes yet");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let _ = changes.send(());
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    let _ = changes.send(());
                }
                // The connection was lost (and is reopened by the next call); a change may have
                // gone by meanwhile.
                Ok(None) => {
                    let _ = changes.send(());
                }
                Err(e) => {
                    tracing::debug!(database = %target, error = %e, "listening for source changes failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

impl Backend for PgStore {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn write(&self, job: WriteJob) -> Result<()> {
        let (pool, target) = (self.pool.clone(), self.target.clone());
        self.handle.spawn_blocking(move || {
            let handle = Handle::current();
            let tx = match handle.block_on(pool.begin()) {
                Ok(tx) => tx,
                Err(e) => {
                    // Dropping the job answers its caller with `unrun_write_error`.
                    tracing::warn!(database = %target, error = %e, "a write could not begin");
                    return;
                }
            };
            let mut ptx = tx::PgTx { handle: handle.clone(), tx, target: target.clone() };
            let (ok, completion) = job(&mut ptx);
            let tx::PgTx { tx, .. } = ptx;
            let ended = if ok {
                handle.block_on(tx.commit()).map_err(|e| store_error(e, &target))
            } else {
                // A refused write is undone; if the rollback itself fails, the connection is
                // closed and PostgreSQL rolls back.
                let _ = handle.block_on(tx.rollback());
                Ok(())
            };
            completion(ended);
        });
        Ok(())
    }

    fn unrun_write_error(&self) -> StoreError {
        unreachable(&self.target, &"no connection could be opened for the write")
    }

    fn create_user(&self, source_id: i64, id: String, doc: Value) -> BoxFuture<'_, Result<StoredResource>> {
        let pool = self.pool.clone();
        self.spawn(async move {
            let mut tx = pool.begin().await?;
            let stored = directory::insert_user(&mut tx, source_id, &id, &doc).await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn resource(&self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
        let (pool, id) = (self.pool.clone(), id.to_string());
        self.block(async move { directory::resource(&mut *pool.acquire().await?, kind, source_id, &id, false).await })
    }

    fn group_with_members(
        &self,
        source_id: i64,
        id: &str,
        with_members: bool,
    ) -> Result<Option<(StoredResource, Option<Vec<MemberRow>>)>> {
        let (pool, id) = (self.pool.clone(), id.to_string());
        let found = self.block(async move {
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
            let Some(group) = directory::resource(&mut tx, ResourceKind::Group, source_id, &id, false).await? else {
                return Ok(None);
            };
            let members = if with_members { Some(directory::members_of(&mut tx, group.rowid).await?) } else { None };
            tx.commit().await?;
            Ok(Some((group, members)))
        })?;
        found.map(|(group, members)| Ok((group.parse()?, members))).transpose()
    }

    fn members_of(&self, group_rowid: i64) -> Result<Vec<MemberRow>> {
        let pool = self.pool.clone();
        self.block(async move { directory::members_of(&mut *pool.acquire().await?, group_rowid).await })
    }

    fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>> {
        let (pool, member_id) = (self.pool.clone(), member_id.to_string());
        self.block(async move { directory::groups_of(&mut *pool.acquire().await?, &member_id).await })
    }

    fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page> {
        PgStore::list(self, kind, source_id, query, matches, sort_key)
    }

    fn search(&self, kind: ResourceKind, source_id: i64, text: &str, offset: i64, limit: i64) -> Result<Page> {
        PgStore::search(self, kind, source_id, text, offset, limit)
    }

    fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>> {
        let (pool, slug) = (self.pool.clone(), slug.to_string());
        self.block(async move { sources::source_by_slug(&pool, &slug).await })
    }

    fn list_sources(&self) -> Result<Vec<SourceRow>> {
        let pool = self.pool.clone();
        self.block(async move { sources::list_sources(&pool).await })
    }

    fn insert_source(&self, source: NewSource) -> BoxFuture<'_, Result<SourceRow>> {
        let pool = self.pool.clone();
        self.spawn(async move { sources::insert_source(&pool, source).await })
    }

    fn set_source_enabled(&self, slug: &str, enabled: bool) -> BoxFuture<'_, Result<bool>> {
        let (pool, slug) = (self.pool.clone(), slug.to_string());
        self.spawn(async move { sources::set_source_enabled(&pool, &slug, enabled).await })
    }

    fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        let (pool, slug) = (self.pool.clone(), slug.to_string());
        self.spawn(
            async move { sources::set_source_token(&pool, &slug, token_hash, token_prefix, previous_expires).await },
        )
    }

    fn delete_source(&self, slug: &str) -> BoxFuture<'_, Result<bool>> {
        let (pool, slug) = (self.pool.clone(), slug.to_string());
        self.spawn(async move { sources::delete_source(&pool, &slug).await })
    }

    fn source_counts(&self, source_id: i64) -> Result<SourceCounts> {
        let pool = self.pool.clone();
        self.block(async move { sources::source_counts(&pool, source_id).await })
    }

    fn source_changes(&self) -> Option<broadcast::Receiver<()>> {
        Some(self.source_changes.subscribe())
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        let (pool, key) = (self.pool.clone(), key.to_string());
        self.block(async move { sources::setting(&pool, &key).await })
    }

    fn set_setting(&self, key: &str, value: Option<String>) -> BoxFuture<'_, Result<()>> {
        let (pool, key) = (self.pool.clone(), key.to_string());
        self.spawn(async move { sources::set_setting(&pool, &key, value).await })
    }

    fn setting_or_insert(&self, key: &str, value: String) -> BoxFuture<'_, Result<String>> {
        let (pool, key) = (self.pool.clone(), key.to_string());
        self.spawn(async move { sources::setting_or_insert(&pool, &key, value).await })
    }

    fn write_log(
        &self,
        rows: Vec<(i64, ActivityEntry)>,
        unknown_slugs: Option<PendingSlugs>,
        interval: Duration,
    ) -> BoxFuture<'_, Result<()>> {
        let (pool, target, instance) = (self.pool.clone(), self.target.clone(), self.instance.clone());
        let task = self.handle.spawn_blocking(move || -> Result<()> {
            let handle = Handle::current();
            let on = |e| store_error(e, &target);
            let mut tx = handle.block_on(pool.begin()).map_err(on)?;
            handle.block_on(log::lock_log(&mut tx)).map_err(on)?;
            if !rows.is_empty() {
                handle.block_on(log::insert_rows(&mut tx, &rows, &instance)).map_err(on)?;
            }
            let mut tables = log::PgLog { handle: handle.clone(), tx, target: target.clone() };
            record_traffic(&mut tables, &rows, interval)?;
            if let Some(slugs) = unknown_slugs {
                record_unknown_slugs(&mut tables, slugs, interval)?;
            }
            handle.block_on(tables.tx.commit()).map_err(on)
        });
        Box::pin(async move { task.await.map_err(|_| unreachable(&self.target, &"the PostgreSQL runtime stopped"))? })
    }

    fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        let pool = self.pool.clone();
        self.block(async move { log::recent_activity(&pool, source_id, limit).await })
    }

    fn activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        let pool = self.pool.clone();
        self.block(async move { log::activity_after(&pool, source_id, after, limit, None).await })
    }

    fn other_instances_activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>> {
        let (pool, me) = (self.pool.clone(), self.instance.clone());
        self.block(async move { log::activity_after(&pool, source_id, after, limit, Some(me)).await })
    }

    fn refused_counts(&self) -> Result<HashMap<String, u64>> {
        let pool = self.pool.clone();
        self.block(async move { log::refused_counts_now(&pool).await })
    }

    fn activity_position(&self) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)> {
        let pool = self.pool.clone();
        self.block(async move { log::activity_position(&pool).await })
    }

    fn activity_per_bucket(&self, source_id: i64, since: i64, bucket_seconds: i64) -> Result<ActivityHistogram> {
        let pool = self.pool.clone();
        self.block(async move { log::activity_per_bucket(&pool, source_id, since, bucket_seconds).await })
    }

    fn source_traffic(&self, slug: Option<&str>) -> Result<Vec<SourceTraffic>> {
        let (pool, slug) = (self.pool.clone(), slug.map(str::to_string));
        self.block(async move { log::source_traffic(&pool, slug).await })
    }

    fn cycles(&self, source_id: i64, limit: i64) -> Result<Vec<Cycle>> {
        let pool = self.pool.clone();
        self.block(async move { log::cycles(&pool, source_id, limit).await })
    }

    fn newest_unauthorized(&self, source_id: i64) -> Result<Option<String>> {
        let pool = self.pool.clone();
        self.block(async move { log::newest_unauthorized(&pool, source_id).await })
    }

    fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>> {
        let pool = self.pool.clone();
        self.block(async move { log::unknown_slugs(&pool).await })
    }
}

/// A new, empty database on the test cluster at `base` (a URL without a database name).
#[cfg(test)]
pub(super) async fn fresh_test_database(base: &str) -> super::Database {
    use sqlx::Connection;
    let name = format!("unit_{}", uuid::Uuid::new_v4().simple());
    let mut admin =
        sqlx::PgConnection::connect(&format!("{base}/postgres")).await.expect("connect to the test cluster");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create database");
    super::Database::Postgres { url: format!("{base}/{name}"), pool: PoolOptions { size: 4, ..PoolOptions::default() } }
}
