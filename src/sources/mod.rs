//! The sources service: create, list, show, enable/disable, delete, rotate the token, read it
//! from the keychain, authenticate a request's token, and each source's counters and activity.

mod auth;
mod provider;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

pub use auth::{AuthError, Refusal};
pub use provider::{IdentityProvider, UnknownProvider};

use crate::change::Change;
use crate::directory::SourceRef;
use crate::error::{EngineError, Result};
use crate::events::{Events, ProvisioningEvent, RequestStats};
use crate::settings::Settings;
use crate::slug;
use crate::store::{ActivityEntry, ActivityHistogram, NewSource, SourceCounts, SourceRow, Store, UniqueIndex};
use crate::tokens::{Keychain, KeychainError, Token};

/// A source as the admin sees it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSummary {
    pub name: String,
    pub slug: String,
    /// Who provisions it: chooses the setup guide shown.
    pub provider: IdentityProvider,
    pub enabled: bool,
    /// `<public url>/source/scim/<slug>/v2`: Entra's Tenant URL.
    pub scim_base_url: String,
    pub token_prefix: String,
    /// Until when the previous token is still accepted after a rotation with overlap.
    pub previous_token_valid_until: Option<String>,
    pub created: String,
    pub counts: SourceCounts,
    pub requests_last_minute: u64,
    /// Refused requests since the source's first request (kept across restarts).
    pub errors: u64,
    /// The last request this engine served for the source, or the newest in the activity log
    /// (reachability checks are not counted).
    pub last_request: Option<String>,
}

/// A token just issued (create or rotate): shown once. `keychain_error` says why it could not be
/// stored in the keychain, in which case this is the only moment it can be seen.
#[derive(Debug)]
pub struct IssuedToken {
    pub source: SourceSummary,
    pub token: Token,
    pub keychain_error: Option<KeychainError>,
}

impl IssuedToken {
    /// The warning to show when the keychain could not keep the token.
    pub fn keychain_warning(&self) -> Option<String> {
        self.keychain_error.as_ref().map(|e| {
            format!(
                "the token could not be stored in the OS keychain: {e}. Copy it now: it is shown only once. \
                 Later, `scimdesk source rotate {}` (or Rotate in the window) issues a new one.",
                self.source.slug
            )
        })
    }
}

/// Per-source figures for the window: stored counts plus live request figures.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceCounters {
    pub slug: String,
    #[serde(flatten)]
    pub counts: SourceCounts,
    #[serde(flatten)]
    pub requests: RequestStats,
    /// The sequence number of the newest event when this snapshot was taken.
    pub seq: u64,
}

fn source_event(slug: &str, change: Change, summary: String) -> ProvisioningEvent {
    ProvisioningEvent {
        seq: 0,
        source: slug.to_string(),
        time: crate::store::now(),
        method: String::new(),
        path: String::new(),
        status: 200,
        change,
        resource_id: None,
        summary,
        latency_ms: 0.0,
    }
}

/// The sources service.
pub struct Sources {
    store: Store,
    events: Arc<Events>,
    settings: Arc<Settings>,
    keychain: Keychain,
    /// Sources by slug as last read, for authenticating requests without a query each time.
    /// Entries are trusted for a second; where the store announces changes made by other
    /// processes (PostgreSQL), the cache is emptied at once.
    auth_cache: Arc<Mutex<AuthCache>>,
}

/// Sources by slug, with when each was read.
type AuthCache = HashMap<String, (Arc<SourceRow>, Instant)>;

impl Sources {
    pub(crate) fn new(store: Store, events: Arc<Events>, settings: Arc<Settings>) -> Self {
        let auth_cache: Arc<Mutex<AuthCache>> = Arc::default();
        if let Some(mut changes) = store.source_changes() {
            let cache = Arc::downgrade(&auth_cache);
            tokio::spawn(async move {
                loop {
                    let changed = changes.recv().await;
                    let Some(cache) = cache.upgrade() else { break };
                    match changed {
                        Ok(()) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            cache.lock().expect("auth cache lock").clear();
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
        }
        Sources { store, events, settings, keychain: Keychain::default(), auth_cache }
    }

    async fn keychain_call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Keychain) -> Result<T, KeychainError> + Send + 'static,
    ) -> Result<T, KeychainError> {
        let keychain = self.keychain.clone();
        tokio::task::spawn_blocking(move || call(&keychain))
            .await
            .unwrap_or_else(|e| Err(KeychainError::Other(e.to_string())))
    }

    fn summary(&self, row: &SourceRow) -> Result<SourceSummary> {
        let counts = self.store.source_counts(row.id)?;
        let stats = self.events.request_stats(&row.slug);
        let last_request = match stats.last_request {
            Some(t) => Some(t),
            None => self.store.source_traffic(Some(&row.slug))?.into_iter().next().and_then(|s| s.traffic.last_request),
        };
        let now = crate::store::now();
        Ok(SourceSummary {
            name: row.name.clone(),
            slug: row.slug.clone(),
            // The schema's CHECK admits only the names `IdentityProvider` reads.
            provider: row.provider.parse().unwrap_or_default(),
            enabled: row.enabled,
            scim_base_url: self.settings.scim_base_url(&row.slug)?,
            token_prefix: row.token_prefix.clone(),
            previous_token_valid_until: row.previous_token_expires.clone().filter(|t| *t > now),
            created: row.created.clone(),
            counts,
            requests_last_minute: stats.requests_last_minute,
            errors: stats.errors,
            last_request,
        })
    }

    fn row(&self, slug: &str) -> Result<SourceRow> {
        self.store.source_by_slug(slug)?.ok_or_else(|| EngineError::SourceNotFound(slug.to_string()))
    }

    /// Create a source provisioned by Microsoft Entra ID; see [`Sources::create_for`].
    pub async fn create(&self, name: &str, slug: Option<&str>) -> Result<IssuedToken> {
        self.create_for(name, slug, IdentityProvider::Entra).await
    }

    /// Create a source for `provider`. The slug is derived from the name unless given; a derived
    /// slug that is taken gets a number (`entra-id-2`), a given one that is taken is an error.
    pub async fn create_for(&self, name: &str, slug: Option<&str>, provider: IdentityProvider) -> Result<IssuedToken> {
        let name = name.trim();
        if name.is_empty() {
            return Err(EngineError::InvalidInput("the source needs a name, e.g. \"Entra ID\"".into()));
        }
        if name.chars().count() > 200 {
            return Err(EngineError::InvalidInput("the source name is longer than 200 characters".into()));
        }
        let given = slug.map(str::trim).filter(|s| !s.is_empty());
        let base = match given {
            Some(s) => {
                slug::validate(s).map_err(EngineError::InvalidSlug)?;
                s.to_string()
            }
            None => slug::from_name(name),
        };
        let token = Token::generate();
        let uid = uuid::Uuid::new_v4().to_string();
        let mut attempt = 1;
        let row = loop {
            let candidate =
                if attempt == 1 { base.clone() } else { format!("{}-{attempt}", base.trim_end_matches('-')) };
            let new = NewSource {
                uid: uid.clone(),
                name: name.to_string(),
                slug: candidate.clone(),
                token_hash: token.hash(),
                token_prefix: token.display_prefix(),
                provider: provider.as_str().to_string(),
            };
            match self.store.insert_source(new).await {
                Ok(row) => break row,
                Err(e) if e.unique_index() == Some(UniqueIndex::SourceSlug) => {
                    if given.is_some() || attempt >= 100 {
                        return Err(EngineError::SlugTaken(candidate));
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        let account = row.uid.clone();
        let stored_token = token.clone();
        let keychain_error = self.keychain_call(move |k| k.store(&account, &stored_token)).await.err();
        if let Some(e) = &keychain_error {
            tracing::warn!(source = %row.slug, error = %e, "token not stored in the keychain");
        }
        self.events.publish(source_event(&row.slug, Change::SourceCreated, format!("created source {}", row.name)));
        Ok(IssuedToken { source: self.summary(&row)?, token, keychain_error })
    }

    pub fn list(&self) -> Result<Vec<SourceSummary>> {
        self.store.list_sources()?.iter().map(|row| self.summary(row)).collect()
    }

    pub fn get(&self, slug: &str) -> Result<SourceSummary> {
        self.summary(&self.row(slug)?)
    }

    pub async fn set_enabled(&self, slug: &str, enabled: bool) -> Result<SourceSummary> {
        if !self.store.set_source_enabled(slug, enabled).await? {
            return Err(EngineError::SourceNotFound(slug.to_string()));
        }
        self.forget_auth(slug);
        let verb = if enabled { "enabled" } else { "disabled" };
        self.events.publish(source_event(slug, Change::SourceUpdated, format!("{verb} source {slug}")));
        self.get(slug)
    }

    /// Delete a source with its users, groups, memberships, activity and keychain entry.
    pub async fn delete(&self, slug: &str) -> Result<()> {
        let row = self.row(slug)?;
        if !self.store.delete_source(slug).await? {
            return Err(EngineError::SourceNotFound(slug.to_string()));
        }
        self.forget_auth(slug);
        let account = row.uid.clone();
        if let Err(e) = self.keychain_call(move |k| k.delete(&account)).await {
            tracing::warn!(source = %slug, error = %e, "could not remove the token from the keychain");
        }
        self.events.publish(source_event(slug, Change::SourceDeleted, format!("deleted source {}", row.name)));
        Ok(())
    }

    /// Issue a new token. With `overlap`, the current token stays valid for that long.
    pub async fn rotate(&self, slug: &str, overlap: Option<Duration>) -> Result<IssuedToken> {
        let row = self.row(slug)?;
        let token = Token::generate();
        let previous_expires = match overlap.filter(|d| !d.is_zero()) {
            Some(d) => {
                let until = time::OffsetDateTime::now_utc() + d;
                Some(until.format(&time::format_description::well_known::Rfc3339).expect("RFC 3339"))
            }
            None => None,
        };
        if !self.store.set_source_token(slug, token.hash(), token.display_prefix(), previous_expires).await? {
            return Err(EngineError::SourceNotFound(slug.to_string()));
        }
        self.forget_auth(slug);
        let (account, stored_token) = (row.uid.clone(), token.clone());
        let keychain_error = self.keychain_call(move |k| k.store(&account, &stored_token)).await.err();
        self.events.publish(source_event(slug, Change::TokenRotated, format!("rotated the token of {}", row.name)));
        Ok(IssuedToken { source: self.get(slug)?, token, keychain_error })
    }

    /// The source's current token, from the OS keychain.
    pub async fn token(&self, slug: &str) -> Result<Token> {
        let row = self.row(slug)?;
        let account = row.uid.clone();
        let token = self.keychain_call(move |k| k.load(&account)).await?;
        // A keychain entry left from before a rotation done elsewhere is not the token.
        if !crate::tokens::verify(token.expose_secret(), &row.token_hash) {
            return Err(KeychainError::NotFound.into());
        }
        Ok(token)
    }

    /// The source as the directory addresses it, for the CLI and the window (no token check:
    /// they act as the admin).
    pub fn source_ref(&self, slug: &str) -> Result<SourceRef> {
        let row = self.row(slug)?;
        Ok(SourceRef { id: row.id, base_url: self.settings.scim_base_url(&row.slug)?, slug: row.slug })
    }

    /// A snapshot of a source's counters; apply events with a greater `seq` on top of it.
    pub fn counters(&self, slug: &str) -> Result<SourceCounters> {
        let seq = self.events.last_seq();
        let row = self.row(slug)?;
        Ok(SourceCounters {
            slug: slug.to_string(),
            counts: self.store.source_counts(row.id)?,
            requests: self.events.request_stats(slug),
            seq,
        })
    }

    /// The newest activity rows of a source, newest first.
    pub fn activity(&self, slug: &str, limit: i64) -> Result<Vec<ActivityEntry>> {
        let row = self.row(slug)?;
        Ok(self.store.recent_activity(row.id, limit.clamp(1, 10_000))?)
    }

    /// A source's requests from `since` (Unix seconds) on, per kind and per bucket of
    /// `bucket_seconds` (a minute to a day), from the activity log: for the Activity chart's
    /// longer ranges. Rows still buffered are written first, so every event published before
    /// this call is counted.
    pub async fn activity_per_bucket(&self, slug: &str, since: i64, bucket_seconds: i64) -> Result<ActivityHistogram> {
        if !(60..=86_400).contains(&bucket_seconds) {
            return Err(EngineError::InvalidInput(format!(
                "a bucket of the activity chart lasts from 60 to 86400 seconds, not {bucket_seconds}"
            )));
        }
        let row = self.row(slug)?;
        self.store.flush_activity().await?;
        Ok(self.store.activity_per_bucket(row.id, since, bucket_seconds)?)
    }

    fn forget_auth(&self, slug: &str) {
        self.auth_cache.lock().expect("auth cache lock").remove(slug);
    }
}
