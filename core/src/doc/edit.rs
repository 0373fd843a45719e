//! Edits as data, and one type over the four documents.
//!
//! The typed documents ([`PortfolioDoc`], [`CollectionDoc`], [`PageDoc`],
//! [`FeedbackDoc`]) each have their own edit methods. A browser, a test script
//! or a property test needs the same edits as *values* it can build, send,
//! log and replay, so [`Edit`] describes every one of them as one serde-tagged
//! enum, and [`TypedDoc::apply`] dispatches it to the typed method. The wire
//! shape is a plain object with an `op` tag and the method's arguments:
//!
//! ```
//! use folio_core::doc::{Edit, NewDoc, TypedDoc, actor};
//!
//! let me = actor::actor_for("user:ada", [1; 16]);
//! let mut page = TypedDoc::create(me, NewDoc::Page { node: "pg".into(), collection: "c1".into() }).unwrap();
//! let edit: Edit = serde_json::from_str(r#"{"op":"add_section","parent":"pg","id":"intro","title":"Intro"}"#).unwrap();
//! page.apply(&edit).unwrap();
//! let patches = page.apply(&Edit::SpliceText { node: "intro".into(), index: 0, delete: 0, insert: "Hi".into() }).unwrap();
//! assert_eq!(serde_json::to_string(&patches).unwrap(), r#"[{"patch":"textSpliced","node":"intro","index":0,"text":"Hi"}]"#);
//! assert_eq!(serde_json::to_value(page.read()).unwrap()["kind"], "page");
//! ```
//!
//! An edit meant for another kind of document is refused with
//! [`EditError::WrongDocument`] before anything changes; every other error is
//! the typed method's own [`DocError`], and [`EditError::code`] names it for
//! programs (`not_found`, `duplicate`, …).

mod error;
mod op;
mod typed;

pub use error::{EditError, doc_error_code};
pub use op::Edit;
pub use typed::{DocView, NewDoc, NodeView, TypedDoc};

#[cfg(doc)]
use super::{CollectionDoc, DocError, FeedbackDoc, PageDoc, PortfolioDoc};

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;
    use crate::doc::{Anchor, Author, BlockKind, DocKind, DocPatch, DocumentId, actor};

    fn me() -> ActorId {
        actor::actor_for("user:ada", [4; 16])
    }

    #[test]
    fn an_edit_for_another_kind_of_document_changes_nothing() {
        let mut p = TypedDoc::create(me(), NewDoc::Portfolio { node: "pf".into(), title: "Mine".into() }).unwrap();
        let heads = p.heads();
        let err = p.apply(&Edit::Withdraw).unwrap_err();
        assert_eq!(err.code(), "wrong_document");
        assert_eq!(err.to_string(), "`withdraw` edits a page document, but this is a portfolio document; send it to the right document");
        assert_eq!(p.heads(), heads);
    }

    #[test]
    fn edits_read_from_json_reach_every_kind_of_document() {
        let doc = DocumentId::from_bytes([5; 16]).to_url();
        let cases = [
            (NewDoc::Portfolio { node: "pf".into(), title: "T".into() }, format!(r#"{{"op":"add_collection","id":"c1","title":"Y1","document":"{doc}"}}"#)),
            (NewDoc::Collection { node: "c1".into(), portfolio: "pf".into() }, format!(r#"{{"op":"add_page","id":"p1","title":"P","document":"{doc}","index":0}}"#)),
            (NewDoc::Page { node: "p1".into(), collection: "c1".into() }, r#"{"op":"add_node","parent":"p1","id":"r","title":"R","spec":{"type":"text"}}"#.to_owned()),
            (
                NewDoc::Feedback {
                    thread: "t".into(),
                    anchor: Anchor { doc: DocumentId::from_bytes([5; 16]), node: "p1".into() },
                    opener: "user:ada".into(),
                    author: Author { principal: "user:ada".into(), name: "Ada".into(), role: None, organisation: None },
                },
                r#"{"op":"add_comment","id":"e1","body":"Good","now":5}"#.to_owned(),
            ),
        ];
        for (new, json) in cases {
            let mut d = TypedDoc::create(me(), new).unwrap();
            let edit: Edit = serde_json::from_str(&json).unwrap();
            let patches = d.apply(&edit).unwrap();
            assert!(!patches.is_empty(), "{json}");
            let id = ["c1", "p1", "r", "e1"].into_iter().find(|id| d.read_node(id).is_some());
            assert!(id.is_some(), "the added item reads back: {json}");
            d.validate_for_test();
        }
    }

    #[test]
    fn saved_bytes_load_as_the_same_kind_and_merge_back() {
        let mut a = TypedDoc::create(me(), NewDoc::Page { node: "pg".into(), collection: "c".into() }).unwrap();
        a.apply(&Edit::AddSection { parent: "pg".into(), id: "s".into(), title: "S".into(), index: None }).unwrap();
        let mut b = TypedDoc::load(&a.save(), actor::actor_for("user:bob", [1; 16])).unwrap();
        assert_eq!(b.kind(), DocKind::Page);
        b.apply(&Edit::SpliceText { node: "s".into(), index: 0, delete: 0, insert: "from b".into() }).unwrap();
        let patches = a.merge_bytes(&b.save()).unwrap();
        assert_eq!(patches, vec![DocPatch::TextSpliced { node: "s".into(), index: 0, text: "from b".into() }]);
        assert_eq!(a.read(), b.read());
    }

    #[test]
    fn text_length_counts_code_points_and_block_markers() {
        let mut d = TypedDoc::create(me(), NewDoc::Page { node: "pg".into(), collection: "c".into() }).unwrap();
        d.apply(&Edit::AddSection { parent: "pg".into(), id: "s".into(), title: "S".into(), index: None }).unwrap();
        assert_eq!(d.text_length("s"), Some(0));
        // "é" is one code point (two UTF-8 bytes), "😀" one code point (two UTF-16 units).
        d.apply(&Edit::SpliceText { node: "s".into(), index: 0, delete: 0, insert: "é😀b".into() }).unwrap();
        assert_eq!(d.text_length("s"), Some(3));
        // A block marker counts as one: a marker at 0 gives the first paragraph one.
        d.apply(&Edit::SetBlock { node: "s".into(), index: 0, kind: BlockKind::Heading(2) }).unwrap();
        assert_eq!(d.text_length("s"), Some(4));
        // The length is exactly what a splice may reach, and no further.
        d.apply(&Edit::SpliceText { node: "s".into(), index: 4, delete: 0, insert: "!".into() }).unwrap();
        assert!(d.apply(&Edit::SpliceText { node: "s".into(), index: 6, delete: 0, insert: "?".into() }).is_err());
        assert_eq!(d.text_length("s"), Some(5));
        assert_eq!(d.text_length("nope"), None);
        assert_eq!(d.text_length("pg"), None, "the page itself has no text");
        let p = TypedDoc::create(me(), NewDoc::Portfolio { node: "pf".into(), title: "T".into() }).unwrap();
        assert_eq!(p.text_length("pf"), None);
    }

    impl TypedDoc {
        fn validate_for_test(&self) {
            crate::doc::schema::validate(self.automerge()).unwrap();
        }
    }
}
