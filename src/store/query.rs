//! Lists with SCIM filters, answered from the indexes where the filter allows.
//!
//! A filter is turned into SQL over the indexed columns where it can be (`userName eq`,
//! `externalId eq`, `id eq`, `displayName eq`, `active eq`, `manager eq`, `emails...value eq`,
//! `members[value eq]`). When the SQL says exactly what the filter says, counting and paging
//! happen in SQL. Otherwise the SQL only narrows the candidates (or, for filters no index
//! serves, every resource of the source is a candidate) and the filter is evaluated on each.

use serde_json::Value;

use super::columns::{fold, name_key};
use rusqlite::params_from_iter;
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, ToSql};

use super::groups::{members_of, MemberRow};
use super::resources::{resource_from_row, table, StoredResource, RESOURCE_COLUMNS};
use super::{Result, Store};
use crate::scim::filter::{AttrPath, CompareOp, Filter};
use crate::scim::{ResourceKind, ENTERPRISE_USER_SCHEMA};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start_index: usize,
    pub count: usize,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
}

/// One page of a list: how many match in all, and this page's resources with their documents
/// as stored text.
pub struct Page {
    pub total: usize,
    pub resources: Vec<StoredResource<String>>,
}

#[derive(Debug, Clone)]
enum Param {
    Text(String),
    Int(i64),
}

/// SQL for (part of) a filter; `exact` when it selects exactly what the filter selects.
struct Plan {
    sql: String,
    params: Vec<Param>,
    exact: bool,
}

fn is(path: &AttrPath, name: &str) -> bool {
    path.uri.is_none() && path.name.eq_ignore_ascii_case(name)
}

fn sub_is_value_or_none(path: &AttrPath) -> bool {
    path.sub.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("value"))
}

fn leaf(sql: &str, param: Param) -> Option<Plan> {
    Some(Plan { sql: sql.to_string(), params: vec![param], exact: true })
}

fn plan_compare(kind: ResourceKind, source_id: i64, path: &AttrPath, value: &Value) -> Option<Plan> {
    if let Value::Bool(b) = value {
        return (kind == ResourceKind::User && is(path, "active") && path.sub.is_none())
            .then(|| leaf("active = ?", Param::Int(*b as i64)))
            .flatten();
    }
    let text = value.as_str()?;
    let no_sub = path.sub.is_none();
    match kind {
        ResourceKind::User => {
            if is(path, "userName") && no_sub {
                leaf("user_name_key = ?", Param::Text(name_key(text)))
            } else if is(path, "externalId") && no_sub {
                leaf("external_id = ?", Param::Text(text.into()))
            } else if is(path, "id") && no_sub {
                leaf("id = ?", Param::Text(text.into()))
            } else if is(path, "displayName") && no_sub {
                leaf("display_name_key = ?", Param::Text(name_key(text)))
            } else if is(path, "emails") && sub_is_value_or_none(path) {
                Some(Plan {
                    sql: "rowid IN (SELECT user_rowid FROM user_emails WHERE source_id = ? AND value_key = ?)".into(),
                    params: vec![Param::Int(source_id), Param::Text(fold(text))],
                    exact: true,
                })
            } else if path.name.eq_ignore_ascii_case("manager")
                && path.uri.as_deref().is_none_or(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
                && sub_is_value_or_none(path)
            {
                leaf("manager_id = ?", Param::Text(text.into()))
            } else {
                None
            }
        }
        ResourceKind::Group => {
            if is(path, "displayName") && no_sub {
                leaf("display_name_key = ?", Param::Text(name_key(text)))
            } else if is(path, "externalId") && no_sub {
                leaf("external_id = ?", Param::Text(text.into()))
            } else if is(path, "id") && no_sub {
                leaf("id = ?", Param::Text(text.into()))
            } else if is(path, "members") && sub_is_value_or_none(path) {
                leaf("rowid IN (SELECT group_rowid FROM group_members WHERE member_id = ?)", Param::Text(text.into()))
            } else {
                None
            }
        }
    }
}

fn plan(kind: ResourceKind, source_id: i64, filter: &Filter) -> Option<Plan> {
    match filter {
        Filter::Compare { path, op: CompareOp::Eq, value } => plan_compare(kind, source_id, path, value),
        Filter::ValuePath { path, filter: inner } => {
            // `emails[type eq "work" and value eq "x"]`: the `value eq` part is indexed.
            let with_sub = |sub: &AttrPath| AttrPath {
                uri: path.uri.clone(),
                name: path.name.clone(),
                sub: Some(sub.name.clone()),
            };
            match inner.as_ref() {
                Filter::Compare { path: sub, op: CompareOp::Eq, value } if sub.uri.is_none() && sub.sub.is_none() => {
                    plan_compare(kind, source_id, &with_sub(sub), value)
                }
                Filter::And(a, b) => {
                    let left = plan(kind, source_id, &Filter::ValuePath { path: path.clone(), filter: a.clone() });
                    let right = plan(kind, source_id, &Filter::ValuePath { path: path.clone(), filter: b.clone() });
                    left.or(right).map(|p| Plan { exact: false, ..p })
                }
                _ => None,
            }
        }
        Filter::And(a, b) => match (plan(kind, source_id, a), plan(kind, source_id, b)) {
            (Some(a), Some(b)) => Some(Plan {
                sql: format!("({}) AND ({})", a.sql, b.sql),
                params: a.params.into_iter().chain(b.params).collect(),
                exact: a.exact && b.exact,
            }),
            (Some(p), None) | (None, Some(p)) => Some(Plan { exact: false, ..p }),
            (None, None) => None,
        },
        Filter::Or(a, b) => {
            let (a, b) = (plan(kind, source_id, a)?, plan(kind, source_id, b)?);
            Some(Plan {
                sql: format!("({}) OR ({})", a.sql, b.sql),
                params: a.params.into_iter().chain(b.params).collect(),
                exact: a.exact && b.exact,
            })
        }
        _ => None,
    }
}

/// The column a `sortBy` attribute sorts on, when it is one of the indexed ones.
fn sort_column(kind: ResourceKind, path: &AttrPath) -> Option<&'static str> {
    let meta = |sub: &str| is(path, "meta") && path.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(sub));
    if is(path, "id") {
        Some("id")
    } else if is(path, "externalId") {
        Some("external_id")
    } else if is(path, "displayName") {
        Some("display_name_key")
    } else if kind == ResourceKind::User && is(path, "userName") {
        Some("user_name_key")
    } else if meta("created") {
        Some("rowid")
    } else if meta("lastModified") {
        Some("last_modified")
    } else {
        None
    }
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Text(s) => s.to_sql(),
            Param::Int(i) => i.to_sql(),
        }
    }
}

/// A filter that needs members to be evaluated (so candidates must carry them).
fn mentions_members(filter: &Filter) -> bool {
    match filter {
        Filter::Compare { path, .. } | Filter::Present(path) | Filter::ValuePath { path, .. } => is(path, "members"),
        Filter::And(a, b) | Filter::Or(a, b) => mentions_members(a) || mentions_members(b),
        Filter::Not(f) => mentions_members(f),
    }
}

impl Store {
    /// One page of a source's users or groups. `matches` evaluates the filter on a candidate
    /// (with the group's members when the filter mentions them) where the SQL is not exact;
    /// `sort_key` gives the value to sort on for attributes without a column.
    pub fn list(
        &self,
        kind: ResourceKind,
        source_id: i64,
        query: &ListQuery,
        matches: &dyn Fn(&StoredResource, Option<&[MemberRow]>) -> bool,
        sort_key: &dyn Fn(&StoredResource) -> Option<String>,
    ) -> Result<Page> {
        let plan = query.filter.as_ref().map(|f| plan(kind, source_id, f));
        let (sql_filter, params, exact) = match &plan {
            None => (None, vec![], true),
            Some(None) => (None, vec![], false),
            Some(Some(p)) => (Some(p.sql.as_str()), p.params.clone(), p.exact),
        };
        let column = match &query.sort_by {
            None => Some("rowid"),
            Some(path) => sort_column(kind, path),
        };
        let direction = if query.sort_order == SortOrder::Descending { "DESC" } else { "ASC" };
        let table = table(kind);
        let mut where_clause = "source_id = ?".to_string();
        if let Some(f) = sql_filter {
            where_clause.push_str(&format!(" AND ({f})"));
        }
        let mut all_params = vec![Param::Int(source_id)];
        all_params.extend(params);

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
        let mut hits = self.read_many(|conn| {
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
        if query.sort_by.is_some() {
            let mut keyed: Vec<(Option<String>, StoredResource)> =
                hits.into_iter().map(|r| (sort_key(&r), r)).collect();
            // Resources without the attribute sort last either way (RFC 7644 §3.4.2.3).
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(a), Some(b)) if query.sort_order == SortOrder::Descending => b.cmp(a),
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            hits = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let total = hits.len();
        let resources = hits
            .into_iter()
            .skip(query.start_index.saturating_sub(1))
            .take(query.count)
            .map(StoredResource::to_text)
            .collect();
        Ok(Page { total, resources })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_filter;

    /// The plan SQLite chooses for the page query of `filter`.
    fn query_plan(store: &Store, kind: ResourceKind, filter: &str) -> (bool, String) {
        let plan = plan(kind, 1, &parse_filter(filter).unwrap()).expect("indexable");
        let sql =
            format!("EXPLAIN QUERY PLAN SELECT rowid FROM {} WHERE source_id = ? AND ({})", table(kind), plan.sql);
        let mut params = vec![Param::Int(1)];
        params.extend(plan.params);
        let detail = store
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
