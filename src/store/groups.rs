//! SQL for provisioned groups and their memberships (`group_members`), where one member add or
//! remove costs the same for any group size.

use serde::Serialize;
use serde_json::Value;
use sqlx::{FromRow, SqliteConnection};

use super::columns::GroupColumns;
use super::sources::on_unique;
use super::users::{resource_from_row, StoredResource};
use super::{now, Result};
use crate::scim::ScimError;

/// A member of a group as returned in `members`.
#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
pub struct MemberRow {
    pub value: String,
    #[sqlx(rename = "member_type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub display: Option<String>,
}

fn display_name_clash(doc: &Value) -> ScimError {
    let name = doc.get("displayName").and_then(Value::as_str).unwrap_or_default();
    ScimError::uniqueness(format!(
        "a group with the displayName \"{name}\" already exists in this source (compared without regard to letter case)"
    ))
}

pub async fn get_group<'e, E: sqlx::SqliteExecutor<'e>>(ex: E, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
    let row = sqlx::query("SELECT rowid, id, doc, created, last_modified, version FROM groups WHERE source_id = ? AND id = ?")
        .bind(source_id)
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(resource_from_row).transpose()
}

pub async fn insert_group(conn: &mut SqliteConnection, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    let rowid = sqlx::query(
        "INSERT INTO groups (id, source_id, display_name, display_name_key, external_id, doc, created, last_modified, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
    )
    .bind(id)
    .bind(source_id)
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(&cols.external_id)
    .bind(doc.to_string())
    .bind(&ts)
    .bind(&ts)
    .execute(&mut *conn)
    .await
    .map_err(|e| on_unique(e, "groups.display_name_key", || display_name_clash(doc)))?
    .last_insert_rowid();
    Ok(StoredResource { rowid, id: id.to_string(), doc: doc.clone(), created: ts.clone(), last_modified: ts, version: 1 })
}

/// Store a changed document (or only a membership change: same doc), add `member_delta` to the
/// member count, and bump the version.
pub async fn update_group(conn: &mut SqliteConnection, current: &StoredResource, doc: &Value, member_delta: i64) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    let version = current.version + 1;
    sqlx::query(
        "UPDATE groups SET display_name = ?, display_name_key = ?, external_id = ?, doc = ?, last_modified = ?, version = ?,
           member_count = member_count + ? WHERE rowid = ?",
    )
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(&cols.external_id)
    .bind(doc.to_string())
    .bind(&ts)
    .bind(version)
    .bind(member_delta)
    .bind(current.rowid)
    .execute(&mut *conn)
    .await
    .map_err(|e| on_unique(e, "groups.display_name_key", || display_name_clash(doc)))?;
    Ok(StoredResource { version, last_modified: ts, doc: doc.clone(), ..current.clone() })
}

/// Delete a group, its memberships, and its membership in other groups.
pub async fn delete_group(conn: &mut SqliteConnection, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
    let Some(group) = get_group(&mut *conn, source_id, id).await? else { return Ok(None) };
    remove_member_everywhere(conn, source_id, id).await?;
    sqlx::query("DELETE FROM groups WHERE rowid = ?").bind(group.rowid).execute(&mut *conn).await?;
    Ok(Some(group))
}

/// Add members; ids already present are left alone. Unknown ids are refused (400), so a typo
/// in a PATCH cannot create a dangling membership. Returns how many were added. One statement
/// (two when some were not added) whatever the number of ids: the group's size does not matter.
pub async fn add_members(conn: &mut SqliteConnection, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    if ids.contains(&group.id) {
        return Err(ScimError::invalid_value(format!("group \"{}\" cannot be a member of itself", group.id)).into());
    }
    let ids_json = serde_json::to_string(ids).expect("strings serialise");
    let done = sqlx::query(
        "INSERT OR IGNORE INTO group_members (group_rowid, member_id, member_type)
         SELECT ?1, j.value, CASE WHEN EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value) THEN 'User' ELSE 'Group' END
         FROM json_each(?3) j
         WHERE EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value)
            OR EXISTS (SELECT 1 FROM groups WHERE source_id = ?2 AND id = j.value)",
    )
    .bind(group.rowid)
    .bind(source_id)
    .bind(&ids_json)
    .execute(&mut *conn)
    .await?;
    let added = done.rows_affected();
    // Fewer added than asked: some were members already, or do not exist. Only then look for
    // the unknown ones (the caller's savepoint undoes the adds when one is found).
    if added < ids.len() as u64 {
        let unknown: Option<String> = sqlx::query_scalar(
            "SELECT j.value FROM json_each(?1) j
             WHERE NOT EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value)
               AND NOT EXISTS (SELECT 1 FROM groups WHERE source_id = ?2 AND id = j.value)
             LIMIT 1",
        )
        .bind(&ids_json)
        .bind(source_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = unknown {
            return Err(ScimError::invalid_value(format!(
                "member \"{id}\" is not a user or group of this source; provision it before adding it to a group"
            ))
            .into());
        }
    }
    Ok(added)
}

/// Remove exactly these members. Returns how many were removed.
pub async fn remove_members(conn: &mut SqliteConnection, group: &StoredResource, ids: &[String]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let done = sqlx::query("DELETE FROM group_members WHERE group_rowid = ? AND member_id IN (SELECT value FROM json_each(?))")
        .bind(group.rowid)
        .bind(serde_json::to_string(ids).expect("strings serialise"))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn remove_all_members(conn: &mut SqliteConnection, group: &StoredResource) -> Result<u64> {
    let done = sqlx::query("DELETE FROM group_members WHERE group_rowid = ?").bind(group.rowid).execute(&mut *conn).await?;
    Ok(done.rows_affected())
}

/// Change the stored member count of a new group by `delta` (membership changes of existing
/// groups pass their delta to [`update_group`]).
pub async fn adjust_count(conn: &mut SqliteConnection, group_rowid: i64, delta: i64) -> Result<()> {
    if delta != 0 {
        sqlx::query("UPDATE groups SET member_count = member_count + ? WHERE rowid = ?")
            .bind(delta)
            .bind(group_rowid)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Remove `member_id` from every group of the source (when the user or group is deleted),
/// keeping counts and versions of those groups right.
pub(super) async fn remove_member_everywhere(conn: &mut SqliteConnection, source_id: i64, member_id: &str) -> Result<()> {
    let ts = now();
    sqlx::query(
        "UPDATE groups SET member_count = member_count - 1, version = version + 1, last_modified = ?
         WHERE source_id = ? AND rowid IN (SELECT group_rowid FROM group_members WHERE member_id = ?)",
    )
    .bind(&ts)
    .bind(source_id)
    .bind(member_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM group_members WHERE member_id = ?").bind(member_id).execute(&mut *conn).await?;
    Ok(())
}

/// The members of a group, in the order they were added... by id, for stable output.
pub async fn members_of<'e, E: sqlx::SqliteExecutor<'e>>(ex: E, group_rowid: i64) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.member_id AS value, m.member_type, COALESCE(u.display_name, g.display_name) AS display
         FROM group_members m
         LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
         LEFT JOIN groups g ON m.member_type = 'Group' AND g.id = m.member_id
         WHERE m.group_rowid = ? ORDER BY m.member_id",
    )
    .bind(group_rowid)
    .fetch_all(ex)
    .await?)
}

/// The groups `member_id` belongs to directly: (id, displayName).
pub async fn groups_of<'e, E: sqlx::SqliteExecutor<'e>>(ex: E, member_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.display_name FROM group_members m JOIN groups g ON g.rowid = m.group_rowid
         WHERE m.member_id = ? ORDER BY g.display_name_key",
    )
    .bind(member_id)
    .fetch_all(ex)
    .await?)
}

pub async fn member_count<'e, E: sqlx::SqliteExecutor<'e>>(ex: E, group_rowid: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT member_count FROM groups WHERE rowid = ?").bind(group_rowid).fetch_one(ex).await?)
}
