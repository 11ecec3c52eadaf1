//! Is ScimDesk reachable, how is provisioning going, and what the admin wants to be told: the
//! public URL check, the sources' health and alerts, and the notification switches.

use scimdesk::check::CheckReport;
use scimdesk::settings::NotificationKind;
use serde::Serialize;
use tauri::State;

use scimdesk::SourceHealth;

use crate::alerts::{AlertView, HealthConditions};
use crate::error::CommandResult;
use crate::reachability::Reachability;
use crate::state::AppState;

/// The latest automatic check of the public URL (`None` before the first).
#[tauri::command]
#[specta::specta]
pub async fn public_url_status(reachability: State<'_, Reachability>) -> CommandResult<Option<CheckReport>> {
    Ok(reachability.latest())
}

/// Check now that Entra can reach `slug` through the public URL; the status light follows.
#[tauri::command]
#[specta::specta]
pub async fn check_public_url(
    state: State<'_, AppState>,
    reachability: State<'_, Reachability>,
    slug: String,
) -> CommandResult<CheckReport> {
    let report = state.engine()?.check_public_url(&slug).await?;
    reachability.check_now();
    Ok(report)
}

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSwitch {
    kind: NotificationKind,
    enabled: bool,
}

#[tauri::command]
#[specta::specta]
pub async fn notification_settings(state: State<'_, AppState>) -> CommandResult<Vec<NotificationSwitch>> {
    let settings = state.engine()?.settings();
    NotificationKind::ALL
        .into_iter()
        .map(|kind| Ok(NotificationSwitch { kind, enabled: settings.notifies(kind)? }))
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn set_notification(state: State<'_, AppState>, kind: NotificationKind, enabled: bool) -> CommandResult<()> {
    Ok(state.engine()?.settings().set_notifies(kind, enabled).await?)
}

/// What needs the admin now: quiet sources and refusal bursts going on.
#[tauri::command]
#[specta::specta]
pub async fn health_conditions(conditions: State<'_, HealthConditions>) -> CommandResult<Vec<AlertView>> {
    Ok(conditions.now())
}

/// A source's last request and last cycle, and whether it is quiet or refused.
#[tauri::command]
#[specta::specta]
pub async fn source_health(state: State<'_, AppState>, slug: String) -> CommandResult<SourceHealth> {
    Ok(state.engine()?.health().source(&slug)?)
}
