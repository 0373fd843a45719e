//! The document schema: unknown keys, wrong types, bad marks and block markers.

use super::*;
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};

#[test]
fn unknown_keys_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (c, h) = client(&server, &wendy, 1);
    let mut raw = c.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s = raw.get(&nodes, "s").unwrap().unwrap().1;
    raw.transact(|tx| tx.put(&s, "script", "<script>")).unwrap();
    raw.transact(|tx| tx.put(ROOT, "extra", 1)).unwrap();
    let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");
    assert!(kinds(&v).contains(&ReasonKind::Schema));
    let msg = v.reasons(&v.rejected()[0])[0].message.clone();
    assert!(msg.contains("`nodes/s/script` is not a known field"), "{msg}");
}

#[test]
fn wrong_types_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let mut all = Vec::new();
    let bad: [fn(&mut Automerge); 2] = [
        |raw| {
            let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
            let s = raw.get(&nodes, "s").unwrap().unwrap().1;
            raw.transact(|tx| tx.put(&s, "title", 42)).unwrap();
        },
        |raw| {
            let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
            let t = raw.get(&nodes, "t").unwrap().unwrap().1;
            raw.transact(|tx| tx.put(&t, "text", "plain string where text belongs")).unwrap();
        },
    ];
    for (i, edit) in bad.iter().enumerate() {
        let (c, h) = client(&server, &wendy, i as u8);
        let mut raw = c.into_automerge();
        edit(&mut raw);
        let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
        assert_eq!(kinds(&v), [ReasonKind::Schema], "{v:#?}");
        all.push(v.reasons(&v.rejected()[0])[0].message.clone());
    }
    assert!(all[0].contains("`nodes/s/title` should be a string, not an integer"), "{all:?}");
    assert!(all[1].contains("`nodes/t/text` should be text, not a string"), "{all:?}");
}

#[test]
fn a_javascript_link_and_an_unknown_mark_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (c, h) = client(&server, &wendy, 1);
    let mut raw = c.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s = raw.get(&nodes, "s").unwrap().unwrap().1;
    let text = raw.get(&s, "text").unwrap().unwrap().1;
    let js = automerge::marks::Mark::new("link".into(), r#"{"href":"javascript:alert(1)"}"#, 0, 2);
    raw.transact(|tx| tx.mark(&text, js, automerge::marks::ExpandMark::None)).unwrap();
    let blink = automerge::marks::Mark::new("blink".into(), true, 0, 2);
    raw.transact(|tx| tx.mark(&text, blink, automerge::marks::ExpandMark::None)).unwrap();
    let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");
}

#[test]
fn malformed_block_markers_are_refused() {
    // A block marker is a map inside the text: `type`, `parents`, `attrs`
    // (`level` for headings) and `isEmbed`, nothing else and nothing nested
    // deeper. Each forged marker below is refused, however it is built.
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let bad: [fn(&mut Automerge, &automerge::ObjId); 4] = [
        // an empty map inserted into the text (no type at all)
        |raw, text| {
            raw.transact(|tx| tx.insert_object(text, 1, ObjType::Map).map(|_| ())).unwrap();
        },
        // a paragraph whose `attrs/level` hides a nested object
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "paragraph")?;
                tx.put_object(&b, "parents", ObjType::List)?;
                let attrs = tx.put_object(&b, "attrs", ObjType::Map)?;
                let deep = tx.put_object(&attrs, "level", ObjType::Map)?;
                tx.put(&deep, "payload", "x".repeat(64))
            })
            .unwrap();
        },
        // a heading whose level is a string
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "heading")?;
                let attrs = tx.put_object(&b, "attrs", ObjType::Map)?;
                tx.put(&attrs, "level", "2")
            })
            .unwrap();
        },
        // `isEmbed` that is not a boolean
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "paragraph")?;
                tx.put_object(&b, "isEmbed", ObjType::List).map(|_| ())
            })
            .unwrap();
        },
    ];
    for (i, edit) in bad.iter().enumerate() {
        let (c, h) = client(&server, &wendy, 20 + i as u8);
        let mut raw = c.into_automerge();
        let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
        let s = raw.get(&nodes, "s").unwrap().unwrap().1;
        let text = raw.get(&s, "text").unwrap().unwrap().1;
        edit(&mut raw, &text);
        let before = server.get_heads();
        let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
        assert_eq!(kinds(&v), [ReasonKind::Schema], "case {i}: {v:#?}");
        assert_eq!(server.get_heads(), before, "case {i}: nothing of a refused change is kept");
    }
}
