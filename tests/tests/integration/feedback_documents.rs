//! Feedback documents created by clients, end to end with native sync
//! clients: registration through `POST /api/portfolios/{p}/feedback-threads`,
//! creation over sync (guarded: the registered shape, authorship, Comment),
//! and the hide-feedback rule on read (sync and the document list).

use std::time::Duration;

use automerge::AutoCommit;
use folio_core::access::{Grant, Level, Subject};
use folio_core::doc::{Anchor, Author, FeedbackDoc, actor};
use folio_core::sync::DocumentId as WireId;
use folio_core::time::Timestamp;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId, GrantSource};
use folio_tests::TestServer;
use folio_tests::sync::{Account, SyncClient, account, create_portfolio};
use serde_json::{Value, json};

#[derive(Clone)]
struct Registered {
    id: WireId,
    thread: String,
    opener: String,
    author: Author,
}

async fn register(
    server: &TestServer,
    who: &Account,
    p: &WireId,
    node: &str,
    thread: Option<&str>,
) -> (u16, Value) {
    let mut body = json!({ "node": node });
    if let Some(t) = thread {
        body["thread"] = json!(t);
    }
    let r = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{p}/feedback-threads")))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn registered(
    server: &TestServer,
    who: &Account,
    p: &WireId,
    thread: Option<&str>,
) -> Registered {
    let (status, body) = register(server, who, p, &p.to_string(), thread).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["url"],
        format!("automerge:{}", body["id"].as_str().unwrap())
    );
    Registered {
        id: body["id"].as_str().unwrap().parse().unwrap(),
        thread: body["thread"].as_str().unwrap().to_owned(),
        opener: body["opener"].as_str().unwrap().to_owned(),
        author: serde_json::from_value(body["author"].clone()).unwrap(),
    }
}

/// The author's client creates the registered document with one comment and syncs it.
async fn write(
    c: &mut SyncClient,
    who: &Account,
    p: &WireId,
    reg: &Registered,
    opener: &str,
    text: &str,
) {
    let anchor = Anchor {
        doc: folio_core::doc::DocumentId::parse(&p.to_string()).unwrap(),
        node: p.to_string(),
    };
    let session: [u8; 16] = [7; 16];
    let actor = actor::actor_for(&who.key(), session);
    let mut fb = FeedbackDoc::create(
        actor.clone(),
        &reg.thread,
        anchor,
        opener,
        reg.author.clone(),
    )
    .unwrap();
    fb.add_comment("e1", text, Timestamp(1)).unwrap();
    let doc = AutoCommit::load(&fb.save()).unwrap().with_actor(actor);
    let m = c.repo.add(reg.id, doc);
    c.send(m).await;
}

fn comment(c: &SyncClient, id: &WireId) -> Option<String> {
    let doc = c.repo.doc(id)?;
    let fb =
        FeedbackDoc::from_automerge(automerge::Automerge::load(&doc.clone().save()).ok()?).ok()?;
    fb.read().entries.first().map(|e| e.body.clone())
}

async fn grant(server: &TestServer, p: &WireId, to: &Account, level: Level, hide_feedback: bool) {
    let pid = DocumentId::parse(&p.to_string()).unwrap();
    let mut g = Grant::new(0, pid.as_str(), Subject::user(to.id.to_string()), level);
    g.hide_feedback = hide_feedback;
    server
        .state
        .storage()
        .insert_grant(&pid, &g, GrantSource::Direct, None, server.clock.now())
        .await
        .unwrap();
    server.state.policy().grants_changed(&pid).await.unwrap();
}

async fn stored_changes(server: &TestServer, id: &WireId) -> usize {
    server
        .state
        .storage()
        .load_document(&DocumentId::parse(&id.to_string()).unwrap())
        .await
        .unwrap()
        .changes
        .len()
}

async fn listed(server: &TestServer, who: &Account, p: &WireId) -> Vec<String> {
    let r = reqwest::Client::new()
        .get(server.url(&format!("/api/portfolios/{p}/documents")))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether `c` receives the document or is told it is unavailable.
async fn receives(c: &mut SyncClient, id: &WireId) -> bool {
    c.find(*id).await;
    c.until(|c| comment(c, id).is_some() || c.unavailable(id))
        .await;
    !c.unavailable(id)
}

#[tokio::test]
async fn a_teachers_feedback_document_is_registered_created_over_sync_and_read_by_the_owner() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let rea = account(&server, "rea@example.org").await;
    let p = create_portfolio(&server, &olga, "Olga's").await;
    grant(&server, &p, &tom, Level::Comment, false).await;
    grant(&server, &p, &rea, Level::Read, false).await;

    let reg = registered(&server, &tom, &p, None).await;
    assert_eq!(
        reg.opener,
        tom.key(),
        "a new thread is opened by the caller"
    );
    assert_eq!(reg.author.principal, tom.key());
    // Asking again answers the same document.
    let (status, again) = register(&server, &tom, &p, &p.to_string(), Some(&reg.thread)).await;
    assert_eq!(status, 200);
    assert_eq!(again["id"].as_str().unwrap(), reg.id.to_string());

    let mut t = SyncClient::with_cookie(&server, &tom).await;
    write(&mut t, &tom, &p, &reg, &reg.opener, "Good start").await;
    t.drain(Duration::from_millis(300)).await;
    assert!(
        !t.unavailable(&reg.id) && !t.rejected(&reg.id),
        "{:?}",
        t.events
    );
    assert!(
        stored_changes(&server, &reg.id).await >= 2,
        "creation and comment are stored"
    );

    let mut o = SyncClient::with_cookie(&server, &olga).await;
    assert!(receives(&mut o, &reg.id).await);
    assert_eq!(comment(&o, &reg.id).as_deref(), Some("Good start"));
    let mut r = SyncClient::with_cookie(&server, &rea).await;
    assert!(
        receives(&mut r, &reg.id).await,
        "a reader without hide-feedback reads all feedback"
    );
    assert!(
        listed(&server, &rea, &p)
            .await
            .contains(&reg.id.to_string())
    );

    // The owner's feedback names their role as the server knows it, and the
    // guard holds a new document to exactly that.
    let own = registered(&server, &olga, &p, None).await;
    assert_eq!(own.author.role.as_deref(), Some("owner"));
    assert_eq!(own.author.organisation, None);
    let mut forged = own.clone();
    forged.author.role = Some("assessor".into());
    write(&mut o, &olga, &p, &forged, &forged.opener, "I grade this").await;
    o.drain(Duration::from_millis(300)).await;
    assert!(o.rejected(&own.id), "a role the server does not know is refused: {:?}", o.events);
    let mut o2 = SyncClient::with_cookie(&server, &olga).await;
    write(&mut o2, &olga, &p, &own, &own.opener, "Thanks").await;
    o2.drain(Duration::from_millis(300)).await;
    assert!(!o2.unavailable(&own.id) && !o2.rejected(&own.id), "{:?}", o2.events);
    server.stop().await;
}

#[tokio::test]
async fn registration_needs_comment_and_refusals_look_unknown() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let rea = account(&server, "rea@example.org").await;
    let eve = account(&server, "eve@example.org").await;
    let vera = account(&server, "vera@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let p = create_portfolio(&server, &olga, "Olga's").await;
    grant(&server, &p, &rea, Level::Read, false).await;
    grant(&server, &p, &vera, Level::Comment, true).await;
    grant(&server, &p, &tom, Level::Comment, false).await;
    let unknown = register(&server, &olga, &WireId::from_bytes([5; 16]), "n", None).await;
    assert_eq!(unknown.0, 404);
    assert_eq!(
        register(&server, &rea, &p, &p.to_string(), None).await,
        unknown,
        "Read is not enough"
    );
    assert_eq!(
        register(&server, &eve, &p, &p.to_string(), None).await,
        unknown,
        "no access"
    );
    assert_eq!(
        register(&server, &tom, &p, "no-such-node", None).await,
        unknown
    );
    // A hide-feedback visitor cannot join a thread they cannot see.
    let toms = registered(&server, &tom, &p, Some("t-tom")).await;
    assert_eq!(
        register(&server, &vera, &p, &p.to_string(), Some(&toms.thread)).await,
        unknown
    );
    assert_eq!(register(&server, &tom, &p, "bad id!", None).await.0, 400);
    let anonymous = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{p}/feedback-threads")))
        .json(&json!({ "node": p.to_string() }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn only_the_registered_document_can_be_created_and_an_unregistered_one_stays_unavailable() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let wim = account(&server, "wim@example.org").await;
    let p = create_portfolio(&server, &olga, "Olga's").await;
    grant(&server, &p, &tom, Level::Comment, false).await;
    grant(&server, &p, &wim, Level::Comment, false).await;

    // A client-made id nobody registered: unavailable, nothing stored.
    let mut t = SyncClient::with_cookie(&server, &tom).await;
    let stray = Registered {
        id: WireId::from_bytes([42; 16]),
        thread: "t0".into(),
        opener: tom.key(),
        author: Author {
            principal: tom.key(),
            name: "tom".into(),
            role: None,
            organisation: None,
        },
    };
    write(&mut t, &tom, &p, &stray, &tom.key(), "lost").await;
    t.until(|c| c.unavailable(&stray.id)).await;
    assert_eq!(stored_changes(&server, &stray.id).await, 0);

    // The registered id with another opener than registered: refused whole.
    let reg = registered(&server, &tom, &p, None).await;
    write(&mut t, &tom, &p, &reg, &wim.key(), "wrong opener").await;
    t.until(|c| c.rejected(&reg.id)).await;
    assert_eq!(stored_changes(&server, &reg.id).await, 0);

    // Someone else cannot write the author's document (authorship).
    let mut w = SyncClient::with_cookie(&server, &wim).await;
    let mut w_reg = Registered {
        id: reg.id,
        thread: reg.thread.clone(),
        opener: reg.opener.clone(),
        author: reg.author.clone(),
    };
    w_reg.author.name = "tom".into();
    write(&mut w, &wim, &p, &w_reg, &reg.opener, "as tom").await;
    w.until(|c| c.rejected(&reg.id) || c.unavailable(&reg.id))
        .await;
    assert_eq!(stored_changes(&server, &reg.id).await, 0);

    // The author, with the registered values, succeeds.
    let mut t2 = SyncClient::with_cookie(&server, &tom).await;
    write(&mut t2, &tom, &p, &reg, &reg.opener, "right").await;
    t2.drain(Duration::from_millis(300)).await;
    assert!(!t2.rejected(&reg.id), "{:?}", t2.events);
    assert!(stored_changes(&server, &reg.id).await >= 2);
    server.stop().await;
}

#[tokio::test]
async fn a_hide_feedback_visitor_receives_only_their_own_and_the_owners_feedback_in_their_or_the_owners_threads()
 {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let vera = account(&server, "vera@example.org").await;
    let p = create_portfolio(&server, &olga, "Olga's").await;
    grant(&server, &p, &tom, Level::Comment, false).await;
    grant(&server, &p, &vera, Level::Comment, true).await;

    let mut t = SyncClient::with_cookie(&server, &tom).await;
    let mut o = SyncClient::with_cookie(&server, &olga).await;
    let mut v = SyncClient::with_cookie(&server, &vera).await;

    // Tom's thread, and the owner's reply in it.
    let toms = registered(&server, &tom, &p, None).await;
    write(&mut t, &tom, &p, &toms, &toms.opener, "Tom's remark").await;
    let olga_in_toms = registered(&server, &olga, &p, Some(&toms.thread)).await;
    assert_eq!(
        olga_in_toms.opener,
        tom.key(),
        "joining keeps the thread's opener"
    );
    write(
        &mut o,
        &olga,
        &p,
        &olga_in_toms,
        &olga_in_toms.opener,
        "Olga answers Tom",
    )
    .await;
    // The owner's own thread.
    let olgas = registered(&server, &olga, &p, None).await;
    write(&mut o, &olga, &p, &olgas, &olgas.opener, "Olga's own note").await;
    // Vera's thread, and the owner's reply in it.
    let veras = registered(&server, &vera, &p, None).await;
    write(&mut v, &vera, &p, &veras, &veras.opener, "Vera asks").await;
    let olga_in_veras = registered(&server, &olga, &p, Some(&veras.thread)).await;
    write(
        &mut o,
        &olga,
        &p,
        &olga_in_veras,
        &olga_in_veras.opener,
        "Olga answers Vera",
    )
    .await;
    for c in [&mut t, &mut o, &mut v] {
        c.drain(Duration::from_millis(300)).await;
    }
    for id in [
        &toms.id,
        &olga_in_toms.id,
        &olgas.id,
        &veras.id,
        &olga_in_veras.id,
    ] {
        assert!(
            stored_changes(&server, id).await >= 2,
            "every document was created"
        );
    }

    let mut v2 = SyncClient::with_cookie(&server, &vera).await;
    assert!(
        !receives(&mut v2, &toms.id).await,
        "another person's feedback stays hidden"
    );
    assert!(
        !receives(&mut v2, &olga_in_toms.id).await,
        "the owner's reply in another person's thread stays hidden"
    );
    assert!(
        receives(&mut v2, &olgas.id).await,
        "the owner's own thread is visible"
    );
    assert!(
        receives(&mut v2, &veras.id).await,
        "one's own feedback is visible"
    );
    assert!(
        receives(&mut v2, &olga_in_veras.id).await,
        "the owner's reply in one's own thread is visible"
    );
    assert_eq!(
        comment(&v2, &olga_in_veras.id).as_deref(),
        Some("Olga answers Vera")
    );

    let seen = listed(&server, &vera, &p).await;
    for (id, visible) in [
        (&toms.id, false),
        (&olga_in_toms.id, false),
        (&olgas.id, true),
        (&veras.id, true),
        (&olga_in_veras.id, true),
    ] {
        assert_eq!(
            seen.contains(&id.to_string()),
            visible,
            "document list agrees for {id}"
        );
    }
    // Tom (no hide-feedback) sees everyone's.
    let mut t2 = SyncClient::with_cookie(&server, &tom).await;
    for id in [&olga_in_toms.id, &veras.id, &olga_in_veras.id] {
        assert!(receives(&mut t2, id).await);
    }
    server.stop().await;
}
