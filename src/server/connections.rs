//! Accepting and keeping connections: HTTP/1.1 through hyper, with the limits axum's `serve`
//! does not give ([`Limits`]). A request head must be complete within the header-read timeout
//! (15 s) of its first byte, and a new connection's first head within 15 s of connecting; a
//! keep-alive connection with no request for the idle timeout (150 s) is closed; at most 4,096
//! connections are open at once, and when that many are, a newcomer takes the place of the
//! oldest connection that never sent a request, else of the one idle the longest (at least 2 s).
//!
//! Why these values: Entra's requests and the tunnels' (cloudflared, ngrok) arrive with the
//! whole head in one packet, so 15 s for a head is generous. The tunnels keep their connections
//! to us pooled and reuse them for up to 90 s of quiet (Go's HTTP transport, which both use),
//! and .NET's pool (Entra's side, when a port is forwarded) up to 2 minutes: a server that closes
//! an idle connection first risks a tunnel sending a request on it just as it closes. 150 s is
//! longer than both, so ScimDesk is never the one to cut a connection that a client still
//! counts on.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use super::Limits;

/// A connection that has served requests must have been idle this long before it is closed to
/// make room (one that never sent a request makes room at once).
const EVICT_MIN_AGE: Duration = Duration::from_secs(2);

/// How long a graceful stop waits for requests in flight before closing what is left.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

const IDLE: u8 = 0;
const HEAD: u8 = 1;
const BUSY: u8 = 2;

/// What one connection is doing, shared by its reader, its service and its watchdog.
struct ConnectionState {
    /// IDLE (between requests), HEAD (part of a head has arrived), BUSY (a request is served).
    phase: AtomicU8,
    /// Milliseconds since the server's epoch when the phase began.
    since: AtomicU64,
    /// Asks the connection to close (to make room) if it is not serving a request.
    evict: Notify,
    /// Whether a whole request head has arrived on this connection: Entra's and a tunnel's do at
    /// once; a connection opened and abandoned never does.
    proven: AtomicBool,
}

impl ConnectionState {
    fn enter(&self, phase: u8, epoch: Instant) {
        if phase == BUSY {
            self.proven.store(true, Ordering::Relaxed);
        }
        self.since.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.phase.store(phase, Ordering::Release);
    }

    /// When the connection is to be closed for having waited too long in its phase.
    fn deadline(&self, epoch: Instant, limits: &Limits) -> Option<Instant> {
        let limit = match self.phase.load(Ordering::Acquire) {
            // A connection that has not yet sent one request gets as long for its first head
            // as for any head, whether or not a byte of it has come.
            IDLE if self.proven.load(Ordering::Relaxed) => limits.idle_timeout,
            IDLE | HEAD => limits.header_read_timeout,
            _ => return None,
        };
        Some(epoch + Duration::from_millis(self.since.load(Ordering::Relaxed)) + limit)
    }
}

/// The open connections, for the limit and for choosing which one makes room.
struct Registry {
    epoch: Instant,
    open: Mutex<Vec<Arc<ConnectionState>>>,
    count: AtomicUsize,
    /// Signalled whenever a connection closes.
    closed: Notify,
}

impl Registry {
    fn add(&self) -> Arc<ConnectionState> {
        let state = Arc::new(ConnectionState {
            phase: AtomicU8::new(IDLE),
            since: AtomicU64::new(self.epoch.elapsed().as_millis() as u64),
            evict: Notify::new(),
            proven: AtomicBool::new(false),
        });
        self.open.lock().expect("connection registry").push(state.clone());
        self.count.fetch_add(1, Ordering::AcqRel);
        state
    }

    fn remove(&self, state: &Arc<ConnectionState>) {
        self.open.lock().expect("connection registry").retain(|s| !Arc::ptr_eq(s, state));
        self.count.fetch_sub(1, Ordering::AcqRel);
        self.closed.notify_waiters();
    }

    /// Ask one connection to close to make room: the oldest that has not yet sent a request,
    /// else the one idle the longest if for at least [`EVICT_MIN_AGE`]. `Err(wait)`: none can
    /// be closed yet; try again after `wait` (or when a connection closes).
    fn evict_one(&self) -> Result<(), Duration> {
        let open = self.open.lock().expect("connection registry");
        let waiting = |s: &&Arc<ConnectionState>| s.phase.load(Ordering::Acquire) != BUSY;
        let unproven = open
            .iter()
            .filter(waiting)
            .filter(|s| !s.proven.load(Ordering::Relaxed))
            .min_by_key(|s| s.since.load(Ordering::Relaxed));
        if let Some(victim) = unproven {
            victim.evict.notify_one();
            return Ok(());
        }
        let Some(victim) = open.iter().filter(waiting).min_by_key(|s| s.since.load(Ordering::Relaxed)) else {
            return Err(EVICT_MIN_AGE);
        };
        let age = self.epoch.elapsed().saturating_sub(Duration::from_millis(victim.since.load(Ordering::Relaxed)));
        if age < EVICT_MIN_AGE {
            return Err(EVICT_MIN_AGE - age);
        }
        victim.evict.notify_one();
        Ok(())
    }
}

/// The TCP stream, telling its connection's state when the first byte of a head arrives.
struct WatchedStream {
    stream: TcpStream,
    state: Arc<ConnectionState>,
    epoch: Instant,
}

impl AsyncRead for WatchedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before && self.state.phase.load(Ordering::Acquire) == IDLE {
            self.state.enter(HEAD, self.epoch);
        }
        polled
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then let requests in flight finish
/// (for at most 30 s) and return.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let limits = Limits { max_connections: open_files_for(limits.max_connections), ..limits };
    let registry = Arc::new(Registry {
        epoch: Instant::now(),
        open: Mutex::new(Vec::new()),
        count: AtomicUsize::new(0),
        closed: Notify::new(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut at_limit_logged = false;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // At the limit, the newcomer takes the place of a connection that never sent a request,
        // else of the one idle the longest; when none can go yet, it waits.
        while registry.count.load(Ordering::Acquire) >= limits.max_connections {
            if !at_limit_logged {
                tracing::warn!(
                    limit = limits.max_connections,
                    "connection limit reached: each new connection takes the place of the oldest one that \
                     never sent a request, else of the one idle the longest; until one can go, new ones wait"
                );
                at_limit_logged = true;
            }
            let closed = registry.closed.notified();
            let wait = match registry.evict_one() {
                Ok(()) => Duration::from_millis(100),
                Err(wait) => wait,
            };
            tokio::select! {
                _ = tokio::time::timeout(wait, closed) => {}
                _ = &mut shutdown => return drain(registry, stop_tx).await,
            }
        }
        if registry.count.load(Ordering::Acquire) < limits.max_connections / 2 {
            at_limit_logged = false;
        }
        let _ = stream.set_nodelay(true);
        let state = registry.add();
        tokio::spawn(connection(stream, peer, app.clone(), limits, state, registry.clone(), stop_rx.clone()));
    }
    drain(registry, stop_tx).await
}

/// Tell every connection to finish, and wait for them (at most [`SHUTDOWN_GRACE`]).
async fn drain(registry: Arc<Registry>, stop: watch::Sender<bool>) {
    let _ = stop.send(true);
    let all_closed = async {
        loop {
            let closed = registry.closed.notified();
            if registry.count.load(Ordering::Acquire) == 0 {
                return;
            }
            closed.await;
        }
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed).await.is_err() {
        tracing::warn!("some connections were still open {SHUTDOWN_GRACE:?} after the stop; they are closed");
    }
}

/// Descriptors kept for the database files, the log and the listener, besides connections.
const OTHER_FILES: usize = 64;

/// Raise this process's limit of open files (its soft limit, up to the hard one) so that
/// `connections` fit; the number of connections that do fit.
#[cfg(unix)]
fn open_files_for(connections: usize) -> usize {
    let wanted = libc::rlim_t::try_from(connections + OTHER_FILES).unwrap_or(libc::rlim_t::MAX);
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write only the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return connections;
    }
    if limit.rlim_cur < wanted {
        let raised = libc::rlimit { rlim_cur: wanted.min(limit.rlim_max), ..limit };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    let fit = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX).saturating_sub(OTHER_FILES);
    if fit < connections {
        tracing::warn!(
            connections = fit,
            asked = connections,
            "this process may open only {} files: at most {fit} connections at once (raise `ulimit -n`)",
            limit.rlim_cur
        );
    }
    connections.min(fit.max(1))
}

#[cfg(not(unix))]
fn open_files_for(connections: usize) -> usize {
    connections
}

async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    // Out of file descriptors, most likely: wait for some to close.
    tracing::error!(error = %e, "could not accept a connection");
    tokio::time::sleep(Duration::from_millis(250)).await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    state: Arc<ConnectionState>,
    registry: Arc<Registry>,
    mut stop: watch::Receiver<bool>,
) {
    tracing::trace!(%peer, "connection accepted");
    let epoch = registry.epoch;
    let io = TokioIo::new(WatchedStream { stream, state: state.clone(), epoch });
    let service_state = state.clone();
    let service = app.map_request(|req: axum::http::Request<Incoming>| req.map(Body::new));
    let service = tower::service_fn(move |req| {
        service_state.enter(BUSY, epoch);
        let service_state = service_state.clone();
        let call = service.clone().oneshot(req);
        async move {
            let answer = call.await;
            service_state.enter(IDLE, epoch);
            answer
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The timeouts are this module's (a head's and an idle connection's differ); hyper's timer
    // serves only its own bookkeeping.
    builder.timer(TokioTimer::new()).header_read_timeout(None).keep_alive(true);
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        // The watchdog is not woken by each request (that would cost a wake-up and a timer per
        // request): it looks at least once per header-read timeout, so a head that starts while
        // it sleeps is cut at most that much late.
        let check_by = Instant::now() + limits.header_read_timeout;
        let wake = state.deadline(epoch, &limits).map_or(check_by, |at| at.min(check_by));
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                break;
            }
            _ = tokio::time::sleep_until(wake.into()) => {
                if state.deadline(epoch, &limits).is_some_and(|at| Instant::now() >= at) {
                    let phase = state.phase.load(Ordering::Acquire);
                    let why = if phase == HEAD { "a request head not finished in time" } else { "idle for too long" };
                    tracing::debug!(%peer, why, "connection closed");
                    break;
                }
            }
            _ = state.evict.notified() => {
                if state.phase.load(Ordering::Acquire) != BUSY {
                    tracing::debug!(%peer, "idle connection closed to make room for a new one");
                    break;
                }
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    registry.remove(&state);
    tracing::trace!(%peer, "connection closed");
}
