//! Provisioned users and groups, and the activity of a source.

use scimdesk::directory::{GroupRef, SearchPage};
use scimdesk::scim::ResourceKind;
use scimdesk::{ActivityEntry, ActivityHistogram, SourceCounters};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    user: Value,
    groups: Vec<GroupRef>,
}

/// Which of a source's resources a search looks at (`"user"` or `"group"`).
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SearchedResource {
    User,
    Group,
}

impl From<SearchedResource> for ResourceKind {
    fn from(resource: SearchedResource) -> Self {
        match resource {
            SearchedResource::User => ResourceKind::User,
            SearchedResource::Group => ResourceKind::Group,
        }
    }
}

/// Users or groups whose names contain `text`, one page.
#[tauri::command]
#[specta::specta]
pub async fn search_directory(
    state: State<'_, AppState>,
    slug: String,
    resource: SearchedResource,
    text: String,
    offset: usize,
    limit: usize,
) -> CommandResult<SearchPage> {
    let engine = state.engine()?;
    let source = engine.sources().source_ref(&slug)?;
    Ok(engine.directory().search(&source, resource.into(), &text, offset, limit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn user_details(state: State<'_, AppState>, slug: String, id: String) -> CommandResult<UserDetails> {
    let engine = state.engine()?;
    let source = engine.sources().source_ref(&slug)?;
    let (_, user) = engine.directory().get_user(&source, &id).await?;
    let groups = engine.directory().groups_of(&id).await?;
    Ok(UserDetails { user, groups })
}

/// A group with its members.
#[tauri::command]
#[specta::specta]
pub async fn group_details(state: State<'_, AppState>, slug: String, id: String) -> CommandResult<Value> {
    let engine = state.engine()?;
    let source = engine.sources().source_ref(&slug)?;
    Ok(engine.directory().get_group(&source, &id, true).await?.1)
}

#[tauri::command]
#[specta::specta]
pub async fn source_counters(state: State<'_, AppState>, slug: String) -> CommandResult<SourceCounters> {
    Ok(state.engine()?.sources().counters(&slug)?)
}

#[tauri::command]
#[specta::specta]
pub async fn source_activity(
    state: State<'_, AppState>,
    slug: String,
    limit: i64,
) -> CommandResult<Vec<ActivityEntry>> {
    Ok(state.engine()?.sources().activity(&slug, limit)?)
}

/// The source's requests from `since` (Unix seconds) on, per kind, in buckets of `bucket_seconds`
/// (60 to 86400), from the activity log: the Activity chart's 24 hours.
#[tauri::command]
#[specta::specta]
pub async fn source_activity_per_bucket(
    state: State<'_, AppState>,
    slug: String,
    since: i64,
    bucket_seconds: i64,
) -> CommandResult<ActivityHistogram> {
    Ok(state.engine()?.sources().activity_per_bucket(&slug, since, bucket_seconds).await?)
}
