//! The application state every handler receives.

use std::sync::Arc;

use crate::auth::limiter::LoginLimiter;
use crate::blobs::BlobStore;
use crate::clock::Clock;
use crate::config::{ConfigError, ServeConfig};
use crate::metrics::Metrics;
use crate::storage::Storage;

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
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                public_origin,
                storage,
                clock,
                blobs,
                metrics: Metrics::default(),
                limiter: LoginLimiter::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }

    /// The configured public origin (`https://host`), if any.
    pub fn public_origin(&self) -> Option<&str> {
        self.inner.public_origin.as_deref()
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
}
