//! What the window's Provisioned Users and Provisioned Groups tabs ask for: search and paging
//! over the indexes, a user's groups, a group's members.

use serde::Serialize;
use serde_json::Value;

use super::{render, Directory, Result, SourceRef};
use crate::scim::ResourceKind;

/// One page of search results: full SCIM resources (groups without members).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total: usize,
    pub offset: usize,
    pub resources: Vec<Value>,
}

/// A group a user belongs to.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    pub id: String,
    pub display_name: String,
}

impl Directory {
    /// Users or groups whose names contain `text`, `limit` from `offset`.
    pub async fn search(
        &self,
        source: &SourceRef,
        kind: ResourceKind,
        text: &str,
        offset: usize,
        limit: usize,
    ) -> Result<SearchPage> {
        let limit = limit.clamp(1, 1000);
        let page = self.store.search(kind, source.id, text, offset as i64, limit as i64)?;
        let resources = page
            .resources
            .into_iter()
            .map(|r| Ok(render(kind, &r.parse()?, &source.base_url, None)))
            .collect::<Result<_, crate::store::StoreError>>()?;
        Ok(SearchPage { total: page.total, offset, resources })
    }

    /// The groups a user (or group) is a direct member of.
    pub async fn groups_of(&self, member_id: &str) -> Result<Vec<GroupRef>> {
        let rows = self.store.groups_of(member_id)?;
        Ok(rows.into_iter().map(|(id, display_name)| GroupRef { id, display_name }).collect())
    }
}
