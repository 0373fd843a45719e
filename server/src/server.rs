//! Starting, serving and stopping.
//!
//! [`start`] does everything `folio serve` does before accepting connections
//! (data directory, database, first administrator, binding the port) and
//! returns the bound listener; [`serve`] runs the application on any listener
//! until a shutdown future completes, then drains in-flight requests. Tests
//! bind port 0 and pass their own shutdown future; the binary passes
//! [`shutdown_signal`] (SIGINT or SIGTERM).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::bootstrap::{BootstrapError, FirstLogin, ensure_first_admin};
use crate::clock::SystemClock;
use crate::config::{ConfigError, ServeConfig};
use crate::routes::app;
use crate::state::AppState;
use crate::storage::{SqliteStorage, StorageError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("cannot create the data directory `{path}`: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The first administrator could not be set up.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The listen address could not be bound.
    #[error("cannot listen on `{addr}`: {source}; is another server using the port?")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A server ready to [`serve`].
#[derive(Debug)]
pub struct Started {
    /// The bound listener.
    pub listener: TcpListener,
    /// The address actually bound (the real port when asked for port 0).
    pub local_addr: SocketAddr,
    /// The application state.
    pub state: AppState,
    /// Set only on the first start of a new database: print it once.
    pub first_login: Option<FirstLogin>,
}

/// Prepares the data directory and database, creates the first administrator if
/// the database is new, and binds the listen address.
pub async fn start(config: ServeConfig) -> Result<Started, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let storage = Arc::new(SqliteStorage::open(&config.data_dir).await?);
    let state = AppState::new(config, storage, Arc::new(SystemClock))?;
    // Bind before creating the first administrator, so a start that fails on a
    // busy port does not use up the one-time credentials output.
    let addr = state.config().listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    state.set_served_at(local_addr);
    if state.public_origin().is_none() && local_addr.ip().is_unspecified() {
        tracing::warn!(
            %local_addr,
            "listening on every address without --public-url: links in mail will name localhost; set --public-url to the address people use"
        );
    }
    let first_login =
        ensure_first_admin(state.storage(), state.clock(), &state.config().data_dir).await?;
    Ok(Started {
        listener,
        local_addr,
        state,
        first_login,
    })
}

/// Serves the application on `listener` until `shutdown` completes, then stops
/// accepting, lets in-flight requests finish and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    let janitor = tokio::spawn(janitor(state.clone()));
    // Websockets are detached from hyper once upgraded: tell them to close
    // when shutdown begins, and wait for them (bounded) after the HTTP side.
    let sync_state = state.clone();
    let shutdown = async move {
        shutdown.await;
        sync_state.sync().shut_down();
    };
    // No Nagle: sync frames are small and latency-bound (a relayed edit must
    // not wait for a delayed ACK, ~40 ms).
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let result = axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    if !state.sync().drained(Duration::from_secs(5)).await {
        tracing::warn!(live = state.sync().live(), "sync connections still open at shutdown");
    }
    janitor.abort();
    tracing::info!("stopped");
    result
}

/// Periodic housekeeping: expired sessions and stale sign-in counters.
async fn janitor(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = state.clock().now();
        match state.storage().purge_expired_sessions(now).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(n, "purged expired sessions"),
            Err(e) => tracing::warn!(error = %e, "cannot purge expired sessions"),
        }
        state.limiter().prune(now);
    }
}

/// Installs SIGINT and SIGTERM handlers now and returns a future that completes
/// on the first of them. Call it before announcing the server, so a signal sent
/// right after the announcement is never missed (nor kills the process outright).
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
                _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::info!("Ctrl-C: shutting down");
            } else {
                std::future::pending::<()>().await;
            }
        })
    }
}
