//! Editing a grant (level, flags, window): Manage on the node, never above
//! one's own level, never another node or subject, and no self-raising.

use folio_core::access::{Engine, Grant, GrantId, Level, Node, NodeKind, Principal, Subject};
use folio_core::time::Timestamp;

fn world() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("p", "olga")).unwrap();
    e.add_node(Node::child("c", NodeKind::Collection, "p")).unwrap();
    e.add_node(Node::child("c2", NodeKind::Collection, "p")).unwrap();
    e.add_grant(Grant::new(1, "c", Subject::user("ann"), Level::Comment)).unwrap();
    e.add_grant(Grant::new(2, "c", Subject::user("mia"), Level::Manage).between(None, Some(Timestamp(100)))).unwrap();
    e.add_grant(Grant::new(3, "p", Subject::user("sam"), Level::Write)).unwrap();
    e
}

#[test]
fn the_owner_may_change_level_flags_and_window_of_a_grant() {
    let e = world();
    let old = e.grant(GrantId(1)).unwrap().clone();
    let new = Grant { level: Level::Write, may_share: true, hide_feedback: true, ..old.clone() }.between(None, Some(Timestamp(50)));
    assert!(e.may_edit_grant(&Principal::user("olga"), &old, &new, Timestamp(0)));
}

#[test]
fn a_grant_keeps_its_node_and_subject() {
    let e = world();
    let old = e.grant(GrantId(1)).unwrap().clone();
    let moved = Grant { node: "c2".into(), ..old.clone() };
    let renamed = Grant { subject: Subject::user("bo"), ..old.clone() };
    let other_id = Grant { id: GrantId(9), ..old.clone() };
    let olga = Principal::user("olga");
    assert!(!e.may_edit_grant(&olga, &old, &moved, Timestamp(0)));
    assert!(!e.may_edit_grant(&olga, &old, &renamed, Timestamp(0)));
    assert!(!e.may_edit_grant(&olga, &old, &other_id, Timestamp(0)));
}

#[test]
fn editing_needs_manage_now_and_a_grantee_never_raises_their_own_grant() {
    let e = world();
    let old = e.grant(GrantId(1)).unwrap().clone();
    let raised = Grant { level: Level::Manage, ..old.clone() };
    // Ann may remove her own grant, but not raise it.
    assert!(e.may_revoke(&Principal::user("ann"), &old, Timestamp(0)));
    assert!(!e.may_edit_grant(&Principal::user("ann"), &old, &raised, Timestamp(0)));
    // Sam writes but does not manage.
    let lowered = Grant { level: Level::Read, ..old.clone() };
    assert!(!e.may_edit_grant(&Principal::user("sam"), &old, &lowered, Timestamp(0)));
    // Mia manages `c` until 100, then nothing.
    assert!(e.may_edit_grant(&Principal::user("mia"), &old, &raised, Timestamp(10)));
    assert!(!e.may_edit_grant(&Principal::user("mia"), &old, &lowered, Timestamp(100)));
}
