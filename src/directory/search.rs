//! A search across resource types (`POST /.search` at the SCIM Base URL, RFC 7644 §3.4.3): the
//! source's users that match, then its groups, as one list.

use serde_json::{json, Value};

use super::{Body, Directory, ListRequest, Outcome, Result, SourceRef, DEFAULT_PAGE_SIZE};
use crate::scim::discovery::MAX_PAGE_SIZE;
use crate::scim::{ResourceKind, LIST_RESPONSE_SCHEMA};

/// One kind's part of the answer: how many match, and the page's resources.
fn part(outcome: Outcome) -> Result<(u64, Vec<Value>)> {
    let body = outcome.body.map(Body::into_value).transpose()?.unwrap_or(Value::Null);
    let total = body["totalResults"].as_u64().unwrap_or(0);
    let resources = match body.get("Resources") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    Ok((total, resources))
}

impl Directory {
    /// The filter, attribute selection and paging of `req` over users and groups together: users
    /// come first, then groups, each kind in its own `sortBy` order (one order across kinds would
    /// compare a user's attribute with a group's). Each resource's `schemas` says its kind.
    pub async fn search_all(&self, source: &SourceRef, req: &ListRequest) -> Result<Outcome> {
        // RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
        let start = req.start_index.unwrap_or(1).max(1) as u64;
        let count = req.count.map(|c| c.clamp(0, MAX_PAGE_SIZE as i64) as u64).unwrap_or(DEFAULT_PAGE_SIZE as u64);
        let users_page = ListRequest { start_index: Some(start as i64), count: Some(count as i64), ..req.clone() };
        let (users, mut resources) = part(self.list(source, ResourceKind::User, &users_page).await?)?;
        // The groups' part of the window [start, start + count) of the users-then-groups list.
        let groups_page = ListRequest {
            start_index: Some(start.saturating_sub(users).max(1) as i64),
            count: Some(count.saturating_sub(resources.len() as u64) as i64),
            ..req.clone()
        };
        let (groups, group_resources) = part(self.list(source, ResourceKind::Group, &groups_page).await?)?;
        resources.extend(group_resources);
        let shown = resources.len();
        let summary = match &req.filter {
            Some(f) => format!("searched users and groups ({shown} of {} matching {f})", users + groups),
            None => format!("searched users and groups ({shown} of {})", users + groups),
        };
        let body = json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": users + groups,
            "startIndex": start,
            "itemsPerPage": shown,
            "Resources": resources,
        });
        Ok(Outcome::read(Some(Body::Document(body)), None, summary))
    }
}
