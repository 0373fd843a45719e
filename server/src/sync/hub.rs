//! Process-wide bookkeeping of live connections: ids, shutdown, draining.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::docs::ConnId;

/// Live `/sync` connections.
#[derive(Debug)]
pub struct SyncHub {
    next: AtomicU64,
    live: AtomicUsize,
    drained: Notify,
    shutdown: watch::Sender<bool>,
}

impl Default for SyncHub {
    fn default() -> Self {
        SyncHub { next: AtomicU64::new(1), live: AtomicUsize::new(0), drained: Notify::new(), shutdown: watch::channel(false).0 }
    }
}

/// Held by a connection task; counts it as live until dropped.
#[derive(Debug)]
pub struct Registration<'a> {
    hub: &'a SyncHub,
    /// The connection's id.
    pub id: ConnId,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.live.fetch_sub(1, Ordering::SeqCst);
        self.hub.drained.notify_waiters();
    }
}

impl SyncHub {
    /// Registers a new connection.
    pub fn register(&self) -> Registration<'_> {
        self.live.fetch_add(1, Ordering::SeqCst);
        Registration { hub: self, id: self.next.fetch_add(1, Ordering::Relaxed) }
    }

    /// A receiver that turns `true` when the server shuts down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Asks every connection to close (each sends a websocket close frame).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Live connections.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Waits until every connection has ended, or `limit` passed; `true` if drained.
    pub async fn drained(&self, limit: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.drained.notified();
                if self.live() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}
