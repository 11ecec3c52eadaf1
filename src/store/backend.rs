//! The one interface both backends implement ([`Backend`]), and the directory's view of a write
//! transaction ([`DirectoryTx`]).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;

use super::unknown_slug_buffer::PendingSlug;
use super::{
    ActivityEntry, ActivityHistogram, ListQuery, MemberRow, MembersAdded, NewSource, Page, PreparedUser, Result,
    SourceCounts, SourceRow, SourceTraffic, StoreError, StoredResource, UnknownSlugRow,
};
use crate::scim::ResourceKind;
use crate::traffic::Cycle;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Called once the transaction a write belonged to has ended: `Ok` when it is committed (or,
/// for a write that refused itself, rolled back as it asked), else why it could not commit.
pub(crate) type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// What a write that returned `result` tells its backend: whether it succeeded, and how to answer
/// its caller through `reply` once its transaction has ended (its result when committed, else
/// why not).
pub(crate) fn written<T, E>(
    result: Result<T, E>,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
) -> (bool, Completion)
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let ok = result.is_ok();
    let completion: Completion = Box::new(move |ended| {
        let _ = reply.send(match ended {
            Ok(()) => result,
            Err(e) => Err(e.into()),
        });
    });
    (ok, completion)
}

/// A write of the directory: run in a write transaction, it says whether it succeeded (else its
/// changes are undone) and what to tell its caller once the transaction ends.
pub(crate) type WriteJob = Box<dyn FnOnce(&mut dyn DirectoryTx) -> (bool, Completion) + Send>;

/// Requests for unknown slugs waiting to be written, by slug.
pub(crate) type PendingSlugs = HashMap<String, PendingSlug>;

/// A write transaction as the directory uses it: read, check and change users, groups and
/// memberships, all or nothing. Each call is one or two statements; none of them commits.
pub trait DirectoryTx {
    /// A user or group of the source by id, its document as stored text.
    fn resource(&mut self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>>;

    fn user(&mut self, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
        self.resource(ResourceKind::User, source_id, id)?.map(StoredResource::parse).transpose()
    }

    fn group(&mut self, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
        self.resource(ResourceKind::Group, source_id, id)?.map(StoredResource::parse).transpose()
    }

    /// Store a changed document for user `current`, bumping its version, if its version is still
    /// `current.version`; `None` when it has moved on (another write came first) or the user is
    /// gone. A userName taken by another user is [`StoreError::UniqueViolation`].
    fn update_user_if_current(
        &mut self,
        source_id: i64,
        current: &StoredResource<()>,
        prepared: PreparedUser,
    ) -> Result<Option<StoredResource>>;

    /// Insert a new group (no members); a displayName taken in any letter case is refused.
    fn insert_group(&mut self, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource>;

    /// Store a changed document (or only a membership change: same doc), add `member_delta` to
    /// the member count, and bump the version.
    fn update_group(&mut self, current: &StoredResource, doc: &Value, member_delta: i64) -> Result<StoredResource>;

    /// Add members; ids already present are left alone, and an id that is not a user or group
    /// of the source is reported (the caller then refuses the write, which undoes the others).
    fn add_members(&mut self, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<MembersAdded>;

    /// Remove exactly these members; how many were removed.
    fn remove_members(&mut self, group: &StoredResource, ids: &[String]) -> Result<u64>;

    fn remove_all_members(&mut self, group: &StoredResource) -> Result<u64>;

    /// Change the stored member count of a new group by `delta`.
    fn adjust_count(&mut self, group_rowid: i64, delta: i64) -> Result<()>;

    /// The members of a group, by id.
    fn members_of(&mut self, group_rowid: i64) -> Result<Vec<MemberRow>>;

    /// Delete a user or group with its memberships in groups, keeping those groups' counts and
    /// versions right.
    fn delete(&mut self, kind: ResourceKind, source_id: i64, resource: &StoredResource<()>) -> Result<()>;
}

/// What a backend does. Reads are synchronous (they block the calling thread for the time of an
/// index lookup, as SQLite reads always did); writes are asynchronous and durable when they
/// return.
pub(crate) trait Backend: Send + Sync + 'static {
    /// For tests that look inside a backend.
    #[cfg_attr(not(test), allow(dead_code))]
    fn as_any(&self) -> &dyn Any;

    /// Queue `job` for a write transaction. An error means it could not even be queued.
    fn write(&self, job: WriteJob) -> Result<()>;
    /// Why a queued write ended without running (its job was dropped).
    fn unrun_write_error(&self) -> StoreError;
    fn create_user(&self, source_id: i64, id: String, doc: Value) -> BoxFuture<'_, Result<StoredResource>>;

    fn resource(&self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>>;
    #[allow(clippy::type_complexity)]
    fn group_with_members(
        &self,
        source_id: i64,
        id: &str,
        with_members: bool,
    ) -> Result<Option<(StoredResource, Option<Vec<MemberRow>>)>>;
    fn members_of(&self, group_rowid: i64) -> Result<Vec<MemberRow>>;
    fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>>;
    fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page>;
    fn search(&self, kind: ResourceKind, source_id: i64, text: &str, offset: i64, limit: i64) -> Result<Page>;

    fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>>;
    fn list_sources(&self) -> Result<Vec<SourceRow>>;
    fn insert_source(&self, source: NewSource) -> BoxFuture<'_, Result<SourceRow>>;
    fn set_source_enabled(&self, slug: &str, enabled: bool) -> BoxFuture<'_, Result<bool>>;
    fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> BoxFuture<'_, Result<bool>>;
    fn delete_source(&self, slug: &str) -> BoxFuture<'_, Result<bool>>;
    fn source_counts(&self, source_id: i64) -> Result<SourceCounts>;
    fn source_changes(&self) -> Option<tokio::sync::broadcast::Receiver<()>>;

    fn setting(&self, key: &str) -> Result<Option<String>>;
    fn set_setting(&self, key: &str, value: Option<String>) -> BoxFuture<'_, Result<()>>;
    fn setting_or_insert(&self, key: &str, value: String) -> BoxFuture<'_, Result<String>>;

    /// Write activity rows (in the order given) and requests for unknown slugs, extending each
    /// source's cycles and traffic; Entra's cycles are `interval` apart.
    fn write_log(
        &self,
        rows: Vec<(i64, ActivityEntry)>,
        unknown_slugs: Option<PendingSlugs>,
        interval: Duration,
    ) -> BoxFuture<'_, Result<()>>;
    fn recent_activity(&self, source_id: i64, limit: i64) -> Result<Vec<ActivityEntry>>;
    fn activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>>;
    fn other_instances_activity_after(&self, source_id: i64, after: i64, limit: i64) -> Result<Vec<ActivityEntry>>;
    fn refused_counts(&self) -> Result<HashMap<String, u64>>;
    #[allow(clippy::type_complexity)]
    fn activity_position(&self) -> Result<(HashMap<i64, i64>, HashMap<String, u64>)>;
    fn activity_per_bucket(&self, source_id: i64, since: i64, bucket_seconds: i64) -> Result<ActivityHistogram>;
    fn source_traffic(&self, slug: Option<&str>) -> Result<Vec<SourceTraffic>>;
    fn cycles(&self, source_id: i64, limit: i64) -> Result<Vec<Cycle>>;
    fn newest_unauthorized(&self, source_id: i64) -> Result<Option<String>>;
    fn unknown_slugs(&self) -> Result<Vec<UnknownSlugRow>>;
}
