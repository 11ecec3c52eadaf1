//! A list request as the store answers it: filter, paging and sorting in, a page out.

use super::StoredResource;
use crate::scim::filter::{AttrPath, Filter};

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

/// The page `query` asks for of the resources a filter kept (in creation order), sorted by
/// `sort_key` when the query sorts: for lists whose filter or sort no column serves.
pub(super) fn sorted_page(
    mut hits: Vec<StoredResource>,
    query: &ListQuery,
    sort_key: &dyn Fn(&StoredResource) -> Option<String>,
) -> Page {
    if query.sort_by.is_some() {
        let mut keyed: Vec<(Option<String>, StoredResource)> = hits.into_iter().map(|r| (sort_key(&r), r)).collect();
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
    Page { total, resources }
}
