//! Edits as data: random sequences of `Edit`s, applied concurrently on two
//! replicas of a page, always leave valid documents that converge, and every
//! edit survives a JSON round trip (the shape the browser sends).

use folio_core::doc::{Edit, NewDoc, TypedDoc, actor};
use folio_core::time::Timestamp;
use proptest::prelude::*;

const NODES: [&str; 4] = ["a", "b", "c", "d"];

fn node() -> impl Strategy<Value = String> {
    prop::sample::select(NODES.to_vec()).prop_map(str::to_owned)
}

fn parent() -> impl Strategy<Value = String> {
    prop_oneof![Just("pg".to_owned()), node()]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (parent(), node(), "[a-z ]{0,8}", prop::option::of(0usize..4))
            .prop_map(|(parent, id, title, index)| Edit::AddSection { parent, id, title, index }),
        (node(), "[a-z ]{0,8}").prop_map(|(node, title)| Edit::Rename { node, title }),
        (node(), parent(), prop::option::of(0usize..4)).prop_map(|(node, parent, index)| Edit::MoveNode { node, parent, index }),
        node().prop_map(|node| Edit::DeleteNode { node }),
        (node(), 0usize..6, 0usize..3, "[a-zé🌍 ]{0,6}").prop_map(|(node, index, delete, insert)| Edit::SpliceText { node, index, delete, insert }),
        (0i64..100).prop_map(|t| Edit::Submit { now: Timestamp(t) }),
        Just(Edit::Withdraw),
    ]
}

fn page(n: u8) -> TypedDoc {
    TypedDoc::create(actor::actor_for("user:olga", [0; 16]), NewDoc::Page { node: "pg".into(), collection: "c".into() })
        .map(|mut d| {
            let bytes = d.save();
            TypedDoc::load(&bytes, actor::actor_for("user:olga", [n; 16])).unwrap()
        })
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn concurrent_random_edits_leave_valid_converging_documents(left in prop::collection::vec(edit(), 0..12), right in prop::collection::vec(edit(), 0..12)) {
        let base = page(1);
        let mut a = TypedDoc::load(&base.clone().save(), actor::actor_for("user:olga", [2; 16])).unwrap();
        let mut b = TypedDoc::load(&base.clone().save(), actor::actor_for("user:olga", [3; 16])).unwrap();
        for (doc, edits) in [(&mut a, &left), (&mut b, &right)] {
            for e in edits {
                let json = serde_json::to_string(e).unwrap();
                prop_assert_eq!(&serde_json::from_str::<Edit>(&json).unwrap(), e);
                let before = doc.heads();
                if doc.apply(e).is_err() {
                    prop_assert_eq!(doc.heads(), before, "a refused edit changes nothing");
                }
            }
        }
        let from_b = b.save();
        let from_a = a.save();
        a.merge_bytes(&from_b).unwrap();
        b.merge_bytes(&from_a).unwrap();
        prop_assert_eq!(a.read(), b.read());
        prop_assert_eq!(a.heads(), b.heads());
    }
}
