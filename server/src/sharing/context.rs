//! Loading a portfolio for a caller, answering "unknown" and "forbidden to
//! see" alike (404 `not_found`), and the checks every sharing route makes.

use std::sync::Arc;

use axum::http::StatusCode;
use folio_core::access::{Level, NodeId, Principal};
use folio_core::time::Timestamp;

use super::caller::Caller;
use crate::error::ApiError;
use crate::policy::{PolicyError, PortfolioPolicy};
use crate::state::AppState;
use crate::storage::{DocumentId, Portfolio};

/// A portfolio the caller can see at least part of.
#[derive(Debug)]
pub struct PortfolioCtx {
    /// Its registration.
    pub portfolio: Portfolio,
    /// Its engine.
    pub policy: Arc<PortfolioPolicy>,
    /// The instant of this request.
    pub now: Timestamp,
}

/// 403 `forbidden`, for callers who may see the portfolio but not do this.
pub fn forbidden(what: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", format!("you may not {what} here"))
}

impl PortfolioCtx {
    /// Loads `id` for `caller`: 404 when it does not exist *or* the caller can see none of it.
    pub async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<Self, ApiError> {
        let id = DocumentId::parse(id).map_err(|_| ApiError::not_found())?;
        let portfolio = state.storage().portfolio(&id).await?.ok_or_else(ApiError::not_found)?;
        let policy = match state.policy().portfolio(&id).await {
            Ok(p) => p,
            Err(PolicyError::UnknownPortfolio(_)) => return Err(ApiError::not_found()),
            Err(e) => return Err(ApiError::internal(&e)),
        };
        let now = state.clock().now();
        let sees = policy.read(|e| !e.visible(&caller.principal, now).is_empty());
        if !sees {
            return Err(ApiError::not_found());
        }
        Ok(PortfolioCtx { portfolio, policy, now })
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.policy.root()
    }

    /// A node id of this portfolio the caller can read; else 404 naming `field`.
    pub fn node(&self, caller: &Caller, raw: Option<&str>, field: &'static str) -> Result<NodeId, ApiError> {
        let node = raw.map_or_else(|| self.root(), NodeId::from);
        let known = self.policy.read(|e| e.node(&node).is_some() && e.can_read(&caller.principal, &node, self.now));
        if !known {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("there is no node `{node}` here that you can see")).with_field(field));
        }
        Ok(node)
    }

    /// The caller's level on `node` now.
    pub fn level(&self, principal: &Principal, node: &NodeId) -> Option<Level> {
        self.policy.read(|e| e.level(principal, node, self.now))
    }

    /// 403 unless the caller holds Manage on `node`.
    pub fn require_manage(&self, caller: &Caller, node: &NodeId) -> Result<(), ApiError> {
        if self.level(&caller.principal, node) == Some(Level::Manage) {
            Ok(())
        } else {
            Err(forbidden("manage access"))
        }
    }

    /// The owner's engine user id.
    pub fn owner_key(&self) -> String {
        self.portfolio.owner.0.to_string()
    }

    /// Reloads this portfolio's grants everywhere (live sessions within a second).
    pub async fn grants_changed(&self, state: &AppState) -> Result<(), ApiError> {
        state
            .policy()
            .grants_changed(&self.portfolio.id)
            .await
            .map_err(|e| ApiError::internal(&e))
    }
}

/// Formats an instant for mail (UTC, `YYYY-MM-DD HH:MM UTC`).
pub fn format_instant(t: Timestamp) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(t.millis() / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// The absolute URL of an app path, for mail: from `--public-url`, else from
/// the address the server listens on ([`AppState::link_origin`]).
pub fn public_link(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.link_origin())
}
