//! `scimdesk serve`: where to listen, waiting for the data folder to be free, serving until a
//! signal, and what the server logs meanwhile (health alerts; on PostgreSQL, the other
//! instances' activity as events).

use std::net::SocketAddr;
use std::sync::Arc;

use scimdesk::server::Limits;
use scimdesk::{Claim, Engine, Server, ServerKind, ServingLock};

use super::CliError;

/// Where to listen: `--bind` (or `SCIMDESK_BIND`), else the bind setting.
fn bind_address(engine: &Engine, bind: Option<String>) -> Result<SocketAddr, CliError> {
    Ok(match bind {
        Some(b) => scimdesk::settings::parse_bind(&b)?,
        None => engine.settings().current()?.bind,
    })
}

#[cfg(target_os = "linux")]
pub(super) async fn serve_in_tray(
    engine: Arc<Engine>,
    bind: Option<String>,
    limits: Limits,
    from_window: bool,
) -> Result<(), CliError> {
    let handover = scimdesk::handover::Handover::take_from_env();
    let addr = bind_address(&engine, bind)?;
    super::tray::run(engine, addr, limits, handover, from_window).await
}

#[cfg(not(target_os = "linux"))]
pub(super) async fn serve_in_tray(_: Arc<Engine>, _: Option<String>, _: Limits, _: bool) -> Result<(), CliError> {
    Err(scimdesk::EngineError::InvalidInput(
        "--tray is for Linux desktops; elsewhere the desktop app keeps its own tray".into(),
    )
    .into())
}

pub(super) async fn serve(engine: Arc<Engine>, bind: Option<String>, limits: Limits) -> Result<(), CliError> {
    let addr = bind_address(&engine, bind)?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            "listening on {addr}, which other machines can reach: anyone who can connect sees the SCIM endpoint. \
             The usual set-up binds 127.0.0.1 and lets a tunnel (cloudflared, ngrok) connect to it"
        );
    }
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut lock = tokio::select! {
        lock = claim_when_free(&engine) => lock?,
        _ = &mut shutdown => return Ok(()),
    };
    let server = scimdesk::server::start_with(engine.clone(), addr, limits).await?;
    let lock_error =
        |source| CliError::ServingLock { path: engine.data_dir().join(scimdesk::serving::RECORD_FILE), source };
    lock.set_listening(Some(server.local_addr())).map_err(lock_error)?;
    println!("ScimDesk is listening on http://{}", server.local_addr());
    println!("Data: {}", engine.database());
    // Listening, the server serves whatever happens next: a database gone for a moment (it
    // answers 503 meanwhile) is a warning here, not a reason to stop.
    match engine.sources().list() {
        Ok(sources) => {
            for s in sources {
                println!("Source {:<20} {}", s.slug, s.scim_base_url);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not list the sources"),
    }
    let alerts = log_alerts(engine.watch_health(HEALTH_WATCH_INTERVAL));
    // On a shared database, the other instances' requests are this server's events too.
    let others = engine.database().is_postgres().then(|| follow_other_instances(&engine));
    shutdown.await;
    alerts.abort();
    if let Some(others) = others {
        others.abort();
    }
    tracing::info!("shutting down: finishing requests in flight");
    server.stop().await;
    drop(lock);
    Ok(())
}

/// How often `serve` looks at the sources' health (a few indexed reads).
const HEALTH_WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a server on PostgreSQL looks for the other instances' activity rows.
const FOLLOW_OTHER_INSTANCES: std::time::Duration = std::time::Duration::from_millis(250);

/// Publish the other instances' activity as this server's events, starting as soon as the
/// database answers.
fn follow_other_instances(engine: &Arc<Engine>) -> tokio::task::JoinHandle<()> {
    let engine = engine.clone();
    tokio::spawn(async move {
        loop {
            match engine.activity().follow_other_instances(FOLLOW_OTHER_INSTANCES) {
                Ok(following) => {
                    // Held until the server stops (the task is aborted then).
                    std::future::pending::<()>().await;
                    drop(following);
                }
                Err(e) => {
                    tracing::debug!(error = %e, "cannot follow the other instances' activity yet");
                    tokio::time::sleep(FOLLOW_OTHER_INSTANCES * 4).await;
                }
            }
        }
    })
}

/// Log each alert of the health watch, for an admin who reads the service's log.
fn log_alerts(mut watch: scimdesk::HealthWatch) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(alert) = watch.next().await {
            if alert.needs_action() {
                tracing::warn!(source = alert.slug(), "{}", alert.message());
            } else {
                tracing::info!(source = alert.slug(), "{}", alert.message());
            }
        }
    })
}

/// Serve the data folder as soon as no other process does: when the window serves it (the admin
/// opened ScimDesk before the service started), wait for the window to quit.
async fn claim_when_free(engine: &Engine) -> Result<ServingLock, CliError> {
    let mut told = false;
    loop {
        let claim = engine.claim_serving(ServerKind::Service).map_err(|source| CliError::ServingLock {
            path: engine.data_dir().join(scimdesk::serving::LOCK_FILE),
            source,
        })?;
        match claim {
            Claim::Granted(lock) => return Ok(lock),
            Claim::Held(server) if !told => {
                told = true;
                let who = match server {
                    Some(Server { kind: ServerKind::Window, pid, listening }) => {
                        format!("the ScimDesk window (pid {pid}{}) serves", on(listening.as_deref()))
                    }
                    Some(Server { kind: ServerKind::Tray, pid, listening }) => {
                        format!("ScimDesk in the tray (pid {pid}{}) serves", on(listening.as_deref()))
                    }
                    Some(Server { kind: ServerKind::Service, pid, listening }) => {
                        format!("another scimdesk serve (pid {pid}{}) serves", on(listening.as_deref()))
                    }
                    None => "another ScimDesk process serves".to_owned(),
                };
                tracing::warn!("{who} {}: waiting, and serving as soon as it stops", engine.data_dir().display());
            }
            Claim::Held(_) => {}
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

fn on(listening: Option<&str>) -> String {
    listening.map(|addr| format!(", on {addr}")).unwrap_or_default()
}

/// Resolves at Ctrl-C or SIGTERM. The handlers are installed when this is called, not when it is
/// first awaited, so a signal that comes early still stops ScimDesk gracefully.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (interrupt, terminate) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()));
        async move {
            let wait = |stream: std::io::Result<tokio::signal::unix::Signal>| async move {
                match stream {
                    Ok(mut stream) => {
                        stream.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! { _ = wait(interrupt) => {}, _ = wait(terminate) => {} }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
