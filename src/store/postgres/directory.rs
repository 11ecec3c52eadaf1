//! SQL for provisioned users, groups and memberships on PostgreSQL. Every function runs on a
//! connection inside the caller's transaction; none commits.
//!
//! Several instances write at once, so a write that reads a resource to change it locks its row
//! (`FOR NO KEY UPDATE`; a delete, `FOR UPDATE`), and adding members takes the weakest lock on
//! the members' rows (`FOR KEY SHARE`, which only a delete waits for): a member deleted by
//! another instance meanwhile is either still there when the membership commits, or found
//! missing (no membership dangles).

use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::scim::ResourceKind;
use crate::store::columns::{GroupColumns, UserColumns};
use crate::store::{now, MemberRow, MembersAdded, PreparedUser, StoredResource};

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The columns [`resource_from_row`] reads, in its order.
pub(super) const RESOURCE_COLUMNS: &str = "rowid, id, doc, created, last_modified, version";

pub(super) fn resource_from_row(row: &PgRow) -> Result<StoredResource<String>> {
    Ok(StoredResource {
        rowid: row.try_get(0)?,
        id: row.try_get(1)?,
        doc: row.try_get(2)?,
        created: row.try_get(3)?,
        last_modified: row.try_get(4)?,
        version: row.try_get(5)?,
    })
}

/// Whether `text` can be a value of a text column (PostgreSQL cannot hold a NUL; nothing stored
/// has one, so a key with one names nothing).
pub(super) fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// A user or group of the source by id; `lock` takes its row for the rest of the transaction.
pub(super) async fn resource(
    conn: &mut PgConnection,
    kind: ResourceKind,
    source_id: i64,
    id: &str,
    lock: bool,
) -> Result<Option<StoredResource<String>>> {
    if !storable(id) {
        return Ok(None);
    }
    let sql = match (kind, lock) {
        (ResourceKind::User, false) => {
            "SELECT rowid, id, doc, created, last_modified, version FROM users WHERE source_id = $1 AND id = $2"
        }
        (ResourceKind::User, true) => {
            "SELECT rowid, id, doc, created, last_modified, version FROM users WHERE source_id = $1 AND id = $2 FOR NO KEY UPDATE"
        }
        (ResourceKind::Group, false) => {
            "SELECT rowid, id, doc, created, last_modified, version FROM groups WHERE source_id = $1 AND id = $2"
        }
        (ResourceKind::Group, true) => {
            "SELECT rowid, id, doc, created, last_modified, version FROM groups WHERE source_id = $1 AND id = $2 FOR NO KEY UPDATE"
        }
    };
    let row = sqlx::query(sql).bind(source_id).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(resource_from_row).transpose()
}

/// Insert a new user and its email keys; a userName already taken (any letter case) is refused
/// by the unique index `users_user_name`.
pub(super) async fn insert_user(
    conn: &mut PgConnection,
    source_id: i64,
    id: &str,
    doc: &Value,
) -> Result<StoredResource> {
    let ts = now();
    let c = UserColumns::from_doc(doc);
    let rowid: i64 = sqlx::query_scalar(
        "INSERT INTO users (id, source_id, user_name_key, external_id, display_name, display_name_key, active,
                            manager_id, doc, created, last_modified, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1) RETURNING rowid",
    )
    .bind(id)
    .bind(source_id)
    .bind(&c.user_name_key)
    .bind(&c.external_id)
    .bind(&c.display_name)
    .bind(&c.display_name_key)
    .bind(c.active)
    .bind(&c.manager_id)
    .bind(doc.to_string())
    .bind(&ts)
    .fetch_one(&mut *conn)
    .await?;
    insert_emails(conn, rowid, source_id, &c.email_keys).await?;
    Ok(StoredResource {
        rowid,
        id: id.to_string(),
        doc: doc.clone(),
        created: ts.clone(),
        last_modified: ts,
        version: 1,
    })
}

async fn insert_emails(conn: &mut PgConnection, rowid: i64, source_id: i64, keys: &[String]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO user_emails (user_rowid, source_id, value_key) SELECT $1, $2, k FROM UNNEST($3::text[]) k
         ON CONFLICT DO NOTHING",
    )
    .bind(rowid)
    .bind(source_id)
    .bind(keys)
    .execute(conn)
    .await?;
    Ok(())
}

/// Store a changed document for user `current` if its version is still `current.version`.
pub(super) async fn update_user_if_current(
    conn: &mut PgConnection,
    source_id: i64,
    current: &StoredResource<()>,
    prepared: PreparedUser,
) -> Result<Option<StoredResource>> {
    let PreparedUser { doc, text, cols, emails_changed } = prepared;
    let ts = now();
    let version = current.version + 1;
    let updated = sqlx::query(
        "UPDATE users SET user_name_key = $1, external_id = $2, display_name = $3, display_name_key = $4, active = $5,
           manager_id = $6, doc = $7, last_modified = $8, version = $9 WHERE rowid = $10 AND version = $11",
    )
    .bind(&cols.user_name_key)
    .bind(&cols.external_id)
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(cols.active)
    .bind(&cols.manager_id)
    .bind(&text)
    .bind(&ts)
    .bind(version)
    .bind(current.rowid)
    .bind(current.version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    if emails_changed {
        sqlx::query("DELETE FROM user_emails WHERE user_rowid = $1").bind(current.rowid).execute(&mut *conn).await?;
        insert_emails(conn, current.rowid, source_id, &cols.email_keys).await?;
    }
    Ok(Some(StoredResource {
        rowid: current.rowid,
        id: current.id.clone(),
        doc,
        created: current.created.clone(),
        last_modified: ts,
        version,
    }))
}

pub(super) async fn insert_group(
    conn: &mut PgConnection,
    source_id: i64,
    id: &str,
    doc: &Value,
) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    let rowid: i64 = sqlx::query_scalar(
        "INSERT INTO groups (id, source_id, display_name, display_name_key, external_id, doc, created, last_modified, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1) RETURNING rowid",
    )
    .bind(id)
    .bind(source_id)
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(&cols.external_id)
    .bind(doc.to_string())
    .bind(&ts)
    .fetch_one(conn)
    .await?;
    Ok(StoredResource {
        rowid,
        id: id.to_string(),
        doc: doc.clone(),
        created: ts.clone(),
        last_modified: ts,
        version: 1,
    })
}

/// Store a changed document (or only a membership change), add `member_delta` to the member
/// count, and bump the version.
pub(super) async fn update_group(
    conn: &mut PgConnection,
    current: &StoredResource,
    doc: &Value,
    member_delta: i64,
) -> Result<StoredResource> {
    let cols = GroupColumns::from_doc(doc);
    let ts = now();
    let version = current.version + 1;
    let doc_text = (doc != &current.doc).then(|| doc.to_string());
    sqlx::query(
        "UPDATE groups SET display_name = $1, display_name_key = $2, external_id = $3, doc = COALESCE($4, doc),
           last_modified = $5, version = $6, member_count = member_count + $7 WHERE rowid = $8",
    )
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(&cols.external_id)
    .bind(doc_text)
    .bind(&ts)
    .bind(version)
    .bind(member_delta)
    .bind(current.rowid)
    .execute(conn)
    .await?;
    Ok(StoredResource { version, last_modified: ts, doc: doc.clone(), ..current.clone() })
}

/// Add members that are users or groups of the source; ids already present are left alone.
pub(super) async fn add_members(
    conn: &mut PgConnection,
    source_id: i64,
    group: &StoredResource,
    ids: &[String],
) -> Result<MembersAdded> {
    if ids.is_empty() {
        return Ok(MembersAdded::Added(0));
    }
    if let Some(unknown) = ids.iter().find(|id| !storable(id)) {
        return Ok(MembersAdded::UnknownMember(unknown.clone()));
    }
    // The members' rows are held until commit, so that a delete of one of them waits for this
    // write (and then removes the membership) instead of passing it by. Their updates do not wait.
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE source_id = $1 AND id = ANY($2::text[]) ORDER BY rowid FOR KEY SHARE",
    )
    .bind(source_id)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM groups WHERE source_id = $1 AND id = ANY($2::text[]) ORDER BY rowid FOR KEY SHARE",
    )
    .bind(source_id)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    if let Some(unknown) = ids.iter().find(|id| !users.contains(id) && !groups.contains(id)) {
        return Ok(MembersAdded::UnknownMember(unknown.clone()));
    }
    let added = sqlx::query(
        "INSERT INTO group_members (group_rowid, member_id, member_type)
         SELECT $1, m, t FROM UNNEST($2::text[], $3::text[]) AS u(m, t)
         ON CONFLICT DO NOTHING",
    )
    .bind(group.rowid)
    .bind(users.iter().chain(&groups).collect::<Vec<_>>())
    .bind(users.iter().map(|_| "User").chain(groups.iter().map(|_| "Group")).collect::<Vec<_>>())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(MembersAdded::Added(added))
}

pub(super) async fn remove_members(conn: &mut PgConnection, group: &StoredResource, ids: &[String]) -> Result<u64> {
    let ids: Vec<&String> = ids.iter().filter(|id| storable(id)).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query("DELETE FROM group_members WHERE group_rowid = $1 AND member_id = ANY($2::text[])")
        .bind(group.rowid)
        .bind(ids)
        .execute(conn)
        .await?
        .rows_affected())
}

pub(super) async fn remove_all_members(conn: &mut PgConnection, group: &StoredResource) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM group_members WHERE group_rowid = $1")
        .bind(group.rowid)
        .execute(conn)
        .await?
        .rows_affected())
}

pub(super) async fn adjust_count(conn: &mut PgConnection, group_rowid: i64, delta: i64) -> Result<()> {
    if delta != 0 {
        sqlx::query("UPDATE groups SET member_count = member_count + $1 WHERE rowid = $2")
            .bind(delta)
            .bind(group_rowid)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The members of a group, by id.
pub(super) async fn members_of(conn: &mut PgConnection, group_rowid: i64) -> Result<Vec<MemberRow>> {
    let rows = sqlx::query(
        "SELECT m.member_id, m.member_type, COALESCE(u.display_name, g.display_name)
         FROM group_members m
         LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
         LEFT JOIN groups g ON m.member_type = 'Group' AND g.id = m.member_id
         WHERE m.group_rowid = $1 ORDER BY m.member_id COLLATE \"C\"",
    )
    .bind(group_rowid)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(MemberRow { value: r.try_get(0)?, kind: r.try_get(1)?, display: r.try_get(2)? })).collect()
}

/// The groups `member_id` belongs to directly: (id, displayName).
pub(super) async fn groups_of(conn: &mut PgConnection, member_id: &str) -> Result<Vec<(String, String)>> {
    if !storable(member_id) {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT g.id, g.display_name FROM group_members m JOIN groups g ON g.rowid = m.group_rowid
         WHERE m.member_id = $1 ORDER BY g.display_name_key COLLATE \"C\"",
    )
    .bind(member_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Delete a user or group with its memberships in groups, keeping those groups' counts and
/// versions right (a group's own memberships go with it by foreign key).
pub(super) async fn delete(
    conn: &mut PgConnection,
    kind: ResourceKind,
    source_id: i64,
    resource: &StoredResource<()>,
) -> Result<()> {
    // First wait for the writes that are adding it to a group (they hold `FOR KEY SHARE`), so
    // that the memberships they commit are seen and removed below.
    let lock = match kind {
        ResourceKind::User => "SELECT 1 FROM users WHERE rowid = $1 FOR UPDATE",
        ResourceKind::Group => "SELECT 1 FROM groups WHERE rowid = $1 FOR UPDATE",
    };
    sqlx::query(lock).bind(resource.rowid).execute(&mut *conn).await?;
    sqlx::query(
        "UPDATE groups SET member_count = member_count - 1, version = version + 1, last_modified = $1
         WHERE source_id = $2 AND rowid IN (SELECT group_rowid FROM group_members WHERE member_id = $3)",
    )
    .bind(now())
    .bind(source_id)
    .bind(&resource.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM group_members WHERE member_id = $1").bind(&resource.id).execute(&mut *conn).await?;
    let sql = match kind {
        ResourceKind::User => "DELETE FROM users WHERE rowid = $1",
        ResourceKind::Group => "DELETE FROM groups WHERE rowid = $1",
    };
    sqlx::query(sql).bind(resource.rowid).execute(conn).await?;
    Ok(())
}
