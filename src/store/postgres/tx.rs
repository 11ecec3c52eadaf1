//! The directory's write transaction on PostgreSQL: one transaction per write, run on a blocking
//! thread of the backend's runtime so that the directory's synchronous rules can run between its
//! statements. Each call waits for its statement; the transaction commits only when the write
//! succeeded, before its caller is answered.

use std::sync::Arc;

use serde_json::Value;
use sqlx::{Postgres, Transaction};
use tokio::runtime::Handle;

use super::directory;
use super::error::store_error;
use crate::scim::ResourceKind;
use crate::store::{DirectoryTx, MemberRow, MembersAdded, PreparedUser, Result, StoredResource};

pub(super) struct PgTx {
    pub(super) handle: Handle,
    pub(super) tx: Transaction<'static, Postgres>,
    pub(super) target: Arc<str>,
}

impl PgTx {
    /// A statement's result in the store's terms.
    fn done<T>(&self, result: std::result::Result<T, sqlx::Error>) -> Result<T> {
        result.map_err(|e| store_error(e, &self.target))
    }
}

impl DirectoryTx for PgTx {
    fn resource(&mut self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
        let r = self.handle.block_on(directory::resource(&mut self.tx, kind, source_id, id, true));
        self.done(r)
    }

    fn update_user_if_current(
        &mut self,
        source_id: i64,
        current: &StoredResource<()>,
        prepared: PreparedUser,
    ) -> Result<Option<StoredResource>> {
        let r = self.handle.block_on(directory::update_user_if_current(&mut self.tx, source_id, current, prepared));
        self.done(r)
    }

    fn insert_group(&mut self, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
        let r = self.handle.block_on(directory::insert_group(&mut self.tx, source_id, id, doc));
        self.done(r)
    }

    fn update_group(&mut self, current: &StoredResource, doc: &Value, member_delta: i64) -> Result<StoredResource> {
        let r = self.handle.block_on(directory::update_group(&mut self.tx, current, doc, member_delta));
        self.done(r)
    }

    fn add_members(&mut self, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<MembersAdded> {
        let r = self.handle.block_on(directory::add_members(&mut self.tx, source_id, group, ids));
        self.done(r)
    }

    fn remove_members(&mut self, group: &StoredResource, ids: &[String]) -> Result<u64> {
        let r = self.handle.block_on(directory::remove_members(&mut self.tx, group, ids));
        self.done(r)
    }

    fn remove_all_members(&mut self, group: &StoredResource) -> Result<u64> {
        let r = self.handle.block_on(directory::remove_all_members(&mut self.tx, group));
        self.done(r)
    }

    fn adjust_count(&mut self, group_rowid: i64, delta: i64) -> Result<()> {
        let r = self.handle.block_on(directory::adjust_count(&mut self.tx, group_rowid, delta));
        self.done(r)
    }

    fn members_of(&mut self, group_rowid: i64) -> Result<Vec<MemberRow>> {
        let r = self.handle.block_on(directory::members_of(&mut self.tx, group_rowid));
        self.done(r)
    }

    fn delete(&mut self, kind: ResourceKind, source_id: i64, resource: &StoredResource<()>) -> Result<()> {
        let r = self.handle.block_on(directory::delete(&mut self.tx, kind, source_id, resource));
        self.done(r)
    }
}
