//! Portfolio and collection documents: titles follow the node they name.

use super::*;
use folio_core::doc::DocumentId;

#[test]
fn titles_in_portfolio_and_collection_documents_follow_the_node_they_name() {
    use folio_core::doc::{CollectionDoc, PortfolioDoc};
    let engine = engine();
    let olga = user("olga");
    let wendy = user("wendy");
    let sender = |p| Sender { principal: p, profile: None };

    // The owner creates the portfolio document and a collection in it.
    let mut pf = PortfolioDoc::create(actor::actor_for("user:olga", [1; 16]), "pf", "Olga").unwrap();
    pf.add_collection("c1", "Year 1", DocumentId::from_bytes([1; 16]), None).unwrap();
    let mut server = Automerge::new();
    assert!(guard(&mut server, pf.changes_since(&[]), sender(&olga), &engine, NOW).all_accepted());

    // Wendy (Write on the page only) may not add collections or rename the portfolio.
    let mut w = PortfolioDoc::load(&server.save(), actor::actor_for("user:wendy", [1; 16])).unwrap();
    let h = w.heads();
    w.add_collection("c2", "Mine", DocumentId::from_bytes([2; 16]), None).unwrap();
    w.set_metadata("Wendy's now", "").unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");

    // In the collection document she may rename her page but not add one.
    let mut c = CollectionDoc::create(actor::actor_for("user:olga", [1; 16]), "c1", "pf").unwrap();
    c.add_page("pg", "Page", DocumentId::from_bytes([3; 16]), None).unwrap();
    let mut server = Automerge::new();
    assert!(guard(&mut server, c.changes_since(&[]), sender(&olga), &engine, NOW).all_accepted());
    let mut w = CollectionDoc::load(&server.save(), actor::actor_for("user:wendy", [1; 16])).unwrap();
    let h = w.heads();
    w.rename_page("pg", "My page").unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert!(v.all_accepted(), "{v:#?}");
    let h = w.heads();
    w.add_page("pg2", "Another", DocumentId::from_bytes([4; 16]), None).unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
}
