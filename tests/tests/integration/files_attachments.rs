//! Attachments: `POST /api/portfolios/{p}/nodes/{n}/files` and
//! `GET …/files/{hash}` against a real server. Uploading needs Write on the
//! node, downloading Read (and the file must belong to that node); every
//! refusal looks like an unknown address; the size limit holds for declared
//! and undeclared lengths; the content type is recorded; equal bytes are
//! stored once; an oversized or broken-off upload leaves no file behind.

use std::path::Path;
use std::time::Duration;

use folio_core::access::{Grant, Level, Node, NodeKind, Subject};
use folio_server::clock::Clock;
use folio_server::storage::{ContentHash, DocumentId, GrantSource};
use folio_tests::TestServer;
use folio_tests::sync::{Account, account};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

struct Fixture {
    p: DocumentId,
    owner: Account,
    writer: Account,
    commenter: Account,
    reader: Account,
    stranger: Account,
}

async fn fixture(server: &TestServer) -> Fixture {
    let owner = account(server, "olga@example.org").await;
    let r = reqwest::Client::new()
        .post(server.url("/api/portfolios"))
        .header("cookie", &owner.cookie)
        .header("x-csrf-token", &owner.csrf)
        .json(&json!({ "title": "Files" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let p = DocumentId::parse(r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).unwrap();
    server
        .state
        .storage()
        .put_nodes(
            &p,
            &[
                Node::child("c1", NodeKind::Collection, p.as_str()),
                Node::child("c2", NodeKind::Collection, p.as_str()),
            ],
        )
        .await
        .unwrap();
    let writer = account(server, "wim@example.org").await;
    let commenter = account(server, "kim@example.org").await;
    let reader = account(server, "rea@example.org").await;
    let stranger = account(server, "eve@example.org").await;
    for (who, level) in [
        (&writer, Level::Write),
        (&commenter, Level::Comment),
        (&reader, Level::Read),
    ] {
        let g = Grant::new(0, "c1", Subject::user(who.id.to_string()), level);
        server
            .state
            .storage()
            .insert_grant(&p, &g, GrantSource::Direct, None, server.clock.now())
            .await
            .unwrap();
    }
    server.state.policy().grants_changed(&p).await.unwrap();
    Fixture {
        p,
        owner,
        writer,
        commenter,
        reader,
        stranger,
    }
}

async fn upload(
    server: &TestServer,
    who: Option<&Account>,
    p: &str,
    node: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{p}/nodes/{node}/files")))
        .body(body);
    if let Some(a) = who {
        r = r
            .header("cookie", &a.cookie)
            .header("x-csrf-token", &a.csrf);
    }
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    r.send().await.unwrap()
}

async fn download(
    server: &TestServer,
    who: &Account,
    p: &str,
    node: &str,
    hash: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url(&format!("/api/portfolios/{p}/nodes/{node}/files/{hash}")))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap()
}

async fn status_and_body(r: reqwest::Response) -> (u16, Value) {
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Files under `blobs/`, temporary ones separately.
fn blob_files(dir: &Path) -> (Vec<String>, Vec<String>) {
    let (mut blobs, mut tmp) = (Vec::new(), Vec::new());
    let Ok(top) = std::fs::read_dir(dir.join("blobs")) else {
        return (blobs, tmp);
    };
    for d in top.flatten() {
        let is_tmp = d.file_name() == "tmp";
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if is_tmp {
                tmp.push(name)
            } else {
                blobs.push(name)
            }
        }
    }
    (blobs, tmp)
}

/// Sends raw bytes on a fresh connection (writing while reading, so an early
/// answer is seen) and returns what the server answered before closing.
async fn raw_http(addr: std::net::SocketAddr, request: Vec<u8>) -> String {
    use tokio::io::AsyncReadExt;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = w.write_all(&request).await;
        let _ = w.flush().await;
        w
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer is small: read until its JSON body has ended, or the close.
    loop {
        match tokio::time::timeout(Duration::from_secs(10), r.read(&mut buf))
            .await
            .expect("an answer within 10 s")
        {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&answer);
        if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
            break;
        }
    }
    writer.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn uploading_needs_write_and_downloading_needs_read_on_that_node() {
    let server = TestServer::start().await;
    let f = fixture(&server).await;
    let p = f.p.as_str();
    let pdf = b"%PDF-1.7 a small report".to_vec();

    let r = upload(
        &server,
        Some(&f.writer),
        p,
        "c1",
        Some("application/pdf"),
        pdf.clone(),
    )
    .await;
    assert_eq!(r.status(), 201);
    let up: Value = r.json().await.unwrap();
    let hash = up["hash"].as_str().unwrap().to_owned();
    assert_eq!(up["size"], pdf.len());
    assert_eq!(up["content_type"], "application/pdf");
    assert_eq!(hash.len(), 64);
    assert_eq!(
        upload(
            &server,
            Some(&f.owner),
            p,
            "c2",
            Some("text/plain"),
            b"owner's".to_vec()
        )
        .await
        .status(),
        201
    );

    // Refusals look exactly like an unknown portfolio.
    let unknown =
        status_and_body(upload(&server, Some(&f.writer), "nope", "c1", None, b"x".to_vec()).await)
            .await;
    assert_eq!(unknown.0, 404);
    for who in [&f.commenter, &f.reader, &f.stranger] {
        assert_eq!(
            status_and_body(upload(&server, Some(who), p, "c1", None, b"x".to_vec()).await).await,
            unknown
        );
    }
    assert_eq!(
        status_and_body(upload(&server, Some(&f.writer), p, "c2", None, b"x".to_vec()).await).await,
        unknown,
        "Write on c1 is not Write on c2"
    );
    assert_eq!(
        upload(&server, None, p, "c1", None, b"x".to_vec())
            .await
            .status(),
        401
    );

    // Read downloads the bytes with the recorded content type.
    for who in [&f.owner, &f.writer, &f.commenter, &f.reader] {
        let r = download(&server, who, p, "c1", &hash).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    }
    let not_found =
        status_and_body(download(&server, &f.owner, p, "c1", &"0".repeat(64)).await).await;
    assert_eq!(not_found.0, 404);
    assert_eq!(
        status_and_body(download(&server, &f.stranger, p, "c1", &hash).await).await,
        not_found
    );
    assert_eq!(
        status_and_body(download(&server, &f.owner, p, "c2", &hash).await).await,
        not_found,
        "knowing a hash is not enough: it must be this node's file"
    );
    assert_eq!(
        status_and_body(download(&server, &f.reader, p, "c1", "not-a-hash").await).await,
        not_found
    );
    assert_eq!(
        status_and_body(download(&server, &f.reader, "nope", "c1", &hash).await).await,
        not_found
    );
    server.stop().await;
}

#[tokio::test]
async fn equal_bytes_are_stored_once_and_a_missing_content_type_is_octet_stream() {
    let server = TestServer::start().await;
    let f = fixture(&server).await;
    let p = f.p.as_str();
    let bytes = b"same bytes, twice".to_vec();
    let a: Value = upload(&server, Some(&f.writer), p, "c1", None, bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["content_type"], "application/octet-stream");
    let b: Value = upload(
        &server,
        Some(&f.owner),
        p,
        "c2",
        Some("text/plain"),
        bytes.clone(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(a["hash"], b["hash"]);
    let hash = a["hash"].as_str().unwrap();
    let (blobs, tmp) = blob_files(server.dir.path());
    assert_eq!(blobs.len(), 1, "one file for equal bytes: {blobs:?}");
    assert!(tmp.is_empty());
    // Both nodes now hold the file; the first recorded content type stays.
    for node in ["c1", "c2"] {
        let r = download(&server, &f.owner, p, node, hash).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
    }
    let meta = server
        .state
        .storage()
        .blob_meta(&ContentHash::parse(hash).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meta.size, bytes.len() as u64);
    server.stop().await;
}

#[tokio::test]
async fn the_size_limit_holds_streams_past_the_json_limit_and_leaves_nothing_behind() {
    // Uploads may be bigger than JSON bodies (1 MiB): they stream to disk.
    let limit = 3 * 1024 * 1024;
    let server = TestServer::start_with(|c| c.limits.max_upload_bytes = limit).await;
    let f = fixture(&server).await;
    let p = f.p.as_str();
    let big: Vec<u8> = (0..2 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let r = upload(
        &server,
        Some(&f.writer),
        p,
        "c1",
        Some("image/png"),
        big.clone(),
    )
    .await;
    assert_eq!(r.status(), 201, "2 MiB under a 3 MiB limit");
    let hash = r.json::<Value>().await.unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        download(&server, &f.reader, p, "c1", &hash)
            .await
            .bytes()
            .await
            .unwrap()
            .len(),
        big.len()
    );
    let exact = vec![7u8; limit as usize];
    assert_eq!(
        upload(&server, Some(&f.writer), p, "c1", None, exact)
            .await
            .status(),
        201,
        "exactly the limit"
    );
    let before = blob_files(server.dir.path()).0;

    // Declared too large: refused before any byte of the body is read.
    let head = |extra: &str| {
        format!(
            "POST /api/portfolios/{p}/nodes/c1/files HTTP/1.1\r\nhost: {}\r\ncookie: {}\r\nx-csrf-token: {}\r\ncontent-type: text/plain\r\n{extra}\r\n",
            server.addr, f.writer.cookie, f.writer.csrf
        )
    };
    let answer = raw_http(
        server.addr,
        head(&format!("content-length: {}\r\n", limit + 1)).into_bytes(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");

    // Undeclared (chunked) and too large: cut off while streaming.
    let mut chunked = head("transfer-encoding: chunked\r\n").into_bytes();
    for _ in 0..4 {
        chunked.extend_from_slice(format!("{:x}\r\n", 1024 * 1024).as_bytes());
        chunked.extend(std::iter::repeat_n(2u8, 1024 * 1024));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_http(server.addr, chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A body that breaks off mid-way.
    let mut raw = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(head("content-length: 500000\r\n").as_bytes())
        .await
        .unwrap();
    raw.write_all(&[3u8; 100_000]).await.unwrap();
    raw.flush().await.unwrap();
    drop(raw);

    // Nothing new is stored and no temporary file stays (bounded wait for the server to notice).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (blobs, tmp) = blob_files(server.dir.path());
        if tmp.is_empty() {
            assert_eq!(blobs, before, "no partial blob");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "temporary files stay: {tmp:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}
