//! The servers under load: Folio's `folio serve` and the reference automerge-repo sync server, each
//! started on a fresh data directory, with their CPU and memory read from `/proc`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use folio_core::sync::DocumentId;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::Args;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Folio,
    Reference,
}

pub(crate) struct Server {
    pub(crate) kind: Kind,
    pub(crate) child: Child,
    pub(crate) ws_url: String,
    pub(crate) http: String,
    pub(crate) cookie: Option<String>,
    pub(crate) csrf: String,
    pub(crate) _dir: tempfile::TempDir,
}

impl Server {
    pub(crate) async fn start(kind: Kind, args: &Args) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = match kind {
            Kind::Folio => {
                let mut c = Command::new(&args.folio_bin);
                c.arg("serve").arg("--data-dir").arg(dir.path()).args([
                    "--web-dir",
                    "/nonexistent",
                    "--listen",
                    "127.0.0.1:0",
                ]);
                c.env("RUST_LOG", "error");
                c
            }
            Kind::Reference => {
                let mut c = Command::new(&args.node);
                c.current_dir(&args.interop)
                    .arg("reference-server.mjs")
                    .arg("0")
                    .arg("--data")
                    .arg(dir.path());
                c
            }
        };
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("FOLIO_LOAD_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .kill_on_drop(true)
            .spawn()
            .expect("start the server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut password = None;
        let addr = loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .expect("server starts")
                .expect("stdout")
                .expect("line");
            if let Some(p) = line.strip_prefix("first sign-in: admin@folio.local / ") {
                password = Some(p.to_owned());
            } else if let Some(a) = line.strip_prefix("folio listening on http://") {
                break a.to_owned();
            } else if let Some(a) = line.strip_prefix("listening on ws://") {
                break a.trim_end_matches("/sync").to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut s = Server {
            kind,
            child,
            ws_url: format!("ws://{addr}/sync"),
            http: format!("http://{addr}"),
            cookie: None,
            csrf: String::new(),
            _dir: dir,
        };
        if kind == Kind::Folio {
            let r = reqwest::Client::new()
                .post(format!("{}/api/session", s.http))
                .json(&serde_json::json!({"email": "admin@folio.local", "password": password.expect("first password")}))
                .send()
                .await
                .expect("login");
            s.cookie = Some(
                r.headers()["set-cookie"]
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            let me: serde_json::Value = r.json().await.unwrap();
            s.csrf = me["csrf_token"].as_str().unwrap().to_owned();
        }
        s
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// CPU seconds used so far (utime + stime).
    pub(crate) fn cpu(&self) -> f64 {
        cpu_of(&self.pid().to_string())
    }

    /// (VmRSS, VmHWM) in KiB.
    pub(crate) fn memory(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let get = |k: &str| {
            status
                .lines()
                .find(|l| l.starts_with(k))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (get("VmRSS:"), get("VmHWM:"))
    }

    /// A document to edit: Folio creates a portfolio (its document);
    /// the reference server gets one from its first editor.
    pub(crate) async fn new_doc(&self) -> (DocumentId, Option<AutoCommit>) {
        match self.kind {
            Kind::Folio => {
                let r = reqwest::Client::new()
                    .post(format!("{}/api/portfolios", self.http))
                    .header("cookie", self.cookie.as_deref().unwrap())
                    .header("x-csrf-token", &self.csrf)
                    .json(&serde_json::json!({"title": "load"}))
                    .send()
                    .await
                    .expect("create portfolio");
                assert_eq!(r.status(), 201);
                let body: serde_json::Value = r.json().await.unwrap();
                (body["id"].as_str().unwrap().parse().unwrap(), None)
            }
            Kind::Reference => {
                let mut doc = AutoCommit::new();
                let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
                doc.splice_text(&text, 0, 0, "start ").unwrap();
                (DocumentId::from_bytes(rand_bytes()), Some(doc))
            }
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// CPU seconds a process (`self` or a pid) used so far (utime + stime).
pub(crate) fn cpu_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

pub(crate) fn rand_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for c in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(Instant::now().elapsed().as_nanos());
        c.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}
