//! # The access engine
//!
//! Decides who may read, comment on, edit, delete and share which part of a
//! portfolio, and until when. It runs unchanged on the server (the final word)
//! and in the browser through `folio-wasm` (advisory: to show only what a person
//! may do). It never reads a clock: every query takes `now`.
//!
//! ## The model
//!
//! * **Tree** ([`tree`]): portfolio › collection › page › section › resource;
//!   sections nest. Portfolios name their owner, who always has `Manage`.
//! * **Levels** ([`Level`]): `Read < Comment < Write < Remove < Manage`; an
//!   [`Action`] needs one of them.
//! * **Subjects** ([`Subject`]): a user, a role in the portfolio, an
//!   organisation (optionally one role in it; future members included), a share
//!   link, an API token, the public.
//! * **Grants** ([`Grant`]) attach a level for a subject to a node and cover its
//!   subtree. The effective level is the highest grant *in force* on the node or
//!   an ancestor: within its optional `[start, end)` and with its optional
//!   [`Condition`] holding on the node it is attached to. Nothing subtracts, so
//!   an expired grant simply falls back to whatever else applies. Flags:
//!   `may_share` and `hide_feedback` ([`feedback`]).
//! * **Principals** ([`Principal`]): a user with their roles and memberships, a
//!   share link, an API token ([`token`]) or an anonymous visitor.
//!
//! ## The pieces
//!
//! * [`Engine`]: the indexed engine: incremental tree and grant updates,
//!   `check`, `access`, `explain`, `visible`, `next_change`, `may_grant`,
//!   `may_revoke`, `may_edit_grant`, `may_remove_role`, `may_move` (a page to
//!   another collection), `feedback_visible`.
//! * [`reference`](mod@reference): the slow, obviously correct evaluator it is tested against.
//! * [`snapshot`]: the [`PolicySnapshot`] a client receives, and the engine it
//!   loads from it.
//! * [`share`]: Karuta share specs (parse, print, evaluate).
//! * [`expr`]: the condition language.
//! * [`corpus`]: decision cases as data, and seeded generated worlds, to run the
//!   same decisions natively and in WebAssembly.
//!
//! Decisions taken here and written down: conditions are evaluated on the node
//! the grant is attached to; `hide_feedback` applies only if every grant in
//! force carries it; `owner` and `student` both name the owner's role; an
//! API token's `edit` scope gives `Write`, never `Remove` or `Manage`.
//!
//! ```
//! use folio_core::access::{Action, Engine, Grant, Level, Node, NodeKind, Principal, Subject};
//! use folio_core::time::Timestamp;
//! let mut e = Engine::new();
//! e.add_node(Node::portfolio("p", "olga")).unwrap();
//! e.add_node(Node::child("c", NodeKind::Collection, "p")).unwrap();
//! e.add_grant(Grant::new(1, "p", Subject::role("teacher"), Level::Comment)).unwrap();
//! let tom = Principal::user("tom").with_role("p", "teacher");
//! assert!(e.check(&tom, Action::Comment, &"c".into(), Timestamp(0)));
//! assert!(!e.check(&tom, Action::Write, &"c".into(), Timestamp(0)));
//! println!("{}", e.explain(&tom, Action::Write, &"c".into(), Timestamp(0)));
//! ```

pub mod corpus;
mod engine;
pub mod expr;
pub mod feedback;
pub mod grant;
pub mod ids;
pub mod level;
pub mod principal;
pub mod reference;
mod rules;
pub mod share;
pub mod snapshot;
pub mod token;
pub mod tree;

pub use engine::{Checker, Engine, EngineError, Explanation, MoveRefusal, Reason, RoleRemoval};
pub use expr::{Condition, ExprError, Value};
pub use feedback::FeedbackEntry;
pub use grant::{Grant, Subject, Timing};
pub use ids::{GrantId, LinkId, NodeId, OrgId, RoleName, TokenId, UserId};
pub use level::{Action, Level, ParseLevelError};
pub use principal::{OrgMembership, Principal, RoleMembership, TokenPrincipal, UserPrincipal};
pub use reference::World;
pub use rules::{Access, concerns};
pub use share::{ShareSpec, ShareSpecError};
pub use snapshot::{PolicySnapshot, SnapshotNode};
pub use token::{Category, CategoryScope, Relation, Scope, ScopeOp, TokenScopes};
pub use tree::{Node, NodeKind, NodeState};
