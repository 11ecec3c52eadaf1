//! The load generator: N keep-alive HTTP/1.1 connections (hyper), one task each, pulling request
//! numbers from a shared counter until the phase's request count or duration runs out.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where requests go: a loopback address, the path prefix every request path is appended to,
/// and the bearer token, if any.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub base_path: String,
    /// The serving process, for its CPU time and memory.
    pub pid: Option<u32>,
    host: HeaderValue,
    auth: Option<HeaderValue>,
}

impl Target {
    pub fn new(addr: SocketAddr, base_path: &str, token: Option<&str>, pid: Option<u32>) -> Self {
        Target {
            addr,
            pid,
            base_path: base_path.trim_end_matches('/').to_string(),
            host: HeaderValue::from_str(&addr.to_string()).expect("a socket address is a valid Host"),
            auth: token.map(|t| HeaderValue::from_str(&format!("Bearer {t}")).expect("tokens are ASCII")),
        }
    }
}

/// One request of a phase; `path` is relative to the target's base path.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<Bytes>,
}

impl Call {
    pub fn get(path: String) -> Self {
        Call { method: Method::GET, path, body: None }
    }
    pub fn post(path: String, body: String) -> Self {
        Call { method: Method::POST, path, body: Some(Bytes::from(body)) }
    }
    pub fn patch(path: String, body: String) -> Self {
        Call { method: Method::PATCH, path, body: Some(Bytes::from(body)) }
    }
}

/// How much load a phase puts on: connections, and whichever comes first of a request count
/// and a duration.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub connections: usize,
    pub max_requests: u64,
    pub duration: Duration,
}

/// Pulls a value (usually the new resource's id) out of a 2xx answer body.
pub type Extract = fn(&[u8]) -> Option<String>;

/// What a phase measured. Latencies are in microseconds, sorted, for every request that got an
/// answer (2xx or not); transport failures count as errors without a latency.
#[derive(Debug, Default)]
pub struct PhaseStats {
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub latencies_us: Vec<u32>,
    /// CPU time the serving process and the bench itself used during the phase, when known.
    pub server_cpu: Option<Duration>,
    pub bench_cpu: Option<Duration>,
    /// Context switches of the serving process's threads during the phase, when known.
    pub server_switches: Option<u64>,
}

impl PhaseStats {
    /// CPU microseconds per request of a process's CPU time during the phase.
    pub fn cpu_us_per_request(&self, cpu: Option<Duration>) -> Option<f64> {
        cpu.filter(|_| self.requests > 0).map(|c| c.as_secs_f64() * 1e6 / self.requests as f64)
    }

    pub fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }

    pub fn switches_per_request(&self) -> Option<f64> {
        self.server_switches.filter(|_| self.requests > 0).map(|n| n as f64 / self.requests as f64)
    }

    /// The latency at quantile `q` (0..=1) in milliseconds, nearest-rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((q * self.latencies_us.len() as f64).ceil() as usize).clamp(1, self.latencies_us.len());
        self.latencies_us[rank - 1] as f64 / 1000.0
    }
}

/// The outcome of one phase: its numbers, and what `extract` found, by request number.
pub struct PhaseOutcome {
    pub stats: PhaseStats,
    pub extracted: Vec<(u64, String)>,
}

struct WorkerResult {
    requests: u64,
    errors: u64,
    latencies_us: Vec<u32>,
    extracted: Vec<(u64, String)>,
}

/// Run one phase: `make(i)` builds request number `i`, for i = 0, 1, 2, … across all connections.
pub async fn run_phase(
    target: &Target,
    load: Load,
    make: Arc<dyn Fn(u64) -> Call + Send + Sync>,
    extract: Option<Extract>,
) -> PhaseOutcome {
    let next = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(Mutex::new(None::<String>));
    let started = Instant::now();
    let deadline = started + load.duration;
    let mut workers = Vec::with_capacity(load.connections);
    for _ in 0..load.connections.max(1) {
        let (target, make, next, first_error) = (target.clone(), make.clone(), next.clone(), first_error.clone());
        workers.push(tokio::spawn(async move {
            worker(&target, load.max_requests, deadline, &*make, extract, &next, &first_error).await
        }));
    }
    let mut stats = PhaseStats::default();
    let mut extracted = Vec::new();
    for w in workers {
        let r = w.await.expect("a load worker panicked");
        stats.requests += r.requests;
        stats.errors += r.errors;
        stats.latencies_us.extend(r.latencies_us);
        extracted.extend(r.extracted);
    }
    stats.elapsed = started.elapsed();
    stats.latencies_us.sort_unstable();
    stats.first_error = first_error.lock().unwrap().take();
    extracted.sort_unstable_by_key(|(i, _)| *i);
    PhaseOutcome { stats, extracted }
}

async fn worker(
    target: &Target,
    max_requests: u64,
    deadline: Instant,
    make: &(dyn Fn(u64) -> Call + Send + Sync),
    extract: Option<Extract>,
    next: &AtomicU64,
    first_error: &Mutex<Option<String>>,
) -> WorkerResult {
    let mut out =
        WorkerResult { requests: 0, errors: 0, latencies_us: Vec::with_capacity(4096), extracted: Vec::new() };
    let note_error = |msg: String| {
        let mut slot = first_error.lock().unwrap();
        if slot.is_none() {
            *slot = Some(msg);
        }
    };
    let mut conn: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        if Instant::now() >= deadline {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= max_requests {
            break;
        }
        if conn.is_none() {
            match connect(target.addr).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    out.requests += 1;
                    out.errors += 1;
                    note_error(format!("connecting to {}: {e}", target.addr));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
        }
        let sender = conn.as_mut().expect("connected above");
        let call = make(i);
        let request = build(target, call);
        let t0 = Instant::now();
        let answer = send(sender, request).await;
        let latency = t0.elapsed();
        out.requests += 1;
        match answer {
            Ok((status, body)) => {
                out.latencies_us.push(latency.as_micros().min(u32::MAX as u128) as u32);
                if status.is_success() {
                    if let Some(found) = extract.and_then(|f| f(&body)) {
                        out.extracted.push((i, found));
                    }
                } else {
                    out.errors += 1;
                    let text = String::from_utf8_lossy(&body[..body.len().min(600)]).into_owned();
                    note_error(format!("HTTP {status}: {text}"));
                }
            }
            Err(e) => {
                out.errors += 1;
                note_error(format!("transport error: {e}"));
                conn = None;
            }
        }
    }
    out
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes; errors surface on send.
        let _ = connection.await;
    });
    Ok(sender)
}

fn build(target: &Target, call: Call) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(call.method)
        .uri(format!("{}{}", target.base_path, call.path))
        .header(HOST, target.host.clone())
        .header(ACCEPT, HeaderValue::from_static("application/scim+json"));
    if let Some(auth) = &target.auth {
        builder = builder.header(AUTHORIZATION, auth.clone());
    }
    let body = match call.body {
        Some(b) => {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
            b
        }
        None => Bytes::new(),
    };
    builder.body(Full::new(body)).expect("bench requests are well-formed")
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, body))
}

/// Send one request on `conn` (connecting first when it is `None`, and dropping it after a
/// transport error so the next call reconnects).
pub async fn request_on(
    target: &Target,
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    call: Call,
) -> Result<(StatusCode, Bytes), String> {
    if conn.is_none() {
        *conn = Some(connect(target.addr).await?);
    }
    let sender = conn.as_mut().expect("connected above");
    let answer = send(sender, build(target, call)).await;
    if answer.is_err() {
        *conn = None;
    }
    answer
}

/// Send one request on a connection of its own.
pub async fn request_once(target: &Target, call: Call) -> Result<(StatusCode, Bytes), String> {
    request_on(target, &mut None, call).await
}

/// The top-level `"id"` of a JSON resource.
pub fn extract_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct WithId {
        id: String,
    }
    serde_json::from_slice::<WithId>(body).ok().map(|r| r.id)
}
