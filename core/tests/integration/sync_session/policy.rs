//! The Folio extensions: policy snapshots and rejections, only to Folio peers.

use super::*;

#[test]
fn policy_and_rejections_go_as_extensions_only_to_folio_peers() {
    let mut folio = server_peer(Limits::default());
    folio.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let mut plain = server_peer(Limits::default());
    plain.receive(&join("js", Some(vec!["1"]), false), Timestamp(0));

    assert!(matches!(folio.policy(3, vec![1]), Some(Message::Policy(_))));
    assert_eq!(plain.policy(3, vec![1]), None);

    let reasons = vec![RejectionReason {
        hash: None,
        reason: "read-only link".into(),
    }];
    assert!(matches!(
        folio.rejected(doc_id(), vec![], reasons.clone(), vec![], None),
        Some(Message::Rejected(_))
    ));
    let Some(Message::Error(e)) = plain.rejected(doc_id(), vec![], reasons, vec![], None) else {
        panic!()
    };
    assert_eq!(
        e.message,
        format!(
            "changes to document `{}` were refused: read-only link",
            doc_id()
        )
    );
}

#[test]
fn the_client_applies_newer_policy_snapshots_and_ignores_stale_ones() {
    let mut repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let policy = |revision| {
        Message::Policy(Policy {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            revision,
            snapshot: vec![revision as u8],
        })
    };
    assert_eq!(repo.receive(policy(2)).unwrap().events.len(), 1);
    assert_eq!(repo.receive(policy(1)).unwrap().events.len(), 0);
    assert_eq!(repo.receive(policy(2)).unwrap().events.len(), 0);
    let out = repo.receive(policy(5)).unwrap();
    assert!(
        matches!(&out.events[..], [ClientEvent::PolicyUpdated { revision: 5, snapshot }] if snapshot == &vec![5])
    );
    assert_eq!(repo.policy_revision(), Some(5));
}
