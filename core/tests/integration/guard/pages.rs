//! Page rights: who may edit, create, delete or submit what, and when.

use super::*;

#[test]
fn the_owner_edits_freely() {
    let (mut server, engine) = (server_page(), engine());
    let olga = user("olga");
    let (mut c, h) = client(&server, &olga, 1);
    c.splice_text("t", 0, 0, "more ").unwrap();
    c.add_section("s", "s2", "Nested", None).unwrap();
    c.submit(NOW).unwrap();
    c.delete_node("t").unwrap();
    let v = send(&mut server, &engine, &c, &h, &olga, NOW);
    assert!(v.all_accepted(), "{v:#?}");
    assert_eq!(v.heads, server.get_heads());
    assert_eq!(PageDoc::from_automerge(server).unwrap().read(), c.read());
}

#[test]
fn block_styles_pass_the_guard_one_change_at_a_time() {
    // The browser sends each keystroke and each style change as it happens:
    // a paragraph split, then the new block made a heading (its marker
    // replaced, with `attrs/level`), then a list item, then a heading again.
    use folio_core::doc::BlockKind;
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (mut c, mut h) = client(&server, &wendy, 1);
    let step = |c: &mut PageDoc, h: &mut Vec<ChangeHash>, server: &mut Automerge| {
        let v = send(server, &engine, c, h, &wendy, NOW);
        assert!(v.all_accepted(), "{v:#?}");
        *h = c.heads();
    };
    c.set_block("s", 4, BlockKind::Paragraph).unwrap();
    step(&mut c, &mut h, &mut server);
    c.splice_text("s", 5, 0, "title").unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::Heading(2)).unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::UnorderedListItem).unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::Heading(3)).unwrap();
    step(&mut c, &mut h, &mut server);
    assert_eq!(PageDoc::from_automerge(server).unwrap().read(), c.read());
}

#[test]
fn a_commenter_cannot_edit_page_text() {
    let (mut server, engine) = (server_page(), engine());
    let before = server.get_heads();
    let carl = user("carl");
    let (mut c, h) = client(&server, &carl, 1);
    c.splice_text("s", 0, 0, "graffiti ").unwrap();
    let v = send(&mut server, &engine, &c, &h, &carl, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    let reason = &v.reasons(&v.rejected()[0])[0];
    assert_eq!(reason.node.as_deref(), Some("s"));
    assert!(reason.message.contains("edit the text of `s`"), "{reason}");
    assert_eq!(server.get_heads(), before, "nothing of it reached the document");
    assert_eq!(v.refused_text(&v.rejected()[0])[0].text, "graffiti ");
}

#[test]
fn a_commenter_cannot_submit_the_page_or_add_sections() {
    let (mut server, engine) = (server_page(), engine());
    let carl = user("carl");
    let (mut c, h) = client(&server, &carl, 1);
    c.submit(NOW).unwrap();
    c.add_section("pg", "x", "X", None).unwrap();
    let v = send(&mut server, &engine, &c, &h, &carl, NOW);
    assert_eq!(v.rejected().len(), 2);
    assert!(v.accepted().is_empty());
}

#[test]
fn a_reviewer_with_write_on_section_s_edits_s_but_not_t() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, h) = client(&server, &rita, 1);
    c.splice_text("s", 4, 0, ", reviewed").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert!(v.all_accepted(), "{v:#?}");

    let (mut c, h) = client(&server, &rita, 2);
    c.splice_text("t", 0, 0, "sneaky ").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    assert_eq!(text_of(&server, "t"), "in t");
    assert_eq!(text_of(&server, "s"), "in s, reviewed");
}

#[test]
fn a_reviewer_may_create_inside_their_section_and_keep_editing_what_they_created() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, h) = client(&server, &rita, 1);
    c.add_section("s", "s-new", "New", None).unwrap();
    c.splice_text("s-new", 0, 0, "fresh").unwrap(); // unknown to the engine: judged by `s`
    c.rename("s-new", "Newer").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert!(v.all_accepted(), "{v:#?}");

    let (mut c, h) = client(&server, &rita, 2);
    c.add_section("t", "t-new", "Nope", None).unwrap();
    c.move_node("s-new", "t", None).unwrap();
    c.move_node("s", "pg", Some(5)).unwrap(); // reordering the page needs Write on the page
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert_eq!(v.rejected().len(), 3, "{v:#?}");
}

#[test]
fn a_write_grantee_cannot_delete_a_node_without_remove() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (mut c, h) = client(&server, &wendy, 1);
    c.add_section("pg", "w", "Wendy's", None).unwrap();
    let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
    assert!(v.all_accepted(), "creating needs only Write: {v:#?}");

    let (mut c, h) = client(&server, &wendy, 2);
    c.delete_node("t").unwrap();
    let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    assert!(v.reasons(&v.rejected()[0])[0].message.contains("remove access"), "{v:#?}");

    let remy = user("remy");
    let (mut c, h) = client(&server, &remy, 1);
    c.delete_node("t").unwrap();
    assert!(send(&mut server, &engine, &c, &h, &remy, NOW).all_accepted());
}

#[test]
fn a_read_only_link_cannot_send_any_change() {
    let (mut server, engine) = (server_page(), engine());
    let ro = link();
    let edits: [fn(&mut PageDoc); 4] = [
        |c| drop(c.splice_text("s", 0, 0, "x").unwrap()),
        |c| drop(c.rename("t", "Renamed").unwrap()),
        |c| drop(c.add_section("pg", "x", "X", None).unwrap()),
        |c| drop(c.submit(NOW).unwrap()),
    ];
    for (i, edit) in edits.iter().enumerate() {
        let (mut c, h) = client(&server, &ro, i as u8);
        edit(&mut c);
        let v = send(&mut server, &engine, &c, &h, &ro, NOW);
        assert!(v.accepted().is_empty() && v.rejected().len() == 1, "edit {i}: {v:#?}");
    }
}

#[test]
fn an_edit_made_before_a_grant_expired_that_arrives_after_it_is_refused_with_its_text() {
    let (server, engine) = (server_page(), engine());
    let eva = user("eva");
    let (mut c, h) = client(&server, &eva, 1);
    c.splice_text("t", 4, 0, " written at t=900").unwrap(); // offline, while the grant held

    let mut on_time = server.clone();
    assert!(send(&mut on_time, &engine, &c, &h, &eva, Timestamp(900)).all_accepted());

    let mut late = server.clone();
    let v = send(&mut late, &engine, &c, &h, &eva, Timestamp(1500));
    assert_eq!(kinds(&v), [ReasonKind::Forbidden], "the policy at arrival decides");
    let refused = v.refused_text(&v.rejected()[0]);
    assert_eq!(refused[0].text, " written at t=900");
    assert_eq!(refused[0].node.as_deref(), Some("t"));
    assert_eq!(refused[0].field.as_deref(), Some("text"));
    assert_eq!(text_of(&late, "t"), "in t");
}
