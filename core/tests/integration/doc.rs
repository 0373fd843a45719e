//! The typed document layer: every edit through the API, read back as plain
//! structs, reported as view patches, and valid against the schema.

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use folio_core::doc::{
    Anchor, Author, BlockKind, CollectionDoc, DocPatch, DocumentId, Evaluation, EntryKind, Feedback, FeedbackDoc, FileRef,
    Format, NodeContent, PageDoc, PortfolioDoc, actor, schema,
};
use folio_core::time::Timestamp;

fn ada() -> automerge::ActorId {
    actor::actor_for("user:ada", [1; 16])
}

fn page() -> PageDoc {
    let mut p = PageDoc::create(ada(), "pg", "c1").unwrap();
    p.add_section("pg", "s1", "One", None).unwrap();
    p.add_section("pg", "s2", "Two", None).unwrap();
    p
}

fn file() -> FileRef {
    FileRef { hash: "ab".repeat(32), name: "cv.pdf".into(), mime: "application/pdf".into(), size: 1234 }
}

#[test]
fn a_new_page_reads_back_with_nested_sections_in_order() {
    let mut p = page();
    p.add_section("pg", "s0", "Zero", Some(0)).unwrap();
    p.add_section("s1", "s1a", "One A", None).unwrap();
    p.add_node("s1a", "note", "Note", folio_core::doc::NodeSpec::Text, None).unwrap();
    p.attach_file("s2", "cv", file()).unwrap();
    let page = p.read();
    let titles: Vec<_> = page.children.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Zero", "One", "Two"]);
    assert_eq!(page.children[1].children[0].id, "s1a");
    assert_eq!(page.children[1].children[0].children[0].id, "note");
    assert_eq!(page.children[2].children[0].content, NodeContent::File(file()));
    assert_eq!(page.collection, "c1");
    p.validate().unwrap();
}

#[test]
fn ids_must_be_fresh_and_well_formed() {
    let mut p = page();
    assert!(p.add_section("pg", "s1", "again", None).is_err());
    assert!(p.add_section("pg", "pg", "the page itself", None).is_err());
    assert!(p.add_section("pg", "a/b", "slash", None).is_err());
    assert!(p.add_section("nowhere", "x", "orphan", None).is_err());
    p.attach_file("pg", "f", file()).unwrap();
    assert!(p.add_section("f", "x", "under a file", None).is_err());
}

#[test]
fn splicing_text_reports_text_patches_and_reads_back() {
    let mut p = page();
    let patches = p.splice_text("s1", 0, 0, "Hello world").unwrap();
    assert_eq!(patches, vec![DocPatch::TextSpliced { node: "s1".into(), index: 0, text: "Hello world".into() }]);
    let patches = p.splice_text("s1", 5, 6, "!").unwrap();
    assert_eq!(
        patches,
        vec![
            DocPatch::TextSpliced { node: "s1".into(), index: 5, text: "!".into() },
            DocPatch::TextDeleted { node: "s1".into(), index: 6, length: 6 },
        ]
    );
    assert_eq!(p.text("s1").unwrap(), "Hello!");
    assert!(p.splice_text("s1", 10, 1, "x").is_err());
}

#[test]
fn marks_and_blocks_give_rich_text() {
    let mut p = page();
    p.splice_text("s1", 0, 0, "TitleBody text link").unwrap();
    p.set_block("s1", 0, BlockKind::Heading(2)).unwrap();
    // after the marker at 0, "Title" is 1..6; start a paragraph before "Body"
    p.set_block("s1", 6, BlockKind::Paragraph).unwrap();
    let t = p.text("s1").unwrap();
    // text indices count code points; the block markers are U+FFFC
    let at = |needle: &str| t[..t.find(needle).unwrap()].chars().count();
    let body = at("Body");
    p.format("s1", body, body + 4, Format::Bold, true).unwrap();
    let link = at("link");
    p.format("s1", link, link + 4, Format::Link("https://example.org".into()), true).unwrap();
    assert!(p.format("s1", 0, 1, Format::Link("javascript:alert(1)".into()), true).is_err());
    let rich = p.rich_text("s1").unwrap();
    assert_eq!(rich.blocks.len(), 2);
    assert_eq!(rich.blocks[0].kind, BlockKind::Heading(2));
    assert_eq!(rich.blocks[0].runs[0].text, "Title");
    assert_eq!(rich.blocks[1].kind, BlockKind::Paragraph);
    assert!(rich.blocks[1].runs.iter().any(|r| r.bold && r.text == "Body"));
    assert!(rich.blocks[1].runs.iter().any(|r| r.link.as_deref() == Some("https://example.org") && r.text == "link"));
    assert_eq!(rich.plain(), "Title\nBody text link");
    // turning the heading into a list item replaces the marker
    p.set_block("s1", 0, BlockKind::UnorderedListItem).unwrap();
    assert_eq!(p.rich_text("s1").unwrap().blocks[0].kind, BlockKind::UnorderedListItem);
    p.format("s1", body, body + 4, Format::Bold, false).unwrap();
    assert!(p.rich_text("s1").unwrap().blocks[1].runs.iter().all(|r| !r.bold));
    p.validate().unwrap();
}

#[test]
fn moving_reorders_and_reparents_but_never_into_itself() {
    let mut p = page();
    p.add_section("s1", "s1a", "One A", None).unwrap();
    p.move_node("s2", "pg", Some(0)).unwrap();
    assert_eq!(p.read().children[0].id, "s2");
    p.move_node("s1a", "s2", None).unwrap();
    assert_eq!(p.parent_of("s1a").as_deref(), Some("s2"));
    assert!(p.move_node("s2", "s1a", None).is_err());
    assert!(p.move_node("s2", "s2", None).is_err());
    // many inserts at the same place exhaust floating point and renumber
    for i in 0..80 {
        p.add_section("pg", &format!("n{i}"), &format!("{i}"), Some(1)).unwrap();
    }
    let ids: Vec<_> = p.read().children.into_iter().map(|c| c.id).collect();
    assert_eq!(ids[0], "s2");
    assert_eq!(ids[1], "n79");
    assert_eq!(ids.last().unwrap(), "s1");
}

#[test]
fn deleting_a_section_deletes_its_subtree() {
    let mut p = page();
    p.add_section("s1", "s1a", "One A", None).unwrap();
    p.attach_file("s1a", "cv", file()).unwrap();
    let patches = p.delete_node("s1").unwrap();
    for n in ["s1", "s1a", "cv"] {
        assert!(patches.contains(&DocPatch::NodeRemoved { node: n.into() }), "{n} in {patches:?}");
    }
    assert_eq!(p.read().children.len(), 1);
    p.validate().unwrap();
}

#[test]
fn submitting_records_state_and_date() {
    let mut p = page();
    assert!(!p.is_submitted());
    let patches = p.submit(Timestamp(42)).unwrap();
    assert!(patches.contains(&DocPatch::DocumentChanged { field: "submitted".into() }));
    assert_eq!(p.read().submitted_at, Some(Timestamp(42)));
    p.withdraw().unwrap();
    assert_eq!(p.read().submitted_at, None);
}

#[test]
fn remote_changes_report_what_changed() {
    let mut mine = page();
    let mut theirs = PageDoc::load(&mine.save(), actor::actor_for("user:bob", [2; 16])).unwrap();
    let heads = theirs.heads();
    theirs.splice_text("s2", 0, 0, "hi").unwrap();
    theirs.rename("s1", "Uno").unwrap();
    theirs.add_section("s2", "s2a", "Deep", None).unwrap();
    let patches = mine.apply_remote(theirs.changes_since(&heads)).unwrap();
    assert!(patches.contains(&DocPatch::TextSpliced { node: "s2".into(), index: 0, text: "hi".into() }));
    assert!(patches.contains(&DocPatch::NodeChanged { node: "s1".into(), field: "title".into() }));
    assert!(patches.contains(&DocPatch::NodeAdded { node: "s2a".into() }));
    assert_eq!(mine.read(), theirs.read());
}

#[test]
fn portfolio_and_collection_list_their_children() {
    let mut pf = PortfolioDoc::create(ada(), "pf", "Mine").unwrap();
    pf.add_collection("c1", "Year 1", DocumentId::from_bytes([1; 16]), None).unwrap();
    pf.add_collection("c2", "Year 2", DocumentId::from_bytes([2; 16]), None).unwrap();
    pf.rename_collection("c1", "First year").unwrap();
    pf.move_collection("c2", 0).unwrap();
    pf.set_metadata("Ada's", "About me").unwrap();
    let read = pf.read();
    assert_eq!(read.title, "Ada's");
    assert_eq!(read.collections[0].id, "c2");
    assert_eq!(read.collections[1].title, "First year");
    assert_eq!(read.collections[1].document, Some(DocumentId::from_bytes([1; 16])));
    pf.delete_collection("c2").unwrap();
    assert_eq!(pf.read().collections.len(), 1);
    pf.validate().unwrap();

    let mut c = CollectionDoc::create(ada(), "c1", "pf").unwrap();
    c.add_page("p1", "Reflection", DocumentId::from_bytes([3; 16]), None).unwrap();
    c.add_page("p0", "Intro", DocumentId::from_bytes([4; 16]), Some(0)).unwrap();
    c.rename_page("p1", "Reflections").unwrap();
    c.move_page("p1", 0).unwrap();
    let read = c.read();
    assert_eq!(read.portfolio, "pf");
    assert_eq!(read.pages.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Reflections", "Intro"]);
    c.delete_page("p0").unwrap();
    c.validate().unwrap();
}

fn tom() -> Author {
    Author { principal: "user:tom".into(), name: "Tom".into(), role: Some("teacher".into()), organisation: Some("uni".into()) }
}

#[test]
fn feedback_holds_comments_replies_evaluations_and_resolution() {
    let anchor = Anchor { doc: DocumentId::from_bytes([5; 16]), node: "s1".into() };
    let mut fb = FeedbackDoc::create(actor::actor_for("user:tom", [3; 16]), "t1", anchor.clone(), "user:ada", tom()).unwrap();
    fb.add_comment("e1", "Good", Timestamp(1)).unwrap();
    fb.reply("e2", "x9", "Agreed", Timestamp(2)).unwrap();
    let ev = Evaluation { criterion: "reflection".into(), level: "proficient".into(), note: Some("clear".into()) };
    fb.evaluate("e3", ev.clone(), "Meets the bar", Timestamp(3)).unwrap();
    fb.edit_entry("e1", "Very good", Timestamp(4)).unwrap();
    fb.delete_entry("e2", Timestamp(5)).unwrap();
    fb.hide_entry("e3", true).unwrap();
    fb.resolve(true, Timestamp(6)).unwrap();
    let read = fb.read();
    assert_eq!(read.thread, "t1");
    assert_eq!(read.anchor, anchor);
    assert_eq!(read.author, tom());
    assert_eq!(read.entries[0].body, "Very good");
    assert_eq!(read.entries[0].edited_at, Some(Timestamp(4)));
    assert!(read.entries[1].deleted && read.entries[1].body.is_empty());
    assert_eq!(read.entries[1].kind, EntryKind::Reply { to: "x9".into() });
    assert_eq!(read.entries[2].kind, EntryKind::Evaluation(ev));
    assert!(read.entries[2].hidden);
    fb.validate().unwrap();

    let mut other = read.clone();
    other.resolution = Some(folio_core::doc::Resolution { resolved: false, at: Timestamp(7) });
    assert!(Feedback::resolution([&read]));
    assert!(!Feedback::resolution([&read, &other]));
}

#[test]
fn loading_checks_the_kind_and_the_schema() {
    let mut p = page();
    let bytes = p.save();
    assert!(PortfolioDoc::load(&bytes, ada()).is_err());
    assert!(PageDoc::load(&bytes, ada()).is_ok());
}

#[test]
fn the_validator_names_unknown_keys_wrong_types_and_broken_links() {
    let p = page();
    let mut raw = p.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s1 = raw.get(&nodes, "s1").unwrap().unwrap().1;
    raw.transact(|tx| -> Result<(), automerge::AutomergeError> {
        tx.put(&s1, "colour", "red")?;
        tx.put(&s1, "title", 7)?;
        tx.put(&s1, "parent", "ghost")?;
        tx.put(ROOT, "schema", 99)?;
        Ok(())
    })
    .unwrap();
    let err = schema::validate(&raw).unwrap_err().to_string();
    assert!(err.contains("`nodes/s1/colour` is not a known field"), "{err}");
    assert!(err.contains("`nodes/s1/title` should be a string, not an integer"), "{err}");
    assert!(err.contains("`ghost` is neither the page nor a node on it"), "{err}");
    assert!(err.contains("`schema` is version 99"), "{err}");
}

#[test]
fn the_validator_finds_parent_cycles() {
    let mut p = page();
    p.add_section("s1", "s1a", "A", None).unwrap();
    let mut raw = p.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s1 = raw.get(&nodes, "s1").unwrap().unwrap().1;
    raw.transact(|tx| tx.put(&s1, "parent", "s1a")).unwrap();
    let err = schema::validate(&raw).unwrap_err().to_string();
    assert!(err.contains("its own ancestor"), "{err}");
}
