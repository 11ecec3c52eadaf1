//! Keep the machine awake while a provisioning cycle is under way: each authorised SCIM request
//! touches [`KeepAwake`]; from the first request of a cycle until a span after its last, the
//! machine is asked not to go to idle sleep (on Linux: a logind inhibitor lock of kind "idle").
//! A suspend the admin asks for (the lid, the menu) is not held up.
//!
//! Within a cycle a touch costs two atomic loads (and a store once per look of the worker);
//! asking the OS for the lock and giving it back happen on a worker thread of their own, woken by
//! the first touch of a cycle.

mod cycle;
#[cfg(target_os = "linux")]
mod logind;
#[cfg(not(target_os = "linux"))]
mod unsupported;

#[cfg(target_os = "linux")]
use logind as os;
#[cfg(not(target_os = "linux"))]
use unsupported as os;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use cycle::Cycle;

/// How long the machine is kept awake after the last request. Entra sends a cycle's requests
/// seconds apart and begins the next cycle about 40 minutes later: 2 minutes covers the pauses
/// within a cycle (paging, retries after a 429) and lets the machine sleep soon after it ends.
pub const DEFAULT_SPAN: Duration = Duration::from_secs(120);

/// The engine's keep-awake service (see the module documentation).
pub struct KeepAwake {
    shared: Arc<Shared>,
    /// Started by the first touch, so that the CLI's other commands start no thread.
    worker: OnceLock<Option<Thread>>,
}

/// What the request path and the worker share.
struct Shared {
    /// The span in milliseconds; 0: keep-awake is off.
    span_ms: AtomicU64,
    /// A cycle is under way: the worker holds (or tried to take) the lock and watches requests.
    in_cycle: AtomicBool,
    /// A request arrived since the worker's last look.
    request_seen: AtomicBool,
    /// The source whose request began the cycle, for the lock's reason.
    first_source: Mutex<String>,
    /// The engine is gone: the worker gives the lock back and ends.
    closed: AtomicBool,
}

impl Default for KeepAwake {
    fn default() -> Self {
        KeepAwake::new()
    }
}

impl KeepAwake {
    /// Keep-awake with the default span ([`DEFAULT_SPAN`]).
    pub fn new() -> KeepAwake {
        KeepAwake {
            shared: Arc::new(Shared {
                span_ms: AtomicU64::new(DEFAULT_SPAN.as_millis() as u64),
                in_cycle: AtomicBool::new(false),
                request_seen: AtomicBool::new(false),
                first_source: Mutex::new(String::new()),
                closed: AtomicBool::new(false),
            }),
            worker: OnceLock::new(),
        }
    }

    /// Keep the machine awake until `span` after the last request; zero turns keep-awake off.
    /// A cycle already under way keeps the span it began with.
    pub fn set_span(&self, span: Duration) {
        self.shared.span_ms.store(u64::try_from(span.as_millis()).unwrap_or(u64::MAX), SeqCst);
    }

    /// How long the machine is kept awake after the last request (zero: not at all).
    pub fn span(&self) -> Duration {
        self.shared.span()
    }

    /// A request of `source` arrived. On the request path: atomics only, except on the first
    /// request of a cycle, which wakes the worker.
    pub fn touch(&self, source: &str) {
        let shared = &self.shared;
        // Loaded first, so that a burst does not write the same cache line from every thread.
        if !shared.request_seen.load(SeqCst) {
            shared.request_seen.store(true, SeqCst);
        }
        if !shared.in_cycle.load(SeqCst) {
            self.begin_cycle(source);
        }
    }

    #[cold]
    fn begin_cycle(&self, source: &str) {
        let shared = &self.shared;
        if shared.span().is_zero() || shared.in_cycle.swap(true, SeqCst) {
            return;
        }
        *shared.first_source.lock().unwrap_or_else(|e| e.into_inner()) = source.to_string();
        if let Some(worker) = self.worker.get_or_init(|| self.start_worker()) {
            worker.unpark();
        }
    }

    fn start_worker(&self) -> Option<Thread> {
        let shared = self.shared.clone();
        match thread::Builder::new().name("scimdesk-keep-awake".into()).spawn(move || watch(&shared)) {
            Ok(handle) => Some(handle.thread().clone()),
            Err(e) => {
                tracing::warn!(error = %e, "keep-awake could not start its thread: the machine may go to idle sleep while requests arrive");
                None
            }
        }
    }
}

impl Drop for KeepAwake {
    fn drop(&mut self) {
        self.shared.closed.store(true, SeqCst);
        if let Some(Some(worker)) = self.worker.get() {
            worker.unpark();
        }
    }
}

impl Shared {
    fn span(&self) -> Duration {
        Duration::from_millis(self.span_ms.load(SeqCst))
    }

    fn closed(&self) -> bool {
        self.closed.load(SeqCst)
    }
}

/// Whether keep-awake has been reported: the admin hears once that it cannot work here, and
/// once that it does, not at every cycle.
#[derive(Default)]
struct Reported {
    unavailable: bool,
    holding: bool,
}

/// The worker: wait for a cycle, take the lock, watch the requests until a span after the last,
/// give the lock back; again.
fn watch(shared: &Shared) {
    let mut reported = Reported::default();
    loop {
        while !shared.in_cycle.load(SeqCst) {
            if shared.closed() {
                return;
            }
            thread::park();
        }
        if shared.closed() {
            return;
        }
        let span = shared.span();
        if span.is_zero() {
            // Turned off since the request that began this cycle.
            shared.in_cycle.store(false, SeqCst);
            continue;
        }
        let source = shared.first_source.lock().unwrap_or_else(|e| e.into_inner()).clone();
        {
            let lock = take_lock(&source, span, &mut reported);
            if !wait_for_quiet(shared, span) {
                return;
            }
            if lock.is_some() {
                tracing::debug!(
                    "keep-awake: no request for {}, the machine may sleep again",
                    humantime::format_duration(span)
                );
            }
        } // The lock is given back here.
        shared.in_cycle.store(false, SeqCst);
        // A request between the last look and the line above saw the cycle under way and did
        // not wake the worker: it begins the next cycle now.
        if shared.request_seen.swap(false, SeqCst) {
            shared.in_cycle.store(true, SeqCst);
        }
    }
}

/// Watch the requests of the cycle until `span` passes without one; false if the engine closed
/// meanwhile.
fn wait_for_quiet(shared: &Shared, span: Duration) -> bool {
    let mut cycle = Cycle::start(Instant::now(), span);
    loop {
        // Woken early only when the engine closes; the cycle goes by the clock.
        thread::park_timeout(cycle.tick());
        if shared.closed() {
            return false;
        }
        if !cycle.look(Instant::now(), shared.request_seen.swap(false, SeqCst)) {
            return true;
        }
    }
}

/// Ask the OS to keep the machine awake; say once why it cannot, and carry on without.
fn take_lock(source: &str, span: Duration, reported: &mut Reported) -> Option<os::Lock> {
    let why = format!("Receiving provisioning from source \"{source}\" over SCIM");
    match os::acquire(&why) {
        Ok(lock) => {
            if !reported.holding {
                reported.holding = true;
                tracing::info!(
                    "keep-awake: the machine does not go to idle sleep while requests arrive, until {} after the last ({})",
                    humantime::format_duration(span),
                    os::MECHANISM
                );
            } else {
                tracing::debug!("keep-awake: requests arrive, the machine stays awake");
            }
            Some(lock)
        }
        Err(reason) => {
            if !reported.unavailable {
                reported.unavailable = true;
                tracing::info!(
                    "keep-awake is unavailable: {reason}. ScimDesk keeps serving, but the machine may go to idle sleep \
                     during a provisioning cycle (it tries again at the next cycle)"
                );
            } else {
                tracing::debug!("keep-awake is still unavailable: {reason}");
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touches_while_off_start_no_worker_and_no_cycle() {
        let keep_awake = KeepAwake::new();
        assert_eq!(keep_awake.span(), DEFAULT_SPAN);
        keep_awake.set_span(Duration::ZERO);
        for _ in 0..3 {
            keep_awake.touch("entra");
        }
        assert!(keep_awake.worker.get().is_none(), "a worker was started while keep-awake is off");
        assert!(!keep_awake.shared.in_cycle.load(SeqCst));
    }
}
