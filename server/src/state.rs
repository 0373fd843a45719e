//! The application state every handler receives.

use std::sync::Arc;

use crate::auth::limiter::LoginLimiter;
use crate::blobs::BlobStore;
use crate::clock::Clock;
use crate::config::{ConfigError, ServeConfig};
use crate::metrics::Metrics;
use crate::docs::DocRegistry;
use crate::policy::PolicyHub;
use crate::sync::SyncHub;
use crate::storage::Storage;
use crate::mail::Mailer;

/// Shared state: configuration, storage, clock, blob store, metrics and the
/// sign-in limiter. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ServeConfig,
    public_origin: Option<String>,
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    blobs: BlobStore,
    metrics: Metrics,
    limiter: LoginLimiter,
    mailer: Mailer,
    policy: PolicyHub,
    docs: DocRegistry,
    sync: SyncHub,
    pending_logins: crate::accounts::totp::PendingLogins,
    /// `http://host:port` of the bound listener, for links in mail when no
    /// public URL is configured (set once, after binding).
    served_at: std::sync::OnceLock<String>,
}

impl AppState {
    /// Assembles the state from its parts. Tests pass an in-memory storage and a manual clock.
    pub fn new(
        config: ServeConfig,
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConfigError> {
        let public_origin = config.public_origin()?;
        let blobs = BlobStore::new(
            &config.data_dir,
            config.limits.max_upload_bytes,
            storage.clone(),
        );
        let mailer = Mailer::new(&config, storage.clone(), clock.clone())?;
        let state = AppState {
            inner: Arc::new(Inner {
                config,
                public_origin,
                storage: storage.clone(),
                clock: clock.clone(),
                blobs,
                metrics: Metrics::default(),
                limiter: LoginLimiter::default(),
                mailer,
                policy: PolicyHub::new(storage.clone(), clock.clone()),
                docs: DocRegistry::default(),
                sync: SyncHub::default(),
                pending_logins: Default::default(),
                served_at: std::sync::OnceLock::new(),
            }),
        };
        crate::sharing::install(&state);
        Ok(state)
    }

    /// The configuration.
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }

    /// The configured public origin (`https://host`), if any.
    pub fn public_origin(&self) -> Option<&str> {
        self.inner.public_origin.as_deref()
    }

    /// Records the address the server listens on, the base of links in mail
    /// when no public URL is configured. An unspecified address (`0.0.0.0`,
    /// `::`) is named `localhost`: only `--public-url` can say which name
    /// others reach it by, and the server warns about that when it starts.
    pub fn set_served_at(&self, addr: std::net::SocketAddr) {
        let host = if addr.ip().is_unspecified() {
            "localhost".to_owned()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let _ = self.inner.served_at.set(format!("http://{host}:{}", addr.port()));
    }

    /// The origin links in mail start with: the public URL's, else the
    /// address the server listens on, else none (a relative link).
    pub fn link_origin(&self) -> &str {
        self.public_origin().or_else(|| self.inner.served_at.get().map(String::as_str)).unwrap_or("")
    }

    /// The storage.
    pub fn storage(&self) -> &dyn Storage {
        self.inner.storage.as_ref()
    }

    /// The storage, shared (for tasks that outlive a request).
    pub fn storage_arc(&self) -> Arc<dyn Storage> {
        self.inner.storage.clone()
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The sign-in limiter.
    pub fn limiter(&self) -> &LoginLimiter {
        &self.inner.limiter
    }

    /// Outgoing mail.
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// The access rules, cached per portfolio, with live change notifications.
    pub fn policy(&self) -> &PolicyHub {
        &self.inner.policy
    }

    /// The open documents (one actor each).
    pub fn docs(&self) -> &DocRegistry {
        &self.inner.docs
    }

    /// Live sync connections (ids, shutdown, draining).
    pub fn sync(&self) -> &SyncHub {
        &self.inner.sync
    }

    /// Sign-ins waiting for their second factor.
    pub fn pending_logins(&self) -> &crate::accounts::totp::PendingLogins {
        &self.inner.pending_logins
    }
}
