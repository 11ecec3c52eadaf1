//! SQL for provisioned groups and their memberships (`group_members`), where one member add or
//! remove costs the same for any group size.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::store::columns::GroupColumns;
use crate::store::{now, MemberRow, MembersAdded, Result, StoredResource};

pub fn insert_group(conn: &Connection, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    conn.prepare_cached(
        "INSERT INTO groups (id, source_id, display_name, display_name_key, external_id, doc, created, last_modified, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
    )?
    .execute(params![id, source_id, cols.display_name, cols.display_name_key, cols.external_id, doc.to_string(), ts, ts])?;
    let rowid = conn.last_insert_rowid();
    Ok(StoredResource {
        rowid,
        id: id.to_string(),
        doc: doc.clone(),
        created: ts.clone(),
        last_modified: ts,
        version: 1,
    })
}

/// Store a changed document (or only a membership change: same doc), add `member_delta` to the
/// member count, and bump the version.
pub fn update_group(
    conn: &Connection,
    current: &StoredResource,
    doc: &Value,
    member_delta: i64,
) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    let version = current.version + 1;
    // A membership change leaves the document as it was: only meta and the count move.
    let doc_text = (doc != &current.doc).then(|| doc.to_string());
    conn.prepare_cached(
        "UPDATE groups SET display_name = ?, display_name_key = ?, external_id = ?, doc = COALESCE(?, doc), last_modified = ?,
           version = ?, member_count = member_count + ? WHERE rowid = ?",
    )?
    .execute(params![cols.display_name, cols.display_name_key, cols.external_id, doc_text, ts, version, member_delta, current.rowid])?;
    Ok(StoredResource { version, last_modified: ts, doc: doc.clone(), ..current.clone() })
}

/// Add members; ids already present are left alone, and an id that is not a user or group of the
/// source is reported, so that a typo in a PATCH cannot create a dangling membership. One
/// statement (two when some were not added) whatever the number of ids: the group's size does
/// not matter.
pub fn add_members(conn: &Connection, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<MembersAdded> {
    if ids.is_empty() {
        return Ok(MembersAdded::Added(0));
    }
    let ids_json = serde_json::to_string(ids).expect("strings serialise");
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO group_members (group_rowid, member_id, member_type)
             SELECT ?1, j.value, CASE WHEN EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value) THEN 'User' ELSE 'Group' END
             FROM json_each(?3) j
             WHERE EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value)
                OR EXISTS (SELECT 1 FROM groups WHERE source_id = ?2 AND id = j.value)",
        )?
        .execute(params![group.rowid, source_id, ids_json])? as u64;
    // Fewer added than asked: some were members already, or do not exist. Only then look for
    // the unknown ones.
    if added < ids.len() as u64 {
        let unknown: Option<String> = conn
            .prepare_cached(
                "SELECT j.value FROM json_each(?1) j
                 WHERE NOT EXISTS (SELECT 1 FROM users WHERE source_id = ?2 AND id = j.value)
                   AND NOT EXISTS (SELECT 1 FROM groups WHERE source_id = ?2 AND id = j.value)
                 LIMIT 1",
            )?
            .query_row(params![ids_json, source_id], |r| r.get(0))
            .optional()?;
        if let Some(id) = unknown {
            return Ok(MembersAdded::UnknownMember(id));
        }
    }
    Ok(MembersAdded::Added(added))
}

/// Remove exactly these members. Returns how many were removed.
pub fn remove_members(conn: &Connection, group: &StoredResource, ids: &[String]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let removed = conn
        .prepare_cached(
            "DELETE FROM group_members WHERE group_rowid = ? AND member_id IN (SELECT value FROM json_each(?))",
        )?
        .execute(params![group.rowid, serde_json::to_string(ids).expect("strings serialise")])?;
    Ok(removed as u64)
}

pub fn remove_all_members(conn: &Connection, group: &StoredResource) -> Result<u64> {
    Ok(conn.prepare_cached("DELETE FROM group_members WHERE group_rowid = ?")?.execute([group.rowid])? as u64)
}

/// Change the stored member count of a new group by `delta` (membership changes of existing
/// groups pass their delta to [`update_group`]).
pub fn adjust_count(conn: &Connection, group_rowid: i64, delta: i64) -> Result<()> {
    if delta != 0 {
        conn.prepare_cached("UPDATE groups SET member_count = member_count + ? WHERE rowid = ?")?
            .execute([delta, group_rowid])?;
    }
    Ok(())
}

fn member_from_row(row: &Row) -> rusqlite::Result<MemberRow> {
    Ok(MemberRow { value: row.get(0)?, kind: row.get(1)?, display: row.get(2)? })
}

/// The members of a group, by id, for stable output.
pub fn members_of(conn: &Connection, group_rowid: i64) -> Result<Vec<MemberRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.member_id, m.member_type, COALESCE(u.display_name, g.display_name)
         FROM group_members m
         LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
         LEFT JOIN groups g ON m.member_type = 'Group' AND g.id = m.member_id
         WHERE m.group_rowid = ? ORDER BY m.member_id",
    )?;
    let rows = stmt.query_map([group_rowid], member_from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The groups `member_id` belongs to directly: (id, displayName).
pub fn groups_of(conn: &Connection, member_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.display_name FROM group_members m JOIN groups g ON g.rowid = m.group_rowid
         WHERE m.member_id = ? ORDER BY g.display_name_key",
    )?;
    let rows = stmt.query_map([member_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
