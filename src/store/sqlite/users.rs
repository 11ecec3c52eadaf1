//! SQL for provisioned users. Write functions take the writer's connection (they run inside a
//! write batch); reads take any connection.

use std::collections::HashMap;

use rusqlite::{params, Connection, ToSql};
use serde_json::Value;

use crate::store::columns::UserColumns;
use crate::store::{now, PreparedUser, Result, StoreError, StoredResource};

/// Insert a new user; a userName already taken (any letter case) is refused by the unique
/// index ([`UniqueIndex::UserName`](super::UniqueIndex::UserName)).
pub fn insert_user(conn: &Connection, source_id: i64, id: &str, doc: &Value) -> Result<StoredResource> {
    Ok(insert_users(conn, &[(source_id, id, doc)])?.remove(0))
}

/// Insert several new users with one statement (and their emails with one more). A userName
/// clash fails the whole statement ([`StoreError::UniqueViolation`]); the caller then
/// inserts them one by one. Returns them in the order given.
pub fn insert_users(conn: &Connection, rows: &[(i64, &str, &Value)]) -> Result<Vec<StoredResource>> {
    let ts = now();
    let cols: Vec<UserColumns> = rows.iter().map(|(_, _, doc)| UserColumns::from_doc(doc)).collect();
    let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"; rows.len()].join(", ");
    let sql = format!(
        "INSERT INTO users (id, source_id, user_name_key, external_id, display_name, display_name_key, active, manager_id, doc, created, last_modified, version)
         VALUES {values} RETURNING rowid, id"
    );
    let docs: Vec<String> = rows.iter().map(|(_, _, doc)| doc.to_string()).collect();
    let mut args: Vec<&dyn ToSql> = Vec::with_capacity(rows.len() * 11);
    for (((source_id, id, _), c), doc) in rows.iter().zip(&cols).zip(&docs) {
        args.extend([
            id as &dyn ToSql,
            source_id,
            &c.user_name_key,
            &c.external_id,
            &c.display_name,
            &c.display_name_key,
            &c.active,
            &c.manager_id,
            doc,
            &ts,
            &ts,
        ]);
    }
    // RETURNING gives no order guarantee: match rows by id.
    let mut stmt = conn.prepare_cached(&sql)?;
    let returned: HashMap<String, i64> = stmt
        .query_map(&args[..], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut emails = Vec::new();
    let mut stored = Vec::with_capacity(rows.len());
    for ((source_id, id, doc), c) in rows.iter().zip(&cols) {
        let rowid =
            *returned.get(*id).ok_or_else(|| StoreError::Corrupt(format!("insert returned no row for user {id}")))?;
        emails.extend(c.email_keys.iter().map(|k| serde_json::json!([rowid, source_id, k])));
        stored.push(StoredResource {
            rowid,
            id: id.to_string(),
            doc: (*doc).clone(),
            created: ts.clone(),
            last_modified: ts.clone(),
            version: 1,
        });
    }
    if !emails.is_empty() {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO user_emails (user_rowid, source_id, value_key)
             SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
        )?
        .execute([Value::Array(emails).to_string()])?;
    }
    Ok(stored)
}

fn insert_emails(conn: &Connection, rowid: i64, source_id: i64, keys: &[String]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT OR IGNORE INTO user_emails (user_rowid, source_id, value_key) SELECT ?, ?, value FROM json_each(?)",
    )?
    .execute(params![rowid, source_id, serde_json::to_string(keys).expect("strings serialise")])?;
    Ok(())
}

/// Store a changed document for user `current`, bumping its version, if its version is still
/// `current.version`; `None` when it has moved on (another write came first) or the user is gone.
pub fn update_user_if_current(
    conn: &Connection,
    source_id: i64,
    current: &StoredResource<()>,
    prepared: PreparedUser,
) -> Result<Option<StoredResource>> {
    let PreparedUser { doc, text, cols, emails_changed } = prepared;
    let ts = now();
    let version = current.version + 1;
    let updated = conn
        .prepare_cached(
            "UPDATE users SET user_name_key = ?, external_id = ?, display_name = ?, display_name_key = ?, active = ?,
               manager_id = ?, doc = ?, last_modified = ?, version = ? WHERE rowid = ? AND version = ?",
        )?
        .execute(params![
            cols.user_name_key,
            cols.external_id,
            cols.display_name,
            cols.display_name_key,
            cols.active,
            cols.manager_id,
            text,
            ts,
            version,
            current.rowid,
            current.version
        ])?;
    if updated == 0 {
        return Ok(None);
    }
    if emails_changed {
        conn.prepare_cached("DELETE FROM user_emails WHERE user_rowid = ?")?.execute([current.rowid])?;
        insert_emails(conn, current.rowid, source_id, &cols.email_keys)?;
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
