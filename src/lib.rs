//! ScimDesk's engine: an embedded SCIM 2.0 server for Microsoft Entra ID (and Okta, OneLogin),
//! its SQLite store, sources with keychain-held tokens, and live provisioning events.
//!
//! The desktop app and the headless `scimdesk` CLI are thin shells over [`Engine`], a facade
//! that opens the store and hands out the services: [`Sources`] (with authentication),
//! [`Settings`], the [`Directory`], the [`Activity`] log, the sources' [`Health`] and
//! [`KeepAwake`]. Imports point down:
//! `server`/`cli` → `Engine` → services → `directory` → `store` → `scim`.

pub mod activity;
pub mod app_log;
pub mod change;
pub mod check;
pub mod directory;
pub mod error;
pub mod events;
#[cfg(unix)]
pub mod handover;
pub mod health;
pub mod keep_awake;
pub mod scim;
pub mod server;
pub mod serving;
pub mod settings;
pub mod slug;
pub mod sources;
pub mod status_icon;
pub mod store;
pub mod tokens;
pub mod traffic;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use activity::{Activity, RequestActivity};
pub use change::Change;
pub use directory::{Directory, DirectoryError};
pub use error::{EngineError, Result};
pub use events::{ProvisioningEvent, RequestStats};
pub use health::{Alert, Health, HealthWatch, RefusalBurst, RefusalCause, SourceHealth, UnknownSlug};
pub use keep_awake::KeepAwake;
pub use serving::{Claim, Server, ServerKind, ServingLock};
pub use settings::{CurrentSettings, Settings};
pub use sources::{IdentityProvider, IssuedToken, SourceCounters, SourceSummary, Sources};
pub use store::{ActivityBucket, ActivityEntry, ActivityHistogram, Database, PoolOptions, SourceCounts, StoreError};
pub use traffic::Cycle;

use events::Events;
use store::Store;

/// The engine: open it on a data dir, then use its services; `server::start` serves it.
pub struct Engine {
    settings: Arc<Settings>,
    sources: Sources,
    directory: Directory,
    activity: Activity,
    keep_awake: KeepAwake,
    health: Health,
    events: Arc<Events>,
    data_dir: PathBuf,
    database: Database,
}

impl Engine {
    /// Open the engine on `data_dir`: the database is created or migrated there.
    pub async fn open(data_dir: &Path) -> Result<Arc<Engine>> {
        Engine::open_database(data_dir, &Database::in_folder(data_dir)).await
    }

    /// Open the engine on `database` (created or migrated), with `data_dir` for the files of
    /// this process (logs, the serving lock).
    pub async fn open_database(data_dir: &Path, database: &Database) -> Result<Arc<Engine>> {
        let store = Store::open_database(database).await?;
        let events = Arc::new(Events::new());
        let settings = Arc::new(Settings::new(store.clone()));
        // Tells the activity log's writer where Entra's cycles end.
        settings.cycle_interval()?;
        let activity = Activity::new(store.clone(), events.clone());
        activity.recount_refused()?;
        Ok(Arc::new(Engine {
            sources: Sources::new(store.clone(), events.clone(), settings.clone()),
            directory: Directory::new(store.clone()),
            health: Health::new(store, settings.clone()),
            activity,
            keep_awake: KeepAwake::new(),
            settings,
            events,
            data_dir: data_dir.to_path_buf(),
            database: database.clone(),
        }))
    }

    /// The data dir's default: the OS data directory (e.g. `~/.local/share/scimdesk`).
    pub fn default_data_dir() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("scimdesk")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The SQLite file of the data folder (where the database is not PostgreSQL).
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(store::DATABASE_FILE)
    }

    /// Where the data lives: the data folder's SQLite file, or PostgreSQL.
    pub fn database(&self) -> &Database {
        &self.database
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

    /// Each source's provisioning as the activity log tells it: last request, last cycle, refusals,
    /// quiet or not; and the requests for slugs that name no source.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Look at the health of every source now and every `every` (a few indexed reads each time),
    /// and publish an [`Alert`] when a source goes quiet or starts to be refused in bursts, and
    /// when that ends. Stops when dropped.
    pub fn watch_health(self: &Arc<Self>, every: std::time::Duration) -> HealthWatch {
        let engine = self.clone();
        health::watch::spawn(every, move || engine.health.report())
    }

    /// Check that Entra can reach source `slug` through the public URL: a request carrying a
    /// one-time code, sent from this machine to the source's SCIM Base URL, must come back with
    /// the proof that the server of this data folder answered it.
    pub async fn check_public_url(&self, slug: &str) -> Result<check::CheckReport> {
        let source = self.sources.source_ref(slug)?;
        let secret = self.settings.check_secret().await?;
        let url = self.settings.current()?.public_url.map(|_| source.base_url);
        Ok(check::run(&source.slug, url, &secret).await)
    }

    /// Check the public URL now, every `every` while one is set, and at once when it changes,
    /// through the first source (the tunnel is the same for all). Stops when dropped.
    pub fn watch_public_url(self: &Arc<Self>, every: std::time::Duration) -> check::watch::Watching {
        let (engine, checker) = (self.clone(), self.clone());
        check::watch::spawn(
            every,
            move || engine.settings.public_url(),
            move || {
                let engine = checker.clone();
                async move {
                    let slug = engine.sources.list().ok()?.into_iter().next()?.slug;
                    engine.check_public_url(&slug).await.ok()
                }
            },
        )
    }

    /// Ask to serve this data folder as `kind`: granted unless another process serves it.
    pub fn claim_serving(&self, kind: ServerKind) -> std::io::Result<Claim> {
        serving::claim(&self.data_dir, kind)
    }

    /// The process that serves this data folder now, if any (`Some(None)`: one that is starting).
    pub fn serving_process(&self) -> std::io::Result<Option<Option<Server>>> {
        serving::server_of(&self.data_dir)
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
