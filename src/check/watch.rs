//! Automatic checks: one now, then every interval while a public URL is set, and at once when the
//! public URL changes (in this process or another: the setting is looked at every few seconds).
//! The latest report is published on a watch channel for the window, the tray and notifications.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::CheckReport;

/// How often the public URL setting is looked at for a change.
const LOOK_INTERVAL: Duration = Duration::from_secs(2);

/// The automatic checks; they stop when this is dropped.
pub struct Watching {
    reports: watch::Receiver<Option<CheckReport>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watching {
    /// The latest report (`None` before the first, or with no source to check), and its changes.
    pub fn reports(&self) -> watch::Receiver<Option<CheckReport>> {
        self.reports.clone()
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Check with `check` now, every `every` and whenever `public_url()` changes. `check` answers
/// `None` when there is nothing to check (no source).
pub fn spawn<U, C, F>(every: Duration, public_url: U, check: C) -> Watching
where
    U: Fn() -> Option<String> + Send + 'static,
    C: Fn() -> F + Send + 'static,
    F: Future<Output = Option<CheckReport>> + Send,
{
    let (sender, reports) = watch::channel(None);
    let task = tokio::spawn(async move {
        let mut checked: Option<(Option<String>, Instant)> = None;
        loop {
            let url = public_url();
            let due = match &checked {
                None => true,
                Some((last_url, at)) => *last_url != url || (url.is_some() && at.elapsed() >= every),
            };
            if due {
                let report = check().await;
                checked = Some((url, Instant::now()));
                sender.send_replace(report);
            }
            tokio::time::sleep(LOOK_INTERVAL).await;
        }
    });
    Watching { reports, task }
}
