//! Lists with SCIM filters and the window's search on PostgreSQL. The SQL of a filter is
//! `store::filter_sql`'s (its `?` become `$1`, `$2`, ...); a filter the SQL does not say exactly
//! is evaluated on the candidates, read a chunk at a time on the caller's thread.

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres};

use super::directory::{resource_from_row, RESOURCE_COLUMNS};
use super::PgStore;
use crate::scim::ResourceKind;
use crate::store::backend::Backend;
use crate::store::columns::fold;
use crate::store::filter_sql::{mentions_members, ListSql, Param};
use crate::store::list::sorted_page;
use crate::store::{ListQuery, MemberRow, Page, Result, StoredResource};

/// Candidates read per statement when a filter is evaluated in Rust.
const CANDIDATES_PER_READ: i64 = 1_000;

fn table(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    }
}

/// `sql` with its `?` numbered as PostgreSQL's `$n` (the filter SQL holds no `?` in literals).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

fn bind_all(sql: String, params: &[Param]) -> Query<'static, Postgres, PgArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for p in params {
        query = match p {
            Param::Text(s) => query.bind(s.clone()),
            Param::Int(i) => query.bind(*i),
            Param::Bool(b) => query.bind(*b),
        };
    }
    query
}

async fn rows(conn: &mut PgConnection, sql: String, params: &[Param]) -> sqlx::Result<Vec<StoredResource<String>>> {
    bind_all(sql, params).fetch_all(conn).await?.iter().map(resource_from_row).collect()
}

async fn count(conn: &mut PgConnection, sql: String, params: &[Param]) -> sqlx::Result<i64> {
    use sqlx::Row;
    bind_all(sql, params).fetch_one(conn).await?.try_get(0)
}

/// A read of several statements that must agree (a count and its page).
async fn snapshot(pool: &PgPool) -> sqlx::Result<sqlx::Transaction<'static, Postgres>> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await
}

impl PgStore {
    pub(super) fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page> {
        let ListSql { where_clause, params: all_params, exact, column, direction } =
            ListSql::new(kind, source_id, query);
        let table = table(kind);

        if let (true, Some(column)) = (exact, column) {
            // Text sorts by code point, as SQLite's does, whatever the database's collation.
            let key = if column == "rowid" { column.to_string() } else { format!("{column} COLLATE \"C\"") };
            let page_sql = numbered(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM {table} WHERE {where_clause}
                 ORDER BY {column} IS NULL, {key} {direction}, rowid {direction} LIMIT ? OFFSET ?"
            ));
            let count_sql = numbered(&format!("SELECT COUNT(*) FROM {table} WHERE {where_clause}"));
            let offset = query.start_index.saturating_sub(1);
            let mut page_params = all_params.clone();
            page_params.push(Param::Int(query.count as i64));
            page_params.push(Param::Int(offset as i64));
            let (pool, wanted, filtered) = (self.pool.clone(), query.count, query.filter.is_some());
            return self.block(async move {
                let mut tx = snapshot(&pool).await?;
                let resources = rows(&mut tx, page_sql, &page_params).await?;
                // A filter usually matches a few: a page that is not full, and does not start
                // past the end, tells the total by itself (Entra's `userName eq` needs no COUNT).
                let total = if filtered && resources.len() < wanted && (offset == 0 || !resources.is_empty()) {
                    offset + resources.len()
                } else {
                    count(&mut tx, count_sql, &all_params).await? as usize
                };
                tx.commit().await?;
                Ok(Page { total, resources })
            });
        }

        let with_members = kind == ResourceKind::Group && query.filter.as_ref().is_some_and(mentions_members);
        let chunk_sql = numbered(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM {table} WHERE {where_clause} AND rowid > ? ORDER BY rowid LIMIT ?"
        ));
        let mut hits = Vec::new();
        let mut after = 0;
        loop {
            let mut chunk_params = all_params.clone();
            chunk_params.extend([Param::Int(after), Param::Int(CANDIDATES_PER_READ)]);
            let (pool, sql) = (self.pool.clone(), chunk_sql.clone());
            let chunk = self.block(async move { rows(&mut *pool.acquire().await?, sql, &chunk_params).await })?;
            let last = chunk.len() < CANDIDATES_PER_READ as usize;
            for row in chunk {
                after = row.rowid;
                let resource = row.parse()?;
                let keep = match (&query.filter, exact) {
                    (None, _) | (Some(_), true) => true,
                    (Some(_), false) if with_members => matches(&resource, Some(&self.members_of(resource.rowid)?)),
                    (Some(_), false) => matches(&resource, None),
                };
                if keep {
                    hits.push(resource);
                }
            }
            if last {
                break;
            }
        }
        Ok(sorted_page(hits, query, sort_key))
    }

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
        if !super::directory::storable(&needle) {
            return Ok(Page { total: 0, resources: Vec::new() });
        }
        let condition = match kind {
            ResourceKind::User => {
                "(strpos(user_name_key, $2) > 0 OR strpos(COALESCE(display_name_key, ''), $2) > 0
                  OR strpos(COALESCE(external_id, ''), $2) > 0
                  OR rowid IN (SELECT user_rowid FROM user_emails WHERE source_id = $1 AND strpos(value_key, $2) > 0))"
            }
            ResourceKind::Group => "(strpos(display_name_key, $2) > 0 OR strpos(COALESCE(external_id, ''), $2) > 0)",
        };
        let table = table(kind);
        let filter = if needle.is_empty() { "($2 = '')" } else { condition };
        let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE source_id = $1 AND {filter}");
        let page_sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM {table} WHERE source_id = $1 AND {filter} ORDER BY rowid LIMIT $3 OFFSET $4"
        );
        let pool = self.pool.clone();
        self.block(async move {
            let mut tx = snapshot(&pool).await?;
            let params = [Param::Int(source_id), Param::Text(needle)];
            let total = count(&mut tx, count_sql, &params).await?;
            let mut page_params = params.to_vec();
            page_params.extend([Param::Int(limit), Param::Int(offset)]);
            let resources = rows(&mut tx, page_sql, &page_params).await?;
            tx.commit().await?;
            Ok(Page { total: total as usize, resources })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn parameters_are_numbered_in_order() {
        assert_eq!(
            numbered("a = ? AND (b = ? OR c IN (SELECT x FROM t WHERE y = ?))"),
            "a = $1 AND (b = $2 OR c IN (SELECT x FROM t WHERE y = $3))"
        );
    }
}
