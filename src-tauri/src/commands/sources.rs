//! Sources: list, create, enable/disable, delete, rotate, and copy the token.

use std::sync::Arc;
use std::time::Duration;

use scimdesk::{IdentityProvider, IssuedToken, SourceSummary};
use serde::Serialize;
use tauri::State;

use crate::clipboard::SecretClipboard;
use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::state::AppState;

/// A token just issued: shown once. `keychain_warning` says when the keychain could not keep it.
#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IssuedTokenView {
    source: SourceSummary,
    token: String,
    keychain_warning: Option<String>,
}

impl From<IssuedToken> for IssuedTokenView {
    fn from(issued: IssuedToken) -> Self {
        let keychain_warning = issued.keychain_warning();
        IssuedTokenView { token: issued.token.expose_secret().to_string(), source: issued.source, keychain_warning }
    }
}

/// What "Copy" did. When the clipboard refused, `token` carries the secret so the window can show
/// it for copying by hand, and `reason` says why.
#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CopyOutcome {
    copied: bool,
    clear_after_seconds: Option<u64>,
    token: Option<String>,
    reason: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn list_sources(state: State<'_, AppState>) -> CommandResult<Vec<SourceSummary>> {
    Ok(state.engine()?.sources().list()?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_source(state: State<'_, AppState>, slug: String) -> CommandResult<SourceSummary> {
    Ok(state.engine()?.sources().get(&slug)?)
}

#[tauri::command]
#[specta::specta]
pub fn suggest_slug(name: String) -> String {
    scimdesk::slug::from_name(&name)
}

/// Create a source for `provider` (Entra ID when none is given): the provider only chooses the
/// setup guide the Overview shows.
#[tauri::command]
#[specta::specta]
pub async fn create_source(
    state: State<'_, AppState>,
    name: String,
    slug: Option<String>,
    provider: Option<IdentityProvider>,
) -> CommandResult<IssuedTokenView> {
    let provider = provider.unwrap_or_default();
    Ok(state.engine()?.sources().create_for(&name, slug.as_deref(), provider).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_source_enabled(
    state: State<'_, AppState>,
    slug: String,
    enabled: bool,
) -> CommandResult<SourceSummary> {
    Ok(state.engine()?.sources().set_enabled(&slug, enabled).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_source(state: State<'_, AppState>, slug: String) -> CommandResult<()> {
    Ok(state.engine()?.sources().delete(&slug).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rotate_token(
    state: State<'_, AppState>,
    slug: String,
    overlap_minutes: Option<u64>,
) -> CommandResult<IssuedTokenView> {
    let overlap = overlap_minutes.map(|m| Duration::from_secs(m * 60));
    Ok(state.engine()?.sources().rotate(&slug, overlap).await?.into())
}

/// Read the source's token from the keychain and put it on the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn copy_token(state: State<'_, AppState>, slug: String) -> CommandResult<CopyOutcome> {
    let engine = state.engine()?;
    let token = engine.sources().token(&slug).await?;
    let seconds = engine.settings().current()?.clipboard_clear_seconds;
    copy_secret_to(&state.clipboard, token.expose_secret().to_string(), seconds).await
}

/// Put a token just issued (shown in the window) on the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(state: State<'_, AppState>, secret: String) -> CommandResult<CopyOutcome> {
    let seconds = state.engine()?.settings().current()?.clipboard_clear_seconds;
    copy_secret_to(&state.clipboard, secret, seconds).await
}

/// Put plain text (the SCIM Base URL) on the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn copy_text(state: State<'_, AppState>, text: String) -> CommandResult<()> {
    let clipboard = Arc::clone(&state.clipboard);
    blocking(move || clipboard.copy_text(&text)).await
}

async fn copy_secret_to(clipboard: &Arc<SecretClipboard>, secret: String, seconds: u64) -> CommandResult<CopyOutcome> {
    let clipboard = Arc::clone(clipboard);
    let copied = {
        let secret = secret.clone();
        blocking(move || clipboard.copy_secret(&secret, Duration::from_secs(seconds))).await
    };
    Ok(match copied {
        Ok(()) => CopyOutcome { copied: true, clear_after_seconds: Some(seconds), token: None, reason: None },
        Err(e) => {
            tracing::warn!(error = %e.message, "clipboard refused the token; showing it in the window");
            CopyOutcome { copied: false, clear_after_seconds: None, token: Some(secret), reason: Some(e.message) }
        }
    })
}

async fn blocking<T: Send + 'static>(call: impl FnOnce() -> CommandResult<T> + Send + 'static) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(call)
        .await
        .unwrap_or_else(|e| Err(CommandError::new(ErrorKind::Clipboard, format!("the clipboard call failed: {e}"))))
}
