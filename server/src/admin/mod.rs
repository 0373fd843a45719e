//! `folio admin`: user and organisation administration on a data directory.
//!
//! Works directly on `<data-dir>/folio.db` (SQLite's WAL lets it run while the
//! server is serving). Commands write their report to the given writer, so they
//! are tested without spawning a process.
//!
//! ```text
//! folio admin --data-dir D user create --email E --name N [--admin] [--kind member|external|service] [--password P]
//! folio admin --data-dir D user reset-password --email E [--password P]
//! folio admin --data-dir D user list
//! folio admin --data-dir D org create --name O
//! folio admin --data-dir D org add-member --org O --email E --role R
//! folio admin --data-dir D org list
//! folio admin --data-dir D mail list [--limit N] [--no-body]
//! ```
//!
//! Without `--password` a random one is generated and printed once.

mod mail;
mod org;
mod user;
pub mod web;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::auth::password::PasswordError;
use crate::clock::Clock;
use crate::storage::{SqliteStorage, StorageError, ValueError};

pub use mail::MailCommand;
pub use org::OrgCommand;
pub use user::UserCommand;

/// `folio admin` arguments.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The data directory holding `folio.db` (created if missing).
    #[arg(long, env = "FOLIO_DATA_DIR", default_value = "./.folio")]
    pub data_dir: PathBuf,
    /// What to administer.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// What `folio admin` administers.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// The outbox (mail sent, or kept because no SMTP is configured).
    #[command(subcommand)]
    Mail(MailCommand),
}

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A value given on the command line is invalid.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The password is unacceptable.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The database failed, or a name is taken.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// No user has this email.
    #[error("there is no user `{0}`; see `folio admin user list`")]
    UnknownUser(String),
    /// No organisation has this name.
    #[error("there is no organisation `{0}`; create it with `folio admin org create --name …`")]
    UnknownOrg(String),
    /// A logo file is unacceptable, or could not be stored.
    #[error("{0}")]
    Logo(String),
    /// The data directory or the output failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs one admin command against the data directory.
pub async fn run(
    args: AdminArgs,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    std::fs::create_dir_all(&args.data_dir)?;
    let storage = SqliteStorage::open(&args.data_dir).await?;
    let result = match args.command {
        AdminCommand::User(cmd) => user::run(cmd, &storage, clock, out).await,
        AdminCommand::Org(cmd) => org::run(cmd, &storage, &args.data_dir, clock, out).await,
        AdminCommand::Mail(cmd) => mail::run(cmd, &storage, out).await,
    };
    storage.close().await;
    result
}

/// Hashes a password off the async threads.
async fn hash_password(
    password: crate::secret::Secret<String>,
) -> Result<crate::secret::Secret<String>, AdminError> {
    tokio::task::spawn_blocking(move || crate::auth::password::hash(password.expose()))
        .await
        .map_err(|e| AdminError::Password(PasswordError::Hash(e.to_string())))?
        .map_err(AdminError::from)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::clock::SystemClock;
    use crate::config::{Cli, Command};
    use crate::storage::{Email, OrgStore, UserStore};

    /// Parses `folio admin --data-dir DIR <args>` and runs it, returning the output.
    async fn admin(dir: &std::path::Path, args: &[&str]) -> Result<String, AdminError> {
        let mut argv = vec!["folio", "admin", "--data-dir", dir.to_str().unwrap()];
        argv.extend_from_slice(args);
        let Command::Admin(args) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("expected admin")
        };
        let mut out = Vec::new();
        run(args, &SystemClock, &mut out).await?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[tokio::test]
    async fn creating_a_user_without_a_password_prints_a_generated_one_that_works() {
        let dir = tempfile::tempdir().unwrap();
        let out = admin(
            dir.path(),
            &[
                "user", "create", "--email", "T@Uni.nl", "--name", "Teacher", "--admin",
            ],
        )
        .await
        .unwrap();
        assert!(
            out.starts_with("created user 1 <t@uni.nl> (administrator)\n"),
            "{out}"
        );
        let password = out
            .lines()
            .find_map(|l| l.strip_prefix("password: "))
            .unwrap();
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        let user = storage
            .user_by_email(&Email::parse("t@uni.nl").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(user.is_admin);
        assert!(crate::auth::password::verify(
            password,
            user.password_hash.as_ref().map(|h| h.expose().as_str())
        ));
    }

    #[tokio::test]
    async fn a_given_password_is_not_printed_and_a_short_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = admin(
            dir.path(),
            &[
                "user",
                "create",
                "--email",
                "a@uni.nl",
                "--name",
                "A",
                "--password",
                "long enough pw",
            ],
        )
        .await
        .unwrap();
        assert!(!out.contains("long enough pw"), "{out}");
        let err = admin(
            dir.path(),
            &[
                "user",
                "create",
                "--email",
                "b@uni.nl",
                "--name",
                "B",
                "--password",
                "short",
            ],
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("too short"), "{err}");
        let err = admin(
            dir.path(),
            &["user", "create", "--email", "a@uni.nl", "--name", "A"],
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("`a@uni.nl` already exists"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn resetting_a_password_replaces_it_and_unknown_users_are_named() {
        let dir = tempfile::tempdir().unwrap();
        admin(
            dir.path(),
            &[
                "user",
                "create",
                "--email",
                "a@uni.nl",
                "--name",
                "A",
                "--password",
                "first password",
            ],
        )
        .await
        .unwrap();
        let out = admin(
            dir.path(),
            &[
                "user",
                "reset-password",
                "--email",
                "a@uni.nl",
                "--password",
                "second password",
            ],
        )
        .await
        .unwrap();
        assert_eq!(out, "password of a@uni.nl reset; 0 session(s) ended\n");
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        let user = storage
            .user_by_email(&Email::parse("a@uni.nl").unwrap())
            .await
            .unwrap()
            .unwrap();
        let hash = user.password_hash.as_ref().map(|h| h.expose().as_str());
        assert!(crate::auth::password::verify("second password", hash));
        assert!(!crate::auth::password::verify("first password", hash));
        let err = admin(
            dir.path(),
            &["user", "reset-password", "--email", "nobody@uni.nl"],
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AdminError::UnknownUser(_)), "{err}");
    }

    #[tokio::test]
    async fn organisations_get_members_with_roles_and_everything_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        admin(
            dir.path(),
            &[
                "user", "create", "--email", "a@uni.nl", "--name", "Ada", "--kind", "external",
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            admin(dir.path(), &["org", "create", "--name", "Windesheim"])
                .await
                .unwrap(),
            "created organisation 1 `Windesheim`\n"
        );
        let out = admin(
            dir.path(),
            &[
                "org",
                "add-member",
                "--org",
                "Windesheim",
                "--email",
                "a@uni.nl",
                "--role",
                "supervisor",
            ],
        )
        .await
        .unwrap();
        assert_eq!(out, "a@uni.nl is now supervisor in `Windesheim`\n");
        let out = admin(dir.path(), &["org", "list"]).await.unwrap();
        assert_eq!(out, "Windesheim\n  a@uni.nl  supervisor\n");
        let out = admin(dir.path(), &["user", "list"]).await.unwrap();
        assert!(out.lines().nth(1).unwrap().contains("a@uni.nl"), "{out}");
        assert!(out.contains("external"), "{out}");

        let err = admin(
            dir.path(),
            &[
                "org",
                "add-member",
                "--org",
                "Nope",
                "--email",
                "a@uni.nl",
                "--role",
                "x",
            ],
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AdminError::UnknownOrg(_)), "{err}");
        let err = admin(
            dir.path(),
            &[
                "org",
                "add-member",
                "--org",
                "Windesheim",
                "--email",
                "a@uni.nl",
                "--role",
                "Bad Role",
            ],
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("not a role name"), "{err}");
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        assert_eq!(storage.list_orgs().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_mail_list_shows_the_outbox_newest_first_with_bodies() {
        use crate::storage::{NewMail, OutboxStore};
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(admin(dir.path(), &["mail", "list"]).await.unwrap(), "the outbox is empty\n");
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        for (i, subject) in ["first", "second"].iter().enumerate() {
            let mail = NewMail { to: Email::parse("ext@firm.nl").unwrap(), subject: (*subject).into(), body_text: format!("code {i}"), body_html: None };
            storage.enqueue_mail(&mail, folio_core::time::Timestamp(1_735_689_600_000)).await.unwrap();
        }
        storage.close().await;
        let out = admin(dir.path(), &["mail", "list"]).await.unwrap();
        let second = out.find("subject: second").unwrap();
        let first = out.find("subject: first").unwrap();
        assert!(second < first, "{out}");
        assert!(out.contains("#2 2025-01-01 00:00 UTC to ext@firm.nl — pending") && out.contains("  | code 1"), "{out}");
        let out = admin(dir.path(), &["mail", "list", "--limit", "1", "--no-body"]).await.unwrap();
        assert!(!out.contains("code") && !out.contains("first"), "{out}");
    }

    #[tokio::test]
    async fn set_logo_stores_a_real_image_and_refuses_anything_else_plainly() {
        use crate::storage::OrgLogoStore;
        let dir = tempfile::tempdir().unwrap();
        admin(dir.path(), &["org", "create", "--name", "Northside"]).await.unwrap();
        let png = dir.path().join("logo.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n rest of a png").unwrap();
        let text = dir.path().join("logo.svg");
        std::fs::write(&text, b"<svg onload='alert(1)'/>").unwrap();
        let big = dir.path().join("big.png");
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(300 * 1024, 0);
        std::fs::write(&big, bytes).unwrap();
        let p = png.to_str().unwrap();

        let err = admin(dir.path(), &["org", "set-logo", "--org", "Nowhere", "--file", p]).await.unwrap_err();
        assert!(err.to_string().contains("no organisation `Nowhere`"), "{err}");
        let err = admin(dir.path(), &["org", "set-logo", "--org", "Northside", "--file", text.to_str().unwrap()]).await.unwrap_err();
        assert!(err.to_string().contains("not a PNG, JPEG, GIF or WebP image"), "{err}");
        let err = admin(dir.path(), &["org", "set-logo", "--org", "Northside", "--file", big.to_str().unwrap()]).await.unwrap_err();
        assert!(err.to_string().contains("at most 256 KiB"), "{err}");
        let err = admin(dir.path(), &["org", "set-logo", "--org", "Northside", "--file", "/nonexistent/logo.png"]).await.unwrap_err();
        assert!(err.to_string().contains("i/o error"), "{err}");

        let out = admin(dir.path(), &["org", "set-logo", "--org", "Northside", "--file", p]).await.unwrap();
        assert!(out.starts_with("set the logo of `Northside` (image/png,"), "{out}");
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        let org = storage.org_by_name("Northside").await.unwrap().unwrap();
        let logo = storage.org_logo(org.id).await.unwrap().unwrap();
        assert_eq!(logo.content_type.as_str(), "image/png");
        storage.close().await;
    }
}
