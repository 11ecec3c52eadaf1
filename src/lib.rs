//! ScimDesk's engine: an embedded SCIM 2.0 server for Microsoft Entra ID (and Okta, OneLogin),
//! its SQLite store, sources with keychain-held tokens, and live provisioning events.
//!
//! The desktop app and the headless `scimdesk` CLI are thin shells over [`Engine`].

pub mod directory;
pub mod error;
pub mod events;
pub mod scim;
pub mod server;
pub mod settings;
pub mod slug;
pub mod sources;
pub mod store;
pub mod tokens;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

pub use error::{EngineError, Result};
pub use events::{Change, ProvisioningEvent, RequestStats};
pub use server::ServerHandle;
pub use settings::Settings;
pub use sources::{IssuedToken, SourceSummary};
pub use store::{ActivityEntry, SourceCounts};

use directory::Directory;
use events::Events;
use store::{SourceRow, Store};
use tokens::Keychain;

/// The engine: open it on a data dir, start its server, and manage sources.
pub struct Engine {
    store: Store,
    directory: Directory,
    events: Events,
    keychain: Keychain,
    data_dir: PathBuf,
    /// Sources by slug as last read, for authenticating requests without a query each time.
    auth_cache: Mutex<HashMap<String, (Arc<SourceRow>, Instant)>>,
    listen_addr: Mutex<Option<SocketAddr>>,
    /// The public URL setting and when it was read (see [`Engine::public_url`]).
    public_url_cache: Mutex<Option<(Option<String>, Instant)>>,
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

impl Engine {
    /// Open the engine on `data_dir`: the database is created or migrated there.
    pub async fn open(data_dir: &Path) -> Result<Arc<Engine>> {
        let store = Store::open(data_dir).await?;
        Ok(Arc::new(Engine {
            directory: Directory::new(store.clone()),
            store,
            events: Events::new(),
            keychain: Keychain::default(),
            data_dir: data_dir.to_path_buf(),
            auth_cache: Mutex::new(HashMap::new()),
            listen_addr: Mutex::new(None),
            public_url_cache: Mutex::new(None),
        }))
    }

    /// The data dir's default: the OS data directory (e.g. `~/.local/share/scimdesk`).
    pub fn default_data_dir() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("scimdesk")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(store::DATABASE_FILE)
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Events published after each committed change and each refused request.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ProvisioningEvent> {
        self.events.subscribe()
    }

    /// Where the server is listening, when it is.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        *self.listen_addr.lock().expect("listen addr lock")
    }

    /// A snapshot of a source's counters; apply events with a greater `seq` on top of it.
    pub async fn counters(&self, slug: &str) -> Result<SourceCounters> {
        let seq = self.events.last_seq();
        let row = self.store.source_by_slug(slug)?.ok_or_else(|| EngineError::SourceNotFound(slug.into()))?;
        Ok(SourceCounters {
            slug: slug.to_string(),
            counts: self.store.source_counts(row.id)?,
            requests: self.events.request_stats(slug),
            seq,
        })
    }

    /// The newest activity rows of a source, newest first.
    pub async fn activity(&self, slug: &str, limit: i64) -> Result<Vec<ActivityEntry>> {
        let row = self.store.source_by_slug(slug)?.ok_or_else(|| EngineError::SourceNotFound(slug.into()))?;
        Ok(self.store.recent_activity(row.id, limit.clamp(1, 10_000))?)
    }

    fn forget_auth(&self, slug: &str) {
        self.auth_cache.lock().expect("auth cache lock").remove(slug);
    }
}
