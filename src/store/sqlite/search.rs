//! The window's search box: users by userName/displayName/externalId/email, groups by
//! displayName/externalId, matched anywhere in the text, paged in SQL. It reads only the small
//! indexed columns, so it stays quick with 100,000 users.

use rusqlite::params;

use super::resources::{resource_from_row, table, RESOURCE_COLUMNS};
use super::SqliteStore;
use crate::scim::ResourceKind;
use crate::store::columns::fold;
use crate::store::{Page, Result};

impl SqliteStore {
    /// Resources whose names contain `text` (case-insensitive), in creation order.
    pub(super) fn search(
        &self,
        kind: ResourceKind,
        source_id: i64,
        text: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page> {
        let needle = fold(text.trim());
        let condition = match kind {
            ResourceKind::User => {
                "(instr(user_name_key, ?2) > 0 OR instr(COALESCE(display_name_key, ''), ?2) > 0
                  OR instr(COALESCE(external_id, ''), ?2) > 0
                  OR rowid IN (SELECT user_rowid FROM user_emails WHERE source_id = ?1 AND instr(value_key, ?2) > 0))"
            }
            ResourceKind::Group => "(instr(display_name_key, ?2) > 0 OR instr(COALESCE(external_id, ''), ?2) > 0)",
        };
        let table = table(kind);
        // No text: every resource (the condition still names ?2, so both queries take the same parameters).
        let filter = if needle.is_empty() { "(?2 = '')" } else { condition };
        self.read_many(|conn| {
            let total: i64 = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE source_id = ?1 AND {filter}"))?
                .query_row(params![source_id, needle], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM {table}
                 WHERE source_id = ?1 AND {filter} ORDER BY rowid LIMIT ?3 OFFSET ?4"
            ))?;
            let resources = stmt
                .query_map(params![source_id, needle, limit, offset], resource_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Page { total: total as usize, resources })
        })
    }
}
