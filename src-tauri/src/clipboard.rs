//! The OS clipboard for tokens: copied out of clipboard history where the platform allows, and
//! cleared after a while if it still holds the token.
//!
//! On Linux the copied text belongs to the process that set it, so one `arboard::Clipboard`
//! lives as long as the app.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arboard::Clipboard;
use scimdesk::tokens::hash_token;

use crate::error::{CommandError, ErrorKind};

pub struct SecretClipboard {
    /// `SCIMDESK_CLIPBOARD=off`: never touch the clipboard (remote desktops that sync it to
    /// another machine); tokens are shown for copying by hand instead.
    turned_off: bool,
    clipboard: Mutex<Option<Clipboard>>,
    /// Bumped on every copy, so only the newest copy's timer clears the clipboard.
    generation: AtomicU64,
}

fn unavailable(err: arboard::Error) -> CommandError {
    CommandError::new(
        ErrorKind::Clipboard,
        format!("the clipboard cannot be used ({err}); select the text and copy it by hand"),
    )
}

impl SecretClipboard {
    /// The clipboard as the environment allows: off when `SCIMDESK_CLIPBOARD` is `off`.
    pub fn from_env() -> Self {
        let turned_off = std::env::var("SCIMDESK_CLIPBOARD").is_ok_and(|v| v.eq_ignore_ascii_case("off"));
        if turned_off {
            tracing::info!("clipboard turned off (SCIMDESK_CLIPBOARD=off); tokens are shown instead");
        }
        SecretClipboard { turned_off, clipboard: Mutex::new(None), generation: AtomicU64::new(0) }
    }

    fn with<R>(&self, call: impl FnOnce(&mut Clipboard) -> Result<R, arboard::Error>) -> Result<R, CommandError> {
        if self.turned_off {
            return Err(CommandError::new(
                ErrorKind::Clipboard,
                "ScimDesk's use of the clipboard is turned off (SCIMDESK_CLIPBOARD=off); select the text and copy it by hand",
            ));
        }
        let mut slot = self.clipboard.lock().expect("clipboard lock");
        if slot.is_none() {
            *slot = Some(Clipboard::new().map_err(unavailable)?);
        }
        let result = call(slot.as_mut().expect("clipboard present"));
        if result.is_err() {
            // A broken connection is not reused; the next copy opens a new one.
            *slot = None;
        }
        result.map_err(unavailable)
    }

    /// Put ordinary text (a URL) on the clipboard.
    pub fn copy_text(&self, text: &str) -> Result<(), CommandError> {
        self.with(|c| c.set_text(text))
    }

    /// Put a secret on the clipboard, kept out of clipboard history, and clear it after
    /// `clear_after` unless something else has been copied since.
    pub fn copy_secret(self: &Arc<Self>, secret: &str, clear_after: Duration) -> Result<(), CommandError> {
        self.with(|c| set_secret(c, secret))?;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let hash = hash_token(secret);
        let this = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(clear_after).await;
            if this.generation.load(Ordering::SeqCst) == generation {
                let _ = tauri::async_runtime::spawn_blocking(move || this.clear_if_holds(&hash)).await;
            }
        });
        Ok(())
    }

    fn clear_if_holds(&self, hash: &[u8; 32]) {
        let cleared = self.with(|c| match c.get_text() {
            Ok(text) if hash_token(&text) == *hash => c.clear().map(|()| true),
            _ => Ok(false),
        });
        match cleared {
            Ok(true) => tracing::info!("cleared the token from the clipboard"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e.message, "could not clear the clipboard"),
        }
    }
}

#[cfg(target_os = "linux")]
fn set_secret(c: &mut Clipboard, secret: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    c.set().exclude_from_history().text(secret)
}

#[cfg(target_os = "windows")]
fn set_secret(c: &mut Clipboard, secret: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtWindows;
    c.set().exclude_from_history().text(secret)
}

#[cfg(target_os = "macos")]
fn set_secret(c: &mut Clipboard, secret: &str) -> Result<(), arboard::Error> {
    use arboard::SetExtApple;
    c.set().exclude_from_history().text(secret)
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn set_secret(c: &mut Clipboard, secret: &str) -> Result<(), arboard::Error> {
    c.set_text(secret)
}
