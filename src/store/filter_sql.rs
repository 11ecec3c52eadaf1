//! SQL for a SCIM filter over the indexed columns, the same for both backends (their tables have
//! the same columns; `?` marks each parameter, in order).
//!
//! A filter is turned into SQL where it can be (`userName eq`, `externalId eq`, `id eq`,
//! `displayName eq`, `active eq`, `manager eq`, `emails...value eq`, `members[value eq]`). When
//! the SQL says exactly what the filter says, counting and paging happen in SQL. Otherwise the
//! SQL only narrows the candidates (or, for filters no index serves, every resource of the
//! source is a candidate) and the filter is evaluated on each.

use serde_json::Value;

use super::columns::{fold, name_key};
use super::{ListQuery, SortOrder};
use crate::scim::filter::{AttrPath, CompareOp, Filter};
use crate::scim::{ResourceKind, ENTERPRISE_USER_SCHEMA};

#[derive(Debug, Clone)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// SQL for (part of) a filter; `exact` when it selects exactly what the filter selects.
pub(crate) struct Plan {
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
    pub(crate) exact: bool,
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
            .then(|| leaf("active = ?", Param::Bool(*b)))
            .flatten();
    }
    let text = value.as_str()?;
    // No stored value holds a NUL (the directory refuses it), and PostgreSQL cannot even bind one.
    if text.contains('\0') {
        return Some(Plan { sql: "1 = 0".into(), params: vec![], exact: true });
    }
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

pub(crate) fn plan(kind: ResourceKind, source_id: i64, filter: &Filter) -> Option<Plan> {
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

/// A filter that needs members to be evaluated (so candidates must carry them).
pub(crate) fn mentions_members(filter: &Filter) -> bool {
    match filter {
        Filter::Compare { path, .. } | Filter::Present(path) | Filter::ValuePath { path, .. } => is(path, "members"),
        Filter::And(a, b) | Filter::Or(a, b) => mentions_members(a) || mentions_members(b),
        Filter::Not(f) => mentions_members(f),
    }
}

/// The SQL of a list request: which rows of the source (`where_clause`, with `params`), whether
/// that says exactly what the filter says, and the column and direction to sort on (`None`: the
/// sort has no column and is done on the resources).
pub(crate) struct ListSql {
    pub(crate) where_clause: String,
    pub(crate) params: Vec<Param>,
    pub(crate) exact: bool,
    pub(crate) column: Option<&'static str>,
    pub(crate) direction: &'static str,
}

impl ListSql {
    pub(crate) fn new(kind: ResourceKind, source_id: i64, query: &ListQuery) -> ListSql {
        let plan = query.filter.as_ref().map(|f| plan(kind, source_id, f));
        let (sql_filter, params, exact) = match plan {
            None => (None, vec![], true),
            Some(None) => (None, vec![], false),
            Some(Some(p)) => (Some(p.sql), p.params, p.exact),
        };
        let column = match &query.sort_by {
            None => Some("rowid"),
            Some(path) => sort_column(kind, path),
        };
        let direction = if query.sort_order == SortOrder::Descending { "DESC" } else { "ASC" };
        let mut where_clause = "source_id = ?".to_string();
        if let Some(f) = sql_filter {
            where_clause.push_str(&format!(" AND ({f})"));
        }
        let mut all = vec![Param::Int(source_id)];
        all.extend(params);
        ListSql { where_clause, params: all, exact, column, direction }
    }
}
