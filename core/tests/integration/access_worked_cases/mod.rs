//! Every worked case from the sources, as a named test: the five Karuta share
//! use-cases, both Blackboard overwrite examples, the Portflow hide-feedback
//! rule, an organisation grant reaching a later member, an automatic
//! revocation on a date, and a token scoped `view:own`.

use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::share::{
    Recipient, ShareDenied, ShareEffect, ShareLevel, ShareRequest, ShareSpec, Validity,
};
use folio_core::access::{
    Action, Category, Engine, Grant, GrantId, Level, LinkId, Node, NodeId, NodeKind, NodeState,
    Principal, Reason, RoleName, RoleRemoval, Scope, ScopeOp, Subject, TokenPrincipal, TokenScopes,
    UserId,
};
use folio_core::time::Timestamp;

const HOUR: i64 = 3_600_000;

fn id(s: &str) -> NodeId {
    NodeId::from(s)
}

/// Olga's portfolio: p › c (collection) › pg (page) › s (section) › r (resource),
/// plus a second collection c2 with page pg2.
fn olga() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("p", "olga").with_title("Olga's internship"))
        .unwrap();
    e.add_node(Node::child("c", NodeKind::Collection, "p"))
        .unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg"))
        .unwrap();
    e.add_node(Node::child("r", NodeKind::Resource, "s"))
        .unwrap();
    e.add_node(Node::child("c2", NodeKind::Collection, "p"))
        .unwrap();
    e.add_node(Node::child("pg2", NodeKind::Page, "c2"))
        .unwrap();
    e
}

fn request() -> ShareRequest {
    ShareRequest {
        typed_emails: vec!["ext@example.org".into()],
        link: LinkId::from("lnk-1"),
        grant_id: GrantId(900),
    }
}

fn owner() -> Principal {
    Principal::user("olga")
}

mod blackboard;
mod grantees_owner_conditions;
mod karuta;
mod organisations_dates_tokens;
mod portflow;
