//! ScimDesk's engine: an embedded SCIM 2.0 server for Microsoft Entra ID (and Okta, OneLogin),
//! its SQLite store, sources with keychain-held tokens, and live provisioning events.
//!
//! The desktop app and the headless `scimdesk` CLI are thin shells over [`Engine`], a facade
//! that opens the store and hands out the services: [`Sources`] (with authentication),
//! [`Settings`], the [`Directory`], the [`Activity`] log and [`KeepAwake`]. Imports point down:
//! `server`/`cli` → `Engine` → services → `directory` → `store` → `scim`.

pub mod activity;
pub mod change;
pub mod directory;
pub mod error;
pub mod events;
pub mod keep_awake;
pub mod scim;
pub mod server;
pub mod settings;
pub mod slug;
pub mod sources;
pub mod store;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use activity::{Activity, RequestActivity};
pub use change::Change;
pub use directory::{Directory, DirectoryError};
pub use error::{EngineError, Result};
pub use events::{ProvisioningEvent, RequestStats};
pub use keep_awake::KeepAwake;
pub use settings::{CurrentSettings, Settings};
pub use sources::{IssuedToken, SourceCounters, SourceSummary, Sources};
pub use store::{ActivityEntry, SourceCounts, StoreError};

use events::Events;
use store::Store;

/// The engine: open it on a data dir, then use its services; `server::start` serves it.
pub struct Engine {
    settings: Arc<Settings>,
    sources: Sources,
    directory: Directory,
    activity: Activity,
    keep_awake: KeepAwake,
    events: Arc<Events>,
    data_dir: PathBuf,
}

impl Engine {
    /// Open the engine on `data_dir`: the database is created or migrated there.
    pub async fn open(data_dir: &Path) -> Result<Arc<Engine>> {
        let store = Store::open(data_dir).await?;
        let events = Arc::new(Events::new());
        let settings = Arc::new(Settings::new(store.clone()));
        Ok(Arc::new(Engine {
            sources: Sources::new(store.clone(), events.clone(), settings.clone()),
            directory: Directory::new(store.clone()),
            activity: Activity::new(store, events.clone()),
            keep_awake: KeepAwake::new(),
            settings,
            events,
            data_dir: data_dir.to_path_buf(),
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

    /// Sources: create, rotate, enable, delete; authenticate requests; counters and activity.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Settings, the SCIM Base URL they give, and where the server listens.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Users and groups: the operations every caller shares.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Where each request's activity row and event are recorded.
    pub fn activity(&self) -> &Activity {
        &self.activity
    }

    /// Keeps the machine from idle sleep while requests arrive (2 minutes after the last unless
    /// [`KeepAwake::set_span`] says otherwise).
    pub fn keep_awake(&self) -> &KeepAwake {
        &self.keep_awake
    }

    /// Events published after each committed change and each refused request.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ProvisioningEvent> {
        self.events.subscribe()
    }
}
