//! SQL that users and groups share: reading one by id and deleting one.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::super::{now, Result, StoredResource};
use crate::scim::ResourceKind;

/// The columns [`resource_from_row`] reads, in its order.
pub(super) const RESOURCE_COLUMNS: &str = "rowid, id, doc, created, last_modified, version";

/// A row of [`RESOURCE_COLUMNS`] as a resource whose document stays JSON text
/// ([`StoredResource::parse`] parses it).
pub(super) fn resource_from_row(row: &Row) -> rusqlite::Result<StoredResource<String>> {
    Ok(StoredResource {
        rowid: row.get(0)?,
        id: row.get(1)?,
        doc: row.get(2)?,
        created: row.get(3)?,
        last_modified: row.get(4)?,
        version: row.get(5)?,
    })
}

/// The table that holds resources of `kind`.
pub(super) fn table(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    }
}

/// A user or group of the source by id, with its document as stored text (parse it with
/// [`StoredResource::parse`], or answer with it as it is).
pub fn get(conn: &Connection, kind: ResourceKind, source_id: i64, id: &str) -> Result<Option<StoredResource<String>>> {
    let sql = match kind {
        ResourceKind::User => {
            "SELECT rowid, id, doc, created, last_modified, version FROM users WHERE source_id = ? AND id = ?"
        }
        ResourceKind::Group => {
            "SELECT rowid, id, doc, created, last_modified, version FROM groups WHERE source_id = ? AND id = ?"
        }
    };
    Ok(conn.prepare_cached(sql)?.query_row(params![source_id, id], resource_from_row).optional()?)
}

/// Delete a user or group that [`get`] found, with its memberships in groups (a group's own
/// memberships go with it by foreign key), keeping those groups' counts and versions right.
pub fn delete(conn: &Connection, kind: ResourceKind, source_id: i64, resource: &StoredResource<()>) -> Result<()> {
    remove_member_everywhere(conn, source_id, &resource.id)?;
    let sql = match kind {
        ResourceKind::User => "DELETE FROM users WHERE rowid = ?",
        ResourceKind::Group => "DELETE FROM groups WHERE rowid = ?",
    };
    conn.prepare_cached(sql)?.execute([resource.rowid])?;
    Ok(())
}

/// Remove `member_id` from every group of the source (when the user or group is deleted),
/// keeping counts and versions of those groups right.
fn remove_member_everywhere(conn: &Connection, source_id: i64, member_id: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE groups SET member_count = member_count - 1, version = version + 1, last_modified = ?
         WHERE source_id = ? AND rowid IN (SELECT group_rowid FROM group_members WHERE member_id = ?)",
    )?
    .execute(params![now(), source_id, member_id])?;
    conn.prepare_cached("DELETE FROM group_members WHERE member_id = ?")?.execute([member_id])?;
    Ok(())
}
