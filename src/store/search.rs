//! The window's search box: users by userName/displayName/externalId/email, groups by
//! displayName/externalId, matched anywhere in the text, paged in SQL. It reads only the small
//! indexed columns, so it stays quick with 100,000 users.

use super::columns::fold;
use super::query::Page;
use super::users::resource_from_row;
use super::{Result, Store};
use crate::scim::ResourceKind;

impl Store {
    /// Resources whose names contain `text` (case-insensitive), in creation order.
    pub async fn search(&self, kind: ResourceKind, source_id: i64, text: &str, offset: i64, limit: i64) -> Result<Page> {
        let needle = fold(text.trim());
        let condition = match kind {
            ResourceKind::User => {
                "(instr(user_name_key, ?2) > 0 OR instr(COALESCE(display_name_key, ''), ?2) > 0
                  OR instr(COALESCE(external_id, ''), ?2) > 0
                  OR rowid IN (SELECT user_rowid FROM user_emails WHERE source_id = ?1 AND instr(value_key, ?2) > 0))"
            }
            ResourceKind::Group => "(instr(display_name_key, ?2) > 0 OR instr(COALESCE(external_id, ''), ?2) > 0)",
        };
        let table = if kind == ResourceKind::User { "users" } else { "groups" };
        let filter = if needle.is_empty() { "1" } else { condition };
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE source_id = ?1 AND {filter}"))
            .bind(source_id)
            .bind(&needle)
            .fetch_one(&self.read)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT rowid, id, doc, created, last_modified, version FROM {table}
             WHERE source_id = ?1 AND {filter} ORDER BY rowid LIMIT ?3 OFFSET ?4"
        ))
        .bind(source_id)
        .bind(&needle)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        let resources = rows.iter().map(resource_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { total: total as usize, resources })
    }
}
