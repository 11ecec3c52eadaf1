//! SQL for sources: the SCIM tenants, their token hashes and their counts.

use serde::Serialize;
use sqlx::{FromRow, SqliteConnection, SqlitePool};

use super::{now, Result, Store, StoreError};
use crate::scim::ScimError;

#[derive(Debug, Clone, FromRow)]
pub struct SourceRow {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub slug: String,
    pub enabled: bool,
    pub token_hash: Vec<u8>,
    pub token_prefix: String,
    pub previous_token_hash: Option<Vec<u8>>,
    pub previous_token_expires: Option<String>,
    pub created: String,
    pub updated: String,
}

pub struct NewSource {
    pub uid: String,
    pub name: String,
    pub slug: String,
    pub token_hash: [u8; 32],
    pub token_prefix: String,
}

/// What a source holds, counted from the indexes.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceCounts {
    pub users: i64,
    pub active_users: i64,
    pub groups: i64,
    pub memberships: i64,
}

const COLUMNS: &str = "id, uid, name, slug, enabled, token_hash, token_prefix, previous_token_hash, previous_token_expires, created, updated";

impl Store {
    pub async fn source_by_slug(&self, slug: &str) -> Result<Option<SourceRow>> {
        source_by_slug(&self.read, slug).await
    }

    pub async fn list_sources(&self) -> Result<Vec<SourceRow>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM sources ORDER BY name COLLATE NOCASE, slug"))
            .fetch_all(&self.read)
            .await?)
    }

    pub async fn insert_source(&self, source: NewSource) -> Result<SourceRow> {
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let ts = now();
                    let inserted = sqlx::query(
                        "INSERT INTO sources (uid, name, slug, enabled, token_hash, token_prefix, created, updated)
                         VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                    )
                    .bind(&source.uid)
                    .bind(&source.name)
                    .bind(&source.slug)
                    .bind(source.token_hash.as_slice())
                    .bind(&source.token_prefix)
                    .bind(&ts)
                    .bind(&ts)
                    .execute(&mut *conn)
                    .await;
                    if let Err(e) = inserted {
                        return Err(on_unique(e, "sources.slug", || {
                            ScimError::uniqueness(format!("a source with the slug \"{}\" already exists; choose another slug", source.slug))
                        }));
                    }
                    source_by_slug_conn(conn, &source.slug).await?.ok_or(StoreError::CommitFailed)
                })
            })
            .await
    }

    pub async fn set_source_enabled(&self, slug: &str, enabled: bool) -> Result<bool> {
        let slug = slug.to_string();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE sources SET enabled = ?, updated = ? WHERE slug = ?")
                        .bind(enabled)
                        .bind(now())
                        .bind(&slug)
                        .execute(&mut *conn)
                        .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    /// Replace the token hash; with `previous_expires`, the old hash stays valid until then.
    pub async fn set_source_token(
        &self,
        slug: &str,
        token_hash: [u8; 32],
        token_prefix: String,
        previous_expires: Option<String>,
    ) -> Result<bool> {
        let slug = slug.to_string();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE sources SET
                           previous_token_hash = CASE WHEN ?1 IS NULL THEN NULL ELSE token_hash END,
                           previous_token_expires = ?1,
                           token_hash = ?2, token_prefix = ?3, updated = ?4
                         WHERE slug = ?5",
                    )
                    .bind(previous_expires)
                    .bind(token_hash.as_slice())
                    .bind(token_prefix)
                    .bind(now())
                    .bind(&slug)
                    .execute(&mut *conn)
                    .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    /// Delete a source with its users, groups, memberships and activity (foreign keys cascade).
    pub async fn delete_source(&self, slug: &str) -> Result<bool> {
        let slug = slug.to_string();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    let done = sqlx::query("DELETE FROM sources WHERE slug = ?").bind(&slug).execute(&mut *conn).await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    pub async fn source_counts(&self, source_id: i64) -> Result<SourceCounts> {
        let (users, active_users): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(active), 0) FROM users WHERE source_id = ?",
        )
        .bind(source_id)
        .fetch_one(&self.read)
        .await?;
        let (groups, memberships): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(member_count), 0) FROM groups WHERE source_id = ?")
                .bind(source_id)
                .fetch_one(&self.read)
                .await?;
        Ok(SourceCounts { users, active_users, groups, memberships })
    }
}

async fn source_by_slug(pool: &SqlitePool, slug: &str) -> Result<Option<SourceRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM sources WHERE slug = ?")).bind(slug).fetch_optional(pool).await?)
}

async fn source_by_slug_conn(conn: &mut SqliteConnection, slug: &str) -> Result<Option<SourceRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM sources WHERE slug = ?")).bind(slug).fetch_optional(conn).await?)
}

/// Turn the violation of the UNIQUE index on `constraint` ("table.column") into `clash()`;
/// other errors pass through.
pub(super) fn on_unique(err: sqlx::Error, constraint: &str, clash: impl FnOnce() -> ScimError) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() && db.message().contains(constraint) {
            return StoreError::Scim(clash());
        }
    }
    StoreError::Database(err)
}
