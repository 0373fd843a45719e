//! Counters and gauges, exposed at `/metrics` in Prometheus' text format.
//!
//! Plain atomics, no registry crate: the set of metrics is small and fixed. The
//! sync code increments them (connections, open documents, accepted, rejected
//! and held changes); the accounts code counts sign-ins.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Open websocket connections.
    pub connections: AtomicI64,
    /// Documents loaded in memory (one actor each).
    pub documents_open: AtomicI64,
    /// Changes that passed the guard and were stored.
    pub changes_accepted: AtomicU64,
    /// Changes the guard refused.
    pub changes_rejected: AtomicU64,
    /// Changes that arrived before a change they build on and were held.
    pub changes_held: AtomicU64,
    /// Successful sign-ins.
    pub logins_succeeded: AtomicU64,
    /// Failed or refused (locked-out) sign-ins.
    pub logins_failed: AtomicU64,
}

impl Metrics {
    /// Renders every metric in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut one = |name: &str, kind: &str, help: &str, value: String| {
            let _ = write!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            );
        };
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        let gauge = |a: &AtomicI64| a.load(Ordering::Relaxed).to_string();
        one(
            "folio_connections",
            "gauge",
            "Open websocket connections.",
            gauge(&self.connections),
        );
        one(
            "folio_documents_open",
            "gauge",
            "Documents loaded in memory.",
            gauge(&self.documents_open),
        );
        one(
            "folio_changes_accepted_total",
            "counter",
            "Changes accepted and stored.",
            get(&self.changes_accepted),
        );
        one(
            "folio_changes_rejected_total",
            "counter",
            "Changes rejected by the guard.",
            get(&self.changes_rejected),
        );
        one(
            "folio_changes_held_total",
            "counter",
            "Changes held until a change they build on arrived.",
            get(&self.changes_held),
        );
        one(
            "folio_logins_succeeded_total",
            "counter",
            "Successful sign-ins.",
            get(&self.logins_succeeded),
        );
        one(
            "folio_logins_failed_total",
            "counter",
            "Failed or locked-out sign-ins.",
            get(&self.logins_failed),
        );
        out
    }
}

/// Adds one to a counter.
pub fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_as_prometheus_text_with_help_and_type() {
        let m = Metrics::default();
        inc(&m.changes_accepted);
        inc(&m.changes_accepted);
        m.connections.fetch_add(3, Ordering::Relaxed);
        let text = m.render();
        assert!(
            text.contains(
                "# TYPE folio_changes_accepted_total counter\nfolio_changes_accepted_total 2\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("# TYPE folio_connections gauge\nfolio_connections 3\n"),
            "{text}"
        );
        assert!(text.contains("folio_changes_rejected_total 0\n"), "{text}");
        assert!(
            text.lines()
                .all(|l| l.starts_with('#') || l.split(' ').count() == 2),
            "{text}"
        );
    }
}
