//! Automatic checks: one now, then every interval while a public URL is set, and at once when the
//! public URL changes (in this process or another: the setting is looked at every few seconds).
//! The latest report is published on a watch channel for the window, the tray and notifications.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::CheckReport;

/// How often the public URL setting is looked at for a change.
const LOOK_INTERVAL: Duration = Duration::from_secs(2);

/// The automatic checks; they stop when this is dropped.
pub struct Watching {
    reports: watch::Receiver<Option<CheckReport>>,
    now: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Watching {
    /// Check again now (the admin fixed the tunnel and asks).
    pub fn check_now(&self) {
        self.now.notify_one();
    }

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
    let now = Arc::new(Notify::new());
    let asked = now.clone();
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
            tokio::select! {
                _ = tokio::time::sleep(LOOK_INTERVAL) => {}
                _ = asked.notified() => checked = None,
            }
        }
    });
    Watching { reports, now, task }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use super::*;
    use crate::check::Outcome;

    fn report(n: usize) -> Option<CheckReport> {
        Some(CheckReport {
            slug: "entra".into(),
            url: None,
            outcome: Outcome::Reachable { round_trip_ms: n as u64 },
            message: String::new(),
            time: String::new(),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn checks_at_start_every_interval_when_the_url_changes_and_when_asked() {
        let url = Arc::new(Mutex::new(Some("https://a.example".to_owned())));
        let checks = Arc::new(AtomicUsize::new(0));
        let (u, c) = (url.clone(), checks.clone());
        let watching = spawn(
            Duration::from_secs(300),
            move || u.lock().unwrap().clone(),
            move || {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                async move { report(n) }
            },
        );
        let mut reports = watching.reports();
        reports.changed().await.unwrap();
        assert_eq!(checks.load(Ordering::SeqCst), 1, "one check at start");

        tokio::time::sleep(Duration::from_secs(299)).await;
        assert_eq!(checks.load(Ordering::SeqCst), 1, "nothing before the interval");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(checks.load(Ordering::SeqCst), 2, "again after the interval");

        *url.lock().unwrap() = Some("https://b.example".to_owned());
        tokio::time::sleep(LOOK_INTERVAL * 2).await;
        assert_eq!(checks.load(Ordering::SeqCst), 3, "at once when the public URL changes");

        watching.check_now();
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(checks.load(Ordering::SeqCst), 4, "when asked");

        *url.lock().unwrap() = None;
        tokio::time::sleep(LOOK_INTERVAL * 2).await;
        assert_eq!(checks.load(Ordering::SeqCst), 5, "once when the public URL is cleared");
        tokio::time::sleep(Duration::from_secs(900)).await;
        assert_eq!(checks.load(Ordering::SeqCst), 5, "not again while none is set");
        assert!(reports.has_changed().unwrap());
    }
}
