//! The `folio` binary itself: the lines scripts parse, the first administrator,
//! SIGTERM, environment configuration and the admin CLI on the same database.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

const BIN: &str = env!("CARGO_BIN_EXE_folio");

struct Running {
    child: Child,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Running {
    async fn next_line(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
            .await
            .expect("a line within 60 s")
            .expect("read stdout")
            .expect("stdout still open")
    }

    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running").to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(killed.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("exits within 20 s")
            .expect("wait")
    }
}

fn serve(data_dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--web-dir", "/nonexistent-web-dist"])
        .args(extra);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.env_remove("FOLIO_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn folio");
    let stdout = child.stdout.take().expect("stdout");
    Running {
        child,
        lines: BufReader::new(stdout).lines(),
    }
}

fn listening_addr(line: &str) -> String {
    line.strip_prefix("folio listening on http://")
        .unwrap_or_else(|| panic!("unexpected line `{line}`"))
        .to_owned()
}

#[tokio::test]
async fn the_first_start_prints_the_admin_password_once_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = serve(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let credentials = first.next_line().await;
    let password = credentials
        .strip_prefix("first sign-in: admin@folio.local / ")
        .unwrap_or_else(|| panic!("{credentials}"))
        .to_owned();
    let addr = listening_addr(&first.next_line().await);
    assert!(!addr.ends_with(":0"), "the real port is shown: {addr}");

    let file = dir.path().join("first-login.txt");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{credentials}\n")
    );
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(format!("http://{addr}/api/session"))
        .json(&serde_json::json!({"email": "admin@folio.local", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let me: serde_json::Value = client
        .get(format!("http://{addr}/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["is_admin"], true);

    assert!(first.terminate().await.success(), "SIGTERM is a clean exit");

    // The second start, configured through the environment, creates no one.
    let mut second = serve(dir.path(), &[], &[("FOLIO_LISTEN", "127.0.0.1:0")]);
    let line = second.next_line().await;
    let addr = listening_addr(&line);
    let health: serde_json::Value = reqwest::get(format!("http://{addr}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["db"], "ok");
    assert!(second.terminate().await.success());
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = serve(
        dir.path(),
        &["--listen", "127.0.0.1:0", "--log-format", "json"],
        &[("FOLIO_LOG", "info")],
    );
    running.next_line().await;
    running.next_line().await;
    let mut stderr = running.child.stderr.take().unwrap();
    assert!(running.terminate().await.success());
    let mut text = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text)
        .await
        .unwrap();
    assert!(!text.is_empty());
    for line in text.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("`{line}` is not json: {e}"));
        assert!(value["level"].is_string(), "{line}");
    }
    assert!(
        !text.contains("admin@folio.local /"),
        "the password never goes to the log"
    );
}

#[tokio::test]
async fn the_admin_cli_works_on_the_database_the_server_created() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = serve(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    running.next_line().await;
    let addr = listening_addr(&running.next_line().await);

    let admin = |args: &[&str]| {
        std::process::Command::new(BIN)
            .arg("admin")
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .expect("run folio admin")
    };
    let created = admin(&[
        "user",
        "create",
        "--email",
        "ada@uni.nl",
        "--name",
        "Ada",
        "--password",
        "correct horse battery",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let listed = String::from_utf8(admin(&["user", "list"]).stdout).unwrap();
    assert!(
        listed.contains("admin@folio.local") && listed.contains("ada@uni.nl"),
        "{listed}"
    );
    let failed = admin(&[
        "org",
        "add-member",
        "--org",
        "Nope",
        "--email",
        "ada@uni.nl",
        "--role",
        "student",
    ]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("there is no organisation `Nope`"));

    // The running server sees the user the CLI created.
    let login = reqwest::Client::new()
        .post(format!("http://{addr}/api/session"))
        .json(&serde_json::json!({"email": "ada@uni.nl", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(running.terminate().await.success());
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = std::process::Command::new(BIN)
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on `{addr}`")),
        "{stderr}"
    );
    drop(taken);

    // The failed start did not use up the one-time administrator credentials.
    assert!(!dir.path().join("first-login.txt").exists());
    let mut running = serve(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    assert!(
        running
            .next_line()
            .await
            .starts_with("first sign-in: admin@folio.local / ")
    );
    assert!(running.terminate().await.success());
}
