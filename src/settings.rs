//! Admin settings kept in the database (listen address, public URL, clipboard clear time, Entra's
//! cycle interval), and the SCIM Base URL they give each source.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::store::Store;
use crate::traffic::{DEFAULT_CYCLE_INTERVAL, MAX_CYCLE_INTERVAL, MIN_CYCLE_INTERVAL};

/// Where the server listens unless told otherwise: loopback, for a tunnel to connect to.
pub const DEFAULT_BIND: &str = "127.0.0.1:7643";
pub const DEFAULT_CLIPBOARD_CLEAR_SECONDS: u64 = 60;

const PUBLIC_URL: &str = "public_url";
const BIND: &str = "bind";
const CLIPBOARD_CLEAR_SECONDS: &str = "clipboard_clear_seconds";
const CYCLE_INTERVAL_SECONDS: &str = "cycle_interval_seconds";
/// Random, made once per data folder: the server proves a check reached it with it.
const CHECK_SECRET: &str = "check_secret";

/// Which OS notifications the desktop app sends; each can be switched off (all are on by default).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NotificationKind {
    /// Entra can no longer reach ScimDesk through the public URL, or can again.
    PublicUrl,
    /// A provisioned source has been quiet for longer than two of Entra's cycles.
    QuietSource,
    /// A burst of refused requests (a token mismatch, a wrong Tenant URL).
    Refusals,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 3] =
        [NotificationKind::PublicUrl, NotificationKind::QuietSource, NotificationKind::Refusals];

    fn key(self) -> &'static str {
        match self {
            NotificationKind::PublicUrl => "notify_public_url",
            NotificationKind::QuietSource => "notify_quiet_source",
            NotificationKind::Refusals => "notify_refusals",
        }
    }
}

/// How long the public URL read for a request is trusted, so that a change made by another
/// process (the CLI) shows within this time.
const PUBLIC_URL_TTL: Duration = Duration::from_secs(1);

/// The settings as saved (defaults where none is saved).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentSettings {
    pub bind: SocketAddr,
    pub public_url: Option<String>,
    pub clipboard_clear_seconds: u64,
    /// Entra's interval between provisioning cycles: a provisioned source silent for two of them
    /// is "quiet".
    pub cycle_interval_seconds: u64,
}

/// Check and tidy a public URL: an absolute http(s) URL without query; trailing `/` removed.
pub fn normalize_public_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
        EngineError::InvalidInput(format!(
            "the public URL \"{url}\" must start with https:// (the address of your tunnel, e.g. https://scim.example.com)"
        ))
    })?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(EngineError::InvalidInput(format!(
            "the public URL \"{url}\" is not a plain https://host[/path] address"
        )));
    }
    Ok(url.to_string())
}

/// Read a cycle interval as the admin types it: `40m`, `1h`, `90s` (a unit is needed).
pub fn parse_cycle_interval(text: &str) -> Result<Duration> {
    let text = text.trim();
    let interval = humantime::parse_duration(text).map_err(|_| {
        EngineError::InvalidInput(format!(
            "\"{text}\" is not a duration; give Entra's cycle interval with a unit, e.g. 40m (Entra's default) or 1h"
        ))
    })?;
    check_cycle_interval(interval)?;
    Ok(interval)
}

fn check_cycle_interval(interval: Duration) -> Result<()> {
    if !(MIN_CYCLE_INTERVAL..=MAX_CYCLE_INTERVAL).contains(&interval) {
        return Err(EngineError::InvalidInput(format!(
            "the cycle interval must be between {} and {} (Entra's is 40m)",
            humantime::format_duration(MIN_CYCLE_INTERVAL),
            humantime::format_duration(MAX_CYCLE_INTERVAL)
        )));
    }
    Ok(())
}

pub fn parse_bind(addr: &str) -> Result<SocketAddr> {
    addr.trim()
        .parse()
        .map_err(|_| EngineError::InvalidInput(format!("\"{addr}\" is not an address and port such as 127.0.0.1:7643")))
}

/// The settings service: reads and saves settings, and knows where this process listens.
pub struct Settings {
    store: Store,
    /// The public URL setting and when it was read (see [`Settings::public_url`]).
    public_url_cache: Mutex<Option<(Option<String>, Instant)>>,
    listen_addr: Mutex<Option<SocketAddr>>,
    check_secret: std::sync::OnceLock<String>,
}

impl Settings {
    pub(crate) fn new(store: Store) -> Self {
        Settings {
            store,
            public_url_cache: Mutex::new(None),
            listen_addr: Mutex::new(None),
            check_secret: std::sync::OnceLock::new(),
        }
    }

    /// The data folder's check secret (made the first time it is needed, by whichever process
    /// needs it first; every process on the folder then reads the same one).
    pub async fn check_secret(&self) -> Result<String> {
        if let Some(secret) = self.check_secret.get() {
            return Ok(secret.clone());
        }
        let made = hex::encode(rand::random::<[u8; 32]>());
        let secret = self.store.setting_or_insert(CHECK_SECRET, made).await?;
        Ok(self.check_secret.get_or_init(|| secret).clone())
    }

    pub fn current(&self) -> Result<CurrentSettings> {
        let bind = match self.store.setting(BIND)? {
            Some(b) => parse_bind(&b)?,
            None => DEFAULT_BIND.parse().expect("default bind address"),
        };
        let clipboard_clear_seconds = (self.store.setting(CLIPBOARD_CLEAR_SECONDS)?)
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_CLIPBOARD_CLEAR_SECONDS);
        Ok(CurrentSettings {
            bind,
            public_url: self.store.setting(PUBLIC_URL)?,
            clipboard_clear_seconds,
            cycle_interval_seconds: self.cycle_interval()?.as_secs(),
        })
    }

    /// Entra's interval between provisioning cycles (default 40 minutes). Reading it also tells the
    /// activity log's writer, which ends a cycle after a silence it derives from the interval, so
    /// that a change saved by another process applies here at the next read.
    pub fn cycle_interval(&self) -> Result<Duration> {
        let interval = (self.store.setting(CYCLE_INTERVAL_SECONDS)?)
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .filter(|d| check_cycle_interval(*d).is_ok())
            .unwrap_or(DEFAULT_CYCLE_INTERVAL);
        self.store.set_cycle_interval(interval);
        Ok(interval)
    }

    /// Save Entra's cycle interval (whole seconds, 2 s to 7 days).
    pub async fn set_cycle_interval(&self, interval: Duration) -> Result<()> {
        let interval = Duration::from_secs(interval.as_secs());
        check_cycle_interval(interval)?;
        self.store.set_setting(CYCLE_INTERVAL_SECONDS, Some(interval.as_secs().to_string())).await?;
        self.store.set_cycle_interval(interval);
        Ok(())
    }

    /// Whether the app sends notifications of `kind`.
    pub fn notifies(&self, kind: NotificationKind) -> Result<bool> {
        Ok(self.store.setting(kind.key())?.as_deref() != Some("off"))
    }

    pub async fn set_notifies(&self, kind: NotificationKind, on: bool) -> Result<()> {
        Ok(self.store.set_setting(kind.key(), Some(if on { "on" } else { "off" }.to_owned())).await?)
    }

    /// Set or clear (empty) the public URL of the tunnel; it only changes the SCIM Base URL shown.
    pub async fn set_public_url(&self, url: Option<&str>) -> Result<()> {
        let value = url.map(str::trim).filter(|u| !u.is_empty()).map(normalize_public_url).transpose()?;
        self.store.set_setting(PUBLIC_URL, value).await?;
        *self.public_url_cache.lock().expect("public url cache") = None;
        Ok(())
    }

    /// The public URL for `meta.location` on the request path: read at most once a second. A
    /// database that cannot be read gives no public URL (the request's Host is used instead).
    pub fn public_url(&self) -> Option<String> {
        if let Some((url, at)) = self.public_url_cache.lock().expect("public url cache").as_ref() {
            if at.elapsed() < PUBLIC_URL_TTL {
                return url.clone();
            }
        }
        let url = self.store.setting(PUBLIC_URL).ok().flatten();
        *self.public_url_cache.lock().expect("public url cache") = Some((url.clone(), Instant::now()));
        url
    }

    pub async fn set_bind(&self, addr: SocketAddr) -> Result<()> {
        Ok(self.store.set_setting(BIND, Some(addr.to_string())).await?)
    }

    pub async fn set_clipboard_clear_seconds(&self, seconds: u64) -> Result<()> {
        if !(5..=3600).contains(&seconds) {
            return Err(EngineError::InvalidInput(
                "the clipboard clear time must be between 5 and 3600 seconds".into(),
            ));
        }
        Ok(self.store.set_setting(CLIPBOARD_CLEAR_SECONDS, Some(seconds.to_string())).await?)
    }

    /// Where this process's server listens, when it does.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        *self.listen_addr.lock().expect("listen addr lock")
    }

    /// Record that the server listens on `addr`.
    pub fn server_started(&self, addr: SocketAddr) {
        *self.listen_addr.lock().expect("listen addr lock") = Some(addr);
    }

    /// Record that the server on `addr` stopped; a restart on another address is not undone by
    /// the old server's end.
    pub fn server_stopped(&self, addr: SocketAddr) {
        let mut listen = self.listen_addr.lock().expect("listen addr lock");
        if *listen == Some(addr) {
            *listen = None;
        }
    }

    /// The SCIM Base URL to give Entra: `<public url>/source/scim/<slug>/v2`, or the local
    /// listen address when no public URL is set.
    pub fn scim_base_url(&self, slug: &str) -> Result<String> {
        let settings = self.current()?;
        let root = match settings.public_url {
            Some(url) => url,
            None => format!("http://{}", self.listen_addr().unwrap_or(settings.bind)),
        };
        Ok(format!("{root}/source/scim/{slug}/v2"))
    }
}
