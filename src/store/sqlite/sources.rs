//! SQL for sources: the SCIM tenants, their token hashes and their counts.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::store::{now, NewSource, Result, SourceCounts, SourceRow, StoreError};

const COLUMNS: &str = "id, uid, name, slug, enabled, token_hash, token_prefix, previous_token_hash, previous_token_expires, created, updated, provider";

fn source_from_row(r: &Row) -> rusqlite::Result<SourceRow> {
    Ok(SourceRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        name: r.get(2)?,
        slug: r.get(3)?,
        enabled: r.get(4)?,
        token_hash: r.get(5)?,
        token_prefix: r.get(6)?,
        previous_token_hash: r.get(7)?,
        previous_token_expires: r.get(8)?,
        created: r.get(9)?,
        updated: r.get(10)?,
        provider: r.get(11)?,
    })
}

fn source_by_slug(conn: &Connection, slug: &str) -> Result<Option<SourceRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE slug = ?"))?;
    Ok(stmt.query_row([slug], source_from_row).optional()?)
}

/// Run a one-statement change of the source `slug`; whether the source exists.
/// `sql` takes `values`, then the slug as its last parameter.
async fn change_source(store: &SqliteStore, slug: &str, sql: &'static str, mut values: Vec<SqlValue>) -> Result<bool> {
    values.push(SqlValue::Text(slug.to_string()));
    store.writer.write_raw(move |conn| Ok(conn.prepare_cached(sql)?.execute(params_from_iter(values))? == 1)).await
}

impl SqliteStore {
    pub(super) fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>> {
        self.read(|conn| source_by_slug(conn, slug))
    }

    pub(super) fn list_sources(&self) -> Result<Vec<SourceRow>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sources ORDER BY name COLLATE NOCASE, slug"))?;
            let rows = stmt.query_map([], source_from_row)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    pub(super) async fn insert_source(&self, source: NewSource) -> Result<SourceRow> {
        self.writer
            .write_raw(move |conn| {
                let ts = now();
                conn.prepare_cached(
                    "INSERT INTO sources (uid, name, slug, enabled, token_hash, token_prefix, created, updated, provider)
                     VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
                )?
                .execute(params![
                    source.uid,
                    source.name,
                    source.slug,
                    source.token_hash.as_slice(),
                    source.token_prefix,
                    ts,
                    ts,
                    source.provider
                ])?;
                source_by_slug(conn, &source.slug)?.ok_or(StoreError::CommitFailed)
            })
            .await
    }

    pub(super) async fn set_source_enabled(&self, slug: &str, enabled: bool) -> Result<bool> {
        change_source(
            self,
            slug,
            "UPDATE sources SET enabled = ?, updated = ? WHERE slug = ?",
            vec![enabled.into(), now().into()],
        )
        .await
    }

    /// Replace the token hash; with `previous_expires`, the old hash stays valid until then.
    pub(super) async fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> Result<bool> {
        change_source(
            self,
            slug,
            "UPDATE sources SET
               previous_token_hash = CASE WHEN ?1 IS NULL THEN NULL ELSE token_hash END,
               previous_token_expires = ?1,
               token_hash = ?2, token_prefix = ?3, updated = ?4
             WHERE slug = ?5",
            vec![previous_expires.into(), token_hash.to_vec().into(), token_prefix.into(), now().into()],
        )
        .await
    }

    /// Delete a source with its users, groups and memberships (foreign keys cascade) and its
    /// activity rows.
    pub(super) async fn delete_source(&self, slug: &str) -> Result<bool> {
        let slug = slug.to_string();
        self.writer
            .write_raw(move |conn| {
                let Some(source) = source_by_slug(conn, &slug)? else { return Ok(false) };
                conn.prepare_cached("DELETE FROM sources WHERE id = ?")?.execute([source.id])?;
                super::activity::delete_source_rows(conn, source.id)?;
                Ok(true)
            })
            .await
    }

    pub(super) fn source_counts(&self, source_id: i64) -> Result<SourceCounts> {
        self.read_many(|conn| {
            let (users, active_users) = conn
                .prepare_cached("SELECT COUNT(*), COALESCE(SUM(active), 0) FROM users WHERE source_id = ?")?
                .query_row([source_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let (groups, memberships) = conn
                .prepare_cached("SELECT COUNT(*), COALESCE(SUM(member_count), 0) FROM groups WHERE source_id = ?")?
                .query_row([source_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(SourceCounts { users, active_users, groups, memberships })
        })
    }
}
