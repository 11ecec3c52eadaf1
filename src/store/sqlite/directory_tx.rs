//! The directory's write transaction on SQLite: the writer's connection, inside the batch's
//! transaction and the write's own savepoint.

use rusqlite::Connection;
use serde_json::Value;

use super::{groups, resources, users};
use crate::scim::ResourceKind;
use crate::store::{DirectoryTx, MemberRow, MembersAdded, PreparedUser, Result, StoredResource};

pub(super) struct SqliteTx<'c>(pub(super) &'c Connection);

impl DirectoryTx for SqliteTx<'_> {
    fn resource(&mut self, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
        resources::get(self.0, kind, source_id, id)
    }

    fn update_user_if_current(
        &mut self,
        source_id: i64,
        current: &StoredResource<()>,
        prepared: PreparedUser,
    ) -> Result<Option<StoredResource>> {
        users::update_user_if_current(self.0, source_id, current, prepared)
    }

    fn insert_group(&mut self, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
        groups::insert_group(self.0, source_id, id, doc)
    }

    fn update_group(&mut self, current: &StoredResource, doc: &Value, member_delta: i64) -> Result<StoredResource> {
        groups::update_group(self.0, current, doc, member_delta)
    }

    fn add_members(&mut self, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<MembersAdded> {
        groups::add_members(self.0, source_id, group, ids)
    }

    fn remove_members(&mut self, group: &StoredResource, ids: &[String]) -> Result<u64> {
        groups::remove_members(self.0, group, ids)
    }

    fn remove_all_members(&mut self, group: &StoredResource) -> Result<u64> {
        groups::remove_all_members(self.0, group)
    }

    fn adjust_count(&mut self, group_rowid: i64, delta: i64) -> Result<()> {
        groups::adjust_count(self.0, group_rowid, delta)
    }

    fn members_of(&mut self, group_rowid: i64) -> Result<Vec<MemberRow>> {
        groups::members_of(self.0, group_rowid)
    }

    fn delete(&mut self, kind: ResourceKind, source_id: i64, resource: &StoredResource<()>) -> Result<()> {
        resources::delete(self.0, kind, source_id, resource)
    }
}
