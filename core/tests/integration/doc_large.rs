//! Large pages: reading and validating a page with hundreds of sections gives
//! the same result as a straightforward reference, and (ignored test) prints
//! how long load, validate and read take natively.

use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use folio_core::doc::{BlockKind, FileRef, Format, NodeContent, NodeSpec, PageDoc, PageNode, SchemaError, actor};

fn ada() -> automerge::ActorId {
    actor::actor_for("user:ada", [1; 16])
}

fn body(s: usize) -> String {
    format!("Section {s} opens with some words about the work.\nAnd a second paragraph for section {s}.")
}

fn file(s: usize) -> FileRef {
    FileRef { hash: format!("{:064x}", s), name: format!("f{s}.pdf"), mime: "application/pdf".into(), size: s as u64 }
}

/// The shape of the benchmark page, scaled: every fifth section is top level,
/// the four after it are its children; every tenth section also holds a text
/// resource and a file. Sections are added out of order (`index: Some(0)` for
/// odd ones) so sibling order is not insertion order.
fn build(sections: usize, with_text: bool) -> PageDoc {
    let mut p = PageDoc::create(ada(), "pg", "c1").unwrap();
    for s in 0..sections {
        let parent = if s.is_multiple_of(5) { "pg".to_owned() } else { format!("s{}", s - s % 5) };
        let index = if s % 2 == 1 { Some(0) } else { None };
        p.add_section(&parent, &format!("s{s}"), &format!("Section {s}"), index).unwrap();
        // Text in every section of small pages, every fourth of large ones
        // (building is the slow part of the test in debug builds).
        if with_text && (sections <= 100 || s.is_multiple_of(4)) {
            let id = format!("s{s}");
            p.splice_text(&id, 0, 0, &body(s)).unwrap();
            p.format(&id, 0, 7, Format::Bold, true).unwrap();
            p.set_block(&id, 0, BlockKind::Heading(3)).unwrap();
        }
        if s.is_multiple_of(10) {
            p.add_node(&format!("s{s}"), &format!("t{s}"), &format!("Note {s}"), NodeSpec::Text, None).unwrap();
            p.attach_file(&format!("s{s}"), &format!("f{s}"), file(s)).unwrap();
        }
    }
    p
}

/// A top-level node: id, title, and its children's ids and titles.
type Shape = (String, String, Vec<(String, String)>);

/// The expected tree, computed from how [`build`] placed things rather than
/// from the document: ids and titles only, children in order.
fn reference(sections: usize) -> Vec<Shape> {
    let mut tops = Vec::new();
    for top in (0..sections).step_by(5) {
        // Children s+1..s+4: odd ones were inserted at the front, so they come
        // first in reverse insertion order, then the even ones in order.
        let kids: Vec<usize> = (top + 1..(top + 5).min(sections)).collect();
        let mut order: Vec<usize> = kids.iter().copied().filter(|k| k % 2 == 1).rev().collect();
        order.extend(kids.iter().copied().filter(|k| k.is_multiple_of(2)));
        let mut children = Vec::new();
        if top.is_multiple_of(10) {
            // The text and file were added right after the section was created,
            // at the end; sections added later at the front precede them, and
            // even ones after them.
            let front: Vec<usize> = kids.iter().copied().filter(|k| k % 2 == 1).rev().collect();
            let back: Vec<usize> = kids.iter().copied().filter(|k| k.is_multiple_of(2)).collect();
            children.extend(front.iter().map(|k| (format!("s{k}"), format!("Section {k}"))));
            children.push((format!("t{top}"), format!("Note {top}")));
            children.push((format!("f{top}"), format!("f{top}.pdf")));
            children.extend(back.iter().map(|k| (format!("s{k}"), format!("Section {k}"))));
        } else {
            children.extend(order.iter().map(|k| (format!("s{k}"), format!("Section {k}"))));
        }
        tops.push((format!("s{top}"), format!("Section {top}"), children));
    }
    // Top-level sections: all even multiples... every top is a multiple of 5;
    // odd ones went to the front (reverse order), even ones to the back.
    let (odd, even): (Vec<_>, Vec<_>) = tops.into_iter().enumerate().partition(|(i, _)| (i * 5) % 2 == 1);
    odd.into_iter().rev().chain(even).map(|(_, t)| t).collect()
}

fn shape(nodes: &[PageNode]) -> Vec<Shape> {
    nodes
        .iter()
        .map(|n| {
            (n.id.clone(), n.title.clone(), n.children.iter().map(|c| (c.id.clone(), c.title.clone())).collect())
        })
        .collect()
}

fn check_read(sections: usize) {
    let mut p = build(sections, true);
    let bytes = p.save();
    let p = PageDoc::load(&bytes, ada()).unwrap();
    let page = p.read();
    assert_eq!(page.node, "pg");
    assert_eq!(page.collection, "c1");
    assert_eq!(page.submitted_at, None);
    assert_eq!(shape(&page.children), reference(sections));
    let mut seen = 0;
    let mut stack: Vec<&PageNode> = page.children.iter().collect();
    while let Some(n) = stack.pop() {
        seen += 1;
        let num: usize = n.id[1..].parse().unwrap();
        match (&n.id[..1], &n.content) {
            ("s", NodeContent::Section { text }) => {
                let want = if sections <= 100 || num.is_multiple_of(4) { body(num) } else { String::new() };
                assert_eq!(text.plain().trim_start_matches('\u{fffc}'), want, "text of {}", n.id);
                assert_eq!(text, &p.rich_text(&n.id).unwrap(), "rich text of {}", n.id);
            }
            ("t", NodeContent::Text { text }) => assert_eq!(text.plain(), ""),
            ("f", NodeContent::File(f)) => {
                assert_eq!(f, &file(num));
                assert!(n.children.is_empty());
            }
            other => panic!("unexpected node {other:?}"),
        }
        for c in &n.children {
            assert_eq!(p.parent_of(&c.id).as_deref(), Some(n.id.as_str()));
        }
        stack.extend(n.children.iter());
    }
    assert_eq!(seen, sections + 2 * sections.div_ceil(10));
}

#[test]
fn a_500_section_page_reads_back_like_the_reference() {
    check_read(500);
}

#[test]
fn small_pages_read_back_like_the_reference() {
    for n in [0, 1, 5, 6, 11, 23] {
        check_read(n);
    }
}

/// Break a large page in every way the parent-link rules catch, far from the
/// root and deep in chains, and check the exact violations.
#[test]
fn a_broken_500_section_page_reports_exactly_the_expected_violations() {
    let p = build(500, false);
    assert!(p.validate().is_ok());
    let mut doc = p.into_automerge();
    let nodes = doc.get(ROOT, "nodes").unwrap().unwrap().1;
    // A chain of 300 sections under s495, for depth.
    let mut tx = doc.transaction();
    let mut parent = "s495".to_owned();
    for i in 0..300 {
        let n = tx.put_object(&nodes, format!("d{i}"), ObjType::Map).unwrap();
        tx.put(&n, "type", "section").unwrap();
        tx.put(&n, "parent", parent.as_str()).unwrap();
        tx.put(&n, "pos", 1.0).unwrap();
        tx.put(&n, "title", "deep").unwrap();
        tx.put_object(&n, "text", ObjType::Text).unwrap();
        parent = format!("d{i}");
    }
    // A cycle s100 -> s101 -> s100 (s101 is s100's child): s100's subtree
    // (s101..s104, t100, f100) all become "own ancestor".
    let s100 = doc_get(&tx, &nodes, "s100");
    tx.put(&s100, "parent", "s101").unwrap();
    // A dangling parent for s200 (and so for its descendants).
    let s200 = doc_get(&tx, &nodes, "s200");
    tx.put(&s200, "parent", "gone").unwrap();
    // A section under a text resource.
    let s301 = doc_get(&tx, &nodes, "s301");
    tx.put(&s301, "parent", "t300").unwrap();
    // An unknown field and a bad type far down.
    let s499 = doc_get(&tx, &nodes, "s499");
    tx.put(&s499, "colour", "red").unwrap();
    let s498 = doc_get(&tx, &nodes, "s498");
    tx.put(&s498, "type", "video").unwrap();
    // The deep chain's middle link broken: d150's parent becomes a file.
    let d150 = doc_get(&tx, &nodes, "d150");
    tx.put(&d150, "parent", "f490").unwrap();
    tx.commit();

    let SchemaError::Invalid(v) = folio_core::doc::schema::validate(&doc).unwrap_err();
    let mut got: Vec<String> = v.iter().map(|v| format!("{}: {}", v.path, v.problem)).collect();
    got.sort();
    let mut want = Vec::new();
    let own = |id: &str| format!("nodes/{id}/parent: makes the node its own ancestor");
    for id in ["s100", "s101", "s102", "s103", "s104", "t100", "f100"] {
        want.push(own(id));
    }
    for id in ["s200", "s201", "s202", "s203", "s204", "t200", "f200"] {
        want.push(format!("nodes/{id}/parent: `gone` is neither the page nor a node on it"));
    }
    want.push("nodes/s301/parent: `t300` is not a section, so it cannot contain anything".to_owned());
    want.push("nodes/s499/colour: is not a known field".to_owned());
    want.push("nodes/s498/type: `video` is not one of section, text, file".to_owned());
    for i in 150..300 {
        want.push(format!("nodes/d{i}/parent: `f490` is not a section, so it cannot contain anything"));
    }
    want.sort();
    assert_eq!(got, want);
}

fn doc_get(tx: &automerge::transaction::Transaction<'_>, nodes: &automerge::ObjId, id: &str) -> automerge::ObjId {
    tx.get(nodes, id).unwrap().unwrap().1
}

/// `cargo test -p folio-core --release --test doc_large -- --ignored --nocapture`
#[test]
#[ignore = "timing print, not a test"]
fn timing() {
    for (sections, with_text) in [(50, true), (50, false), (500, true)] {
        let mut p = build(sections, with_text);
        let bytes = p.save();
        let runs = if sections > 100 { 5 } else { 30 };
        let mut t = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..runs {
            let a = Instant::now();
            let doc = automerge::Automerge::load(&bytes).unwrap();
            let b = Instant::now();
            folio_core::doc::schema::validate(&doc).unwrap();
            let c = Instant::now();
            let p = PageDoc::from_automerge(doc).unwrap();
            let d = Instant::now();
            std::hint::black_box(p.read());
            let e = Instant::now();
            t[0].push((b - a).as_secs_f64() * 1e3);
            t[1].push((c - b).as_secs_f64() * 1e3);
            t[2].push((e - d).as_secs_f64() * 1e3);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "{sections} sections{}: {} KB; automerge load {:.2} ms, validate {:.2} ms, read {:.2} ms (medians)",
            if with_text { "" } else { " (no text)" },
            bytes.len() / 1024,
            med(&mut t[0]),
            med(&mut t[1]),
            med(&mut t[2]),
        );
    }
}
