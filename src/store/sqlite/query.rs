//! Lists with SCIM filters on SQLite, answered from the indexes where the filter allows (the SQL
//! of a filter is `store::filter_sql`'s).

use rusqlite::params_from_iter;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ToSql};

use super::groups::members_of;
use super::resources::{resource_from_row, table, RESOURCE_COLUMNS};
use super::SqliteStore;
use crate::scim::ResourceKind;
use crate::store::filter_sql::{mentions_members, ListSql, Param};
use crate::store::list::sorted_page;
use crate::store::{ListQuery, MemberRow, Page, Result, StoredResource};

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Text(s) => s.to_sql(),
            Param::Int(i) => i.to_sql(),
            Param::Bool(b) => b.to_sql(),
        }
    }
}

impl SqliteStore {
    /// One page of a source's users or groups. `matches` evaluates the filter on a candidate
    /// (with the group's members when the filter mentions them) where the SQL is not exact;
    /// `sort_key` gives the value to sort on for attributes without a column.
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
            let page_sql = format!(
                "SELECT {RESOURCE_COLUMNS} FROM {table} WHERE {where_clause}
                 ORDER BY {column} IS NULL, {column} {direction}, rowid {direction} LIMIT ? OFFSET ?"
            );
            let offset = query.start_index.saturating_sub(1);
            let mut page_params = all_params.clone();
            page_params.push(Param::Int(query.count as i64));
            page_params.push(Param::Int(offset as i64));
            let page = |conn: &Connection| -> Result<Vec<StoredResource<String>>> {
                let mut stmt = conn.prepare_cached(&page_sql)?;
                let rows = stmt
                    .query_map(params_from_iter(&page_params), resource_from_row)?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            };
            // The count walks only the index entries that match, and a page is at most 1,000
            // rows: cheap enough to run on this thread.
            if query.filter.is_some() {
                // A filter usually matches a few: a page that is not full, and does not start
                // past the end, tells the total by itself (Entra's `userName eq` needs no COUNT).
                let resources = self.read(page)?;
                if resources.len() < query.count && (offset == 0 || !resources.is_empty()) {
                    return Ok(Page { total: offset + resources.len(), resources });
                }
            }
            return self.snapshot(|conn| {
                let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {where_clause}");
                let total: i64 =
                    conn.prepare_cached(&count_sql)?.query_row(params_from_iter(&all_params), |r| r.get(0))?;
                Ok(Page { total: total as usize, resources: page(conn)? })
            });
        }

        let with_members = kind == ResourceKind::Group && query.filter.as_ref().is_some_and(mentions_members);
        let hits = self.read_many(|conn| {
            let candidates_sql = format!("SELECT {RESOURCE_COLUMNS} FROM {table} WHERE {where_clause} ORDER BY rowid");
            let mut stmt = conn.prepare_cached(&candidates_sql)?;
            let mut rows = stmt.query(params_from_iter(&all_params))?;
            let mut hits = Vec::new();
            while let Some(row) = rows.next()? {
                let resource = resource_from_row(row)?.parse()?;
                let keep = match (&query.filter, exact) {
                    (None, _) | (Some(_), true) => true,
                    (Some(_), false) if with_members => matches(&resource, Some(&members_of(conn, resource.rowid)?)),
                    (Some(_), false) => matches(&resource, None),
                };
                if keep {
                    hits.push(resource);
                }
            }
            Ok(hits)
        })?;
        Ok(sorted_page(hits, query, sort_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_filter;
    use crate::store::filter_sql::plan;
    use crate::store::Store;

    /// The plan SQLite chooses for the page query of `filter`.
    fn query_plan(store: &Store, kind: ResourceKind, filter: &str) -> (bool, String) {
        let plan = plan(kind, 1, &parse_filter(filter).unwrap()).expect("indexable");
        let sql =
            format!("EXPLAIN QUERY PLAN SELECT rowid FROM {} WHERE source_id = ? AND ({})", table(kind), plan.sql);
        let mut params = vec![Param::Int(1)];
        params.extend(plan.params);
        let detail = store
            .sqlite()
            .read(|conn| {
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt.query_map(params_from_iter(&params), |r| r.get::<_, String>("detail"))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .unwrap();
        (plan.exact, detail.join(" | "))
    }

    #[tokio::test]
    async fn entra_queries_are_answered_from_indexes_not_scans() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let cases = [
            (ResourceKind::User, r#"userName eq "a@b.c""#),
            (ResourceKind::User, r#"externalId eq "x""#),
            (ResourceKind::User, r#"id eq "x""#),
            (ResourceKind::User, r#"displayName eq "X""#),
            (ResourceKind::User, r#"emails[type eq "work"].value eq "a@b.c""#),
            (ResourceKind::User, r#"emails.value eq "a@b.c""#),
            (ResourceKind::User, r#"id eq "x" and manager eq "y""#),
            (ResourceKind::Group, r#"displayName eq "Sales""#),
            (ResourceKind::Group, r#"externalId eq "x""#),
            (ResourceKind::Group, r#"members[value eq "x"]"#),
        ];
        for (kind, filter) in cases {
            let (_, detail) = query_plan(&store, kind, filter);
            assert!(!detail.contains(&format!("SCAN {}", table(kind))), "{filter} scans: {detail}");
            assert!(detail.contains("USING"), "{filter}: {detail}");
        }
        // Filters that say exactly what the SQL says are counted and paged in SQL.
        for filter in [r#"userName eq "a""#, r#"externalId eq "x" or id eq "y""#, r#"emails[value eq "a"]"#] {
            assert!(query_plan(&store, ResourceKind::User, filter).0, "{filter} should be exact");
        }
        // The type condition is checked on the candidates.
        assert!(!query_plan(&store, ResourceKind::User, r#"emails[type eq "work" and value eq "a"]"#).0);
    }
}
