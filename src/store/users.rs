//! SQL for provisioned users. Write functions take the writer's connection (they run inside a
//! write batch); reads take any executor.

use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use super::columns::UserColumns;
use super::sources::on_unique;
use super::{now, Result, StoreError};
use crate::scim::ScimError;

/// A user or group as stored: its document (no `id`, `meta`, `members`) and its meta columns.
#[derive(Debug, Clone)]
pub struct StoredResource {
    pub rowid: i64,
    pub id: String,
    pub doc: Value,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

pub(super) fn parse_doc(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("a stored document is not JSON: {e}")))
}

pub(super) fn resource_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredResource> {
    Ok(StoredResource {
        rowid: row.try_get("rowid")?,
        id: row.try_get("id")?,
        doc: parse_doc(row.try_get::<&str, _>("doc")?)?,
        created: row.try_get("created")?,
        last_modified: row.try_get("last_modified")?,
        version: row.try_get("version")?,
    })
}

fn user_name_clash(doc: &Value) -> ScimError {
    let name = doc.get("userName").and_then(Value::as_str).unwrap_or_default();
    ScimError::uniqueness(format!(
        "a user with the userName \"{name}\" already exists in this source (userName is compared without regard to letter case)"
    ))
}

pub async fn get_user<'e, E: sqlx::SqliteExecutor<'e>>(ex: E, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
    let row = sqlx::query("SELECT rowid, id, doc, created, last_modified, version FROM users WHERE source_id = ? AND id = ?")
        .bind(source_id)
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(resource_from_row).transpose()
}

pub async fn user_exists(conn: &mut SqliteConnection, source_id: i64, id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT 1 FROM users WHERE source_id = ? AND id = ?")
        .bind(source_id)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// Insert a new user; a userName already taken (any letter case) is a 409 from the UNIQUE index.
pub async fn insert_user(conn: &mut SqliteConnection, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
    match insert_users(conn, &[(source_id, id, doc)]).await {
        Ok(mut stored) => Ok(stored.remove(0)),
        Err(e) if e.is_unique_violation() => Err(user_name_clash(doc).into()),
        Err(e) => Err(e),
    }
}

/// Insert several new users with one statement (and their emails with one more). A userName
/// clash fails the whole statement (see [`StoreError::is_unique_violation`]); the caller then
/// inserts them one by one. Returns them in the order given.
pub async fn insert_users(conn: &mut SqliteConnection, rows: &[(i64, &str, &Value)]) -> Result<Vec<StoredResource>> {
    let ts = now();
    let cols: Vec<UserColumns> = rows.iter().map(|(_, _, doc)| UserColumns::from_doc(doc)).collect();
    let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"; rows.len()].join(", ");
    let sql = format!(
        "INSERT INTO users (id, source_id, user_name_key, external_id, display_name, display_name_key, active, manager_id, doc, created, last_modified, version)
         VALUES {values} RETURNING rowid, id"
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for ((source_id, id, doc), c) in rows.iter().zip(&cols) {
        q = q
            .bind(*id)
            .bind(*source_id)
            .bind(&c.user_name_key)
            .bind(&c.external_id)
            .bind(&c.display_name)
            .bind(&c.display_name_key)
            .bind(c.active)
            .bind(&c.manager_id)
            .bind(doc.to_string())
            .bind(&ts)
            .bind(&ts);
    }
    // RETURNING gives no order guarantee: match rows by id.
    let returned: std::collections::HashMap<String, i64> = q.fetch_all(&mut *conn).await?.into_iter().map(|(rowid, id)| (id, rowid)).collect();
    let mut emails = Vec::new();
    let mut stored = Vec::with_capacity(rows.len());
    for ((source_id, id, doc), c) in rows.iter().zip(&cols) {
        let rowid = *returned.get(*id).ok_or_else(|| StoreError::Corrupt(format!("insert returned no row for user {id}")))?;
        emails.extend(c.email_keys.iter().map(|k| serde_json::json!([rowid, source_id, k])));
        stored.push(StoredResource { rowid, id: id.to_string(), doc: (*doc).clone(), created: ts.clone(), last_modified: ts.clone(), version: 1 });
    }
    if !emails.is_empty() {
        sqlx::query(
            "INSERT OR IGNORE INTO user_emails (user_rowid, source_id, value_key)
             SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
        )
        .bind(Value::Array(emails).to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(stored)
}

async fn insert_emails(conn: &mut SqliteConnection, rowid: i64, source_id: i64, keys: &[String]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    // One statement for all of a user's emails: each statement is a trip to SQLite's thread.
    sqlx::query("INSERT OR IGNORE INTO user_emails (user_rowid, source_id, value_key) SELECT ?, ?, value FROM json_each(?)")
        .bind(rowid)
        .bind(source_id)
        .bind(serde_json::to_string(keys).expect("strings serialise"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Store a changed document for an existing user and bump its version.
pub async fn update_user(conn: &mut SqliteConnection, source_id: i64, current: &StoredResource, doc: &Value) -> Result<StoredResource> {
    let cols = UserColumns::from_doc(doc);
    let ts = now();
    let version = current.version + 1;
    sqlx::query(
        "UPDATE users SET user_name_key = ?, external_id = ?, display_name = ?, display_name_key = ?, active = ?,
           manager_id = ?, doc = ?, last_modified = ?, version = ? WHERE rowid = ?",
    )
    .bind(&cols.user_name_key)
    .bind(&cols.external_id)
    .bind(&cols.display_name)
    .bind(&cols.display_name_key)
    .bind(cols.active)
    .bind(&cols.manager_id)
    .bind(doc.to_string())
    .bind(&ts)
    .bind(version)
    .bind(current.rowid)
    .execute(&mut *conn)
    .await
    .map_err(|e| on_unique(e, "users.user_name_key", || user_name_clash(doc)))?;
    if UserColumns::from_doc(&current.doc).email_keys != cols.email_keys {
        sqlx::query("DELETE FROM user_emails WHERE user_rowid = ?").bind(current.rowid).execute(&mut *conn).await?;
        insert_emails(conn, current.rowid, source_id, &cols.email_keys).await?;
    }
    Ok(StoredResource {
        rowid: current.rowid,
        id: current.id.clone(),
        doc: doc.clone(),
        created: current.created.clone(),
        last_modified: ts,
        version,
    })
}

/// Delete a user and its group memberships. Returns the deleted user, if it existed.
pub async fn delete_user(conn: &mut SqliteConnection, source_id: i64, id: &str) -> Result<Option<StoredResource>> {
    let Some(user) = get_user(&mut *conn, source_id, id).await? else { return Ok(None) };
    super::groups::remove_member_everywhere(conn, source_id, id).await?;
    sqlx::query("DELETE FROM users WHERE rowid = ?").bind(user.rowid).execute(&mut *conn).await?;
    Ok(Some(user))
}
