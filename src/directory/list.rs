//! Lists of users and groups: filter, paging, sorting, attribute selection.

use serde_json::{json, Value};

use super::{answers_with_stored_text, render, render_text, Body, Directory, Outcome, Result, SourceRef};
use crate::scim::discovery::MAX_PAGE_SIZE;
use crate::scim::filter::{parse_filter, AttrPath};
pub use crate::scim::search::ListRequest;
use crate::scim::{resource, ResourceKind, ScimError, LIST_RESPONSE_SCHEMA};
use crate::store::{ListQuery, SortOrder};

/// Page size when the client does not give `count`.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// `attributes` and `excludedAttributes`, parsed.
pub fn selection(
    kind: ResourceKind,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<(Vec<AttrPath>, Vec<AttrPath>), ScimError> {
    let parse =
        |s: Option<&str>| s.map(|s| resource::parse_attribute_list(kind, s)).transpose().map(Option::unwrap_or_default);
    Ok((parse(attributes)?, parse(excluded)?))
}

fn value_at<'a>(doc: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let find =
        |v: &'a Value, key: &str| v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
    let base = match &path.uri {
        Some(uri) => find(doc, uri)?,
        None => doc,
    };
    let attr = find(base, &path.name)?;
    let attr = match attr {
        // Multi-valued: sort on the primary element, else the first (RFC 7644 §3.4.2.3).
        Value::Array(items) => items.iter().find(|i| i.get("primary") == Some(&Value::Bool(true))).or(items.first())?,
        other => other,
    };
    match (&path.sub, attr) {
        (Some(sub), v) => find(v, sub),
        (None, Value::Object(_)) => find(attr, "value"),
        (None, v) => Some(v),
    }
}

fn sort_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

impl Directory {
    pub async fn list(&self, source: &SourceRef, kind: ResourceKind, req: &ListRequest) -> Result<Outcome> {
        let filter = req.filter.as_deref().filter(|f| !f.trim().is_empty()).map(parse_filter).transpose()?;
        if let Some(filter) = &filter {
            filter.check_orderable(kind)?;
        }
        let (attributes, excluded) = selection(kind, req.attributes.as_deref(), req.excluded_attributes.as_deref())?;
        let sort_by = match req.sort_by.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => Some(
                resource::parse_attribute_list(kind, s)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| ScimError::invalid_value("sortBy must name one attribute"))?,
            ),
            None => None,
        };
        let sort_order = match req.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("ascending") => SortOrder::Ascending,
            Some("descending") => SortOrder::Descending,
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be \"ascending\" or \"descending\", not \"{other}\""
                ))
                .into())
            }
        };
        // RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
        let start_index = req.start_index.unwrap_or(1).max(1) as usize;
        let count = req.count.map(|c| c.clamp(0, MAX_PAGE_SIZE as i64) as usize).unwrap_or(DEFAULT_PAGE_SIZE);
        let query = ListQuery { filter: filter.clone(), start_index, count, sort_by: sort_by.clone(), sort_order };

        let base_url = source.base_url.clone();
        let matches = |r: &crate::store::StoredResource, members: Option<&[crate::store::MemberRow]>| {
            let doc = render(kind, r, &base_url, members);
            filter.as_ref().is_none_or(|f| f.matches(&doc, kind))
        };
        let sort_key = |r: &crate::store::StoredResource| {
            let path = sort_by.as_ref()?;
            let doc = render(kind, r, &base_url, None);
            value_at(&doc, path).map(sort_text)
        };
        let page = self.store.list(kind, source.id, &query, &matches, &sort_key)?;

        let with_members = kind == ResourceKind::Group && resource::wants_members(&attributes, &excluded);
        let shown = page.resources.len();
        let summary = match &req.filter {
            Some(f) => format!("listed {} ({shown} of {} matching {f})", kind.endpoint(), page.total),
            None => format!("listed {} ({shown} of {})", kind.endpoint(), page.total),
        };
        if answers_with_stored_text(kind, &attributes, &excluded) {
            // Each resource's stored text goes out as it is, inside the ListResponse's text
            // (the same members as the document below).
            let mut text = format!(
                "{{\"schemas\":[\"{LIST_RESPONSE_SCHEMA}\"],\"totalResults\":{},\"startIndex\":{start_index},\"itemsPerPage\":{shown},\"Resources\":[",
                page.total
            );
            for (n, stored) in page.resources.iter().enumerate() {
                if n > 0 {
                    text.push(',');
                }
                text.push_str(&render_text(kind, stored, &source.base_url)?);
            }
            text.push_str("]}");
            return Ok(Outcome::read(Some(Body::Text(text)), None, summary));
        }
        let mut resources = Vec::with_capacity(shown);
        for stored in page.resources {
            let stored = stored.parse()?;
            let members = if with_members { Some(self.members(&stored)?) } else { None };
            let full = render(kind, &stored, &source.base_url, members.as_deref());
            resources.push(resource::project(full, kind, &attributes, &excluded));
        }
        let body = json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": page.total,
            "startIndex": start_index,
            "itemsPerPage": shown,
            "Resources": resources,
        });
        Ok(Outcome::read(Some(Body::Document(body)), None, summary))
    }
}
