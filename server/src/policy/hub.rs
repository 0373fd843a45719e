//! The hub: engines per portfolio, change notifications, expiry timers.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use folio_core::access::{Engine, GrantId, Principal};
use folio_core::time::Timestamp;
use tokio::sync::{Mutex, broadcast, watch};

use super::portfolio::PortfolioPolicy;
use super::principal::{TokenResolver, principal_for_user};
use super::tree::{TreeChange, apply};
use super::PolicyError;
use crate::clock::Clock;
use crate::storage::{DocumentId, Storage, UserId};

/// Why access may have changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyCause {
    /// A grant was added, changed or removed.
    Grants,
    /// Nodes were added, moved, renamed, submitted or deleted.
    Tree,
    /// The clock reached a grant's start or end.
    Time,
    /// Roles or memberships changed: principals must be resolved again.
    Principals,
}

/// A notification to live connections: re-check what you serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyEvent {
    /// Something about one portfolio changed.
    Portfolio {
        /// The portfolio.
        portfolio: DocumentId,
        /// Its engine revision after the change.
        revision: u64,
        /// Why.
        cause: PolicyCause,
    },
    /// Principals changed (roles, memberships, tokens): re-resolve and re-check everything.
    Everyone,
}

/// See the [module documentation](super).
#[derive(Clone)]
pub struct PolicyHub {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    portfolios: Mutex<HashMap<DocumentId, Arc<PortfolioPolicy>>>,
    events: broadcast::Sender<PolicyEvent>,
    tick: watch::Sender<u64>,
    tokens: RwLock<Option<Arc<dyn TokenResolver>>>,
}

impl fmt::Debug for PolicyHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHub").finish_non_exhaustive()
    }
}

/// How long a timer sleeps when no grant will ever start or end.
const IDLE_TIMER: Duration = Duration::from_secs(3600);

impl PolicyHub {
    /// A hub over `storage`, reading time from `clock`.
    pub fn new(storage: Arc<dyn Storage>, clock: Arc<dyn Clock>) -> Self {
        let (events, _) = broadcast::channel(1024);
        let (tick, _) = watch::channel(0);
        PolicyHub {
            inner: Arc::new(Inner {
                storage,
                clock,
                portfolios: Mutex::new(HashMap::new()),
                events,
                tick,
                tokens: RwLock::new(None),
            }),
        }
    }

    /// The current instant on the server's clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The engine of `portfolio`, loaded from storage on first use and cached.
    /// Starts the portfolio's expiry timer on first load.
    pub async fn portfolio(&self, portfolio: &DocumentId) -> Result<Arc<PortfolioPolicy>, PolicyError> {
        let mut map = self.inner.portfolios.lock().await;
        if let Some(p) = map.get(portfolio) {
            return Ok(p.clone());
        }
        let engine = self.load_engine(portfolio).await?;
        let policy = Arc::new(PortfolioPolicy::new(portfolio.clone(), engine));
        map.insert(portfolio.clone(), policy.clone());
        drop(map);
        tokio::spawn(timer(Arc::downgrade(&self.inner), Arc::downgrade(&policy)));
        Ok(policy)
    }

    async fn load_engine(&self, portfolio: &DocumentId) -> Result<Engine, PolicyError> {
        let storage = &self.inner.storage;
        let nodes = storage.portfolio_nodes(portfolio).await?;
        if nodes.first().is_none_or(|n| n.id.as_str() != portfolio.as_str()) {
            return Err(PolicyError::UnknownPortfolio(portfolio.to_string()));
        }
        let mut engine = Engine::new();
        for n in nodes {
            let id = n.id.clone();
            if let Err(e) = engine.add_node(n) {
                tracing::warn!(%portfolio, node = %id, error = %e, "stored node skipped");
            }
        }
        for g in storage.portfolio_grants(portfolio).await? {
            let id = g.grant.id;
            if let Err(e) = engine.add_grant(g.grant) {
                // A grant on a node that was deleted: it no longer applies.
                tracing::debug!(%portfolio, grant = %id, error = %e, "stored grant not loaded");
            }
        }
        Ok(engine)
    }

    /// Live notifications; every connection holds one receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<PolicyEvent> {
        self.inner.events.subscribe()
    }

    fn emit(&self, event: PolicyEvent) {
        let _ = self.inner.events.send(event);
    }

    /// Call after any change to the grants of `portfolio` (added, edited,
    /// revoked; a link or invitation created or ended). Reloads the grants
    /// into the cached engine and tells every live connection, which re-sends
    /// `folio-policy` and stops serving documents its peer can no longer read.
    pub async fn grants_changed(&self, portfolio: &DocumentId) -> Result<(), PolicyError> {
        let cached = self.inner.portfolios.lock().await.get(portfolio).cloned();
        let Some(policy) = cached else {
            // Not loaded: the next load reads the new grants. Connections may
            // still hold documents of it open through another path; tell them.
            self.emit(PolicyEvent::Portfolio { portfolio: portfolio.clone(), revision: 0, cause: PolicyCause::Grants });
            return Ok(());
        };
        let grants = self.inner.storage.portfolio_grants(portfolio).await?;
        let revision = policy.write(|engine| {
            let old: Vec<GrantId> = engine.grants().iter().map(|g| g.id).collect();
            for id in old {
                let _ = engine.remove_grant(id);
            }
            for g in grants {
                let _ = engine.add_grant(g.grant);
            }
            engine.revision()
        });
        self.emit(PolicyEvent::Portfolio { portfolio: portfolio.clone(), revision, cause: PolicyCause::Grants });
        Ok(())
    }

    /// Call after roles in portfolios, organisation memberships, or tokens
    /// and links themselves changed: connections resolve their principal
    /// again and re-check everything they serve.
    pub fn principals_changed(&self) {
        self.emit(PolicyEvent::Everyone);
    }

    /// Applies tree changes derived from accepted document changes: updates
    /// the cached engine incrementally, stores the skeleton, notifies.
    pub async fn apply_tree(&self, portfolio: &DocumentId, changes: &[TreeChange]) -> Result<(), PolicyError> {
        if changes.is_empty() {
            return Ok(());
        }
        let policy = self.portfolio(portfolio).await?;
        let (upserted, removed) = policy.write(|engine| apply(engine, changes));
        if upserted.is_empty() && removed.is_empty() {
            return Ok(());
        }
        self.inner.storage.put_nodes(portfolio, &upserted).await?;
        self.inner.storage.remove_nodes(portfolio, &removed).await?;
        self.emit(PolicyEvent::Portfolio { portfolio: portfolio.clone(), revision: policy.revision(), cause: PolicyCause::Tree });
        Ok(())
    }

    /// The principal of a signed-in user (see [`principal_for_user`]).
    pub async fn principal_for_user(&self, user: UserId) -> Result<Principal, PolicyError> {
        principal_for_user(self.inner.storage.as_ref(), user).await
    }

    /// The principal presenting a share-link or API-token secret, or `None`
    /// (unknown, revoked, expired, or no resolver installed yet).
    pub async fn resolve_token(&self, token: &str) -> Option<Principal> {
        let resolver = self.inner.tokens.read().unwrap_or_else(|e| e.into_inner()).clone();
        match resolver {
            Some(r) => r.resolve(token, self.now()).await,
            None => None,
        }
    }

    /// Installs the sharing code's token resolver (replacing any before).
    pub fn set_token_resolver(&self, resolver: Arc<dyn TokenResolver>) {
        *self.inner.tokens.write().unwrap_or_else(|e| e.into_inner()) = Some(resolver);
    }

    /// Tells the timers the clock moved (tests with a `ManualClock` call this
    /// after advancing it; the system clock needs nothing). Every portfolio
    /// timer re-reads the clock and fires if a grant started or ended.
    pub fn tick(&self) {
        self.inner.tick.send_modify(|n| *n += 1);
    }
}

/// One task per loaded portfolio: sleeps until the engine's next start or
/// end of a grant (or a tick, or a change), then notifies connections.
async fn timer(hub: Weak<Inner>, policy: Weak<PortfolioPolicy>) {
    let Some(inner) = hub.upgrade() else { return };
    let mut tick = inner.tick.subscribe();
    let clock = inner.clock.clone();
    drop(inner);
    loop {
        let Some(p) = policy.upgrade() else { return };
        let now = clock.now();
        let next = p.read(|e| e.next_change_any(now));
        let changed = p.changed.clone();
        drop(p);
        let wait = next.map_or(IDLE_TIMER, |t| {
            Duration::from_millis(u64::try_from(t.millis().saturating_sub(now.millis())).unwrap_or(0))
        });
        let notified = changed.notified();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = notified => continue,
            r = tick.changed() => if r.is_err() { return },
        }
        let now = clock.now();
        if next.is_some_and(|t| t <= now) {
            let (Some(inner), Some(p)) = (hub.upgrade(), policy.upgrade()) else { return };
            let _ = inner.events.send(PolicyEvent::Portfolio {
                portfolio: p.id().clone(),
                revision: p.revision(),
                cause: PolicyCause::Time,
            });
        }
    }
}
