//! # Policy: the authoritative access rules, cached and live
//!
//! The grants live in the database ([`GrantStore`](crate::storage::GrantStore),
//! table `grants`), never in a CRDT, so a revocation is immediate. The tree
//! skeleton they attach to (`nodes`) is derived from the documents by the
//! document actors (`crate::docs`) as changes are accepted. This module
//! keeps, per portfolio, a `folio_core` [`Engine`](folio_core::access::Engine)
//! built from both, and tells live connections when anything changed.
//!
//! ```text
//!  sharing API ──grants_changed(p)──▶ ┌──────────────── PolicyHub ───────────────┐
//!  roles/orgs ──principals_changed()─▶ │ portfolio(p) → Arc<PortfolioPolicy>      │
//!  doc actors ──apply_tree(p, ..)────▶ │   engine (RwLock), loaded on first use    │
//!  tests ───────tick()───────────────▶ │ timer per portfolio at next_change_any    │
//!                                      └────────── broadcast PolicyEvent ─────────┘
//!                                                    │ subscribe()
//!                                     every /sync connection: re-resolve principal,
//!                                     re-send folio-policy, drop unreadable docs
//! ```
//!
//! ## The API (for the sharing code)
//!
//! - [`PolicyHub::grants_changed`]`(portfolio).await` — call after *any* write
//!   to the `grants` table of that portfolio (grant added, edited or revoked;
//!   a share link, invitation or one-time invitation created or ended). It
//!   reloads that portfolio's grants into the cached engine and notifies.
//! - [`PolicyHub::principals_changed`]`()` — call after roles in a portfolio
//!   (`portfolio_roles`), organisation memberships, or a link/token itself
//!   (revoked, expired early) changed: every connection resolves its principal
//!   again and re-checks.
//! - [`PolicyHub::set_token_resolver`] — install a [`TokenResolver`] over the
//!   link and token stores; [`PolicyHub::resolve_token`] is the hook `/sync`
//!   (and any bearer-authenticated route) uses. Until one is installed every
//!   token is refused.
//! - [`PolicyHub::principal_for_user`] — the [`Principal`](folio_core::access::Principal)
//!   of an account: user id as decimal text, roles per portfolio (portfolio
//!   node id = portfolio id), organisation memberships (organisation id as
//!   decimal text). Grants name subjects the same way.
//! - [`PolicyHub::portfolio`]`(p).await` → [`PortfolioPolicy`]: `read(|engine| …)`
//!   for any check (`check`, `level`, `explain`, `may_grant`, `snapshot_for`).
//!   Never hold it across an await (it is a closure for that reason).
//! - [`PolicyHub::subscribe`] → [`PolicyEvent`]s; [`PolicyHub::tick`] wakes
//!   every timer to re-read the clock (tests move a `ManualClock` and tick;
//!   production timers sleep until the next start or end by themselves).
//!
//! ## Decisions
//!
//! - One engine per portfolio, not one for the server: node ids are chosen by
//!   clients and are unique only within their portfolio; a portfolio's engine
//!   is small and cheap to rebuild.
//! - On `grants_changed` the portfolio's grants are reloaded as a whole (a few
//!   hundred rows at most) rather than diffed; the tree stays incremental.
//! - Grants whose node no longer exists are kept in the database (for the
//!   audit trail) but not loaded: they cannot apply.
//! - A timer fires a [`PolicyCause::Time`] event when the server clock reaches
//!   the engine's `next_change_any`; connections then recompute at the clock's
//!   `now`, so an expiry cuts a live session without any request.

mod error;
mod hub;
mod portfolio;
mod principal;
mod tree;

pub use error::PolicyError;
pub use hub::{PolicyCause, PolicyEvent, PolicyHub};
pub use portfolio::PortfolioPolicy;
pub use principal::{TokenResolver, principal_for_user};
pub use tree::TreeChange;
