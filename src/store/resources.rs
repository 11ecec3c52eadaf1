//! What users and groups share in the store: the stored row, its table, reading one by id and
//! deleting one.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use super::{now, Result, StoreError};
use crate::scim::ResourceKind;

/// A user or group as stored: its document (no `id`, `meta`, `members`) and its meta columns.
/// The document is parsed JSON, or (`StoredResource<String>`) the JSON text as stored, for
/// reads that hand it on without looking inside.
#[derive(Debug, Clone)]
pub struct StoredResource<Doc = Value> {
    pub rowid: i64,
    pub id: String,
    pub doc: Doc,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

impl StoredResource<String> {
    /// The same resource with its document parsed.
    pub fn parse(self) -> Result<StoredResource> {
        let doc = serde_json::from_str(&self.doc)
            .map_err(|e| StoreError::Corrupt(format!("the stored document of {} is not JSON: {e}", self.id)))?;
        Ok(StoredResource {
            rowid: self.rowid,
            id: self.id,
            doc,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
        })
    }
}

impl<Doc> StoredResource<Doc> {
    /// The resource's row and meta without its document.
    pub fn meta(&self) -> StoredResource<()> {
        StoredResource {
            rowid: self.rowid,
            id: self.id.clone(),
            doc: (),
            created: self.created.clone(),
            last_modified: self.last_modified.clone(),
            version: self.version,
        }
    }
}

impl StoredResource {
    /// The same resource with its document as JSON text.
    pub fn to_text(self) -> StoredResource<String> {
        StoredResource {
            doc: self.doc.to_string(),
            rowid: self.rowid,
            id: self.id,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
        }
    }
}

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
pub fn delete<Doc>(
    conn: &Connection,
    kind: ResourceKind,
    source_id: i64,
    resource: &StoredResource<Doc>,
) -> Result<()> {
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
