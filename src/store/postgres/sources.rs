//! SQL for sources (the SCIM tenants, their token hashes and counts) and for the admin's settings
//! on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::store::{now, NewSource, SourceCounts, SourceRow};

type Result<T> = std::result::Result<T, sqlx::Error>;

const SELECT_SOURCE: &str = "SELECT id, uid, name, slug, enabled, token_hash, token_prefix, previous_token_hash,
    previous_token_expires, created, updated, provider FROM sources";

fn source_from_row(r: &PgRow) -> Result<SourceRow> {
    Ok(SourceRow {
        id: r.try_get(0)?,
        uid: r.try_get(1)?,
        name: r.try_get(2)?,
        slug: r.try_get(3)?,
        enabled: r.try_get(4)?,
        token_hash: r.try_get(5)?,
        token_prefix: r.try_get(6)?,
        previous_token_hash: r.try_get(7)?,
        previous_token_expires: r.try_get(8)?,
        created: r.try_get(9)?,
        updated: r.try_get(10)?,
        provider: r.try_get(11)?,
    })
}

pub(super) async fn source_by_slug(pool: &PgPool, slug: &str) -> Result<Option<SourceRow>> {
    if !super::directory::storable(slug) {
        return Ok(None);
    }
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_SOURCE} WHERE slug = $1"));
    let row = sqlx::query(sql).bind(slug).fetch_optional(pool).await?;
    row.as_ref().map(source_from_row).transpose()
}

/// Every source, by name (case-insensitively), then slug.
pub(super) async fn list_sources(pool: &PgPool) -> Result<Vec<SourceRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_SOURCE} ORDER BY lower(name) COLLATE \"C\", slug COLLATE \"C\""));
    sqlx::query(sql).fetch_all(pool).await?.iter().map(source_from_row).collect()
}

pub(super) async fn insert_source(pool: &PgPool, source: NewSource) -> Result<SourceRow> {
    let ts = now();
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO sources (uid, name, slug, enabled, token_hash, token_prefix, created, updated, provider)
         VALUES ($1, $2, $3, TRUE, $4, $5, $6, $6, $7)
         RETURNING {}",
        SELECT_SOURCE.trim_start_matches("SELECT ").trim_end_matches(" FROM sources")
    ));
    let row = sqlx::query(sql)
        .bind(&source.uid)
        .bind(&source.name)
        .bind(&source.slug)
        .bind(source.token_hash.as_slice())
        .bind(&source.token_prefix)
        .bind(&ts)
        .bind(&source.provider)
        .fetch_one(pool)
        .await?;
    source_from_row(&row)
}

/// Whether the source exists.
pub(super) async fn set_source_enabled(pool: &PgPool, slug: &str, enabled: bool) -> Result<bool> {
    let done = sqlx::query("UPDATE sources SET enabled = $1, updated = $2 WHERE slug = $3")
        .bind(enabled)
        .bind(now())
        .bind(slug)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replace the token hash; with `previous_expires`, the old hash stays valid until then.
pub(super) async fn set_source_token(
    pool: &PgPool,
    slug: &str,
    token_hash: [u8; 32],
    token_prefix: String,
    previous_expires: Option<String>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE sources SET
           previous_token_hash = CASE WHEN $1::text IS NULL THEN NULL ELSE token_hash END,
           previous_token_expires = $1, token_hash = $2, token_prefix = $3, updated = $4
         WHERE slug = $5",
    )
    .bind(previous_expires)
    .bind(token_hash.as_slice())
    .bind(token_prefix)
    .bind(now())
    .bind(slug)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Delete a source; its users, groups, memberships, activity, cycles and traffic go with it
/// (foreign keys cascade).
pub(super) async fn delete_source(pool: &PgPool, slug: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sources WHERE slug = $1").bind(slug).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn source_counts(pool: &PgPool, source_id: i64) -> Result<SourceCounts> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM users WHERE source_id = $1),
                (SELECT COUNT(*) FROM users WHERE source_id = $1 AND active),
                (SELECT COUNT(*) FROM groups WHERE source_id = $1),
                (SELECT COALESCE(SUM(member_count), 0)::BIGINT FROM groups WHERE source_id = $1)",
    )
    .bind(source_id)
    .fetch_one(pool)
    .await?;
    Ok(SourceCounts {
        users: row.try_get(0)?,
        active_users: row.try_get(1)?,
        groups: row.try_get(2)?,
        memberships: row.try_get(3)?,
    })
}

pub(super) async fn setting(pool: &PgPool, key: &str) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await
}

/// Set (`Some`) or clear (`None`) a setting.
pub(super) async fn set_setting(pool: &PgPool, key: &str, value: Option<String>) -> Result<()> {
    match value {
        Some(v) => sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(v)
        .execute(pool)
        .await?,
        None => sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(pool).await?,
    };
    Ok(())
}

/// The setting `key`; when it has none, `value` is saved first (the first of racing instances wins).
pub(super) async fn setting_or_insert(pool: &PgPool, key: &str, value: String) -> Result<String> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(&value)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(pool).await
}
